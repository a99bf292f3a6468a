// Timings of the vault and store, measured in whatever browser runs this: used by perf.test.ts (which logs them,
// never asserts them) and by bench/vault-bench.mjs (which prints them). Same-run baselines are included: libsodium's
// "interactive" Argon2id limits next to the chosen ones, and a cold next to a warm read.
import { createIdentity } from '../../../src/crypto/identity';
import { safetyNumber } from '../../../src/crypto/safety-number';
import { measureKdfMs, openRecord, sealRecord, type KdfLimits } from '../../../src/crypto/vault';
import type { StoredMessage } from '../../../src/store/records';
import { openStore } from '../../../src/store/store';
import { openRecordBackend } from '../../../src/store/record-backend';

const mebibyte = 1024 * 1024;

export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: 'ms' | 'MiB/s' | 'B';
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

function benchMessage(i: number): StoredMessage {
  return {
    id: `bench-${i}`,
    direction: i % 3 ? 'in' : 'out',
    text: `Message number ${i}: a line of ordinary chat text, about sixty characters.`,
    sentAt: 1_714_564_800_000 + i * 1000,
    state: 'delivered',
  };
}

/** Fills a conversation with `messages` messages, then times the reads a user waits for. Cleans up after. */
export async function measureStore(messages = 10_000): Promise<Figure[]> {
  const name = `tincan-bench-${Date.now()}`;
  const cheap: KdfLimits = { opsLimit: 1, memLimitBytes: 8 * mebibyte };
  const passphrase = 'bench passphrase, not a secret';
  const writer = await openStore({ name, kdfLimits: cheap });
  await writer.createProfile('Bench', passphrase);
  const fillMs = await timed(() =>
    writer.appendMessages('bench', Array.from({ length: messages }, (_, i) => benchMessage(i))),
  );
  // A new instance on the same database: nothing cached, as after a reload.
  const reader = await openStore({ name, kdfLimits: cheap });
  await reader.unlock(passphrase);
  const coldMs = await timed(() => reader.loadNewest('bench', 50));
  const warmMs = await timed(() => reader.loadNewest('bench', 50));
  const page = await reader.loadNewest('bench', 50);
  const olderMs = await timed(() => reader.loadOlder('bench', page.firstIndex, 50));
  const appendMs = await timed(() => reader.appendMessage('bench', benchMessage(messages)));
  const listMs = await timed(() => reader.listConversations());
  const updateOldMs = await timed(() => reader.updateMessageState('bench', 'bench-0', 'delivered'));
  // Bytes on disk for the conversation (sealed chunks and head) against the UTF-8 bytes of its message texts.
  const backend = await openRecordBackend(name);
  let storedBytes = 0;
  for (const key of await backend.keys()) {
    if (!key.startsWith('conv/')) continue;
    const value = await backend.get(key);
    if (value instanceof Uint8Array) storedBytes += value.byteLength;
  }
  const encoder = new TextEncoder();
  let textBytes = 0;
  for (let i = 0; i <= messages; i++) textBytes += encoder.encode(benchMessage(i).text).byteLength;
  await reader.forgetDevice();
  return [
    { name: `fill ${messages} messages (appendMessages, one write per chunk)`, value: fillMs, unit: 'ms' },
    { name: `loadNewest 50 of ${messages}, cold (after reopen)`, value: coldMs, unit: 'ms' },
    { name: `loadNewest 50 of ${messages}, warm`, value: warmMs, unit: 'ms' },
    { name: 'loadOlder 50 (the page before)', value: olderMs, unit: 'ms' },
    { name: `appendMessage 1 to ${messages}`, value: appendMs, unit: 'ms' },
    { name: 'listConversations (1 conversation)', value: listMs, unit: 'ms' },
    { name: 'updateMessageState, oldest message (scans every chunk)', value: updateOldMs, unit: 'ms' },
    { name: 'bytes stored per message (sealed, with id, times, state)', value: storedBytes / (messages + 1), unit: 'B' },
    { name: 'bytes of message text per message (plaintext)', value: textBytes / (messages + 1), unit: 'B' },
  ];
}

export function formatFigures(figures: readonly Figure[]): string {
  return figures.map((f) => `${f.name.padEnd(64)} ${f.value.toFixed(1).padStart(9)} ${f.unit}`).join('\n');
}
