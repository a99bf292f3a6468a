// Links and fragments as Chromium parses them: `new URL(link).hash` is what location.hash holds on opening.
import { expect } from '@esm-bundle/chai';
import { codeFromFragment, linkForCode, type FragmentCode } from '../../../src/invite/code-link';
import { decodeCode, encodeCode, maxPastedChars } from '../../../src/invite/invite-code';
import type { SessionFields } from '../../../src/invite/sdp';

const page = 'https://example.github.io/tincan/';
const fields: SessionFields = {
  fingerprint: Uint8Array.from({ length: 32 }, (_, i) => (i * 53 + 7) & 0xff),
  candidates: [{ type: 'host', address: '192.168.1.20', port: 51234 }],
};
const code = encodeCode({ kind: 'invite', fields });
const hashOf = (link: string) => new URL(link).hash;
const errorOf = (result: FragmentCode) => (result.kind === 'error' ? result.error : result.kind);

describe('linkForCode', () => {
  it('puts the code in the fragment of the page, replacing any fragment the page had', () => {
    expect(linkForCode(page, code)).to.equal(`${page}#${code}`);
    expect(linkForCode(`${page}#OLD`, code)).to.equal(`${page}#${code}`);
    expect(linkForCode('http://192.168.1.5:8080/?x=1', code)).to.equal(`http://192.168.1.5:8080/?x=1#${code}`);
  });

  it('gives a link whose fragment, as the browser parses it, gives the code back', () => {
    const answer = encodeCode({ kind: 'answer', fields, inReplyTo: fields.fingerprint.slice(0, 4) });
    for (const text of [code, answer]) {
      const taken = codeFromFragment(hashOf(linkForCode(page, text)));
      expect(taken).to.deep.equal({ kind: 'code', code: text, decoded: decodeCode(text) });
    }
  });
});

describe('codeFromFragment', () => {
  it('takes a fragment with or without its #, or a whole link', () => {
    for (const hash of [`#${code}`, code, `${page}#${code}`, `#${code.toLowerCase()}`]) {
      expect(codeFromFragment(hash), hash).to.deep.include({ kind: 'code', code });
    }
  });

  it('decodes percent-escapes a browser or chat app added (quotes, spaces, zero-width spaces)', () => {
    for (const link of [`${page}#"${code}"`, `${page}#%22${code}%22`, `${page}#${code.slice(0, 20)}%E2%80%8B${code.slice(20)}`]) {
      expect(codeFromFragment(hashOf(link)), link).to.deep.include({ kind: 'code', code });
    }
  });

  it('is none for no fragment or one with nothing in it', () => {
    for (const hash of ['', '#', '#%20', "#''"]) expect(codeFromFragment(hash), hash).to.deep.equal({ kind: 'none' });
  });

  it('gives CODE_NOT_TINCAN, never an exception, for broken percent-escapes', () => {
    for (const link of [`${page}#%`, `${page}#%E0%A4%A`, `${page}#%FF`, `${page}#${code}%`]) {
      const hash = hashOf(link);
      expect(errorOf(codeFromFragment(hash)), hash).to.equal('CODE_NOT_TINCAN');
    }
  });

  it('gives CODE_TOO_LONG for a link with 200k quotes and for a 1 MB fragment', () => {
    const quotes = hashOf(`${page}#${code}${"'".repeat(200_000)}`);
    expect(quotes.length).to.be.greaterThan(200_000); // Chromium keeps it (percent-encoded or not)
    expect(errorOf(codeFromFragment(quotes))).to.equal('CODE_TOO_LONG');
    const huge = hashOf(`${page}#${'A'.repeat(1024 * 1024)}`);
    expect(huge.length).to.equal(1024 * 1024 + 1);
    expect(errorOf(codeFromFragment(huge))).to.equal('CODE_TOO_LONG');
    expect(errorOf(codeFromFragment(`#${'%'.repeat(1024 * 1024)}`))).to.equal('CODE_TOO_LONG');
  });

  it('bounds the fragment before decoding it: maxPastedChars as typed, escapes included', () => {
    const escaped = `#${code}${'%20'.repeat(Math.floor((maxPastedChars - code.length - 1) / 3))}`;
    expect(escaped.length).to.be.at.most(maxPastedChars);
    expect(codeFromFragment(escaped)).to.deep.include({ kind: 'code', code });
    expect(errorOf(codeFromFragment(`${escaped}${'%20'.repeat(2)}`))).to.equal('CODE_TOO_LONG');
  });

  it('gives the error a paste would give: mistyped, cut, not a code, unusable', () => {
    const typo = code.slice(0, 10) + (code[10] === 'A' ? 'B' : 'A') + code.slice(11);
    expect(errorOf(codeFromFragment(`#${typo}`))).to.equal('CODE_CHECKSUM');
    expect(errorOf(codeFromFragment(`#${code.slice(0, 20)}`))).to.equal('CODE_TRUNCATED');
    expect(errorOf(codeFromFragment('#readme'))).to.equal('CODE_NOT_TINCAN');
    expect(errorOf(codeFromFragment('#/settings?tab=network'))).to.equal('CODE_NOT_TINCAN');
  });
});
