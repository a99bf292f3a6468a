// Timings of the vault and store, measured in whatever browser runs this: used by perf.test.ts (which logs them,
// never asserts them) and by bench/vault-bench.mjs (which prints them). Same-run baselines are included: libsodium's
// "interactive" Argon2id limits next to the chosen ones, a cold next to a warm read, single appends next to batches.
import { createIdentity } from '../../../src/crypto/identity';
import { safetyNumber } from '../../../src/crypto/safety-number';
import { measureKdfMs, openRecord, sealRecord, type KdfLimits } from '../../../src/crypto/vault';
import { openIndexedDbBackend } from '../../../src/store/indexeddb-backend';
import type { RecordBackend, RecordWrite } from '../../../src/store/record-backend';
import type { StoredMessage } from '../../../src/store/records';
import { openStore, type TincanStore } from '../../../src/store/tincan-store';

const mebibyte = 1024 * 1024;

export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: 'ms' | 'MiB/s' | 'B' | 'msg/s';
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function timed(task: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await task();
  return performance.now() - started;
}

export async function measureKdf(runs = 3, includeModerate = false): Promise<Figure[]> {
  const limits: [string, KdfLimits][] = [
    ['argon2id 2 / 64 MiB (libsodium interactive)', { opsLimit: 2, memLimitBytes: 64 * mebibyte }],
    ['argon2id 3 / 64 MiB (chosen)', { opsLimit: 3, memLimitBytes: 64 * mebibyte }],
    ['argon2id 4 / 64 MiB', { opsLimit: 4, memLimitBytes: 64 * mebibyte }],
  ];
  if (includeModerate) limits.push(['argon2id 3 / 256 MiB (libsodium moderate)', { opsLimit: 3, memLimitBytes: 256 * mebibyte }]);
  await measureKdfMs(limits[0]![1]); // warm-up: the first call grows the WebAssembly memory
  const figures: Figure[] = [];
  for (const [name, limit] of limits) {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) samples.push(await measureKdfMs(limit));
    figures.push({ name, value: median(samples), unit: 'ms' });
  }
  return figures;
}

export async function measureCrypto(runs = 5): Promise<Figure[]> {
  const [a, b] = await Promise.all([createIdentity(), createIdentity()]);
  await safetyNumber(a.publicKey, b.publicKey);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await timed(() => safetyNumber(a.publicKey, b.publicKey)));
  const key = crypto.getRandomValues(new Uint8Array(32));
  const payload = new Uint8Array(mebibyte);
  const rounds = 16;
  let sealed: Uint8Array = new Uint8Array(0);
  const sealMs = await timed(async () => {
    for (let i = 0; i < rounds; i++) sealed = await sealRecord(key, 'bench', payload);
  });
  const openMs = await timed(async () => {
    for (let i = 0; i < rounds; i++) await openRecord(key, 'bench', sealed);
  });
  return [
    { name: 'safety number (2 x 5200 SHA-512)', value: median(samples), unit: 'ms' },
    { name: 'record seal, 1 MiB records', value: rounds / (sealMs / 1000), unit: 'MiB/s' },
    { name: 'record open, 1 MiB records', value: rounds / (openMs / 1000), unit: 'MiB/s' },
  ];
}

/** A backend that counts the bytes each write batch stores (values only; keys and removals are not counted). */
class CountingBackend implements RecordBackend {
  bytesWritten = 0;
  constructor(private readonly inner: RecordBackend) {}
  get(key: string) {
    return this.inner.get(key);
  }
  getMany(keys: readonly string[]) {
    return this.inner.getMany(keys);
  }
  keys(prefix?: string) {
    return this.inner.keys(prefix);
  }
  write(batch: readonly RecordWrite[]) {
    for (const write of batch) if ('value' in write) this.bytesWritten += write.value.byteLength;
    return this.inner.write(batch);
  }
  clear() {
    return this.inner.clear();
  }
  close() {
    this.inner.close();
  }
}

/** Chat-sized messages: 16-character ids like the wire's, about 70 characters of text. */
function benchMessage(i: number, direction: 'in' | 'out' = i % 3 ? 'in' : 'out'): StoredMessage {
  return {
    id: `b${String(i).padStart(15, '0')}`,
    direction,
    text: `Message number ${i}: a line of ordinary chat text, about sixty characters.`,
    sentAt: 1_714_564_800_000 + i * 1000,
    state: direction === 'out' ? 'waiting' : 'delivered',
    ...(direction === 'in' ? { receivedAt: 1_714_564_800_500 + i * 1000 } : {}),
  };
}

const cheap: KdfLimits = { opsLimit: 1, memLimitBytes: 8 * mebibyte };
const passphrase = 'bench passphrase, not a secret';

async function benchStore(label: string): Promise<{ store: TincanStore; backend: CountingBackend; name: string }> {
  const name = `tincan-bench-${label}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const backend = new CountingBackend(await openIndexedDbBackend(name));
  // No automatic flush: each figure says when it flushes.
  const store = await openStore({ backend, kdfLimits: cheap, flushDelayMs: 3_600_000 });
  await store.createProfile('Bench', passphrase);
  return { store, backend, name };
}

async function discard(store: TincanStore, backend: RecordBackend): Promise<void> {
  await store.forgetDevice();
  backend.close();
}

/**
 * Single appends into one conversation (each its own transaction, as a chat at typing speed): bytes written and
 * ms per append, plus the flush that writes the head afterwards. The figure to compare with the chunked log.
 */
export async function measureSingleAppends(appends = 400): Promise<Figure[]> {
  const { store, backend } = await benchStore('single');
  const before = backend.bytesWritten;
  const ms = await timed(async () => {
    for (let i = 0; i < appends; i++) await store.log.append('c', [benchMessage(i, 'out')], { outboxFor: [] });
  });
  const appendBytes = backend.bytesWritten - before;
  const flushMs = await timed(() => store.flush());
  await discard(store, backend);
  return [
    { name: `single append: bytes written per message (${appends} appends)`, value: appendBytes / appends, unit: 'B' },
    { name: 'single append: ms per message (one transaction each)', value: ms / appends, unit: 'ms' },
    { name: 'flush after them (head, one transaction)', value: flushMs, unit: 'ms' },
  ];
}

/** Messages stored per second when they arrive in batches of `sizes` (one append = one transaction). */
export async function measureThroughput(sizes: readonly number[] = [1, 50, 300], messagesPerSize = 1200): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const size of sizes) {
    const { store, backend } = await benchStore(`batch${size}`);
    const total = Math.max(size, Math.floor(messagesPerSize / size) * size);
    const ms = await timed(async () => {
      for (let i = 0; i < total; i += size) {
        await store.log.append('c', Array.from({ length: size }, (_, j) => benchMessage(i + j, 'in')));
      }
      await store.flush();
    });
    figures.push({ name: `messages stored per second, batches of ${size} (${total} messages, with flush)`, value: total / (ms / 1000), unit: 'msg/s' });
    await discard(store, backend);
  }
  return figures;
}

/** Fills a conversation with `messages` messages, then times the reads a person waits for, acks and the bytes. */
export async function measureStore(messages = 10_000): Promise<Figure[]> {
  const { store: writer, backend, name } = await benchStore('history');
  const peer = 'B'.repeat(43);
  const fillStarted = performance.now();
  for (let i = 0; i < messages; i += 300) {
    const batch = Array.from({ length: Math.min(300, messages - i) }, (_, j) => benchMessage(i + j));
    // The newest messages (two batches) are still unacknowledged, in the outbox.
    const outbox = i + 600 >= messages ? { outboxFor: [peer] } : {};
    await writer.log.append('bench', batch, outbox);
  }
  await writer.flush();
  const fillMs = performance.now() - fillStarted;
  // What the conversation takes on disk: its message records, id-index entries and head (not the outbox).
  const conversationKeys = await backend.keys('conv/');
  let storedBytes = 0;
  for (const value of await backend.getMany(conversationKeys)) if (value instanceof Uint8Array) storedBytes += value.byteLength;
  await writer.lock();
  backend.close();
  // A new instance on the same database: nothing cached, as after a reload.
  const readerBackend = new CountingBackend(await openIndexedDbBackend(name));
  const reader = await openStore({ backend: readerBackend, kdfLimits: cheap, flushDelayMs: 3_600_000 });
  const unlockMs = await timed(() => reader.unlock(passphrase));
  const coldMs = await timed(() => reader.log.loadNewest('bench', 50));
  const warmMs = await timed(() => reader.log.loadNewest('bench', 50));
  const page = await reader.log.loadNewest('bench', 50);
  const olderMs = await timed(() => reader.log.loadBefore('bench', page.firstIndex, 50));
  const appendMs = await timed(() => reader.log.append('bench', [benchMessage(messages, 'in')]));
  const duplicateOldMs = await timed(() => reader.log.append('bench', [benchMessage(1)]));
  const summariesMs = await timed(async () => reader.log.summaries());
  // An ack of 256 ids, half of them unknown: resolved through memory, then one flush.
  const pending = reader.outbox.pending(peer).map((e) => e.messageId);
  const ackIds = [...pending.slice(0, 128), ...Array.from({ length: 256 - Math.min(128, pending.length) }, (_, i) => `unknown${String(i).padStart(9, '0')}`)];
  let acknowledged = 0;
  const ackMs = await timed(async () => {
    acknowledged = reader.outbox.acknowledge(peer, ackIds).length;
  });
  const ackFlushMs = await timed(() => reader.flush());
  const stateOldMs = await timed(async () => {
    await reader.log.setStates('bench', [{ id: benchMessage(0).id, state: 'delivered' }]);
    await reader.flush();
  });
  const encoder = new TextEncoder();
  let textBytes = 0;
  for (let i = 0; i < messages; i++) textBytes += encoder.encode(benchMessage(i).text).byteLength;
  await discard(reader, readerBackend);
  return [
    { name: `fill ${messages} messages (batches of 300, then flush)`, value: fillMs, unit: 'ms' },
    { name: 'storage bytes per 1,000 messages (message records, id index, head)', value: (storedBytes / messages) * 1000, unit: 'B' },
    { name: 'message text bytes per 1,000 messages (plaintext)', value: (textBytes / messages) * 1000, unit: 'B' },
    { name: `unlock with ${messages} messages (cheap KDF; loads heads, contacts, outbox)`, value: unlockMs, unit: 'ms' },
    { name: `loadNewest 50 of ${messages}, cold (after reopen)`, value: coldMs, unit: 'ms' },
    { name: `loadNewest 50 of ${messages}, warm`, value: warmMs, unit: 'ms' },
    { name: 'loadBefore 50 (the page before)', value: olderMs, unit: 'ms' },
    { name: `append 1 to ${messages}`, value: appendMs, unit: 'ms' },
    { name: 'append a duplicate of the oldest message (id index read)', value: duplicateOldMs, unit: 'ms' },
    { name: 'summaries (from memory)', value: summariesMs, unit: 'ms' },
    { name: `acknowledge 256 ids, ${acknowledged} known, on ${messages} (memory)`, value: ackMs, unit: 'ms' },
    { name: 'flush after that ack (states + outbox removals + head)', value: ackFlushMs, unit: 'ms' },
    { name: 'setStates of the oldest message + flush', value: stateOldMs, unit: 'ms' },
  ];
}

export function formatFigures(figures: readonly Figure[]): string {
  return figures.map((f) => `${f.name.padEnd(78)} ${f.value.toFixed(2).padStart(11)} ${f.unit}`).join('\n');
}
