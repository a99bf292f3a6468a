import { expect } from '@esm-bundle/chai';
import { decodeFrame, encodeFrame, frameVersion, maxFrameBytes, maxMessageChars } from '../../../src/chat/frames';
import { ChatSession } from '../../../src/chat/chat-session';
import { isTincanError } from '../../../src/errors';

const json = (type: number, body: unknown, version = frameVersion) => {
  const text = new TextEncoder().encode(JSON.stringify(body));
  return Uint8Array.of(version, type, ...text);
};

describe('chat frames', () => {
  it('round-trips a message with the version and type bytes first', () => {
    const bytes = encodeFrame({ type: 'message', id: 'abc', text: 'héllo 👋\nline 2', sentAt: 1700000000000 });
    expect(bytes[0]).to.equal(1);
    expect(bytes[1]).to.equal(1);
    expect(decodeFrame(bytes)).to.deep.equal({ ok: true, frame: { type: 'message', id: 'abc', text: 'héllo 👋\nline 2', sentAt: 1700000000000 } });
  });

  it('carries an ICE restart offer as a signal frame', () => {
    const frame = { type: 'signal', kind: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' } as const;
    expect(decodeFrame(encodeFrame(frame))).to.deep.equal({ ok: true, frame });
  });

  it('refuses to encode a message over the limit with MESSAGE_TOO_LONG', () => {
    let thrown: unknown;
    try {
      encodeFrame({ type: 'message', id: 'x', text: 'a'.repeat(maxMessageChars + 1), sentAt: 0 });
    } catch (error) {
      thrown = error;
    }
    expect(isTincanError(thrown, 'MESSAGE_TOO_LONG')).to.equal(true);
  });

  it('accepts a message of exactly the limit, even in 3-byte characters', () => {
    const bytes = encodeFrame({ type: 'message', id: 'x', text: '€'.repeat(maxMessageChars), sentAt: 0 });
    expect(bytes.length).to.be.below(maxFrameBytes);
  });

  it('drops oversized, newer, unknown and malformed frames with a reason', () => {
    expect(decodeFrame(new Uint8Array(maxFrameBytes + 1))).to.deep.equal({ ok: false, reason: 'too-large' });
    expect(decodeFrame(json(1, { id: 'a', text: 'x', sentAt: 1 }, 2))).to.deep.equal({ ok: false, reason: 'newer-version' });
    expect(decodeFrame(json(99, {}))).to.deep.equal({ ok: false, reason: 'unknown-type' });
    expect(decodeFrame(Uint8Array.of(1))).to.deep.equal({ ok: false, reason: 'malformed' });
    expect(decodeFrame(Uint8Array.of(1, 1, 0xff, 0xfe))).to.deep.equal({ ok: false, reason: 'malformed' });
    expect(decodeFrame(json(1, { id: 'a', text: 5, sentAt: 1 }))).to.deep.equal({ ok: false, reason: 'malformed' });
    expect(decodeFrame(json(1, ['not', 'an', 'object']))).to.deep.equal({ ok: false, reason: 'malformed' });
    expect(decodeFrame(json(2, { ids: ['ok', 7] }))).to.deep.equal({ ok: false, reason: 'malformed' });
    expect(decodeFrame(json(1, { id: 'a'.repeat(65), text: 'x', sentAt: 1 }))).to.deep.equal({ ok: false, reason: 'malformed' });
    expect(decodeFrame(json(7, { kind: 'pranswer', sdp: 'v=0' }))).to.deep.equal({ ok: false, reason: 'malformed' });
    expect(decodeFrame(json(7, { kind: 'offer', sdp: 'x'.repeat(32 * 1024 + 1) }))).to.deep.equal({ ok: false, reason: 'malformed' });
  });
});

describe('chat session', () => {
  it('answers a ping with a pong and measures the round trip', () => {
    let now = 1000;
    const toB: Uint8Array[] = [];
    const toA: Uint8Array[] = [];
    const a = new ChatSession((bytes) => toB.push(bytes), () => now);
    const b = new ChatSession((bytes) => toA.push(bytes), () => now);
    const rtts: number[] = [];
    a.addEventListener('rtt', (e) => rtts.push((e as CustomEvent<number>).detail));
    a.ping();
    now = 1042;
    b.receive(toB.shift()!);
    a.receive(toA.shift()!);
    expect(rtts).to.deep.equal([42]);
  });

  it('counts dropped frames and never emits them', () => {
    const session = new ChatSession(() => {});
    const seen: unknown[] = [];
    session.addEventListener('message', (e) => seen.push(e));
    session.receive(json(99, {}));
    session.receive(Uint8Array.of(1, 1, 123));
    session.receive(encodeFrame({ type: 'message', id: 'm1', text: 'hi', sentAt: 5 }));
    expect(session.dropped['unknown-type']).to.equal(1);
    expect(session.dropped.malformed).to.equal(1);
    expect(session.droppedCount).to.equal(2);
    expect(seen).to.have.length(1);
  });
});
