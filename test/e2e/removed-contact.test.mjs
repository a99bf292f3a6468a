// A removed contact does not come back unasked (issue 18): after Bob deletes Alice, her one-code reconnect shows
// "Alice wants to reconnect" on Bob's page, saying when he removed her, with Accept and Refuse; nothing connects
// before he answers, and after "Refuse" the same code is refused with a sentence.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { click, conversationEntries, openContactDetails, openConversation, openPerson, pair, pasteCode, serveForSuite, textOf, waitForAlert, waitForElement, waitForText } from './helpers.mjs';
import { makeReconnectCode } from './one-code-helpers.mjs';

const server = serveForSuite();

describe('a removed contact', () => {
  it('reconnecting asks the person who removed them first, and a refusal sticks', { timeout: 120_000 }, async () => {
    const alice = await openPerson('chromium', server.url, { name: 'Alice' });
    const bob = await openPerson('chromium', server.url, { name: 'Bob' });
    try {
      await pair(alice, bob);
      await openConversation(bob.page, 'Alice');
      await openContactDetails(bob.page);
      bob.page.once('dialog', (dialog) => void dialog.accept());
      await click(bob.page, 'button', 'Delete conversation');
      await waitForText(alice.page, 'status', 'Connection', 'closed Tincan or went offline');

      const code = await makeReconnectCode(alice, bob);
      await pasteCode(bob.page, code);
      await waitForElement(bob.page, 'heading', 'Alice wants to reconnect', { visible: true });
      const card = await textOf(bob.page, 'region', 'Alice wants to reconnect');
      assert.match(card, /You removed Alice (at|on) /);
      assert.deepEqual(await conversationEntries(bob.page), [], 'Alice is not back in the list');
      await click(bob.page, 'button', 'Refuse');
      await bob.page.waitForFunction(() => !document.body.innerText.includes('wants to reconnect'), { polling: 100, timeout: 15_000 });

      await pasteCode(bob.page, code);
      assert.match(await waitForAlert(bob.page), /refused to reconnect/);
      assert.deepEqual(await conversationEntries(bob.page), []);
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });
});
