// Nostr relays (docs/relays.md), with a real published relay started here on loopback inside the test's network
// namespace (test/fixtures/nostr-relay.mjs): without opt-in nothing reaches it (its store, what it received, and the
// page's WebSocket traffic); with both opted in, five messages written while Alice's Tincan is closed arrive once when
// she opens and unlocks it, and Bob's page shows them Delivered. Alice in Chromium, Bob in Firefox; one pair of
// browsers for the whole file. Then both reload and unlock, and connect by themselves through the relay (automatic
// reconnect). Last, one code for a first contact: Alice (relays on) invites someone new, who opens the
// link in Firefox and presses Answer, and both read "Connected" with no answer code pasted (it came by relay).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startNostrRelay } from '../fixtures/nostr-relay.mjs';
import { launchBrowser } from './browsers.mjs';
import {
  click,
  connectionText,
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
    // Alice closes Tincan (the page goes away); Bob sees her gone.
    await alice.page.close();
    await openConversation(bob.page, 'Alice');
    await until(async () => /offline/i.test(await connectionText(bob.page)), 'Alice offline on Bob\'s page');
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
