// People for chat/ tests in Node: each a real store (memory records, cheap KDF) with a profile, a device of
// in-memory links and a Messenger: the real pairing (codes), handshake, trust, delivery and store together.
import { chainsCollectionName } from '../../../src/chat/chain-keeper';
import { syncCollectionName } from '../../../src/chat/group-sync';
import { groupsCollectionName } from '../../../src/chat/group/groups';
import { Messenger, type MessengerEvents, type MessengerOptions } from '../../../src/chat/messenger';
import { RelayCarrier, relaysCollectionName } from '../../../src/chat/relay-carrier';
import { decodeCode, normalizeCode } from '../../../src/invite/invite-code';
import { MemoryRecordBackend } from '../../../src/store/memory-backend';
import { openFileBackend } from '../../../src/node/file-backend';
import type { RecordBackend } from '../../../src/store/record-backend';
import { openStore, type TincanStore } from '../../../src/store/tincan-store';
import type { Profile } from '../../../src/store/profile-store';
import { cheapKdf, passphrase } from '../store/helpers';
import { MemoryDevice } from './memory-network';
import { cut, type MemoryLink } from './memory-link';
import type { Frame } from '../../../src/chat/frames';
import type { PeerSession } from '../../../src/chat/peer-session';
import WebSocket from 'ws';
import { FileTransfers } from '../../../src/chat/files/file-transfers';
import { MemorySinkFactory } from '../../../src/chat/files/memory-file';
import { MemoryTransferStore } from '../../../src/chat/files/transfer-store';

let seed = 1;

export interface Person {
  readonly name: string;
  readonly records: Map<string, Uint8Array>;
  /** Where the records are kept when on the Node file backend (else in `records`, in memory). */
  readonly directory?: string;
  store: TincanStore;
  profile: Profile;
  readonly device: MemoryDevice;
  messenger: Messenger;
  readonly quotaBytes?: number;
  /** The clock of this person's messenger (budgets refill by it): frozen in tests that count what passes. */
  readonly now?: () => number;
  /** The WebSocket class for Nostr relays: the messenger gets a relay carrier (it sends nothing until relays are on). */
  readonly relaySocket?: unknown;
  /** What the messenger's calls are made with (a shorter handover, whether a lost link is waited for). */
  readonly callOptions?: MessengerOptions['callOptions'];
  /** Every event the messenger emitted, in order. */
  readonly events: { name: keyof MessengerEvents; payload: unknown }[];
  /** Groups are read from the vault only once delivery is ready (the other order than usual in these tests). */
  groupsLoadLate?: boolean;
  /** File transfers (with `files: true`): their records and sinks in memory survive closeApp / unlockAgain. */
  files?: FileTransfers;
  readonly fileStore?: MemoryTransferStore;
  readonly fileSinks?: MemorySinkFactory;
}

export async function person(
  name: string,
  options: { records?: Map<string, Uint8Array>; directory?: string; device?: MemoryDevice; quotaBytes?: number; now?: () => number; relaySocket?: unknown; files?: boolean; callOptions?: MessengerOptions['callOptions'] } = {},
): Promise<Person> {
  const records = options.records ?? new Map<string, Uint8Array>();
  const store = await openStore({ backend: await backendOf({ records, ...(options.directory ? { directory: options.directory } : {}) }), kdfLimits: cheapKdf, flushDelayMs: 20 });
  const profile = (await store.state()) === 'empty' ? await store.createProfile(name, passphrase) : (await store.unlock(passphrase)).profile;
  const device = options.device ?? new MemoryDevice(seed++);
  const who: Person = { name, records, ...(options.directory ? { directory: options.directory } : {}), store, profile, device, messenger: undefined as unknown as Messenger, events: [], ...(options.quotaBytes ? { quotaBytes: options.quotaBytes } : {}), ...(options.now ? { now: options.now } : {}), ...(options.relaySocket ? { relaySocket: options.relaySocket } : {}), ...(options.callOptions ? { callOptions: options.callOptions } : {}), ...(options.files ? { fileStore: new MemoryTransferStore(), fileSinks: new MemorySinkFactory() } : {}) };
  who.messenger = await makeMessenger(who);
  return who;
}

function backendOf(who: { readonly records: Map<string, Uint8Array>; readonly directory?: string }): Promise<RecordBackend> {
  return who.directory ? openFileBackend(who.directory) : Promise.resolve(new MemoryRecordBackend(who.records));
}

async function makeMessenger(who: Person): Promise<Messenger> {
  let messenger: Messenger | undefined;
  const relays = who.relaySocket
    ? await RelayCarrier.open({
        records: who.store.collection(relaysCollectionName),
        socket: who.relaySocket,
        keyOf: (contactId) => who.store.contacts.get(contactId)?.pinnedKey,
        receive: (item) => messenger?.delivery.receiveCarried(item),
        ...(who.now ? { now: who.now } : {}),
      })
    : undefined;
  who.files?.dispose();
  if (who.fileStore && who.fileSinks) who.files = await FileTransfers.open({ store: who.fileStore, sinks: who.fileSinks });
  messenger = new Messenger({
    ...(relays ? { relays } : {}),
    ...(who.files ? { files: who.files } : {}),
    identity: who.profile.identity,
    displayName: who.profile.name,
    contacts: who.store.contacts,
    log: who.store.log,
    outbox: who.store.outbox,
    chains: who.store.collection(chainsCollectionName),
    sync: who.store.collection(syncCollectionName),
    groups: who.groupsLoadLate ? loadedLate(who.store.collection(groupsCollectionName), () => messenger) : who.store.collection(groupsCollectionName),
    links: who.device,
    answerValidMs: 60_000,
    ...(who.quotaBytes ? { quotaBytes: () => who.quotaBytes! } : {}),
    ...(who.now ? { now: who.now } : {}),
    ...(who.callOptions ? { callOptions: who.callOptions } : {}),
  });
  const names: (keyof MessengerEvents)[] = ['contact', 'status', 'connected', 'exchanges', 'exchange-failed', 'added', 'states', 'typing', 'refused', 'quota-reached', 'error', 'certificate'];
  for (const name of names) messenger!.on(name, (payload) => who.events.push({ name, payload }));
  return messenger;
}

/** A collection whose records are read only once the messenger's delivery is ready. */
function loadedLate<T extends { loadAll(): Promise<unknown> }>(collection: T, messenger: () => Messenger | undefined): T {
  const loadAll = async () => {
    while (!messenger()) await new Promise((r) => setTimeout(r, 1));
    await messenger()!.delivery.ready;
    return collection.loadAll();
  };
  return new Proxy(collection, { get: (target, key) => (key === 'loadAll' ? loadAll : Reflect.get(target, key, target)) });
}

/** A reload: everything in memory is gone; the records stay; the person unlocks again. */
export async function reload(who: Person): Promise<void> {
  await closeApp(who);
  await unlockAgain(who);
}

/** Closes Tincan: everything in memory is gone until `unlockAgain`. */
export async function closeApp(who: Person): Promise<void> {
  await who.messenger.flush();
  await who.files?.flush();
  who.messenger.close();
  await who.store.lock();
}

/** Opens Tincan again after `closeApp` and unlocks. */
export async function unlockAgain(who: Person): Promise<void> {
  const store = await openStore({ backend: await backendOf(who), kdfLimits: cheapKdf, flushDelayMs: 20 });
  who.store = store;
  who.profile = (await store.unlock(passphrase)).profile;
  who.events.length = 0;
  who.messenger = await makeMessenger(who);
}

/** A crash: like a reload, but nothing is flushed or closed first (pending summaries are lost). */
export async function crash(who: Person): Promise<void> {
  who.messenger.close();
  await unlockAgain(who);
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

/** Records every frame a session sends (and lets a test change or drop it). */
export function tap(session: PeerSession, change: (frame: Frame) => Frame | undefined = (f) => f): Frame[] {
  const seen: Frame[] = [];
  const send = session.send.bind(session);
  session.send = (frame) => {
    seen.push(frame);
    const changed = change(frame);
    return changed ? send(changed) : true;
  };
  return seen;
}

/** `inviter` makes a group invite, `newcomer` answers it as any invite: it lands in the group. */
export async function joinGroup(inviter: Person, newcomer: Person, groupId: string): Promise<void> {
  const joined = new Promise<void>((resolve) => newcomer.messenger.groups.on('joined', (e) => e.groupId === groupId && resolve()));
  const invite = await inviter.messenger.inviteToGroup(groupId);
  const answer = await use(newcomer, invite.code!);
  await use(inviter, answer!.code!);
  await waitFor(inviter, 'connected', (e) => e.groupId === groupId);
  await joined;
}

/** Alice and Bob paired, then both turning relays on (`url`) while connected: each knows the other's relays and alias. */
export async function relayFriends(url: string): Promise<{ alice: Person; bob: Person; bobAtAlice: string; aliceAtBob: string }> {
  const alice = await person('Alice', { relaySocket: WebSocket });
  const bob = await person('Bob', { relaySocket: WebSocket });
  const { aContact: bobAtAlice, bContact: aliceAtBob } = await pair(alice, bob);
  await alice.messenger.setRelays([url]);
  await bob.messenger.setRelays([url]);
  await until(() => !!alice.messenger.relays?.contactView(bobAtAlice).use && !!bob.messenger.relays?.contactView(aliceAtBob).use, 'relays swapped');
  return { alice, bob, bobAtAlice, aliceAtBob };
}

/** The path dies under both pages (nothing arrives), and each link then gives up, as a WebRTC link does after ICE
 * consent fails: neither side said bye. */
export function loseLink(alice: Person, bobAtAlice: string, bob: Person, aliceAtBob: string): void {
  const a = alice.messenger.peers.get(bobAtAlice)!.link as MemoryLink;
  const b = bob.messenger.peers.get(aliceAtBob)!.link as MemoryLink;
  cut(a, b);
  a.close({ state: 'failed', code: 'ICE_FAILED' });
  b.close({ state: 'failed', code: 'ICE_FAILED' });
}
