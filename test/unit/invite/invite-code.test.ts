import { expect } from '@esm-bundle/chai';
import { type ErrorCode, isTincanError } from '../../../src/errors';
import { parseIPv4, parseIPv6 } from '../../../src/invite/address';
import { crc16 } from '../../../src/invite/bit-stream';
import {
  codeBits,
  codeBytes,
  codeChars,
  crockfordAlphabet,
  decodeCode,
  encodeCode,
  expectKind,
  fingerprintPrefix,
  maxCodeChars,
  maxPastedChars,
  normalizeCode,
  startsFingerprint,
  type DecodedCode,
} from '../../../src/invite/invite-code';
import { applyIceCredentials, deriveIceCredentials, extractFields, type SessionFields } from '../../../src/invite/sdp';
import { bitsOf, bitsToNumber as number, payloadOf, seal, toBits } from './code-bits';
import { answerFixtures, expectTincanError, type FixtureName, loadSdp, offerFixtures } from './fixtures';

/** A fixture's fields as the app sends them: with its ICE credentials set to the derived ones first. */
async function mungedFields(name: FixtureName): Promise<SessionFields> {
  const sdp = await loadSdp(name);
  return extractFields(applyIceCredentials(sdp, deriveIceCredentials(extractFields(sdp).fingerprint)));
}

const sampleFields = (): SessionFields => ({
  fingerprint: Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff),
  candidates: [{ type: 'host', address: '192.168.1.20', port: 51234 }],
});

// Records written by hand after the layout in invite-code.ts's header, for codes no encoder makes.
const headerOf = (kind: 'invite' | 'answer') => payloadOf({ kind, fields: sampleFields() }).slice(0, 260);
const bytesToBits = (bytes: Uint8Array) => Array.from(bytes).flatMap((byte) => bitsOf(byte, 8));
const hostRecord = (address: string, port: number) => {
  const v4 = parseIPv4(address);
  return v4 ? [0, 0, 0, 0, ...bytesToBits(v4), ...bitsOf(port, 16)] : [0, 0, 0, 1, ...bytesToBits(parseIPv6(address)!), ...bitsOf(port, 16)];
};
const iceRecord = (ufrag: string, pwd: string) => {
  const chars = (text: string) => [...bitsOf(text.length, 8), ...[...text].flatMap(() => bitsOf(0, 6))]; // all 'A'
  return [0, 1, 1, 1, ...chars(ufrag), ...chars(pwd)];
};
const skippableRecord = (id: number, payload: number[]) => [1, 0, 1, 1, ...bitsOf(id, 4), ...bitsOf(payload.length, 8), ...payload];

describe('invite code round trip', () => {
  it('gives back every fixture’s fields and kind, as captured (with the browser’s ICE credentials)', async () => {
    for (const name of [...offerFixtures, ...answerFixtures]) {
      const kind = name.includes('answer') ? 'answer' : 'invite';
      const fields = extractFields(await loadSdp(name));
      expect(fields.ice, name).not.to.equal(undefined);
      expect(decodeCode(encodeCode({ kind, fields })), name).to.deep.equal({ kind, fields });
    }
  });

  it('gives back every fixture’s fields once the ICE credentials are the derived ones (no credentials carried)', async () => {
    for (const name of [...offerFixtures, ...answerFixtures]) {
      const fields = await mungedFields(name);
      expect(fields.ice, name).to.equal(undefined);
      expect(decodeCode(encodeCode({ kind: 'invite', fields })).fields, name).to.deep.equal(fields);
    }
  });

  it('puts version 1, the kind and the fingerprint first, and the CRC-16 of everything before it last', () => {
    const fields = sampleFields();
    const invite = encodeCode({ kind: 'invite', fields });
    const answer = encodeCode({ kind: 'answer', fields });
    const bits = toBits(invite);
    expect(number(bits.slice(0, 3))).to.equal(1);
    expect(bits[3]).to.equal(0);
    expect(toBits(answer)[3]).to.equal(1);
    const fingerprint = Array.from({ length: 32 }, (_, i) => number(bits.slice(4 + 8 * i, 12 + 8 * i)));
    expect(fingerprint).to.deep.equal(Array.from(fields.fingerprint));
    // tag 0000 (host, IPv4), 192.168.1.20, port 51234
    expect(number(bits.slice(260, 264))).to.equal(0);
    expect(number(bits.slice(264, 296))).to.equal((192 * 2 ** 24) + (168 << 16) + (1 << 8) + 20);
    expect(number(bits.slice(296, 312))).to.equal(51234);
    expect(number(bits.slice(-16))).to.equal(crc16(bits, bits.length - 16));
    expect('45').to.contain(invite[0]);
    expect('67').to.contain(answer[0]);
  });

  it('uses the CRC-16/CCITT-FALSE check value', () => {
    const bits = [...'123456789'].flatMap((char) => bitsOf(char.charCodeAt(0), 8));
    expect(crc16(bits)).to.equal(0x29b1);
  });
});

describe('invite code sizes', () => {
  it('fits an invite with one IPv4 host candidate in 41 bytes and 66 characters', async () => {
    for (const name of ['chromium-offer-ipv4', 'firefox-offer-ipv4'] as const) {
      const code = { kind: 'invite' as const, fields: await mungedFields(name) };
      expect(code.fields.candidates, name).to.have.length(1);
      expect(codeBits(code)).to.equal(328);
      expect(codeBytes(code)).to.equal(41);
      expect(encodeCode(code)).to.have.length(66);
      expect(codeChars(code)).to.equal(66);
    }
  });

  it('fits two mDNS host candidates in 70 bytes and 112 characters', async () => {
    for (const name of ['chromium-offer-mdns-dual', 'firefox-offer-mdns-dual'] as const) {
      const code = { kind: 'invite' as const, fields: await mungedFields(name) };
      expect(code.fields.candidates, name).to.have.length(2);
      expect(codeBytes(code)).to.equal(70);
      expect(encodeCode(code)).to.have.length(112);
    }
  });

  it('is upper-case Crockford base32 only, with no separators', async () => {
    const code = encodeCode({ kind: 'invite', fields: await mungedFields('chromium-offer-relay') });
    expect(code).to.match(/^[0-9A-HJKMNP-TV-Z]+$/);
  });
});

describe('normalizeCode and pasting', () => {
  const code = encodeCode({ kind: 'invite', fields: sampleFields() });
  const expected = decodeCode(code);

  it('accepts lower case, spaces, dashes, newlines and surrounding whitespace', () => {
    const grouped = code.match(/.{1,5}/g)!;
    for (const pasted of [
      code.toLowerCase(),
      `  ${code}\n`,
      grouped.join(' '),
      grouped.join('-'),
      grouped.join('\n'),
      grouped.join('\u200b'),
      `"${code}"`,
      `\`${code}\``,
    ]) {
      expect(normalizeCode(pasted)).to.equal(code);
      expect(decodeCode(pasted)).to.deep.equal(expected);
    }
  });

  it('accepts a whole link or just its fragment', () => {
    expect(decodeCode(`https://example.github.io/tincan/#${code}`)).to.deep.equal(expected);
    expect(decodeCode(`http://192.168.1.5:8080/#${code.toLowerCase()}`)).to.deep.equal(expected);
    expect(decodeCode(`#${code}`)).to.deep.equal(expected);
    expect(decodeCode(`<https://example.github.io/tincan/#${code}>`)).to.deep.equal(expected);
  });

  it('accepts a label before the code and punctuation after it', () => {
    for (const pasted of [
      `Code: ${code}.`,
      `Code:${code}`,
      `Tincan invite from Bob: ${code.match(/.{1,5}/g)!.join(' ')}!`,
      `${code},`,
      `(${code})`,
      `(${code}).`,
      `«${code}»`,
      `“${code}”?`,
      `'${code}';`,
      `[${code}]…`,
    ]) {
      expect(normalizeCode(pasted), pasted).to.equal(code);
      expect(decodeCode(pasted)).to.deep.equal(expected);
    }
  });

  it('takes a link out of a sentence: the fragment ends at the first white space', () => {
    for (const pasted of [
      `open https://example.github.io/tincan/#${code} please`,
      `open https://example.github.io/tincan/#${code}. Thanks!`,
      `Here: https://example.github.io/tincan/#${code}\nSee you`,
      `(see https://example.github.io/tincan/#${code.toLowerCase()}).`,
      `Code: https://example.github.io/tincan/#${code}`,
    ]) {
      expect(normalizeCode(pasted), pasted).to.equal(code);
      expect(decodeCode(pasted)).to.deep.equal(expected);
    }
  });

  it('refuses text over maxPastedChars as CODE_TOO_LONG before looking at it, even around a valid code', () => {
    const padded = (quotes: number) => `'${code}${"'".repeat(quotes)}`;
    expect(decodeCode(padded(maxPastedChars - code.length - 1))).to.deep.equal(expected);
    expectTincanError(() => normalizeCode(padded(maxPastedChars - code.length)), 'CODE_TOO_LONG');
    expectTincanError(() => decodeCode(`${code}${' '.repeat(maxPastedChars)}`), 'CODE_TOO_LONG');
  });

  it('finishes on a link with 200k quotes (CODE_TOO_LONG) and on maxPastedChars of them (nothing left)', () => {
    expectTincanError(() => decodeCode(`https://example.github.io/tincan/#${"'".repeat(200_000)}`), 'CODE_TOO_LONG');
    expectTincanError(() => decodeCode(`https://example.github.io/tincan/#${code}${"'".repeat(200_000)}x`), 'CODE_TOO_LONG');
    // The pattern that was quadratic: a run of quotes that does not reach the end.
    expect(normalizeCode(`${"'".repeat(maxPastedChars - 1)}x`)).to.equal('X');
    expect(normalizeCode(`x${"'".repeat(maxPastedChars - 2)}x`)).to.equal(`X${"'".repeat(maxPastedChars - 2)}X`);
    expect(normalizeCode('#'.repeat(maxPastedChars))).to.equal('');
    expect(normalizeCode(':'.repeat(maxPastedChars))).to.equal('');
  });

  it('is idempotent and never longer than what was pasted', () => {
    for (const pasted of [`Code: ${code}.`, `open https://x/#${code} please`, 'ß ı ǅ ﬁ', `"a" "b"`, 'x:"#y', '#a:b c']) {
      const once = normalizeCode(pasted);
      expect(normalizeCode(once), pasted).to.equal(once);
      expect(once.length).to.be.at.most(pasted.length);
    }
  });

  it('reads I and L as 1 and O as 0 (Crockford confusables)', () => {
    expect(code).to.match(/[10]/);
    const misread = code.replace(/1/g, 'l').replace(/0/g, 'O');
    expect(decodeCode(misread)).to.deep.equal(expected);
    expect(decodeCode(code.replace(/1/g, 'I'))).to.deep.equal(expected);
  });
});

describe('codes that cannot work', () => {
  const refusals: [string, number[], ErrorCode][] = [
    ['port 0', hostRecord('192.168.1.20', 0), 'CODE_PORT_ZERO'],
    ['0.0.0.0', hostRecord('0.0.0.0', 5000), 'CODE_ADDRESS_UNSPECIFIED'],
    ['::', hostRecord('::', 5000), 'CODE_ADDRESS_UNSPECIFIED'],
    ['127.0.0.1', hostRecord('127.0.0.1', 5000), 'CODE_ADDRESS_LOOPBACK'],
    ['::1', hostRecord('::1', 5000), 'CODE_ADDRESS_LOOPBACK'],
    ['::ffff:127.0.0.1', hostRecord('::ffff:127.0.0.1', 5000), 'CODE_ADDRESS_LOOPBACK'],
    ['224.0.0.251', hostRecord('224.0.0.251', 5353), 'CODE_ADDRESS_UNREACHABLE'],
    ['ff02::fb', hostRecord('ff02::fb', 5353), 'CODE_ADDRESS_UNREACHABLE'],
    ['255.255.255.255', hostRecord('255.255.255.255', 5000), 'CODE_ADDRESS_UNREACHABLE'],
    ['240.0.0.1', hostRecord('240.0.0.1', 5000), 'CODE_ADDRESS_UNREACHABLE'],
    ['no candidate', [], 'CODE_NO_CANDIDATES'],
    ['ufrag of 3', [...iceRecord('abc', 'a'.repeat(22)), ...hostRecord('192.168.1.20', 5000)], 'CODE_ICE_CREDENTIALS'],
    ['empty ufrag', [...iceRecord('', 'a'.repeat(22)), ...hostRecord('192.168.1.20', 5000)], 'CODE_ICE_CREDENTIALS'],
    ['pwd of 21', [...iceRecord('abcd', 'a'.repeat(21)), ...hostRecord('192.168.1.20', 5000)], 'CODE_ICE_CREDENTIALS'],
  ];

  it('refuses each with its own code, invite or answer', () => {
    for (const kind of ['invite', 'answer'] as const) {
      for (const [name, records, error] of refusals) {
        expectTincanError(() => decodeCode(seal([...headerOf(kind), ...records])), error, `${kind} ${name}`);
      }
    }
  });

  it('refuses a code with one unusable candidate among good ones', () => {
    const good = hostRecord('192.168.1.20', 5000);
    expectTincanError(() => decodeCode(seal([...headerOf('invite'), ...good, ...hostRecord('224.0.0.251', 5353)])), 'CODE_ADDRESS_UNREACHABLE');
    expectTincanError(() => decodeCode(seal([...headerOf('invite'), ...hostRecord('10.0.0.1', 0), ...good])), 'CODE_PORT_ZERO');
  });

  it('takes the shortest ICE credentials a browser takes (ufrag 4, pwd 22)', () => {
    const decoded = decodeCode(seal([...headerOf('invite'), ...iceRecord('abcd', 'a'.repeat(22)), ...hostRecord('192.168.1.20', 5000)]));
    expect(decoded.fields.ice).to.deep.equal({ ufrag: 'AAAA', pwd: 'A'.repeat(22) });
  });

  it('are never made: the encoder refuses the same fields', () => {
    const fields = sampleFields();
    const withCandidate = (address: string, port: number) => ({ ...fields, candidates: [{ type: 'host' as const, address, port }] });
    for (const [address, port] of [['10.0.0.1', 0], ['0.0.0.0', 1], ['::1', 1], ['ff02::fb', 1], ['255.255.255.255', 1]] as const) {
      expectTincanError(() => encodeCode({ kind: 'invite', fields: withCandidate(address, port) }), 'SDP_UNSUPPORTED');
    }
    expectTincanError(() => encodeCode({ kind: 'invite', fields: { ...fields, ice: { ufrag: 'abc', pwd: 'a'.repeat(22) } } }), 'SDP_UNSUPPORTED');
    expectTincanError(() => encodeCode({ kind: 'invite', fields: { ...fields, candidates: [] } }), 'NO_LOCAL_ADDRESS');
  });
});

describe('in-reply-to and reconnect-for', () => {
  const fields = sampleFields();
  const prefix = Uint8Array.of(0xde, 0xad, 0xbe, 0xef);

  it('round-trip: in-reply-to in answers, reconnect-for in invites', async () => {
    const answer: DecodedCode = { kind: 'answer', fields, inReplyTo: prefix };
    const invite: DecodedCode = { kind: 'invite', fields, reconnectFor: prefix };
    expect(decodeCode(encodeCode(answer))).to.deep.equal(answer);
    expect(decodeCode(encodeCode(invite))).to.deep.equal(invite);
    const relay: DecodedCode = { kind: 'answer', fields: extractFields(await loadSdp('firefox-offer-relay')), inReplyTo: prefix };
    expect(decodeCode(encodeCode(relay))).to.deep.equal(relay);
  });

  it('are skippable records (tag 1011) with ids 0 and 1 and a 32-bit payload, after the header', () => {
    for (const [code, id] of [[{ kind: 'answer', fields, inReplyTo: prefix }, 0], [{ kind: 'invite', fields, reconnectFor: prefix }, 1]] as const) {
      const bits = toBits(encodeCode(code));
      expect(bits.slice(260, 308)).to.deep.equal(skippableRecord(id, bytesToBits(prefix)));
    }
  });

  it('cost 48 bits each: 47 bytes and 76 characters for a one-IPv4 invite, 94 characters for an mDNS answer', () => {
    const invite: DecodedCode = { kind: 'invite', fields, reconnectFor: prefix };
    expect(codeBits(invite) - codeBits({ kind: 'invite', fields })).to.equal(48);
    expect([codeBits(invite), codeBytes(invite), encodeCode(invite).length]).to.deep.equal([376, 47, 76]);
    const mdns: SessionFields = { ...fields, candidates: [{ type: 'host', address: 'ec927985-38c3-4d77-b5d4-cd3553d65132.local', port: 52947 }] };
    expect(encodeCode({ kind: 'answer', fields: mdns })).to.have.length(84);
    const answer: DecodedCode = { kind: 'answer', fields: mdns, inReplyTo: prefix };
    expect([codeBits(answer), codeBytes(answer), encodeCode(answer).length]).to.deep.equal([466, 59, 94]);
  });

  it('are skipped as a version-1 decoder skips them: as any unassigned id', () => {
    // A version-1 decoder knows no skippable id. Renumbering the record to an unassigned id (9) makes this
    // decoder read it exactly as a version-1 decoder reads ids 0 and 1: skipped, the rest intact.
    for (const code of [{ kind: 'answer', fields, inReplyTo: prefix }, { kind: 'invite', fields, reconnectFor: prefix }] as const) {
      const payload = payloadOf(code);
      const renumbered = [...payload.slice(0, 264), ...bitsOf(9, 4), ...payload.slice(268)];
      expect(decodeCode(seal(renumbered))).to.deep.equal({ kind: code.kind, fields });
    }
  });

  it('CODE_NOT_TINCAN in the other kind of code, twice, or with another length', () => {
    const host = hostRecord('192.168.1.20', 5000);
    const four = bytesToBits(prefix);
    expectTincanError(() => decodeCode(seal([...headerOf('invite'), ...skippableRecord(0, four), ...host])), 'CODE_NOT_TINCAN');
    expectTincanError(() => decodeCode(seal([...headerOf('answer'), ...skippableRecord(1, four), ...host])), 'CODE_NOT_TINCAN');
    expectTincanError(() => decodeCode(seal([...headerOf('answer'), ...skippableRecord(0, four), ...skippableRecord(0, four), ...host])), 'CODE_NOT_TINCAN');
    expectTincanError(() => decodeCode(seal([...headerOf('invite'), ...skippableRecord(1, four.slice(8)), ...host])), 'CODE_NOT_TINCAN');
    expect(decodeCode(seal([...headerOf('answer'), ...host, ...skippableRecord(0, four)])).inReplyTo).to.deep.equal(prefix);
  });

  it('are refused by the encoder in the other kind of code or at another size', () => {
    expectTincanError(() => encodeCode({ kind: 'invite', fields, inReplyTo: prefix }), 'SDP_UNSUPPORTED');
    expectTincanError(() => encodeCode({ kind: 'answer', fields, reconnectFor: prefix }), 'SDP_UNSUPPORTED');
    expectTincanError(() => encodeCode({ kind: 'answer', fields, inReplyTo: prefix.subarray(0, 3) }), 'SDP_UNSUPPORTED');
  });

  it('fingerprintPrefix is the first 4 bytes, and startsFingerprint matches it', () => {
    const other = fields.fingerprint.slice();
    other[3]! ^= 1;
    expect(Array.from(fingerprintPrefix(fields.fingerprint))).to.deep.equal([11, 48, 85, 122]);
    expect(startsFingerprint(fingerprintPrefix(fields.fingerprint), fields.fingerprint)).to.equal(true);
    expect(startsFingerprint(fingerprintPrefix(fields.fingerprint), other)).to.equal(false);
    expect(startsFingerprint(fields.fingerprint.subarray(0, 3), fields.fingerprint)).to.equal(false);
  });
});

describe('invite code errors', () => {
  const fields = sampleFields();
  const invite = encodeCode({ kind: 'invite', fields });
  const answer = encodeCode({ kind: 'answer', fields });

  it('CODE_EMPTY for nothing, whitespace or an empty link fragment', () => {
    expectTincanError(() => decodeCode(''), 'CODE_EMPTY');
    expectTincanError(() => decodeCode('  \n\t '), 'CODE_EMPTY');
    expectTincanError(() => decodeCode('https://example.github.io/tincan/#'), 'CODE_EMPTY');
  });

  it('CODE_TRUNCATED for a code cut before its fingerprint ends', () => {
    expectTincanError(() => decodeCode(invite.slice(0, 33)), 'CODE_TRUNCATED');
    expectTincanError(() => decodeCode(`https://example.github.io/tincan/#${answer.slice(0, 20)}`), 'CODE_TRUNCATED');
  });

  it('CODE_CHECKSUM for a code cut near its end or with a character added', () => {
    for (let cut = 1; cut <= 10; cut++) expectTincanError(() => decodeCode(invite.slice(0, -cut)), 'CODE_CHECKSUM');
    expectTincanError(() => decodeCode(`${invite}7`), 'CODE_CHECKSUM');
    expectTincanError(() => decodeCode(`${invite.slice(0, 30)}Q${invite.slice(30)}`), 'CODE_CHECKSUM');
  });

  it('CODE_CHECKSUM for every single mistyped character and every swap of neighbours, the first included', () => {
    for (let i = 0; i < invite.length; i++) {
      for (const replacement of crockfordAlphabet) {
        if (replacement === invite[i]) continue;
        const typo = invite.slice(0, i) + replacement + invite.slice(i + 1);
        expectTincanError(() => decodeCode(typo), 'CODE_CHECKSUM');
      }
      if (i + 1 < invite.length && invite[i] !== invite[i + 1]) {
        const swapped = invite.slice(0, i) + invite[i + 1] + invite[i] + invite.slice(i + 2);
        expectTincanError(() => decodeCode(swapped), 'CODE_CHECKSUM');
      }
    }
  });

  it('CODE_EXPECTED_INVITE / CODE_EXPECTED_ANSWER when the other kind is pasted', () => {
    expectTincanError(() => expectKind(decodeCode(answer), 'invite'), 'CODE_EXPECTED_INVITE');
    expectTincanError(() => expectKind(decodeCode(invite), 'answer'), 'CODE_EXPECTED_ANSWER');
    expect(expectKind(decodeCode(invite), 'invite').kind).to.equal('invite');
  });

  it('CODE_NEWER_VERSION for a version-2 code with a valid checksum, CODE_CHECKSUM when it is mistyped', () => {
    const payload = payloadOf({ kind: 'invite', fields });
    const version2 = seal([...bitsOf(2, 3), ...payload.slice(3)]);
    expectTincanError(() => decodeCode(version2), 'CODE_NEWER_VERSION');
    // A newer version may carry fields this one cannot parse: still named as newer.
    expectTincanError(() => decodeCode(seal([...bitsOf(7, 3), ...payload.slice(3, 200)])), 'CODE_NEWER_VERSION');
    expectTincanError(() => decodeCode(version2.slice(0, -1) + (version2.endsWith('0') ? '1' : '0')), 'CODE_CHECKSUM');
  });

  it('CODE_NEWER_VERSION for a record only a newer Tincan writes; skippable records are skipped', () => {
    const payload = payloadOf({ kind: 'invite', fields });
    expectTincanError(() => decodeCode(seal([...payload, 1, 1, 1, 1, ...new Array<number>(20).fill(0)])), 'CODE_NEWER_VERSION');
    const skippable = [1, 0, 1, 1, ...bitsOf(5, 4), ...bitsOf(9, 8), 1, 0, 1, 0, 1, 0, 1, 0, 1];
    const withExtra = seal([...payload, ...skippable, ...payloadOf({ kind: 'invite', fields }).slice(260, 312)]);
    expect(decodeCode(withExtra).fields.candidates).to.deep.equal([...fields.candidates, ...fields.candidates]);
  });

  it('CODE_NOT_TINCAN for chat text, another site’s link, a pasted SDP, a U, or version 0', async () => {
    expectTincanError(() => decodeCode('hello, how are you?'), 'CODE_NOT_TINCAN');
    expectTincanError(() => decodeCode('ok'), 'CODE_NOT_TINCAN');
    expectTincanError(() => decodeCode('https://example.com/some/page'), 'CODE_NOT_TINCAN');
    expectTincanError(() => decodeCode('https://github.com/lit/lit#readme'), 'CODE_NOT_TINCAN');
    expectTincanError(() => decodeCode('this is a test of the chat app'), 'CODE_NOT_TINCAN');
    const sdp = await loadSdp('chromium-offer-ipv4');
    expectTincanError(() => decodeCode(sdp), 'CODE_NOT_TINCAN');
    expectTincanError(() => decodeCode(invite.slice(0, 20) + 'U' + invite.slice(21)), 'CODE_NOT_TINCAN');
    const payload = payloadOf({ kind: 'invite', fields });
    expectTincanError(() => decodeCode(seal([0, 0, 0, ...payload.slice(3)])), 'CODE_NOT_TINCAN');
  });

  it('CODE_TOO_LONG for text over the limit, before decoding; the encoder refuses to make such codes', () => {
    expectTincanError(() => decodeCode('0'.repeat(maxCodeChars + 1)), 'CODE_TOO_LONG');
    expectTincanError(() => decodeCode(invite.repeat(7)), 'CODE_TOO_LONG');
    expect(() => decodeCode('0'.repeat(maxCodeChars))).to.throw().with.property('code').not.equal('CODE_TOO_LONG');
    const many: SessionFields = {
      ...fields,
      candidates: Array.from({ length: 20 }, (_, i) => ({ type: 'host' as const, address: `2001:db8::${i + 1}`, port: 5000 + i })),
    };
    expectTincanError(() => encodeCode({ kind: 'invite', fields: many }), 'CODE_TOO_LONG');
  });

  it('SDP_UNSUPPORTED when a candidate name is not a v4 UUID under .local', () => {
    const named = { ...fields, candidates: [{ type: 'host' as const, address: 'printer.local', port: 1 }] };
    expectTincanError(() => encodeCode({ kind: 'invite', fields: named }), 'SDP_UNSUPPORTED');
    const version1Uuid = { ...fields, candidates: [{ type: 'host' as const, address: 'c232ab00-9414-11ec-b3c8-9f6bdeced846.local', port: 1 }] };
    expectTincanError(() => encodeCode({ kind: 'invite', fields: version1Uuid }), 'SDP_UNSUPPORTED');
  });

  it('throws nothing but TincanError for random text and random damage to real codes', async () => {
    const real = encodeCode({ kind: 'answer', fields: extractFields(await loadSdp('firefox-offer-relay')) });
    let seed = 12345;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = `${crockfordAlphabet}abcxyz -#:/.U`;
    for (let round = 0; round < 3000; round++) {
      let text: string;
      if (round % 2 === 0) {
        text = Array.from({ length: random(450) }, () => alphabet[random(alphabet.length)]).join('');
      } else {
        const at = random(real.length);
        text = real.slice(0, at) + crockfordAlphabet[random(32)] + real.slice(at + random(3));
        if (round % 3 === 0) text = text.slice(0, random(text.length + 1));
      }
      try {
        decodeCode(text);
      } catch (error) {
        expect(isTincanError(error), `${String(error)} for ${text}`).to.equal(true);
      }
    }
  });
});
