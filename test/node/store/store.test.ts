// The store over the memory backend and the file backend: the log, the outbox, crashes, healing, rollbacks, lock,
// backup and transcript. Each test reopens the store on the same records as a reload (or a restart) would.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sealRecord, unwrapMasterKey } from '../../../src/crypto/vault';
import type { RecordBackend } from '../../../src/store/record-backend';
import {
  contactRecordKey,
  headRecordKey,
  messageRecordKey,
  wrappedKeyRecordKey,
  type Contact,
} from '../../../src/store/records';
import { TincanError } from '../../../src/errors';
import { openStore, type TincanStore } from '../../../src/store/tincan-store';
import {
  ObjectWitness,
  backendKinds,
  cheapKdf,
  expectCode,
  flipBit,
  idsOf,
  keyId,
  message,
  passphrase,
  range,
  storeOn,
  transcriptLabels,
  rawGet,
  rawKeys,
  rawSet,
  snapshot,
  withBackend,
  ControlledBackend,
  type Place,
} from './helpers';

async function newProfile(place: Place, options: Parameters<typeof storeOn>[1] = {}): Promise<TincanStore> {
  const store = await storeOn(place, options);
  await store.createProfile('Ada', passphrase);
  return store;
}

/** The same records, opened again and unlocked (after a reload; the old object is simply dropped). */
async function reopen(place: Place, options: Parameters<typeof storeOn>[1] = {}) {
  const store = await storeOn(place, options);
  const { health, profile } = await store.unlock(passphrase);
  return { store, health, profile };
}

function contact(id: string, overrides: Partial<Contact> = {}): Contact {
  return { id, pinnedKey: id, displayName: `Peer ${id.slice(0, 3)}`, verified: false, firstSeen: 1, lastSeen: 2, ...overrides };
}

for (const kind of backendKinds) {
  describe(`store over the ${kind.name}`, () => {
    describe('vault and profile', () => {
      it('creates a profile; a reopened store unlocks to the same identity, with nothing to report', async () => {
        const place = await kind.fresh();
        const store = await storeOn(place);
        assert.equal(await store.state(), 'empty');
        const profile = await store.createProfile('  Ada Lovelace ', passphrase);
        assert.equal(profile.name, 'Ada Lovelace');
        assert.equal(await store.state(), 'unlocked');
        const again = await storeOn(place);
        assert.equal(await again.state(), 'locked');
        assert.throws(() => again.contacts.all(), { code: 'VAULT_LOCKED' });
        const { profile: unlocked, health } = await again.unlock(passphrase);
        assert.equal(unlocked.name, 'Ada Lovelace');
        assert.deepEqual(unlocked.identity.publicKey, profile.identity.publicKey);
        assert.deepEqual(unlocked.identity.secretKey, profile.identity.secretKey);
        assert.equal(health.ok, true, JSON.stringify(health));
        await expectCode(again.createProfile('Eve', 'x'.repeat(20)), 'VAULT_LOCKED');
      });

      it('a wrong passphrase says WRONG_PASSPHRASE, a flipped bit in the wrapped key VAULT_DAMAGED; nothing changes', async () => {
        const place = await kind.fresh();
        const store = await newProfile(place);
        await store.log.append('c', [message(0), message(1)]);
        await store.flush();
        const before = await withBackend(place, snapshot);
        const again = await storeOn(place);
        await expectCode(again.unlock('correct horse battery stapler'), 'WRONG_PASSPHRASE');
        await expectCode(again.changePassphrase('wrong', 'new passphrase 123'), 'WRONG_PASSPHRASE');
        assert.deepEqual(await withBackend(place, snapshot), before);
        const wrapped = await rawGet(place, wrappedKeyRecordKey);
        for (const bit of [0, 13, 100, 400, 790, wrapped.length * 8 - 1]) {
          await rawSet(place, wrappedKeyRecordKey, flipBit(wrapped, bit));
          await expectCode((await storeOn(place)).unlock(passphrase), 'VAULT_DAMAGED');
        }
        await rawSet(place, wrappedKeyRecordKey, wrapped);
        const { store: reopened } = await reopen(place);
        assert.deepEqual(idsOf(await reopened.log.loadNewest('c', 10)), range(0, 2));
      });

      it('lock flushes, then wipes the master key, the identity secret key and every cache', async () => {
        const place = await kind.fresh();
        const store = await newProfile(place);
        const profile = store.profile();
        const secretKey = profile.identity.secretKey;
        assert.ok(secretKey.some((b) => b !== 0));
        await store.contacts.put(contact(keyId(1)));
        await store.log.append('c', [message(1)]);
        store.log.markRead('c');
        await store.lock();
        assert.ok(secretKey.every((b) => b === 0), 'identity secret key zeroed');
        assert.equal(await store.state(), 'locked');
        assert.throws(() => store.contacts.all(), { code: 'VAULT_LOCKED' });
        assert.throws(() => store.log.summaries(), { code: 'VAULT_LOCKED' });
        assert.throws(() => store.outbox.pending('x'), { code: 'VAULT_LOCKED' });
        assert.throws(() => store.profile(), { code: 'VAULT_LOCKED' });
        await expectCode(store.log.loadNewest('c', 1), 'VAULT_LOCKED');
        // The flush at lock kept markRead.
        const { profile: again } = await store.unlock(passphrase);
        assert.equal(store.log.summary('c')?.unread, 0);
        assert.deepEqual(again.identity.publicKey, profile.identity.publicKey);
      });

      it('locks only after operations already under way, which still seal with the real key', async () => {
        const place = await kind.fresh();
        const store = await newProfile(place);
        const appending = store.log.append('c', Array.from({ length: 300 }, (_, i) => message(i)));
        const locking = store.lock();
        await appending;
        await locking;
        await store.unlock(passphrase);
        const page = await store.log.loadNewest('c', 1000);
        assert.deepEqual(idsOf(page), range(0, 300));
      });

      it('changes the passphrase by re-wrapping only the master key; forgetDevice removes everything', async () => {
        const place = await kind.fresh();
        const store = await newProfile(place);
        await store.log.append('c', [message(0)]);
        await store.changePassphrase(passphrase, 'a whole new passphrase');
        await expectCode((await storeOn(place)).unlock(passphrase), 'WRONG_PASSPHRASE');
        const again = await storeOn(place);
        await again.unlock('a whole new passphrase');
        assert.deepEqual(idsOf(await again.log.loadNewest('c', 5)), ['m0']);
        await again.forgetDevice();
        assert.deepEqual(await rawKeys(place), []);
        assert.equal(await again.state(), 'empty');
      });
      it('flushes by itself after flushDelayMs; a failed flush is reported and retried, losing nothing', async () => {
        const place = await kind.fresh();
        const backend = await place.open();
        let failWrites = false;
        const flaky: RecordBackend = {
          get: (key) => backend.get(key),
          getMany: (keys) => backend.getMany(keys),
          keys: (prefix) => backend.keys(prefix),
          write: (batch) => (failWrites ? Promise.reject(new TincanError('STORAGE_QUOTA')) : backend.write(batch)),
          clear: () => backend.clear(),
          close: () => backend.close(),
        };
        const store = await openStore({ backend: flaky, kdfLimits: cheapKdf, flushDelayMs: 5 });
        await store.createProfile('Ada', passphrase);
        await store.log.append('c', [message(1), message(3)]);
        failWrites = true;
        // The scheduled flush fails: waited for by its event, not a fixed time.
        const failed = new Promise<string>((resolve) => store.on('flush-failed', (error) => resolve(error.code)));
        store.log.markRead('c');
        assert.equal(await failed, 'STORAGE_QUOTA');
        failWrites = false;
        store.log.markRead('c'); // nothing new, but the failed head is still pending
        await store.flush();
        assert.equal((await reopen(place)).store.log.summary('c')?.unread, 0);
      });
    });

    describe('conversation log', () => {
      it('appends, pages newest first, and finds duplicates across the whole conversation, after a reopen too', async () => {
        const place = await kind.fresh();
        const store = await newProfile(place);
        for (let from = 0; from < 350; from += 50) {
          const results = await store.log.append('c', Array.from({ length: 50 }, (_, i) => message(from + i)));
          assert.deepEqual(results, Array.from({ length: 50 }, (_, i) => ({ index: from + i })));
        }
        // Old ids (far from the tail), a repeat inside the batch, and a new one.
        const mixed = await store.log.append('c', [message(3), message(200), message(350), message(350), message(349)]);
        assert.deepEqual(mixed, [{ duplicate: true }, { duplicate: true }, { index: 350 }, { duplicate: true }, { duplicate: true }]);
        await store.flush();
        const { store: again } = await reopen(place);
        // Nothing of the ids is in memory now: the id index answers.
        assert.deepEqual(await again.log.append('c', [message(0), message(123), message(351)]), [{ duplicate: true }, { duplicate: true }, { index: 351 }]);
        const newest = await again.log.loadNewest('c', 5);
        assert.deepEqual(idsOf(newest), range(347, 352));
        assert.deepEqual(newest.entries.map((e) => e.index), [347, 348, 349, 350, 351]);
        assert.equal(newest.count, 352);
        assert.equal(newest.hasOlder, true);
        const older = await again.log.loadBefore('c', newest.firstIndex, 4);
        assert.deepEqual(idsOf(older), range(343, 347));
        const oldest = await again.log.loadBefore('c', 3, 10);
        assert.deepEqual(idsOf(oldest), range(0, 3));
        assert.equal(oldest.hasOlder, false);
        assert.deepEqual(idsOf(await again.log.loadBefore('c', 0, 10)), []);
        assert.equal((await again.log.loadNewest('nobody', 10)).count, 0);
        // Duplicates in another conversation are not duplicates here.
        assert.deepEqual(await again.log.append('other', [message(0)]), [{ index: 0 }]);
      });

      it('keeps summaries in memory: unread, last message, usage bytes; markRead; ids with odd characters', async () => {
        const place = await kind.fresh();
        const store = await newProfile(place);
        await store.log.append('alice', [message(1, { text: 'hi Ada' }), message(3, { text: 'are you there?' })]);
        await store.log.append('bob/42 ünï', [message(4, { text: 'hello Bob' })]);
        const [first, second] = store.log.summaries();
        assert.equal(first?.id, 'bob/42 ünï');
        assert.deepEqual([second?.id, second?.count, second?.unread, second?.lastMessage?.text], ['alice', 2, 2, 'are you there?']);
        assert.ok(store.log.usageBytes('alice') > 2 * 60, `usage ${store.log.usageBytes('alice')}`);
        assert.equal(store.log.usageBytes('nobody'), 0);
        store.log.markRead('alice');
        await store.flush();
        const { store: again } = await reopen(place);
        assert.equal(again.log.summary('alice')?.unread, 0);
        assert.equal(again.log.usageBytes('alice'), store.log.usageBytes('alice'));
        assert.deepEqual(idsOf(await again.log.loadNewest('bob/42 ünï', 5)), ['m4']);
      });

      it('moves states forward only, in memory at once, written by the flush', async () => {
        const place = await kind.fresh();
        const store = await newProfile(place);
        await store.log.append('c', Array.from({ length: 20 }, (_, i) => message(i, { direction: 'out', state: 'waiting' })));
        assert.deepEqual(await store.log.setStates('c', [{ id: 'm3', state: 'delivered' }, { id: 'nope', state: 'sent' }]), { unknown: ['nope'] });
        await store.log.setStates('c', [{ id: 'm3', state: 'sent' }, { id: 'm19', state: 'sent' }]);
        const states = async (s: TincanStore) =>
          Object.fromEntries((await s.log.loadNewest('c', 100)).entries.map((e) => [e.unreadable ? e.index : e.id, e.unreadable ? '?' : e.state]));
        assert.deepEqual([(await states(store)).m3, (await states(store)).m19], ['delivered', 'sent']);
        assert.equal(store.log.summary('c')?.lastMessage?.state, 'sent');
        await store.flush();
        const { store: again } = await reopen(place);
        const after = await states(again);
        assert.deepEqual([after.m3, after.m19, after.m18], ['delivered', 'sent', 'waiting']);
        assert.equal(again.log.summary('c')?.lastMessage?.state, 'sent');
        // State changes after a reopen find their message through the id index.
        await again.log.setStates('c', [{ id: 'm0', state: 'delivered' }]);
        assert.equal((await states(again)).m0, 'delivered');
      });

      it('deletes a conversation and its outbox entries in one batch; a new one with the same id starts empty', async () => {
        const place = await kind.fresh();
        const store = await newProfile(place);
        await store.log.append('gone', Array.from({ length: 30 }, (_, i) => message(i, { direction: 'out' })), { outboxFor: [keyId(1)] });
        await store.log.append('kept', [message(0, { direction: 'out' })], { outboxFor: [keyId(1)] });
        await store.log.remove('gone');
        const keys = await rawKeys(place);
        assert.deepEqual(keys.filter((k) => k.startsWith('conv/gone/')), []);
        assert.equal(keys.filter((k) => k.startsWith('out/')).length, 1);
        assert.deepEqual(store.log.summaries().map((s) => s.id), ['kept']);
        assert.deepEqual(store.outbox.pending(keyId(1)).map((e) => e.conversationId), ['kept']);
        assert.deepEqual(await store.log.append('gone', [message(5)]), [{ index: 0 }]);
        const { store: again, health } = await reopen(place);
        assert.equal(health.ok, true, JSON.stringify(health));
        assert.deepEqual(idsOf(await again.log.loadNewest('gone', 100)), ['m5']);
      });
    });

    describe('outbox', () => {
      it('keeps outgoing messages in order until acknowledged; acks mark them delivered; unknown ids are ignored', async () => {
        const place = await kind.fresh();
        const store = await newProfile(place);
        const bob = keyId(2);
        const carol = keyId(3);
        const out = (i: number) => message(i, { direction: 'out', state: 'waiting' });
        await store.log.append('c', [out(0), out(1), out(2)], { outboxFor: [bob] });
        await store.log.append('c', [out(3), out(4)], { outboxFor: [bob, carol] });
        await store.log.append('c', [out(1)], { outboxFor: [bob] }); // a duplicate makes no second entry
        assert.deepEqual(store.outbox.pending(bob).map((e) => e.messageId), range(0, 5));
        assert.deepEqual(store.outbox.pending(carol).map((e) => [e.messageId, e.index, e.text]), [
          ['m3', 3, 'message 3'],
          ['m4', 4, 'message 4'],
        ]);
        assert.deepEqual([...store.outbox.peersWithPending()].sort(), [bob, carol].sort());
        const found = store.outbox.acknowledge(bob, ['m2', 'unknown', 'm0', 'm0']);
        assert.deepEqual(found.map((e) => e.messageId), ['m2', 'm0']);
        assert.deepEqual(store.outbox.pending(bob).map((e) => e.messageId), ['m1', 'm3', 'm4']);
        assert.deepEqual(store.outbox.acknowledge('nobody', ['m1']), []);
        const stateOf = async (s: TincanStore, id: string) =>
          (await s.log.loadNewest('c', 10)).entries.find((e) => !e.unreadable && e.id === id);
        const m2 = await stateOf(store, 'm2');
        assert.equal(m2 && !m2.unreadable ? m2.state : undefined, 'delivered');
        await store.flush();
        const { store: again } = await reopen(place);
        assert.deepEqual(again.outbox.pending(bob).map((e) => e.messageId), ['m1', 'm3', 'm4']);
        assert.deepEqual(again.outbox.pending(carol).map((e) => e.messageId), ['m3', 'm4']);
        const m0 = await stateOf(again, 'm0');
        assert.equal(m0 && !m0.unreadable ? m0.state : undefined, 'delivered');
        // New entries continue the sequence after a reopen.
        await again.log.append('c', [out(5)], { outboxFor: [bob] });
        assert.deepEqual(again.outbox.pending(bob).map((e) => e.messageId), ['m1', 'm3', 'm4', 'm5']);
      });

      it('keeps a mailbox\'s held mark in the flush that writes "sent", finds it after a reopen, until acknowledged', async () => {
        const place = await kind.fresh();
        const backend = new ControlledBackend(await place.open());
        const store = await newProfile({ open: async () => backend });
        const bob = keyId(2);
        await store.log.append('c', [0, 1, 2].map((i) => message(i, { direction: 'out', state: 'waiting' })), { outboxFor: [bob] });
        await store.log.setStates('c', [{ id: 'm0', state: 'sent' }, { id: 'm1', state: 'sent' }]);
        await store.log.setStates('c', [{ id: 'm1', state: 'held' }]);
        await store.log.setStates('c', [{ id: 'm1', state: 'sent' }]); // handed on again elsewhere: still held
        backend.batches.length = 0;
        await store.flush();
        const written = backend.batches.flat().map((w) => ('key' in w ? w.key : w.prefix));
        assert.deepEqual(written.filter((key) => key.startsWith('conv/c/m/')), [messageRecordKey('c', 0), messageRecordKey('c', 1)], 'one write each, "held" riding with "sent"');
        assert.deepEqual(await store.log.heldOutgoing(), [{ conversationId: 'c', id: 'm1' }]);

        const { store: again } = await reopen(place);
        assert.deepEqual(await again.log.heldOutgoing(), [{ conversationId: 'c', id: 'm1' }]);
        const shown = async (s: TincanStore) => (await s.log.loadNewest('c', 10)).entries.map((e) => (e.unreadable ? '?' : e.state));
        assert.deepEqual(await shown(again), ['sent', 'held', 'waiting']);
        again.outbox.acknowledge(bob, ['m1']);
        assert.deepEqual(await again.log.heldOutgoing(), [], 'acknowledged: delivered, not held');
        assert.deepEqual(await shown(again), ['sent', 'delivered', 'waiting']);
        await again.log.setStates('c', [{ id: 'm1', state: 'held' }]); // a mailbox's late answer
        await again.flush();
        assert.deepEqual(await shown((await reopen(place)).store), ['sent', 'delivered', 'waiting']);
      });
    });

    describe('crashes and healing', () => {
      it('a crash before a flush loses nothing: heads are corrected from the records, duplicates still found', async () => {
        const place = await kind.fresh();
        const store = await newProfile(place);
        await store.log.append('c', [message(0)]);
        await store.flush();
        await store.log.append('c', Array.from({ length: 40 }, (_, i) => message(i + 1)), { outboxFor: [keyId(2)] });
        await store.log.append('d', [message(100), message(101)]);
        await store.log.setStates('c', [{ id: 'm2', state: 'sent' }]);
        store.outbox.acknowledge(keyId(2), ['m2']);
        // The tab dies here: no flush, no lock.
        const { store: again, health } = await reopen(place);
        assert.equal(health.ok, true, JSON.stringify(health));
        assert.deepEqual([...health.correctedHeads].sort(), ['c']);
        const summary = again.log.summary('c');
        assert.equal(summary?.count, 41);
        assert.equal(summary?.lastMessage?.id, 'm40');
        assert.equal(summary?.unread, 20);
        assert.equal(summary?.usageBytes, store.log.usageBytes('c'));
        assert.deepEqual(idsOf(await again.log.loadNewest('c', 100)), range(0, 41));
        assert.deepEqual(idsOf(await again.log.loadNewest('d', 100)), ['m100', 'm101']);
        assert.deepEqual(await again.log.append('c', [message(7), message(41)]), [{ duplicate: true }, { index: 41 }]);
        // The unflushed ack comes back: resent and acknowledged again, never lost.
        assert.deepEqual(again.outbox.pending(keyId(2)).map((e) => e.messageId), range(1, 41));
      });

      it('a deleted head is rebuilt from the message records and reported; nothing is erased', async () => {
        const place = await kind.fresh();
        const store = await newProfile(place);
        await store.log.append('c', Array.from({ length: 25 }, (_, i) => message(i)));
        await store.log.append('other', [message(0)]);
        await store.flush();
        const before = (await rawKeys(place)).filter((k) => k.startsWith('conv/'));
        await rawSet(place, headRecordKey('c'), undefined);
        const { store: again, health } = await reopen(place);
        assert.equal(health.ok, false);
        assert.deepEqual(health.rebuiltHeads, ['c']);
        assert.deepEqual(health.missing.map((m) => [m.kind, m.id]), [['head', 'c']]);
        assert.equal(again.log.summary('c')?.count, 25);
        assert.deepEqual(idsOf(await again.log.loadNewest('c', 100)), range(0, 25));
        const after = (await rawKeys(place)).filter((k) => k.startsWith('conv/'));
        assert.deepEqual(after, before, 'every record is still there, the head rewritten');
        assert.deepEqual(await again.log.append('c', [message(3), message(25)]), [{ duplicate: true }, { index: 25 }]);
        // Healed: the next unlock has nothing to say.
        await again.flush();
        assert.equal((await reopen(place)).health.ok, true);
      });

      it('a damaged head is rebuilt; a damaged message is an unreadable entry; the rest loads', async () => {
        const place = await kind.fresh();
        const store = await newProfile(place);
        await store.log.append('c', Array.from({ length: 10 }, (_, i) => message(i)));
        await store.flush();
        await rawSet(place, headRecordKey('c'), flipBit(await rawGet(place, headRecordKey('c')), 300));
        await rawSet(place, messageRecordKey('c', 4), flipBit(await rawGet(place, messageRecordKey('c', 4)), 250));
        // A record moved under another key does not open there either.
        await rawSet(place, messageRecordKey('c', 6), await rawGet(place, messageRecordKey('c', 7)));
        const { store: again, health } = await reopen(place);
        assert.deepEqual(health.damaged.map((d) => [d.key, d.reason]), [[headRecordKey('c'), 'tampered']]);
        assert.deepEqual(health.rebuiltHeads, ['c']);
        const page = await again.log.loadNewest('c', 100);
        assert.deepEqual(idsOf(page), ['m0', 'm1', 'm2', 'm3', '?', 'm5', '?', 'm7', 'm8', 'm9']);
        assert.deepEqual(page.entries[4], { index: 4, unreadable: true, reason: 'tampered' });
      });

      it('a head or contact restored from an older copy is reported until accepted; nothing is truncated', async () => {
        const place = await kind.fresh();
        const witness = new ObjectWitness();
        const store = await newProfile(place, { witness });
        const bob = keyId(2);
        await store.contacts.put(contact(bob, { verified: true }));
        await store.log.append('c', Array.from({ length: 5 }, (_, i) => message(i)));
        await store.flush();
        const oldContact = await rawGet(place, contactRecordKey(bob));
        const oldHead = await rawGet(place, headRecordKey('c'));
        // Bob's key changed: no longer verified. More messages.
        await store.contacts.put(contact(bob, { pinnedKey: keyId(9), verified: false, keyChange: { previousKey: bob, changedAt: 5, acknowledged: false } }));
        await store.log.append('c', Array.from({ length: 5 }, (_, i) => message(i + 5)));
        await store.flush();
        await rawSet(place, contactRecordKey(bob), oldContact);
        await rawSet(place, headRecordKey('c'), oldHead);
        const { store: again, health } = await reopen(place, { witness });
        assert.equal(health.ok, false);
        assert.equal(health.restoredFromOlderCopy, false);
        assert.deepEqual(health.rolledBack.map((r) => [r.kind, r.id]).sort(), [['contact', bob], ['head', 'c']]);
        assert.deepEqual(health.rolledBackContacts, [bob]);
        // Reported, not hidden or "fixed" by the store: the app clears verified and warns.
        assert.equal(again.contacts.get(bob)?.verified, true);
        // The older head is behind its records: corrected, nothing lost.
        assert.equal(again.log.summary('c')?.count, 10);
        assert.deepEqual(idsOf(await again.log.loadNewest('c', 100)), range(0, 10));
        // Still reported on the next unlock (the head was rewritten by the flush, so only the contact remains).
        const second = await reopen(place, { witness });
        assert.deepEqual(second.health.rolledBackContacts, [bob]);
        await second.store.acceptRestoredState();
        assert.equal(second.store.health()?.ok, true);
        assert.equal((await reopen(place, { witness })).health.ok, true);
      });

      it('a contact written again after a rollback is no longer reported', async () => {
        const place = await kind.fresh();
        const store = await newProfile(place);
        const bob = keyId(2);
        await store.contacts.put(contact(bob, { verified: true }));
        const old = await rawGet(place, contactRecordKey(bob));
        await store.contacts.put(contact(bob, { verified: false }));
        await rawSet(place, contactRecordKey(bob), old);
        const { store: again, health } = await reopen(place);
        assert.deepEqual(health.rolledBackContacts, [bob]);
        await again.contacts.put({ ...again.contacts.get(bob)!, verified: false });
        assert.equal((await reopen(place)).health.ok, true);
      });

      it('a whole vault restored from an older copy is noticed through the witness, until accepted', async () => {
        const place = await kind.fresh();
        const witness = new ObjectWitness();
        const store = await newProfile(place, { witness });
        await store.log.append('c', Array.from({ length: 3 }, (_, i) => message(i)));
        await store.contacts.put(contact(keyId(2)));
        await store.flush();
        const backend = await place.open();
        const copy = await snapshot(backend);
        await store.log.append('c', Array.from({ length: 3 }, (_, i) => message(i + 3)));
        await store.contacts.put(contact(keyId(2), { verified: true }));
        await store.lock();
        assert.ok((witness.value ?? 0) > 0);
        // Restore the older copy of every record.
        await backend.write([
          { prefix: '', removePrefix: true },
          ...[...copy].map(([key, hex]) => ({ key, value: new Uint8Array(Buffer.from(hex, 'hex')) })),
        ]);
        const { store: again, health } = await reopen(place, { witness });
        assert.equal(health.restoredFromOlderCopy, true);
        assert.equal(health.ok, false);
        assert.ok((health.counters.witness ?? 0) > health.counters.manifest);
        assert.deepEqual(idsOf(await again.log.loadNewest('c', 10)), range(0, 3));
        // Writing more does not make the notice go away by itself...
        await again.log.append('c', [message(10)]);
        await again.lock();
        const second = await reopen(place, { witness });
        assert.equal(second.health.restoredFromOlderCopy, true);
        // ... accepting it does.
        await second.store.acceptRestoredState();
        await second.store.lock();
        const third = await reopen(place, { witness });
        assert.equal(third.health.restoredFromOlderCopy, false);
        assert.equal(third.health.ok, true, JSON.stringify(third.health));
      });

      it('a lost manifest is rebuilt from the records and reported', async () => {
        const place = await kind.fresh();
        const store = await newProfile(place);
        await store.log.append('c', [message(0), message(1)]);
        await store.contacts.put(contact(keyId(4)));
        await store.flush();
        await rawSet(place, 'vault/manifest', undefined);
        const { store: again, health } = await reopen(place);
        assert.equal(health.manifest, 'missing');
        assert.equal(again.log.summary('c')?.count, 2);
        assert.equal(again.contacts.all().length, 1);
        assert.equal((await reopen(place)).health.ok, true);
      });
    });

    describe('contacts and settings', () => {
      it('keeps every contact in memory, finds one by its pinned key, writes through', async () => {
        const place = await kind.fresh();
        const store = await newProfile(place);
        const [a, b] = [keyId(1), keyId(2)];
        await store.contacts.put(contact(a, { lastSeen: 10, dtlsFingerprint: keyId(7), quotaBytes: 1_000_000 }));
        await store.contacts.put(contact(b, { lastSeen: 20, lookalikeOf: a }));
        await store.contacts.put(contact(a, { lastSeen: 30, pinnedKey: keyId(5), movedTo: b }));
        assert.deepEqual(store.contacts.all().map((c) => c.id), [a, b]);
        assert.equal(store.contacts.findByKey(keyId(5))?.id, a);
        assert.equal(store.contacts.findByKey(a), undefined);
        await assert.rejects(store.contacts.put({ ...contact(a), displayName: 42 } as unknown as Contact), TypeError);
        await store.settings.saveIceServers([{ urls: 'stun:stun.example.org:3478' }]);
        const { store: again } = await reopen(place);
        // put stores the whole contact: fields left out of the third put are gone.
        assert.deepEqual(again.contacts.get(a), contact(a, { lastSeen: 30, pinnedKey: keyId(5), movedTo: b }));
        assert.equal(again.contacts.get(b)?.lookalikeOf, a);
        assert.deepEqual(again.settings.iceServers(), [{ urls: 'stun:stun.example.org:3478' }]);
        await again.contacts.remove(b);
        const third = await reopen(place);
        assert.deepEqual(third.store.contacts.all().map((c) => c.id), [a]);
        assert.equal(third.health.ok, true, JSON.stringify(third.health));
      });

      it('skips a contact record swapped with another', async () => {
        const place = await kind.fresh();
        const store = await newProfile(place);
        const [a, b] = [keyId(1), keyId(2)];
        await store.contacts.put(contact(a));
        await store.contacts.put(contact(b));
        const [va, vb] = [await rawGet(place, contactRecordKey(a)), await rawGet(place, contactRecordKey(b))];
        await rawSet(place, contactRecordKey(a), vb);
        await rawSet(place, contactRecordKey(b), va);
        const { store: again, health } = await reopen(place);
        assert.deepEqual(again.contacts.all(), []);
        assert.deepEqual(health.damaged.map((d) => d.reason), ['tampered', 'tampered']);
      });
    });

    describe('backup and transcript', () => {
      it('round-trips a backup into a fresh store, which becomes the new baseline', async () => {
        const source = await kind.fresh();
        const witness = new ObjectWitness();
        const store = await newProfile(source);
        await store.log.append('c', Array.from({ length: 23 }, (_, i) => message(i, { direction: 'out' })), { outboxFor: [keyId(2)] });
        await store.contacts.put(contact(keyId(2), { displayName: 'Grace' }));
        const file = await store.exportBackup();
        const asText = Buffer.from(file).toString('latin1');
        assert.ok(!asText.includes('message 1') && !asText.includes('Grace'), 'nothing readable in the file');
        const target = await kind.fresh();
        witness.value = 1_000; // the target device has seen a later counter than the backup's
        const other = await newProfile(target, { witness });
        const imported = await other.importBackup(file, passphrase);
        assert.deepEqual(imported.profile.identity.publicKey, store.profile().identity.publicKey);
        assert.deepEqual(imported.skipped, []);
        assert.equal(imported.health.restoredFromOlderCopy, false);
        assert.deepEqual(idsOf(await other.log.loadNewest('c', 100)), range(0, 23));
        assert.deepEqual(other.outbox.pending(keyId(2)).length, 23);
        assert.deepEqual(other.contacts.all().map((c) => c.displayName), ['Grace']);
        const again = await reopen(target, { witness });
        assert.equal(again.health.ok, true, JSON.stringify(again.health));
        assert.deepEqual(idsOf(await again.store.log.loadNewest('c', 3)), range(20, 23));
      });

      it('leaves device-only collection records (ids starting with ~) out of a backup, and out of an import', async () => {
        const source = await kind.fresh();
        const store = await newProfile(source);
        const chains = store.collection('chains');
        await chains.put('~device', { device: 'this one' });
        await chains.put('out:c:1', { kept: true });
        const file = await store.exportBackup();
        assert.ok(!Buffer.from(file).toString('latin1').includes('x/chains/~device'), 'not in the file');
        const target = await kind.fresh();
        const other = await newProfile(target);
        await other.collection('chains').put('~device', { device: 'the target\'s own' });
        await other.importBackup(file, passphrase);
        assert.deepEqual((await other.collection('chains').loadAll()).records.map((r) => r.id), ['out:c:1'], 'the import replaced everything, the mark too');
      });

      it('refuses a wrong passphrase or a damaged file and leaves the target as it was', async () => {
        const source = await kind.fresh();
        const store = await newProfile(source);
        await store.log.append('c', [message(0)]);
        const file = await store.exportBackup();
        const target = await kind.fresh();
        const other = await storeOn(target);
        await other.createProfile('Someone else', 'another passphrase here');
        await other.log.append('mine', [message(0), message(1)]);
        await other.flush();
        const before = await withBackend(target, snapshot);
        await expectCode(other.importBackup(file, 'not the passphrase'), 'WRONG_PASSPHRASE');
        await expectCode(other.importBackup(file.subarray(0, file.length - 10), passphrase), 'BACKUP_INVALID');
        await expectCode(other.importBackup(flipBit(file, 800), passphrase), 'BACKUP_INVALID');
        await expectCode(other.importBackup(new TextEncoder().encode('hello, I am a text file'), passphrase), 'BACKUP_INVALID');
        assert.deepEqual(await withBackend(target, snapshot), before);
        assert.deepEqual(idsOf(await other.log.loadNewest('mine', 10)), range(0, 2));
      });

      it('writes a transcript, and neither it nor a load throws on odd stored values', async () => {
        const place = await kind.fresh();
        const store = await newProfile(place);
        await store.log.append('c', [
          message(0, { direction: 'out', text: 'Hi *there*', sentAt: Date.UTC(2024, 4, 1, 13, 45) }),
          message(1, { direction: 'in', text: 'line one\nline two', sentAt: Date.UTC(2024, 4, 1, 13, 46) }),
          message(2, { direction: 'in', text: 'x'.repeat(200_000) }),
          message(3),
          message(4),
          message(5),
          message(6),
        ]);
        await store.flush();
        const masterKey = await unwrapMasterKey(await rawGet(place, wrappedKeyRecordKey), passphrase);
        const odd: [number, unknown][] = [
          [3, { v: 1, id: 'm3', direction: 'in', text: 'from the future', sentAt: 1e16, state: 'delivered' }],
          [4, { v: 1, id: 'm4', direction: 'in', text: null, sentAt: null, state: 'delivered' }],
          [5, 'just a string'],
          [6, { v: 1, id: 'm6', direction: 'in', text: 'x'.repeat(300_000), sentAt: 0, state: 'delivered' }],
        ];
        for (const [index, value] of odd) {
          const key = messageRecordKey('c', index);
          await rawSet(place, key, await sealRecord(masterKey, key, value as never));
        }
        await rawSet(place, messageRecordKey('c', 2), new Uint8Array([1, 2, 3]));
        const { store: again } = await reopen(place);
        const page = await again.log.loadNewest('c', 100);
        assert.deepEqual(idsOf(page), ['m0', 'm1', '?', '?', '?', '?', '?']);
        assert.deepEqual(page.entries.map((e) => (e.unreadable ? e.reason : 'ok')), ['ok', 'ok', 'tampered', 'malformed', 'malformed', 'malformed', 'malformed']);
        for (const entry of page.entries) if (!entry.unreadable) new Date(entry.sentAt).toISOString();
        const text = await again.exportTranscript('c', 'text', transcriptLabels({ nameOf: () => 'Grace' }));
        assert.match(text, /^Tincan conversation with Grace\nExported 2024-05-01 12:00 UTC\n/);
        assert.ok(text.includes('5 message(s) could not be read'));
        assert.ok(text.includes('[2024-05-01 13:45 UTC] Ada: Hi *there*'));
        assert.ok(text.includes('[2024-05-01 13:46 UTC] Grace: line one\n    line two'));
        const markdown = await again.exportTranscript(
          'c',
          'markdown',
          transcriptLabels({
            nameOf: () => {
              throw new Error('a buggy name lookup');
            },
          }),
        );
        assert.ok(markdown.includes('**Ada** · 2024-05-01 13:45 UTC  \nHi \\*there\\*'));
        assert.ok(markdown.includes('**Unknown** · 2024-05-01 13:46 UTC  \nline one  \nline two'));
      });

      it('writes only the words the caller gives, escaped in Markdown, even when a label throws', async () => {
        const place = await kind.fresh();
        const store = await newProfile(place);
        const sentAt = Date.UTC(2024, 4, 1, 9, 30);
        await store.log.append('c', [message(0, { direction: 'in', text: 'salut', sentAt }), message(1, { direction: 'out', text: 'ça va' })]);
        await store.flush();
        await rawSet(place, messageRecordKey('c', 1), new Uint8Array([9]));
        // A clock gone wrong: the export time cannot be formatted.
        const { store: again } = await reopen(place, { now: () => Number.NaN });
        const french = transcriptLabels({
          title: 'Conversation *Tincan* avec Grace',
          exportedAt: (time) => `Exportée le ${time}`,
          nameOf: () => 'Grace',
          unknownName: 'Inconnu',
          unknownTime: 'heure inconnue',
          unreadable: (count) => `${count} message illisible`,
        });
        const markdown = await again.exportTranscript('c', 'markdown', french);
        assert.equal(
          markdown,
          '# Conversation \\*Tincan\\* avec Grace\n\n_Exportée le heure inconnue_\n\n> 1 message illisible\n\n**Grace** · 2024-05-01 09:30 UTC  \nsalut\n',
        );
        const broken = transcriptLabels({
          exportedAt: () => {
            throw new Error('buggy label');
          },
          unreadable: () => undefined as unknown as string,
        });
        const text = await again.exportTranscript('c', 'text', broken);
        assert.equal(text, 'Tincan conversation with Grace\nunknown time\n1\n\n[2024-05-01 09:30 UTC] Grace: salut\n');
      });
    });
  });
}
