// Properties of normalizeCode: refuses text over maxPastedChars unread, otherwise is idempotent, never longer
// than its input (the bound on its work: one pass, no step that grows), leaves nothing it strips, and takes
// a code out of every paste wrapper the module header lists.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isTincanError } from '../../../src/errors';
import { decodeCode, encodeCode, maxPastedChars, normalizeCode } from '../../../src/invite/invite-code';
import { decodedCode, hostileText } from './code-arbitraries';
import { type FuzzReport, runProperty } from './fuzz-run';

/** What normalizeCode never leaves: link and label marks, white space and other separators, ASCII lower case, I L O. */
const strippedChars = /[#:\s\u00ad\u200b-\u200d\u2060\ufeff\-\u2010-\u2015\u2212a-zILO]/;
const wrapperChars = '"\'`<>()[]{}«»“”‘’„‚‹›.,;!?…';

export function normalizeCodeIsIdempotentAndBounded(numRuns: number): FuzzReport {
  const property = fc.property(hostileText, (text) => {
    if (text.length > maxPastedChars) {
      assert.throws(() => normalizeCode(text), (error) => isTincanError(error, 'CODE_TOO_LONG'));
      return;
    }
    const once = normalizeCode(text);
    assert.ok(once.length <= text.length, `${once.length} > ${text.length}`);
    assert.equal(normalizeCode(once), once);
    assert.doesNotMatch(once, strippedChars);
    assert.ok(!wrapperChars.includes(once[0] ?? 'x') && !wrapperChars.includes(once.at(-1) ?? 'x'));
  });
  return runProperty('normalizeCode: idempotent, never longer, over maxPastedChars refused', property, numRuns);
}

export function normalizeCodeRefusesLongTextUnread(numRuns: number): FuzzReport {
  const padding = fc.constantFrom(' ', "'", '#', ':', '\u200b', '-', 'A');
  const property = fc.property(decodedCode, padding, fc.integer({ min: 1, max: 3 * maxPastedChars }), fc.boolean(), (code, pad, extra, before) => {
    const text = encodeCode(code);
    const filler = pad.repeat(maxPastedChars - text.length + extra);
    // A valid code inside, yet refused: the length alone decides, before anything is read.
    assert.throws(() => normalizeCode(before ? filler + text : text + filler), (error) => isTincanError(error, 'CODE_TOO_LONG'));
  });
  return runProperty('normalizeCode(valid code + padding over maxPastedChars) is CODE_TOO_LONG', property, numRuns);
}

const labels = ['', 'Code: ', 'code:', 'Tincan invite from Bob: ', '"', '(', '«', '“', '[', "'"];
const links = ['https://example.github.io/tincan/#', 'open https://example.github.io/tincan/#', '<http://192.168.1.5:8080/#', '(see http://x.example/#'];
const endings = ['', '.', ',', '!', '?', ')', ').', '"', '»', '”', ']', '…', "'", ';'];
const afterLink = ['', ' please', '. Thanks!', '\nSee you', '> ok'];

export function normalizeCodeTakesCodesOutOfWrappers(numRuns: number): FuzzReport {
  const property = fc.property(
    decodedCode,
    fc.boolean(),
    fc.constantFrom(...labels),
    fc.constantFrom(...links),
    fc.constantFrom(...endings),
    fc.constantFrom(...afterLink),
    fc.integer({ min: 0, max: 12 }),
    fc.constantFrom(' ', '-', '\n', '\u200b', '\u2010', ' - '),
    fc.boolean(),
    (code, asLink, label, link, ending, after, groupSize, separator, lower) => {
      const text = encodeCode(code);
      // A link holds no white space, so its code is grouped only by what is not white space.
      const groupWith = asLink && /\s/.test(separator) ? '\u200b' : separator;
      const grouped = groupSize === 0 ? text : text.match(new RegExp(`.{1,${groupSize}}`, 'g'))!.join(groupWith);
      const body = lower ? grouped.toLowerCase() : grouped;
      const pasted = asLink ? `${link}${body}${ending}${after}` : `${label}${body}${ending}`;
      assert.equal(normalizeCode(pasted), text);
      assert.deepStrictEqual(decodeCode(pasted), code);
    },
  );
  return runProperty('normalizeCode(code in a label, link, quotes, punctuation, groups) gives the code', property, numRuns);
}
