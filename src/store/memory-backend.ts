// A RecordBackend in memory (core): for tests, the Node peer's ephemeral mode, and anywhere IndexedDB is absent.
// Values are copied in and out, as IndexedDB's structured clone does, so no caller can change a stored record.
import { TincanError } from '../errors';
import { checkBatch, hasPrefix, type RecordBackend, type RecordWrite } from './record-backend';

export class MemoryRecordBackend implements RecordBackend {
  private closed = false;

  /** Pass another backend's `records` to open the same data again (a reload, in tests). */
  constructor(readonly records: Map<string, Uint8Array> = new Map()) {}

  async get(key: string): Promise<unknown> {
    this.checkOpen();
    return this.records.get(key)?.slice();
  }

  async getMany(keys: readonly string[]): Promise<unknown[]> {
    this.checkOpen();
    return keys.map((key) => this.records.get(key)?.slice());
  }

  async keys(prefix = ''): Promise<string[]> {
    this.checkOpen();
    return [...this.records.keys()].filter((key) => hasPrefix(key, prefix)).sort();
  }

  async write(batch: readonly RecordWrite[]): Promise<void> {
    this.checkOpen();
    checkBatch(batch);
    // Everything is checked above, so applying cannot fail half-way: the batch is atomic.
    for (const write of batch) {
      if ('value' in write) this.records.set(write.key, write.value.slice());
      else if ('remove' in write) this.records.delete(write.key);
      else for (const key of [...this.records.keys()]) if (hasPrefix(key, write.prefix)) this.records.delete(key);
    }
  }

  async clear(): Promise<void> {
    this.checkOpen();
    this.records.clear();
  }

  close(): void {
    this.closed = true;
  }

  protected checkOpen(): void {
    if (this.closed) throw new TincanError('STORAGE_UNAVAILABLE', 'backend closed');
  }
}
