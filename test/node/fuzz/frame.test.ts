// decodeFrame's property at `npm test` size; `npm run fuzz` runs it at 100k cases.
import { test } from 'node:test';
import { decodeFrameNeverThrows } from './frame.property';
import { assertPassed } from './fuzz-run';

test('decodeFrame never throws, whatever the bytes', () => assertPassed(decodeFrameNeverThrows(3000)));
