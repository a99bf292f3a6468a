import { expect } from '@esm-bundle/chai';
import { createIdentity, identityKeyId } from '../../../src/crypto/identity';
import { sealRecord, unwrapMasterKey, type KdfLimits } from '../../../src/crypto/vault';
import { openRecordBackend, requestPersistence, toStorageError, type RecordBackend } from '../../../src/store/record-backend';
import { chunkRecordKey, headRecordKey, wrappedKeyRecordKey, type StoredMessage } from '../../../src/store/records';
import { openStore, type StoreOptions, type TincanStore } from '../../../src/store/store';
import { expectCode, flipByte, hex } from '../crypto/helpers';

const cheap: KdfLimits = { opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 };
const passphrase = 'correct horse battery staple';
let storeCounter = 0;

/** A store with a name no other test uses (one IndexedDB database each), cheap KDF limits and a fake clock. */
function freshName(): string {
  return `tincan-test-${Date.now()}-${storeCounter++}`;
}

function clock(start = Date.UTC(2024, 4, 1, 12, 0)): () => number {
  let now = start;
  return () => (now += 1000);
}

async function newStore(overrides: Partial<StoreOptions> = {}): Promise<TincanStore> {
  return openStore({ name: freshName(), kdfLimits: cheap, now: clock(), ...overrides });
}

/** The same database, opened again as a page reload would. */
function reopen(store: TincanStore, overrides: Partial<StoreOptions> = {}): Promise<TincanStore> {
  return openStore({ name: store.name, kdfLimits: cheap, now: clock(Date.UTC(2024, 5, 1)), ...overrides });
}

async function snapshot(backend: RecordBackend): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of (await backend.keys()).sort()) out[key] = hex((await backend.get(key)) as Uint8Array);
  return out;
}

function message(i: number, overrides: Partial<StoredMessage> = {}): StoredMessage {
  return {
    id: `m${i}`,
    direction: i % 2 ? 'in' : 'out',
    text: `message ${i}`,
    sentAt: Date.UTC(2024, 4, 1, 12, 0, i),
    state: 'sent',
    ...overrides,
  };
}

async function appendAll(store: TincanStore, conversationId: string, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) await store.appendMessage(conversationId, message(i));
}

const ids = (page: { messages: readonly { id: string }[] }) => page.messages.map((m) => m.id);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `m${from + i}`);

describe('store: vault and profile', () => {
  it('creates a profile, and a reopened store unlocks to the same identity and name', async () => {
    const store = await newStore();
    expect(await store.state()).to.equal('empty');
    const profile = await store.createProfile('  Ada Lovelace ', passphrase);
    expect(profile.name).to.equal('Ada Lovelace');
    expect(await store.state()).to.equal('unlocked');
    const again = await reopen(store);
    expect(await again.state()).to.equal('locked');
    await expectCode(again.listConversations(), 'VAULT_LOCKED');
    const unlocked = await again.unlock(passphrase);
    expect(unlocked.name).to.equal('Ada Lovelace');
    expect(hex(unlocked.identity.publicKey)).to.equal(hex(profile.identity.publicKey));
    expect(hex(unlocked.identity.secretKey)).to.equal(hex(profile.identity.secretKey));
    await expectCode(again.createProfile('Eve', 'x'.repeat(20)), 'VAULT_LOCKED');
  });

  it('a wrong passphrase says WRONG_PASSPHRASE and changes nothing', async () => {
    const store = await newStore();
    await store.createProfile('Ada', passphrase);
    await appendAll(store, 'c', 0, 3);
    const backend = await openRecordBackend(store.name);
    const before = await snapshot(backend);
    const again = await reopen(store);
    await expectCode(again.unlock('correct horse battery stapler'), 'WRONG_PASSPHRASE');
    await expectCode(again.changePassphrase('wrong', 'new passphrase 123'), 'WRONG_PASSPHRASE');
    expect(await snapshot(backend)).to.deep.equal(before);
    expect(await again.state()).to.equal('locked');
    await again.unlock(passphrase);
    expect(ids(await again.loadNewest('c', 10))).to.deep.equal(range(0, 3));
  });

  it('changes the passphrase by re-wrapping only the master key', async () => {
    const store = await newStore();
    await store.createProfile('Ada', passphrase);
    await appendAll(store, 'c', 0, 3);
    const backend = await openRecordBackend(store.name);
    const before = await snapshot(backend);
    await store.changePassphrase(passphrase, 'a whole new passphrase');
    const after = await snapshot(backend);
    for (const key of Object.keys(before)) {
      if (key === wrappedKeyRecordKey) expect(after[key]).to.not.equal(before[key]);
      else expect(after[key]).to.equal(before[key]);
    }
    const again = await reopen(store);
    await expectCode(again.unlock(passphrase), 'WRONG_PASSPHRASE');
    await again.unlock('a whole new passphrase');
    expect(ids(await again.loadNewest('c', 10))).to.deep.equal(range(0, 3));
  });

  it('forgets the device: every record goes, locked or not, and a new profile can start', async () => {
    const store = await newStore();
    const first = await store.createProfile('Ada', passphrase);
    await appendAll(store, 'c', 0, 3);
    const again = await reopen(store);
    await again.forgetDevice(); // works without the passphrase
    const backend = await openRecordBackend(store.name);
    expect(await backend.keys()).to.deep.equal([]);
    expect(await again.state()).to.equal('empty');
    await expectCode(again.unlock(passphrase), 'VAULT_LOCKED');
    const second = await again.createProfile('Ada again', passphrase);
    expect(hex(second.identity.publicKey)).to.not.equal(hex(first.identity.publicKey));
    expect((await again.listConversations()).conversations).to.deep.equal([]);
  });

  it('locks only after operations already under way, which still seal with the real key', async () => {
    const store = await newStore();
    await store.createProfile('Ada', passphrase);
    const appending = store.appendMessages('c', Array.from({ length: 300 }, (_, i) => message(i)));
    await store.lock();
    await appending;
    await expectCode(store.loadNewest('c', 1), 'VAULT_LOCKED');
    await store.unlock(passphrase);
    const page = await store.loadNewest('c', 1000);
    expect(page.skipped).to.deep.equal([]);
    expect(ids(page)).to.deep.equal(range(0, 300));
  });

  it('refuses a damaged profile with RECORD_TAMPERED', async () => {
    const store = await newStore();
    await store.createProfile('Ada', passphrase);
    const backend = await openRecordBackend(store.name);
    await backend.set('profile', flipByte((await backend.get('profile')) as Uint8Array, -3));
    await expectCode((await reopen(store)).unlock(passphrase), 'RECORD_TAMPERED');
  });
});

describe('store: conversation log', () => {
  it('keeps messages in chunks and pages through them newest first', async () => {
    const store = await newStore({ chunkSize: 10 });
    await store.createProfile('Ada', passphrase);
    await appendAll(store, 'c', 0, 35);
    const backend = await openRecordBackend(store.name);
    expect((await backend.keys()).filter((k) => k.startsWith('conv/'))).to.have.length(5); // head + 4 chunks
    const again = await reopen(store);
    await again.unlock(passphrase);
    const newest = await again.loadNewest('c', 5);
    expect(ids(newest)).to.deep.equal(range(30, 35));
    expect(newest.messages.map((m) => m.index)).to.deep.equal([30, 31, 32, 33, 34]);
    expect(newest).to.include({ firstIndex: 30, count: 35, hasOlder: true });
    const older = await again.loadOlder('c', newest.firstIndex, 12);
    expect(ids(older)).to.deep.equal(range(18, 30));
    const oldest = await again.loadOlder('c', 5, 10);
    expect(ids(oldest)).to.deep.equal(range(0, 5));
    expect(oldest.hasOlder).to.equal(false);
    expect(ids(await again.loadNewest('c', 100))).to.deep.equal(range(0, 35));
    expect(ids(await again.loadOlder('c', 0, 10))).to.deep.equal([]);
    expect((await again.loadNewest('nobody', 10)).count).to.equal(0);
    await appendAll(again, 'c', 35, 41);
    expect(ids(await again.loadNewest('c', 8))).to.deep.equal(range(33, 41));
  });

  it('appends many at once with one write per chunk, and ignores a duplicate id', async () => {
    const store = await newStore({ chunkSize: 10 });
    await store.createProfile('Ada', passphrase);
    const result = await store.appendMessages('c', Array.from({ length: 25 }, (_, i) => message(i)));
    expect(result.appended).to.equal(25);
    expect(result.indexes).to.deep.equal(Array.from({ length: 25 }, (_, i) => i));
    expect(await store.appendMessage('c', message(24))).to.deep.equal({ index: -1, duplicate: true });
    expect(await store.appendMessage('c', message(25))).to.deep.equal({ index: 25, duplicate: false });
    expect(ids(await store.loadNewest('c', 100))).to.deep.equal(range(0, 26));
  });

  it('recovers from a crash between the chunk write and the head write', async () => {
    const store = await newStore({ chunkSize: 10 });
    await store.createProfile('Ada', passphrase);
    await appendAll(store, 'c', 0, 9);
    const backend = await openRecordBackend(store.name);
    const staleHead = await backend.get(headRecordKey('c'));
    await appendAll(store, 'c', 9, 11); // fills chunk 0 and starts chunk 1
    await backend.set(headRecordKey('c'), staleHead as Uint8Array); // as if the head writes never happened
    const again = await reopen(store);
    await again.unlock(passphrase);
    const page = await again.loadNewest('c', 100);
    expect(ids(page)).to.deep.equal(range(0, 11));
    expect(page.count).to.equal(11);
    expect((await again.appendMessage('c', message(11))).index).to.equal(11);
    expect(ids(await again.loadNewest('c', 3))).to.deep.equal(range(9, 12));
  });

  it('skips a tampered chunk, reports which messages it held, and loads the rest', async () => {
    const store = await newStore({ chunkSize: 10 });
    await store.createProfile('Ada', passphrase);
    await appendAll(store, 'c', 0, 30);
    const backend = await openRecordBackend(store.name);
    const { epoch } = await headOf(store, backend, 'c');
    const key = chunkRecordKey('c', epoch, 1);
    await backend.set(key, flipByte((await backend.get(key)) as Uint8Array, 40));
    const again = await reopen(store);
    await again.unlock(passphrase);
    const page = await again.loadNewest('c', 100);
    expect(ids(page)).to.deep.equal([...range(0, 10), ...range(20, 30)]);
    expect(page.skipped).to.deep.equal([{ key, reason: 'tampered', firstIndex: 10, lastIndex: 19 }]);
  });

  it('skips swapped chunks (each is bound to its own key)', async () => {
    const store = await newStore({ chunkSize: 10 });
    await store.createProfile('Ada', passphrase);
    await appendAll(store, 'c', 0, 25);
    const backend = await openRecordBackend(store.name);
    const { epoch } = await headOf(store, backend, 'c');
    const [k0, k1] = [chunkRecordKey('c', epoch, 0), chunkRecordKey('c', epoch, 1)];
    const [v0, v1] = [await backend.get(k0), await backend.get(k1)];
    await backend.set(k0, v1 as Uint8Array);
    await backend.set(k1, v0 as Uint8Array);
    const again = await reopen(store);
    await again.unlock(passphrase);
    const page = await again.loadNewest('c', 100);
    expect(ids(page)).to.deep.equal(range(20, 25));
    expect(page.skipped.map((s) => [s.key, s.reason])).to.deep.equal([
      [k0, 'tampered'],
      [k1, 'tampered'],
    ]);
  });

  it('skips an authentic chunk of the wrong shape as malformed, and garbage as tampered', async () => {
    const store = await newStore({ chunkSize: 10 });
    await store.createProfile('Ada', passphrase);
    await appendAll(store, 'c', 0, 25);
    const backend = await openRecordBackend(store.name);
    const masterKey = await unwrapMasterKey((await backend.get(wrappedKeyRecordKey)) as Uint8Array, passphrase);
    const { epoch } = await headOf(store, backend, 'c');
    const k0 = chunkRecordKey('c', epoch, 0);
    await backend.set(k0, await sealRecord(masterKey, k0, { v: 1, first: 70, messages: [] }));
    await backend.set(chunkRecordKey('c', epoch, 1), new Uint8Array([1, 2, 3]));
    const again = await reopen(store);
    await again.unlock(passphrase);
    const page = await again.loadNewest('c', 100);
    expect(ids(page)).to.deep.equal(range(20, 25));
    expect(page.skipped.map((s) => s.reason)).to.deep.equal(['malformed', 'tampered']);
  });

  it('abandons a damaged tail chunk: new messages start the next chunk', async () => {
    const store = await newStore({ chunkSize: 10 });
    await store.createProfile('Ada', passphrase);
    await appendAll(store, 'c', 0, 15);
    const backend = await openRecordBackend(store.name);
    const { epoch } = await headOf(store, backend, 'c');
    const tailKey = chunkRecordKey('c', epoch, 1);
    await backend.set(tailKey, flipByte((await backend.get(tailKey)) as Uint8Array, -1));
    const again = await reopen(store);
    await again.unlock(passphrase);
    expect((await again.appendMessage('c', message(99))).index).to.equal(20);
    const page = await again.loadNewest('c', 100);
    expect(ids(page)).to.deep.equal([...range(0, 10), 'm99']);
    expect(page.skipped).to.deep.equal([{ key: tailKey, reason: 'tampered', firstIndex: 10, lastIndex: 19 }]);
  });

  it('rebuilds a damaged head from the chunks and reports it', async () => {
    const store = await newStore({ chunkSize: 10 });
    await store.createProfile('Ada', passphrase);
    await appendAll(store, 'c', 0, 23);
    const backend = await openRecordBackend(store.name);
    await backend.set(headRecordKey('c'), flipByte((await backend.get(headRecordKey('c'))) as Uint8Array, 30));
    const again = await reopen(store);
    await again.unlock(passphrase);
    const page = await again.loadNewest('c', 100);
    expect(ids(page)).to.deep.equal(range(0, 23));
    expect(page.skipped).to.deep.equal([{ key: headRecordKey('c'), reason: 'tampered' }]);
    const { conversations, skipped } = await again.listConversations();
    expect(conversations.map((c) => [c.id, c.count])).to.deep.equal([['c', 23]]);
    expect(skipped).to.have.length(1);
    expect((await again.appendMessage('c', message(23))).index).to.equal(23);
  });

  it('moves message states forward only, in any chunk, and persists them', async () => {
    const store = await newStore({ chunkSize: 10 });
    await store.createProfile('Ada', passphrase);
    for (let i = 0; i < 15; i++) await store.appendMessage('c', message(i, { direction: 'out', state: 'waiting' }));
    expect(await store.updateMessageState('c', 'm3', 'delivered')).to.equal(true);
    expect(await store.updateMessageState('c', 'm3', 'sent')).to.equal(true); // late "sent": stays delivered
    expect(await store.updateMessageState('c', 'm14', 'sent')).to.equal(true);
    expect(await store.updateMessageState('c', 'nope', 'sent')).to.equal(false);
    expect((await store.listConversations()).conversations[0]!.lastMessage!.state).to.equal('sent');
    const again = await reopen(store);
    await again.unlock(passphrase);
    const states = Object.fromEntries((await again.loadNewest('c', 100)).messages.map((m) => [m.id, m.state]));
    expect(states).to.include({ m3: 'delivered', m14: 'sent', m13: 'waiting' });
  });

  it('lists conversations with last message and unread count; markRead clears it', async () => {
    const store = await newStore();
    await store.createProfile('Ada', passphrase);
    await store.appendMessage('alice', message(1, { direction: 'in', text: 'hi Ada' }));
    await store.appendMessage('alice', message(2, { direction: 'in', text: 'are you there?' }));
    await store.appendMessage('bob', message(3, { direction: 'out', text: 'hello Bob' }));
    let { conversations } = await store.listConversations();
    expect(conversations.map((c) => [c.id, c.count, c.unread, c.lastMessage?.text])).to.deep.equal([
      ['bob', 1, 0, 'hello Bob'],
      ['alice', 2, 2, 'are you there?'],
    ]);
    await store.markRead('alice');
    const again = await reopen(store);
    await again.unlock(passphrase);
    ({ conversations } = await again.listConversations());
    expect(conversations.find((c) => c.id === 'alice')!.unread).to.equal(0);
  });

  it('deletes a conversation for good: a new one with the same id starts empty', async () => {
    const store = await newStore({ chunkSize: 10 });
    await store.createProfile('Ada', passphrase);
    await appendAll(store, 'gone', 0, 25);
    await appendAll(store, 'kept', 0, 2);
    await store.deleteConversation('gone');
    const backend = await openRecordBackend(store.name);
    expect((await backend.keys()).filter((k) => k.startsWith('conv/gone/'))).to.deep.equal([]);
    expect((await store.listConversations()).conversations.map((c) => c.id)).to.deep.equal(['kept']);
    await store.appendMessage('gone', message(100));
    expect(ids(await store.loadNewest('gone', 100))).to.deep.equal(['m100']);
  });

  it('sweeps chunks left behind by an interrupted delete when unlocking', async () => {
    const store = await newStore({ chunkSize: 10 });
    await store.createProfile('Ada', passphrase);
    await appendAll(store, 'gone', 0, 15);
    const backend = await openRecordBackend(store.name);
    await backend.remove(headRecordKey('gone')); // the delete got this far
    const again = await reopen(store);
    await again.unlock(passphrase);
    expect((await backend.keys()).filter((k) => k.startsWith('conv/'))).to.deep.equal([]);
  });

  it('handles conversation ids with slashes and other characters', async () => {
    const store = await newStore();
    await store.createProfile('Ada', passphrase);
    await store.appendMessage('room/42 ünï', message(1));
    expect((await store.listConversations()).conversations.map((c) => c.id)).to.deep.equal(['room/42 ünï']);
    expect(ids(await store.loadNewest('room/42 ünï', 5))).to.deep.equal(['m1']);
  });
});

async function headOf(store: TincanStore, backend: RecordBackend, conversationId: string): Promise<{ epoch: string }> {
  const prefix = `conv/${encodeURIComponent(conversationId)}/`;
  const chunkKey = (await backend.keys()).find((k) => k.startsWith(prefix) && !k.endsWith('/head'));
  expect(chunkKey, `no chunk for ${conversationId} in ${store.name}`).to.be.a('string');
  return { epoch: chunkKey!.slice(prefix.length).split('/')[0]! };
}

describe('store: contacts', () => {
  it('pins a new peer, refreshes a known one, and tracks a key change until acknowledged', async () => {
    const store = await newStore();
    await store.createProfile('Ada', passphrase);
    const grace = await createIdentity();
    const first = await store.observePeer(grace.publicKey, 'Grace');
    expect(first.isNew).to.equal(true);
    expect(first.contact).to.include({ id: identityKeyId(grace.publicKey), displayName: 'Grace', verified: false });
    const second = await store.observePeer(grace.publicKey, 'Grace H.');
    expect(second.isNew).to.equal(false);
    expect(second.contact.displayName).to.equal('Grace H.');
    expect(second.contact.firstSeen).to.equal(first.contact.firstSeen);
    expect(second.contact.lastSeen).to.be.greaterThan(first.contact.lastSeen);
    await store.setVerified(first.contact.id, true);

    const newKey = await createIdentity();
    expect(await store.checkContactKey(first.contact.id, grace.publicKey)).to.equal('match');
    expect(await store.checkContactKey(first.contact.id, newKey.publicKey)).to.equal('changed');
    const changed = await store.recordKeyChange(first.contact.id, newKey.publicKey);
    expect(changed.verified).to.equal(false);
    expect(changed.keyChange).to.include({ previousKey: identityKeyId(grace.publicKey), acknowledged: false });
    const seenWithNewKey = await store.observePeer(newKey.publicKey, 'Grace');
    expect(seenWithNewKey).to.include({ isNew: false });
    expect(seenWithNewKey.contact.id).to.equal(first.contact.id);
    await store.acknowledgeKeyChange(first.contact.id);

    const again = await reopen(store);
    await again.unlock(passphrase);
    const { contacts, skipped } = await again.listContacts();
    expect(skipped).to.deep.equal([]);
    expect(contacts).to.have.length(1);
    expect(contacts[0]!.keyChange!.acknowledged).to.equal(true);
    expect(contacts[0]!.pinnedKey).to.equal(identityKeyId(newKey.publicKey));
    expect(await again.checkContactKey('unknown', newKey.publicKey)).to.equal('unknown');
  });

  it('skips a contact record swapped with another', async () => {
    const store = await newStore();
    await store.createProfile('Ada', passphrase);
    const [a, b] = [await createIdentity(), await createIdentity()];
    await store.observePeer(a.publicKey, 'A');
    await store.observePeer(b.publicKey, 'B');
    const backend = await openRecordBackend(store.name);
    const [ka, kb] = [`contact/${identityKeyId(a.publicKey)}`, `contact/${identityKeyId(b.publicKey)}`];
    const va = await backend.get(ka);
    await backend.set(ka, (await backend.get(kb)) as Uint8Array);
    await backend.set(kb, va as Uint8Array);
    const { contacts, skipped } = await store.listContacts();
    expect(contacts).to.deep.equal([]);
    expect(skipped.map((s) => s.reason)).to.deep.equal(['tampered', 'tampered']);
  });
});

describe('store: backup and transcript', () => {
  it('exports everything still sealed, and imports into a fresh store with the passphrase', async () => {
    const store = await newStore({ chunkSize: 10 });
    const profile = await store.createProfile('Ada', passphrase);
    await appendAll(store, 'c', 0, 23);
    const grace = await createIdentity();
    await store.observePeer(grace.publicKey, 'Grace');
    const file = await store.exportBackup();
    // Nothing readable in the file: no message text, no names.
    const asText = new TextDecoder('latin1').decode(file);
    expect(asText).to.not.include('message 1');
    expect(asText).to.not.include('Grace');

    const target = await newStore();
    const imported = await target.importBackup(file, passphrase);
    expect(imported.skipped).to.deep.equal([]);
    expect(hex(imported.profile.identity.publicKey)).to.equal(hex(profile.identity.publicKey));
    expect(ids(await target.loadNewest('c', 100))).to.deep.equal(range(0, 23));
    expect((await target.listContacts()).contacts.map((c) => c.displayName)).to.deep.equal(['Grace']);
    const again = await reopen(target);
    await again.unlock(passphrase);
    expect(ids(await again.loadNewest('c', 5))).to.deep.equal(range(18, 23));
  });

  it('refuses a wrong passphrase or a damaged file and leaves the target as it was', async () => {
    const source = await newStore();
    await source.createProfile('Ada', passphrase);
    await appendAll(source, 'c', 0, 3);
    const file = await source.exportBackup();
    const target = await newStore();
    await target.createProfile('Someone else', 'another passphrase here');
    await appendAll(target, 'mine', 0, 2);
    const backend = await openRecordBackend(target.name);
    const before = await snapshot(backend);
    await expectCode(target.importBackup(file, 'not the passphrase'), 'WRONG_PASSPHRASE');
    await expectCode(target.importBackup(file.subarray(0, file.length - 10), passphrase), 'BACKUP_INVALID');
    await expectCode(target.importBackup(flipByte(file, 100), passphrase), 'BACKUP_INVALID');
    await expectCode(target.importBackup(new TextEncoder().encode('hello, I am a text file'), passphrase), 'BACKUP_INVALID');
    await expectCode(target.importBackup(new Uint8Array(0), passphrase), 'BACKUP_INVALID');
    expect(await snapshot(backend)).to.deep.equal(before);
    expect(ids(await target.loadNewest('mine', 10))).to.deep.equal(range(0, 2));
  });

  it('writes a transcript as text or Markdown', async () => {
    const store = await newStore();
    await store.createProfile('Ada', passphrase);
    const grace = await createIdentity();
    const { contact } = await store.observePeer(grace.publicKey, 'Grace');
    await store.appendMessage(contact.id, message(0, { direction: 'out', text: 'Hi *there*', sentAt: Date.UTC(2024, 4, 1, 13, 45) }));
    await store.appendMessage(contact.id, message(1, { direction: 'in', text: 'line one\nline two', sentAt: Date.UTC(2024, 4, 1, 13, 46) }));
    const text = await store.exportTranscript(contact.id, 'text');
    expect(text).to.include('Tincan conversation with Grace');
    expect(text).to.include('[2024-05-01 13:45 UTC] Ada: Hi *there*');
    expect(text).to.include('[2024-05-01 13:46 UTC] Grace: line one\n    line two');
    const markdown = await store.exportTranscript(contact.id, 'markdown');
    expect(markdown).to.include('# Tincan conversation with Grace');
    expect(markdown).to.include('**Ada** · 2024-05-01 13:45 UTC  \nHi \\*there\\*');
    expect(markdown).to.include('line one  \nline two');
  });
});

describe('store: storage errors', () => {
  it('maps IndexedDB quota errors to STORAGE_QUOTA and others to STORAGE_UNAVAILABLE', () => {
    expect(toStorageError(new DOMException('The quota has been exceeded.', 'QuotaExceededError')).code).to.equal('STORAGE_QUOTA');
    expect(toStorageError(new DOMException('Connection is closing.', 'InvalidStateError')).code).to.equal('STORAGE_UNAVAILABLE');
    expect(toStorageError(new Error('No available storage method found.')).code).to.equal('STORAGE_UNAVAILABLE');
  });

  it('asks for persistent storage without throwing', async () => {
    expect(['persisted', 'denied', 'unsupported']).to.include(await requestPersistence());
    expect(await requestPersistence({} as StorageManager)).to.equal('unsupported');
  });
});
