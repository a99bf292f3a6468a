// File-transfer control frames: what travels on the sealed chat channel about a file (the file's bytes travel on
// the bulk channel, chunk-codec.ts). They are frames of the one chat protocol (chat/frames.ts carries their types,
// encodes and decodes them, and calls validateFileFrame); this file holds their shapes and checks.
//
// The exchange (S = sender, R = receiver):
//   S → R  file-offer    name, size, type, chunking, BLAKE2b-256 of the whole file, the 32-byte file key
//   R → S  file-accept   the chunk ranges R already has (none the first time); S sends every other chunk
//          file-decline  R does not want it ('declined') or cannot take it ('too-large')
//   R → S  file-done     R has every chunk, the hash matched, the file is kept
//   either file-cancel   the transfer ends; `reason` says why (the person cancelled, the file changed on S's disk,
//                        the hash did not match, R's disk is full)
// Resuming is file-accept again, on a later connection (or after the end of a run that left gaps), with the ranges R
// has written to disk; S re-reads only the other chunks. A sender that reconnects repeats its offer for every
// transfer not finished, so a receiver that missed a frame (file-done, file-decline) answers it again.
//
// DECODING is strict, as for every frame: ids of one shape, names sanitised (sanitizeFileName: no path separators,
// no control or bidirectional-override characters, at most maxFileNameChars), sizes and counts bounded and
// consistent (chunks = ceil(size / chunkBytes)), keys and hashes exactly 32 bytes. Whether the numbers are true is
// checked against the bytes later (lengths per chunk, the hash at the end).
import { isConversationId } from '../wire-ids';

/** Frame type numbers after frames.ts's (1..9). */
export const fileFrameTypes = {
  'file-offer': 10,
  'file-accept': 11,
  'file-decline': 12,
  'file-cancel': 13,
  'file-done': 14,
} as const;

export type FileFrameType = keyof typeof fileFrameTypes;

/** File ids: 96 random bits in base64url, the same shape as message ids. */
export const fileIdBytes = 12;
export const fileIdPattern = /^[A-Za-z0-9_-]{16}$/;
/** File keys and BLAKE2b-256 hashes: 32 bytes, 43 base64url characters. */
const bytes32Pattern = /^[A-Za-z0-9_-]{43}$/;
/** Longest file name a frame may carry, in UTF-16 code units. */
export const maxFileNameChars = 255;
/**
 * Longest name a file is kept and saved under, in UTF-8 bytes. Linux file systems allow 255 bytes, and Chromium
 * saves a download first as `<name>.crdownload` (11 bytes more): over 244 bytes it saved nothing and said nothing.
 * 200 leaves that room and some for a browser's " (1)" on a second copy.
 */
export const maxFileNameBytes = 200;
/** Put where a name was cut, before its extension: the person sees it was shortened (isShortenedFileName). */
const cutMark = '…';
/** Longest media type (RFC 6838 allows 127 per part; we take no parameters). */
const mimePattern = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}$/;
export const fallbackMime = 'application/octet-stream';
/** Chunk sizes a receiver takes (plaintext bytes per chunk); senders pick chunk-codec.ts chunkBytesFor. */
export const minChunkBytes = 1024;
export const maxChunkBytes = 256 * 1024;
/** Most chunks in one file: bounds the received-chunk bitmap (128 KiB) and the chunk index (u32 on the wire). */
export const maxChunks = 1 << 20;
/** Largest file the protocol carries: maxChunks chunks of 64 KiB (64 GiB). Receivers set their own, lower limit. */
export const maxProtocolFileBytes = maxChunks * 64 * 1024;
/** Ranges in one file-accept: keeps the frame under frames.ts maxFrameBytes (each range is at most ~18 bytes). */
export const maxHaveRanges = 2048;

/** Half-open chunk index ranges [start, end), ascending and disjoint. */
export type ChunkRanges = readonly (readonly [number, number])[];

export type DeclineReason = 'declined' | 'too-large';
export type CancelReason = 'cancelled' | 'file-changed' | 'hash-mismatch' | 'disk-full';
const declineReasons: readonly string[] = ['declined', 'too-large'] satisfies DeclineReason[];
const cancelReasons: readonly string[] = ['cancelled', 'file-changed', 'hash-mismatch', 'disk-full'] satisfies CancelReason[];

export type FileFrame =
  /** The sender offers a file. `hash`: BLAKE2b-256 of the whole file; `key`: the XChaCha20-Poly1305 key its chunks
   * are sealed with (this frame is itself sealed end to end, so only the receiver learns it). */
  | {
      type: 'file-offer';
      conversation: string;
      fileId: string;
      name: string;
      size: number;
      mime: string;
      chunkBytes: number;
      chunks: number;
      hash: string;
      key: string;
    }
  /** The receiver wants the file, and already has these chunks (empty the first time). */
  | { type: 'file-accept'; conversation: string; fileId: string; have: ChunkRanges }
  | { type: 'file-decline'; conversation: string; fileId: string; reason: DeclineReason }
  | { type: 'file-cancel'; conversation: string; fileId: string; reason: CancelReason }
  /** The receiver has the whole file and its hash matched. */
  | { type: 'file-done'; conversation: string; fileId: string };

/** Builds the frame from the body's known fields only (frames.ts `validate` calls this for the file-* types). */
export function validateFileFrame(type: FileFrameType, b: Readonly<Record<string, unknown>>): FileFrame | undefined {
  if (!isConversationId(b.conversation) || !isFileId(b.fileId)) return undefined;
  const { conversation, fileId } = b;
  switch (type) {
    case 'file-offer': {
      const { size, chunkBytes, chunks } = b;
      if (!isCount(size, maxProtocolFileBytes) || !isCount(chunkBytes, maxChunkBytes) || chunkBytes < minChunkBytes) return undefined;
      if (!isCount(chunks, maxChunks) || chunks !== Math.ceil(size / chunkBytes)) return undefined;
      if (typeof b.name !== 'string' || b.name.length > maxFileNameChars || !isMime(b.mime)) return undefined;
      if (!isBytes32(b.hash) || !isBytes32(b.key)) return undefined;
      return { type, conversation, fileId, name: sanitizeFileName(b.name), size, mime: b.mime, chunkBytes, chunks, hash: b.hash, key: b.key };
    }
    case 'file-accept':
      return isRanges(b.have) ? { type, conversation, fileId, have: b.have.map(([start, end]) => [start, end] as const) } : undefined;
    case 'file-decline':
      return typeof b.reason === 'string' && declineReasons.includes(b.reason)
        ? { type, conversation, fileId, reason: b.reason as DeclineReason }
        : undefined;
    case 'file-cancel':
      return typeof b.reason === 'string' && cancelReasons.includes(b.reason)
        ? { type, conversation, fileId, reason: b.reason as CancelReason }
        : undefined;
    case 'file-done':
      return { type, conversation, fileId };
  }
}

export function isFileId(value: unknown): value is string {
  return typeof value === 'string' && fileIdPattern.test(value);
}

function isBytes32(value: unknown): value is string {
  return typeof value === 'string' && bytes32Pattern.test(value);
}

function isCount(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= max;
}

function isMime(value: unknown): value is string {
  return typeof value === 'string' && mimePattern.test(value);
}

function isRanges(value: unknown): value is [number, number][] {
  if (!Array.isArray(value) || value.length > maxHaveRanges) return false;
  let previousEnd = 0;
  for (const range of value) {
    if (!Array.isArray(range) || range.length !== 2) return false;
    const [start, end] = range as unknown[];
    if (!isCount(start, maxChunks) || !isCount(end, maxChunks) || start >= end || start < previousEnd) return false;
    previousEnd = end;
  }
  return true;
}

/** A media type as the sender states it, lower-cased, without parameters; anything else is octet-stream. It is
 * never trusted for display: previews decide by the bytes (platform/image-preview.ts). */
export function normalizeMime(type: string): string {
  const bare = type.split(';')[0]!.trim().toLowerCase();
  return mimePattern.test(bare) ? bare : fallbackMime;
}

/** Characters removed from names: C0/C1 controls, and the invisible and bidirectional formatting characters that
 * make "txt.exe" read as "exe.txt" (U+202E) or hide characters (zero-width, BOM). */
const invisibleChars = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;
/** Path separators and the other characters Windows refuses in names. */
const separatorChars = /[/\\:*?"<>|]/g;
/** Device names Windows reserves, with or without an extension. */
const reservedNames = /^(?:con|prn|aux|nul|com[0-9]|lpt[0-9])(?:\..*)?$/i;

/**
 * A file name that is safe to show and to save anywhere: NFC; no path separators (replaced by "_"), no control or
 * invisible formatting characters; no leading dots or spaces (hidden files, "../"), no trailing dots or spaces
 * (Windows drops them); not a reserved Windows device name; at most maxFileNameBytes UTF-8 bytes, cut inside the
 * stem (marked "…") so the extension survives; never empty ("file").
 */
export function sanitizeFileName(name: string): string {
  let clean = name.normalize('NFC').replace(invisibleChars, '').replace(separatorChars, '_');
  clean = clean.replace(/^[\s.]+/, '').replace(/[\s.]+$/, '');
  if (reservedNames.test(clean)) clean = `_${clean}`;
  if (utf8Bytes(clean) > maxFileNameBytes) {
    const dot = clean.lastIndexOf('.');
    const extension = dot > 0 && clean.length - dot <= 16 ? clean.slice(dot) : '';
    const stem = clean.slice(0, clean.length - extension.length);
    clean = cutToBytes(stem, maxFileNameBytes - utf8Bytes(extension) - utf8Bytes(cutMark)).replace(/[\s.]+$/, '') + cutMark + extension;
  }
  return clean || 'file';
}

/** Whether sanitizeFileName cut this name to fit (its mark stands where the cut was, before the extension). */
export function isShortenedFileName(name: string): boolean {
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 && name.length - dot <= 16 ? name.slice(0, dot) : name;
  return stem.endsWith(cutMark);
}

const utf8Bytes = (text: string): number => new TextEncoder().encode(text).length;

/** The longest prefix of `text` of at most `bytes` UTF-8 bytes, whole code points only. */
function cutToBytes(text: string, bytes: number): string {
  let used = 0;
  let end = 0;
  for (const codePoint of text) {
    const size = utf8Bytes(codePoint);
    if (used + size > bytes) break;
    used += size;
    end += codePoint.length;
  }
  return text.slice(0, end);
}
