// The core loop through the UI, in real browsers with separate profiles: invite code -> answer code -> chat.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { alertText, waitForNoAlert, click, enterApp, inviteAndAnswer, locate, pasteCode, openPerson, pair, readCode, sendMessage, textOf, waitForAlert, waitForDelivered, waitForText, serveForSuite } from './helpers.mjs';

const server = serveForSuite();

async function chatBothWays(alice, bob) {
  await sendMessage(alice.page, 'Hello Bob <b>not bold</b>');
  await waitForText(bob.page, 'log', 'Messages', 'Hello Bob <b>not bold</b>');
  await sendMessage(bob.page, 'Hi Alice');
  await waitForText(alice.page, 'log', 'Messages', 'Hi Alice');
  // Alice's first message is acknowledged by Bob: shown with the tick named "Delivered".
  await waitForDelivered(alice.page);
  // Peer text is rendered as text: no <b> element was made from it.
  const bolds = await bob.page.evaluate(() =>
    document.querySelector('tc-tincan-shell').shadowRoot.querySelector('tc-chat-screen').shadowRoot.querySelector('tc-message-log').shadowRoot.querySelectorAll('.msg b').length);
  assert.equal(bolds, 0);
}

for (const [inviter, answerer] of [['chromium', 'chromium'], ['chromium', 'firefox'], ['firefox', 'chromium']]) {
  describe(`${inviter} invites, ${answerer} answers`, () => {
    it('connects through pasted codes and chats both ways', { timeout: 120_000 }, async () => {
      const alice = await openPerson(inviter, server.url);
      const bob = await openPerson(answerer, server.url);
      try {
        const { invite, answer } = await pair(alice, bob);
        assert.match(invite, /^[0-9A-Z]+$/);
        assert.match(answer, /^[0-9A-Z]+$/);
        assert.ok(invite.length <= 140, `invite is ${invite.length} characters`);
        await chatBothWays(alice, bob);
        assert.deepEqual([...alice.errors, ...bob.errors], []);
      } finally {
        await alice.close();
        await bob.close();
      }
    });
  });
}

describe('bad codes', () => {
  it('explains each mistake and keeps the open invite', { timeout: 120_000 }, async () => {
    const alice = await openPerson('chromium', server.url);
    try {
      await click(alice.page, 'button', 'New invite');
      const invite = await readCode(alice.page, 'Invite code');
      const cases = [
        [invite.slice(0, 30), /cut off/],
        [invite.slice(0, -3) + (invite.endsWith('A') ? 'BBB' : 'AAA'), /cut off or has a typo/],
        ['hello there, how are you?', /not a Tincan code/],
        [invite, /your own invite/],
      ];
      for (const [text, expected] of cases) {
        await pasteCode(alice.page, text);
        const message = await waitForAlert(alice.page);
        assert.match(message, expected, `for ${JSON.stringify(text)}`);
        await click(alice.page, 'button', 'Dismiss');
        await waitForNoAlert(alice.page);
        // The invite is still there, unchanged.
        assert.equal(await readCode(alice.page, 'Invite code'), invite);
      }
    } finally {
      await alice.close();
    }
  });

  it('tells the answerer when the same invite is pasted twice, and an answer where no invite is open', { timeout: 120_000 }, async () => {
    const alice = await openPerson('chromium', server.url);
    const bob = await openPerson('chromium', server.url);
    const carol = await openPerson('chromium', server.url);
    try {
      const { invite, answer } = await inviteAndAnswer(alice, bob);
      await pasteCode(bob.page, invite);
      assert.match(await waitForAlert(bob.page), /already answered this invite/);
      assert.equal(await readCode(bob.page, 'Answer code'), answer);
      // An answer pasted into a page that never made an invite.
      await pasteCode(carol.page, answer);
      assert.match(await waitForAlert(carol.page), /answer code, but this page has no open invite/);
      // An invite pasted where Alice waits for the answer is fine only if it is someone else's; her own is refused
      // (covered above). The real answer still connects afterwards.
      await pasteCode(alice.page, answer.toLowerCase().replace(/(.{8})/g, '$1 '));
      await waitForText(alice.page, 'status', 'Connection', 'Connected');
    } finally {
      await Promise.all([alice.close(), bob.close(), carol.close()]);
    }
  });
});

describe('invite link', () => {
  it('opening <page>#<code> asks first, then answers, and the code leaves the address bar', { timeout: 120_000 }, async () => {
    const alice = await openPerson('chromium', server.url);
    const bob = await openPerson('firefox', server.url);
    try {
      await click(alice.page, 'button', 'New invite');
      const invite = await readCode(alice.page, 'Invite code');
      // Opening the link loads the page anew (Firefox) or only changes the fragment (Chromium): either way, once
      // Bob is past the passphrase screen, the invitation waits for his consent (answering shows his address).
      await bob.page.goto(`${server.url}#${invite}`);
      await enterApp(bob.page, bob);
      await locate(bob.page, 'heading', "You've been invited to chat");
      await click(bob.page, 'button', 'Answer');
      const answer = await readCode(bob.page, 'Answer code');
      await click(bob.page, 'button', 'Show QR code');
      await locate(bob.page, 'img', 'Answer QR code');
      assert.equal(new URL(bob.page.url()).hash, '');
      await pasteCode(alice.page, answer);
      await waitForText(bob.page, 'status', 'Connection', 'Connected');
      assert.ok((await textOf(alice.page, 'log', 'Messages')).includes('No messages yet'));
      // Both see each other by name: the handshake carried the names, signed.
      await waitForText(alice.page, 'list', 'Conversations', bob.name);
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });
});
