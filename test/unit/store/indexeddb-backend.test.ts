// The browser backend in real IndexedDB: atomic batches (a batch that fails leaves nothing), getMany, sorted prefix
// keys, removePrefix, and that localforage's single operations and the raw IndexedDB path see the same records.
import { expect } from '@esm-bundle/chai';
import { openIndexedDbBackend } from '../../../src/store/indexeddb-backend';
import { toStorageError, type RecordBackend, type RecordWrite } from '../../../src/store/record-backend';
import { expectCode } from '../crypto/helpers';

let counter = 0;
const freshName = () => `tincan-idb-test-${Date.now()}-${counter++}`;
const bytes = (...values: number[]) => new Uint8Array(values);

/** A Uint8Array whose buffer was transferred away: IndexedDB's structured clone refuses it (DataCloneError). */
function detachedBytes(): Uint8Array {
  const value = bytes(1, 2, 3);
  structuredClone(value.buffer, { transfer: [value.buffer] });
  return value;
}

describe('IndexedDB record backend', () => {
  let backend: RecordBackend;
  let name: string;

  beforeEach(async () => {
    name = freshName();
    backend = await openIndexedDbBackend(name);
  });

  afterEach(async () => {
    await backend.clear();
    backend.close();
  });

  it('writes a batch in one transaction: when one entry fails, none of the batch is stored', async () => {
    await backend.write([{ key: 'a', value: bytes(1) }]);
    const batch: RecordWrite[] = [
      { key: 'b', value: bytes(2) },
      { key: 'a', remove: true },
      { key: 'c', value: detachedBytes() },
    ];
    await expectCode(backend.write(batch), 'STORAGE_UNAVAILABLE');
    expect(await backend.keys()).to.deep.equal(['a']);
    // The connection is still usable afterwards.
    await backend.write([{ key: 'b', value: bytes(2) }]);
    expect(await backend.keys()).to.deep.equal(['a', 'b']);
  });

  it('a request that fails after it was queued aborts the whole batch: none of it is stored', async () => {
    await backend.write([{ key: 'a', value: bytes(1) }]);
    // Fault injection: the put of 'a' fails as a request (as a backing-store error on one value does), not at once:
    // add() of a key that exists queues fine and then fails with ConstraintError.
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      return key === 'a' ? this.add(value, key) : put.call(this, value, key);
    };
    try {
      const batch: RecordWrite[] = [
        { key: 'b', value: bytes(2) },
        { key: 'a', value: bytes(9) },
        { key: 'c', value: bytes(3) },
      ];
      await expectCode(backend.write(batch), 'STORAGE_UNAVAILABLE');
    } finally {
      IDBObjectStore.prototype.put = put;
    }
    expect(await backend.keys()).to.deep.equal(['a']);
    expect(await backend.get('a')).to.deep.equal(bytes(1));
  });

  it('reads many records in one transaction, undefined where missing', async () => {
    await backend.write([
      { key: 'x', value: bytes(1) },
      { key: 'y', value: bytes(2) },
    ]);
    expect(await backend.getMany(['y', 'missing', 'x'])).to.deep.equal([bytes(2), undefined, bytes(1)]);
    expect(await backend.getMany([])).to.deep.equal([]);
    expect(await backend.get('missing')).to.equal(undefined);
  });

  it('lists keys by prefix in order and removes a prefix with a key range', async () => {
    await backend.write([
      { key: 'conv/b/m/0000000010', value: bytes(10) },
      { key: 'conv/b/m/0000000002', value: bytes(2) },
      { key: 'conv/b/head', value: bytes(0) },
      { key: 'conv/bb/head', value: bytes(0) },
      { key: 'conv/a/head', value: bytes(0) },
    ]);
    expect(await backend.keys('conv/b/')).to.deep.equal(['conv/b/head', 'conv/b/m/0000000002', 'conv/b/m/0000000010']);
    expect(await backend.keys('conv/b/m/')).to.deep.equal(['conv/b/m/0000000002', 'conv/b/m/0000000010']);
    await backend.write([
      { prefix: 'conv/b/', removePrefix: true },
      { key: 'conv/b/head', value: bytes(7) },
    ]);
    expect(await backend.keys()).to.deep.equal(['conv/a/head', 'conv/b/head', 'conv/bb/head']);
    expect(await backend.get('conv/b/head')).to.deep.equal(bytes(7));
    await backend.write([{ prefix: '', removePrefix: true }]);
    expect(await backend.keys()).to.deep.equal([]);
  });

  it('a reopened backend sees what the raw path wrote through localforage, and the reverse', async () => {
    await backend.write([{ key: 'k', value: bytes(4, 5) }]);
    const again = await openIndexedDbBackend(name);
    expect(await again.get('k')).to.deep.equal(bytes(4, 5));
    await again.clear();
    expect(await backend.keys()).to.deep.equal([]);
    again.close();
  });

  it('a durable write commits in a "strict" transaction (flushed to disk), others in the browser\'s default', async () => {
    const seen: string[] = [];
    const transaction = IDBDatabase.prototype.transaction;
    IDBDatabase.prototype.transaction = function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
      const made = transaction.apply(this, args);
      if (made.mode === 'readwrite') seen.push(made.durability);
      return made;
    };
    try {
      await backend.write([{ key: 'reservation', value: bytes(1) }], { durable: true });
      await backend.write([{ key: 'message', value: bytes(2) }]);
    } finally {
      IDBDatabase.prototype.transaction = transaction;
    }
    expect(seen).to.deep.equal(['strict', 'default']);
    expect(await backend.keys()).to.deep.equal(['message', 'reservation']);
  });

  it('maps quota errors to STORAGE_QUOTA and others to STORAGE_UNAVAILABLE', () => {
    expect(toStorageError(new DOMException('The quota has been exceeded.', 'QuotaExceededError')).code).to.equal('STORAGE_QUOTA');
    expect(toStorageError(new DOMException('Connection is closing.', 'InvalidStateError')).code).to.equal('STORAGE_UNAVAILABLE');
    expect(toStorageError(new Error('No available storage method found.')).code).to.equal('STORAGE_UNAVAILABLE');
  });
});
