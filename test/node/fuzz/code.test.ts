// The code decoder's properties at `npm test` size; `npm run fuzz` runs them at 100k cases.
import { test } from 'node:test';
import { decodeCodeOnDamagedBitsResealed, decodeCodeOnDamagedText, decodeCodeOnHostileText, encodeDecodeRoundTrip } from './code.property';
import { assertPassed } from './fuzz-run';

const casesPerProperty = 3000;

test('decodeCode on hostile text throws only TincanError', () => assertPassed(decodeCodeOnHostileText(casesPerProperty)));
test('decodeCode on damaged code text throws only TincanError', () => assertPassed(decodeCodeOnDamagedText(casesPerProperty)));
test('decodeCode on damaged, resealed bits throws only TincanError; what it accepts re-encodes to itself', () =>
  assertPassed(decodeCodeOnDamagedBitsResealed(casesPerProperty)));
test('encodeCode -> decodeCode round-trips valid codes, in-reply-to, reconnect-for and relays included', () =>
  assertPassed(encodeDecodeRoundTrip(casesPerProperty)));
