// Object URLs for the pictures transfer cards show, made once per transfer and revoked when the transfer leaves the
// list (or the profile locks). A picture's thumbnail is kept sealed in the vault (chat/files/thumbnail-store.ts):
// the first time a card shows a picture, the thumbnail is made from decoded pixels (platform/image-preview.ts: the
// first bytes decide the format; SVG and anything that is not PNG, JPEG, GIF or WebP get none) and kept, so both
// sides still show it after a reload (the sender's page no longer has the picture then, and the receiver's copy is
// sealed on disk). The file's own bytes are never an <img> source. "Save" is not here: the app decrypts the file
// into a temporary copy and the shell downloads it (tincan-shell.ts saveFile).
import type { FileTransferView } from '../app/app-state';
import type { TincanApp } from '../app/tincan-app';
import type { Thumbnail, ThumbnailType } from '../chat/files/thumbnail-store';
import { sniffRasterImage } from '../chat/files/picture-bytes';
import { makeImagePreview, previewHeadBytes } from '../platform/image-preview';

/** What the URLs need of the app. */
export type FilePort = Pick<TincanApp, 'thumbnail' | 'keepThumbnail' | 'openReceivedFile'>;

/** Received pictures larger than this are not decrypted whole to make a thumbnail (they get none). */
export const maxPreviewFileBytes = 64 * 1024 * 1024;

export class FileUrls {
  private port?: FilePort;
  /** The files this page is sending, until their thumbnail is made. */
  private readonly outgoing = new Map<string, Blob>();
  private readonly previews = new Map<string, Promise<string | undefined>>();

  /** The shell hands over the app once it exists. */
  attach(port: FilePort): void {
    this.port = port;
  }

  rememberOutgoing(fileId: string, file: Blob): void {
    this.outgoing.set(fileId, file);
  }

  /** The preview's URL (undefined: not a picture); undefined at once while there is nothing to show yet (a received
   * file before its hash matched: never a half-written or unchecked one). */
  preview(transfer: FileTransferView): Promise<string | undefined> | undefined {
    const known = this.previews.get(transfer.fileId);
    if (known) return known;
    if (!this.port || (transfer.direction === 'in' && transfer.state !== 'done')) return undefined;
    const made = this.thumbnailOf(this.port, transfer)
      .then((thumbnail) => (thumbnail ? URL.createObjectURL(new Blob([thumbnail.bytes as Uint8Array<ArrayBuffer>], { type: thumbnail.type })) : undefined))
      .catch(() => undefined);
    this.previews.set(transfer.fileId, made);
    // An outgoing picture asked for before the shell remembered it: ask again at the next step.
    if (transfer.direction === 'out' && !this.outgoing.has(transfer.fileId)) {
      void made.then((url) => url === undefined && this.previews.get(transfer.fileId) === made && this.previews.delete(transfer.fileId));
    }
    return made;
  }

  forget(fileId: string): void {
    this.outgoing.delete(fileId);
    void this.previews.get(fileId)?.then((url) => url && URL.revokeObjectURL(url));
    this.previews.delete(fileId);
  }

  clear(): void {
    for (const fileId of new Set([...this.outgoing.keys(), ...this.previews.keys()])) this.forget(fileId);
  }

  /** The kept thumbnail, or one made now (and kept) from the picture. */
  private async thumbnailOf(port: FilePort, transfer: FileTransferView): Promise<Thumbnail | undefined> {
    const kept = await port.thumbnail(transfer.fileId);
    if (kept) return kept;
    const picture = await this.pictureOf(port, transfer);
    const preview = picture && (await makeImagePreview(picture));
    if (!preview) return undefined;
    const thumbnail: Thumbnail = {
      type: preview.blob.type as ThumbnailType,
      bytes: new Uint8Array(await preview.blob.arrayBuffer()),
      width: preview.width,
      height: preview.height,
    };
    await port.keepThumbnail(transfer.fileId, thumbnail);
    this.outgoing.delete(transfer.fileId);
    return thumbnail;
  }

  /** The picture's bytes: the file this page sends, or the received one decrypted, if its first bytes are a picture. */
  private async pictureOf(port: FilePort, transfer: FileTransferView): Promise<Blob | undefined> {
    if (transfer.direction === 'out') return this.outgoing.get(transfer.fileId);
    if (transfer.size > maxPreviewFileBytes) return undefined;
    const source = await port.openReceivedFile(transfer.fileId);
    if (!source) return undefined;
    const head = await source.read(0, Math.min(previewHeadBytes, source.size));
    if (!sniffRasterImage(head)) return undefined;
    const bytes = head.length === source.size ? head : await source.read(0, source.size);
    return new Blob([bytes as Uint8Array<ArrayBuffer>]);
  }
}

/** One per page: the shell remembers outgoing files and forgets transfers; cards ask for URLs. */
export const fileUrls = new FileUrls();
