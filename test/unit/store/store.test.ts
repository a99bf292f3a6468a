// The store over real IndexedDB in Chromium: what the Node tests prove over memory and files, checked where the
// app runs (atomic batches, reloads as new connections, records tampered in the database itself).
import { expect } from '@esm-bundle/chai';
import { localforageApi, openIndexedDbBackend, recordsStoreName } from '../../../src/store/indexeddb-backend';
import { requestPersistence } from '../../../src/store/persistence';
import type { RecordBackend } from '../../../src/store/record-backend';
import { headRecordKey, messageRecordKey, wrappedKeyRecordKey, type StoredMessage } from '../../../src/store/records';
import type { RollbackWitness } from '../../../src/store/rollback';
import { openStore, type TincanStore } from '../../../src/store/tincan-store';
import { expectCode, flipByte } from '../crypto/helpers';
import { oldChunkKey, writeOldVault, type OldMessage } from './legacy-vault';

const cheap = { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 };
const passphrase = 'correct horse battery staple';
let counter = 0;

interface Place {
  readonly name: string;
  readonly witness: RollbackWitness;
}

function freshPlace(): Place {
  let value: number | undefined;
  return { name: `tincan-store-test-${Date.now()}-${counter++}`, witness: { read: () => value, write: (n) => void (value = n) } };
}

async function storeAt(place: Place): Promise<TincanStore> {
  return openStore({ backend: await openIndexedDbBackend(place.name), kdfLimits: cheap, witness: place.witness, flushDelayMs: 60_000 });
}

async function withBackend<T>(place: Place, use: (backend: RecordBackend) => Promise<T>): Promise<T> {
  const backend = await openIndexedDbBackend(place.name);
  try {
    return await use(backend);
  } finally {
    backend.close();
  }
}

function message(i: number, overrides: Partial<StoredMessage> = {}): StoredMessage {
  return { id: `m${i}`, direction: i % 2 ? 'in' : 'out', text: `message ${i}`, sentAt: Date.UTC(2024, 4, 1, 12, 0, i % 60), state: 'sent', ...overrides };
}

const ids = (page: { entries: readonly { unreadable?: true; id?: string }[] }) => page.entries.map((e) => (e.unreadable ? '?' : e.id));
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `m${from + i}`);

/** How Tincan's first version wrote: one localforage setItem per record, in a database localforage created. */
function firstVersionWrites(name: string): RecordBackend {
  const api = localforageApi();
  const forage = api.createInstance({ name, storeName: recordsStoreName, driver: api.INDEXEDDB });
  const unused = () => Promise.reject(new Error('not used by writeOldVault'));
  return {
    get: unused,
    getMany: unused,
    keys: unused,
    clear: unused,
    close: () => undefined,
    write: async (batch) => {
      for (const write of batch) if ('value' in write) await forage.setItem(write.key, write.value);
    },
  };
}

describe('store over IndexedDB', () => {
  it('creates a profile, and a reloaded store unlocks to the same identity with a clean health report', async () => {
    const place = freshPlace();
    const store = await storeAt(place);
    expect(await store.state()).to.equal('empty');
    const profile = await store.createProfile('Ada', passphrase);
    const again = await storeAt(place);
    expect(await again.state()).to.equal('locked');
    await expectCode(again.unlock('wrong passphrase!'), 'WRONG_PASSPHRASE');
    const { profile: unlocked, health } = await again.unlock(passphrase);
    expect(Array.from(unlocked.identity.publicKey)).to.deep.equal(Array.from(profile.identity.publicKey));
    expect(health.ok).to.equal(true);
    await again.forgetDevice();
    expect(await withBackend(place, (b) => b.keys())).to.deep.equal([]);
  });

  it('stores one record per message, pages, and drops duplicates from anywhere in the history after a reload', async () => {
    const place = freshPlace();
    const store = await storeAt(place);
    await store.createProfile('Ada', passphrase);
    await store.log.append('c', Array.from({ length: 120 }, (_, i) => message(i)));
    await store.log.append('c', [message(0, { id: 'NeverInAKey' })]);
    const keys = await withBackend(place, (b) => b.keys('conv/'));
    expect(keys.filter((k) => k.includes('/m/'))).to.have.length(121);
    expect(keys.filter((k) => k.includes('/i/'))).to.have.length(121);
    expect(keys.filter((k) => k.includes('NeverInAKey'))).to.deep.equal([]); // ids never appear in keys
    const again = await storeAt(place);
    await again.unlock(passphrase);
    expect(await again.log.append('c', [message(5), message(120)])).to.deep.equal([{ duplicate: true }, { index: 121 }]);
    const newest = await again.log.loadNewest('c', 10);
    expect(ids(newest)).to.deep.equal([...range(112, 120), 'NeverInAKey', 'm120']);
    expect(ids(await again.log.loadBefore('c', newest.firstIndex, 5))).to.deep.equal(range(107, 112));
  });

  it('a crash before the flush loses nothing; a deleted head is rebuilt; damaged records are unreadable entries', async () => {
    const place = freshPlace();
    const store = await storeAt(place);
    await store.createProfile('Ada', passphrase);
    await store.log.append('c', Array.from({ length: 10 }, (_, i) => message(i, { direction: 'out' })), { outboxFor: ['B'.repeat(43)] });
    await store.flush();
    await store.log.append('c', [message(10), message(11)]);
    store.outbox.acknowledge('B'.repeat(43), ['m0', 'm2']);
    // The tab dies: the store object is dropped without a flush.
    const again = await storeAt(place);
    const first = await again.unlock(passphrase);
    expect(first.health.correctedHeads).to.deep.equal(['c']);
    expect(again.log.summary('c')?.count).to.equal(12);
    expect(again.outbox.pending('B'.repeat(43))).to.have.length(10);
    await again.lock();
    await withBackend(place, async (backend) => {
      const record = (await backend.get(messageRecordKey('c', 3))) as Uint8Array;
      await backend.write([
        { key: headRecordKey('c'), remove: true },
        { key: messageRecordKey('c', 3), value: flipByte(record, 40) },
      ]);
    });
    const third = await storeAt(place);
    const { health } = await third.unlock(passphrase);
    expect(health.rebuiltHeads).to.deep.equal(['c']);
    const page = await third.log.loadNewest('c', 100);
    expect(ids(page)).to.deep.equal([...range(0, 3), '?', ...range(4, 12)]);
  });

  it('a whole database restored from an older copy is reported through the witness', async () => {
    const place = freshPlace();
    const store = await storeAt(place);
    await store.createProfile('Ada', passphrase);
    await store.log.append('c', [message(0)]);
    await store.flush();
    const copy = await withBackend(place, async (b) => {
      const keys = await b.keys();
      return { keys, values: (await b.getMany(keys)) as Uint8Array[] };
    });
    await store.log.append('c', [message(1)]);
    await store.lock();
    await withBackend(place, (b) =>
      b.write([{ prefix: '', removePrefix: true }, ...copy.keys.map((key, i) => ({ key, value: copy.values[i]! }))]),
    );
    const again = await storeAt(place);
    const { health } = await again.unlock(passphrase);
    expect(health.restoredFromOlderCopy).to.equal(true);
    await again.acceptRestoredState();
    expect(again.health()?.ok).to.equal(true);
  });

  it('a flipped bit in the stored wrapped key says VAULT_DAMAGED', async () => {
    const place = freshPlace();
    const store = await storeAt(place);
    await store.createProfile('Ada', passphrase);
    await withBackend(place, async (b) => {
      const wrapped = (await b.get(wrappedKeyRecordKey)) as Uint8Array;
      await b.write([{ key: wrappedKeyRecordKey, value: flipByte(wrapped, 20) }]);
    });
    await expectCode((await storeAt(place)).unlock(passphrase), 'VAULT_DAMAGED');
  });

  it('round-trips a backup between two databases, and refuses a damaged file without changing anything', async () => {
    const source = freshPlace();
    const store = await storeAt(source);
    await store.createProfile('Ada', passphrase);
    await store.log.append('c', Array.from({ length: 30 }, (_, i) => message(i)));
    const file = await store.exportBackup();
    const target = freshPlace();
    const other = await storeAt(target);
    await other.createProfile('Someone else', 'another passphrase here');
    const before = await withBackend(target, (b) => b.keys());
    await expectCode(other.importBackup(flipByte(file, 100), passphrase), 'BACKUP_INVALID');
    await expectCode(other.importBackup(file, 'not the passphrase'), 'WRONG_PASSPHRASE');
    expect(await withBackend(target, (b) => b.keys())).to.deep.equal(before);
    const imported = await other.importBackup(file, passphrase);
    expect(imported.profile.name).to.equal('Ada');
    expect(ids(await other.log.loadNewest('c', 100))).to.deep.equal(range(0, 30));
    const transcript = await other.exportTranscript('c', 'text', {
      title: 'Tincan conversation with Grace',
      exportedAt: (time) => `Exported ${time}`,
      nameOf: () => 'Grace',
      unknownName: 'Unknown',
      unknownTime: 'unknown time',
      unreadable: (count) => `${count} message(s) could not be read.`,
    });
    expect(transcript).to.include('Grace: message 1');
  });

  it('migrates a vault of the first version at unlock: history, damage, the outbox; a reload changes nothing', async () => {
    const place = freshPlace();
    const bob = 'B'.repeat(43);
    const old = (i: number, state: OldMessage['state']): OldMessage =>
      i % 2
        ? { id: `o${i}`, direction: 'in', text: `old ${i}`, sentAt: 1e12 + i, receivedAt: 1e12 + i, state: 'delivered' }
        : { id: `o${i}`, direction: 'out', text: `old ${i}`, sentAt: 1e12 + i, state };
    const messages = Array.from({ length: 25 }, (_, i) => old(i, i === 20 ? 'waiting' : i === 22 ? 'sent' : 'delivered'));
    const { epochs } = await writeOldVault(firstVersionWrites(place.name), {
      passphrase,
      kdf: cheap,
      contacts: [bob],
      conversations: [{ id: bob, messages, chunkSize: 10, unread: 2 }],
    });
    const damagedKey = oldChunkKey(bob, epochs.get(bob)!, 1);
    await withBackend(place, async (b) => b.write([{ key: damagedKey, value: flipByte((await b.get(damagedKey)) as Uint8Array, 60) }]));
    const store = await storeAt(place);
    const { health } = await store.unlock(passphrase);
    expect(health.migratedConversations).to.deep.equal([{ id: bob, messages: 15, unreadable: 10, queued: 2 }]);
    expect(health.damaged).to.deep.equal([{ key: damagedKey, reason: 'tampered' }]);
    const page = await store.log.loadNewest(bob, 100);
    const oldIds = (from: number, to: number) => range(from, to).map((id) => id.replace('m', 'o'));
    expect(ids(page)).to.deep.equal([...oldIds(0, 10), ...Array(10).fill('?'), ...oldIds(20, 25)]);
    expect(store.outbox.pending(bob).map((e) => e.messageId)).to.deep.equal(['o20', 'o22']);
    expect((await withBackend(place, (b) => b.keys('conv/'))).filter((k) => k.includes(epochs.get(bob)!))).to.deep.equal([]);
    await store.lock();
    const before = await withBackend(place, (b) => b.keys());
    const again = await storeAt(place);
    const second = await again.unlock(passphrase);
    expect(second.health.ok).to.equal(true);
    expect(await withBackend(place, (b) => b.keys())).to.deep.equal(before);
    expect(ids(await again.log.loadNewest(bob, 100))).to.deep.equal(ids(page));
  });

  it('asks for persistent storage without throwing', async () => {
    expect(['persisted', 'denied', 'unsupported']).to.include(await requestPersistence());
    expect(await requestPersistence({} as StorageManager)).to.equal('unsupported');
  });
});
