import { expect } from '@esm-bundle/chai';
import {
  createSession,
  helloFixedBytes,
  makeHello,
  maxDisplayNameChars,
  verifyHello,
  type HandshakeRole,
} from '../../../src/crypto/handshake';
import { createIdentity, type Identity } from '../../../src/crypto/identity';
import type { SecureSession } from '../../../src/crypto/secure-session';
import { expectCode, flipByte, hex, randomBytes } from './helpers';

const text = (s: string) => new TextEncoder().encode(s);
const untext = (b: Uint8Array) => new TextDecoder().decode(b);

interface Side {
  identity: Identity;
  name: string;
  role: HandshakeRole;
  fingerprint: Uint8Array;
}

async function side(role: HandshakeRole, name: string): Promise<Side> {
  return { identity: await createIdentity(), name, role, fingerprint: randomBytes(32) };
}

const other = (role: HandshakeRole): HandshakeRole => (role === 'inviter' ? 'answerer' : 'inviter');

/** Runs the full exchange as the app would: each side signs with the fingerprints from the SDPs it used. */
async function handshake(a: Side, b: Side): Promise<[SecureSession, SecureSession]> {
  const helloA = await makeHello({ identity: a.identity, displayName: a.name, role: a.role, ownFingerprint: a.fingerprint, peerFingerprint: b.fingerprint });
  const helloB = await makeHello({ identity: b.identity, displayName: b.name, role: b.role, ownFingerprint: b.fingerprint, peerFingerprint: a.fingerprint });
  const seenByA = await verifyHello(helloB.hello, { peerRole: b.role, ownFingerprint: a.fingerprint, peerFingerprint: b.fingerprint });
  const seenByB = await verifyHello(helloA.hello, { peerRole: a.role, ownFingerprint: b.fingerprint, peerFingerprint: a.fingerprint });
  return [await createSession(helloA.secret, seenByA), await createSession(helloB.secret, seenByB)];
}

describe('Hello handshake', () => {
  it('connects inviter and answerer: identities, names and both directions of frames', async () => {
    const inviter = await side('inviter', 'Ada');
    const answerer = await side('answerer', 'Grace');
    const [atInviter, atAnswerer] = await handshake(inviter, answerer);
    expect(hex(atInviter.peerIdentityKey)).to.equal(hex(answerer.identity.publicKey));
    expect(hex(atAnswerer.peerIdentityKey)).to.equal(hex(inviter.identity.publicKey));
    expect(atInviter.peerDisplayName).to.equal('Grace');
    expect(atAnswerer.peerDisplayName).to.equal('Ada');
    expect(hex(atInviter.transcriptHash)).to.equal(hex(atAnswerer.transcriptHash));
    expect(untext(atAnswerer.open(atInviter.seal(text('hello from the inviter'))))).to.equal('hello from the inviter');
    expect(untext(atInviter.open(atAnswerer.seal(text('hello back'))))).to.equal('hello back');
    expect(untext(atInviter.open(atAnswerer.seal(text('twice'))))).to.equal('twice');
  });

  it('works whichever side verifies first (the order of arrival does not matter)', async () => {
    const answerer = await side('answerer', 'B');
    const inviter = await side('inviter', 'A');
    const [atAnswerer, atInviter] = await handshake(answerer, inviter);
    expect(untext(atInviter.open(atAnswerer.seal(text('x'))))).to.equal('x');
  });

  it('gives each connection its own keys: a frame from one session does not open in another', async () => {
    const inviter = await side('inviter', 'A');
    const answerer = await side('answerer', 'B');
    const [first] = await handshake(inviter, answerer);
    const [, second] = await handshake(inviter, answerer);
    await expectCode(() => second.open(first.seal(text('old'))), 'FRAME_INVALID');
  });

  it('FINGERPRINT_MISMATCH: a genuine Hello signed for another DTLS connection (codes swapped in transit)', async () => {
    const inviter = await side('inviter', 'Ada');
    const answerer = await side('answerer', 'Grace');
    const mallory = randomBytes(32);
    // The inviter received Mallory's answer, so it signed over Mallory's fingerprint, not the answerer's.
    const { hello } = await makeHello({ identity: inviter.identity, displayName: 'Ada', role: 'inviter', ownFingerprint: inviter.fingerprint, peerFingerprint: mallory });
    await expectCode(
      verifyHello(hello, { peerRole: 'inviter', ownFingerprint: answerer.fingerprint, peerFingerprint: inviter.fingerprint }),
      'FINGERPRINT_MISMATCH',
    );
    // And a Hello naming Mallory's DTLS certificate as the sender's own.
    const fromMallorysConnection = await makeHello({ identity: inviter.identity, displayName: 'Ada', role: 'inviter', ownFingerprint: mallory, peerFingerprint: answerer.fingerprint });
    await expectCode(
      verifyHello(fromMallorysConnection.hello, { peerRole: 'inviter', ownFingerprint: answerer.fingerprint, peerFingerprint: inviter.fingerprint }),
      'FINGERPRINT_MISMATCH',
    );
  });

  it('HANDSHAKE_FAILED: tampered signature, tampered name or fingerprint, truncated, reflected, newer version', async () => {
    const inviter = await side('inviter', 'Ada');
    const answerer = await side('answerer', 'Grace');
    const { hello } = await makeHello({ identity: inviter.identity, displayName: 'Ada', role: 'inviter', ownFingerprint: inviter.fingerprint, peerFingerprint: answerer.fingerprint });
    const expected = { peerRole: 'inviter', ownFingerprint: answerer.fingerprint, peerFingerprint: inviter.fingerprint } as const;
    await verifyHello(hello, expected); // the untouched Hello is fine
    await expectCode(verifyHello(flipByte(hello, -1), expected), 'HANDSHAKE_FAILED'); // signature
    await expectCode(verifyHello(flipByte(hello, helloFixedBytes - 64), expected), 'HANDSHAKE_FAILED'); // name
    await expectCode(verifyHello(flipByte(hello, 70), expected), 'HANDSHAKE_FAILED'); // signed fingerprint
    await expectCode(verifyHello(flipByte(hello, 40), expected), 'HANDSHAKE_FAILED'); // ephemeral key
    await expectCode(verifyHello(hello.subarray(0, hello.length - 1), expected), 'HANDSHAKE_FAILED');
    await expectCode(verifyHello(new Uint8Array(0), expected), 'HANDSHAKE_FAILED');
    await expectCode(verifyHello(randomBytes(5000), expected), 'HANDSHAKE_FAILED');
    const newer = hello.slice();
    newer[0] = 2;
    await expectCode(verifyHello(newer, expected), 'HANDSHAKE_FAILED');
    // The inviter's own Hello bounced back to it claims the inviter role.
    await expectCode(
      verifyHello(hello, { peerRole: 'answerer', ownFingerprint: inviter.fingerprint, peerFingerprint: answerer.fingerprint }),
      'HANDSHAKE_FAILED',
    );
  });

  it('HANDSHAKE_FAILED: another identity key substituted into a genuine Hello', async () => {
    const inviter = await side('inviter', 'Ada');
    const answerer = await side('answerer', 'Grace');
    const mallory = await createIdentity();
    const { hello } = await makeHello({ identity: inviter.identity, displayName: 'Ada', role: 'inviter', ownFingerprint: inviter.fingerprint, peerFingerprint: answerer.fingerprint });
    const substituted = hello.slice();
    substituted.set(mallory.publicKey, 2);
    await expectCode(
      verifyHello(substituted, { peerRole: 'inviter', ownFingerprint: answerer.fingerprint, peerFingerprint: inviter.fingerprint }),
      'HANDSHAKE_FAILED',
    );
  });

  it('refuses to derive a second session from the same handshake secret', async () => {
    const inviter = await side('inviter', 'A');
    const answerer = await side('answerer', 'B');
    const made = await makeHello({ identity: inviter.identity, displayName: 'A', role: 'inviter', ownFingerprint: inviter.fingerprint, peerFingerprint: answerer.fingerprint });
    const reply = await makeHello({ identity: answerer.identity, displayName: 'B', role: 'answerer', ownFingerprint: answerer.fingerprint, peerFingerprint: inviter.fingerprint });
    const seen = await verifyHello(reply.hello, { peerRole: 'answerer', ownFingerprint: inviter.fingerprint, peerFingerprint: answerer.fingerprint });
    await createSession(made.secret, seen);
    await expectCode(createSession(made.secret, seen), 'HANDSHAKE_FAILED');
  });

  it('cuts display names to 64 characters and drops control characters', async () => {
    const inviter = await side('inviter', '');
    const answerer = await side('answerer', '');
    const long = '\u0007Zoë '.concat('🙂'.repeat(100));
    const { hello } = await makeHello({ identity: inviter.identity, displayName: long, role: 'inviter', ownFingerprint: inviter.fingerprint, peerFingerprint: answerer.fingerprint });
    const seen = await verifyHello(hello, { peerRole: 'inviter', ownFingerprint: answerer.fingerprint, peerFingerprint: inviter.fingerprint });
    expect(Array.from(seen.displayName).length).to.equal(maxDisplayNameChars);
    expect(seen.displayName.startsWith('Zoë 🙂')).to.equal(true);
  });
});

describe('SecureSession frames', () => {
  async function pair(): Promise<[SecureSession, SecureSession]> {
    return handshake(await side('inviter', 'A'), await side(other('inviter'), 'B'));
  }

  it('rejects a replayed frame with REPLAYED_FRAME and stays usable', async () => {
    const [sender, receiver] = await pair();
    const frame = sender.seal(text('pay Bob 5'));
    expect(untext(receiver.open(frame))).to.equal('pay Bob 5');
    await expectCode(() => receiver.open(frame), 'REPLAYED_FRAME');
    expect(untext(receiver.open(sender.seal(text('next'))))).to.equal('next');
  });

  it('rejects a reordered (older) frame with REPLAYED_FRAME; gaps are allowed', async () => {
    const [sender, receiver] = await pair();
    const first = sender.seal(text('1'));
    const second = sender.seal(text('2'));
    const third = sender.seal(text('3'));
    expect(untext(receiver.open(second))).to.equal('2');
    await expectCode(() => receiver.open(first), 'REPLAYED_FRAME');
    expect(untext(receiver.open(third))).to.equal('3');
  });

  it('rejects a tampered frame or forged counter with FRAME_INVALID, without disturbing the counter', async () => {
    const [sender, receiver] = await pair();
    const frame = sender.seal(text('hello'));
    await expectCode(() => receiver.open(flipByte(frame, -1)), 'FRAME_INVALID');
    const forgedCounter = frame.slice();
    forgedCounter[8] = 99; // claims to be frame 99: the counter is authenticated, so it does not open
    await expectCode(() => receiver.open(forgedCounter), 'FRAME_INVALID');
    expect(untext(receiver.open(frame))).to.equal('hello');
    await expectCode(() => receiver.open(new Uint8Array(10)), 'FRAME_INVALID');
  });

  it('does not open its own frames (each direction has its own key)', async () => {
    const [sender] = await pair();
    await expectCode(() => sender.open(sender.seal(text('echo'))), 'FRAME_INVALID');
  });

  it('refuses to work after close', async () => {
    const [sender, receiver] = await pair();
    const frame = sender.seal(text('last'));
    receiver.close();
    receiver.close();
    await expectCode(() => receiver.open(frame), 'CHANNEL_CLOSED');
  });
});
