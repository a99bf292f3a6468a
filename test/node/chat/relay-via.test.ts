// The last resort through a real Nostr relay (test/fixtures/nostr-relay.mjs; docs/relays.md, "via relay"): two
// contacts who use relays with each other lose their direct link while both pages stay open. The pages offer a
// reconnect by relay by themselves; when no direct link can form (the devices' links never connect, as behind
// symmetric NATs with no TURN), each reads the other "via relay", messages and acks go through the relay live and
// end Delivered; once a direct link can form again, the next offer makes one and the status is Connected again.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startNostrRelay, type TestRelay } from '../../fixtures/nostr-relay.mjs';
import type { PeerStatus } from '../../../src/chat/messenger';
import { loseLink, relayFriends as friends, texts, until, waitFor, type Person } from './people';

const relays: TestRelay[] = [];
after(async () => {
  for (const relay of relays) await relay.stop();
});

const events = (relay: TestRelay) => relay.received.filter((m) => m[0] === 'EVENT');

const isDelivered = async (who: Person, contactId: string, text: string) =>
  who.store.outbox.pending(contactId).length === 0 && (await who.store.log.loadNewest(contactId, 100)).entries.some((e) => !e.unreadable && e.text === text && e.state === 'delivered');

const viaRelay = (contactId: string) => (s: PeerStatus) => s.contactId === contactId && !s.online && s.viaRelay === true;

describe('via relay', () => {
  it('no direct link can form: both read "via relay", a message and its ack go through the relay at once; a direct link later takes over', async () => {
    const relay = await startNostrRelay();
    relays.push(relay);
    const { alice, bob, bobAtAlice, aliceAtBob } = await friends(relay.url);
    alice.device.isDirectBlocked = true;
    // Every automatic offer or answer either page hands its relays (each one ephemeral event on the one relay).
    let reconnectSends = 0;
    for (const who of [alice, bob]) {
      const carrier = who.messenger.relays!;
      const send = carrier.sendReconnect.bind(carrier);
      carrier.sendReconnect = (id, code) => (reconnectSends++, send(id, code));
    }
    loseLink(alice, bobAtAlice, bob, aliceAtBob);

    await Promise.all([
      waitFor(alice, 'status', viaRelay(bobAtAlice), { timeoutMs: 30_000 }),
      waitFor(bob, 'status', viaRelay(aliceAtBob), { timeoutMs: 30_000 }),
    ]);
    assert.ok(alice.messenger.isViaRelay(bobAtAlice) && bob.messenger.isViaRelay(aliceAtBob));
    assert.ok(!alice.messenger.isOnline(bobAtAlice) && !bob.messenger.isOnline(aliceAtBob), 'no direct link formed');

    // Well within the resend period (15 s) and the carrier's republish period (10 min): sent at once, acked at once.
    await alice.messenger.send(bobAtAlice, 'through the relay');
    await until(async () => (await texts(bob, aliceAtBob)).includes('through the relay'), 'at Bob', 5_000);
    await until(() => isDelivered(alice, bobAtAlice, 'through the relay'), 'Delivered at Alice (ack by relay)', 5_000);
    await bob.messenger.send(aliceAtBob, 'and back');
    await until(async () => (await texts(alice, bobAtAlice)).includes('and back'), 'at Alice', 5_000);
    await until(() => isDelivered(bob, aliceAtBob, 'and back'), 'Delivered at Bob (ack by relay)', 5_000);
    assert.deepEqual(await texts(bob, aliceAtBob), ['through the relay', 'and back'], 'once each');

    // The path comes back: the next automatic offer (15 s after the first) makes a direct link.
    alice.device.isDirectBlocked = false;
    await Promise.all([
      waitFor(alice, 'connected', (c) => c.contactId === bobAtAlice && !!c.automatic, { timeoutMs: 40_000 }),
      waitFor(bob, 'connected', (c) => c.contactId === aliceAtBob && !!c.automatic, { timeoutMs: 40_000 }),
    ]);
    await until(() => alice.messenger.isOnline(bobAtAlice) && bob.messenger.isOnline(aliceAtBob), 'Connected on both sides');
    assert.ok(!alice.messenger.isViaRelay(bobAtAlice) && !bob.messenger.isViaRelay(aliceAtBob));
    // An offer or answer sent just before the link opened may still be on its way to the relay: counted once there.
    const sentBefore = reconnectSends;
    await until(() => relay.received.filter((m) => m[0] === 'EVENT' && (m[1] as { kind?: number }).kind === 21059).length >= sentBefore, 'what was sent before reached the relay');
    const before = events(relay).length;
    await bob.messenger.send(aliceAtBob, 'direct again');
    await until(async () => (await texts(alice, bobAtAlice)).includes('direct again'), 'over the new link');
    await until(() => isDelivered(bob, aliceAtBob, 'direct again'), 'Delivered at Bob');
    assert.equal(events(relay).length, before, 'nothing more for the relay once connected');
    assert.equal(reconnectSends, sentBefore, 'no offer or answer once connected');
    for (const who of [alice, bob]) who.messenger.close();
  });
});
