// One core for every conversation and every carrier (issue 16), through the real chat layer and store in Node:
// a conversation of three members, a member carrying for another, and what the sender chains promise.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sealEnvelope, signAck, openEnvelope } from '../../../src/crypto/envelope';
import { identityKeyId } from '../../../src/crypto/identity';
import { IncomingChain, newChainStart, OutgoingChain } from '../../../src/crypto/sender-chain';
import { getSodium } from '../../../src/crypto/sodium';
import { fromBase64Url } from '../../../src/crypto/bytes';
import type { CarriedItem } from '../../../src/chat/frames';
import { pair, person, reload, tap, texts, until, waitFor, type Person } from './people';

const groupWireId = 'g:AAAAAAAAAAAAAAAAAAAAAA';
const groupId = 'group-1';
const idOf = (who: Person) => identityKeyId(who.profile.identity.publicKey);

/** Everyone in the group (this device aside), on every device. */
function formGroup(...people: Person[]): void {
  for (const who of people) who.messenger.directory.setGroup(groupId, groupWireId, people.filter((p) => p !== who).map(idOf));
}

async function threePeople(): Promise<[Person, Person, Person]> {
  const [alice, bob, carol] = await Promise.all([person('Alice'), person('Bob'), person('Carol')]);
  await pair(alice, bob);
  await pair(alice, carol);
  await pair(bob, carol);
  return [alice, bob, carol];
}

describe('conversations with members', () => {
  it('three members: each message from each member reaches each other member once, states count the members', async () => {
    const [alice, bob, carol] = await threePeople();
    formGroup(alice, bob, carol);
    for (const who of [alice, bob, carol]) await who.messenger.send(groupId, `hello from ${who.name}`);
    for (const who of [alice, bob, carol]) {
      await until(async () => (await texts(who, groupId)).length === 3, `${who.name} has all three`);
      assert.deepEqual((await texts(who, groupId)).sort(), ['hello from Alice', 'hello from Bob', 'hello from Carol']);
    }
    await until(() => alice.store.outbox.pending(idOf(bob)).length === 0 && alice.store.outbox.pending(idOf(carol)).length === 0, 'acknowledged by both');
    await waitFor(alice, 'states', (s) => s.conversationId === groupId && s.updates.some((u) => u.state === 'delivered' && u.delivery?.acknowledged === 2 && u.delivery.members === 2));
  });

  it('delivered to 1 of 2 while a member is away; the member who comes back gets what it missed, once', async () => {
    const [alice, bob, carol] = await threePeople();
    formGroup(alice, bob, carol);
    carol.messenger.close({ sayBye: true });
    await waitFor(alice, 'status', (s) => s.contactId === idOf(carol) && !s.online);
    const since = alice.events.length;
    const sent = await alice.messenger.send(groupId, 'while Carol is away');
    const partial = await waitFor(alice, 'states', (s) => s.updates.some((u) => u.id === sent.id && u.delivery?.acknowledged === 1), { since });
    const update = partial.updates.find((u) => u.id === sent.id)!;
    assert.deepEqual([update.state, update.delivery], ['sent', { acknowledged: 1, members: 2 }], 'delivered to 1 of 2');
    assert.equal(alice.store.outbox.pending(idOf(carol)).length, 1, 'still waiting for Carol');
    // Carol comes back (a reload: her records stay) and reconnects to Alice only.
    await reload(carol);
    formGroup(carol, alice, bob);
    await pair(alice, carol);
    await waitFor(alice, 'states', (s) => s.updates.some((u) => u.id === sent.id && u.state === 'delivered'), { since });
    assert.deepEqual(await texts(carol, groupId), ['while Carol is away']);
    assert.deepEqual(await texts(bob, groupId), ['while Carol is away']);
  });

  it('a message to Carol carried by Bob arrives once, her signed ack comes back through Bob, and Bob learns no text', async () => {
    const [alice, bob, carol] = await threePeople();
    // Alice and Carol met before (so each has the other's chain); their direct link is gone now.
    alice.messenger.disconnect(idOf(carol));
    await waitFor(carol, 'status', (s) => s.contactId === idOf(alice) && !s.online);
    const bobToCarol = tap(bob.messenger.peers.get(idOf(carol))!);
    const bobToAlice = tap(bob.messenger.peers.get(idOf(alice))!);
    alice.messenger.carryVia(idOf(bob), [idOf(carol)]);
    carol.messenger.carryVia(idOf(bob), [idOf(alice)]);
    await alice.messenger.send(idOf(carol), 'a secret for Carol');
    await until(() => alice.store.outbox.pending(idOf(carol)).length === 0, 'acknowledged through Bob');
    assert.deepEqual(await texts(carol, idOf(alice)), ['a secret for Carol']);
    assert.equal(bob.messenger.delivery.forwarded, 2, 'the envelope one way, the ack the other');
    const carried = [...bobToCarol, ...bobToAlice].filter((f) => f.type === 'carried');
    assert.deepEqual(carried.map((f) => (f as { item: CarriedItem }).item.type).sort(), ['ack', 'envelope']);
    assert.doesNotMatch(JSON.stringify(carried), /secret/);
    const bobsRecords = [...bob.records.values()].map((bytes) => Buffer.from(bytes).toString('latin1')).join('');
    assert.doesNotMatch(bobsRecords, /secret/);
    assert.deepEqual(await texts(bob, idOf(alice)), [], 'nothing stored on Bob');
  });

  it('a carrier that alters a byte, replays, or acks in the recipient\'s name is caught and counted', async () => {
    const [alice, bob, carol] = await threePeople();
    alice.messenger.disconnect(idOf(carol));
    await waitFor(carol, 'status', (s) => s.contactId === idOf(alice) && !s.online);
    // Bob flips one character of the first envelope he carries to Carol, and sends the second one twice.
    let carriedEnvelopes = 0;
    const toCarol = bob.messenger.peers.get(idOf(carol))!;
    const sendToCarol = toCarol.send.bind(toCarol);
    toCarol.send = (frame) => {
      if (frame.type !== 'carried' || frame.item.type !== 'envelope') return sendToCarol(frame);
      carriedEnvelopes++;
      if (carriedEnvelopes === 1) {
        const box = frame.item.box;
        return sendToCarol({ type: 'carried', item: { ...frame.item, box: (box[0] === 'A' ? 'B' : 'A') + box.slice(1) } });
      }
      return sendToCarol(frame) && sendToCarol(frame);
    };
    // And Bob holds back Carol's acks: he makes one himself, in her name.
    const toAlice = bob.messenger.peers.get(idOf(alice))!;
    const sendToAlice = toAlice.send.bind(toAlice);
    toAlice.send = (frame) => (frame.type === 'carried' && frame.item.type === 'ack' ? true : sendToAlice(frame));
    alice.messenger.carryVia(idOf(bob), [idOf(carol)]);
    carol.messenger.carryVia(idOf(bob), [idOf(alice)]);
    const sent = await alice.messenger.send(idOf(carol), 'tamper with me');
    await until(() => carol.messenger.delivery.ignored.forged === 1, 'the altered envelope is refused');
    assert.deepEqual(await texts(carol, idOf(alice)), []);
    const conversation = alice.messenger.directory.get(idOf(carol))!.wireId;
    const fake = signAck(await getSodium(), bob.profile.identity, conversation, idOf(alice), [sent.id]);
    sendToAlice({ type: 'carried', item: { type: 'ack', ...fake, by: idOf(carol) } });
    await until(() => alice.messenger.delivery.ignored.forged === 1, 'the ack in Carol\'s name is refused');
    assert.equal(alice.store.outbox.pending(idOf(carol)).length, 1, 'not delivered on a fake ack');
    // Alice hands it on again (a carrier came up): the replayed copy is stored once.
    alice.messenger.carryVia(idOf(bob), [idOf(carol)]);
    await until(async () => (await texts(carol, idOf(alice))).length === 1, 'stored');
    await until(() => carriedEnvelopes >= 2, 'carried twice');
    // A barrier: a second message after the replay is stored next, so the replay was handled before it.
    await alice.messenger.send(idOf(carol), 'after');
    await until(async () => (await texts(carol, idOf(alice))).length === 2, 'the next one stored');
    assert.deepEqual(await texts(carol, idOf(alice)), ['tamper with me', 'after']);
  });
});

describe('hostile members and carriers', () => {
  it("a member who reuses another member's message id cannot make the real message a duplicate", async () => {
    const [alice, bob, carol] = await threePeople();
    formGroup(alice, bob, carol);
    // Carol learned the id of Bob's message (she is a member, or carried it) and sends her own under it first.
    const id = 'sameIdForBoth000';
    (carol.messenger.delivery as unknown as { randomId: () => string }).randomId = () => id;
    (bob.messenger.delivery as unknown as { randomId: () => string }).randomId = () => id;
    await carol.messenger.send(groupId, "Carol's words");
    await until(async () => (await texts(alice, groupId)).length === 1, "Alice has Carol's");
    await bob.messenger.send(groupId, "Bob's words");
    await until(async () => (await texts(alice, groupId)).length === 2, "Alice has Bob's too");
    assert.deepEqual((await texts(alice, groupId)).sort(), ["Bob's words", "Carol's words"]);
  });

  it("a peer cannot have this device carry items it did not sign (another member's, or a replay)", async () => {
    const [alice, bob, carol] = await threePeople();
    const toCarol = tap(alice.messenger.peers.get(idOf(carol))!);
    await alice.messenger.send(idOf(carol), 'for Carol only');
    await until(() => alice.store.outbox.pending(idOf(carol)).length === 0, 'delivered');
    const envelope = toCarol.find((f) => f.type === 'envelope');
    assert.ok(envelope && envelope.type === 'envelope');
    // Carol asks Bob to carry Alice's envelope back to Alice (a replay through a third device).
    carol.messenger.peers.get(idOf(bob))!.send({ type: 'forward', to: idOf(alice), item: envelope });
    await until(() => bob.messenger.delivery.ignored.unroutable === 1, 'refused by Bob');
    assert.equal(bob.messenger.delivery.forwarded, 0);
  });
});

describe('an outbox from before envelopes', () => {
  it('an entry with no envelope is sealed with a new chain and delivered once', async () => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    const { aContact: bobAtAlice, bContact: aliceAtBob } = await pair(alice, bob);
    alice.messenger.disconnect(bobAtAlice);
    await waitFor(bob, 'status', (s) => s.contactId === aliceAtBob && !s.online);
    // What the app before envelopes wrote: the message and its outbox entry, no envelope.
    const id = 'legacyMessage0AB';
    await alice.store.log.append(bobAtAlice, [{ id, direction: 'out', text: 'written by the old app', sentAt: Date.now(), state: 'waiting' }], { outboxFor: [bobAtAlice] });
    assert.equal(alice.store.outbox.pending(bobAtAlice)[0]?.envelope, undefined);
    await reload(alice);
    await pair(bob, alice);
    await until(() => alice.store.outbox.pending(bobAtAlice).length === 0, 'acknowledged');
    assert.deepEqual(await texts(bob, aliceAtBob), ['written by the old app']);
  });
});

describe('sender chains', () => {
  it('a message key cannot be derived again once its message is stored', async () => {
    const sodium = await getSodium();
    const identity = (await person('Alice')).profile.identity;
    const start = newChainStart(sodium);
    const sender = new OutgoingChain(sodium, start);
    const header = { conversation: 'dm:AAAAAAAAAAAAAAAAAAAAAA', id: 'abcdefghijklmnop' };
    const first = sealEnvelope(sodium, identity, sender, header, { text: 'one', sentAt: 1 });
    const second = sealEnvelope(sodium, identity, sender, { ...header, id: 'bbcdefghijklmnop' }, { text: 'two', sentAt: 2 });
    const member = new IncomingChain(sodium, { key: start.key, n: 0 });
    assert.deepEqual(openEnvelope(member, first), { ok: true, body: { text: 'one', sentAt: 1 } });
    member.consume(first.n);
    assert.deepEqual(openEnvelope(member, first), { ok: false, reason: 'consumed' });
    // What the member keeps (its vault record) opens the next message, never the stored one.
    const kept = member.state();
    assert.deepEqual(Object.keys(kept.skipped), []);
    assert.equal(kept.next, 1);
    const restored = new IncomingChain(sodium, { key: fromBase64Url(kept.key), n: kept.next });
    assert.deepEqual(openEnvelope(restored, first), { ok: false, reason: 'consumed' });
    assert.deepEqual(openEnvelope(restored, second), { ok: true, body: { text: 'two', sentAt: 2 } });
    // A chain key moved on by one step no longer equals the one that sealed message 0.
    assert.notEqual(kept.key, Buffer.from(start.key).toString('base64url'));
  });

  it('a box that does not open leaves its key in place, and the genuine message still opens', async () => {
    const sodium = await getSodium();
    const identity = (await person('Alice')).profile.identity;
    const start = newChainStart(sodium);
    const sender = new OutgoingChain(sodium, start);
    const genuine = sealEnvelope(sodium, identity, sender, { conversation: 'dm:AAAAAAAAAAAAAAAAAAAAAA', id: 'abcdefghijklmnop' }, { text: 'real', sentAt: 1 });
    const member = new IncomingChain(sodium, { key: start.key, n: 0 });
    for (let i = 0; i < 100; i++) assert.deepEqual(openEnvelope(member, { ...genuine, box: 'AAAA' + genuine.box.slice(4) }), { ok: false, reason: 'invalid' });
    assert.deepEqual(Object.keys(member.state().skipped), ['0'], 'one key kept, not one per attempt');
    assert.deepEqual(openEnvelope(member, genuine), { ok: true, body: { text: 'real', sentAt: 1 } });
  });

  it('a member removed from a group cannot open what is sent after the removal', async () => {
    const [alice, bob, carol] = await threePeople();
    formGroup(alice, bob, carol);
    await alice.messenger.send(groupId, 'before');
    await until(async () => (await texts(carol, groupId)).length === 1, 'Carol has the message before');
    // Alice removes Carol (Bob does too); Carol has not heard of it.
    alice.messenger.directory.setGroup(groupId, groupWireId, [idOf(bob)]);
    bob.messenger.directory.setGroup(groupId, groupWireId, [idOf(alice)]);
    const toCarol = tap(alice.messenger.peers.get(idOf(carol))!);
    const toBob = tap(alice.messenger.peers.get(idOf(bob))!);
    const sent = await alice.messenger.send(groupId, 'after Carol left');
    await until(async () => (await texts(bob, groupId)).length === 2, 'Bob has it');
    assert.ok(!toCarol.some((f) => f.type === 'envelope' || (f.type === 'chain' && f.conversation === groupWireId)), 'neither it nor its chain went to Carol');
    // A leaked copy reaches Carol anyway (a carrier gave it to her): she cannot open it.
    const envelope = toBob.find((f) => f.type === 'envelope' && f.id === sent.id);
    assert.ok(envelope, 'the envelope as it travelled to Bob');
    const before = carol.messenger.delivery.ignored.unreadable;
    alice.messenger.peers.get(idOf(carol))!.send(envelope);
    await until(() => carol.messenger.delivery.ignored.unreadable === before + 1, 'Carol has no key for it');
    assert.deepEqual(await texts(carol, groupId), ['before']);
  });
});
