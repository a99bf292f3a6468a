// Chat frames v3: layout, validation where decoded, and that nothing local travels.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFrame, encodeFrame, frameTypes, frameVersion, maxAckIds, maxFrameBytes, maxMessageChars, type Frame } from '../../../src/chat/frames';
import { sealEnvelope } from '../../../src/crypto/envelope';
import { createIdentity } from '../../../src/crypto/identity';
import { newChainStart, OutgoingChain } from '../../../src/crypto/sender-chain';
import { getSodium } from '../../../src/crypto/sodium';

const conversation = 'dm:AAAAAAAAAAAAAAAAAAAAAA';
const id = 'abcdefghijklmnop';
const key = 'K'.repeat(43);
const sig = 'S'.repeat(86);
const chain = 'C'.repeat(22);
const envelope = { conversation, id, from: key, chain, n: 3, box: 'Ym94', sig };
const ack = { conversation, of: key, ids: [id], by: key, sig };
const raw = (type: number, body: unknown, version = frameVersion) => Uint8Array.of(version, type, ...new TextEncoder().encode(JSON.stringify(body)));

describe('chat frames v3', () => {
  it('gives every frame type a number of its own (types from several files share one byte)', () => {
    const numbers = Object.values(frameTypes);
    assert.equal(new Set(numbers).size, numbers.length, JSON.stringify(frameTypes));
  });

  it('puts version and type first and round-trips every frame type', () => {
    const frames: Frame[] = [
      { type: 'envelope', ...envelope },
      { type: 'ack', ...ack },
      { type: 'chain', conversation, chain, key, n: 0 },
      { type: 'forward', to: key, item: { type: 'envelope', ...envelope } },
      { type: 'carried', item: { type: 'ack', ...ack } },
      { type: 'typing', conversation, active: true },
      { type: 'ping', sentAt: 5 },
      { type: 'pong', sentAt: 5 },
      { type: 'bye' },
      { type: 'bye', reason: 'page-closed' },
      { type: 'signal', kind: 'offer', sdp: 'v=0\r\n' },
      { type: 'cert', fingerprint: 'A'.repeat(43) },
      { type: 'refused', conversation, ids: [id], reason: 'quota' },
      { type: 'sync', conversation, seen: { [key]: 7 } },
      { type: 'held', item: { type: 'envelope', ...envelope }, key },
      { type: 'synced', conversation },
    ];
    for (const frame of frames) {
      const bytes = encodeFrame(frame);
      assert.equal(bytes[0], 3);
      assert.equal(bytes[1], frameTypes[frame.type]);
      assert.deepEqual(decodeFrame(bytes), { ok: true, frame });
    }
  });

  it('carries only wire fields: unknown body fields are not passed on, inside carried items too', () => {
    const local = { state: 'delivered', index: 3, direction: 'out', text: 'plaintext' };
    assert.deepEqual(decodeFrame(raw(frameTypes.envelope, { ...envelope, ...local })), { ok: true, frame: { type: 'envelope', ...envelope } });
    assert.deepEqual(decodeFrame(raw(frameTypes.carried, { item: { type: 'envelope', ...envelope, ...local }, via: 'x' })), {
      ok: true,
      frame: { type: 'carried', item: { type: 'envelope', ...envelope } },
    });
  });

  it('refuses envelopes, acks and chains of another shape', () => {
    const bad: [number, unknown][] = [
      [frameTypes.envelope, { ...envelope, id: 'short' }],
      [frameTypes.envelope, { ...envelope, from: 'K'.repeat(42) }],
      [frameTypes.envelope, { ...envelope, n: -1 }],
      [frameTypes.envelope, { ...envelope, n: 1.5 }],
      [frameTypes.envelope, { ...envelope, box: 'not base64!' }],
      [frameTypes.envelope, { ...envelope, sig: 'S'.repeat(85) }],
      [frameTypes.envelope, { ...envelope, conversation: 'room' }],
      [frameTypes.ack, { ...ack, by: undefined }],
      [frameTypes.ack, { ...ack, of: undefined }],
      [frameTypes.ack, { ...ack, sig: 'x' }],
      [frameTypes.chain, { conversation, chain, key: 'short', n: 0 }],
      [frameTypes.forward, { to: key, item: { type: 'typing', conversation, active: true } }],
      [frameTypes.carried, { item: { type: 'chain', conversation, chain, key, n: 0 } }],
      [frameTypes.sync, { conversation, seen: { [key]: -1 } }],
      [frameTypes.sync, { conversation, seen: { notakey: 1 } }],
      [frameTypes.sync, { conversation, seen: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [String(i).padStart(43, 'K'), 1])) }],
      [frameTypes.held, { item: { type: 'ack', ...ack }, key }],
      [frameTypes.held, { item: { type: 'envelope', ...envelope }, key: 'short' }],
    ];
    for (const [type, body] of bad) assert.deepEqual(decodeFrame(raw(type, body)), { ok: false, reason: 'malformed' }, JSON.stringify(body).slice(0, 80));
  });

  it('bounds ack lists', () => {
    const ids = Array.from({ length: maxAckIds + 1 }, (_, i) => `${String(i).padStart(4, '0')}abcdefghijkl`);
    assert.deepEqual(decodeFrame(raw(frameTypes.ack, { ...ack, ids })), { ok: false, reason: 'malformed' });
    assert.equal(decodeFrame(raw(frameTypes.ack, { ...ack, ids: ids.slice(1) })).ok, true);
    assert.deepEqual(decodeFrame(raw(frameTypes.ack, { ...ack, ids: [] })), { ok: false, reason: 'malformed' });
  });

  it('takes a bye\'s reason only when it is one it knows (a page that goes away); a bye with no reason is a plain bye', () => {
    for (const reason of ['lost', '', 1, null, { page: 'closed' }]) {
      assert.deepEqual(decodeFrame(raw(frameTypes.bye, { reason })), { ok: false, reason: 'malformed' }, JSON.stringify(reason));
    }
    assert.deepEqual(decodeFrame(raw(frameTypes.bye, {})), { ok: true, frame: { type: 'bye' } });
  });

  it('drops other versions (v2 included), unknown types, oversized and non-JSON frames with a reason', () => {
    assert.deepEqual(decodeFrame(new Uint8Array(maxFrameBytes + 1)), { ok: false, reason: 'too-large' });
    assert.deepEqual(decodeFrame(raw(frameTypes.bye, {}, 2)), { ok: false, reason: 'other-version' });
    assert.deepEqual(decodeFrame(raw(99, {})), { ok: false, reason: 'unknown-type' });
    assert.deepEqual(decodeFrame(Uint8Array.of(frameVersion, frameTypes.bye, 0xff)), { ok: false, reason: 'malformed' });
    assert.deepEqual(decodeFrame(raw(frameTypes.bye, [1])), { ok: false, reason: 'malformed' });
    assert.deepEqual(decodeFrame(new Uint8Array(1)), { ok: false, reason: 'malformed' });
  });

  it('fits an envelope of the longest message in 3-byte characters in one frame', async () => {
    const sodium = await getSodium();
    const sealed = sealEnvelope(sodium, await createIdentity(), new OutgoingChain(sodium, newChainStart(sodium)), { conversation, id }, { text: '€'.repeat(maxMessageChars), sentAt: 0 });
    const bytes = encodeFrame({ type: 'envelope', ...sealed });
    assert.ok(bytes.length < maxFrameBytes, `${bytes.length} bytes`);
    assert.equal(decodeFrame(bytes).ok, true);
  });
});
