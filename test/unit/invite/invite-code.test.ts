import { expect } from '@esm-bundle/chai';
import { isTincanError } from '../../../src/errors';
import { crc16 } from '../../../src/invite/bit-stream';
import {
  codeBits,
  codeBytes,
  codeChars,
  crockfordAlphabet,
  decodeCode,
  encodeCode,
  expectKind,
  maxCodeChars,
  normalizeCode,
  type DecodedCode,
} from '../../../src/invite/invite-code';
import { applyIceCredentials, deriveIceCredentials, extractFields, type SessionFields } from '../../../src/invite/sdp';
import { answerFixtures, expectTincanError, type FixtureName, loadSdp, offerFixtures } from './fixtures';

/** A fixture's fields as the app sends them: with its ICE credentials set to the derived ones first. */
async function mungedFields(name: FixtureName): Promise<SessionFields> {
  const sdp = await loadSdp(name);
  return extractFields(applyIceCredentials(sdp, deriveIceCredentials(extractFields(sdp).fingerprint)));
}

const toBits = (code: string) =>
  [...code].flatMap((char) => {
    const value = crockfordAlphabet.indexOf(char);
    return [4, 3, 2, 1, 0].map((shift) => (value >> shift) & 1);
  });

const toText = (bits: number[]) => {
  let text = '';
  for (let i = 0; i < bits.length; i += 5) text += crockfordAlphabet[bits.slice(i, i + 5).reduce((v, b) => v * 2 + b, 0)];
  return text;
};

const number = (bits: number[]) => bits.reduce((value, bit) => value * 2 + bit, 0);
const bitsOf = (value: number, width: number) => Array.from({ length: width }, (_, i) => (value >> (width - 1 - i)) & 1);

/** Payload bits + zero padding + a correct CRC-16: a code as an encoder would seal it. */
function seal(payload: number[]): string {
  const padding = (5 - ((payload.length + 16) % 5)) % 5;
  const body = [...payload, ...new Array<number>(padding).fill(0)];
  return toText([...body, ...bitsOf(crc16(body), 16)]);
}

/** The payload bits (before padding and checksum) of a code made from these fields. */
function payloadOf(code: DecodedCode): number[] {
  return toBits(encodeCode(code)).slice(0, codeBits(code) - 16);
}

const sampleFields = (): SessionFields => ({
  fingerprint: Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff),
  candidates: [{ type: 'host', address: '192.168.1.20', port: 51234 }],
});

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

  it('reads I and L as 1 and O as 0 (Crockford confusables)', () => {
    expect(code).to.match(/[10]/);
    const misread = code.replace(/1/g, 'l').replace(/0/g, 'O');
    expect(decodeCode(misread)).to.deep.equal(expected);
    expect(decodeCode(code.replace(/1/g, 'I'))).to.deep.equal(expected);
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
