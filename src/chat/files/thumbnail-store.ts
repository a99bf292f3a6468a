// Thumbnails of pictures sent and received, kept sealed in the vault: one record per file in the store's
// "thumbnails" collection (store/sealed-collection.ts). A preview then survives a reload on both sides: the sender's
// page no longer has the picture it sent, and the receiver's file is sealed on disk and is not decrypted again just
// to draw it. The thumbnail itself is made by the page from decoded pixels (platform/image-preview.ts) and is small
// (≤ 320 px, ~10-30 kB). What comes back from storage is untrusted: a record of any other shape is ignored.
import { fromBase64Url, toBase64Url } from '../../crypto/bytes';
import type { JsonValue } from '../../crypto/vault';

export const thumbnailsCollectionName = 'thumbnails';
/** Larger records are not kept (a 320 px WebP is far below it; a PNG of noise can come close). */
export const maxThumbnailBytes = 256 * 1024;
/** Thumbnails are at most this many pixels on their longer edge (platform/image-preview.ts previewMaxEdgePx). */
export const maxThumbnailEdgePx = 320;

export type ThumbnailType = 'image/webp' | 'image/png';
const thumbnailTypes: readonly ThumbnailType[] = ['image/webp', 'image/png'];

export interface Thumbnail {
  readonly type: ThumbnailType;
  readonly bytes: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** What the store's collection offers (store/sealed-collection.ts SealedCollection). */
export interface ThumbnailCollection {
  get(id: string): Promise<unknown>;
  put(id: string, value: JsonValue): Promise<void>;
  remove(id: string): Promise<void>;
}

const isEdge = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= maxThumbnailEdgePx;

export function isThumbnail(value: Thumbnail): boolean {
  return thumbnailTypes.includes(value.type) && value.bytes.length > 0 && value.bytes.length <= maxThumbnailBytes && isEdge(value.width) && isEdge(value.height);
}

export class ThumbnailStore {
  constructor(private readonly collection: ThumbnailCollection) {}

  async get(fileId: string): Promise<Thumbnail | undefined> {
    const value = await this.collection.get(fileId);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const { type, data, width, height } = value as Readonly<Record<string, unknown>>;
    if (typeof data !== 'string' || data.length > Math.ceil((maxThumbnailBytes * 4) / 3) + 4) return undefined;
    let bytes: Uint8Array;
    try {
      bytes = fromBase64Url(data);
    } catch {
      return undefined;
    }
    const thumbnail = { type: type as ThumbnailType, bytes, width: width as number, height: height as number };
    return isThumbnail(thumbnail) ? thumbnail : undefined;
  }

  /** Keeps a copy; a thumbnail out of bounds is refused (RangeError), never stored. */
  async put(fileId: string, thumbnail: Thumbnail): Promise<void> {
    if (!isThumbnail(thumbnail)) throw new RangeError('not a thumbnail');
    const { type, bytes, width, height } = thumbnail;
    await this.collection.put(fileId, { type, data: toBase64Url(bytes), width, height });
  }

  remove(fileId: string): Promise<void> {
    return this.collection.remove(fileId);
  }
}
