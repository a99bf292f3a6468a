// Coming back: messages written while apart wait in a sealed outbox (across a reload), and a new invite between
// the same two people reopens the same conversation (recognised by identity key) and delivers them exactly once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { alertText, click, enterApp, openConversation, openPerson, pair, sendMessage, textOf, waitForDelivered, waitForText, serveForSuite } from './helpers.mjs';

const server = serveForSuite();

const count = (haystack, needle) => haystack.split(needle).length - 1;

describe('reconnecting a known contact', () => {
  it('delivers the outbox once, in order, in the same conversation', { timeout: 180_000 }, async () => {
    const alice = await openPerson('chromium', server.url, { name: 'Alice' });
    const bob = await openPerson('firefox', server.url, { name: 'Bob' });
    try {
      await pair(alice, bob);
      await sendMessage(alice.page, 'before the break');
      await waitForText(bob.page, 'log', 'Messages', 'before the break');
      await click(bob.page, 'button', 'Disconnect');
      // Bob closed the chat on purpose: Alice is told so, with Reconnect.
      await waitForText(alice.page, 'status', 'Connection', 'closed Tincan or went offline');

      await sendMessage(alice.page, 'written while apart 1');
      await sendMessage(alice.page, 'written while apart 2');
      await waitForText(alice.page, 'log', 'Messages', 'waiting');
      // The outbox is on disk: it survives a reload.
      await alice.page.reload();
      await enterApp(alice.page, alice);
      await openConversation(alice.page, 'Bob');
      const log = await textOf(alice.page, 'log', 'Messages');
      assert.ok(log.includes('written while apart 2') && log.includes('waiting'), log);

      // This time Bob invites: roles do not matter, identity keys do.
      await pair(bob, alice);
      await waitForText(bob.page, 'log', 'Messages', 'written while apart 2');
      await waitForDelivered(alice.page);
      const bobLog = await textOf(bob.page, 'log', 'Messages');
      assert.equal(count(bobLog, 'written while apart 1'), 1);
      assert.equal(count(bobLog, 'written while apart 2'), 1);
      assert.equal(count(bobLog, 'before the break'), 1, 'the earlier history is the same conversation');
      assert.ok(bobLog.indexOf('written while apart 1') < bobLog.indexOf('written while apart 2'), 'in order');
      // One contact each, no warning.
      const list = await textOf(bob.page, 'list', 'Conversations');
      assert.equal(count(list, 'Alice'), 1, list);
      assert.ok(!list.includes('key changed'));
      assert.equal(await alertText(bob.page), '');
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });
});
