// Nostr relays (docs/relays.md), with a real published relay started here on loopback inside the test's network
// namespace (test/fixtures/nostr-relay.mjs): without opt-in nothing reaches it (its store, what it received, and the
// page's WebSocket traffic); with both opted in, five messages written while Alice's Tincan is closed arrive once when
// she opens and unlocks it, and Bob's page shows them Delivered. Alice in Chromium, Bob in Firefox; one pair of
// browsers for the whole file. Then both reload and unlock, and connect by themselves through the relay (automatic
// reconnect). Then the last resort: their direct link dies and cannot form again (this namespace drops every UDP
// packet, so WebRTC has no path, while the relay on loopback TCP still works): both pages read "via relay", and
// messages go through the relay and read Delivered; once UDP passes again the pages connect directly by themselves.
// Then Bob's page reloads while Alice's Tincan is closed, and what he writes opens at Alice by relay while his page is
// closed too (his sender chain resumed: docs/envelopes.md). Last, one code for a first contact: Alice (relays on)
// invites someone new, who opens the link in Firefox and presses Answer, and both read "Connected" with no answer
// code pasted (it came by relay).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startNostrRelay } from '../fixtures/nostr-relay.mjs';
import { launchBrowser } from './browsers.mjs';
import {
  click,
  connectionText,
  connectionTextOnceGone,
  enterApp,
  openConversation,
  openPerson,
  pair,
  readCode,
  saveRelays,
  sendMessage,
  serveForSuite,
  shownMessages,
  until,
  waitForElement,
  waitForConnected,
  waitForRelaysWith,
  waitForText,
} from './helpers.mjs';

const server = serveForSuite();
let relay;
let alice;
let bob;
/** WebSockets Alice's page opened (Chromium DevTools protocol), by URL. */
const aliceSockets = [];

async function watchSockets(page) {
  const cdp = await page.createCDPSession();
  await cdp.send('Network.enable');
  cdp.on('Network.webSocketCreated', ({ url }) => aliceSockets.push(url));
}

const texts = async (page) => (await shownMessages(page)).map((m) => m.text);

/** WebRTC's only transport here is UDP; the relay and the page server are TCP (scripts/in-netns.sh: this namespace
 * only). */
const udpDrop = ['OUTPUT', '-p', 'udp', '-j', 'DROP'];

describe('relays', () => {
  before(async () => {
    relay = await startNostrRelay();
    [alice, bob] = await Promise.all([
      openPerson('chromium', server.url, { name: 'Alice' }),
      openPerson('firefox', server.url, { name: 'Bob' }),
    ]);
    await watchSockets(alice.page);
  });
  after(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
    await relay?.stop();
  });

  it('without opt-in, nothing goes to a relay: its store and its wire stay empty, the page opens no WebSocket', { timeout: 90_000 }, async () => {
    await pair(alice, bob);
    await sendMessage(alice.page, 'hello Bob');
    await waitForText(bob.page, 'log', 'Messages', 'hello Bob');
    await click(bob.page, 'button', 'Disconnect');
    await waitForText(alice.page, 'status', 'Connection', 'closed Tincan or went offline');
    await sendMessage(alice.page, 'while Bob is away');
    // Handled and kept for a direct link: waiting, and not for a relay.
    await until(async () => (await shownMessages(alice.page)).some((m) => m.text === 'while Bob is away' && /waiting/i.test(m.state)), 'waiting');
    assert.deepEqual(await relay.stored({}), []);
    assert.deepEqual(relay.received, []);
    assert.deepEqual(aliceSockets, []);
  });

  it('offline: both opt in; Alice closes Tincan; Bob writes 5; Alice opens and unlocks: all 5 once, Delivered on Bob\'s page', { timeout: 120_000 }, async () => {
    await pair(bob, alice);
    await waitForText(bob.page, 'log', 'Messages', 'while Bob is away');
    // Relays turned on while connected: each side hands the other its relays and alias at once.
    await saveRelays(alice, relay.url);
    await saveRelays(bob, relay.url);
    await waitForRelaysWith(alice, 'Bob');
    await waitForRelaysWith(bob, 'Alice');
    // Alice closes Tincan (the page goes away, saying bye as it goes: src/main.ts `pagehide`); Bob sees her gone.
    await alice.page.close();
    await openConversation(bob.page, 'Alice');
    assert.equal(await connectionTextOnceGone(bob.page, 'Alice'), 'Alice closed Tincan');
    const five = ['by relay 1', 'by relay 2', 'by relay 3', 'by relay 4', 'by relay 5'];
    for (const text of five) await sendMessage(bob.page, text);
    await until(async () => (await relay.stored({ kinds: [1059] })).length >= 5, 'five gift wraps on the relay');

    alice.page = await alice.browser.newPage();
    await alice.page.goto(server.url);
    await enterApp(alice.page, alice);
    await openConversation(alice.page, 'Bob');
    await until(async () => (await texts(alice.page)).includes('by relay 5'), 'five at Alice');
    const got = (await texts(alice.page)).filter((t) => t.startsWith('by relay'));
    assert.deepEqual(got, five, 'each once, in order');
    await until(
      async () => (await shownMessages(bob.page)).filter((m) => m.text.startsWith('by relay') && m.state === 'Delivered').length === 5,
      'Delivered on Bob\'s page',
    );
    // What the relay kept: gift wraps only, none readable.
    for (const event of await relay.stored({})) {
      assert.equal(event.kind, 1059);
      assert.doesNotMatch(event.content, /by relay/);
    }
    await waitForElement(alice.page, 'button', 'New invite');
  });

  it('automatic reconnect: both pages reload and unlock: Connected with no code, and a message goes straight through', { timeout: 120_000 }, async () => {
    await Promise.all([alice.page.goto(server.url), bob.page.goto(server.url)]);
    await Promise.all([enterApp(alice.page, alice), enterApp(bob.page, bob)]);
    await openConversation(alice.page, 'Bob');
    await openConversation(bob.page, 'Alice');
    await waitForConnected(alice.page, 60_000);
    await waitForConnected(bob.page, 60_000);
    await sendMessage(alice.page, 'straight through');
    await waitForText(bob.page, 'log', 'Messages', 'straight through');
    // The offers were ephemeral wraps: the relay kept none.
    assert.deepEqual(await relay.stored({ kinds: [21059] }), []);
  });

  it('last resort: the direct link dies and cannot form again: both read "via relay", messages go through the relay and read Delivered; when a direct link can form again, Connected', { timeout: 420_000 }, async () => {
    let isDropping = false;
    try {
      execFileSync('iptables', ['-I', ...udpDrop]);
      isDropping = true;
      // The link gives up (ICE consent, then the link's own grace: about a minute), each page offers a reconnect by
      // relay, the other takes it and answers by relay, and no link forms.
      for (const page of [alice.page, bob.page]) {
        await until(async () => (await connectionText(page)) === 'via relay', 'via relay', { timeout: 180_000 });
      }
      await sendMessage(alice.page, 'through the relay');
      await waitForText(bob.page, 'log', 'Messages', 'through the relay');
      await until(async () => (await shownMessages(alice.page)).some((m) => m.text === 'through the relay' && m.state === 'Delivered'), 'Delivered at Alice');
      await sendMessage(bob.page, 'and back');
      await waitForText(alice.page, 'log', 'Messages', 'and back');
      await until(async () => (await shownMessages(bob.page)).some((m) => m.text === 'and back' && m.state === 'Delivered'), 'Delivered at Bob');
      for (const page of [alice.page, bob.page]) {
        const shown = await texts(page);
        assert.deepEqual([shown.filter((t) => t === 'through the relay').length, shown.filter((t) => t === 'and back').length], [1, 1], 'each once');
      }
      assert.equal(await connectionText(alice.page), 'via relay', 'still via relay while UDP is dropped');

      execFileSync('iptables', ['-D', ...udpDrop]);
      isDropping = false;
      // The next automatic offer (the back-off keeps going while via relay) makes a direct link.
      await waitForConnected(alice.page, 240_000);
      await waitForConnected(bob.page, 60_000);
      await sendMessage(bob.page, 'direct once more');
      await waitForText(alice.page, 'log', 'Messages', 'direct once more');
    } finally {
      if (isDropping) execFileSync('iptables', ['-D', ...udpDrop]);
    }
  });

  it('the sender reloads while the other is away: Bob reloads and unlocks, writes 3, closes; Alice opens: all 3 once, readable; Bob back: Delivered', { timeout: 180_000 }, async () => {
    // They met directly in the test before: Alice has the chain Bob seals with. Alice closes Tincan.
    await alice.page.close();
    assert.equal(await connectionTextOnceGone(bob.page, 'Alice'), 'Alice closed Tincan');
    // Bob's page reloads and he unlocks before writing (his automatic reconnect offers are ephemeral: nobody reads them).
    await bob.page.goto(server.url);
    await enterApp(bob.page, bob);
    await openConversation(bob.page, 'Alice');
    const before = new Set((await relay.stored({ kinds: [1059] })).map((e) => e.id));
    const three = ['after a reload 1', 'after a reload 2', 'after a reload 3'];
    for (const text of three) await sendMessage(bob.page, text);
    // Alice is away and sends nothing: the new gift wraps are Bob's three.
    await until(async () => (await relay.stored({ kinds: [1059] })).filter((e) => !before.has(e.id)).length >= 3, 'three gift wraps on the relay');
    // Bob's Tincan goes away too (his tab leaves the app: after page.close() on Firefox's only tab, Alice's page still
    // connected to Bob's in a first run), so nothing can reach Alice but the relay.
    await bob.page.goto('about:blank');

    alice.page = await alice.browser.newPage();
    await alice.page.goto(server.url);
    await enterApp(alice.page, alice);
    await openConversation(alice.page, 'Bob');
    await until(async () => (await texts(alice.page)).includes('after a reload 3'), 'three at Alice', { timeout: 60_000 });
    assert.deepEqual((await texts(alice.page)).filter((t) => t.startsWith('after a reload')), three, 'each once, in order');
    assert.notEqual(await connectionText(alice.page), 'Connected', 'Bob\'s page is closed: they came by relay');

    await bob.page.goto(server.url);
    await enterApp(bob.page, bob);
    await openConversation(bob.page, 'Alice');
    await until(
      async () => (await shownMessages(bob.page)).filter((m) => m.text.startsWith('after a reload') && m.state === 'Delivered').length === 3,
      'Delivered on Bob\'s page',
      { timeout: 60_000 },
    );
  });

  it('one code for a first contact: Alice (relays on) invites, a newcomer in Firefox opens the link and presses Answer: both Connected, nothing pasted', { timeout: 120_000 }, async () => {
    // Bob's part is over: his browser makes way for a new person's (two browsers at a time on this machine).
    await bob.close();
    const browser = await launchBrowser('firefox');
    bob = { browser, page: (await browser.pages())[0] ?? (await browser.newPage()), close: () => browser.close() };
    await click(alice.page, 'button', 'New invite');
    const invite = await readCode(alice.page, 'Invite code');
    await waitForText(alice.page, 'region', 'Send this invite to your friend', 'this page connects by itself');
    await bob.page.goto(`${server.url}#${invite}`);
    await enterApp(bob.page, { name: 'Dora', passphrase: 'correct horse battery staple 42' });
    // Before anything is sent, the card says where the answer goes besides the screen.
    await waitForText(bob.page, 'region', "You've been invited to chat", `Your answer also goes back through ${relay.url}`);
    await click(bob.page, 'button', 'Answer');
    // Dora's page shows its answer code (the fallback), and Alice's page takes the answer from the relay by itself.
    await waitForConnected(alice.page);
    await waitForConnected(bob.page);
    await waitForText(alice.page, 'list', 'Conversations', 'Dora');
  });
});
