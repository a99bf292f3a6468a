// The sealed channel over one connection: the signed Hello both ways, then sealed frames in order; replays,
// mismatched codes and early frames.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SecureChannel } from '../../../src/chat/secure-channel';
import { createIdentity } from '../../../src/crypto/identity';

const fp = (fill: number) => new Uint8Array(32).fill(fill);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Two channels back to back, as over one data channel; the test delivers what is on the wire. */
async function pairChannels(options: { answererSeesInviterFp?: Uint8Array } = {}) {
  const [alice, bob] = await Promise.all([createIdentity(), createIdentity()]);
  const wire: { to: 'a' | 'b'; bytes: Uint8Array }[] = [];
  const a = new SecureChannel({ identity: alice, displayName: 'Alice', role: 'inviter', ownFingerprint: fp(1), peerFingerprint: fp(2), send: (bytes) => wire.push({ to: 'b', bytes }) });
  const b = new SecureChannel({
    identity: bob,
    displayName: 'Bob',
    role: 'answerer',
    ownFingerprint: fp(2),
    peerFingerprint: options.answererSeesInviterFp ?? fp(1),
    send: (bytes) => wire.push({ to: 'a', bytes }),
  });
  const events: string[] = [];
  for (const [name, ch] of [['a', a], ['b', b]] as const) {
    ch.on('ready', (peer) => events.push(`${name} ready ${peer.displayName}`));
    ch.on('failed', (code) => events.push(`${name} failed ${code}`));
  }
  const deliver = async () => {
    while (wire.length) {
      const { to, bytes } = wire.shift()!;
      await (to === 'a' ? a : b).receive(bytes);
    }
  };
  return { a, b, wire, events, deliver };
}

describe('secure channel', () => {
  it('completes the handshake both ways and carries sealed frames in order', async () => {
    const { a, b, events, deliver, wire } = await pairChannels();
    await Promise.all([a.start(), b.start()]);
    await deliver();
    assert.deepEqual(events.sort(), ['a ready Bob', 'b ready Alice']);
    const got: string[] = [];
    b.on('frame', (bytes) => got.push(text(bytes)));
    a.send(new TextEncoder().encode('first'));
    a.send(new TextEncoder().encode('second'));
    assert.ok(!new TextDecoder('latin1').decode(wire[0]!.bytes).includes('first'), 'what travels is sealed');
    await deliver();
    assert.deepEqual(got, ['first', 'second']);
  });

  it('rejects a replayed frame and keeps working', async () => {
    const { a, b, deliver, wire } = await pairChannels();
    await Promise.all([a.start(), b.start()]);
    await deliver();
    const got: string[] = [];
    b.on('frame', (bytes) => got.push(text(bytes)));
    a.send(new TextEncoder().encode('pay 10'));
    const captured = wire[0]!.bytes.slice();
    await deliver();
    await b.receive(captured);
    a.send(new TextEncoder().encode('next'));
    await deliver();
    assert.deepEqual(got, ['pay 10', 'next']);
    assert.equal(b.rejectedFrames, 1);
  });

  it('holds frames that arrive before the peer\'s Hello is verified, and delivers them in order after', async () => {
    const { a, b, wire } = await pairChannels();
    await Promise.all([a.start(), b.start()]);
    // a gets b's Hello and is ready; a sends at once; b gets a's Hello AND the frame in one go.
    const toA = wire.filter((m) => m.to === 'a');
    const toB = wire.filter((m) => m.to === 'b');
    wire.length = 0;
    for (const m of toA) await a.receive(m.bytes);
    a.send(new TextEncoder().encode('early'));
    const got: string[] = [];
    b.on('frame', (bytes) => got.push(text(bytes)));
    const all = [...toB, ...wire.filter((m) => m.to === 'b')].map((m) => b.receive(m.bytes));
    await Promise.all(all);
    assert.deepEqual(got, ['early']);
  });

  it('fails with FINGERPRINT_MISMATCH when the two sides saw different codes', async () => {
    const { a, b, events, deliver } = await pairChannels({ answererSeesInviterFp: fp(9) });
    await Promise.all([a.start(), b.start()]);
    await deliver();
    assert.ok(events.includes('a failed FINGERPRINT_MISMATCH'), events.join());
    assert.ok(events.includes('b failed FINGERPRINT_MISMATCH'), events.join());
  });

  it('refuses to send before the handshake is done', async () => {
    const { a } = await pairChannels();
    assert.throws(() => a.send(new Uint8Array(1)), /CHANNEL_CLOSED/);
    a.close();
  });
});
