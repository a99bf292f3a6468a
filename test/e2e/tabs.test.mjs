// One writer per vault (issue 8): a second tab of the same profile defers ("Tincan is open in another tab"); "Use
// here" moves Tincan into it: the first tab closes its chat and stops, the contact sees the chat close, and the new
// tab unlocks, reconnects and chats. Messages sent in the first tab just before the handover are there once, on
// both sides: no write lost, none doubled.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  click, enterApp, exportTranscript, isShown, locate, occurrences, openConversation, openPerson, pair, sendMessage,
  serveForSuite, shownMessages, textOf, transcriptMessages, until, waitForText,
} from './helpers.mjs';

const server = serveForSuite();

const elsewhere = 'Tincan is open in another tab';

describe('two tabs on one profile', () => {
  it('the second defers; "Use here" moves the live chat; nothing sent before the handover is lost or doubled', { timeout: 180_000 }, async () => {
    const alice = await openPerson('chromium', server.url, { name: 'Alice' });
    const bob = await openPerson('firefox', server.url, { name: 'Bob' });
    try {
      await pair(alice, bob);
      await sendMessage(alice.page, 'from the first tab');
      await waitForText(bob.page, 'log', 'Messages', 'from the first tab');

      // The second tab defers to the first: it offers "Use here" and nothing else.
      const second = await alice.browser.newPage();
      const errors = [];
      second.on('pageerror', (error) => errors.push(String(error)));
      await second.goto(server.url);
      await locate(second, 'heading', elsewhere);
      assert.ok(!(await isShown(second, 'button', 'Unlock', 300)));

      // Two messages in the first tab, and "Use here" at once: they may be on the wire, acknowledged or not.
      const handover = ['just before the handover 1', 'just before the handover 2'];
      await alice.page.bringToFront();
      for (const text of handover) await sendMessage(alice.page, text);
      // Background tabs have no accessibility tree to search: bring each tab forward before acting in it.
      await second.bringToFront();
      await click(second, 'button', 'Use here');

      // The first tab stops; its chat closes, and Bob sees it.
      await alice.page.bringToFront();
      await locate(alice.page, 'heading', elsewhere);
      await until(async () => (await textOf(bob.page, 'status', 'Connection')) !== 'Connected', 'Bob sees the chat close');

      // The new tab unlocks and reconnects; the chat goes on from there.
      await second.bringToFront();
      await enterApp(second, alice);
      await openConversation(second, 'Bob');
      await waitForText(second, 'log', 'Messages', handover[1]);
      const newTab = { ...alice, page: second };
      await pair(newTab, bob);
      await sendMessage(second, 'from the new tab');
      await waitForText(bob.page, 'log', 'Messages', 'from the new tab');
      const sent = ['from the first tab', ...handover, 'from the new tab'];
      await until(async () => {
        const mine = (await shownMessages(second)).filter((m) => m.direction === 'out');
        return mine.length === sent.length && mine.every((m) => m.state === 'Delivered');
      }, 'everything Alice sent reads "Delivered" in the new tab').catch(async (error) => {
        throw new Error(`${error.message}: ${JSON.stringify(await shownMessages(second))}`);
      });
      assert.deepEqual((await shownMessages(second)).map((m) => m.text), sent);
      assert.deepEqual((await shownMessages(bob.page)).map((m) => m.text), sent);

      // What is stored, on both sides: each once, in order.
      for (const page of [second, bob.page]) {
        const transcript = await exportTranscript(page);
        assert.deepEqual(transcriptMessages(transcript), sent.map((t) => `Alice: ${t}`), transcript);
        for (const text of sent) assert.equal(occurrences(transcript, text), 1);
      }
      assert.deepEqual([...alice.errors, ...errors, ...bob.errors], []);
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });
});
