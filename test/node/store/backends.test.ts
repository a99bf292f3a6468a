// The DOM-free backends: the RecordBackend contract (atomic batches, getMany, sorted prefix keys, removePrefix),
// and the file backend's crash safety (a torn journal tail is cut off, never half applied).
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { journalFileName, openFileBackend } from '../../../src/node/file-backend';
import { prefixUpperBound, toStorageError, type RecordWrite } from '../../../src/store/record-backend';
import { backendKinds, expectCode } from './helpers';

const bytes = (...values: number[]) => new Uint8Array(values);

for (const kind of backendKinds) {
  describe(`the ${kind.name}`, () => {
    it('writes a batch atomically: a batch with a bad entry leaves nothing', async () => {
      const backend = await (await kind.fresh()).open();
      await backend.write([{ key: 'a', value: bytes(1) }]);
      const bad = [{ key: 'b', value: bytes(2) }, { key: 'c', value: 'not bytes' }] as unknown as RecordWrite[];
      await expectCode(backend.write(bad), 'STORAGE_UNAVAILABLE');
      assert.deepEqual(await backend.keys(), ['a']);
    });

    it('reads many in order with undefined for missing keys, lists sorted prefixes, removes a prefix', async () => {
      const place = await kind.fresh();
      const backend = await place.open();
      await backend.write([
        { key: 'conv/b/m/0000000002', value: bytes(2) },
        { key: 'conv/b/m/0000000001', value: bytes(1) },
        { key: 'conv/a/head', value: bytes(9) },
        { key: 'conv/bb/head', value: bytes(8) },
        { key: 'out/x/000000000001', value: bytes(7) },
      ]);
      assert.deepEqual(await backend.getMany(['conv/b/m/0000000001', 'nope', 'conv/a/head']), [bytes(1), undefined, bytes(9)]);
      assert.deepEqual(await backend.keys('conv/b/'), ['conv/b/m/0000000001', 'conv/b/m/0000000002']);
      await backend.write([
        { prefix: 'conv/b/', removePrefix: true },
        { key: 'conv/b/m/0000000005', value: bytes(5) }, // applied after the removal
        { key: 'out/x/000000000001', remove: true },
      ]);
      const again = await place.open();
      assert.deepEqual(await again.keys(), ['conv/a/head', 'conv/b/m/0000000005', 'conv/bb/head']);
      const value = (await again.get('conv/a/head')) as Uint8Array;
      value[0] = 0; // a copy: the stored record does not change
      assert.deepEqual(await again.get('conv/a/head'), bytes(9));
      await again.clear();
      assert.deepEqual(await (await place.open()).keys(), []);
    });
  });
}

describe('the file backend on disk', () => {
  it('cuts off a torn last batch (a crash mid-write) and keeps every complete one', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'tincan-file-'));
    const backend = await openFileBackend(directory);
    await backend.write([{ key: 'a', value: bytes(1) }]);
    await backend.write([{ key: 'b', value: bytes(2) }, { key: 'c', value: bytes(3) }]);
    const journal = path.join(directory, journalFileName);
    const whole = await readFile(journal);
    // A third batch that only got half-way to disk.
    await appendFile(journal, whole.subarray(0, whole.length - 5));
    const reopened = await openFileBackend(directory);
    assert.deepEqual(await reopened.keys(), ['a', 'b', 'c']);
    assert.equal((await stat(journal)).size, (await readFile(journal)).length);
    await reopened.write([{ key: 'd', value: bytes(4) }]);
    assert.deepEqual(await (await openFileBackend(directory)).keys(), ['a', 'b', 'c', 'd']);
  });

  it('writes the next batch right after the last complete one, so a torn write in between never hides it', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'tincan-file-'));
    const backend = await openFileBackend(directory);
    await backend.write([{ key: 'a', value: bytes(1) }]);
    // What a write that failed half-way (disk full) leaves behind, while this backend stays open.
    await appendFile(path.join(directory, journalFileName), Buffer.from('half of a frame that never completed'));
    await backend.write([{ key: 'b', value: bytes(2) }]);
    assert.deepEqual(await (await openFileBackend(directory)).keys(), ['a', 'b']);
  });

  it('a flipped byte in the last batch drops that batch only', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'tincan-file-'));
    const backend = await openFileBackend(directory);
    await backend.write([{ key: 'a', value: bytes(1) }]);
    await backend.write([{ key: 'b', value: bytes(2) }]);
    const journal = path.join(directory, journalFileName);
    const whole = await readFile(journal);
    whole[whole.length - 3]! ^= 1;
    await writeFile(journal, whole);
    assert.deepEqual(await (await openFileBackend(directory)).keys(), ['a']);
  });
});

describe('storage helpers', () => {
  it('maps quota errors to STORAGE_QUOTA and others to STORAGE_UNAVAILABLE', () => {
    assert.equal(toStorageError({ name: 'QuotaExceededError', message: 'The quota has been exceeded.' }).code, 'STORAGE_QUOTA');
    assert.equal(toStorageError(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' })).code, 'STORAGE_QUOTA');
    assert.equal(toStorageError({ name: 'InvalidStateError', message: 'Connection is closing.' }).code, 'STORAGE_UNAVAILABLE');
    assert.equal(toStorageError('weird').code, 'STORAGE_UNAVAILABLE');
  });

  it('bounds key ranges for prefixes', () => {
    assert.equal(prefixUpperBound('conv/a/'), 'conv/a0');
    assert.equal(prefixUpperBound(''), undefined);
    assert.equal(prefixUpperBound('a\uffff'), 'b');
    assert.equal(prefixUpperBound('\uffff'), undefined);
  });
});
