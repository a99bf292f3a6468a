// Many live peers (issue 9) in three real browsers: Alice connects to Bob and then to Carol, and both stay live.
// Each conversation says "Connected" when selected; messages go both ways in both conversations and none crosses
// over; a message in the conversation not on screen counts as unread there; and when Carol leaves the page, Bob's
// chat stays connected while Carol's conversation says she closed Tincan (her page's bye as it went).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  connectionText, connectionTextOnceGone, conversationButtonNames, openConversation, openPerson, pair, sendMessage, serveForSuite, textOf, until,
  waitForConnected, waitForDelivered, waitForText,
} from './helpers.mjs';

const server = serveForSuite();

/** The open conversation's log, as text. */
const logOf = (page) => textOf(page, 'log', 'Messages');

describe('many live peers', () => {
  it('Alice talks with Bob and Carol at once; closing Carol leaves Bob connected', { timeout: 240_000 }, async () => {
    const [alice, bob, carol] = await Promise.all([
      openPerson('chromium', server.url, { name: 'Alice' }),
      openPerson('chromium', server.url, { name: 'Bob' }),
      openPerson('firefox', server.url, { name: 'Carol' }),
    ]);
    try {
      await pair(alice, bob);
      // A new invite never closes a live chat: Carol's exchange runs while Bob is connected.
      await pair(alice, carol);

      // One button per conversation, its accessible name starting with the contact's name.
      const names = await conversationButtonNames(alice.page);
      assert.equal(names.length, 2, names.join(' | '));
      assert.ok(names.some((n) => /^Bob\b/.test(n)), names.join(' | '));
      assert.ok(names.some((n) => /^Carol\b/.test(n)), names.join(' | '));

      // Both are live: each conversation's status says so when it is selected.
      await openConversation(alice.page, 'Bob');
      await waitForConnected(alice.page);
      await sendMessage(alice.page, 'for Bob only');
      await openConversation(alice.page, 'Carol');
      await waitForConnected(alice.page);
      await sendMessage(alice.page, 'for Carol only');
      await waitForText(bob.page, 'log', 'Messages', 'for Bob only');
      await waitForText(carol.page, 'log', 'Messages', 'for Carol only');

      // Replies: Carol's arrives in the conversation on screen; Bob's in the other one, counted as unread there.
      await sendMessage(carol.page, 'Carol answers');
      await waitForText(alice.page, 'log', 'Messages', 'Carol answers');
      await sendMessage(bob.page, 'Bob answers');
      await waitForDelivered(bob.page);
      // Alice's list is rendered on the next frame after she stored it: wait for what a screen reader would hear.
      const bobUnread = (names) => names.some((n) => /^Bob\b.*\b1 unread\b/.test(n));
      let unread = [];
      await until(async () => bobUnread((unread = await conversationButtonNames(alice.page))), 'Bob\'s 1 unread', { timeout: 15_000, everyMs: 100, error: () => unread.join(' | ') });
      assert.ok(bobUnread(unread), unread.join(' | '));
      assert.ok(unread.some((n) => /^Carol\b/.test(n) && !/unread/.test(n)), unread.join(' | '));
      await openConversation(alice.page, 'Bob');
      await waitForText(alice.page, 'log', 'Messages', 'Bob answers');
      assert.equal(await connectionText(alice.page), 'Connected');

      // Nothing crossed over, on any side.
      const [aliceBob, bobLog, carolLog] = await Promise.all([logOf(alice.page), logOf(bob.page), logOf(carol.page)]);
      assert.doesNotMatch(aliceBob, /Carol/, `Alice's conversation with Bob: ${aliceBob}`);
      assert.doesNotMatch(bobLog, /Carol/, `Bob's log: ${bobLog}`);
      assert.doesNotMatch(carolLog, /Bob/, `Carol's log: ${carolLog}`);
      await openConversation(alice.page, 'Carol');
      const aliceCarol = await logOf(alice.page);
      assert.match(aliceCarol, /for Carol only[\s\S]*Carol answers/);
      assert.doesNotMatch(aliceCarol, /Bob/, `Alice's conversation with Carol: ${aliceCarol}`);

      // Carol leaves Tincan (her tab goes to another page; Firefox's page.close() over BiDi left the page running):
      // only her conversation ends, and it says so.
      await carol.page.goto('about:blank');
      assert.equal(await connectionTextOnceGone(alice.page, 'Carol'), 'Carol closed Tincan');
      await openConversation(alice.page, 'Bob');
      assert.equal(await connectionText(alice.page), 'Connected');
      await sendMessage(alice.page, 'still here, Bob?');
      await waitForText(bob.page, 'log', 'Messages', 'still here, Bob?');
      await sendMessage(bob.page, 'yes, Alice');
      await waitForText(alice.page, 'log', 'Messages', 'yes, Alice');
      assert.deepEqual([...alice.errors, ...bob.errors, ...carol.errors], []);
    } finally {
      await Promise.all([alice.close(), bob.close(), carol.close()]);
    }
  });
});
