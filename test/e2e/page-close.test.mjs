// A page that goes away (closed, reloaded) says bye as it goes (src/main.ts `pagehide`, chat/messenger.ts
// closeSessionsOnPageExit): the contact's page reads "<name> closed Tincan", which only that bye makes (a link that
// closed or timed out under the page reads "<name> closed Tincan or went offline" or "The connection to <name> was
// lost"). Both ways between Chromium and Firefox: Bob's Firefox page reloads, then Alice's Chromium page closes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connectionTextOnceGone, enterApp, openPerson, pair, serveForSuite } from './helpers.mjs';

const server = serveForSuite();
let alice;
let bob;

describe('a page that goes away says bye', () => {
  before(async () => {
    [alice, bob] = await Promise.all([
      openPerson('chromium', server.url, { name: 'Alice' }),
      openPerson('firefox', server.url, { name: 'Bob' }),
    ]);
  });
  after(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
  });

  it('Bob\'s Firefox page reloads: Alice\'s Chromium page reads "Bob closed Tincan"', { timeout: 90_000 }, async () => {
    await pair(alice, bob);
    await bob.page.reload();
    assert.equal(await connectionTextOnceGone(alice.page, 'Bob'), 'Bob closed Tincan');
  });

  it('Alice\'s Chromium page closes: Bob\'s Firefox page reads "Alice closed Tincan"', { timeout: 90_000 }, async () => {
    await enterApp(bob.page, bob);
    await pair(bob, alice);
    await alice.page.close();
    assert.equal(await connectionTextOnceGone(bob.page, 'Alice'), 'Alice closed Tincan');
    for (const person of [alice, bob]) assert.deepEqual(person.errors, []);
  });
});
