// A relay that is down (issue 21's test list): its status says so plainly ("unreachable"), and direct chat goes on
// unaffected, in Node with a published Nostr relay (test/fixtures/nostr-relay.mjs) that is stopped under two
// connected contacts who use it.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { finalizeEvent } from 'nostr-tools/pure';
import { startNostrRelay, type TestRelay } from '../../fixtures/nostr-relay.mjs';
import { aliasOf, giftWrapKind, newAliasSecret, RelayPool, wrapBackdateS, wrapFor } from '../../../src/net/nostr-relays';
import { loseLink, relayFriends, texts, until, type Person } from './people';

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

describe('a relay connection that drops and comes back', () => {
  // NIP-59 back-dates each wrap by a random time up to two days, so what the reading asked for before the drop
  // (`since` two days back) must be what it asks for after: nostr-tools' own resubscription asked only for events
  // newer than the newest it had seen, and every wrap sent after that was lost (address-change trace, 2026-12-08).
  it('reads every wrap sent after the reconnection, stored and ephemeral, however back-dated', { timeout: 60_000 }, async () => {
    const relay = await startNostrRelay();
    relays.push(relay);
    const secret = newAliasSecret();
    const alias = aliasOf(secret);
    const reader = new RelayPool({ socket: WebSocket });
    const writer = new RelayPool({ socket: WebSocket });
    const got = new Set<string>();
    const statuses: string[] = [];
    let eoses = 0;
    reader.on('event', (event) => void got.add(event.id));
    reader.on('status', ({ status }) => void statuses.push(status));
    reader.on('eose', () => void eoses++);
    const nowS = Math.floor(Date.now() / 1000);
    reader.read([relay.url], [alias], nowS - wrapBackdateS);
    await until(() => eoses === 1, 'the first reading is live', 30_000);
    // A wrap dated now (a back-dating of zero, the newest a reading can see).
    const newest = finalizeEvent({ kind: giftWrapKind, content: 'x', created_at: nowS, tags: [['p', alias]] }, newAliasSecret());
    assert.ok(await writer.publish([relay.url], newest));
    await until(() => got.has(newest.id), 'the wrap dated now is read', 30_000);
    relay.dropClients();
    await until(() => statuses.includes('unreachable') && statuses.at(-1) === 'connected' && eoses === 2, 'the reading is back and live', 30_000);
    const sent: string[] = [];
    for (const ephemeral of [false, false, false, true, true, true]) {
      const wrap = wrapFor('hello', secret, alias, Math.floor(Date.now() / 1000), { ephemeral })!;
      assert.ok(await writer.publish([relay.url], wrap), 'the relay took it');
      sent.push(wrap.id);
    }
    await until(() => sent.every((id) => got.has(id)), 'all six wraps read after the reconnection', 30_000);
    reader.close();
    writer.close();
  });
});

describe('two contacts through a relay whose connections drop', () => {
  it('what is written after the relay is back reaches the contact once each, in order, and reads Delivered', { timeout: 120_000 }, async () => {
    const relay = await startNostrRelay();
    relays.push(relay);
    const { alice, bob, bobAtAlice, aliceAtBob } = await relayFriends(relay.url);
    // No direct link can form (as behind symmetric NATs with no TURN): everything goes through the relay.
    alice.device.isDirectBlocked = true;
    loseLink(alice, bobAtAlice, bob, aliceAtBob);
    await alice.messenger.send(bobAtAlice, 'before');
    const delivered = async () => alice.store.outbox.pending(bobAtAlice).length === 0 && (await alice.store.log.loadNewest(bobAtAlice, 10)).entries.every((e) => !e.unreadable && e.direction === 'out' && e.state === 'delivered');
    await until(delivered, 'the first message by relay, Delivered', 30_000);
    const seen = new Map<Person, string[]>();
    for (const who of [alice, bob]) {
      seen.set(who, []);
      who.messenger.relays!.on('relays', ({ statuses }) => void seen.get(who)!.push(statuses.get(relay.url) ?? ''));
    }
    relay.dropClients();
    const back = (who: Person) => seen.get(who)!.includes('unreachable') && who.messenger.relays!.statuses().get(relay.url) === 'connected';
    await until(() => back(alice) && back(bob), 'both relay connections back', 30_000);
    // Several: each wrap is back-dated at random, so some surely fall below anything a reading saw before the drop.
    const written = ['one', 'two', 'three', 'four', 'five'];
    for (const text of written) await alice.messenger.send(bobAtAlice, text);
    await until(async () => (await texts(bob, aliceAtBob)).length === 6, 'all five at Bob', 60_000);
    assert.deepEqual(await texts(bob, aliceAtBob), ['before', ...written], 'once each, in order');
    await until(delivered, 'Delivered at Alice (acks by relay)', 60_000);
    for (const who of [alice, bob]) who.messenger.close();
  });
});
