// The mailbox code: what it holds comes back exactly, as text or link; anything else gets its own error code.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isTincanError, type ErrorCode } from '../../../src/errors';
import { crc16 } from '../../../src/invite/bit-stream';
import { crockfordAlphabet, encodeCode } from '../../../src/invite/invite-code';
import { decodeMailboxCode, encodeMailboxCode, mailboxLink, type MailboxCode } from '../../../src/invite/mailbox-code';

const bytes = (fill: number, length = 32) => new Uint8Array(length).map((_, i) => (fill + i * 7) & 255);
const code: MailboxCode = { address: '203.0.113.9', port: 4100, fingerprint: bytes(1), identityKey: bytes(2), claim: bytes(3, 16) };

function errorOf(text: string): ErrorCode | undefined {
  try {
    decodeMailboxCode(text);
    return undefined;
  } catch (error) {
    if (isTincanError(error)) return error.code;
    throw error;
  }
}

/** The code's bits with `change` applied, the checksum made valid again (a well-formed code of another shape). */
function resealed(text: string, change: (bits: number[]) => void): string {
  const bits = [...text].flatMap((char) => {
    const value = crockfordAlphabet.indexOf(char);
    return [4, 3, 2, 1, 0].map((shift) => (value >> shift) & 1);
  });
  const payload = bits.slice(0, -16);
  change(payload);
  const crc = crc16(payload);
  const all = [...payload, ...[...Array(16)].map((_, i) => (crc >> (15 - i)) & 1)];
  let out = '';
  for (let i = 0; i < all.length; i += 5) out += crockfordAlphabet[all.slice(i, i + 5).reduce((v, b) => v * 2 + b, 0)];
  return out;
}

describe('mailbox code', () => {
  it('gives back address, port, fingerprint, key and claim, from the text and from the link', () => {
    const text = encodeMailboxCode(code);
    assert.match(text, /^M[0-9A-HJKMNP-TV-Z]+$/);
    assert.equal(text.length, 143);
    assert.deepEqual(decodeMailboxCode(text), code);
    assert.deepEqual(decodeMailboxCode(mailboxLink('https://example.org/tincan/#old', text)), code);
    assert.deepEqual(decodeMailboxCode(`  "${text.toLowerCase().replace(/(.{8})/g, '$1 ')}"\n`), code, 'case, spaces and quotes forgiven');
  });

  it('carries IPv6 and leaves the claim out of the code contacts get', () => {
    const forContacts: MailboxCode = { address: '2001:db8::7', port: 65535, fingerprint: bytes(9), identityKey: bytes(11) };
    const text = encodeMailboxCode(forContacts);
    assert.deepEqual(decodeMailboxCode(text), forContacts);
    assert.equal(decodeMailboxCode(text).claim, undefined);
  });

  it('catches every single mistyped character and every cut', () => {
    const text = encodeMailboxCode(code);
    for (let i = 0; i < text.length; i++) {
      const other = crockfordAlphabet[(crockfordAlphabet.indexOf(text[i]!) + 1) % 32]!;
      const error = errorOf(text.slice(0, i) + other + text.slice(i + 1));
      assert.ok(error && error.startsWith('MAILBOX_CODE_'), `character ${i}: ${error}`);
    }
    for (const cut of [1, 10, 60]) assert.equal(errorOf(text.slice(0, -cut)), 'MAILBOX_CODE_CHECKSUM');
  });

  it('names what was pasted instead: nothing, an invite code, other text, a newer code, an unusable address', () => {
    assert.equal(errorOf('   '), 'MAILBOX_CODE_EMPTY');
    const invite = encodeCode({ kind: 'invite', fields: { fingerprint: bytes(5), candidates: [{ type: 'host', address: '192.0.2.1', port: 5000 }] } });
    assert.equal(errorOf(invite), 'MAILBOX_CODE_IS_INVITE');
    assert.equal(errorOf('hello there, this is not a code!'), 'MAILBOX_CODE_INVALID');
    assert.equal(errorOf('x'.repeat(10_000)), 'MAILBOX_CODE_INVALID');
    const text = encodeMailboxCode(code);
    assert.equal(errorOf(resealed(text, (bits) => bits.splice(5, 3, 0, 1, 0))), 'MAILBOX_CODE_NEWER');
    // 0.0.0.0 written into the address field of an otherwise valid code
    assert.equal(errorOf(resealed(text, (bits) => bits.fill(0, 10, 42))), 'MAILBOX_CODE_ADDRESS');
    assert.throws(() => encodeMailboxCode({ ...code, address: '224.0.0.1' }), (e) => isTincanError(e, 'MAILBOX_CODE_ADDRESS'));
  });
});
