// normalizeCode's properties at `npm test` size; `npm run fuzz` runs them at 100k cases.
import { test } from 'node:test';
import { assertPassed } from './fuzz-run';
import { normalizeCodeIsIdempotentAndBounded, normalizeCodeRefusesLongTextUnread, normalizeCodeTakesCodesOutOfWrappers } from './normalize.property';

const casesPerProperty = 3000;

test('normalizeCode is idempotent and never longer than its input', () => assertPassed(normalizeCodeIsIdempotentAndBounded(casesPerProperty)));
test('normalizeCode refuses text over maxPastedChars, a valid code inside or not', () =>
  assertPassed(normalizeCodeRefusesLongTextUnread(casesPerProperty)));
test('normalizeCode takes a code out of labels, links, quotes, punctuation and groups', () =>
  assertPassed(normalizeCodeTakesCodesOutOfWrappers(casesPerProperty)));
