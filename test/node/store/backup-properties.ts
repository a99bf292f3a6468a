// Properties of the backup codec, for fast-check: decodeBackup never throws anything but BACKUP_INVALID, whatever
// the bytes, and encodeBackup/decodeBackup round-trip. Run with a few thousand cases by backup.test.ts; a fuzz run
// passes a larger count (FUZZ_RUNS=100000).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { concatBytes } from '../../../src/crypto/bytes';
import { getSodium } from '../../../src/crypto/sodium';
import { isTincanError } from '../../../src/errors';
import { backupChecksumBytes, decodeBackup, encodeBackup, type BackupRecord } from '../../../src/store/backup';

const recordArbitrary = fc.record({
  key: fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }),
  value: fc.uint8Array({ maxLength: 64 }),
});

const recordsArbitrary = fc.uniqueArray(recordArbitrary, { maxLength: 12, selector: (r) => r.key });

async function decodeOrInvalid(file: Uint8Array): Promise<BackupRecord[] | 'invalid'> {
  try {
    return await decodeBackup(file);
  } catch (thrown) {
    assert.ok(isTincanError(thrown, 'BACKUP_INVALID'), `decodeBackup threw ${String(thrown)}`);
    return 'invalid';
  }
}

/** Re-seals a body with a valid checksum, so mutations reach the record parser instead of the checksum check. */
async function withChecksum(body: Uint8Array): Promise<Uint8Array> {
  const sodium = await getSodium();
  return concatBytes(body, sodium.crypto_generichash(backupChecksumBytes, body, null));
}

export async function checkRoundTrip(numRuns: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(recordsArbitrary, async (records) => {
      const decoded = await decodeBackup(await encodeBackup(records));
      assert.deepEqual(decoded.map((r) => [r.key, [...r.value]]), records.map((r) => [r.key, [...r.value]]));
    }),
    { numRuns },
  );
}

export async function checkArbitraryBytes(numRuns: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
      await decodeOrInvalid(bytes);
    }),
    { numRuns },
  );
}

/** Valid files, then mutated (bytes flipped, cut, extended) with the checksum fixed up: still only BACKUP_INVALID. */
export async function checkMutatedFiles(numRuns: number): Promise<void> {
  const mutation = fc.record({
    flips: fc.array(fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), { maxLength: 4 }),
    cut: fc.option(fc.nat()),
    extra: fc.uint8Array({ maxLength: 8 }),
  });
  await fc.assert(
    fc.asyncProperty(recordsArbitrary, mutation, async (records, { flips, cut, extra }) => {
      const file = await encodeBackup(records);
      let body: Uint8Array = file.slice(0, file.length - backupChecksumBytes);
      for (const { at, xor } of flips) if (body.length > 0) body[at % body.length]! ^= xor;
      if (cut !== null) body = body.subarray(0, cut % (body.length + 1));
      body = concatBytes(body, extra);
      const decoded = await decodeOrInvalid(await withChecksum(body));
      if (decoded !== 'invalid') for (const record of decoded) assert.ok(record.key.length > 0 && record.value instanceof Uint8Array);
    }),
    { numRuns },
  );
}
