// A hostile group member who reuses another member's message id (review of the group sync): the ack it gets for
// its own message names it as the sender, so it can neither clear the real sender's outbox entry ("Delivered" faked)
// nor make a member holding the real message let go of it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { signAck, type Envelope } from '../../../src/crypto/envelope';
import { identityKeyId } from '../../../src/crypto/identity';
import { getSodium } from '../../../src/crypto/sodium';
import { GroupSync } from '../../../src/chat/group-sync';
import type { Frame } from '../../../src/chat/frames';
import { pair, person, tap, texts, until, type Person } from './people';

const groupWireId = 'g:AAAAAAAAAAAAAAAAAAAAAA';
const groupId = 'group-1';
const idOf = (who: Person) => identityKeyId(who.profile.identity.publicKey);

function formGroup(...people: Person[]): void {
  for (const who of people) who.messenger.directory.setGroup(groupId, groupWireId, people.filter((p) => p !== who).map(idOf));
}

type AckFrame = Extract<Frame, { type: 'ack' }>;
const ackIn = (f: Frame): AckFrame | undefined => (f.type === 'ack' ? f : f.type === 'carried' && f.item.type === 'ack' ? f.item : undefined);

function memoryRecords() {
  return { async loadAll() { return { records: [] }; }, async put() {}, async remove() {}, async writeMany() {} };
}

describe('a member reusing another member\'s message id', () => {
  it("Carol reuses the id of Alice's message that has not reached Bob yet: Bob's ack of Carol's message does not clear Alice's outbox for Bob", async () => {
    const [alice, bob, carol] = await Promise.all([person('Alice'), person('Bob'), person('Carol')]);
    await pair(alice, bob);
    await pair(alice, carol);
    await pair(bob, carol);
    formGroup(alice, bob, carol);
    const id = 'victimMessageId0';
    (alice.messenger.delivery as unknown as { randomId: () => string }).randomId = () => id;
    // Alice's envelope does not reach Bob now (its resend would).
    tap(alice.messenger.peers.get(idOf(bob))!, (f) => (f.type === 'envelope' ? undefined : f));
    await alice.messenger.send(groupId, "Alice's words");
    await until(async () => (await texts(carol, groupId)).length === 1, 'Carol has it');
    (carol.messenger.delivery as unknown as { randomId: () => string }).randomId = () => id;
    const bobToCarol = tap(bob.messenger.peers.get(idOf(carol))!);
    await carol.messenger.send(groupId, "Carol's words");
    await until(() => bobToCarol.some((f) => ackIn(f) !== undefined), 'Bob acked Carol');
    const { type: _type, ...signed } = bobToCarol.map(ackIn).find((a) => a !== undefined)!;
    assert.equal(signed.of, idOf(carol), "Bob's ack names Carol as the sender");
    // Alice holds Carol's message for Bob: the ack lets it go there, which proves Alice took the ack in.
    await until(() => alice.messenger.delivery.heldUsage().envelopes === 1, "Alice holds Carol's message for Bob");
    carol.messenger.peers.get(idOf(alice))!.send({ type: 'carried', item: { type: 'ack', ...signed } });
    await until(() => alice.messenger.delivery.heldUsage().envelopes === 0, 'Alice took the ack in');
    assert.equal(alice.store.outbox.pending(idOf(bob)).length, 1, 'Alice still waits for Bob');
    assert.deepEqual(await texts(bob, groupId), ["Carol's words"]);
  });

  it("an ack of Carol's message with the id of Alice's does not release Alice's envelope held for Bob", async () => {
    const sodium = await getSodium();
    const [bob] = await Promise.all([person('Bob')]);
    const alice = 'A'.repeat(43);
    const carol = 'C'.repeat(43);
    const sync = await GroupSync.open(memoryRecords() as never, Date.now);
    const envelope = (from: string): Envelope => ({ conversation: groupWireId, id: 'victimMessageId0', from, chain: 'X'.repeat(22), n: 0, box: 'b'.repeat(100), sig: 'S'.repeat(86) });
    sync.stored(groupWireId, 'group', ['alice', 'bob', 'carol'], [{ sender: 'alice', envelope: envelope(alice), seq: 1, key: 'K'.repeat(43) }], 'carol');
    assert.equal(sync.usage().envelopes, 1, 'held for Bob');
    assert.deepEqual(sync.acknowledged('bob', signAck(sodium, bob.profile.identity, groupWireId, carol, ['victimMessageId0'])), []);
    assert.deepEqual(sync.answer(groupWireId, 'bob', {}).map((h) => h.envelope.from), [alice], 'still held for Bob');
    assert.deepEqual(sync.acknowledged('bob', signAck(sodium, bob.profile.identity, groupWireId, alice, ['victimMessageId0'])), ['alice']);
    assert.equal(sync.usage().envelopes, 0, "Bob's ack of Alice's message lets it go");
    await sync.flush();
  });
});
