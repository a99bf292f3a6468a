// Argon2id in a worker that is ended afterwards (platform/worker-password-hasher.ts) gives exactly the key the
// page's own libsodium gives, and a vault made with one opens with the other.
import { expect } from '@esm-bundle/chai';
import { createVaultKey, inProcessPasswordHasher, unwrapMasterKey, usePasswordHasher } from '../../../src/crypto/vault';
import { workerPasswordHasher } from '../../../src/platform/worker-password-hasher';

const workerUrl = new URL('/src/platform/kdf-worker.ts', location.href);
const cheap = { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 };

describe('password hasher in a worker', () => {
  after(() => usePasswordHasher(inProcessPasswordHasher));

  it('derives the same key as the page, from a worker it ends', async () => {
    const created: Worker[] = [];
    const Original = window.Worker;
    window.Worker = class extends Original {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        created.push(this);
      }
    } as typeof Worker;
    try {
      const password = new TextEncoder().encode('correct horse battery staple');
      const salt = new Uint8Array(16).fill(7);
      const inWorker = await workerPasswordHasher(workerUrl)(password.slice(), salt, cheap);
      const inPage = await inProcessPasswordHasher(password.slice(), salt, cheap);
      expect(Array.from(inWorker)).to.deep.equal(Array.from(inPage));
      expect(created.length).to.equal(1, 'one worker per derivation');
    } finally {
      window.Worker = Original;
    }
  });

  it('opens a vault made in the page, and the reverse', async () => {
    const made = await createVaultKey('a passphrase of some length', cheap);
    usePasswordHasher(workerPasswordHasher(workerUrl));
    expect(Array.from(await unwrapMasterKey(made.wrappedKey, 'a passphrase of some length'))).to.deep.equal(Array.from(made.masterKey));
    const again = await createVaultKey('another passphrase here', cheap);
    usePasswordHasher(inProcessPasswordHasher);
    expect(Array.from(await unwrapMasterKey(again.wrappedKey, 'another passphrase here'))).to.deep.equal(Array.from(again.masterKey));
  });

  it('falls back to the page when the worker cannot load', async () => {
    const key = await workerPasswordHasher(new URL('/no-such-worker.js', location.href))(new Uint8Array([1, 2, 3]), new Uint8Array(16), cheap);
    expect(key.length).to.equal(32);
  });
});
