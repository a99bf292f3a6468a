// The browser's RecordBackend: one IndexedDB database per store name, object store "records". Single reads and
// clear go through localforage; what localforage cannot do (several records in one transaction, key ranges,
// getAllKeys) goes to the same database and object store through raw IndexedDB. Both see the same records:
// localforage's IndexedDB driver stores a value by structured clone under the plain key, as the raw path does.
import * as localforageModule from 'localforage';
import { TincanError } from '../errors';
import {
  checkBatch,
  mapStorageErrors,
  prefixUpperBound,
  toStorageError,
  type RecordBackend,
  type RecordWrite,
  type WriteOptions,
} from './record-backend';

export const recordsStoreName = 'records';

// HACK: localforage 1.10 ships only a UMD bundle. esbuild (the app build) wraps it as CommonJS and hands
// module.exports over as the default export; web-test-runner serves the file untransformed as an ES module, where
// the UMD wrapper finds neither `module` nor `define` and sets `window.localforage` instead. Accept either.
// https://github.com/localForage/localForage/issues/940 (no ES module build; the 1.8.0 "module" entry was reverted)
export function localforageApi(): LocalForage {
  const fromModule = (localforageModule as unknown as { default?: LocalForage }).default;
  const fromGlobal = (globalThis as unknown as { localforage?: LocalForage }).localforage;
  const api = fromModule?.createInstance ? fromModule : fromGlobal;
  if (!api?.createInstance) throw new TincanError('STORAGE_UNAVAILABLE', 'localforage did not load');
  return api;
}

function prefixRange(prefix: string): IDBKeyRange | undefined {
  if (prefix === '') return undefined;
  const upper = prefixUpperBound(prefix);
  return upper === undefined ? IDBKeyRange.lowerBound(prefix) : IDBKeyRange.bound(prefix, upper, false, true);
}

function requestResult<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

/**
 * Resolves when `transaction` commits; rejects with its error when it aborts (nothing of it is then stored). A
 * request that fails aborts the transaction: that is the default action of its error event, so nothing here may
 * call preventDefault on it (that would commit the rest of the batch without the failed request).
 */
function transactionDone(transaction: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onabort = () => reject(transaction.error ?? new DOMException('transaction aborted', 'AbortError'));
  });
}

function openDatabase(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    // No version: open whatever localforage created (it created the "records" store on its first open).
    const request = indexedDB.open(name);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB did not open'));
    request.onblocked = () => reject(new TincanError('STORAGE_UNAVAILABLE', 'IndexedDB open blocked'));
  });
}

class IndexedDbRecordBackend implements RecordBackend {
  constructor(
    private readonly forage: LocalForage,
    private readonly db: IDBDatabase,
  ) {
    // Another connection wants to upgrade or delete the database: let it (this backend is then unusable).
    db.onversionchange = () => db.close();
  }

  get(key: string): Promise<unknown> {
    return mapStorageErrors(async () => (await this.forage.getItem<unknown>(key)) ?? undefined);
  }

  getMany(keys: readonly string[]): Promise<unknown[]> {
    return mapStorageErrors(async () => {
      if (keys.length === 0) return [];
      const transaction = this.db.transaction(recordsStoreName, 'readonly');
      const store = transaction.objectStore(recordsStoreName);
      const reads = keys.map((key) => requestResult(store.get(key)));
      const [values] = await Promise.all([Promise.all(reads), transactionDone(transaction)]);
      return values.map((value) => value ?? undefined);
    });
  }

  keys(prefix = ''): Promise<string[]> {
    return mapStorageErrors(async () => {
      const transaction = this.db.transaction(recordsStoreName, 'readonly');
      const keys = await requestResult(transaction.objectStore(recordsStoreName).getAllKeys(prefixRange(prefix)));
      // Only string keys are ours; IndexedDB returns them in code-unit order already.
      return keys.filter((key): key is string => typeof key === 'string');
    });
  }

  write(batch: readonly RecordWrite[], { durable = false }: WriteOptions = {}): Promise<void> {
    return mapStorageErrors(async () => {
      checkBatch(batch);
      if (batch.length === 0) return;
      // "strict": the transaction completes only once flushed to disk. "default" lets the browser choose, which is
      // "relaxed" (completes once handed to the OS) in Firefox and in Chromium since version 121
      // (https://developer.chrome.com/blog/indexeddb-durability-mode-now-defaults-to-relaxed).
      const transaction = this.db.transaction(recordsStoreName, 'readwrite', { durability: durable ? 'strict' : 'default' });
      const done = transactionDone(transaction);
      const store = transaction.objectStore(recordsStoreName);
      try {
        for (const write of batch) {
          if ('value' in write) store.put(write.value, write.key);
          else if ('remove' in write) store.delete(write.key);
          else {
            const range = prefixRange(write.prefix);
            if (range) store.delete(range);
            else store.clear();
          }
        }
      } catch (thrown) {
        // A request that throws at once (DataCloneError, a closed connection) must take the whole batch with it.
        try {
          transaction.abort();
        } catch {
          // already finished or aborting
        }
        await done.catch(() => undefined);
        throw toStorageError(thrown);
      }
      await done;
    });
  }

  clear(): Promise<void> {
    return mapStorageErrors(() => this.forage.clear());
  }

  close(): void {
    // localforage keeps its own connection and offers no close; it is released with the page.
    this.db.close();
  }
}

/**
 * Opens (creating if needed) the IndexedDB-backed area `name`. No fallback to localStorage or WebSQL: they could
 * not hold a conversation's history, and a silent downgrade would surprise later. IndexedDB missing or refused
 * (some private modes) -> STORAGE_UNAVAILABLE.
 */
export async function openIndexedDbBackend(name: string): Promise<RecordBackend> {
  return mapStorageErrors(async () => {
    const api = localforageApi();
    const forage = api.createInstance({ name, storeName: recordsStoreName, driver: api.INDEXEDDB });
    await forage.ready();
    if (forage.driver() !== api.INDEXEDDB) throw new TincanError('STORAGE_UNAVAILABLE', 'IndexedDB is not available');
    // localforage opens lazily: one read makes sure it created the database and its object store first.
    await forage.length();
    const db = await openDatabase(name);
    if (!db.objectStoreNames.contains(recordsStoreName)) {
      db.close();
      throw new TincanError('STORAGE_UNAVAILABLE', `no "${recordsStoreName}" object store in ${name}`);
    }
    return new IndexedDbRecordBackend(forage, db);
  });
}
