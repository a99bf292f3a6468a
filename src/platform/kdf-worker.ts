// Argon2id in a worker of its own (crypto/vault.ts PasswordHasher): the worker's libsodium instance grows to the
// KDF's 64 MiB, and the page ends the worker when the key is made, so that memory goes back to the system instead
// of staying in the page's WebAssembly memory for its whole life. A module worker, built in the same esbuild run as
// the app (build.mjs), so it shares the app's libsodium chunk: nothing more to download.
import { inProcessPasswordHasher } from '../crypto/vault';
import type { KdfRequest, KdfResponse } from './kdf-protocol';

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<KdfRequest>) => void) | null;
  postMessage(message: KdfResponse, transfer?: Transferable[]): void;
};

scope.onmessage = async ({ data }) => {
  try {
    const key = await inProcessPasswordHasher(data.password, data.salt, data.limits);
    data.password.fill(0);
    scope.postMessage({ ok: true, key }, [key.buffer]);
  } catch (error) {
    scope.postMessage({ ok: false, detail: String(error) });
  }
};
