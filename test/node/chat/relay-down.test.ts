// A relay that is down (issue 21's test list): its status says so plainly ("unreachable"), and direct chat goes on
// unaffected, in Node with a published Nostr relay (test/fixtures/nostr-relay.mjs) that is stopped under two
// connected contacts who use it.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startNostrRelay, type TestRelay } from '../../fixtures/nostr-relay.mjs';
import { relayFriends, texts, until } from './people';

const relays: TestRelay[] = [];
after(async () => {
  for (const relay of relays) await relay.stop().catch(() => undefined);
});

describe('a relay that is down', () => {
  it('reads "unreachable" in its status, and a direct message both ways still reads Delivered', { timeout: 60_000 }, async () => {
    const relay = await startNostrRelay();
    relays.push(relay);
    const { alice, bob, bobAtAlice, aliceAtBob } = await relayFriends(relay.url);
    await until(() => alice.messenger.relays!.statuses().get(relay.url) === 'connected', 'connected first', 30_000);
    await relay.stop();
    await until(() => alice.messenger.relays!.statuses().get(relay.url) === 'unreachable', '"unreachable" once it is down', 30_000);
    assert.ok(alice.messenger.isOnline(bobAtAlice) && bob.messenger.isOnline(aliceAtBob), 'the direct link is untouched');
    await alice.messenger.send(bobAtAlice, 'still here');
    await bob.messenger.send(aliceAtBob, 'me too');
    await until(async () => (await texts(bob, aliceAtBob)).includes('still here') && (await texts(alice, bobAtAlice)).includes('me too'), 'both messages arrive', 30_000);
    const delivered = async (who: typeof alice, id: string) => (await who.store.log.loadNewest(id, 10)).entries.every((e) => !e.unreadable && (e.direction === 'in' || e.state === 'delivered'));
    await until(async () => (await delivered(alice, bobAtAlice)) && (await delivered(bob, aliceAtBob)), 'Delivered both ways', 30_000);
    for (const who of [alice, bob]) who.messenger.close();
  });
});
