import { expect } from '@esm-bundle/chai';
import { createIdentity } from '../../../src/crypto/identity';
import {
  compareScannedSafetyNumber,
  safetyNumber,
  safetyNumberIterations,
  safetyNumberQrPayload,
  safetyNumbersMatch,
} from '../../../src/crypto/safety-number';
import { flipByte } from './helpers';

/** An independent implementation of the documented construction, on SubtleCrypto, to pin the algorithm down. */
async function referenceHalf(key: Uint8Array): Promise<string> {
  const label = new TextEncoder().encode('tincan/safety-number');
  let hash = new Uint8Array([0, 0, ...key, ...label]);
  for (let i = 0; i < safetyNumberIterations; i++) {
    hash = new Uint8Array(await crypto.subtle.digest('SHA-512', new Uint8Array([...hash, ...key])));
  }
  let digits = '';
  for (let chunk = 0; chunk < 6; chunk++) {
    const value = hash.slice(chunk * 5, chunk * 5 + 5).reduce((acc, byte) => acc * 256 + byte, 0);
    digits += String(value % 100000).padStart(5, '0');
  }
  return digits;
}

describe('safety numbers', () => {
  it('are the same 12 groups of 5 digits on both sides', async () => {
    const alice = await createIdentity();
    const bob = await createIdentity();
    const atAlice = await safetyNumber(alice.publicKey, bob.publicKey);
    const atBob = await safetyNumber(bob.publicKey, alice.publicKey);
    expect(atAlice).to.deep.equal(atBob);
    expect(atAlice.groups).to.have.length(12);
    for (const group of atAlice.groups) expect(group).to.match(/^\d{5}$/);
    expect(atAlice.digits).to.equal(atAlice.groups.join(''));
    expect(atAlice.digits).to.have.length(60);
  });

  it('follow the documented construction (checked against a SubtleCrypto implementation)', async () => {
    const alice = await createIdentity();
    const bob = await createIdentity();
    const halves = [await referenceHalf(alice.publicKey), await referenceHalf(bob.publicKey)].sort();
    expect((await safetyNumber(alice.publicKey, bob.publicKey)).digits).to.equal(halves.join(''));
  });

  it('differ when either key differs', async () => {
    const [alice, bob, mallory] = await Promise.all([createIdentity(), createIdentity(), createIdentity()]);
    const real = await safetyNumber(alice.publicKey, bob.publicKey);
    const intercepted = await safetyNumber(alice.publicKey, mallory.publicKey);
    expect(intercepted.digits).to.not.equal(real.digits);
    // Alice's half is shared; Mallory's half is the one that changes.
    const halvesOf = (d: string) => [d.slice(0, 30), d.slice(30)];
    expect(halvesOf(real.digits).filter((h) => halvesOf(intercepted.digits).includes(h))).to.have.length(1);
  });

  it('compare when typed with spaces or line breaks', async () => {
    const [alice, bob] = await Promise.all([createIdentity(), createIdentity()]);
    const number = await safetyNumber(alice.publicKey, bob.publicKey);
    expect(safetyNumbersMatch(number.groups.join(' '), number)).to.equal(true);
    expect(safetyNumbersMatch(`${number.groups.slice(0, 6).join(' ')}\n${number.groups.slice(6).join(' ')}`, number)).to.equal(true);
    expect(safetyNumbersMatch(number.digits.replace(/^./, (d) => String((Number(d) + 1) % 10)), number)).to.equal(false);
  });

  it('scan in person: the QR of one side matches on the other, and only there', async () => {
    const [alice, bob, mallory] = await Promise.all([createIdentity(), createIdentity(), createIdentity()]);
    const shownByAlice = await safetyNumberQrPayload(alice.publicKey, bob.publicKey);
    expect(shownByAlice.length).to.equal(65);
    expect(await compareScannedSafetyNumber(shownByAlice, bob.publicKey, alice.publicKey)).to.deep.equal({ match: true });
    // Bob talking to Mallory (who pretends to be Alice) scans the real Alice's screen.
    expect(await compareScannedSafetyNumber(shownByAlice, bob.publicKey, mallory.publicKey)).to.deep.equal({
      match: false,
      reason: 'different-keys',
    });
    // Alice scanning her own screen is not a match either (the halves are in the shower's order).
    expect((await compareScannedSafetyNumber(shownByAlice, alice.publicKey, bob.publicKey)).match).to.equal(false);
    expect(await compareScannedSafetyNumber(flipByte(shownByAlice, 10), bob.publicKey, alice.publicKey)).to.deep.equal({
      match: false,
      reason: 'different-keys',
    });
    expect(await compareScannedSafetyNumber(new Uint8Array(3), bob.publicKey, alice.publicKey)).to.deep.equal({
      match: false,
      reason: 'not-a-safety-number',
    });
    const newer = shownByAlice.slice();
    newer[0] = 9;
    expect((await compareScannedSafetyNumber(newer, bob.publicKey, alice.publicKey)) as unknown).to.deep.equal({
      match: false,
      reason: 'newer-version',
    });
  });
});
