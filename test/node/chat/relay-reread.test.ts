// An unlock reads the last two days of gift wraps again (they are back-dated: docs/relays.md). What an earlier unlock
// already read is not handed on again (chat/relay-carrier.ts, readBeforeMarginS): before, each unlock while the
// sender was away acknowledged every such message again by relay, one more wrap kept 14 days each time, and the
// relay's store and the next unlock's reading grew with it (bench/RESULTS.md, "Issue 21").
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startNostrRelay, type TestRelay } from '../../fixtures/nostr-relay.mjs';
import WebSocket from 'ws';
import { closeApp, pair, person, texts, unlockAgain, until } from './people';

const relays: TestRelay[] = [];
after(async () => {
  for (const relay of relays) await relay.stop();
});

describe('relays: reading again at unlock', () => {
  it('a second unlock while the sender is still away hands nothing on again and publishes no second ack', { timeout: 60_000 }, async () => {
    const relay = await startNostrRelay();
    relays.push(relay);
    // Alice's clock can be moved on (her unlocks an hour apart, as a person's are).
    let aliceAheadMs = 0;
    const alice = await person('Alice', { relaySocket: WebSocket, now: () => Date.now() + aliceAheadMs });
    const bob = await person('Bob', { relaySocket: WebSocket });
    const { aContact: bobAtAlice, bContact: aliceAtBob } = await pair(alice, bob);
    for (const who of [alice, bob]) await who.messenger.setRelays([relay.url]);
    await until(() => !!alice.messenger.relays?.contactView(bobAtAlice).use && !!bob.messenger.relays?.contactView(aliceAtBob).use, 'relays swapped', 30_000);
    // The alias Bob gave Alice: wraps for Bob (Alice's acks among them) are addressed to it.
    const bobAlias = (await bob.messenger.relays!.offerFor(aliceAtBob))!.alias!;
    const aliceAlias = (await alice.messenger.relays!.offerFor(bobAtAlice))!.alias!;
    await closeApp(alice);
    alice.device.supportsOneCodeReconnect = false;
    await until(() => !bob.messenger.isOnline(aliceAtBob), 'Alice away', 30_000);
    for (const text of ['one', 'two', 'three']) await bob.messenger.send(aliceAtBob, text);
    await until(async () => (await relay.stored({ kinds: [1059], '#p': [aliceAlias] })).length >= 3, "Bob's three on the relay", 30_000);
    await closeApp(bob);
    // Gift wraps addressed to Bob's alias, as the relay received them (Alice's acks).
    const wrapsForBob = async () =>
      relay.received.filter((m) => m[0] === 'EVENT' && (m[1] as { kind?: number; tags?: string[][] }).kind === 1059 && !!(m[1] as { tags?: string[][] }).tags?.some((t) => t[0] === 'p' && t[1] === bobAlias)).length;

    aliceAheadMs = 60 * 60_000;
    await unlockAgain(alice);
    await until(async () => (await texts(alice, bobAtAlice)).length === 3, 'three at Alice', 30_000);
    await until(async () => (await wrapsForBob()) >= 1, "Alice's ack on the relay for Bob", 30_000);
    // Counted once Alice's Tincan is closed (her acks may go in more than one wrap: one per stored batch).
    await closeApp(alice);
    const acks = await wrapsForBob();

    aliceAheadMs = 2 * 60 * 60_000;
    await unlockAgain(alice);
    const carrier = alice.messenger.relays!;
    // The second reading brought Bob's three again: skipped (or, before, acknowledged again by relay).
    await until(async () => carrier.ignored.readBefore >= 3 || (await wrapsForBob()) > acks, 'the second reading', 30_000);
    assert.equal(carrier.ignored.readBefore, 3, 'the three read at the first unlock are not handed on again');
    assert.equal(await wrapsForBob(), acks, 'no second ack published');
    assert.deepEqual(await texts(alice, bobAtAlice), ['one', 'two', 'three']);
    alice.messenger.close();
  });
});
