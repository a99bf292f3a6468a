// Shared helpers for the store's Node tests.
import assert from 'node:assert/strict';
import { isTincanError, type ErrorCode } from '../../../src/errors';
import type { KdfLimits } from '../../../src/crypto/vault';

/** Argon2id at its cheapest: these tests are about behaviour, not cost. */
export const cheapKdf: KdfLimits = { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 };

/** Awaits `action` and checks that it fails with TincanError `code`. */
export async function expectCode(action: Promise<unknown> | (() => unknown), code: ErrorCode): Promise<void> {
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (thrown) {
    assert.ok(isTincanError(thrown), `expected TincanError ${code}, got ${String(thrown)}`);
    assert.equal(thrown.code, code, String(thrown));
    return;
  }
  assert.fail(`expected TincanError ${code}, but it succeeded`);
}

export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = bytes.slice();
  const at = Math.floor(bit / 8);
  copy[at] = copy[at]! ^ (1 << bit % 8);
  return copy;
}
