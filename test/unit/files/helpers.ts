// Shared by the browser file tests.
import { OpfsFileStore } from '../../../src/platform/file-sink';

/** The OPFS worker as web-test-runner serves it (TypeScript compiled on the fly, so a module worker). */
export function workerStore(): OpfsFileStore {
  return new OpfsFileStore(new URL('/src/platform/file-sink-worker.ts', location.origin), { type: 'module' });
}

export function randomBlobBytes(length: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  for (let at = 0; at < length; at += 65_536) crypto.getRandomValues(bytes.subarray(at, Math.min(length, at + 65_536)));
  return bytes;
}
