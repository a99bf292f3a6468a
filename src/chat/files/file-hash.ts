// BLAKE2b-256 over a whole file, streamed: the offer's `hash`, checked by the receiver before a file is ever shown
// as complete. libsodium's generichash state lives in its WebAssembly heap, so a hash that is abandoned must still be
// finished (dispose) to free it.
import type { Sodium } from '../../crypto/sodium';
import type { FileSource } from './file-io';

export const fileHashBytes = 32;
/** Bytes read at a time while hashing a source: large reads are faster, and 1 MiB is never a memory concern. */
export const hashReadBytes = 1024 * 1024;

export class StreamingHash {
  private state: ReturnType<Sodium['crypto_generichash_init']> | undefined;

  constructor(private readonly sodium: Sodium) {
    this.state = sodium.crypto_generichash_init(null, fileHashBytes);
  }

  update(bytes: Uint8Array): void {
    if (this.state === undefined) throw new Error('hash already finished');
    this.sodium.crypto_generichash_update(this.state, bytes);
  }

  digest(): Uint8Array {
    if (this.state === undefined) throw new Error('hash already finished');
    const digest = this.sodium.crypto_generichash_final(this.state, fileHashBytes);
    this.state = undefined;
    return digest;
  }

  dispose(): void {
    if (this.state !== undefined) this.digest();
  }
}

export interface SourceDigest {
  readonly hash: Uint8Array;
  /** BLAKE2b-256 of the first chunk (empty for an empty file): the cheap part of the resume check. */
  readonly firstChunkHash: Uint8Array;
}

/** Hashes the whole source and its first chunk in one pass; undefined when `isCancelled` says stop. */
export async function hashSource(sodium: Sodium, source: FileSource, chunkBytes: number, isCancelled: () => boolean): Promise<SourceDigest | undefined> {
  const whole = new StreamingHash(sodium);
  const first = new StreamingHash(sodium);
  try {
    const firstEnd = Math.min(chunkBytes, source.size);
    for (let offset = 0; offset < source.size; offset += hashReadBytes) {
      const bytes = await source.read(offset, Math.min(hashReadBytes, source.size - offset));
      if (isCancelled()) return undefined;
      whole.update(bytes);
      if (offset < firstEnd) first.update(bytes.subarray(0, firstEnd - offset));
    }
    return { hash: whole.digest(), firstChunkHash: first.digest() };
  } finally {
    whole.dispose();
    first.dispose();
  }
}

export function hashBytes(sodium: Sodium, bytes: Uint8Array): Uint8Array {
  return sodium.crypto_generichash(fileHashBytes, bytes, null);
}
