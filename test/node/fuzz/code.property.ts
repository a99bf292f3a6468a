// Properties of the invite/answer code decoder: decodeCode throws nothing but TincanError on any text and on any
// damage to a real code (the checksum resealed, so damage reaches the record parser), whatever it accepts
// re-encodes to itself, and encode -> decode gives back every valid code, extensions included.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isTincanError } from '../../../src/errors';
import { codeBits, codeChars, crockfordAlphabet, decodeCode, encodeCode, type DecodedCode } from '../../../src/invite/invite-code';
import { payloadOf, seal } from '../../unit/invite/code-bits';
import { decodedCode, hostileText } from './code-arbitraries';
import { type FuzzReport, runProperty } from './fuzz-run';

/** What decodeCode accepted, or undefined when it refused with a TincanError; anything else it throws escapes. */
function decodeOrRefuse(text: string): DecodedCode | undefined {
  try {
    return decodeCode(text);
  } catch (error) {
    if (isTincanError(error)) return undefined;
    throw error;
  }
}

/** A code the decoder accepted is one the encoder makes, and it comes back the same. */
function assertCanonical(decoded: DecodedCode): void {
  assert.deepStrictEqual(decodeCode(encodeCode(decoded)), decoded);
}

export function decodeCodeOnHostileText(numRuns: number): FuzzReport {
  const property = fc.property(hostileText, (text) => {
    const decoded = decodeOrRefuse(text);
    if (decoded) assertCanonical(decoded);
  });
  return runProperty('decodeCode(hostile text): a code or a TincanError', property, numRuns);
}

const textEdit = fc.record({
  kind: fc.constantFrom('replace', 'insert', 'delete', 'cut', 'swap', 'repeat'),
  at: fc.nat(),
  length: fc.integer({ min: 1, max: 40 }),
  char: fc.constantFrom(...crockfordAlphabet, 'U', 'i', 'l', 'o', ' ', '-', '#', ':', '.'),
});

type Edit<A> = A extends fc.Arbitrary<infer T> ? T : never;

function editText(text: string, edit: Edit<typeof textEdit>): string {
  const at = edit.at % (text.length + 1);
  switch (edit.kind) {
    case 'replace':
      return text.slice(0, at) + edit.char + text.slice(at + 1);
    case 'insert':
      return text.slice(0, at) + edit.char.repeat(edit.length) + text.slice(at);
    case 'delete':
      return text.slice(0, at) + text.slice(at + edit.length);
    case 'cut':
      return text.slice(0, at);
    case 'swap':
      return text.slice(0, at) + text.slice(at + 1, at + 2) + text.slice(at, at + 1) + text.slice(at + 2);
    case 'repeat':
      return text + text.slice(at, at + edit.length);
  }
}

export function decodeCodeOnDamagedText(numRuns: number): FuzzReport {
  const property = fc.property(decodedCode, fc.array(textEdit, { minLength: 1, maxLength: 4 }), (code, edits) => {
    const decoded = decodeOrRefuse(edits.reduce(editText, encodeCode(code)));
    if (decoded) assertCanonical(decoded);
  });
  return runProperty('decodeCode(damaged code text): a code or a TincanError', property, numRuns);
}

const bit = fc.integer({ min: 0, max: 1 });
const bitEdit = fc.record({
  kind: fc.constantFrom('flip', 'insert', 'delete', 'cut', 'append'),
  at: fc.nat(),
  bits: fc.array(bit, { minLength: 1, maxLength: 160 }),
});

function editBits(bits: number[], edit: Edit<typeof bitEdit>): number[] {
  const at = edit.at % (bits.length + 1);
  switch (edit.kind) {
    case 'flip':
      return bits.map((value, i) => (i >= at && i < at + edit.bits.length ? value ^ edit.bits[i - at]! : value));
    case 'insert':
      return [...bits.slice(0, at), ...edit.bits, ...bits.slice(at)];
    case 'delete':
      return [...bits.slice(0, at), ...bits.slice(at + edit.bits.length)];
    case 'cut':
      return bits.slice(0, at);
    case 'append':
      return [...bits, ...edit.bits];
  }
}

export function decodeCodeOnDamagedBitsResealed(numRuns: number): FuzzReport {
  const property = fc.property(decodedCode, fc.array(bitEdit, { minLength: 1, maxLength: 4 }), (code, edits) => {
    const bits = edits.reduce(editBits, payloadOf(code));
    const decoded = decodeOrRefuse(seal(bits));
    if (decoded) assertCanonical(decoded);
  });
  return runProperty('decodeCode(damaged bits, checksum resealed): a code or a TincanError', property, numRuns);
}

export function encodeDecodeRoundTrip(numRuns: number): FuzzReport {
  const property = fc.property(decodedCode, (code) => {
    const text = encodeCode(code);
    assert.equal(text.length, codeChars(code));
    assert.equal(Math.ceil(codeBits(code) / 5), text.length);
    assert.deepStrictEqual(decodeCode(text), code);
  });
  return runProperty('decodeCode(encodeCode(valid code)) gives it back', property, numRuns);
}
