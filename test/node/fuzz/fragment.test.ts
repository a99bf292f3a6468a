// codeFromFragment's and linkForCode's properties at `npm test` size; `npm run fuzz` runs them at 100k cases.
import { test } from 'node:test';
import { codeFromFragmentNeverThrows, linkForCodeGivesTheCodeBack } from './fragment.property';
import { assertPassed } from './fuzz-run';

const casesPerProperty = 3000;

test('codeFromFragment never throws on a hostile fragment', () => assertPassed(codeFromFragmentNeverThrows(casesPerProperty)));
test('every link linkForCode makes gives its code back', () => assertPassed(linkForCodeGivesTheCodeBack(casesPerProperty)));
