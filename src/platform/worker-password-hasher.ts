// The browser's PasswordHasher (crypto/vault.ts): Argon2id in a fresh module worker (platform/kdf-worker.ts) that is
// ended as soon as the key is back, so the 64 MiB the KDF needs are given back (see vault.ts deriveKek). Where a
// module worker cannot start (an old browser, a page served without the build's worker), it falls back to the
// page's own libsodium: slower to give memory back, same key.
import { TincanError } from '../errors';
import { inProcessPasswordHasher, type PasswordHasher } from '../crypto/vault';
import type { KdfRequest, KdfResponse } from './kdf-protocol';

/** The worker's address, written into index.html by build.mjs (its name carries a content hash). */
export function kdfWorkerUrl(doc: Document = document): URL | undefined {
  const path = doc.querySelector<HTMLMetaElement>('meta[name="tincan-kdf-worker"]')?.content;
  return path ? new URL(path, doc.baseURI) : undefined;
}

export function workerPasswordHasher(url: URL | undefined = kdfWorkerUrl()): PasswordHasher {
  if (!url || typeof Worker !== 'function') return inProcessPasswordHasher;
  return (password, salt, limits) =>
    new Promise<Uint8Array>((resolve, reject) => {
      let worker: Worker;
      try {
        worker = new Worker(url, { type: 'module', name: 'tincan-kdf' });
      } catch {
        resolve(inProcessPasswordHasher(password, salt, limits));
        return;
      }
      worker.onmessage = ({ data }: MessageEvent<KdfResponse>) => {
        worker.terminate();
        if (data.ok) resolve(data.key);
        else reject(new TincanError('UNEXPECTED', `key derivation failed: ${data.detail}`));
      };
      worker.onerror = (event) => {
        // The worker did not load (blocked, missing): the key is still needed.
        event.preventDefault();
        worker.terminate();
        resolve(inProcessPasswordHasher(password, salt, limits));
      };
      const request: KdfRequest = { password: password.slice(), salt, limits };
      worker.postMessage(request, [request.password.buffer]);
    });
}
