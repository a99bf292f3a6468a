// Files to a group over the real chat stack in Node (in-memory links, file transfers on memory sinks): the offer is one
// sealed group message, every member pulls the chunks from a member who has the file and keeps it only when it matches
// the hash the offer sealed (docs/groups.md "Files").
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toBase64Url } from '../../../../src/crypto/bytes';
import { bytesFileSource } from '../../../../src/chat/files/memory-file';
import type { IncomingTransfer } from '../../../../src/chat/files/incoming-transfer';
import { closeApp, joinGroup, pair, person, unlockAgain, until, type Person } from '../people';

const idIn = (who: Person, groupId: string, name: string) => who.messenger.groups.view(groupId).members.find((m) => m.name === name)!.contactId;
const keyOf = (who: Person) => toBase64Url(who.profile.identity.publicKey);

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let at = 0; at < length; at += 65_536) crypto.getRandomValues(bytes.subarray(at, Math.min(length, at + 65_536)));
  return bytes;
}

/** Ann, Ben and Cat in one group, every pair linked. */
async function threeInAGroup(): Promise<{ people: [Person, Person, Person]; groupId: string }> {
  const people = (await Promise.all(['Ann', 'Ben', 'Cat'].map((name) => person(name, { files: true })))) as [Person, Person, Person];
  const [a, b, c] = people;
  const group = await a.messenger.groups.create('Climbers');
  await joinGroup(a, b, group.id);
  await joinGroup(a, c, group.id);
  await until(() => c.messenger.isOnline(idIn(c, group.id, 'Ben')) && b.messenger.isOnline(idIn(b, group.id, 'Cat')), 'the mesh of three');
  return { people, groupId: group.id };
}

/** The file as `who` keeps it (what "Save" reads back from the sealed copy). */
async function kept(who: Person, fileId: string): Promise<Uint8Array> {
  const source = await who.files!.openReceived(fileId);
  assert.ok(source, `${who.name} keeps the file`);
  return source.read(0, source.size);
}

/** The log entries of the group that stand for file `fileId`. */
async function fileEntries(who: Person, groupId: string, fileId: string) {
  const page = await who.store.log.loadNewest(groupId, 100);
  return page.entries.filter((e) => !e.unreadable && e.meta?.fileId === fileId).map((e) => (e.unreadable ? { text: '', from: '' } : { text: e.text, from: e.from }));
}

/** A group of four: Ann sends a file while Cat is away, Ben and Dan take it, then Ann and Dan close Tincan. Ben is the
 * only member online with the file; Cat's page is closed (unlockAgain opens it). */
async function benAloneWithTheFile() {
  const people = (await Promise.all(['Ann', 'Ben', 'Cat', 'Dan'].map((name) => person(name, { files: true })))) as [Person, Person, Person, Person];
  const [a, b, c, d] = people;
  const group = await a.messenger.groups.create('Climbers');
  for (const newcomer of [b, c, d]) await joinGroup(a, newcomer, group.id);
  await until(() => b.messenger.isOnline(idIn(b, group.id, 'Dan')) && c.messenger.isOnline(idIn(c, group.id, 'Dan')), 'the mesh of four');
  await closeApp(c);
  const bytes = randomBytes(150_000);
  const sent = await a.messenger.sendFileToGroup(group.id, bytesFileSource(bytes), 'gear.txt', 'text/plain');
  await acceptAndWait(b, sent.fileId);
  await acceptAndWait(d, sent.fileId);
  a.messenger.close({ sayBye: true });
  await closeApp(d);
  await until(() => !b.messenger.isOnline(idIn(b, group.id, 'Ann')) && !b.messenger.isOnline(idIn(b, group.id, 'Dan')), 'Ann and Dan gone');
  return { b, c, d, group, sent, bytes };
}

async function acceptAndWait(who: Person, fileId: string): Promise<void> {
  await until(() => who.files!.get(fileId)?.state === 'offered', `${who.name} is offered the file`);
  await who.files!.accept(fileId);
  await until(() => who.files!.get(fileId)?.state === 'done', `${who.name} has the file`, 15_000);
}

describe('files to a group', () => {
  it('a file sent to a group of three arrives byte-identical at the two others, one log entry each naming sender, file and size', { timeout: 30_000 }, async () => {
    const { people, groupId } = await threeInAGroup();
    const [a, b, c] = people;
    const bytes = randomBytes(300_000); // five chunks of 65,487 bytes
    const sent = await a.messenger.sendFileToGroup(groupId, bytesFileSource(bytes), 'route.bin', 'application/octet-stream');
    assert.equal(sent.group, groupId);
    assert.equal(sent.state, 'done', "the sender's entry: sent to the group");
    for (const who of [b, c]) {
      await acceptAndWait(who, sent.fileId);
      assert.deepEqual(await kept(who, sent.fileId), bytes, `${who.name} keeps the same bytes`);
      const view = who.files!.get(sent.fileId)!;
      assert.deepEqual([view.group, view.from, view.name, view.size], [groupId, keyOf(a), 'route.bin', 300_000]);
      const entries = await fileEntries(who, groupId, sent.fileId);
      assert.deepEqual(entries.map((e) => [e.text, e.from]), [['route.bin', keyOf(a)]], `${who.name}: one entry, from Ann`);
    }
    assert.equal((await fileEntries(a, groupId, sent.fileId)).length, 1, "one entry in Ann's log too");
    for (const who of people) who.messenger.close();
  });

  it('a member away when the file was sent gets the offer when it comes back and pulls it from a member who has it, the sender gone', { timeout: 30_000 }, async () => {
    const { people, groupId } = await threeInAGroup();
    const [a, b, c] = people;
    await closeApp(c);
    await until(() => !a.messenger.isOnline(idIn(a, groupId, 'Cat')), 'Cat away');
    const bytes = randomBytes(200_000);
    const sent = await a.messenger.sendFileToGroup(groupId, bytesFileSource(bytes), 'topo.pdf', 'application/pdf');
    await acceptAndWait(b, sent.fileId);
    // Ann closes Tincan: only Ben has the file now.
    a.messenger.close({ sayBye: true });
    await until(() => !b.messenger.isOnline(idIn(b, groupId, 'Ann')), 'Ann gone');
    await unlockAgain(c);
    await pair(b, c);
    await acceptAndWait(c, sent.fileId);
    assert.deepEqual(await kept(c, sent.fileId), bytes, "Cat keeps the same bytes, from Ben's copy");
    assert.equal(c.files!.get(sent.fileId)!.peerId, idIn(c, groupId, 'Ben'), 'pulled from Ben');
    assert.equal((await fileEntries(c, groupId, sent.fileId)).length, 1);
    for (const who of [b, c]) who.messenger.close();
  });

  it("the sender's page that no longer has the file (reloaded before any member took it) asks for it again when a member wants it, then serves it", { timeout: 30_000 }, async () => {
    const { people, groupId } = await threeInAGroup();
    const [a, b, c] = people;
    await closeApp(c);
    await until(() => !a.messenger.isOnline(idIn(a, groupId, 'Cat')), 'Cat away');
    const bytes = randomBytes(120_000);
    const sent = await a.messenger.sendFileToGroup(groupId, bytesFileSource(bytes, 7), 'map.png', 'image/png');
    await until(() => b.files!.get(sent.fileId)?.state === 'offered', 'Ben is offered it (and leaves it)');
    // Ann's page reloads: it no longer has the file, and no member has a copy.
    await closeApp(a);
    await unlockAgain(a);
    await unlockAgain(c);
    await pair(a, c);
    await until(() => c.files!.get(sent.fileId)?.state === 'offered', 'Cat is offered the file');
    await c.files!.accept(sent.fileId);
    await until(() => a.files!.get(sent.fileId)?.code === 'FILE_SOURCE_MISSING', "Ann's card asks her to choose the file again");
    assert.equal(a.files!.get(sent.fileId)!.state, 'interrupted');
    assert.notEqual(c.files!.get(sent.fileId)!.state, 'done');
    await a.files!.provideSource(sent.fileId, bytesFileSource(bytes, 7));
    await until(() => c.files!.get(sent.fileId)?.state === 'done', 'Cat has the file', 15_000);
    assert.deepEqual(await kept(c, sent.fileId), bytes, 'the bytes Ann sent');
    assert.equal(a.files!.get(sent.fileId)!.state, 'done', "Ann's card reads as sent again");
    for (const who of [a, b, c]) who.messenger.close();
  });

  it('a member serving other bytes under the file key cannot change the file: the copy is thrown away and taken from another member', { timeout: 40_000 }, async () => {
    const { b, c, d, group, sent, bytes } = await benAloneWithTheFile();
    // Ben serves altered bytes: as a member he has the file key, so every chunk he seals opens at Cat's.
    const altered = bytes.slice();
    altered[100_000]! ^= 0xff;
    const bens = b.files!['transfers'].get(sent.fileId) as IncomingTransfer;
    bens.openFinished = async () => bytesFileSource(altered);
    await unlockAgain(c);
    await pair(b, c);
    await until(() => c.files!.get(sent.fileId)?.state === 'offered', 'Cat is offered the file');
    await c.files!.accept(sent.fileId);
    await until(() => c.files!.get(sent.fileId)?.code === 'FILE_HASH_MISMATCH', "Cat throws Ben's copy away");
    assert.equal(c.files!.get(sent.fileId)!.state, 'interrupted', 'and waits for another member');
    assert.equal(await c.files!.openReceived(sent.fileId), undefined, 'nothing kept');
    // Dan comes back: Cat takes Dan's copy (not Ben's again), which is the file Ann sent.
    await unlockAgain(d);
    await pair(d, c);
    await until(() => c.files!.get(sent.fileId)?.state === 'done', 'Cat has the file', 15_000);
    assert.deepEqual(await kept(c, sent.fileId), bytes, 'the bytes Ann sent');
    assert.equal(c.files!.get(sent.fileId)!.peerId, idIn(c, group.id, 'Dan'), 'from Dan');
    for (const who of [b, c, d]) who.messenger.close();
  });

  it('a member who says it has the file and then sends nothing is given up on after a while: another member serves it', { timeout: 40_000 }, async () => {
    const { b, c, d, group, sent, bytes } = await benAloneWithTheFile();
    // Ben says he has the file (he does) but never sends a chunk of it.
    (b.files as unknown as { serve: () => Promise<void> }).serve = async () => undefined;
    await unlockAgain(c);
    (c.files as unknown as { pullStallMs: number }).pullStallMs = 1_000;
    await pair(b, c);
    await until(() => c.files!.get(sent.fileId)?.state === 'offered', 'Cat is offered the file');
    await c.files!.accept(sent.fileId);
    await until(() => c.files!.get(sent.fileId)?.state === 'transferring' && c.files!.get(sent.fileId)?.peerId === idIn(c, group.id, 'Ben'), 'Cat asks Ben');
    // Dan comes back: once Ben has sent nothing for the stall time, Cat asks Dan, who serves it.
    await unlockAgain(d);
    await pair(d, c);
    await until(() => c.files!.get(sent.fileId)?.state === 'done', 'Cat has the file', 20_000);
    assert.deepEqual(await kept(c, sent.fileId), bytes, 'the bytes Ann sent');
    assert.equal(c.files!.get(sent.fileId)!.peerId, idIn(c, group.id, 'Dan'), 'from Dan');
    for (const who of [b, c, d]) who.messenger.close();
  });
});
