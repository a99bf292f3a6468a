import { expect } from '@esm-bundle/chai';
import {
  createVaultKey,
  defaultKdfLimits,
  openRecord,
  passphraseStrength,
  readKdfLimits,
  rewrapMasterKey,
  sealRecord,
  unwrapMasterKey,
  wrappedKeyBytes,
  type KdfLimits,
} from '../../../src/crypto/vault';
import { expectCode, flipByte, hex, randomBytes } from './helpers';

// Cheap limits: these tests are about the format, not the cost (kdf timings are logged in timings.test.ts).
const cheap: KdfLimits = { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 };

describe('vault key wrapping', () => {
  it('opens with the passphrase and keeps its KDF limits with the wrap', async () => {
    const { masterKey, wrappedKey } = await createVaultKey('correct horse battery staple', cheap);
    expect(masterKey.length).to.equal(32);
    expect(wrappedKey.length).to.equal(wrappedKeyBytes);
    expect(readKdfLimits(wrappedKey)).to.deep.equal(cheap);
    expect(hex(await unwrapMasterKey(wrappedKey, 'correct horse battery staple'))).to.equal(hex(masterKey));
  });

  it('says WRONG_PASSPHRASE for a wrong passphrase', async () => {
    const { wrappedKey } = await createVaultKey('correct horse battery staple', cheap);
    await expectCode(unwrapMasterKey(wrappedKey, 'correct horse battery stapler'), 'WRONG_PASSPHRASE');
  });

  it('says VAULT_DAMAGED, not WRONG_PASSPHRASE, when the stored wrap was altered (v2 integrity hash)', async () => {
    const { wrappedKey } = await createVaultKey('pass phrase here', cheap);
    for (const offset of [0, 1, 5, 12, 30, 60, 97, 98, -1]) {
      await expectCode(unwrapMasterKey(flipByte(wrappedKey, offset), 'pass phrase here'), 'VAULT_DAMAGED');
    }
    const absurd = wrappedKey.slice();
    new DataView(absurd.buffer).setUint32(2, 1_000_000); // would freeze the tab: refused before hashing
    await expectCode(unwrapMasterKey(absurd, 'pass phrase here'), 'VAULT_DAMAGED');
    await expectCode(unwrapMasterKey(wrappedKey.subarray(1), 'pass phrase here'), 'VAULT_DAMAGED');
    await expectCode(unwrapMasterKey(wrappedKey.subarray(0, wrappedKey.length - 1), 'pass phrase here'), 'VAULT_DAMAGED');
  });

  it('re-wraps the same master key under a new passphrase with new limits', async () => {
    const { masterKey, wrappedKey } = await createVaultKey('old passphrase!', cheap);
    const stronger: KdfLimits = { opsLimit: 2, memLimitBytes: 8 * 1024 * 1024 };
    const rewrapped = await rewrapMasterKey(wrappedKey, 'old passphrase!', 'new passphrase!', stronger);
    expect(readKdfLimits(rewrapped)).to.deep.equal(stronger);
    expect(hex(await unwrapMasterKey(rewrapped, 'new passphrase!'))).to.equal(hex(masterKey));
    await expectCode(unwrapMasterKey(rewrapped, 'old passphrase!'), 'WRONG_PASSPHRASE');
    await expectCode(rewrapMasterKey(wrappedKey, 'not it', 'x', cheap), 'WRONG_PASSPHRASE');
  });

  it('treats composed and decomposed accents as the same passphrase (NFC)', async () => {
    const composed = 'caf\u00e9 au lait, s\u2019il vous pla\u00eet';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).to.not.equal(composed);
    const { masterKey, wrappedKey } = await createVaultKey(composed, cheap);
    expect(hex(await unwrapMasterKey(wrappedKey, decomposed))).to.equal(hex(masterKey));
  });

  it('defaults to Argon2id opslimit 3 / 64 MiB', () => {
    expect(defaultKdfLimits).to.deep.equal({ opsLimit: 3, memLimitBytes: 64 * 1024 * 1024 });
  });
});

describe('sealed records', () => {
  const key = randomBytes(32);

  it('round-trips JSON and raw bytes, with a fresh nonce each time', async () => {
    const value = { text: 'héllo', n: 3, list: [1, null, true] };
    const a = await sealRecord(key, 'contact/x', value);
    const b = await sealRecord(key, 'contact/x', value);
    expect(hex(a)).to.not.equal(hex(b));
    expect(await openRecord(key, 'contact/x', a)).to.deep.equal(value);
    const raw = randomBytes(100);
    const opened = await openRecord(key, 'raw', await sealRecord(key, 'raw', raw));
    expect(opened).to.be.instanceOf(Uint8Array);
    expect(hex(opened as Uint8Array)).to.equal(hex(raw));
  });

  it('refuses a record with any flipped bit: RECORD_TAMPERED', async () => {
    const sealed = await sealRecord(key, 'profile', { name: 'Ada' });
    for (const offset of [0, 1, 2, 30, -1]) {
      await expectCode(openRecord(key, 'profile', flipByte(sealed, offset)), 'RECORD_TAMPERED');
    }
    await expectCode(openRecord(key, 'profile', sealed.subarray(0, 20)), 'RECORD_TAMPERED');
    await expectCode(openRecord(key, 'profile', 'not bytes'), 'RECORD_TAMPERED');
  });

  it('refuses a record moved under another key (swapped records)', async () => {
    const first = await sealRecord(key, 'conv/a/e/0', { messages: ['first'] });
    await expectCode(openRecord(key, 'conv/a/e/1', first), 'RECORD_TAMPERED');
  });

  it('refuses a record sealed under another master key', async () => {
    const sealed = await sealRecord(randomBytes(32), 'profile', { name: 'Eve' });
    await expectCode(openRecord(key, 'profile', sealed), 'RECORD_TAMPERED');
  });
});

describe('passphraseStrength', () => {
  const weak = (p: string) => passphraseStrength(p);

  it('flags short, repetitive, famous and patterned passphrases', () => {
    expect(weak('hunter2')).to.deep.equal({ weak: true, reason: 'too-short' });
    expect(weak('aaaaaaaaaaaaaaaa').reason).to.equal('few-distinct-characters');
    expect(weak('123456789012345').reason).to.equal('no-letters');
    expect(weak('Password123456!').reason).to.equal('common-password');
    expect(weak('qwertyuiop123').reason).to.equal('common-password');
    expect(weak('abcdefghijklmnop').reason).to.equal('predictable-pattern');
    expect(weak('abc123abc123abc123').weak).to.equal(true);
  });

  it('accepts long, varied passphrases', () => {
    expect(weak('correct horse battery staple')).to.deep.equal({ weak: false });
    expect(weak('Tr0ub4dor&3-lighthouse')).to.deep.equal({ weak: false });
    expect(weak('my password is a long sentence about boats')).to.deep.equal({ weak: false });
  });
});
