// Automatic reconnect through a real Nostr relay (test/fixtures/nostr-relay.mjs; docs/relays.md): two contacts who
// use relays with each other both close Tincan and open it again; their pages connect with no code, through a
// one-code reconnect offer sealed as an ephemeral gift wrap (never stored), and send nothing more once connected.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startNostrRelay, type TestRelay } from '../../fixtures/nostr-relay.mjs';
import { closeApp, pair, person, texts, unlockAgain, until, waitFor, type Person } from './people';

const relays: TestRelay[] = [];
after(async () => {
  for (const relay of relays) await relay.stop();
});

const events = (relay: TestRelay) => relay.received.filter((m) => m[0] === 'EVENT').map((m) => m[1] as { kind: number });

async function friends(url: string): Promise<{ alice: Person; bob: Person; bobAtAlice: string; aliceAtBob: string }> {
  const alice = await person('Alice', { relaySocket: WebSocket });
  const bob = await person('Bob', { relaySocket: WebSocket });
  const { aContact: bobAtAlice, bContact: aliceAtBob } = await pair(alice, bob);
  await alice.messenger.setRelays([url]);
  await bob.messenger.setRelays([url]);
  await until(() => !!alice.messenger.relays?.contactView(bobAtAlice).use && !!bob.messenger.relays?.contactView(aliceAtBob).use, 'relays swapped');
  return { alice, bob, bobAtAlice, aliceAtBob };
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
});
