// What the app needs from the platform it runs on, injected so that app/ itself touches no browser API: what every
// platform has (DevicePlatform: a Node program provides this much) and what only a browser page has (PagePlatform).
// main.ts passes src/platform/browser-platform.ts; the Node tests pass test/node/app/memory-platform.ts.
import type { FileSinkFactory, FileSink, FileSource } from '../chat/files/file-io';
import type { StorageFigures } from '../chat/files/file-acceptance';
import type { DeviceLinks } from '../net/device-links';
import type { DirectAddress, DirectChannel } from '../net/direct-channel';
import type { RecordBackend } from '../store/record-backend';
import type { StoredIceServer } from '../store/records';
import type { RollbackWitness } from '../store/rollback';

/**
 * One writer per vault: a lock that only one tab of this profile holds (Web Locks API). The tab that opens later
 * waits ("Tincan is open in another tab") until the person chooses "Use here", which asks the holder to hand over.
 */
export interface TabLock {
  /** True once this tab holds the lock; false at once when another tab holds it. */
  acquire(): Promise<boolean>;
  /** Asks the holding tab to hand over (it flushes and releases), then takes the lock. */
  takeOver(): Promise<void>;
  /** The holder is asked to hand over: `release` is called once it has flushed. */
  onHandoverRequested(handler: () => Promise<void>): void;
  /** This tab lost the lock (handed over, or taken after the holder did not answer). */
  onLost(handler: () => void): void;
  release(): void;
}

/** A vault this program alone writes (a Node program, a test): the lock is always its own. */
export const soleWriterLock: TabLock = {
  acquire: async () => true,
  takeOver: async () => undefined,
  onHandoverRequested: () => undefined,
  onLost: () => undefined,
  release: () => undefined,
};

/** What every platform has, a Node program as much as a browser: storage, links, one writer, files, their room. */
export interface DevicePlatform {
  openBackend(storeName: string): Promise<RecordBackend>;
  witness(storeName: string): RollbackWitness;
  /** Links for this profile; `iceServers` is read for every new link (settings can change in between). */
  links(storeName: string, iceServers: () => readonly StoredIceServer[]): Promise<DeviceLinks>;
  /** One writer per vault (soleWriterLock where nothing else can open it). */
  tabLock(storeName: string): TabLock;
  /** Where incoming files are written as they arrive (OPFS through a worker in a browser), for this profile. */
  fileSinks(storeName: string): FileSinkFactory;
  /** Removes a finished file from this device (the person discards it, or forgets the conversation). */
  removeFinishedFile(ref: string): Promise<void>;
  /** Removes every file Tincan keeps on this device, finished or not ("Forget this device"; locked or not). */
  forgetFiles(): Promise<void>;
  /** What this device's storage uses and may use (navigator.storage.estimate in a browser), or undefined. */
  storageEstimate(): Promise<StorageFigures | undefined>;
  /** Dials a listener at a static address with no signaling (a mailbox, docs/mailbox.md §1); absent: no mailbox. */
  dialDirect?(target: DirectAddress): Promise<DirectChannel>;
  /** The WebSocket class Nostr relays are reached with (the page's own; `ws` in Node); none: no relays here. */
  readonly relaySocket?: unknown;
}

/** What only a page in a browser has: someone looking at it, storage it asks to keep, downloads. */
export interface PagePlatform {
  /** Whether the person can see the page (document.visibilityState). */
  isVisible(): boolean;
  /** Asks the browser to keep this origin's storage (navigator.storage.persist). */
  requestPersistence(): Promise<unknown>;
  /** "Save": writes a received file's plaintext (`source`, decrypted by the core as it is read) to a temporary copy
   * and resolves to a URL the page downloads it from (never rendered). Replaces an earlier copy of the same file. */
  exportFile(fileId: string, source: FileSource): Promise<string>;
  /** Removes the temporary copy of one file (the person removed the file), or every copy (lock; unlock after a
   * crash). */
  removeExports(fileId?: string): Promise<void>;
}

/** The app's platform: every platform's part, and the page's where there is a page (without one, the app counts
 * messages as seen, asks nothing of the browser, and has no "Save"). The clock is TincanAppOptions.now. */
export type AppPlatform = DevicePlatform & Partial<PagePlatform>;

export type { FileSink };
