// A link that dies silently (issue 8): Alice sends while the path is already dead but the channel still reads
// "open", so her messages go out and read "Sent"; the link then fails for good, she reloads in between and writes
// more; a new invite (Bob's, this time) reconnects the same conversation. Every message must arrive exactly once,
// in order, and Alice's must end "Delivered".
//
// The path dies by dropping every UDP packet this process's network namespace sends (scripts/in-netns.sh runs the
// whole test process, its browsers and its static server in a private namespace as root, docs/lab.md §1): both
// browsers' WebRTC traffic is UDP, the page server's is TCP and stays untouched.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  enterApp, exportTranscript, occurrences, openConversation, openPerson, pair, sendMessage, serveForSuite,
  shownMessages, textOf, transcriptMessages, until, waitForDelivered, waitForText,
} from './helpers.mjs';

const server = serveForSuite();

/** Long enough for ICE consent to fail (about 30 s) and the link's grace after it (25 s) to run out. */
const silenceMs = 60_000;

const udp = (action) => execFileSync('iptables', [action, 'OUTPUT', '-p', 'udp', '-j', 'DROP']);

describe('a link that dies silently', () => {
  it('loses nothing: what went out on the dead channel arrives once, in order, after a reload and a new invite', { timeout: 180_000 }, async () => {
    const alice = await openPerson('chromium', server.url, { name: 'Alice' });
    const bob = await openPerson('chromium', server.url, { name: 'Bob' });
    let dropping = false;
    try {
      await pair(alice, bob);
      await sendMessage(alice.page, 'before the silence');
      await waitForText(bob.page, 'log', 'Messages', 'before the silence');
      await waitForDelivered(alice.page);

      udp('-I');
      dropping = true;
      const silentSince = Date.now();
      const silent = ['into the silence 1', 'into the silence 2', 'into the silence 3'];
      for (const text of silent) await sendMessage(alice.page, text);
      // The channel still reads open: they went out and read "Sent", not "waiting".
      await until(async () => {
        const mine = (await shownMessages(alice.page)).filter((m) => silent.includes(m.text));
        return mine.length === 3 && mine.every((m) => m.state === 'Sent');
      }, 'the three read "Sent"');
      assert.equal(await textOf(alice.page, 'status', 'Connection'), 'Connected');

      // Alice reloads while the path is dead: the three are on disk, still not delivered. ("Sent" is a summary
      // written a moment later; a reload right after sending may find them "waiting": either way not delivered,
      // and still in the outbox.)
      // "Delivered" for the first message is on disk once the store's deferred flush ran (defaultFlushDelayMs, 300 ms
      // after the ack, src/store/tincan-store.ts); a reload before that shows it waiting until the next connection.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await alice.page.reload();
      await enterApp(alice.page, alice);
      await openConversation(alice.page, 'Bob');
      await waitForText(alice.page, 'log', 'Messages', 'into the silence 3');
      await sendMessage(alice.page, 'after the reload');
      await waitForText(alice.page, 'log', 'Messages', 'after the reload');
      const states = (await shownMessages(alice.page)).filter((m) => m.direction === 'out');
      assert.deepEqual(states.map((m) => m.text), ['before the silence', ...silent, 'after the reload']);
      assert.equal(states[0].state, 'Delivered');
      for (const m of states.slice(1, 4)) assert.ok(['Sent', 'waiting'].includes(m.state), `${m.text}: ${m.state}`);
      assert.equal(states[4].state, 'waiting');

      // Bob's side gives the link up for good (no reply to its checks), and never saw the three.
      await until(async () => (await textOf(bob.page, 'status', 'Connection')) !== 'Connected', 'Bob sees the link lost', { timeout: silenceMs + 30_000 });
      assert.ok(!(await textOf(bob.page, 'log', 'Messages')).includes('into the silence'));
      const left = silenceMs - (Date.now() - silentSince);
      if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
      udp('-D');
      dropping = false;

      // Either side may invite: this time Bob does.
      await pair(bob, alice);
      const expected = ['before the silence', ...silent, 'after the reload'];
      await waitForText(bob.page, 'log', 'Messages', 'after the reload');
      await until(async () => {
        const mine = (await shownMessages(alice.page)).filter((m) => m.direction === 'out');
        return mine.length === expected.length && mine.every((m) => m.state === 'Delivered');
      }, 'all of Alice\'s messages read "Delivered"').catch(async (error) => {
        throw new Error(`${error.message}: ${JSON.stringify(await shownMessages(alice.page))}`);
      });
      assert.deepEqual((await shownMessages(bob.page)).map((m) => m.text), expected, 'Bob sees each once, in order');
      // What Bob stored (not only what his window shows): each once, in order.
      const transcript = await exportTranscript(bob.page);
      assert.deepEqual(transcriptMessages(transcript), expected.map((t) => `Alice: ${t}`), transcript);
      for (const text of expected) assert.equal(occurrences(transcript, text), 1);
      assert.deepEqual([...alice.errors, ...bob.errors], []);
    } finally {
      if (dropping) udp('-D');
      await Promise.all([alice.close(), bob.close()]);
    }
  });
});
