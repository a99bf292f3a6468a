// Automatic reconnect through a real Nostr relay (test/fixtures/nostr-relay.mjs; docs/relays.md): two contacts who
// use relays with each other both close Tincan and open it again; their pages connect with no code, through a
// one-code reconnect offer sealed as an ephemeral gift wrap (never stored), and send nothing more once connected.
// The same while both pages stay open and their direct link is lost, also when only one side noticed (the other's link
// is checked when the contact's offer comes) or neither did (a page coming back to the front checks its links); not
// when one of them ended it on purpose.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startNostrRelay, type TestRelay } from '../../fixtures/nostr-relay.mjs';
import { closeApp, loseLink, relayFriends as friends, texts, unlockAgain, until, waitFor, type Person } from './people';
import { cut, type MemoryLink } from './memory-link';

const relays: TestRelay[] = [];
after(async () => {
  for (const relay of relays) await relay.stop();
});

const events = (relay: TestRelay) => relay.received.filter((m) => m[0] === 'EVENT').map((m) => m[1] as { kind: number });

const linkOf = (who: Person, contactId: string) => who.messenger.peers.get(contactId)!.link as MemoryLink;

/**
 * Two friends using a relay, connected; `lose` does something to their link (`a` Alice's end, `b` Bob's). Then both
 * must be connected again by an automatic reconnect, over a new link, and a message must go over it.
 */
async function comesBack(lose: (people: { alice: Person; a: MemoryLink; b: MemoryLink }) => void): Promise<void> {
  const relay = await startNostrRelay();
  relays.push(relay);
  const { alice, bob, bobAtAlice, aliceAtBob } = await friends(relay.url);
  const a = linkOf(alice, bobAtAlice);
  lose({ alice, a, b: linkOf(bob, aliceAtBob) });
  await Promise.all([
    waitFor(alice, 'connected', (c) => c.contactId === bobAtAlice && !!c.automatic, { timeoutMs: 20_000 }),
    waitFor(bob, 'connected', (c) => c.contactId === aliceAtBob && !!c.automatic, { timeoutMs: 20_000 }),
  ]);
  assert.notEqual(linkOf(alice, bobAtAlice), a, 'a new link');
  await alice.messenger.send(bobAtAlice, 'back again');
  await until(async () => (await texts(bob, aliceAtBob)).includes('back again'), 'over the new link');
  for (const who of [alice, bob]) who.messenger.close();
}

describe('automatic reconnect through a relay', () => {
  for (const order of ['Alice first', 'both at once'] as const) {
    it(`both close Tincan and open it again (${order}): connected with no code, messages flow directly, nothing stored`, async () => {
      const relay = await startNostrRelay();
      relays.push(relay);
      const { alice, bob, bobAtAlice, aliceAtBob } = await friends(relay.url);
      await closeApp(alice);
      await closeApp(bob);
      const before = events(relay).length;
      if (order === 'Alice first') {
        await unlockAgain(alice);
        await unlockAgain(bob);
      } else {
        await Promise.all([unlockAgain(alice), unlockAgain(bob)]);
      }
      const connected = await Promise.all([waitFor(alice, 'connected', (c) => c.contactId === bobAtAlice, { timeoutMs: 40_000 }), waitFor(bob, 'connected', (c) => c.contactId === aliceAtBob, { timeoutMs: 40_000 })]);
      assert.deepEqual(connected.map((c) => c.automatic), [true, true], 'told as automatic: the app does not switch conversations');
      assert.equal(alice.messenger.pairing.exchanges().length + bob.messenger.pairing.exchanges().length, 0, 'no exchange left over');
      const offers = events(relay).slice(before);
      assert.ok(offers.length >= 1 && offers.every((e) => e.kind === 21059), 'ephemeral offers only');
      assert.deepEqual(await relay.stored({ kinds: [21059] }), [], 'none stored');
      await bob.messenger.send(aliceAtBob, 'direct again');
      await until(async () => (await texts(alice, bobAtAlice)).includes('direct again'), 'the message over the new link');
      for (const who of [alice, bob]) who.messenger.close();
    });
  }

  it('a link lost while both pages stay open comes back by relay with no code', async () => {
    const relay = await startNostrRelay();
    relays.push(relay);
    const { alice, bob, bobAtAlice, aliceAtBob } = await friends(relay.url);
    loseLink(alice, bobAtAlice, bob, aliceAtBob);
    await Promise.all([
      waitFor(alice, 'connected', (c) => c.contactId === bobAtAlice && !!c.automatic, { timeoutMs: 20_000 }),
      waitFor(bob, 'connected', (c) => c.contactId === aliceAtBob && !!c.automatic, { timeoutMs: 20_000 }),
    ]);
    assert.ok(events(relay).every((e) => e.kind === 21059), 'only ephemeral offers and answers');
    assert.deepEqual(await relay.stored({ kinds: [21059] }), [], 'none stored');
    await alice.messenger.send(bobAtAlice, 'back again');
    await until(async () => (await texts(bob, aliceAtBob)).includes('back again'), 'over the new link');
    for (const who of [alice, bob]) who.messenger.close();
  });

  // A change of address (test/e2e/address-change.test.mjs): one browser's link closes at once, the other's still reads
  // open for 40 s. The contact's offer makes that side check its link (a ping): no pong, and the offer is taken.
  it('a link lost on one side only (the other still reads it open): the contact\'s offer brings it back by relay', () =>
    comesBack(({ a, b }) => {
      cut(a, b);
      b.close({ state: 'failed', code: 'ICE_FAILED' });
    }));

  it('a link whose path went (ICE disconnected, as under a change of address) is checked at once: found dead, it comes back by relay', () =>
    comesBack(({ a, b }) => {
      cut(a, b);
      a.losePath();
    }));

  it('a link dead under both pages that neither noticed: a page coming back to the front finds it dead, and it comes back by relay', () =>
    comesBack(({ alice, a, b }) => {
      cut(a, b);
      alice.messenger.pingAll();
    }));

  it('a page that goes away says so (its bye); the contact\'s page offers a reconnect by relay, which connects the page once it is back', async () => {
    const relay = await startNostrRelay();
    relays.push(relay);
    const { alice, bob, bobAtAlice, aliceAtBob } = await friends(relay.url);
    const before = events(relay).length;
    alice.messenger.closeSessionsOnPageExit();
    // The page is gone: it reads nothing more (neither the offers nor its own relays).
    alice.messenger.close();
    const told = await waitFor(bob, 'status', (s) => s.contactId === aliceAtBob && !s.online);
    assert.deepEqual([told.closedByPeer, told.pageClosed, told.endCode], [true, true, undefined], 'Bob\'s page: Alice\'s page closed');
    await until(() => events(relay).slice(before).some((e) => e.kind === 21059), 'Bob\'s page offers by relay');
    await unlockAgain(alice);
    await Promise.all([
      waitFor(alice, 'connected', (c) => c.contactId === bobAtAlice && !!c.automatic, { timeoutMs: 40_000 }),
      waitFor(bob, 'connected', (c) => c.contactId === aliceAtBob && !!c.automatic, { timeoutMs: 40_000 }),
    ]);
    await alice.messenger.send(bobAtAlice, 'back after a reload');
    await until(async () => (await texts(bob, aliceAtBob)).includes('back after a reload'), 'over the new link');
    for (const who of [alice, bob]) who.messenger.close();
  });

  it('a link ended on purpose (Disconnect) is not reconnected by relay', async () => {
    const relay = await startNostrRelay();
    relays.push(relay);
    const { alice, bob, bobAtAlice, aliceAtBob } = await friends(relay.url);
    const before = events(relay).length;
    bob.messenger.disconnect(aliceAtBob);
    await until(() => !alice.messenger.isOnline(bobAtAlice) && !bob.messenger.isOnline(aliceAtBob), 'both offline');
    // A lost link makes its first offer at once (the test above); here, a message by relay is what the relay sees.
    await alice.messenger.send(bobAtAlice, 'after the bye');
    await until(async () => (await texts(bob, aliceAtBob)).includes('after the bye'), 'by relay at Bob', 10_000);
    assert.deepEqual(events(relay).slice(before).map((e) => e.kind).filter((k) => k === 21059), [], 'no reconnect offer');
    assert.ok(!alice.messenger.isOnline(bobAtAlice), 'still apart');
    for (const who of [alice, bob]) who.messenger.close();
  });
});
