// Migrating the chunked history of Tincan's first version at unlock: a real old-format vault (test/unit/store/
// legacy-vault.ts) with damaged chunks, duplicates, impossible times and unacknowledged outgoing messages; crashes
// between the migration's batches; a device with no room for it; heads lost or damaged; old backups.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sealRecord } from '../../../src/crypto/vault';
import { collectBackup } from '../../../src/store/backup';
import { parseLegacyChunkKey } from '../../../src/store/legacy-log';
import type { LogEntry, LoggedMessage } from '../../../src/store/records';
import { openStore, type TincanStore } from '../../../src/store/tincan-store';
import { oldChunkKey, oldHeadKey, writeOldVault, type OldConversation, type OldMessage } from '../../unit/store/legacy-vault';
import {
  ControlledBackend,
  backendKinds,
  cheapKdf,
  clock,
  expectCode,
  flipBit,
  keyId,
  message,
  passphrase,
  rawGet,
  rawKeys,
  rawSet,
  snapshot,
  storeOn,
  withBackend,
  type Place,
} from './helpers';

const bob = keyId(2);
const carol = keyId(3);
const dave = keyId(4);
const t0 = Date.UTC(2024, 0, 5, 9, 0);

/** The old app's messages: outgoing ones waiting, sent or delivered in turn; incoming ones delivered. */
function oldMessage(i: number, overrides: Partial<OldMessage> = {}): OldMessage {
  const direction = i % 2 ? 'in' : 'out';
  const states = ['waiting', 'sent', 'delivered'] as const;
  return {
    id: `o${i}`,
    direction,
    text: `old message ${i}`,
    sentAt: t0 + i * 1000,
    state: direction === 'in' ? 'delivered' : states[(i / 2) % 3]!,
    ...(direction === 'in' ? { receivedAt: t0 + i * 1000 + 500 } : {}),
    ...overrides,
  };
}

/** Bob's 250 messages in chunks of 100; chunk 1 gets damaged. Odd ones in chunk 2 (see below). */
function bobsMessages(): OldMessage[] {
  const messages = Array.from({ length: 250 }, (_, i) => oldMessage(i));
  messages[201] = oldMessage(201, { sentAt: 1e16 }); // issue 8: a time no Date can hold, with a receivedAt
  messages[203] = oldMessage(203, { id: 'an old id/with spaces' }); // the old frames took any id string
  messages[230] = oldMessage(5); // a resend the old store took again (it only looked in the newest chunk)
  messages[240] = { ...oldMessage(240), text: 42 as unknown as string }; // no longer a message
  return messages;
}

const conversations: readonly OldConversation[] = [
  { id: bob, messages: bobsMessages(), unread: 7 },
  // A crash between the chunk write and the head write: the head counts 2 of the 3 messages.
  { id: carol, messages: [oldMessage(1), oldMessage(2), oldMessage(3)], headCount: 2 },
  // A head written before its first chunk, and nothing after.
  { id: dave, messages: [] },
];

async function oldVault(place: Place, which = conversations): Promise<{ masterKey: Uint8Array; epochs: Map<string, string> }> {
  return withBackend(place, (backend) => writeOldVault(backend, { passphrase, kdf: cheapKdf, contacts: [bob, carol, dave], conversations: which }));
}

type Health = Awaited<ReturnType<TincanStore['unlock']>>['health'];

async function unlocked(place: Place, backend?: ControlledBackend): Promise<{ store: TincanStore; health: Health }> {
  const store = backend ? await openStore({ backend, kdfLimits: cheapKdf, now: clock(), flushDelayMs: 60_000 }) : await storeOn(place);
  const { health } = await store.unlock(passphrase);
  return { store, health };
}

const readable = (entries: readonly LogEntry[]): LoggedMessage[] => entries.filter((e): e is LoggedMessage => !e.unreadable);

/** Every message of every conversation exactly once, as [conversation, id] pairs. */
async function everything(store: TincanStore): Promise<string[]> {
  const all: string[] = [];
  for (const { id } of store.log.summaries()) for (const m of readable((await store.log.loadNewest(id, 1000)).entries)) all.push(`${id.slice(0, 3)}:${m.id}`);
  return all.sort();
}

function legacyKeys(keys: readonly string[]): string[] {
  return keys.filter((key) => parseLegacyChunkKey(key) !== undefined);
}

for (const kind of backendKinds) {
  describe(`migration of the chunked history over the ${kind.name}`, () => {
    it('moves every readable message into the new format once, queues every unacknowledged outgoing one, reports the damage', async () => {
      const place = await kind.fresh();
      const { epochs } = await oldVault(place);
      const bobEpoch = epochs.get(bob)!;
      // Chunk 1 (messages 100-199) damaged; a chunk of an earlier, deleted conversation with Bob left behind.
      await rawSet(place, oldChunkKey(bob, bobEpoch, 1), flipBit(await rawGet(place, oldChunkKey(bob, bobEpoch, 1)), 500));
      await rawSet(place, oldChunkKey(bob, 'AnEarlierLife', 0), await rawGet(place, oldChunkKey(bob, bobEpoch, 0)));

      const { store, health } = await unlocked(place);
      assert.deepEqual(health.damaged, [{ key: oldChunkKey(bob, bobEpoch, 1), reason: 'tampered' }]);
      assert.deepEqual(health.legacyConversations, []);
      assert.equal(health.manifest, 'ok');
      assert.equal(health.ok, false, 'the damaged chunk is something to tell');
      const queuedOf = (ms: readonly OldMessage[]) => ms.filter((m) => m.direction === 'out' && m.state !== 'delivered').length;
      const bobs = bobsMessages();
      // Kept: chunk 0, and chunk 2 without the repeat of o5 (230) and the broken one (240).
      const kept = [...bobs.slice(0, 100), ...bobs.slice(200, 250).filter((_, i) => i !== 30 && i !== 40)];
      assert.deepEqual(health.migratedConversations, [
        { id: bob, messages: 148, unreadable: 101, queued: queuedOf(kept) },
        { id: carol, messages: 3, unreadable: 0, queued: 1 },
      ]);
      assert.deepEqual(store.contacts.all().map((c) => c.id).sort(), [bob, carol, dave]);

      // Bob: the old positions, the damaged chunk as 100 unreadable entries where it was.
      const page = await store.log.loadNewest(bob, 1000);
      assert.equal(page.count, 249);
      assert.deepEqual(page.entries.slice(100, 200).map((e) => e.unreadable), Array(100).fill(true));
      assert.equal(page.entries[239]?.unreadable, true);
      const messages = readable(page.entries);
      assert.equal(messages.length, 148);
      const byIndex = new Map(messages.map((m) => [m.index, m]));
      assert.deepEqual(byIndex.get(0), { ...bobs[0], index: 0 });
      assert.deepEqual(byIndex.get(99), { ...bobs[99], index: 99 });
      assert.deepEqual(byIndex.get(200), { ...bobs[200], index: 200 });
      assert.equal(byIndex.get(201)?.sentAt, bobs[201]!.receivedAt, 'an impossible sentAt takes the receivedAt');
      const repaired = byIndex.get(203)!;
      assert.match(repaired.id, /^[A-Za-z0-9_-]{16}$/);
      assert.equal(repaired.text, 'old message 203');
      assert.deepEqual(byIndex.get(230), { ...bobs[231], index: 230 }, 'after the skipped repeat, one index earlier');
      assert.deepEqual(byIndex.get(248), { ...bobs[249], index: 248 });
      const summary = store.log.summary(bob)!;
      assert.deepEqual([summary.count, summary.unread, summary.lastMessage?.id], [249, 7, 'o249']);
      assert.deepEqual([summary.createdAt, summary.updatedAt], [Date.UTC(2024, 0, 2), Date.UTC(2024, 0, 3)]);

      // Every outgoing message Bob never acknowledged, waiting or sent, goes out again, in order.
      const pending = store.outbox.pending(bob);
      const expected = messages.filter((m) => m.direction === 'out' && m.state !== 'delivered');
      assert.deepEqual(
        pending.map((e) => [e.messageId, e.index, e.text, e.sentAt, e.conversationId]),
        expected.map((m) => [m.id, m.index, m.text, m.sentAt, bob]),
      );
      assert.ok(expected.some((m) => m.state === 'sent') && expected.some((m) => m.state === 'waiting'));
      store.outbox.acknowledge(bob, ['o2']);
      assert.equal(readable((await store.log.loadNewest(bob, 1000)).entries).find((m) => m.id === 'o2')?.state, 'delivered');

      // Carol: the chunk is the truth, not the head's count. Dave said nothing: no conversation.
      assert.deepEqual(readable((await store.log.loadNewest(carol, 10)).entries).map((m) => m.id), ['o1', 'o2', 'o3']);
      assert.deepEqual(store.outbox.pending(carol).map((e) => e.messageId), ['o2']);
      assert.deepEqual(store.log.summaries().map((s) => s.id).sort(), [bob, carol]);

      // Nothing of the old format is left; duplicates are found through the new id index.
      const keys = await rawKeys(place);
      assert.deepEqual(legacyKeys(keys), []);
      assert.ok(!keys.includes(oldHeadKey(dave)));
      assert.deepEqual(await store.log.append(bob, [message(0, { id: 'o7' }), message(0, { id: repaired.id }), message(0, { id: 'new' })]), [
        { duplicate: true },
        { duplicate: true },
        { index: 249 },
      ]);
      await store.lock();

      // A second unlock finds nothing to migrate and writes nothing.
      const before = await withBackend(place, snapshot);
      const second = await unlocked(place);
      assert.deepEqual(second.health.migratedConversations, []);
      assert.equal(second.health.ok, true, JSON.stringify(second.health));
      assert.deepEqual(await withBackend(place, snapshot), before);
      assert.equal(readable((await second.store.log.loadNewest(bob, 1000)).entries).find((m) => m.index === 203)?.id, repaired.id);
      assert.equal(second.store.outbox.pending(bob).length, expected.length - 1);
    });

    it('a crash between two conversations\' batches: the next unlock finishes, every message and entry exactly once', async () => {
      const place = await kind.fresh();
      await oldVault(place);
      const backend = new ControlledBackend(await place.open());
      let batches = 0;
      backend.beforeWrite = () => {
        if (++batches === 2) backend.hang = true; // the tab dies while the second conversation's batch is written
      };
      const dying = await openStore({ backend, kdfLimits: cheapKdf, now: clock(), flushDelayMs: 60_000 });
      void dying.unlock(passphrase);
      while (batches < 2) await new Promise((resolve) => setImmediate(resolve));
      const keys = await rawKeys(place);
      assert.equal(legacyKeys(keys).length, 1, 'one conversation migrated, one still old');

      const { store, health } = await unlocked(place);
      assert.equal(health.migratedConversations.length, 1);
      assert.deepEqual(legacyKeys(await rawKeys(place)), []);
      const all = await everything(store);
      assert.equal(new Set(all).size, all.length, 'no message twice');
      assert.equal(all.length, 248 + 3);
      const pending = store.outbox.pending(bob).map((e) => e.messageId);
      assert.equal(new Set(pending).size, pending.length, 'no entry twice');
      assert.deepEqual(store.outbox.pending(carol).map((e) => e.messageId), ['o2']);
    });

    it('a migration the device has no room for waits, is reported, and runs again before a write to that conversation', async () => {
      const place = await kind.fresh();
      await oldVault(place, conversations.slice(0, 2));
      const backend = new ControlledBackend(await place.open());
      backend.failNext = 1;
      const { store, health } = await unlocked(place, backend);
      assert.deepEqual(health.legacyConversations, [bob]);
      assert.deepEqual(health.migratedConversations.map((m) => m.id), [carol]);
      assert.equal(health.ok, false);
      assert.deepEqual(store.log.summaries().map((s) => s.id), [carol]);
      assert.deepEqual(store.outbox.pending(bob), []);
      // Sending to Bob migrates his history first: the new message comes after it.
      const [result] = await store.log.append(bob, [message(0, { id: 'fresh', direction: 'out', state: 'waiting' })], { outboxFor: [bob] });
      assert.deepEqual(result, { index: 249 });
      const page = await store.log.loadNewest(bob, 3);
      assert.deepEqual(readable(page.entries).map((m) => m.id), ['o248', 'o249', 'fresh']);
      assert.equal(store.outbox.pending(bob).at(-1)?.messageId, 'fresh');
      const again = await unlocked(place);
      assert.deepEqual([again.health.legacyConversations, again.health.migratedConversations], [[], []]);
    });

    it('a failed delete of a conversation not yet migrated keeps it known, so a later unlock still migrates it', async () => {
      const place = await kind.fresh();
      await oldVault(place, conversations.slice(0, 2));
      const backend = new ControlledBackend(await place.open());
      backend.failNext = 1;
      const { store } = await unlocked(place, backend);
      backend.failNext = 1;
      await expectCode(store.log.remove(bob), 'STORAGE_QUOTA');
      // Any later write of the manifest must still name Bob's chunked conversation.
      await store.contacts.put({ ...store.contacts.get(carol)!, displayName: 'Carol' });
      await store.lock();
      const { store: again, health } = await unlocked(place);
      assert.deepEqual(health.migratedConversations.map((m) => m.id), [bob]);
      assert.equal(again.log.summary(bob)?.count, 249);
    });

    it('a lost or damaged old head is rebuilt from its chunks, never erased', async () => {
      const place = await kind.fresh();
      const lost: OldConversation = { id: bob, messages: Array.from({ length: 150 }, (_, i) => oldMessage(i)), chunkSize: 50 };
      const damaged: OldConversation = { id: carol, messages: [oldMessage(1), oldMessage(2)] };
      await oldVault(place, [lost, damaged]);
      await rawSet(place, oldHeadKey(bob), undefined);
      await rawSet(place, oldHeadKey(carol), flipBit(await rawGet(place, oldHeadKey(carol)), 200));
      const { store, health } = await unlocked(place);
      assert.deepEqual(health.damaged, [{ key: oldHeadKey(carol), reason: 'tampered' }]);
      assert.deepEqual(health.migratedConversations.map((m) => [m.id, m.messages, m.unreadable]).sort(), [
        [bob, 150, 0],
        [carol, 2, 0],
      ].sort());
      assert.deepEqual(readable((await store.log.loadNewest(bob, 1000)).entries).map((m) => m.id), lost.messages.map((m) => m.id));
      assert.deepEqual(readable((await store.log.loadNewest(carol, 10)).entries).map((m) => m.id), ['o1', 'o2']);
      assert.deepEqual(legacyKeys(await rawKeys(place)), []);
      assert.equal((await unlocked(place)).health.ok, true);
    });

    it('an odd old chunk (wrong first index, a repeat of its key) costs only its own messages', async () => {
      const place = await kind.fresh();
      const { masterKey, epochs } = await oldVault(place, [{ id: bob, messages: Array.from({ length: 30 }, (_, i) => oldMessage(i)), chunkSize: 10 }]);
      const epoch = epochs.get(bob)!;
      const key = oldChunkKey(bob, epoch, 1);
      await rawSet(place, key, await sealRecord(masterKey, key, { v: 1, first: 0, messages: [] }));
      const { store, health } = await unlocked(place);
      assert.deepEqual(health.damaged, [{ key, reason: 'malformed' }]);
      const page = await store.log.loadNewest(bob, 100);
      assert.deepEqual(page.entries.map((e) => (e.unreadable ? '?' : e.id)), [
        ...Array.from({ length: 10 }, (_, i) => `o${i}`),
        ...Array(10).fill('?'),
        ...Array.from({ length: 10 }, (_, i) => `o${i + 20}`),
      ]);
    });

    it('a backup made by the first version imports and is migrated', async () => {
      const source = await kind.fresh();
      await oldVault(source, conversations.slice(1, 2));
      const file = await withBackend(source, collectBackup);
      const target = await kind.fresh();
      const store = await storeOn(target);
      await store.createProfile('Someone', 'another passphrase here');
      const imported = await store.importBackup(file, passphrase);
      assert.deepEqual(imported.health.migratedConversations.map((m) => m.id), [carol]);
      assert.deepEqual(readable((await store.log.loadNewest(carol, 10)).entries).map((m) => m.id), ['o1', 'o2', 'o3']);
      assert.deepEqual(legacyKeys(await rawKeys(target)), []);
      assert.equal((await unlocked(target)).health.ok, true);
    });
  });
}
