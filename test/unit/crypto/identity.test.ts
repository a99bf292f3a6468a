import { expect } from '@esm-bundle/chai';
import { createIdentity, deserializeIdentity, identityKeyId, serializeIdentity } from '../../../src/crypto/identity';
import { getSodium } from '../../../src/crypto/sodium';
import { expectCode, flipByte, hex } from './helpers';

describe('identity', () => {
  it('serializes to 65 bytes and back to a key pair that still signs', async () => {
    const identity = await createIdentity();
    const bytes = await serializeIdentity(identity);
    expect(bytes.length).to.equal(65);
    const restored = await deserializeIdentity(bytes);
    expect(hex(restored.publicKey)).to.equal(hex(identity.publicKey));
    expect(hex(restored.secretKey)).to.equal(hex(identity.secretKey));
    const sodium = await getSodium();
    const signature = sodium.crypto_sign_detached('hi', restored.secretKey);
    expect(sodium.crypto_sign_verify_detached(signature, 'hi', identity.publicKey)).to.equal(true);
  });

  it('refuses damaged bytes with RECORD_TAMPERED', async () => {
    const bytes = await serializeIdentity(await createIdentity());
    await expectCode(deserializeIdentity(flipByte(bytes, 5)), 'RECORD_TAMPERED');
    await expectCode(deserializeIdentity(flipByte(bytes, 0)), 'RECORD_TAMPERED');
    await expectCode(deserializeIdentity(bytes.subarray(1)), 'RECORD_TAMPERED');
  });

  it('names a key by 43 characters of base64url', async () => {
    const id = identityKeyId((await createIdentity()).publicKey);
    expect(id).to.match(/^[A-Za-z0-9_-]{43}$/);
  });
});
