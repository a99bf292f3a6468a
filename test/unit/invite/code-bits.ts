// Codes as bit lists, for tests that write or damage codes below the text level (browser unit tests and the
// Node fuzz properties). Pure: no test framework, no DOM.
import { crc16 } from '../../../src/invite/bit-stream';
import { codeBits, crockfordAlphabet, encodeCode, type DecodedCode } from '../../../src/invite/invite-code';

export const bitsOf = (value: number, width: number) => Array.from({ length: width }, (_, i) => (value >> (width - 1 - i)) & 1);

export const toBits = (code: string) => [...code].flatMap((char) => bitsOf(crockfordAlphabet.indexOf(char), 5));

export const toText = (bits: readonly number[]) => {
  let text = '';
  for (let i = 0; i < bits.length; i += 5) text += crockfordAlphabet[bits.slice(i, i + 5).reduce((v, b) => v * 2 + b, 0)];
  return text;
};

export const bitsToNumber = (bits: readonly number[]) => bits.reduce((value, bit) => value * 2 + bit, 0);

/** Payload bits + zero padding + a correct CRC-16: a code as an encoder would seal it. */
export function seal(payload: readonly number[]): string {
  const padding = (5 - ((payload.length + 16) % 5)) % 5;
  const body = [...payload, ...new Array<number>(padding).fill(0)];
  return toText([...body, ...bitsOf(crc16(body), 16)]);
}

/** The payload bits (before padding and checksum) of a code made from these fields. */
export function payloadOf(code: DecodedCode): number[] {
  return toBits(encodeCode(code)).slice(0, codeBits(code) - 16);
}
