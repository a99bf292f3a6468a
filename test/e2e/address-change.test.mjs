// A change of address under a chat link (issue 22, "survives a short network change"; docs/calls.md "Not solved:
// a network change"). Two contacts who use a real Nostr relay on loopback (test/fixtures/nostr-relay.mjs) are
// connected and chatting; then the namespace's one interface (scripts/in-netns.sh, shared by both browsers) leaves
// its address for another, as a phone leaving Wi-Fi for mobile data, and the relay drops its clients (their sockets
// would go with the old network). Each writes at once; each message must arrive and read Delivered, and both pages
// must end on a new direct link (the old RTCPeerConnection closed, a new one connected). Chromium with Firefox
// (Firefox's link closes at once; Chromium's reads open until ICE fails and the link's grace ends), then Chromium
// with Chromium (neither notices before ICE fails). Then a voice call through the same move: it reads "Reconnecting…"
// on both sides and "In call" again once the chat link is back, and the callee is heard (chat/calls.ts
// "Reconnecting"). Each test moves the address from where the one before left it (moving it back between tests would
// be one more change of address under the next test's links); it is moved back once the pairing's tests are done,
// or at once when one fails: later files in this namespace need it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startNostrRelay } from '../fixtures/nostr-relay.mjs';
import { keepConnections, listen, waitForAudio } from './call-probe.mjs';
import {
  click, connectionText, isShown, openConversation, openPreparedPerson, pair, saveRelays, sendMessage, serveForSuite, shownMessages,
  until, waitForConnected, waitForElement, waitForRelaysWith, waitForText,
} from './helpers.mjs';

const server = serveForSuite();
const oldAddress = '10.99.3.1/24';
const newAddress = '10.99.3.2/24';

/** What a page's connections read: state, ICE state, the local candidates' addresses, the selected pair. */
function describeLinks(page) {
  return page.evaluate(async () => {
    const out = [];
    for (const pc of window.tincanConnections) {
      if (pc.connectionState === 'closed') continue;
      const local = [];
      const pairs = [];
      const stats = await pc.getStats();
      stats.forEach((s) => {
        if (s.type === 'local-candidate') local.push(`${s.candidateType}:${s.address ?? s.ip}:${s.port}/${s.protocol}`);
        if (s.type === 'candidate-pair' && (s.nominated || s.selected)) {
          const l = stats.get(s.localCandidateId);
          const r = stats.get(s.remoteCandidateId);
          pairs.push(`${l?.address ?? l?.ip}>${r?.address ?? r?.ip}:${s.state}`);
        }
      });
      out.push(`${pc.connectionState}/${pc.iceConnectionState}/${pc.iceGatheringState} local[${local.join(',')}] pairs[${pairs.join(',')}]`);
    }
    return out.join(' ; ');
  });
}

/** Notes every change of each page's status "Connection" and its connections, with the time since `since`. */
function watch(people, since) {
  const seen = [];
  const last = new Map();
  const timer = setInterval(async () => {
    for (const person of people) {
      const now = `${await connectionText(person.page).catch(() => '?')} | ${await describeLinks(person.page).catch((e) => String(e))}`;
      if (last.get(person.name) !== now) seen.push(`${Date.now() - since} ms ${person.name}: ${now}`);
      last.set(person.name, now);
    }
  }, 500);
  return { seen, stop: () => clearInterval(timer) };
}

const ip = (...args) => execFileSync('ip', args);

/**
 * The interface leaves one address and takes another, as a phone leaving Wi-Fi for mobile data. Not "add the new,
 * then delete the old": in one /24 the new address would be the old one's secondary, and deleting a primary address
 * deletes its secondaries too (net.ipv4.conf.*.promote_secondaries is 0 here), which left the namespace with no
 * address and no route at all. The last address going takes the default route with it, so it is added again.
 */
function move(from, to) {
  ip('addr', 'del', from, 'dev', 'v0');
  ip('addr', 'add', to, 'dev', 'v0');
  ip('route', 'replace', 'default', 'dev', 'v0');
}

/** Back to `address` whatever state a failed move left (the files after this one share the namespace). */
function restore(address) {
  ip('addr', 'flush', 'dev', 'v0');
  ip('addr', 'add', address, 'dev', 'v0');
  ip('route', 'replace', 'default', 'dev', 'v0');
}

/** Before the move: every connection the page has now is marked old (a link made after it is new). */
const markOld = (page) => page.evaluate(() => window.tincanConnections.forEach((pc) => (pc.tincanOld = true)));

/** Whether the page's old connections are all closed and a new one is connected (the link was made again). */
const onNewLink = (page) =>
  page.evaluate(() => window.tincanConnections.every((pc) => !pc.tincanOld || pc.connectionState === 'closed') && window.tincanConnections.some((pc) => !pc.tincanOld && pc.connectionState === 'connected'));

for (const [aliceKind, bobKind] of [['chromium', 'firefox'], ['chromium', 'chromium']]) {
  describe(`a change of address (Alice in ${aliceKind}, Bob in ${bobKind}, a relay in use)`, () => {
    let relay;
    let alice;
    let bob;
    /** Where the namespace's interface is now. */
    let address = oldAddress;
    /** Moves it to the other address (a change under every link the pages have). */
    const moveOn = () => {
      const from = address;
      const to = from === oldAddress ? newAddress : oldAddress;
      address = undefined; // until the move is through: one that fails half-way is undone too
      move(from, to);
      address = to;
    };
    /** After a failure: back to the old address, whatever state the move left. */
    const moveBack = () => {
      restore(oldAddress);
      address = oldAddress;
    };
    /**
     * Moves the address (the relay dropping its clients, as their sockets would go with the old network; they
     * reconnect by themselves: the relay pool reads again after 1 s, net/nostr-relays.ts), then runs `steps(note)`, `note(name)` noting the time (ms after the
     * move), which it prints. On a failure: what the pages' links did, and the address back.
     */
    const throughMove = async (label, steps) => {
      const since = Date.now();
      const watching = watch([alice, bob], since);
      const at = {};
      try {
        moveOn();
        relay.dropClients();
        await steps((name) => (at[name] = Date.now() - since));
        console.log(`${label}: ${JSON.stringify(at)} (ms after the move)`);
      } catch (error) {
        console.log(watching.seen.join('\n'));
        moveBack();
        throw error;
      } finally {
        watching.stop();
      }
    };
    before(async () => {
      relay = await startNostrRelay();
      [alice, bob] = await Promise.all([
        openPreparedPerson(aliceKind, server.url, keepConnections, { name: 'Alice', fakeMedia: true }),
        openPreparedPerson(bobKind, server.url, keepConnections, { name: 'Bob', fakeMedia: true }),
      ]);
      await pair(alice, bob);
      await saveRelays(alice, relay.url);
      await saveRelays(bob, relay.url);
      await waitForRelaysWith(alice, 'Bob');
      await waitForRelaysWith(bob, 'Alice');
      await openConversation(alice.page, 'Bob');
      await openConversation(bob.page, 'Alice');
    });
    after(async () => {
      if (address !== oldAddress) moveBack();
      await Promise.all([alice?.close(), bob?.close()]);
      await relay?.stop();
    });

    it('the chat goes on: what each writes right after the move arrives, reads Delivered, and a new direct link forms', { timeout: 300_000 }, async () => {
      await sendMessage(alice.page, 'before the move');
      await waitForText(bob.page, 'log', 'Messages', 'before the move');
      await Promise.all([markOld(alice.page), markOld(bob.page)]);
      await throughMove('address moved', async (note) => {
        await sendMessage(alice.page, 'after the move, from Alice');
        await sendMessage(bob.page, 'after the move, from Bob');
        await waitForText(bob.page, 'log', 'Messages', 'after the move, from Alice', { timeout: 150_000 });
        note('bobHasIt');
        await waitForText(alice.page, 'log', 'Messages', 'after the move, from Bob', { timeout: 60_000 });
        note('aliceHasIt');
        for (const [person, text] of [[alice, 'after the move, from Alice'], [bob, 'after the move, from Bob']]) {
          await until(async () => (await shownMessages(person.page)).some((m) => m.text === text && m.state === 'Delivered'), `Delivered at ${person.name}`, { timeout: 60_000 });
        }
        await waitForConnected(alice.page, 60_000);
        await waitForConnected(bob.page, 60_000);
        await until(() => onNewLink(alice.page), 'Alice on a new link, the old one closed', { timeout: 60_000 });
        await until(() => onNewLink(bob.page), 'Bob on a new link, the old one closed', { timeout: 60_000 });
        note('bothOnNewLink');
      });
    });

    it('a call goes on: "Reconnecting…" on both sides, then "In call" again, and the callee is heard', { timeout: 300_000 }, async () => {
      await click(alice.page, 'button', 'Voice call');
      await waitForElement(bob.page, 'dialog', 'Incoming call', { timeout: 20_000 });
      await click(bob.page, 'button', 'Accept call');
      await Promise.all([alice, bob].map((p) => waitForText(p.page, 'status', 'Call', 'In call', { timeout: 20_000 })));
      await throughMove('a call through the move', async (note) => {
        await Promise.all([alice, bob].map((p) => waitForText(p.page, 'status', 'Call', 'Reconnecting…', { timeout: 60_000 })));
        note('bothReconnecting');
        // Within the call's wait for its contact's next link (calls.ts callHandoverMs, 45 s).
        await Promise.all([alice, bob].map((p) => waitForText(p.page, 'status', 'Call', 'In call', { timeout: 60_000 })));
        note('bothInCall');
        await listen(alice.page);
        await waitForAudio(alice.page, 'sound');
      });
      await click(alice.page, 'button', 'End call');
      // One entry on each side, the call's, answered.
      for (const person of [alice, bob]) {
        await until(async () => !(await isShown(person.page, 'button', 'End call', 200)), `the call over at ${person.name}`, { timeout: 20_000 });
        await until(async () => (await shownMessages(person.page)).filter((m) => /^Voice call/.test(m.text)).length === 1, `one call entry at ${person.name}`, { timeout: 20_000 });
        assert.match((await shownMessages(person.page)).find((m) => /^Voice call/.test(m.text)).text, /^Voice call, \d+ (s|min)/);
      }
    });
  });
}
