// Received files sealed at rest: what the platform's sink stores (OPFS) is ciphertext, like every other record of the
// vault, so a copy of the browser profile shows no file without the passphrase. Each chunk is sealed on its own with
// the transfer's at-rest key (32 random bytes kept only in the transfer's sealed record, never sent: the sender's
// file key is not reused for storage) and written to a fixed slot, so chunks can arrive in any order, a transfer can
// resume at any chunk after a reload, and any byte range can be read back without reading the whole file.
//
// Stored layout: slot i at offset i × (chunkBytes + restOverheadBytes)
//   offset  size       field
//   0       24         nonce: random for every write (a chunk written again, even with other bytes, never reuses one)
//   24      n + 16     XChaCha20-Poly1305-IETF ciphertext of chunk i's n plaintext bytes, with its tag
// Associated data: restDomain || file id (12 bytes) || u32 chunk index, so a slot opens only as the chunk it was
// sealed as: moved to another index or another file, it fails (FILE_DAMAGED), and nothing unchecked reaches the
// person. The stored file is restOverheadBytes × chunks larger than the plaintext (40 B per 64 KiB: 0.06 %).
import { TincanError } from '../../errors';
import { utf8, view } from '../../crypto/bytes';
import type { Sodium } from '../../crypto/sodium';
import type { FileSink, FileSource } from './file-io';
import { chunkLength } from './transfer';

export const restKeyBytes = 32;
export const restNonceBytes = 24;
export const restTagBytes = 16;
export const restOverheadBytes = restNonceBytes + restTagBytes;
const restDomain = utf8('tincan file at rest v1');

/** What fixes where a chunk is stored. */
export interface StoredFileLayout {
  readonly fileIdBytes: Uint8Array;
  /** Plaintext bytes of the file. */
  readonly size: number;
  readonly chunkBytes: number;
  readonly chunks: number;
}

/** Bytes the stored (sealed) file takes. */
export function storedBytesOf(layout: StoredFileLayout): number {
  return layout.size + layout.chunks * restOverheadBytes;
}

function associatedData(layout: StoredFileLayout, index: number): Uint8Array {
  const ad = new Uint8Array(restDomain.length + layout.fileIdBytes.length + 4);
  ad.set(restDomain);
  ad.set(layout.fileIdBytes, restDomain.length);
  view(ad).setUint32(restDomain.length + layout.fileIdBytes.length, index);
  return ad;
}

/** The stored slot of chunk `index`: a fresh random nonce, then the sealed chunk. */
export function sealStoredChunk(sodium: Sodium, key: Uint8Array, layout: StoredFileLayout, index: number, plaintext: Uint8Array): Uint8Array {
  const nonce = sodium.randombytes_buf(restNonceBytes);
  const sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, associatedData(layout, index), null, nonce, key);
  // One buffer of exactly the slot, so the platform can move it to its worker instead of copying it.
  const slot = new Uint8Array(restNonceBytes + sealed.length);
  slot.set(nonce);
  slot.set(sealed, restNonceBytes);
  return slot;
}

/** Reads plaintext bytes [offset, offset + length) from a stored file through `readStored`; throws FILE_DAMAGED
 * when a slot does not open as the chunk it should be. */
async function readPlain(
  sodium: Sodium,
  key: Uint8Array,
  layout: StoredFileLayout,
  readStored: (offset: number, length: number) => Promise<Uint8Array>,
  offset: number,
  length: number,
): Promise<Uint8Array> {
  const end = Math.min(offset + length, layout.size);
  if (offset < 0 || offset >= end) return new Uint8Array(0);
  const slotBytes = layout.chunkBytes + restOverheadBytes;
  const first = Math.floor(offset / layout.chunkBytes);
  const last = Math.floor((end - 1) / layout.chunkBytes);
  const storedEnd = last * slotBytes + chunkLength(layout, last) + restOverheadBytes;
  const stored = await readStored(first * slotBytes, storedEnd - first * slotBytes);
  const out = new Uint8Array(end - offset);
  for (let index = first; index <= last; index++) {
    const at = (index - first) * slotBytes;
    const slotLength = chunkLength(layout, index) + restOverheadBytes;
    if (stored.length < at + slotLength) throw new TincanError('FILE_DAMAGED', `chunk ${index} is missing`);
    let plain: Uint8Array;
    try {
      plain = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
        null,
        stored.subarray(at + restNonceBytes, at + slotLength),
        associatedData(layout, index),
        stored.subarray(at, at + restNonceBytes),
        key,
      );
    } catch {
      throw new TincanError('FILE_DAMAGED', `chunk ${index} does not open`);
    }
    const chunkStart = index * layout.chunkBytes;
    const from = Math.max(offset, chunkStart) - chunkStart;
    const to = Math.min(end, chunkStart + plain.length) - chunkStart;
    out.set(plain.subarray(from, to), chunkStart + from - offset);
  }
  return out;
}

/** A FileSink that seals every chunk before the platform's sink (`stored`) sees it. Writes must be whole chunks at
 * their own offset (index × chunkBytes), as incoming-transfer.ts writes them. */
export class SealedFileSink implements FileSink {
  readonly isDurable: boolean;
  readonly canRead: boolean;
  readonly ref?: string;

  constructor(
    private readonly sodium: Sodium,
    private readonly key: Uint8Array,
    private readonly layout: StoredFileLayout,
    private readonly stored: FileSink,
  ) {
    this.isDurable = stored.isDurable;
    this.canRead = stored.canRead;
    if (stored.ref !== undefined) this.ref = stored.ref;
  }

  write(offset: number, bytes: Uint8Array): Promise<void> {
    const index = offset / this.layout.chunkBytes;
    if (!Number.isInteger(index) || index >= this.layout.chunks || bytes.length !== chunkLength(this.layout, index)) {
      return Promise.reject(new RangeError('a sealed sink takes whole chunks at their own offset'));
    }
    const slot = sealStoredChunk(this.sodium, this.key, this.layout, index, bytes);
    return this.stored.write(index * (this.layout.chunkBytes + restOverheadBytes), slot);
  }

  flush(): Promise<void> {
    return this.stored.flush();
  }

  read(offset: number, length: number): Promise<Uint8Array> {
    return readPlain(this.sodium, this.key, this.layout, (at, n) => this.stored.read(at, n), offset, length);
  }

  commit(): Promise<string | undefined> {
    return this.stored.commit();
  }

  discard(): Promise<void> {
    return this.stored.discard();
  }
}

/** The plaintext of a finished sealed file, read a range at a time from the stored one. */
export function sealedFileSource(sodium: Sodium, key: Uint8Array, layout: StoredFileLayout, stored: FileSource): FileSource {
  return {
    size: layout.size,
    lastModified: stored.lastModified,
    read: (offset, length) => readPlain(sodium, key, layout, (at, n) => stored.read(at, n), offset, length),
  };
}
