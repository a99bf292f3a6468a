// Exactly-once delivery through the real chat layer and store (in-memory links between Node "devices"):
// every message arrives once, in order, whatever the link did; nothing local goes on the wire.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cut, type MemoryLink } from './memory-link';
import { crash, pair, person, reload, texts, until, waitFor } from './people';

const delivered = (who: Awaited<ReturnType<typeof person>>, contactId: string) =>
  who.store.outbox.pending(contactId).length === 0;

describe('delivery', () => {
  it('sends, stores, acknowledges: the sender ends at delivered, the receiver has it once', async () => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    const { aContact: bobAtAlice, bContact: aliceAtBob } = await pair(alice, bob);
    const sent = await alice.messenger.send(bobAtAlice, 'hello Bob');
    assert.equal(sent.direction, 'out');
    await until(() => delivered(alice, bobAtAlice), 'acknowledged');
    assert.deepEqual(await texts(bob, aliceAtBob), ['hello Bob']);
    await until(async () => (await alice.store.log.loadNewest(bobAtAlice, 10)).entries.every((e) => !e.unreadable && e.state === 'delivered'), 'delivered state');
  });

  it('puts only wire fields on the wire', async () => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    const { aContact } = await pair(alice, bob);
    const session = alice.messenger.peers.get(aContact)!;
    const frames: unknown[] = [];
    const send = session.send.bind(session);
    session.send = (frame) => (frames.push(frame), send(frame));
    await alice.messenger.send(aContact, 'just the text');
    const message = frames.find((f) => (f as { type: string }).type === 'envelope') as Record<string, unknown>;
    assert.deepEqual(Object.keys(message).sort(), ['box', 'chain', 'conversation', 'from', 'id', 'n', 'sig', 'type']);
    assert.match(String(message.conversation), /^dm:/);
    assert.doesNotMatch(JSON.stringify(message), /just the text/, 'sealed end to end');
  });

  it('a path that died silently after sending: everything arrives once, in order, on the next connection', async () => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    const { aContact: bobAtAlice, bContact: aliceAtBob } = await pair(alice, bob);
    const link = alice.device.links.at(-1) as MemoryLink;
    cut(link, link.peer!);
    for (const text of ['one', 'two', 'three']) await alice.messenger.send(bobAtAlice, text);
    assert.equal(alice.store.outbox.pending(bobAtAlice).length, 3, 'still waiting for acks');
    // The link fails for good; a reload in between loses nothing.
    link.close({ state: 'failed', code: 'ICE_FAILED' });
    link.peer!.close({ state: 'failed', code: 'ICE_FAILED' });
    await reload(alice);
    assert.equal(alice.store.outbox.pending(bobAtAlice).length, 3);
    await pair(bob, alice); // Bob invites this time: roles do not matter, keys do
    await until(() => delivered(alice, bobAtAlice), 'all acknowledged');
    assert.deepEqual(await texts(bob, aliceAtBob), ['one', 'two', 'three']);
  });

  it('a crash before the flush: resent, stored once', async () => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    const { aContact: bobAtAlice, bContact: aliceAtBob } = await pair(alice, bob);
    await alice.messenger.send(bobAtAlice, 'before the crash');
    await until(() => delivered(alice, bobAtAlice), 'acknowledged in memory');
    await crash(alice); // the ack's removal of the outbox entry was not flushed
    await pair(alice, bob);
    await until(() => delivered(alice, bobAtAlice), 'acknowledged again');
    assert.deepEqual(await texts(bob, aliceAtBob), ['before the crash']);
  });

  it('a peer that sends every frame 20 times: each message stored once', async () => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    const { aContact: bobAtAlice, bContact: aliceAtBob } = await pair(alice, bob);
    const link = alice.device.links.at(-1) as MemoryLink;
    const original = link.send.bind(link);
    link.send = (bytes) => {
      for (let i = 0; i < 20; i++) original(bytes);
    };
    for (const text of ['a', 'b', 'c']) await alice.messenger.send(bobAtAlice, text);
    await until(() => delivered(alice, bobAtAlice), 'acknowledged');
    // A barrier: one more message, sent once, after every replay on the same ordered link. Replays are refused by the
    // seal's counter as they arrive, so once it is stored every replay before it was seen.
    link.send = original;
    await alice.messenger.send(bobAtAlice, 'd');
    await waitFor(bob, 'added', (e) => e.message.text === 'd');
    assert.deepEqual(await texts(bob, aliceAtBob), ['a', 'b', 'c', 'd']);
    const session = bob.messenger.peers.open()[0]!;
    assert.ok(session.counters.rejected >= 57, `replays rejected by the seal's counter: ${session.counters.rejected}`);
    // The victim can still send.
    await bob.messenger.send(aliceAtBob, 'still here');
    await waitFor(alice, 'added', (e) => e.message.text === 'still here');
  });

  it('many conversations at once: no message crosses over, a closed peer leaves the others live', async () => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    const carol = await person('Carol');
    const { aContact: bobAtAlice } = await pair(alice, bob);
    const { aContact: carolAtAlice, bContact: aliceAtCarol } = await pair(alice, carol);
    assert.ok(alice.messenger.isOnline(bobAtAlice) && alice.messenger.isOnline(carolAtAlice));
    await alice.messenger.send(bobAtAlice, 'for Bob');
    await alice.messenger.send(carolAtAlice, 'for Carol');
    await carol.messenger.send(aliceAtCarol, 'from Carol');
    await until(() => delivered(alice, bobAtAlice) && delivered(alice, carolAtAlice), 'both acknowledged');
    assert.deepEqual(await texts(alice, bobAtAlice), ['for Bob']);
    assert.deepEqual(await texts(alice, carolAtAlice), ['for Carol', 'from Carol']);
    carol.messenger.close({ sayBye: true });
    await waitFor(alice, 'status', (s) => s.contactId === carolAtAlice && !s.online);
    assert.ok(alice.messenger.isOnline(bobAtAlice), "Bob's chat stays live");
  });
});
