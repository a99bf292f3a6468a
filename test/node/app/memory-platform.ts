// The app's platform for Node tests: records in memory, in-memory links between "devices", one tab, a plain
// witness. Lets the app facade (app/tincan-app.ts) run with its real store, chat and state, no browser.
import type { AppPlatform } from '../../../src/app/app-platform';
import { MemorySinkFactory } from '../../../src/chat/files/memory-file';
import { MemoryRecordBackend } from '../../../src/store/memory-backend';
import { MemoryDevice } from '../chat/memory-network';

let seed = 100;

export function memoryPlatform(options: { visible?: () => boolean } = {}): AppPlatform & { records: Map<string, Uint8Array>; device: MemoryDevice } {
  const records = new Map<string, Uint8Array>();
  const device = new MemoryDevice(seed++);
  let counter: number | undefined;
  return {
    records,
    device,
    openBackend: async () => new MemoryRecordBackend(records),
    witness: () => ({ read: () => counter, write: (n) => void (counter = n) }),
    links: async () => device,
    tabLock: () => ({
      acquire: async () => true,
      takeOver: async () => undefined,
      onHandoverRequested: () => undefined,
      onLost: () => undefined,
      release: () => undefined,
    }),
    isVisible: options.visible ?? (() => true),
    requestPersistence: async () => undefined,
    fileSinks: () => new MemorySinkFactory(),
    removeFinishedFile: async () => undefined,
  };
}
