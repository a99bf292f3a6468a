// Two devices with file transfers, connected in memory: control frames go through the real encoder and decoder
// (file-frames.ts) in order and asynchronously, chunks through a MemoryBulkChannel pair.
import { decodeFrame, encodeFrame } from '../../../src/chat/frames';
import type { FileFrame } from '../../../src/chat/files/file-frames';
import { FileTransfers, type FileTransfersOptions } from '../../../src/chat/files/file-transfers';
import { MemorySinkFactory, type MemorySinkOptions } from '../../../src/chat/files/memory-file';
import { MemoryTransferStore } from '../../../src/chat/files/transfer-store';
import type { FileTransferEvents } from '../../../src/chat/files/transfer-events';
import { memoryBulkPair, type MemoryBulkChannel } from './memory-bulk';

export const conversation = 'dm:AAAAAAAAAAAAAAAAAAAAAA';

export interface Side {
  readonly id: string;
  readonly store: MemoryTransferStore;
  readonly sinks: MemorySinkFactory;
  transfers: FileTransfers;
  /** Every event, in order, with its payload. */
  readonly events: { name: keyof FileTransferEvents; payload: unknown }[];
  /** Control frames this side sent. */
  readonly frames: FileFrame[];
}

export async function makeSide(id: string, options: Partial<FileTransfersOptions> & { sink?: MemorySinkOptions; store?: MemoryTransferStore; sinks?: MemorySinkFactory } = {}): Promise<Side> {
  const store = options.store ?? new MemoryTransferStore();
  const sinks = options.sinks ?? new MemorySinkFactory(options.sink);
  const transfers = await FileTransfers.open({ ...options, store, sinks });
  const side: Side = { id, store, sinks, transfers, events: [], frames: [] };
  record(side);
  return side;
}

/** A reload: the same store and sinks, a new FileTransfers (the old one is dropped without a goodbye). */
export async function reload(side: Side, options: Partial<FileTransfersOptions> = {}): Promise<Side> {
  side.transfers.dispose();
  side.transfers = await FileTransfers.open({ ...options, store: side.store, sinks: side.sinks });
  record(side);
  return side;
}

/** The received file's plaintext as this device reads it back from its sealed copy (what "Save" gets). */
export async function keptBytes(side: Side, fileId: string): Promise<Uint8Array> {
  const source = await side.transfers.openReceived(fileId);
  if (!source) throw new Error(`no kept file ${fileId}`);
  return source.read(0, source.size);
}

function record(side: Side): void {
  const names: (keyof FileTransferEvents)[] = ['offered', 'state', 'progress', 'done', 'failed', 'error'];
  for (const name of names) side.transfers.on(name, (payload: unknown) => side.events.push({ name, payload }));
}

export interface Connection {
  readonly aBulk: MemoryBulkChannel;
  readonly bBulk: MemoryBulkChannel;
  cut(): void;
}

/** Attaches a and b to each other. */
export function connect(a: Side, b: Side, maxMessageBytes = 64 * 1024): Connection {
  const [aBulk, bBulk] = memoryBulkPair(maxMessageBytes);
  let isOpen = true;
  const control = (from: Side, to: Side) => (frame: FileFrame) => {
    if (!isOpen) return false;
    from.frames.push(frame);
    const bytes = encodeFrame(frame);
    setTimeout(() => {
      if (!isOpen) return;
      const decoded = decodeFrame(bytes);
      if (!decoded.ok) throw new Error(`frame did not decode: ${decoded.reason}`);
      to.transfers.receive(from.id, decoded.frame as FileFrame);
    }, 0);
    return true;
  };
  a.transfers.attach({ peerId: b.id, conversation, sendControl: control(a, b), bulk: aBulk });
  b.transfers.attach({ peerId: a.id, conversation, sendControl: control(b, a), bulk: bBulk });
  return {
    aBulk,
    bBulk,
    cut() {
      isOpen = false;
      aBulk.close();
      bBulk.close();
    },
  };
}

export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += 65_536) crypto.getRandomValues(out.subarray(i, Math.min(length, i + 65_536)));
  return out;
}

/** Resolves with the first event `name` on `side` whose payload passes `test` (already seen ones count). */
export function waitForEvent<K extends keyof FileTransferEvents>(side: Side, name: K, test: (payload: FileTransferEvents[K]) => boolean = () => true, timeoutMs = 20_000): Promise<FileTransferEvents[K]> {
  const seen = side.events.find((event) => event.name === name && test(event.payload as FileTransferEvents[K]));
  if (seen) return Promise.resolve(seen.payload as FileTransferEvents[K]);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${String(name)} on ${side.id} within ${timeoutMs} ms`)), timeoutMs);
    const off = side.transfers.on(name, (payload) => {
      if (!test(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

export const settle = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));
