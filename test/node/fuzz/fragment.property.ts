// Properties of codeFromFragment and linkForCode: no fragment makes codeFromFragment throw, what it returns is
// consistent (a code it returns decodes to what it says), and every link linkForCode makes gives its code back
// once the URL parser has had it.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { errorCodes } from '../../../src/errors';
import { codeFromFragment, linkForCode } from '../../../src/invite/code-link';
import { decodeCode, encodeCode, maxPastedChars, normalizeCode } from '../../../src/invite/invite-code';
import { decodedCode, hostileText } from './code-arbitraries';
import { type FuzzReport, runProperty } from './fuzz-run';

export function codeFromFragmentNeverThrows(numRuns: number): FuzzReport {
  const fragment = fc.tuple(fc.constantFrom('', '#', 'https://example.github.io/tincan/#'), hostileText).map(([head, text]) => head + text);
  const property = fc.property(fragment, (hash) => {
    const taken = codeFromFragment(hash);
    switch (taken.kind) {
      case 'none':
        assert.ok(hash.length <= maxPastedChars);
        break;
      case 'code':
        assert.equal(normalizeCode(taken.code), taken.code);
        assert.deepStrictEqual(decodeCode(taken.code), taken.decoded);
        break;
      case 'error':
        assert.ok(errorCodes.includes(taken.error), taken.error);
        if (hash.length > maxPastedChars) assert.equal(taken.error, 'CODE_TOO_LONG');
        break;
      default:
        assert.fail(`unexpected result ${JSON.stringify(taken)}`);
    }
  });
  return runProperty('codeFromFragment(hostile fragment): none, a code or an error code, never a throw', property, numRuns);
}

export function linkForCodeGivesTheCodeBack(numRuns: number): FuzzReport {
  const page = fc.webUrl({ withQueryParameters: true, withFragments: true });
  const property = fc.property(decodedCode, page, (code, pageUrl) => {
    const text = encodeCode(code);
    const link = linkForCode(pageUrl, text);
    assert.ok(link.endsWith(`#${text}`));
    assert.deepStrictEqual(codeFromFragment(new URL(link).hash), { kind: 'code', code: text, decoded: code });
  });
  return runProperty('codeFromFragment(new URL(linkForCode(page, code)).hash) gives the code', property, numRuns);
}
