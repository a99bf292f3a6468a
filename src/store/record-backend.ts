// Where sealed records live: a DOM-free key/value interface (IndexedDB in the browser, memory or files elsewhere)
// and the one mapping of storage failures to Tincan's codes.
//
// Contract every backend keeps
// - Keys are strings; values are Uint8Arrays (sealed records, the wrapped key) stored and returned as bytes.
// - keys(prefix) returns the keys that start with prefix, sorted by UTF-16 code units (IndexedDB's string order,
//   and JavaScript's default sort): fixed-width decimal parts in keys therefore sort numerically.
// - write(batch) is ONE atomic transaction: after a failure (quota, a crash, a value that cannot be stored) none of
//   the batch is visible; after success all of it is. Entries apply in order (a put after a removePrefix of the
//   same prefix survives).
// - Failures are TincanErrors: STORAGE_QUOTA when the device is full, STORAGE_UNAVAILABLE otherwise.
import { TincanError, isTincanError } from '../errors';

export type RecordWrite =
  | { readonly key: string; readonly value: Uint8Array }
  | { readonly key: string; readonly remove: true }
  | { readonly prefix: string; readonly removePrefix: true };

/** How a batch is kept. */
export interface WriteOptions {
  /** On stable storage before the write resolves (see the header). Asked only where losing a write that was
   * reported done would be unsafe, not merely stale: a sender chain's reservation (chat/chain-keeper.ts), a group's
   * number reservation (chat/group-sync.ts). */
  readonly durable?: boolean;
}

export interface RecordBackend {
  get(key: string): Promise<unknown>;
  /** One read transaction; undefined where a key is missing. */
  getMany(keys: readonly string[]): Promise<unknown[]>;
  /** Sorted (see the header). */
  keys(prefix?: string): Promise<string[]>;
  /** ONE atomic transaction. */
  write(batch: readonly RecordWrite[], options?: WriteOptions): Promise<void>;
  clear(): Promise<void>;
  close(): void;
}

/** True when `key` is within `prefix` (every key is within the empty prefix). */
export function hasPrefix(key: string, prefix: string): boolean {
  return key.startsWith(prefix);
}

/**
 * The smallest string greater than every string that starts with `prefix` (the open upper bound of a key range),
 * or undefined when there is none (an empty prefix, or one made only of U+FFFF).
 */
export function prefixUpperBound(prefix: string): string | undefined {
  let end = prefix.length;
  while (end > 0 && prefix.charCodeAt(end - 1) === 0xffff) end--;
  if (end === 0) return undefined;
  return prefix.slice(0, end - 1) + String.fromCharCode(prefix.charCodeAt(end - 1) + 1);
}

/** Maps what a storage layer throws (IndexedDB's DOMExceptions, Node's fs errors) to Tincan's storage codes. */
export function toStorageError(thrown: unknown): TincanError {
  if (isTincanError(thrown)) return thrown;
  const shaped = typeof thrown === 'object' && thrown !== null ? (thrown as { name?: unknown; message?: unknown; code?: unknown }) : {};
  const name = typeof shaped.name === 'string' ? shaped.name : '';
  const message = typeof shaped.message === 'string' ? shaped.message : String(thrown);
  if (name === 'QuotaExceededError' || shaped.code === 'ENOSPC' || shaped.code === 'EDQUOT' || /quota/i.test(message)) {
    return new TincanError('STORAGE_QUOTA', message);
  }
  return new TincanError('STORAGE_UNAVAILABLE', `${name || 'Error'}: ${message}`);
}

/** Runs `operation`, turning anything it throws into a storage TincanError. */
export async function mapStorageErrors<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (thrown) {
    throw toStorageError(thrown);
  }
}

/** Checks a batch before any of it is applied (a bad entry must fail the whole batch, not half of it). */
export function checkBatch(batch: readonly RecordWrite[]): void {
  for (const write of batch) {
    if ('value' in write && !(write.value instanceof Uint8Array)) {
      throw new TincanError('STORAGE_UNAVAILABLE', `DataCloneError: ${write.key}: values are Uint8Arrays`);
    }
  }
}
