// ConversationLog.moveConversation ("this is Bob on a new device"): the new key's conversation moves into Bob's,
// its outbox follows, in one batch; acks that arrive meanwhile are kept; a refused batch changes nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogEntry, LoggedMessage, StoredMessage } from '../../../src/store/records';
import { messageRecordKey } from '../../../src/store/records';
import { openStore, type TincanStore } from '../../../src/store/tincan-store';
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
  withBackend,
  type Place,
} from './helpers';

const bob = keyId(2); // the contact Bob had, with the conversation that stays
const newBob = keyId(9); // the contact made for Bob's new key

type Health = Awaited<ReturnType<TincanStore['unlock']>>['health'];

/** A store on `place`: unlocked when it holds a profile, else with a new one (health undefined). */
async function controlledStore(place: Place): Promise<{ store: TincanStore; backend: ControlledBackend; health: Health | undefined }> {
  const backend = new ControlledBackend(await place.open());
  const store = await openStore({ backend, kdfLimits: cheapKdf, now: clock(), flushDelayMs: 60_000 });
  const health = (await store.state()) === 'locked' ? (await store.unlock(passphrase)).health : undefined;
  if (!health) await store.createProfile('Ada', passphrase);
  return { store, backend, health };
}

const out = (id: string, i: number): StoredMessage => message(i, { id, direction: 'out', state: 'waiting' });
const inc = (id: string, i: number): StoredMessage => message(i, { id, direction: 'in', state: 'delivered', receivedAt: Date.UTC(2024, 4, 2) + i });
const readable = (entries: readonly LogEntry[]): LoggedMessage[] => entries.filter((e): e is LoggedMessage => !e.unreadable);
/** Appends in order, each outgoing message with an outbox entry for `peer`, incoming ones without. */
async function say(store: TincanStore, conversationId: string, peer: string, messages: readonly StoredMessage[]): Promise<void> {
  for (const m of messages) await store.log.append(conversationId, [m], m.direction === 'out' ? { outboxFor: [peer] } : {});
}
const view = async (store: TincanStore, id: string) => readable((await store.log.loadNewest(id, 100)).entries).map((m) => [m.index, m.id, m.state]);

for (const kind of backendKinds) {
  describe(`moveConversation over the ${kind.name}`, () => {
    it('appends the new key\'s messages to the earlier conversation, its outbox after the target\'s own, and removes it', async () => {
      const place = await kind.fresh();
      const first = await controlledStore(place);
      await say(first.store, bob, bob, [out('b0', 0), inc('b1', 1), out('b2', 2), inc('b3', 3)]);
      first.store.log.markRead(bob);
      const moving = [inc('n0', 10), out('n1', 11), inc('b1', 1), out('n3', 13), inc('n4', 14), out('n5', 15)];
      await say(first.store, newBob, newBob, moving);
      await first.store.flush();
      await rawSet(place, messageRecordKey(newBob, 5), flipBit(await rawGet(place, messageRecordKey(newBob, 5)), 100));
      const { store } = await controlledStore(place);
      await store.log.setStates(newBob, [{ id: 'n1', state: 'sent' }]); // in memory, not flushed

      // n5's record is damaged, but its outbox entry holds all a resend needs: it moves, rebuilt from the entry.
      assert.deepEqual(await store.log.moveConversation(newBob, bob), { moved: 5, duplicates: 1, unreadable: 0 });
      assert.deepEqual(await view(store, bob), [
        [0, 'b0', 'waiting'],
        [1, 'b1', 'delivered'],
        [2, 'b2', 'waiting'],
        [3, 'b3', 'delivered'],
        [4, 'n0', 'delivered'],
        [5, 'n1', 'sent'],
        [6, 'n3', 'waiting'],
        [7, 'n4', 'delivered'],
        [8, 'n5', 'waiting'],
      ]);
      const moved = readable((await store.log.loadNewest(bob, 100)).entries).slice(4);
      assert.deepEqual(moved.map(({ index: _index, ...m }) => m), [moving[0], { ...moving[1], state: 'sent' }, moving[3], moving[4], moving[5]]);
      assert.deepEqual(store.outbox.pending(bob).map((e) => [e.messageId, e.conversationId, e.index]), [
        ['b0', bob, 0],
        ['b2', bob, 2],
        ['n1', bob, 5],
        ['n3', bob, 6],
        ['n5', bob, 8],
      ]);
      assert.deepEqual(store.outbox.pending(newBob), []);
      assert.deepEqual(store.log.summaries().map((s) => [s.id, s.count, s.unread, s.lastMessage?.id]), [[bob, 9, 2, 'n5']]);
      const keys = await rawKeys(place);
      assert.deepEqual(keys.filter((k) => k.includes(newBob)), []);
      assert.deepEqual(await store.log.append(bob, [inc('n0', 10)]), [{ duplicate: true }]);
      assert.deepEqual(store.outbox.acknowledge(bob, ['n3']).map((e) => e.messageId), ['n3']);
      await store.flush();

      const { store: again, health } = await controlledStore(place);
      assert.equal(health?.ok, true, JSON.stringify(health));
      assert.deepEqual((await view(again, bob)).slice(4), [
        [4, 'n0', 'delivered'],
        [5, 'n1', 'sent'],
        [6, 'n3', 'delivered'],
        [7, 'n4', 'delivered'],
        [8, 'n5', 'waiting'],
      ]);
      assert.deepEqual(again.outbox.pending(bob).map((e) => e.messageId), ['b0', 'b2', 'n1', 'n5']);
      assert.deepEqual(again.log.summaries().map((s) => [s.id, s.count, s.unread]), [[bob, 9, 2]]);
      // Done already: nothing to move.
      assert.deepEqual(await again.log.moveConversation(newBob, bob), { moved: 0, duplicates: 0, unreadable: 0 });
      await assert.rejects(again.log.moveConversation(bob, bob), RangeError);
    });

    it('moves into a conversation that does not exist yet; a crash right after it loses nothing', async () => {
      const place = await kind.fresh();
      const { store } = await controlledStore(place);
      await say(store, newBob, newBob, [inc('n0', 0), out('n1', 1)]);
      const createdAt = store.log.summary(newBob)!.createdAt;
      await store.log.moveConversation(newBob, bob);
      assert.deepEqual(store.log.summaries().map((s) => [s.id, s.count, s.unread, s.createdAt]), [[bob, 2, 1, createdAt]]);
      // The tab dies without a flush.
      const { store: again, health } = await controlledStore(place);
      assert.equal(health?.ok, true, JSON.stringify(health));
      assert.deepEqual(await view(again, bob), [
        [0, 'n0', 'delivered'],
        [1, 'n1', 'waiting'],
      ]);
      assert.deepEqual(again.outbox.pending(bob).map((e) => e.messageId), ['n1']);
      assert.deepEqual(again.log.summaries().map((s) => s.id), [bob]);
    });

    it('a move the device refuses changes nothing, in memory or on disk', async () => {
      const place = await kind.fresh();
      const { store, backend } = await controlledStore(place);
      await store.log.append(bob, [out('b0', 0)], { outboxFor: [bob] });
      await store.log.append(newBob, [out('n0', 1)], { outboxFor: [newBob] });
      await store.flush();
      const before = await withBackend(place, snapshot);
      const summaries = store.log.summaries();
      backend.failNext = 1;
      await expectCode(store.log.moveConversation(newBob, bob), 'STORAGE_QUOTA');
      assert.deepEqual(await withBackend(place, snapshot), before);
      assert.deepEqual(store.log.summaries(), summaries);
      assert.deepEqual([store.outbox.pending(bob).map((e) => e.messageId), store.outbox.pending(newBob).map((e) => e.messageId)], [['b0'], ['n0']]);
      assert.deepEqual(await store.log.moveConversation(newBob, bob), { moved: 1, duplicates: 0, unreadable: 0 });
      assert.deepEqual(store.outbox.pending(bob).map((e) => e.messageId), ['b0', 'n0']);
    });

    it('acks that arrive while the move reads or writes are kept on the moved copies', async () => {
      const place = await kind.fresh();
      const { store, backend } = await controlledStore(place);
      await store.log.append(bob, [out('b0', 0)]);
      await store.log.append(newBob, [out('n0', 1), out('n1', 2), out('n2', 3)], { outboxFor: [newBob] });
      let reads = 0;
      backend.beforeGetMany = () => {
        // The move reads the source's messages, then looks their ids up in the target: the ack lands in between.
        if (++reads === 2) store.outbox.acknowledge(newBob, ['n0']);
      };
      backend.beforeWrite = () => {
        backend.beforeWrite = undefined;
        store.outbox.acknowledge(newBob, ['n1']);
      };
      await store.log.moveConversation(newBob, bob);
      backend.beforeGetMany = undefined;
      assert.equal(reads, 2);
      assert.deepEqual(store.outbox.pending(bob).map((e) => e.messageId), ['n2']);
      assert.deepEqual(await view(store, bob), [
        [0, 'b0', 'waiting'],
        [1, 'n0', 'delivered'],
        [2, 'n1', 'delivered'],
        [3, 'n2', 'waiting'],
      ]);
      await store.flush();
      const { store: again } = await controlledStore(place);
      assert.deepEqual(again.outbox.pending(bob).map((e) => e.messageId), ['n2']);
      assert.deepEqual((await view(again, bob)).map(([, id, state]) => `${id}:${state}`), ['b0:waiting', 'n0:delivered', 'n1:delivered', 'n2:waiting']);
    });
  });
}
