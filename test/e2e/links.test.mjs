// Links are hostile input (issue 8): whoever can send a link chooses its fragment. Broken percent-escapes, 200,000
// quotes or a megabyte must leave the page working, with a clear message, after a reload too. A valid invite link
// asks first: nothing is sent (no connection is even made) before the person presses "Answer".
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from './browsers.mjs';
import {
  alertText, click, enterApp, isShown, locate, openPerson, openPreparedPerson, pasteCode, readCode, serveForSuite, until,
  waitForAlert, waitForConnected,
} from './helpers.mjs';

const server = serveForSuite();

const passphrase = 'correct horse battery staple 42';

/** Whichever first screen the app shows (a fresh profile or a locked one). */
async function firstScreen(page) {
  return Promise.race([
    locate(page, 'button', 'Create profile', { timeout: 30_000 }).then(() => 'setup'),
    locate(page, 'button', 'Unlock', { timeout: 30_000 }).then(() => 'unlock'),
  ]);
}

/** Every RTCPeerConnection made in the page, and every remote description given to one, counted. */
function countConnections(page) {
  return page.evaluateOnNewDocument(() => {
    const Original = window.RTCPeerConnection;
    const counts = (window.tincanTestConnections = { made: 0, remote: 0 });
    window.RTCPeerConnection = class extends Original {
      constructor(...args) {
        super(...args);
        counts.made++;
      }

      setRemoteDescription(...args) {
        counts.remote++;
        return super.setRemoteDescription(...args);
      }
    };
  });
}

const connections = (page) => page.evaluate(() => ({ ...window.tincanTestConnections }));

describe('links with a hostile fragment', () => {
  it('open the page normally with a clear message, and a reload stays normal', { timeout: 180_000 }, async () => {
    const browser = await launchBrowser('chromium');
    const page = (await browser.pages())[0];
    const errors = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    try {
      const cases = [
        ['#%', '%', /not a Tincan code/],
        ['#%E0%A4%A (a cut UTF-8 escape)', '%E0%A4%A', /not a Tincan code/],
        ['200,000 quotes', "'".repeat(200_000), /far longer than any Tincan code/],
        ['a 1 MB fragment', '7Q2'.repeat(350_000), /far longer than any Tincan code/],
      ];
      for (const [what, fragment, expected] of cases) {
        // A fresh document each time (not a same-page fragment change): the code is read as the page starts.
        await page.goto('about:blank');
        await page.goto(`${server.url}#${fragment}`);
        await firstScreen(page);
        assert.match(await waitForAlert(page), expected, what);
        assert.equal(new URL(page.url()).hash, '', `${what}: the fragment leaves the address bar`);
        // The app works: the first visit makes the profile, the others unlock it.
        await enterApp(page, { name: 'Alice', passphrase });
        await page.reload();
        assert.equal(await firstScreen(page), 'unlock', `${what}: a reload opens normally`);
        assert.equal(await alertText(page), '', `${what}: and says nothing more`);
        await enterApp(page, { name: 'Alice', passphrase });
      }
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
});

describe('a valid invite link', () => {
  it('shows the consent card and sends nothing before "Answer" is pressed', { timeout: 150_000 }, async () => {
    const alice = await openPerson('chromium', server.url, { name: 'Alice' });
    const bob = await openPreparedPerson('firefox', server.url, countConnections, { name: 'Bob' });
    try {
      await click(alice.page, 'button', 'New invite');
      const invite = await readCode(alice.page, 'Invite code');

      // Opened, then "Not now": no connection was made at all.
      await bob.page.goto(`${server.url}#${invite}`);
      await enterApp(bob.page, bob);
      await locate(bob.page, 'heading', "You've been invited to chat");
      await click(bob.page, 'button', 'Not now');
      await until(async () => !(await isShown(bob.page, 'heading', "You've been invited to chat", 200)), 'the card goes');
      assert.deepEqual(await connections(bob.page), { made: 0, remote: 0 });

      // Opened again on a freshly loaded page (a locked profile): the card waits; still nothing made.
      await bob.page.goto('about:blank');
      await bob.page.goto(`${server.url}#${invite}`);
      await enterApp(bob.page, bob);
      await locate(bob.page, 'heading', "You've been invited to chat");
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      assert.deepEqual(await connections(bob.page), { made: 0, remote: 0 }, 'nothing before Answer');
      await click(bob.page, 'button', 'Answer');
      const answer = await readCode(bob.page, 'Answer code');
      const after = await connections(bob.page);
      assert.ok(after.made === 1 && after.remote === 1, JSON.stringify(after));
      await pasteCode(alice.page, answer);
      await waitForConnected(alice.page);
      await waitForConnected(bob.page);
      assert.deepEqual([...alice.errors, ...bob.errors], []);
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });
});
