// The one place that touches localforage: an IndexedDB-only key/value backend whose failures are TincanErrors.
// Values are Uint8Arrays (sealed records and the wrapped key); IndexedDB stores them by structured clone, as is.
import * as localforageModule from 'localforage';
import { TincanError, isTincanError } from '../errors';

/** A named key/value area: one IndexedDB database per `name` (tests use a fresh name each). */
export interface RecordBackend {
  get(key: string): Promise<unknown>;
  set(key: string, value: Uint8Array): Promise<void>;
  remove(key: string): Promise<void>;
  keys(): Promise<string[]>;
  clear(): Promise<void>;
}

export const recordsStoreName = 'records';

// HACK: localforage 1.10 ships only a UMD bundle. esbuild (the app build) wraps it as CommonJS and hands
// module.exports over as the default export; web-test-runner serves the file untransformed as an ES module, where
// the UMD wrapper finds neither `module` nor `define` and sets `window.localforage` instead. Accept either.
// https://github.com/localForage/localForage/issues/940 (no ES module build; the 1.8.0 "module" entry was reverted)
function localforageApi(): LocalForage {
  const fromModule = (localforageModule as unknown as { default?: LocalForage }).default;
  const fromGlobal = (globalThis as unknown as { localforage?: LocalForage }).localforage;
  const api = fromModule?.createInstance ? fromModule : fromGlobal;
  if (!api?.createInstance) throw new TincanError('STORAGE_UNAVAILABLE', 'localforage did not load');
  return api;
}

/** Maps what IndexedDB / localforage throw to Tincan's storage codes. TincanErrors pass through. */
export function toStorageError(thrown: unknown): TincanError {
  if (isTincanError(thrown)) return thrown;
  const name = thrown instanceof Error || thrown instanceof DOMException ? thrown.name : '';
  const message = thrown instanceof Error || thrown instanceof DOMException ? thrown.message : String(thrown);
  if (name === 'QuotaExceededError' || /quota/i.test(message)) return new TincanError('STORAGE_QUOTA', message);
  return new TincanError('STORAGE_UNAVAILABLE', `${name || 'Error'}: ${message}`);
}

async function mapped<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (thrown) {
    throw toStorageError(thrown);
  }
}

/**
 * Opens (creating if needed) the IndexedDB-backed area `name`. No fallback to localStorage or WebSQL: they could
 * not hold a conversation's history, and a silent downgrade would surprise later. IndexedDB missing or refused
 * (some private modes) -> STORAGE_UNAVAILABLE.
 */
export async function openRecordBackend(name: string): Promise<RecordBackend> {
  const instance = await mapped(async () => {
    const api = localforageApi();
    const created = api.createInstance({ name, storeName: recordsStoreName, driver: api.INDEXEDDB });
    await created.ready();
    if (created.driver() !== api.INDEXEDDB) throw new TincanError('STORAGE_UNAVAILABLE', 'IndexedDB is not available');
    return created;
  });
  return {
    get: (key) => mapped(() => instance.getItem<unknown>(key)),
    set: (key, value) => mapped(async () => void (await instance.setItem(key, value))),
    remove: (key) => mapped(() => instance.removeItem(key)),
    keys: () => mapped(() => instance.keys()),
    clear: () => mapped(() => instance.clear()),
  };
}

export type PersistenceResult = 'persisted' | 'denied' | 'unsupported';

/**
 * Asks the browser not to evict this origin's storage under pressure (navigator.storage.persist). Chromium grants
 * it silently by engagement heuristics, Firefox asks the user; without it history may vanish when the disk fills.
 */
export async function requestPersistence(storage: StorageManager | undefined = globalThis.navigator?.storage): Promise<PersistenceResult> {
  if (!storage?.persist) return 'unsupported';
  try {
    if (await storage.persisted?.()) return 'persisted';
    return (await storage.persist()) ? 'persisted' : 'denied';
  } catch {
    return 'denied';
  }
}
