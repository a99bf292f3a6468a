// Property of the chat frame decoder, written against its contract only, because frames.ts is being rewritten
// (version 2): decodeFrame(bytes) returns { ok: true, frame } or { ok: false, reason } for ANY bytes, and never
// throws. The bytes: random; a header (any version and type byte, the current ones often) followed by JSON of
// any shape, JSON with the field names frames use and hostile values, or bytes that are not UTF-8; and sizes
// around and far past any frame limit.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeFrame } from '../../../src/chat/frames';
import { type FuzzReport, runProperty } from './fuzz-run';

const encoder = new TextEncoder();
const fieldNames = ['c', 'id', 'ids', 'text', 'sentAt', 'active', 'kind', 'sdp', 'fingerprint', 'bytes', 'limit', 'name', 'size',
  'index', 'state', 'direction', '__proto__', 'constructor', 'toString', ''];
const hostileValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(1e16, -1e16, 8.64e15 + 1, -0, 2 ** 53, 1e308, -1, 0.5, '', 'x'.repeat(20_000), 'dm:', 'AAAAAAAAAAAAAAAA', true, null),
  fc.array(fc.string({ maxLength: 20 }), { maxLength: 600 }),
);
const jsonBody = fc
  .oneof(
    { arbitrary: fc.jsonValue({ maxDepth: 4 }), weight: 1 },
    { arbitrary: fc.dictionary(fc.constantFrom(...fieldNames), hostileValue, { maxKeys: 8 }), weight: 4 },
  )
  .map((value) => encoder.encode(JSON.stringify(value) ?? ''));
const notUtf8 = fc.uint8Array({ maxLength: 64 }).map((bytes) => Uint8Array.of(0x7b, 0x22, 0xc3, 0x28, 0xe0, 0xa4, ...bytes));
// Mostly the versions and types a decoder knows (so bodies reach its validation), sometimes any byte.
const header = fc.tuple(
  fc.oneof({ arbitrary: fc.constantFrom(1, 2), weight: 8 }, { arbitrary: fc.constantFrom(0, 3, 255), weight: 1 }, { arbitrary: fc.integer({ min: 0, max: 255 }), weight: 1 }),
  fc.oneof({ arbitrary: fc.integer({ min: 0, max: 15 }), weight: 8 }, { arbitrary: fc.integer({ min: 0, max: 255 }), weight: 1 }),
);
const body = fc.oneof(
  { arbitrary: jsonBody, weight: 6 },
  { arbitrary: notUtf8, weight: 1 },
  { arbitrary: fc.uint8Array({ maxLength: 200 }), weight: 1 },
);
const framed = fc.tuple(header, body).map(([[version, type], body]) => {
  const bytes = new Uint8Array(2 + body.length);
  bytes.set([version, type]);
  bytes.set(body, 2);
  return bytes;
});
/** A header and a JSON string of any size up to 128 KiB: at, around and past every frame limit. */
const large = fc.tuple(header, fc.integer({ min: 1, max: 128 * 1024 })).map(([[version, type], size]) => {
  const bytes = new Uint8Array(2 + size).fill(0x61);
  bytes.set([version, type, 0x22], 0);
  if (size > 1) bytes[bytes.length - 1] = 0x22;
  return bytes;
});
const anyBytes = fc.oneof(
  { arbitrary: fc.uint8Array({ maxLength: 300 }), weight: 3 },
  { arbitrary: framed, weight: 6 },
  { arbitrary: large, weight: 1 },
);

export function decodeFrameNeverThrows(numRuns: number): FuzzReport {
  const property = fc.property(anyBytes, (bytes) => {
    const decoded = decodeFrame(bytes);
    assert.equal(typeof decoded, 'object');
    if (decoded.ok === true) {
      assert.equal(typeof decoded.frame, 'object');
      assert.notEqual(decoded.frame, null);
    } else {
      assert.equal(decoded.ok, false);
      assert.equal(typeof decoded.reason, 'string');
    }
  });
  return runProperty('decodeFrame(any bytes): { ok: true, frame } or { ok: false, reason }, never a throw', property, numRuns);
}
