// The bulk channel's messages: one file chunk each, sealed on its own with the file's key, so any chunk can be sent
// (again) alone and a transfer can resume at any chunk.
//
// Chunk message layout (all integers big-endian)
//   offset  size    field
//   0       1       chunk-message version (chunkMessageVersion = 1)
//   1       12      file id (the 96 random bits whose base64url is the offer's fileId)
//   13      4       chunk index: 0 .. chunks-1, or endOfRunIndex for the marker that ends a run (below)
//   17      16      run salt: random, fresh for every run (every file-accept the sender serves)
//   33      n+16    XChaCha20-Poly1305-IETF ciphertext of the n plaintext bytes, with its 16-byte tag
// Nonce (24 bytes) = run salt (16) || u64 chunk index (8). Associated data = bytes 0..33 (version, file id, index,
// salt), so a chunk opens only as the chunk it was sealed as: moved to another index or file it fails.
// Key = the file's 32-byte random key (file-offer `key`): one key per file, never used for anything else.
//
// Nonce uniqueness: within a run each index is sealed once; across runs the 128-bit random salt differs, so even a
// chunk whose plaintext changed between runs (a file edited on the sender's disk, not caught by the resume check)
// is never sealed twice under one nonce.
//
// Plaintext n = chunkBytes for every chunk but the last, which holds the rest of the file (1..chunkBytes bytes).
// The end-of-run marker (index endOfRunIndex) has an empty plaintext; it is sealed like a chunk so that nobody
// without the key can make one. It tells the receiver that the sender has sent every chunk it asked for: if some are
// still missing (dropped for a bad seal, or for this device's write backlog), the receiver asks again at once.
import { toBase64Url, view } from '../../crypto/bytes';
import type { Sodium } from '../../crypto/sodium';
import { fileIdBytes, maxChunkBytes, minChunkBytes } from './file-frames';

export const chunkMessageVersion = 1;
export const chunkOffsets = { version: 0, fileId: 1, index: 13, salt: 17, ciphertext: 33 } as const;
export const chunkHeaderBytes = chunkOffsets.ciphertext;
export const chunkTagBytes = 16;
export const chunkOverheadBytes = chunkHeaderBytes + chunkTagBytes;
export const runSaltBytes = 16;
export const endOfRunIndex = 0xffff_ffff;
/** Largest message we put on a bulk channel: 64 KiB, the fastest size measured (docs/lab.md §7, 22 MB/s
 * Chromium→Chromium) and the size every browser accepts when the peer's SDP has no a=max-message-size. */
export const bulkMessageBytes = 64 * 1024;

/** Plaintext bytes per chunk so that a sealed chunk fits the peer's largest message: 65,487 for 64 KiB messages. */
export function chunkBytesFor(peerMaxMessageBytes: number): number {
  const message = Math.min(bulkMessageBytes, Math.max(0, Math.floor(peerMaxMessageBytes)));
  return Math.min(maxChunkBytes, Math.max(minChunkBytes, message - chunkOverheadBytes));
}

export interface ChunkHeader {
  /** base64url, as in the frames. */
  readonly fileId: string;
  readonly index: number;
}

/** Reads the clear header without opening anything: cheap, so that chunks of unknown files cost nothing more. */
export function readChunkHeader(message: Uint8Array): ChunkHeader | undefined {
  if (message.length < chunkOverheadBytes || message[0] !== chunkMessageVersion) return undefined;
  return {
    fileId: toBase64Url(message.subarray(chunkOffsets.fileId, chunkOffsets.index)),
    index: view(message).getUint32(chunkOffsets.index),
  };
}

/** The plaintext length a message carries (its length minus header and tag). */
export function chunkPlaintextBytes(message: Uint8Array): number {
  return message.length - chunkOverheadBytes;
}

function nonceOf(salt: Uint8Array, index: number): Uint8Array {
  const nonce = new Uint8Array(runSaltBytes + 8);
  nonce.set(salt);
  view(nonce).setBigUint64(runSaltBytes, BigInt(index));
  return nonce;
}

export function sealChunk(sodium: Sodium, key: Uint8Array, fileId: Uint8Array, index: number, salt: Uint8Array, plaintext: Uint8Array): Uint8Array {
  if (fileId.length !== fileIdBytes || salt.length !== runSaltBytes) throw new RangeError('file id or salt length');
  const header = new Uint8Array(chunkHeaderBytes);
  header[chunkOffsets.version] = chunkMessageVersion;
  header.set(fileId, chunkOffsets.fileId);
  view(header).setUint32(chunkOffsets.index, index);
  header.set(salt, chunkOffsets.salt);
  const sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, header, null, nonceOf(salt, index), key);
  const message = new Uint8Array(chunkHeaderBytes + sealed.length);
  message.set(header);
  message.set(sealed, chunkHeaderBytes);
  return message;
}

/** The plaintext, or undefined when the message does not open under this key as the chunk its header names. */
export function openChunk(sodium: Sodium, key: Uint8Array, message: Uint8Array): Uint8Array | undefined {
  if (message.length < chunkOverheadBytes) return undefined;
  const header = message.subarray(0, chunkHeaderBytes);
  const salt = message.subarray(chunkOffsets.salt, chunkOffsets.ciphertext);
  const index = view(message).getUint32(chunkOffsets.index);
  try {
    return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, message.subarray(chunkHeaderBytes), header, nonceOf(salt, index), key);
  } catch {
    return undefined;
  }
}
