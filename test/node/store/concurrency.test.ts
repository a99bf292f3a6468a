// The store under races and failing writes: acks that arrive while their append or a flush is being written, lock
// during a flush, and batches refused by a full device (memory must then say what the disk says).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredMessage } from '../../../src/store/records';
import { openStore, type TincanStore } from '../../../src/store/tincan-store';
import { ControlledBackend, backendKinds, cheapKdf, clock, expectCode, idsOf, keyId, message, passphrase, type Place } from './helpers';

async function controlledStore(place: Place): Promise<{ store: TincanStore; backend: ControlledBackend }> {
  const backend = new ControlledBackend(await place.open());
  const store = await openStore({ backend, kdfLimits: cheapKdf, now: clock(), flushDelayMs: 60_000 });
  return { store, backend };
}

async function newProfile(place: Place): Promise<{ store: TincanStore; backend: ControlledBackend }> {
  const made = await controlledStore(place);
  await made.store.createProfile('Ada', passphrase);
  return made;
}

async function reopen(place: Place): Promise<TincanStore> {
  const { store } = await controlledStore(place);
  await store.unlock(passphrase);
  return store;
}

const out = (i: number): StoredMessage => message(i, { direction: 'out', state: 'waiting' });

async function statesOf(store: TincanStore, conversationId: string): Promise<Record<string, string>> {
  const page = await store.log.loadNewest(conversationId, 1000);
  return Object.fromEntries(page.entries.map((e) => (e.unreadable ? [String(e.index), '?'] : [e.id, e.state])));
}

for (const kind of backendKinds) {
  describe(`store races and failed writes over the ${kind.name}`, () => {
    it('an ack for a message whose append is still queued or being written removes its entry once it commits', async () => {
      const place = await kind.fresh();
      const { store, backend } = await newProfile(place);
      const bob = keyId(2);
      // Queued: the append has not started when the ack arrives (nothing to return yet).
      const queued = store.log.append('c', [out(0)], { outboxFor: [bob] });
      assert.deepEqual(store.outbox.acknowledge(bob, ['m0']), []);
      await queued;
      // Being written: the ack arrives while the append's batch is in flight.
      backend.beforeWrite = () => {
        backend.beforeWrite = undefined;
        store.outbox.acknowledge(bob, ['m1']);
      };
      await store.log.append('c', [out(1), out(2)], { outboxFor: [bob] });
      assert.deepEqual(store.outbox.pending(bob).map((e) => e.messageId), ['m2']);
      assert.deepEqual(await statesOf(store, 'c'), { m0: 'delivered', m1: 'delivered', m2: 'waiting' });
      await store.flush();
      const again = await reopen(place);
      assert.deepEqual(again.outbox.pending(bob).map((e) => e.messageId), ['m2']);
      assert.deepEqual(await statesOf(again, 'c'), { m0: 'delivered', m1: 'delivered', m2: 'waiting' });
    });

    it('appends and flushes racing run in call order: one index per id, each entry once, the head right', async () => {
      const place = await kind.fresh();
      const { store } = await newProfile(place);
      const bob = keyId(2);
      const [first, flushed, second] = await Promise.all([
        store.log.append('c', [out(0), out(1)], { outboxFor: [bob] }),
        store.flush(),
        store.log.append('c', [out(1), out(2)], { outboxFor: [bob] }),
        store.log.setStates('c', [{ id: 'm2', state: 'sent' }]),
      ]);
      assert.deepEqual([first, flushed, second], [[{ index: 0 }, { index: 1 }], undefined, [{ duplicate: true }, { index: 2 }]]);
      assert.deepEqual(store.outbox.pending(bob).map((e) => e.messageId), ['m0', 'm1', 'm2']);
      await Promise.all([store.flush(), store.log.append('c', [out(3)]), store.flush()]);
      const again = await reopen(place);
      assert.deepEqual(again.log.summary('c')?.count, 4);
      assert.deepEqual(await statesOf(again, 'c'), { m0: 'waiting', m1: 'waiting', m2: 'sent', m3: 'waiting' });
    });

    it('appends made while a write is under way share one transaction: each resolves once it is durable, with its own indexes', async () => {
      const place = await kind.fresh();
      const { store, backend } = await newProfile(place);
      const bob = keyId(2);
      await store.log.append('c', [out(0)], { outboxFor: [bob] });
      const before = backend.batches.length;
      // A person sending message after message: three sends while the first one's write is in flight.
      let later: Promise<readonly unknown[]>[] = [];
      const committedWhenResolved: number[] = [];
      backend.beforeWrite = () => {
        backend.beforeWrite = undefined;
        later = [2, 3, 4].map((i) => store.log.append('c', [out(i)], { outboxFor: [bob] }).then((r) => (committedWhenResolved.push(backend.batches.length), r)));
      };
      const first = await store.log.append('c', [out(1)], { outboxFor: [bob] });
      assert.deepEqual(first, [{ index: 1 }]);
      assert.deepEqual(await Promise.all(later), [[{ index: 2 }], [{ index: 3 }], [{ index: 4 }]]);
      // One write for the first, ONE for the three that came while it was written: each message with its id-index
      // entry and its outbox entry, in the same batch; and none resolved before that batch committed.
      assert.equal(backend.batches.length, before + 2);
      assert.equal(backend.batches.at(-1)!.length, 3 * 3);
      assert.deepEqual(committedWhenResolved, [before + 2, before + 2, before + 2]);
      assert.deepEqual(store.outbox.pending(bob).map((e) => e.messageId), ['m0', 'm1', 'm2', 'm3', 'm4']);
      await store.flush();
      const again = await reopen(place);
      assert.deepEqual(idsOf(await again.log.loadNewest('c', 10)), ['m0', 'm1', 'm2', 'm3', 'm4']);
      assert.deepEqual(again.outbox.pending(bob).map((e) => e.messageId), ['m0', 'm1', 'm2', 'm3', 'm4']);
    });

    it('a shared append fails every append in it, and an invalid message fails only its own append', async () => {
      const place = await kind.fresh();
      const { store, backend } = await newProfile(place);
      const bob = keyId(2);
      await store.log.append('c', [out(0)], { outboxFor: [bob] });
      backend.failNext = 1;
      const shared = [store.log.append('c', [out(1)], { outboxFor: [bob] }), store.log.append('c', [out(2)], { outboxFor: [bob] })];
      for (const append of shared) await expectCode(append, 'STORAGE_QUOTA');
      const bad = store.log.append('c', [{ id: 'x' } as unknown as StoredMessage]);
      const good = store.log.append('c', [out(3)], { outboxFor: [bob] });
      await assert.rejects(bad, TypeError);
      assert.deepEqual(await good, [{ index: 1 }]);
      assert.deepEqual(store.outbox.pending(bob).map((e) => e.messageId), ['m0', 'm3']);
      assert.deepEqual(idsOf(await store.log.loadNewest('c', 10)), ['m0', 'm3']);
    });

    it('an early ack is forgotten when its append fails or finds a duplicate', async () => {
      const place = await kind.fresh();
      const { store, backend } = await newProfile(place);
      const bob = keyId(2);
      await store.log.append('c', [out(0)], { outboxFor: [bob] });
      backend.failNext = 1;
      const failing = store.log.append('c', [out(1)], { outboxFor: [bob] });
      store.outbox.acknowledge(bob, ['m1']);
      await expectCode(failing, 'STORAGE_QUOTA');
      // Written again later (a new send): the earlier ack belonged to a write that never happened.
      await store.log.append('c', [out(1)], { outboxFor: [bob] });
      assert.deepEqual(store.outbox.pending(bob).map((e) => e.messageId), ['m0', 'm1']);
    });

    it('a flush with nothing to write settles the states it looked at', async () => {
      const place = await kind.fresh();
      const { store } = await newProfile(place);
      await store.log.append('c', [out(0)]);
      await store.log.setStates('c', [{ id: 'm0', state: 'waiting' }]);
      await store.flush();
      assert.equal(store.log.hasPendingFlush, false);
    });

    it('lock keeps an ack that arrives while its flush is being written', async () => {
      const place = await kind.fresh();
      const { store, backend } = await newProfile(place);
      const bob = keyId(2);
      await store.log.append('c', [out(0), out(1)], { outboxFor: [bob] });
      store.outbox.acknowledge(bob, ['m0']);
      backend.beforeWrite = () => {
        backend.beforeWrite = undefined;
        store.outbox.acknowledge(bob, ['m1']);
      };
      await store.lock();
      await store.unlock(passphrase);
      assert.deepEqual(store.outbox.pending(bob), []);
      assert.deepEqual(await statesOf(store, 'c'), { m0: 'delivered', m1: 'delivered' });
    });

    it('unlocks a full device: the repairs it cannot write stay pending and are written by a later flush', async () => {
      const place = await kind.fresh();
      const { store } = await newProfile(place);
      await store.log.append('c', [message(0)]);
      await store.log.append('c', [message(1), message(2), message(3)]);
      // The tab dies before the flush: the head is behind its records. The next unlock finds the device full.
      const { store: again, backend } = await controlledStore(place);
      const failures: string[] = [];
      again.on('flush-failed', (error) => failures.push(error.code));
      backend.failNext = 1;
      const { health } = await again.unlock(passphrase);
      assert.deepEqual(health.correctedHeads, ['c']);
      assert.deepEqual(failures, ['STORAGE_QUOTA']);
      assert.equal(again.log.summary('c')?.count, 4);
      assert.deepEqual(idsOf(await again.log.loadNewest('c', 10)), ['m0', 'm1', 'm2', 'm3']);
      await again.flush();
      const { store: third } = await controlledStore(place);
      const next = await third.unlock(passphrase);
      assert.deepEqual(next.health.correctedHeads, [], 'the corrected head was written');
    });

    it('a batch refused by a full device leaves memory as the disk has it (append, remove, flush)', async () => {
      const place = await kind.fresh();
      const { store, backend } = await newProfile(place);
      const bob = keyId(2);
      await store.log.append('c', [out(0)], { outboxFor: [bob] });
      const before = store.log.summary('c');
      backend.failNext = 1;
      await expectCode(store.log.append('c', [out(1), out(2)], { outboxFor: [bob] }), 'STORAGE_QUOTA');
      assert.deepEqual(store.log.summary('c'), before);
      assert.deepEqual(store.outbox.pending(bob).map((e) => e.messageId), ['m0']);
      // The same ids are new, not duplicates, and take the same indexes.
      assert.deepEqual(await store.log.append('c', [out(1)], { outboxFor: [bob] }), [{ index: 1 }]);
      backend.failNext = 1;
      await expectCode(store.log.remove('c'), 'STORAGE_QUOTA');
      assert.equal(store.log.summary('c')?.count, 2);
      assert.deepEqual(store.outbox.pending(bob).map((e) => e.messageId), ['m0', 'm1']);
      store.outbox.acknowledge(bob, ['m0']);
      store.log.markRead('c');
      backend.failNext = 1;
      await expectCode(store.flush(), 'STORAGE_QUOTA');
      assert.equal(store.log.hasPendingFlush, true);
      assert.equal(store.outbox.hasPendingRemovals, true);
      await store.flush();
      const again = await reopen(place);
      assert.deepEqual(again.outbox.pending(bob).map((e) => e.messageId), ['m1']);
      assert.deepEqual(await statesOf(again, 'c'), { m0: 'delivered', m1: 'waiting' });
    });
  });
}
