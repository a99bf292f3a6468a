// The app's platform for Node tests: records in memory, in-memory links between "devices", one tab, a plain
// witness. Lets the app facade (app/tincan-app.ts) run with its real store, chat and state, no browser.
import { soleWriterLock, type AppPlatform } from '../../../src/app/app-platform';
import { MemorySinkFactory } from '../../../src/chat/files/memory-file';
import { MemoryRecordBackend } from '../../../src/store/memory-backend';
import { MemoryDevice } from '../chat/memory-network';

let seed = 100;

export function memoryPlatform(options: { visible?: () => boolean } = {}): AppPlatform & {
  records: Map<string, Uint8Array>;
  device: MemoryDevice;
  /** Where received files are written (what this device keeps). */
  sinks: MemorySinkFactory;
  /** Plaintext copies made by "Save", by file id. */
  exports: Map<string, Uint8Array>;
  /** What storageEstimate answers: a test sets the room left. */
  storage: { usageBytes: number; quotaBytes: number };
  /** What a test makes fail. */
  failures: { removeFile: boolean };
} {
  const records = new Map<string, Uint8Array>();
  const sinks = new MemorySinkFactory();
  const exports = new Map<string, Uint8Array>();
  const storage = { usageBytes: 0, quotaBytes: 10 * 1024 ** 3 };
  const failures = { removeFile: false };
  const device = new MemoryDevice(seed++);
  let counter: number | undefined;
  return {
    records,
    device,
    sinks,
    openBackend: async () => new MemoryRecordBackend(records),
    witness: () => ({ read: () => counter, write: (n) => void (counter = n) }),
    links: async () => device,
    tabLock: () => soleWriterLock,
    isVisible: options.visible ?? (() => true),
    requestPersistence: async () => undefined,
    fileSinks: () => sinks,
    removeFinishedFile: async () => {
      if (failures.removeFile) throw new Error('the disk said no');
    },
    failures,
    exports,
    exportFile: async (fileId, source) => {
      exports.set(fileId, await source.read(0, source.size));
      return `memory:${fileId}`;
    },
    removeExports: async (fileId) => {
      if (fileId) exports.delete(fileId);
      else exports.clear();
    },
    storageEstimate: async () => storage,
    forgetFiles: async () => sinks.sinks.clear(),
    storage,
  };
}
