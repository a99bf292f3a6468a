// Chat frames v2: layout, validation where decoded, and that nothing local travels.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFrame, encodeFrame, frameTypes, frameVersion, maxAckIds, maxFrameBytes, maxMessageChars, type Frame } from '../../../src/chat/frames';
import { isTincanError } from '../../../src/errors';

const conversation = 'dm:AAAAAAAAAAAAAAAAAAAAAA';
const id = 'abcdefghijklmnop';
const raw = (type: number, body: unknown, version = frameVersion) => Uint8Array.of(version, type, ...new TextEncoder().encode(JSON.stringify(body)));

describe('chat frames v2', () => {
  it('puts version and type first and round-trips every frame type', () => {
    const frames: Frame[] = [
      { type: 'message', conversation, id, text: 'héllo 👋\nline 2', sentAt: 1_700_000_000_000 },
      { type: 'ack', conversation, ids: [id] },
      { type: 'typing', conversation, active: true },
      { type: 'ping', sentAt: 5 },
      { type: 'pong', sentAt: 5 },
      { type: 'bye' },
      { type: 'signal', kind: 'offer', sdp: 'v=0\r\n' },
      { type: 'cert', fingerprint: 'A'.repeat(43) },
      { type: 'refused', conversation, ids: [id], reason: 'quota' },
    ];
    for (const frame of frames) {
      const bytes = encodeFrame(frame);
      assert.equal(bytes[0], 2);
      assert.equal(bytes[1], frameTypes[frame.type]);
      assert.deepEqual(decodeFrame(bytes), { ok: true, frame });
    }
  });

  it('carries only wire fields: unknown body fields are not passed on', () => {
    const decoded = decodeFrame(raw(frameTypes.message, { conversation, id, text: 'x', sentAt: 1, state: 'delivered', index: 3, direction: 'out' }));
    assert.deepEqual(decoded, { ok: true, frame: { type: 'message', conversation, id, text: 'x', sentAt: 1 } });
  });

  it('passes any finite time on (the receiver judges it), and refuses ids of another shape, empty or long texts, bad conversations', () => {
    for (const sentAt of [1e16, -1e16, Number.MAX_VALUE, 0]) {
      assert.equal(decodeFrame(raw(frameTypes.message, { conversation, id, text: 'x', sentAt })).ok, true, String(sentAt));
    }
    const bad = [
      { conversation, id, text: 'x', sentAt: '1700000000000' },
      { conversation, id: 'short', text: 'x', sentAt: 1 },
      { conversation, id: `${id}/`, text: 'x', sentAt: 1 },
      { conversation, id, text: '', sentAt: 1 },
      { conversation, id, text: 'a'.repeat(maxMessageChars + 1), sentAt: 1 },
      { conversation: 'room', id, text: 'x', sentAt: 1 },
      { id, text: 'x', sentAt: 1 },
    ];
    for (const body of bad) assert.deepEqual(decodeFrame(raw(frameTypes.message, body)), { ok: false, reason: 'malformed' }, JSON.stringify(body).slice(0, 80));
    // JSON cannot say Infinity or NaN: a sender that tries gets null, which is refused too.
    assert.deepEqual(decodeFrame(raw(frameTypes.message, { conversation, id, text: 'x', sentAt: null })), { ok: false, reason: 'malformed' });
  });

  it('bounds ack lists', () => {
    const ids = Array.from({ length: maxAckIds + 1 }, (_, i) => `${String(i).padStart(4, '0')}abcdefghijkl`);
    assert.deepEqual(decodeFrame(raw(frameTypes.ack, { conversation, ids })), { ok: false, reason: 'malformed' });
    assert.equal(decodeFrame(raw(frameTypes.ack, { conversation, ids: ids.slice(1) })).ok, true);
    assert.deepEqual(decodeFrame(raw(frameTypes.ack, { conversation, ids: [] })), { ok: false, reason: 'malformed' });
  });

  it('drops other versions, unknown types, oversized and non-JSON frames with a reason', () => {
    assert.deepEqual(decodeFrame(new Uint8Array(maxFrameBytes + 1)), { ok: false, reason: 'too-large' });
    assert.deepEqual(decodeFrame(raw(frameTypes.bye, {}, 1)), { ok: false, reason: 'other-version' });
    assert.deepEqual(decodeFrame(raw(99, {})), { ok: false, reason: 'unknown-type' });
    assert.deepEqual(decodeFrame(Uint8Array.of(frameVersion, frameTypes.bye, 0xff)), { ok: false, reason: 'malformed' });
    assert.deepEqual(decodeFrame(raw(frameTypes.bye, [1])), { ok: false, reason: 'malformed' });
    assert.deepEqual(decodeFrame(new Uint8Array(1)), { ok: false, reason: 'malformed' });
  });

  it('refuses to encode a message over the limit, and fits one at the limit in 3-byte characters', () => {
    let thrown: unknown;
    try {
      encodeFrame({ type: 'message', conversation, id, text: 'a'.repeat(maxMessageChars + 1), sentAt: 0 });
    } catch (error) {
      thrown = error;
    }
    assert.ok(isTincanError(thrown, 'MESSAGE_TOO_LONG'));
    assert.ok(encodeFrame({ type: 'message', conversation, id, text: '€'.repeat(maxMessageChars), sentAt: 0 }).length < maxFrameBytes);
  });
});
