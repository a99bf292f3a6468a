// The mailbox (docs/mailbox.md): Chromium and Firefox each dial a mailbox started by the test (node-datachannel,
// WebRTC-direct, no signaling) from Settings, with its code, and become its owner; a wrong paste gets a sentence.
// Then the flow: Alice adds her mailbox, Bob (who connected to Alice once) writes while her page is closed, his page
// leaves the messages there by itself, and Alice gets each once when she opens Tincan; Bob's page reads Delivered.
// Both pages visiting Alice's mailbox then reconnect through it with no code: Alice's reopened page, then Bob's
// reloaded one, each finds the other there and sends its sealed reconnect code.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  click,
  connectionTextOnceGone,
  enterApp,
  fill,
  locate,
  openConversation,
  openPerson,
  pair,
  sendMessage,
  serveForSuite,
  shownMessages,
  until,
  waitForAlert,
  waitForText,
} from './helpers.mjs';

const server = serveForSuite();
/** The private network namespace's own address (scripts/in-netns.sh). */
const host = '10.99.3.1';
const mailboxes = [];

/** Starts `tincan mailbox` (bin/tincan.mjs) on a port; resolves with its code once it printed it. */
function startMailbox(port) {
  const home = mkdtempSync(path.join(os.tmpdir(), 'tincan-mailbox-e2e-'));
  const child = spawn(process.execPath, ['bin/tincan.mjs', '--home', home, 'mailbox', '--listen', `${host}:${port}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  mailboxes.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const code = /Mailbox code[^\n]*\n(M[0-9A-Z]+)\n/.exec(out)?.[1];
      if (code) resolve({ code, home });
    });
    child.on('exit', (status) => reject(new Error(`mailbox exited (${status}): ${out}`)));
  });
}

after(() => {
  for (const child of mailboxes) child.kill('SIGINT');
});

describe('mailbox', () => {
  it('Chromium and Firefox each add their mailbox by its code and read "Connected"; a wrong paste says why', { timeout: 90_000 }, async () => {
    const [chromiumBox, firefoxBox] = await Promise.all([startMailbox(4301), startMailbox(4302)]);
    const people = await Promise.all([openPerson('chromium', server.url), openPerson('firefox', server.url)]);
    try {
      await Promise.all(
        people.map(async (person, i) => {
          const { page } = person;
          await click(page, 'button', 'Settings');
          await fill(page, 'textbox', 'Mailbox code', 'hello, this is no code');
          await click(page, 'button', 'Add mailbox');
          assert.match(await waitForAlert(page), /not a mailbox code/);
          await fill(page, 'textbox', 'Mailbox code', (i === 0 ? chromiumBox : firefoxBox).code);
          await click(page, 'button', 'Add mailbox');
          await waitForText(page, 'status', 'Mailbox', 'Connected');
          await click(page, 'button', 'Remove mailbox');
          await locate(page, 'textbox', 'Mailbox code');
        }),
      );
      for (const person of people) assert.deepEqual(person.errors, []);
    } finally {
      await Promise.all(people.map((person) => person.close()));
    }
  });

  it('holds what Bob writes while Alice\'s page is closed: each arrives once when she opens it, and Bob\'s page reads Delivered; the two reconnect through it with no code', { timeout: 150_000 }, async () => {
    const box = await startMailbox(4303);
    const [alice, bob] = await Promise.all([
      openPerson('chromium', server.url, { name: 'Alice' }),
      openPerson('firefox', server.url, { name: 'Bob' }),
    ]);
    try {
      await pair(alice, bob);
      await click(alice.page, 'button', 'Settings');
      await fill(alice.page, 'textbox', 'Mailbox code', box.code);
      await click(alice.page, 'button', 'Add mailbox');
      await waitForText(alice.page, 'status', 'Mailbox', 'Connected');
      // Alice closes Tincan; Bob's page knows at once (her page said bye as it went).
      await alice.page.close();
      await openConversation(bob.page, 'Alice');
      assert.equal(await connectionTextOnceGone(bob.page, 'Alice'), 'Alice closed Tincan');
      const texts = ['first words for the mailbox', 'second words for the mailbox', 'third words for the mailbox'];
      for (const text of texts) await sendMessage(bob.page, text);
      await until(
        async () => (await shownMessages(bob.page)).filter((m) => m.direction === 'out' && m.state === "Held by Alice's mailbox").length === 3,
        'all three "Held by Alice\'s mailbox"',
        { timeout: 60_000 },
      );
      const journal = readFileSync(path.join(box.home, 'mailbox', 'records', 'records.journal'), 'latin1');
      for (const text of texts) assert.ok(!journal.includes(text), 'the mailbox\'s files hold no plaintext');

      const page = await alice.browser.newPage();
      await page.goto(server.url);
      await enterApp(page, alice);
      await openConversation(page, 'Bob');
      await until(async () => (await shownMessages(page)).filter((m) => m.direction === 'in').length >= 3, 'the three messages on Alice\'s page', { timeout: 60_000 });
      await until(
        async () => (await shownMessages(bob.page)).filter((m) => m.direction === 'out' && m.state === 'Delivered').length === 3,
        'Delivered on Bob\'s page',
        { timeout: 60_000 },
      );
      const received = (await shownMessages(page)).filter((m) => m.direction === 'in').map((m) => m.text);
      assert.deepEqual(received, texts, 'each once, in order');

      // Reconnect through the mailbox: Alice's page arrived while Bob's visits it, so they connected with no code.
      await waitForText(page, 'status', 'Connection', 'Connected');
      await waitForText(bob.page, 'status', 'Connection', 'Connected');
      // Bob reloads: his page arrives while Alice's visits, and they connect again with no code.
      await bob.page.reload();
      assert.equal(await connectionTextOnceGone(page, 'Bob'), 'Bob closed Tincan');
      await enterApp(bob.page, bob);
      await openConversation(bob.page, 'Alice');
      // Up to 60 s: a visit of Bob's page that fails or drops is made again after 30 s (mailboxRetryMs), so the
      // reconnect then takes about 32 s; usually 2-4 s (docs/mailbox.md §6, "How long the reconnect after a reload
      // takes"). One full run (2026-12-08) took over 30 s; not reproduced in 16 traced runs.
      await waitForText(bob.page, 'status', 'Connection', 'Connected', { timeout: 60_000 });
      await waitForText(page, 'status', 'Connection', 'Connected', { timeout: 60_000 });
      for (const person of [alice, bob]) assert.deepEqual(person.errors, []);
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });
});
