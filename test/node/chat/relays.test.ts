// Offline delivery through a real Nostr relay (the published @nostr-relay/core with its validator and sqlite store,
// test/fixtures/nostr-relay.mjs) between two real chat stacks: exactly once, whatever the relay does to the events
// it hands out (drop, duplicate, reorder, replay), and nothing at all for a relay unless relays were turned on.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startNostrRelay, type RelayFaults, type TestRelay } from '../../fixtures/nostr-relay.mjs';
import { decodeFrame, encodeFrame, frameTypes } from '../../../src/chat/frames';
import { isInviteRelayAddress, isRelayAddress, parseRelayList } from '../../../src/net/relay-address';
import { closeApp, joinGroup, pair, person, texts, unlockAgain, until, type Person } from './people';

const relays: TestRelay[] = [];
after(async () => {
  for (const relay of relays) await relay.stop();
});

async function relay(faults: RelayFaults = {}): Promise<TestRelay> {
  const started = await startNostrRelay({ faults });
  relays.push(started);
  return started;
}

/** Alice and Bob, paired, both with relays on (or not), each knowing the other's relays once it says so. */
async function friends(url?: string) {
  const alice = await person('Alice', { relaySocket: WebSocket });
  const bob = await person('Bob', { relaySocket: WebSocket });
  if (url) {
    await alice.messenger.setRelays([url]);
    await bob.messenger.setRelays([url]);
  }
  const { aContact: bobAtAlice, bContact: aliceAtBob } = await pair(alice, bob);
  if (url) {
    await until(() => !!alice.messenger.relays?.contactView(bobAtAlice).use && !!bob.messenger.relays?.contactView(aliceAtBob).use, 'relays swapped');
  }
  return { alice, bob, bobAtAlice, aliceAtBob };
}

const offline = (who: Person, contactId: string) => until(() => !who.messenger.isOnline(contactId), 'contact offline');
const allDelivered = async (who: Person, contactId: string) =>
  who.store.outbox.pending(contactId).length === 0 &&
  (await who.store.log.loadNewest(contactId, 100)).entries.every((e) => !e.unreadable && (e.direction === 'in' || e.state === 'delivered'));

/** Bob writes five while Alice's Tincan is closed; Alice comes back. */
async function fiveWhileAway(url: string, faults?: { aliceAlias?: (alias: string) => void }) {
  const { alice, bob, bobAtAlice, aliceAtBob } = await friends(url);
  const aliceAlias = (await alice.messenger.relays!.offerFor(bobAtAlice))!.alias!;
  faults?.aliceAlias?.(aliceAlias);
  await closeApp(alice);
  // Alice's page makes no automatic reconnect when it opens again (relay-reconnect.test.ts does): what reaches her
  // here comes by relay only.
  alice.device.supportsOneCodeReconnect = false;
  await offline(bob, aliceAtBob);
  const sent = ['note 1', 'note 2', 'note 3', 'note 4', 'note 5'];
  for (const text of sent) await bob.messenger.send(aliceAtBob, text);
  return { alice, bob, bobAtAlice, aliceAtBob, aliceAlias, sent };
}

const wrapsFor = (relay: TestRelay, alias: string) => relay.stored({ kinds: [1059], '#p': [alias] });

/** Ann and Ben, the only members of a group, both with relays on, each knowing the other's relays. */
async function groupOfTwo(url: string) {
  const ann = await person('Ann', { relaySocket: WebSocket });
  const ben = await person('Ben', { relaySocket: WebSocket });
  await ann.messenger.setRelays([url]);
  await ben.messenger.setRelays([url]);
  const group = await ann.messenger.groups.create('Climbers');
  await joinGroup(ann, ben, group.id);
  const benAtAnn = ann.messenger.groups.view(group.id).members.find((m) => m.name === 'Ben')!.contactId;
  const annAtBen = ben.messenger.groups.view(group.id).members.find((m) => m.name === 'Ann')!.contactId;
  await until(() => !!ann.messenger.relays?.contactView(benAtAnn).use && !!ben.messenger.relays?.contactView(annAtBen).use, 'relays swapped');
  return { ann, ben, groupId: group.id, benAtAnn, annAtBen };
}

const groupDelivered = async (who: Person, groupId: string) =>
  (await who.store.log.loadNewest(groupId, 10)).entries.every((e) => !e.unreadable && (e.direction === 'in' || e.state === 'delivered'));

describe('relays', () => {
  it('offline: five written while the other is away arrive once, Delivered by an ack through the relay; the relay keeps only expiring gift wraps', async () => {
    const r = await relay();
    const { alice, bob, bobAtAlice, aliceAtBob, aliceAlias, sent } = await fiveWhileAway(r.url);
    await until(async () => (await wrapsFor(r, aliceAlias)).length === 5, 'five wraps on the relay', 30_000);
    assert.ok((await r.stored({})).every((event) => event.kind === 1059), 'only gift wraps are stored');
    // (The other wrap is Bob's answer to Alice's first invite: relay-first-contact.test.ts.)
    const stored = await wrapsFor(r, aliceAlias);
    for (const event of stored) {
      const expiration = Number(event.tags.find((t) => t[0] === 'expiration')?.[1]);
      assert.ok(expiration - Date.now() / 1000 > 13.9 * 86_400 && expiration - Date.now() / 1000 <= 14 * 86_400, 'expires in 14 days');
      assert.doesNotMatch(event.content, /note \d/);
    }
    await unlockAgain(alice);
    await until(async () => (await texts(alice, bobAtAlice)).length === 5, 'five at Alice', 30_000);
    assert.deepEqual(await texts(alice, bobAtAlice), sent, 'once each, in the order written');
    await until(() => allDelivered(bob, aliceAtBob), 'Delivered at Bob (ack by relay)', 30_000);
  });

  for (const fault of ['duplicate', 'reorder', 'replay', 'drop'] as const) {
    it(`exactly once when the relay ${fault === 'reorder' ? 'reorders' : fault + 's'} what it hands out`, async () => {
      let alias = '';
      let handed = 0;
      const r = await relay({
        toClient: (event) => {
          if (!event.tags.some((t) => t[0] === 'p' && t[1] === alias)) return 'pass';
          handed++;
          if (fault === 'duplicate') return 'duplicate';
          if (fault === 'reorder') return 'hold';
          if (fault === 'drop') return handed <= 5 ? 'drop' : 'pass';
          return 'pass';
        },
      });
      const { alice, bob, bobAtAlice, aliceAtBob, sent } = await fiveWhileAway(r.url, { aliceAlias: (a) => (alias = a) });
      await until(async () => (await wrapsFor(r, alias)).length === 5, 'five wraps on the relay', 30_000);
      await unlockAgain(alice);
      // Held events go out newest first whenever the test looks (reorder); dropped ones come again with the
      // reading that follows the first (drop).
      const arrived = async (n: number) => {
        r.release();
        return (await texts(alice, bobAtAlice)).length >= n;
      };
      await until(() => arrived(5), 'five at Alice', 30_000);
      await until(() => allDelivered(bob, aliceAtBob), 'Delivered at Bob', 30_000);
      if (fault === 'replay') r.replay();
      // A message after everything the relay did, on the same connection: once it is in, the rest has been seen.
      await bob.messenger.send(aliceAtBob, 'six');
      await until(async () => (await arrived(6)) && (await texts(alice, bobAtAlice)).includes('six'), 'six at Alice', 30_000);
      const got = await texts(alice, bobAtAlice);
      if (fault === 'reorder') {
        // Held past the end of the stored events, they come as live ones, and are kept in the order they came.
        assert.deepEqual([...got].sort(), [...sent, 'six'].sort(), 'each once');
      } else {
        assert.deepEqual(got, [...sent, 'six'], 'each once, in the order written');
      }
      await until(() => allDelivered(bob, aliceAtBob), 'six Delivered at Bob', 30_000);
    });
  }

  // Issue 21: a group's envelopes travel by relay like a 1:1 conversation's (a message is sealed once, any carrier
  // takes it). Ann and Ben, the group's only members, both with relays on; Ben is away while Ann writes, and comes
  // back with no direct connection: the group's messages reach him through the relay once each, and Ann's page
  // reads them delivered by his acks through it.
  it('a group: what a member writes while another is away arrives by relay once each, and reads delivered', async () => {
    const r = await relay();
    const { ann, ben, groupId, benAtAnn, annAtBen } = await groupOfTwo(r.url);
    // A message while both are there: Ann's sender chain is Ben's before he goes.
    await ann.messenger.send(groupId, 'before');
    await until(async () => (await texts(ben, groupId)).includes('before'), 'the first at Ben');
    await closeApp(ben);
    ben.device.supportsOneCodeReconnect = false;
    await offline(ann, benAtAnn);
    const sent = ['rope', 'snacks', 'six sharp'];
    for (const text of sent) await ann.messenger.send(groupId, text);
    await unlockAgain(ben);
    await until(async () => (await texts(ben, groupId)).length === 4, 'three more at Ben', 30_000);
    assert.deepEqual(await texts(ben, groupId), ['before', ...sent], 'once each, in the order written');
    assert.ok(!ben.messenger.isOnline(annAtBen), 'no direct connection: they came by relay');
    await until(() => groupDelivered(ann, groupId), 'Delivered at Ann (acks by relay)', 30_000);
    for (const who of [ann, ben]) who.messenger.close();
  });

  // A sender's chain resumed after a reload (docs/envelopes.md, "Numbers reserved ahead, resumed after a reload"):
  // what it writes after reloading while the other is away is sealed under the chain handed at their one direct
  // session, so it opens. Neither page reconnects by itself: what arrives comes by relay.
  it('the sender reloads while the other is away: what it writes then opens at the other, once each in order, and reads Delivered', async () => {
    const r = await relay();
    const { alice, bob, bobAtAlice, aliceAtBob } = await friends(r.url);
    alice.device.supportsOneCodeReconnect = false;
    bob.device.supportsOneCodeReconnect = false;
    await closeApp(alice);
    await offline(bob, aliceAtBob);
    // Bob reloads: his chat core is closed and opened again from the same vault.
    await closeApp(bob);
    await unlockAgain(bob);
    const sent = ['after the reload 1', 'after the reload 2', 'after the reload 3'];
    for (const text of sent) await bob.messenger.send(aliceAtBob, text);
    await unlockAgain(alice);
    await until(async () => (await texts(alice, bobAtAlice)).length === 3, 'three at Alice', 30_000);
    assert.deepEqual(await texts(alice, bobAtAlice), sent, 'once each, readable, in the order written');
    assert.equal(alice.messenger.delivery.ignored.unreadable, 0);
    assert.ok(!alice.messenger.isOnline(bobAtAlice), 'no direct connection: they came by relay');
    await until(() => allDelivered(bob, aliceAtBob), 'Delivered at Bob (acks by relay)', 30_000);
    for (const who of [alice, bob]) who.messenger.close();
  });

  // The same in a group, whichever is ready first after the reload, Ann's groups or her delivery: a group seen again
  // with the same members keeps the chain that was live (no new chain that Ben, away, would lack).
  for (const groupsLoadLate of [false, true]) {
    it(`a group member reloads while the other is away: what it writes then opens, once each in order${groupsLoadLate ? ' (groups read after delivery is ready)' : ''}`, async () => {
      const r = await relay();
      const { ann, ben, groupId, benAtAnn, annAtBen } = await groupOfTwo(r.url);
      await ann.messenger.send(groupId, 'before');
      await until(async () => (await texts(ben, groupId)).includes('before'), 'the first at Ben');
      ann.device.supportsOneCodeReconnect = false;
      ben.device.supportsOneCodeReconnect = false;
      await closeApp(ben);
      await offline(ann, benAtAnn);
      await closeApp(ann);
      ann.groupsLoadLate = groupsLoadLate;
      await unlockAgain(ann);
      await until(() => ann.messenger.groups.views().some((g) => g.id === groupId), 'the group loaded again');
      const sent = ['rope', 'snacks', 'six sharp'];
      for (const text of sent) await ann.messenger.send(groupId, text);
      await unlockAgain(ben);
      await until(async () => (await texts(ben, groupId)).length === 4, 'three more at Ben', 30_000);
      assert.deepEqual(await texts(ben, groupId), ['before', ...sent], 'once each, readable, in the order written');
      assert.ok(!ben.messenger.isOnline(annAtBen), 'no direct connection: they came by relay');
      await until(() => groupDelivered(ann, groupId), 'Delivered at Ann (acks by relay)', 30_000);
      for (const who of [ann, ben]) who.messenger.close();
    });
  }

  it('opt-out: without relays turned on, nothing reaches a relay (its store and its wire stay empty)', async () => {
    const r = await relay();
    const { alice, bob, bobAtAlice, aliceAtBob } = await friends();
    await bob.messenger.send(aliceAtBob, 'direct');
    await until(async () => (await texts(alice, bobAtAlice)).length === 1, 'direct message');
    await closeApp(alice);
    await offline(bob, aliceAtBob);
    await bob.messenger.send(aliceAtBob, 'while away');
    await unlockAgain(alice);
    // Bob's message waits (no relay) and comes over the next direct link.
    const again = await pair(bob, alice);
    await until(async () => (await texts(alice, again.bContact)).length === 2, 'after reconnecting');
    assert.deepEqual(await r.stored({}), []);
    assert.deepEqual(r.received, [], 'no message reached the relay');
    assert.equal(alice.messenger.relays?.contactView(bobAtAlice).use, false);
  });

  it('one side only: Alice turned relays on, Bob did not: Bob publishes nothing (his pasted answer is not sent by relay either), and nothing goes to Alice\'s relay for Bob', async () => {
    const r = await relay();
    const alice = await person('Alice', { relaySocket: WebSocket });
    const bob = await person('Bob', { relaySocket: WebSocket });
    await alice.messenger.setRelays([r.url]);
    const { aContact: bobAtAlice, bContact: aliceAtBob } = await pair(alice, bob);
    // Alice's invite named her relay, but Bob's page has relays off and he pasted the code: his answer went by hand
    // only (relay-first-contact.test.ts).
    const events = () => r.received.filter((m) => m[0] === 'EVENT');
    await alice.messenger.send(bobAtAlice, 'hi');
    await until(() => allDelivered(alice, bobAtAlice), 'delivered directly');
    await closeApp(alice);
    await offline(bob, aliceAtBob);
    await bob.messenger.send(aliceAtBob, 'while away');
    assert.equal(bob.messenger.relays?.contactView(aliceAtBob).use, false);
    assert.deepEqual(await r.stored({}), [], 'nothing stored');
    assert.equal(events().length, 0, 'no event published');
  });
});

describe('relay addresses and the relays frame (untrusted input)', () => {
  it('takes wss:// anywhere and ws:// only to loopback, one a line', () => {
    const { relays, bad } = parseRelayList(' wss://relay.example.org \n\nws://127.0.0.1:7000\nws://relay.example.org\nhttps://x.example\nwss://relay.example.org');
    assert.deepEqual(relays, ['wss://relay.example.org', 'ws://127.0.0.1:7000']);
    assert.deepEqual(bad, ['ws://relay.example.org', 'https://x.example']);
    assert.deepEqual(parseRelayList('wss://user:pw@relay.example.org').bad, ['wss://user:pw@relay.example.org']);
  });

  it('a relay named in an invite: wss:// only to a public name (no IP literal, no local name); ws:// only to loopback', () => {
    const good = ['wss://relay.example.org', 'wss://relay.example.org:444/path', 'ws://127.0.0.1:7000'];
    const bad = ['wss://192.168.1.20', 'wss://10.0.0.1:8443', 'wss://127.0.0.1', 'wss://[::1]:443', 'wss://[fd00::1]', 'wss://2130706433', 'wss://0x7f.1',
      'wss://localhost', 'wss://printer', 'wss://nas.local', 'wss://router.lan', 'wss://db.internal', 'wss://relay.localhost:9000', 'ws://relay.example.org'];
    assert.deepEqual(good.filter(isInviteRelayAddress), good);
    assert.deepEqual(bad.filter(isInviteRelayAddress), []);
    // The relays a person types for their own use are still theirs to choose.
    assert.ok(isRelayAddress('wss://192.168.1.20'));
  });

  it('decodes a relays frame only with a hex alias and at most 8 relay addresses, and an empty one as "not by relay"', () => {
    const alias = 'ab'.repeat(32);
    const raw = (body: unknown) => {
      const json = new TextEncoder().encode(JSON.stringify(body));
      return Uint8Array.from([3, frameTypes.relays, ...json]);
    };
    const good = decodeFrame(encodeFrame({ type: 'relays', alias, relays: ['wss://relay.example.org'] }));
    assert.deepEqual(good, { ok: true, frame: { type: 'relays', alias, relays: ['wss://relay.example.org'] } });
    assert.deepEqual(decodeFrame(raw({ relays: [] })), { ok: true, frame: { type: 'relays', relays: [] } });
    for (const body of [
      { alias: 'AB'.repeat(32), relays: ['wss://relay.example.org'] },
      { alias, relays: [] },
      { relays: ['wss://relay.example.org'] },
      { alias, relays: ['ws://relay.example.org'] },
      { alias, relays: Array.from({ length: 9 }, (_, i) => `wss://r${i}.example.org`) },
      { alias, relays: 'wss://relay.example.org' },
    ]) {
      assert.deepEqual(decodeFrame(raw(body)), { ok: false, reason: 'malformed' }, JSON.stringify(body));
    }
  });
});
