// Object URLs for what transfer cards show: a picture's preview and a received file's "Save" link, made once per
// transfer and revoked when the transfer leaves the list (or the profile locks). Previews are always re-encoded
// pixels from platform/image-preview.ts (the first bytes decide the format; SVG and anything that is not PNG, JPEG,
// GIF or WebP get none); the file's own bytes are never an <img> source. A "Save" link's blob is typed
// application/octet-stream (platform/file-sink.ts finishedFileUrl), so opening it downloads instead of rendering.
import type { FileTransferView } from '../app/app-state';
import { finishedFileUrl, openFinishedFile } from '../platform/file-sink';
import { makeImagePreview } from '../platform/image-preview';

export class FileUrls {
  /** The files this page is sending, for their own preview (a reload forgets them: no preview then). */
  private readonly outgoing = new Map<string, Blob>();
  private readonly previews = new Map<string, Promise<string | undefined>>();
  private readonly saves = new Map<string, Promise<string | undefined>>();

  rememberOutgoing(fileId: string, file: Blob): void {
    this.outgoing.set(fileId, file);
  }

  /** The preview's URL (undefined: not a picture we decode); undefined at once while there is nothing to read yet. */
  preview(transfer: FileTransferView): Promise<string | undefined> | undefined {
    const known = this.previews.get(transfer.fileId);
    if (known) return known;
    const source = this.previewSource(transfer);
    if (!source) return undefined;
    const made = source
      .then((blob) => makeImagePreview(blob))
      .then((preview) => (preview ? URL.createObjectURL(preview.blob) : undefined))
      .catch(() => undefined);
    this.previews.set(transfer.fileId, made);
    return made;
  }

  /** The "Save" link's URL for a received file, once it is complete. */
  save(transfer: FileTransferView): Promise<string | undefined> | undefined {
    const ref = transfer.direction === 'in' && transfer.state === 'done' ? transfer.finishedRef : undefined;
    if (!ref) return undefined;
    let url = this.saves.get(transfer.fileId);
    if (!url) this.saves.set(transfer.fileId, (url = finishedFileUrl(ref).catch(() => undefined)));
    return url;
  }

  forget(fileId: string): void {
    this.outgoing.delete(fileId);
    for (const map of [this.previews, this.saves]) {
      void map.get(fileId)?.then((url) => url && URL.revokeObjectURL(url));
      map.delete(fileId);
    }
  }

  clear(): void {
    for (const fileId of new Set([...this.outgoing.keys(), ...this.previews.keys(), ...this.saves.keys()])) this.forget(fileId);
  }

  private previewSource(transfer: FileTransferView): Promise<Blob> | undefined {
    if (transfer.direction === 'out') {
      const file = this.outgoing.get(transfer.fileId);
      return file ? Promise.resolve(file) : undefined;
    }
    // A received file is previewed only once its hash matched: never a half-written or unchecked one.
    if (transfer.state !== 'done' || !transfer.finishedRef) return undefined;
    return openFinishedFile(transfer.finishedRef);
  }
}

/** One per page: the shell remembers outgoing files and forgets transfers; cards ask for URLs. */
export const fileUrls = new FileUrls();
