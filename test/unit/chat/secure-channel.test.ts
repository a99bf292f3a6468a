import { expect } from '@esm-bundle/chai';
import { SecureChannel } from '../../../src/chat/secure-channel';
import { createIdentity } from '../../../src/crypto/identity';
import type { ErrorCode } from '../../../src/errors';

const fp = (fill: number) => new Uint8Array(32).fill(fill);

/** Two channels wired back to back, as over one data channel; `tap` sees (and may alter) every message. */
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
    ch.addEventListener('ready', (e) => events.push(`${name} ready ${(e as CustomEvent<{ displayName: string }>).detail.displayName}`));
    ch.addEventListener('failed', (e) => events.push(`${name} failed ${(e as CustomEvent<ErrorCode>).detail}`));
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
    expect(events.sort()).to.deep.equal(['a ready Bob', 'b ready Alice']);
    const got: string[] = [];
    b.addEventListener('frame', (e) => got.push(new TextDecoder().decode((e as CustomEvent<Uint8Array>).detail)));
    a.send(new TextEncoder().encode('first'));
    a.send(new TextEncoder().encode('second'));
    // What travels is sealed: the plaintext is nowhere in it.
    expect(new TextDecoder('latin1').decode(wire[0]!.bytes)).not.to.contain('first');
    await deliver();
    expect(got).to.deep.equal(['first', 'second']);
  });

  it('rejects a replayed frame and keeps working', async () => {
    const { a, b, deliver, wire } = await pairChannels();
    await Promise.all([a.start(), b.start()]);
    await deliver();
    const got: string[] = [];
    b.addEventListener('frame', (e) => got.push(new TextDecoder().decode((e as CustomEvent<Uint8Array>).detail)));
    a.send(new TextEncoder().encode('pay 10'));
    const captured = wire[0]!.bytes.slice();
    await deliver();
    await b.receive(captured);
    a.send(new TextEncoder().encode('next'));
    await deliver();
    expect(got).to.deep.equal(['pay 10', 'next']);
    expect(b.rejectedFrames).to.equal(1);
  });

  it('fails with FINGERPRINT_MISMATCH when the two sides saw different codes', async () => {
    const { a, b, events, deliver } = await pairChannels({ answererSeesInviterFp: fp(9) });
    await Promise.all([a.start(), b.start()]);
    await deliver();
    expect(events).to.include('a failed FINGERPRINT_MISMATCH');
    expect(events).to.include('b failed FINGERPRINT_MISMATCH');
  });

  it('refuses to send before the handshake is done', async () => {
    const { a } = await pairChannels();
    expect(() => a.send(new Uint8Array(1))).to.throw(/CHANNEL_CLOSED/);
    a.close();
  });
});
