// File control frames: layout, strict validation where decoded, and file names that are safe to show and save.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFrame, encodeFrame, frameVersion } from '../../../src/chat/frames';
import {
  fileFrameTypes, isShortenedFileName, maxChunks, maxFileNameBytes, maxFileNameChars, maxHaveRanges, normalizeMime, sanitizeFileName, type FileFrame,
} from '../../../src/chat/files/file-frames';

const conversation = 'dm:AAAAAAAAAAAAAAAAAAAAAA';
const fileId = 'abcdefghijklmnop';
const b32 = 'A'.repeat(43);
const offer = { conversation, fileId, name: 'a.txt', size: 100_000, mime: 'text/plain', chunkBytes: 65_487, chunks: 2, hash: b32, key: b32 };
const raw = (type: number, body: unknown) => Uint8Array.of(frameVersion, type, ...new TextEncoder().encode(JSON.stringify(body)));

describe('file frames', () => {
  it('round-trips every file frame type after the frame version and its type number', () => {
    const frames: FileFrame[] = [
      { type: 'file-offer', ...offer },
      { type: 'file-accept', conversation, fileId, have: [[0, 3], [5, 6]] },
      { type: 'file-accept', conversation, fileId, have: [] },
      { type: 'file-decline', conversation, fileId, reason: 'too-large' },
      { type: 'file-cancel', conversation, fileId, reason: 'hash-mismatch' },
      { type: 'file-done', conversation, fileId },
    ];
    for (const frame of frames) {
      const bytes = encodeFrame(frame);
      assert.deepEqual([bytes[0], bytes[1]], [frameVersion, fileFrameTypes[frame.type]]);
      assert.deepEqual(decodeFrame(bytes), { ok: true, frame });
    }
  });

  it('refuses offers whose numbers do not add up, and keys, hashes, ids, types of the wrong shape', () => {
    const bad: Record<string, unknown>[] = [
      { ...offer, chunks: 3 }, // ceil(100000 / 65487) = 2
      { ...offer, chunks: 1 },
      { ...offer, size: -1 },
      { ...offer, size: 1.5 },
      { ...offer, size: 2 ** 53 },
      { ...offer, chunkBytes: 512, chunks: 196 },
      { ...offer, chunkBytes: 1024 * 1024, chunks: 1 },
      { ...offer, size: (maxChunks + 1) * 1024, chunkBytes: 1024, chunks: maxChunks + 1 },
      { ...offer, key: 'A'.repeat(42) },
      { ...offer, hash: 'A'.repeat(44) },
      { ...offer, fileId: 'short' },
      { ...offer, fileId: `${fileId.slice(1)}/` },
      { ...offer, mime: 'text/html; charset=utf-8' },
      { ...offer, mime: 'nonsense' },
      { ...offer, name: 'n'.repeat(maxFileNameChars + 1) },
      { ...offer, name: 7 },
      { ...offer, conversation: 'room' },
    ];
    for (const body of bad) assert.deepEqual(decodeFrame(raw(fileFrameTypes['file-offer'], body)), { ok: false, reason: 'malformed' }, JSON.stringify(body).slice(0, 120));
  });

  it('takes only ascending, disjoint, bounded ranges and known reasons', () => {
    const accept = (have: unknown) => decodeFrame(raw(fileFrameTypes['file-accept'], { conversation, fileId, have })).ok;
    assert.equal(accept([[0, 1], [1, 2]]), true);
    assert.equal(accept([[2, 3], [0, 1]]), false);
    assert.equal(accept([[0, 3], [2, 4]]), false);
    assert.equal(accept([[3, 3]]), false);
    assert.equal(accept([[0, maxChunks + 1]]), false);
    assert.equal(accept([[0, 1, 2]]), false);
    assert.equal(accept('0-3'), false);
    assert.equal(accept(Array.from({ length: maxHaveRanges + 1 }, (_, i) => [2 * i, 2 * i + 1])), false);
    assert.equal(accept(Array.from({ length: maxHaveRanges }, (_, i) => [2 * i, 2 * i + 1])), true);
    assert.equal(decodeFrame(raw(fileFrameTypes['file-cancel'], { conversation, fileId, reason: 'because' })).ok, false);
    assert.equal(decodeFrame(raw(fileFrameTypes['file-decline'], { conversation, fileId, reason: 'cancelled' })).ok, false);
  });

  it('keeps a full accept frame under the chat frame limit', () => {
    const have = Array.from({ length: maxHaveRanges }, (_, i) => [maxChunks - 2 * maxHaveRanges + 2 * i, maxChunks - 2 * maxHaveRanges + 2 * i + 1] as const);
    assert.ok(encodeFrame({ type: 'file-accept', conversation, fileId, have }).length <= 60 * 1024);
  });

  it('carries only known fields and sanitises the name where it is decoded', () => {
    const decoded = decodeFrame(raw(fileFrameTypes['file-offer'], { ...offer, name: '../../etc/passwd', path: '/tmp', extra: 1 }));
    assert.deepEqual(decoded, { ok: true, frame: { type: 'file-offer', ...offer, name: '_.._etc_passwd' } });
  });

  it('makes names that cannot leave their folder, hide, or read backwards', () => {
    const cases: [string, string][] = [
      ['photo.jpg', 'photo.jpg'],
      ['a/b\\c:d*e?f"g<h>i|j.txt', 'a_b_c_d_e_f_g_h_i_j.txt'],
      ['..', 'file'],
      ['...', 'file'],
      ['', 'file'],
      ['   ', 'file'],
      ['.bashrc', 'bashrc'],
      ['name. ', 'name'],
      ['invoice\u202Etxt.exe', 'invoicetxt.exe'],
      ['zero\u200Bwidth\uFEFF.png', 'zerowidth.png'],
      ['tab\there\nnewline', 'tabherenewline'],
      ['CON', '_CON'],
      ['lpt1.txt', '_lpt1.txt'],
      ['e\u0301te\u0301.txt', 'été.txt'],
    ];
    for (const [input, output] of cases) assert.equal(sanitizeFileName(input), output, JSON.stringify(input));
    assert.equal(isShortenedFileName('holiday.jpg'), false);
  });

  it('cuts long names by UTF-8 bytes, leaving room for a browser\'s download suffix, and keeps the extension', () => {
    const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
    // 240 bytes: under 255, but Chromium's "<name>.crdownload" would not fit on a 255-byte file system.
    const ascii = sanitizeFileName(`${'x'.repeat(236)}.pdf`);
    assert.ok(bytes(ascii) <= maxFileNameBytes && bytes(ascii) + bytes('.crdownload') <= 255, `${bytes(ascii)} bytes`);
    assert.match(ascii, /^x+….pdf$/);
    assert.equal(isShortenedFileName(ascii), true);
    // 200 characters of 3 bytes each: 600 bytes, far over, though only 200 UTF-16 units (the old cut let it through).
    const japanese = sanitizeFileName(`${'写'.repeat(200)}.jpeg`);
    assert.ok(bytes(japanese) <= maxFileNameBytes, `${bytes(japanese)} bytes`);
    assert.ok(japanese.endsWith('….jpeg') && japanese.startsWith('写'));
    // 4-byte characters: whole code points only, no half of a surrogate pair.
    const emoji = sanitizeFileName('😀'.repeat(120));
    assert.ok(bytes(emoji) <= maxFileNameBytes && !/[\uD800-\uDBFF]…$/.test(emoji) && emoji.endsWith('…'));
    assert.doesNotMatch(emoji.replace('…', ''), /[\uD800-\uDBFF](?![\uDC00-\uDFFF])/, 'no lone high surrogate');
    // A name that fits is left whole, and is not said to be shortened.
    const fits = `${'y'.repeat(190)}.txt`;
    assert.equal(sanitizeFileName(fits), fits);
    assert.equal(isShortenedFileName(fits), false);
    // Sanitising is stable: a shortened name sent on is the same name at the receiver.
    assert.equal(sanitizeFileName(japanese), japanese);
  });

  it('normalises media types and falls back to octet-stream', () => {
    assert.equal(normalizeMime('Image/PNG'), 'image/png');
    assert.equal(normalizeMime('text/html; charset=utf-8'), 'text/html');
    assert.equal(normalizeMime(''), 'application/octet-stream');
    assert.equal(normalizeMime('<script>'), 'application/octet-stream');
  });
});
