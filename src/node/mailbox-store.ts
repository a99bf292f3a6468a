// What a mailbox keeps on disk (docs/mailbox.md §4), over a RecordBackend (node/file-backend.ts: a journal with
// atomic batches, fsync). Nothing here is secret from the mailbox's point of view and nothing in it is plaintext of a
// message: held items are end-to-end envelopes and signed acks (docs/envelopes.md), stored as they came.
//
// Records (UTF-8 JSON)
//   mailbox/identity          { seed }                 the mailbox's Ed25519 identity (serializeIdentity, base64url)
//   mailbox/config            { owner?, claim?, contacts }   owner key, the claim secret until it is used, contact keys
//   held/<to>/<seq>           { from, at, item }       one item for `to` (a key, base64url); seq: 16 digits, so keys
//                                                      sort in arrival order
// Limits: quotaBytes in all (the JSON bytes of held items), a quarter of it per depositor, so one contact cannot
// fill the owner's mailbox alone; items older than expiryMs are dropped (at open, hourly, and before a collect).
// The same item deposited twice (a resend: same signer, conversation and ids) is stored once.
import { randomBytes } from 'node:crypto';
import { fromBase64Url, toBase64Url } from '../crypto/bytes';
import { createIdentity, deserializeIdentity, serializeIdentity, type Identity } from '../crypto/identity';
import type { CarriedItem } from '../chat/frames';
import { signerOf, type HeldItem } from '../chat/mailbox-protocol';
import type { RecordBackend, RecordWrite } from '../store/record-backend';

export const defaultMailboxQuotaBytes = 64 * 1024 * 1024;
export const mailboxExpiryMs = 14 * 24 * 3600_000;
const identityKey = 'mailbox/identity';
const configKey = 'mailbox/config';
const heldPrefix = 'held/';

export interface MailboxConfig {
  readonly owner?: string;
  readonly claim?: string;
  readonly contacts: readonly string[];
}

interface HeldRecord {
  readonly from: string;
  readonly at: number;
  readonly item: CarriedItem;
}

interface HeldEntry {
  readonly key: string;
  readonly to: string;
  readonly from: string;
  readonly at: number;
  readonly bytes: number;
  readonly dedupe: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const json = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));

function parse(value: unknown): unknown {
  if (!(value instanceof Uint8Array)) return undefined;
  try {
    return JSON.parse(decoder.decode(value));
  } catch {
    return undefined;
  }
}

function dedupeKey(to: string, item: CarriedItem): string {
  return item.type === 'envelope' ? `${to} e ${item.from} ${item.conversation} ${item.id}` : `${to} a ${item.by} ${item.conversation} ${item.ids.join(',')}`;
}

export type DepositOutcome = { readonly outcome: 'stored'; readonly id: string } | { readonly outcome: 'duplicate' | 'quota' };

export class MailboxStore {
  private readonly held = new Map<string, HeldEntry>();
  private readonly dedupe = new Set<string>();
  private seq = 0;

  private constructor(
    private readonly backend: RecordBackend,
    readonly identity: Identity,
    private current: MailboxConfig,
    readonly quotaBytes: number,
    private readonly now: () => number,
  ) {}

  static async open(backend: RecordBackend, { quotaBytes = defaultMailboxQuotaBytes, now = Date.now } = {}): Promise<MailboxStore> {
    const stored = parse(await backend.get(identityKey)) as { seed?: unknown } | undefined;
    let identity: Identity;
    if (typeof stored?.seed === 'string') {
      identity = await deserializeIdentity(fromBase64Url(stored.seed));
    } else {
      identity = await createIdentity();
      await backend.write([{ key: identityKey, value: json({ seed: toBase64Url(await serializeIdentity(identity)) }) }]);
    }
    const config = parse(await backend.get(configKey)) as Partial<Record<keyof MailboxConfig, unknown>> | undefined;
    const current: MailboxConfig = {
      ...(typeof config?.owner === 'string' ? { owner: config.owner } : {}),
      ...(typeof config?.claim === 'string' ? { claim: config.claim } : {}),
      contacts: Array.isArray(config?.contacts) ? config.contacts.filter((k): k is string => typeof k === 'string') : [],
    };
    const store = new MailboxStore(backend, identity, current, quotaBytes, now);
    if (!current.owner && !current.claim) await store.setConfig({ ...current, claim: toBase64Url(randomBytes(16)) });
    await store.load();
    await store.expire();
    return store;
  }

  get config(): MailboxConfig {
    return this.current;
  }

  async setConfig(config: MailboxConfig): Promise<void> {
    await this.backend.write([{ key: configKey, value: json(config) }]);
    this.current = config;
  }

  get usedBytes(): number {
    let sum = 0;
    for (const entry of this.held.values()) sum += entry.bytes;
    return sum;
  }

  get heldCount(): number {
    return this.held.size;
  }

  heldFor(to: string): number {
    let count = 0;
    for (const entry of this.held.values()) if (entry.to === to) count++;
    return count;
  }

  /** Keeps `item` (signed by `from`) for `to`, unless the quota is reached or it is held already. */
  async deposit(from: string, to: string, item: CarriedItem): Promise<DepositOutcome> {
    const dedupe = dedupeKey(to, item);
    if (this.dedupe.has(dedupe)) return { outcome: 'duplicate' };
    const value = json({ from, at: this.now(), item } satisfies HeldRecord);
    let fromBytes = 0;
    for (const entry of this.held.values()) if (entry.from === from) fromBytes += entry.bytes;
    if (this.usedBytes + value.length > this.quotaBytes || fromBytes + value.length > this.quotaBytes / 4) return { outcome: 'quota' };
    const id = String(++this.seq).padStart(16, '0');
    const key = `${heldPrefix}${to}/${id}`;
    this.dedupe.add(dedupe);
    try {
      await this.backend.write([{ key, value }]);
    } catch (error) {
      this.dedupe.delete(dedupe);
      throw error;
    }
    this.held.set(key, { key, to, from, at: this.now(), bytes: value.length, dedupe });
    return { outcome: 'stored', id };
  }

  /** What is held for `to`, oldest first, each with the id `taken` names it by. */
  async itemsFor(to: string): Promise<HeldItem[]> {
    await this.expire();
    const keys = [...this.held.values()].filter((entry) => entry.to === to).map((entry) => entry.key).sort();
    const values = await this.backend.getMany(keys);
    const items: HeldItem[] = [];
    keys.forEach((key, i) => {
      const record = parse(values[i]) as Partial<HeldRecord> | undefined;
      if (record?.item) items.push({ id: key.slice(key.lastIndexOf('/') + 1), item: record.item });
    });
    return items;
  }

  /** `to` stored these: removed (ids of others' items are ignored). */
  async take(to: string, ids: readonly string[]): Promise<void> {
    const keys = ids.map((id) => `${heldPrefix}${to}/${id}`).filter((key) => this.held.has(key));
    if (!keys.length) return;
    await this.backend.write(keys.map((key): RecordWrite => ({ key, remove: true })));
    for (const key of keys) this.forget(key);
  }

  /** Drops items older than mailboxExpiryMs. */
  async expire(): Promise<void> {
    const before = this.now() - mailboxExpiryMs;
    const old = [...this.held.values()].filter((entry) => entry.at < before).map((entry) => entry.key);
    if (!old.length) return;
    await this.backend.write(old.map((key): RecordWrite => ({ key, remove: true })));
    for (const key of old) this.forget(key);
  }

  private forget(key: string): void {
    const entry = this.held.get(key);
    if (!entry) return;
    this.held.delete(key);
    this.dedupe.delete(entry.dedupe);
  }

  private async load(): Promise<void> {
    const keys = await this.backend.keys(heldPrefix);
    const values = await this.backend.getMany(keys);
    const damaged: RecordWrite[] = [];
    keys.forEach((key, i) => {
      const parts = key.split('/');
      const record = parse(values[i]) as Partial<HeldRecord> | undefined;
      const seq = Number(parts[2]);
      if (parts.length !== 3 || !record?.item || typeof record.from !== 'string' || typeof record.at !== 'number' || !Number.isSafeInteger(seq)) {
        damaged.push({ key, remove: true });
        return;
      }
      const to = parts[1]!;
      const item = record.item as CarriedItem;
      const dedupe = dedupeKey(to, item);
      this.seq = Math.max(this.seq, seq);
      this.dedupe.add(dedupe);
      this.held.set(key, { key, to, from: signerOf(item), at: record.at, bytes: (values[i] as Uint8Array).length, dedupe });
    });
    if (damaged.length) await this.backend.write(damaged);
  }
}
