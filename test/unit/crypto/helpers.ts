// Shared test helpers for crypto and store tests.
import { expect } from '@esm-bundle/chai';
import { isTincanError, type ErrorCode } from '../../../src/errors';

/** Awaits `promise` (or calls `fn`) and checks that it fails with TincanError `code`. */
export async function expectCode(action: Promise<unknown> | (() => unknown), code: ErrorCode): Promise<void> {
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (thrown) {
    expect(isTincanError(thrown), `expected TincanError ${code}, got ${String(thrown)}`).to.equal(true);
    expect((thrown as { code: string }).code).to.equal(code);
    return;
  }
  expect.fail(`expected TincanError ${code}, but it succeeded`);
}

export function randomBytes(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length));
}

export function flipByte(bytes: Uint8Array, offset: number): Uint8Array {
  const copy = bytes.slice();
  const at = offset < 0 ? copy.length + offset : offset;
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
