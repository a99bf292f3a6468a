// Shared helpers for the store's Node tests.
import assert from 'node:assert/strict';
import { TincanError, isTincanError, type ErrorCode } from '../../../src/errors';
import type { KdfLimits } from '../../../src/crypto/vault';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openFileBackend } from '../../../src/node/file-backend';
import { MemoryRecordBackend } from '../../../src/store/memory-backend';
import type { RecordBackend, RecordWrite } from '../../../src/store/record-backend';
import type { StoredMessage } from '../../../src/store/records';
import type { RollbackWitness } from '../../../src/store/rollback';
import { openStore, type StoreOptions, type TincanStore } from '../../../src/store/tincan-store';
import type { TranscriptLabels } from '../../../src/store/transcript';

/** Argon2id at its cheapest: these tests are about behaviour, not cost. */
export const cheapKdf: KdfLimits = { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 };

/** Awaits `action` and checks that it fails with TincanError `code`. */
export async function expectCode(action: Promise<unknown> | (() => unknown), code: ErrorCode): Promise<void> {
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (thrown) {
    assert.ok(isTincanError(thrown), `expected TincanError ${code}, got ${String(thrown)}`);
    assert.equal(thrown.code, code, String(thrown));
    return;
  }
  assert.fail(`expected TincanError ${code}, but it succeeded`);
}

export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = bytes.slice();
  const at = Math.floor(bit / 8);
  copy[at] = copy[at]! ^ (1 << bit % 8);
  return copy;
}

export const passphrase = 'correct horse battery staple';

/** Where a test's records live: opened again as a reload (or a restart after a crash) would. */
export interface BackendKind {
  readonly name: string;
  /** A new, empty place. */
  fresh(): Promise<Place>;
}

export interface Place {
  /** A backend on this place's records (a new one each call, as after a reload). */
  open(): Promise<RecordBackend>;
}

export const backendKinds: readonly BackendKind[] = [
  {
    name: 'memory backend',
    async fresh() {
      const records = new Map<string, Uint8Array>();
      return { open: async () => new MemoryRecordBackend(records) };
    },
  },
  {
    name: 'file backend',
    async fresh() {
      const directory = await mkdtemp(path.join(os.tmpdir(), 'tincan-store-'));
      return { open: () => openFileBackend(directory) };
    },
  },
];

/** A witness kept in an object (the app keeps it in localStorage). */
export class ObjectWitness implements RollbackWitness {
  value: number | undefined;
  read(): number | undefined {
    return this.value;
  }
  write(counter: number): void {
    this.value = counter;
  }
}

export function clock(start = Date.UTC(2024, 4, 1, 12, 0)): () => number {
  let now = start;
  return () => (now += 1000);
}

/** A store on `place` with cheap KDF limits, a fake clock and no automatic flush (tests flush when they mean to). */
export async function storeOn(place: Place, options: Partial<StoreOptions> = {}): Promise<TincanStore> {
  return openStore({ backend: await place.open(), kdfLimits: cheapKdf, now: clock(), flushDelayMs: 60_000, ...options });
}

export function message(i: number, overrides: Partial<StoredMessage> = {}): StoredMessage {
  return {
    id: `m${i}`,
    direction: i % 2 ? 'in' : 'out',
    text: `message ${i}`,
    sentAt: Date.UTC(2024, 4, 1, 12, 0, i % 60),
    state: i % 2 ? 'delivered' : 'waiting',
    ...overrides,
  };
}

export function range(from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, i) => `m${from + i}`);
}

/** Ids of a page's readable entries. */
export function idsOf(page: { entries: readonly { unreadable?: true; id?: string }[] }): string[] {
  return page.entries.map((e) => (e.unreadable ? '?' : e.id!));
}

/** A random-looking but valid identity key id (43 base64url characters). */
export function keyId(seed: number): string {
  return `${String(seed).padStart(3, '0')}${'A'.repeat(40)}`;
}

/**
 * A backend over another whose writes a test controls: `failNext` makes the next writes fail (nothing applied, as an
 * aborted transaction), `beforeWrite` and `beforeGetMany` run when a batch or a read starts (while it is "in
 * flight"), `hang` makes writes never settle (the tab died with the batch not committed).
 */
export class ControlledBackend implements RecordBackend {
  failNext = 0;
  failWith: () => Error = () => new TincanError('STORAGE_QUOTA', 'test: device full');
  beforeWrite: ((batch: readonly RecordWrite[]) => void) | undefined;
  beforeGetMany: ((keys: readonly string[]) => void) | undefined;
  hang = false;
  readonly batches: (readonly RecordWrite[])[] = [];

  constructor(private readonly inner: RecordBackend) {}

  get(key: string): Promise<unknown> {
    return this.inner.get(key);
  }
  getMany(keys: readonly string[]): Promise<unknown[]> {
    this.beforeGetMany?.(keys);
    return this.inner.getMany(keys);
  }
  keys(prefix?: string): Promise<string[]> {
    return this.inner.keys(prefix);
  }
  async write(batch: readonly RecordWrite[]): Promise<void> {
    this.beforeWrite?.(batch);
    if (this.hang) return new Promise<void>(() => undefined);
    if (this.failNext > 0) {
      this.failNext--;
      throw this.failWith();
    }
    await this.inner.write(batch);
    this.batches.push(batch);
  }
  clear(): Promise<void> {
    return this.inner.clear();
  }
  close(): void {
    this.inner.close();
  }
}

/** Transcript words as the UI gives them (ui/messages.ts keeps the real ones). */
export function transcriptLabels(overrides: Partial<TranscriptLabels> = {}): TranscriptLabels {
  return {
    title: 'Tincan conversation with Grace',
    exportedAt: (time) => `Exported ${time}`,
    nameOf: () => 'Grace',
    unknownName: 'Unknown',
    unknownTime: 'unknown time',
    unreadable: (count) => `${count} message(s) could not be read and are missing.`,
    ...overrides,
  };
}

// Raw records, as a test that plays a crash, a restore or damage reaches them.

export async function withBackend<T>(place: Place, use: (backend: RecordBackend) => Promise<T>): Promise<T> {
  const backend = await place.open();
  try {
    return await use(backend);
  } finally {
    backend.close();
  }
}

export function rawSet(place: Place, key: string, value: Uint8Array | undefined): Promise<void> {
  return withBackend(place, (backend) => backend.write([value ? { key, value } : { key, remove: true }]));
}

export async function rawGet(place: Place, key: string): Promise<Uint8Array> {
  const value = await withBackend(place, (backend) => backend.get(key));
  assert.ok(value instanceof Uint8Array, `no record ${key}`);
  return value;
}

export function rawKeys(place: Place): Promise<string[]> {
  return withBackend(place, (backend) => backend.keys());
}

export async function snapshot(backend: RecordBackend): Promise<Map<string, string>> {
  const keys = await backend.keys();
  const values = await backend.getMany(keys);
  return new Map(keys.map((key, i) => [key, Buffer.from(values[i] as Uint8Array).toString('hex')]));
}
