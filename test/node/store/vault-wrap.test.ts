// The wrapped master key: v2 tells a damaged wrap (VAULT_DAMAGED) from a wrong passphrase; v1 wraps still open.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concatBytes, utf8 } from '../../../src/crypto/bytes';
import { getSodium } from '../../../src/crypto/sodium';
import { createVaultKey, rewrapMasterKey, unwrapMasterKey, wrappedKeyBytes, wrappedKeyBytesV1, type KdfLimits } from '../../../src/crypto/vault';
import { cheapKdf, expectCode, flipBit } from './helpers';

/** A version-1 wrap as Tincan made it before the integrity hash (same layout, version byte 1, 98 bytes). */
async function makeV1Wrap(masterKey: Uint8Array, passphrase: string, limits: KdfLimits): Promise<Uint8Array> {
  const sodium = await getSodium();
  const header = new Uint8Array(50);
  const headerView = new DataView(header.buffer);
  header[0] = 1;
  header[1] = 1;
  headerView.setUint32(2, limits.opsLimit);
  headerView.setUint32(6, limits.memLimitBytes / 1024);
  header.set(sodium.randombytes_buf(16), 10);
  header.set(sodium.randombytes_buf(24), 26);
  const kek = sodium.crypto_pwhash(32, utf8(passphrase), header.subarray(10, 26), limits.opsLimit, limits.memLimitBytes, sodium.crypto_pwhash_ALG_ARGON2ID13);
  const sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(masterKey, concatBytes(utf8('tincan/vault-wrap/v1'), header), null, header.subarray(26, 50), kek);
  return concatBytes(header, sealed);
}

describe('vault wrap', () => {
  it('a flipped bit anywhere in a v2 wrap says VAULT_DAMAGED; a wrong passphrase says WRONG_PASSPHRASE', async () => {
    const { masterKey, wrappedKey } = await createVaultKey('right passphrase', cheapKdf);
    assert.equal(wrappedKey.length, wrappedKeyBytes);
    assert.deepEqual(await unwrapMasterKey(wrappedKey, 'right passphrase'), masterKey);
    await expectCode(unwrapMasterKey(wrappedKey, 'wrong passphrase'), 'WRONG_PASSPHRASE');
    for (let bit = 0; bit < wrappedKey.length * 8; bit += 37) {
      await expectCode(unwrapMasterKey(flipBit(wrappedKey, bit), 'right passphrase'), 'VAULT_DAMAGED');
    }
    await expectCode(unwrapMasterKey(new Uint8Array(0), 'right passphrase'), 'VAULT_DAMAGED');
  });

  it('still opens a v1 wrap, and a passphrase change upgrades it to v2', async () => {
    const sodium = await getSodium();
    const masterKey = sodium.randombytes_buf(32);
    const v1 = await makeV1Wrap(masterKey, 'old format', cheapKdf);
    assert.equal(v1.length, wrappedKeyBytesV1);
    assert.deepEqual(await unwrapMasterKey(v1, 'old format'), masterKey);
    await expectCode(unwrapMasterKey(v1, 'not it'), 'WRONG_PASSPHRASE');
    const v2 = await rewrapMasterKey(v1, 'old format', 'new format', cheapKdf);
    assert.equal(v2.length, wrappedKeyBytes);
    assert.equal(v2[0], 2);
    assert.deepEqual(await unwrapMasterKey(v2, 'new format'), masterKey);
  });
});
