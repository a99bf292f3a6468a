// People for chat/ tests in Node: each a real store (memory records, cheap KDF) with a profile, a device of
// in-memory links and a Messenger: the real pairing (codes), handshake, trust, delivery and store together.
import { chainsCollectionName } from '../../../src/chat/chain-keeper';
import { Messenger, type MessengerEvents } from '../../../src/chat/messenger';
import { decodeCode, normalizeCode } from '../../../src/invite/invite-code';
import { MemoryRecordBackend } from '../../../src/store/memory-backend';
import { openStore, type TincanStore } from '../../../src/store/tincan-store';
import type { Profile } from '../../../src/store/profile-store';
import { cheapKdf, passphrase } from '../store/helpers';
import { MemoryDevice } from './memory-network';

let seed = 1;

export interface Person {
  readonly name: string;
  readonly records: Map<string, Uint8Array>;
  store: TincanStore;
  profile: Profile;
  readonly device: MemoryDevice;
  messenger: Messenger;
  readonly quotaBytes?: number;
  /** The clock of this person's messenger (budgets refill by it): frozen in tests that count what passes. */
  readonly now?: () => number;
  /** Every event the messenger emitted, in order. */
  readonly events: { name: keyof MessengerEvents; payload: unknown }[];
}

export async function person(
  name: string,
  options: { records?: Map<string, Uint8Array>; device?: MemoryDevice; quotaBytes?: number; now?: () => number } = {},
): Promise<Person> {
  const records = options.records ?? new Map<string, Uint8Array>();
  const store = await openStore({ backend: new MemoryRecordBackend(records), kdfLimits: cheapKdf, flushDelayMs: 20 });
  const profile = (await store.state()) === 'empty' ? await store.createProfile(name, passphrase) : (await store.unlock(passphrase)).profile;
  const device = options.device ?? new MemoryDevice(seed++);
  const who: Person = { name, records, store, profile, device, messenger: undefined as unknown as Messenger, events: [], ...(options.quotaBytes ? { quotaBytes: options.quotaBytes } : {}), ...(options.now ? { now: options.now } : {}) };
  who.messenger = makeMessenger(who);
  return who;
}

function makeMessenger(who: Person): Messenger {
  const messenger = new Messenger({
    identity: who.profile.identity,
    displayName: who.profile.name,
    contacts: who.store.contacts,
    log: who.store.log,
    outbox: who.store.outbox,
    chains: who.store.collection(chainsCollectionName),
    links: who.device,
    answerValidMs: 60_000,
    ...(who.quotaBytes ? { quotaBytes: () => who.quotaBytes! } : {}),
    ...(who.now ? { now: who.now } : {}),
  });
  const names: (keyof MessengerEvents)[] = ['contact', 'status', 'connected', 'exchanges', 'exchange-failed', 'added', 'states', 'typing', 'refused', 'quota-reached', 'error', 'certificate'];
  for (const name of names) messenger.on(name, (payload) => who.events.push({ name, payload }));
  return messenger;
}

/** A reload: everything in memory is gone; the records stay; the person unlocks again. */
export async function reload(who: Person): Promise<void> {
  who.messenger.close();
  await who.store.lock();
  const store = await openStore({ backend: new MemoryRecordBackend(who.records), kdfLimits: cheapKdf, flushDelayMs: 20 });
  who.store = store;
  who.profile = (await store.unlock(passphrase)).profile;
  who.events.length = 0;
  who.messenger = makeMessenger(who);
}

/** A crash: like a reload, but nothing is flushed or closed first (pending summaries are lost). */
export async function crash(who: Person): Promise<void> {
  who.messenger.close();
  const store = await openStore({ backend: new MemoryRecordBackend(who.records), kdfLimits: cheapKdf, flushDelayMs: 20 });
  who.store = store;
  who.profile = (await store.unlock(passphrase)).profile;
  who.events.length = 0;
  who.messenger = makeMessenger(who);
}

/** Resolves once `who` emitted an event matching `test` (looking at past events too, from index `since`). */
export function waitFor<K extends keyof MessengerEvents>(
  who: Person,
  name: K,
  test: (payload: MessengerEvents[K]) => boolean = () => true,
  { timeoutMs = 5_000, since = 0 } = {},
): Promise<MessengerEvents[K]> {
  const past = who.events.slice(since).find((e) => e.name === name && test(e.payload as MessengerEvents[K]));
  if (past) return Promise.resolve(past.payload as MessengerEvents[K]);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${who.name}: no ${String(name)} within ${timeoutMs} ms`)), timeoutMs);
    const off = who.messenger.on(name, (payload) => {
      if (!test(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

/** Resolves when `check` holds, polling (for state spread over several events). */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Text of a code as a person would paste it. */
export function use(who: Person, text: string) {
  const canonical = normalizeCode(text);
  return who.messenger.useCode(decodeCode(canonical), canonical);
}

/** The two-code exchange: a invites, b answers, a applies the answer; both see the other connected. */
export async function pair(a: Person, b: Person): Promise<{ aContact: string; bContact: string }> {
  const since = { a: a.events.length, b: b.events.length };
  const invite = await a.messenger.newInvite();
  const answer = await use(b, invite.code!);
  await use(a, answer!.code!);
  const [atA, atB] = await Promise.all([waitFor(a, 'connected', undefined, { since: since.a }), waitFor(b, 'connected', undefined, { since: since.b })]);
  return { aContact: atA.contactId, bContact: atB.contactId };
}

/** Texts of a conversation's stored messages, oldest first. */
export async function texts(who: Person, contactId: string): Promise<string[]> {
  const page = await who.store.log.loadNewest(contactId, 1000);
  return page.entries.map((e) => (e.unreadable ? '<unreadable>' : e.text));
}
