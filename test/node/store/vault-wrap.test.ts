// The wrapped master key: v2 tells a damaged wrap (VAULT_DAMAGED) from a wrong passphrase; v1 wraps still open.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getSodium } from '../../../src/crypto/sodium';
import { createVaultKey, rewrapMasterKey, unwrapMasterKey, wrappedKeyBytes, wrappedKeyBytesV1 } from '../../../src/crypto/vault';
import { makeV1Wrap } from '../../unit/store/legacy-vault';
import { cheapKdf, expectCode, flipBit } from './helpers';

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
