// The guided first contact (issue 11) in real browsers, as new users meet it: the whole flow by keyboard only with
// the focus checked after each step; an invitee who opens a link on a fresh profile sees "invited" before and after
// creating the profile, and answers; a wrong paste on a phone shows its error next to the paste box, inside the
// viewport; an inviter who closed the page is named as the likely cause on the invitee's side; and a message
// arriving in a hidden tab changes the title count and the app badge.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from './browsers.mjs';
import {
  alertText, click, enterApp, fill, inviteAndAnswer, isShown, locate, onDeepElement, openConversation, openPerson, pair, pasteCode,
  readCode, reachChoices, changeReach, sendMessage, serveForSuite, until, waitForConnected, waitForElement, waitForText,
} from './helpers.mjs';
import { inPage } from './page-probe.mjs';

const server = serveForSuite();
const passphrase = 'correct horse battery staple 42';
const phone = { width: 360, height: 740, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

/** "tag: name" of the element with focus, through shadow roots (name: aria-label, <label>, or own text). */
function focusedControl(page) {
  return page.evaluate(inPage((probe) => {
    const el = probe.activeElement();
    if (!el || el === document.body) return 'nothing';
    const root = el.getRootNode();
    const text = (node) =>
      [...node.childNodes]
        .map((c) => (c.nodeType === 3 ? c.textContent : c.nodeType === 1 && c.getAttribute('aria-hidden') !== 'true' ? text(c) : ''))
        .join('');
    // The first of these that names it ('' from an element with no id falls through to the next).
    const name =
      el.getAttribute('aria-label') ||
      (el.id ? root.querySelector(`label[for="${el.id}"]`)?.textContent : '') ||
      el.closest('label')?.textContent ||
      text(el);
    return `${el.localName}: ${name.replace(/\s+/g, ' ').trim()}`;
  }));
}

async function waitForFocus(page, expected, timeout = 15_000) {
  let last = '';
  const focused = async () => {
    last = await focusedControl(page);
    return (expected instanceof RegExp ? expected.test(last) : last === expected) && last;
  };
  return until(focused, `focus on ${expected}`, { timeout, everyMs: 100, error: () => `focus is on "${last}", expected ${expected}` });
}

/** Presses Tab until `expected` has the focus: it can be reached by keyboard. */
async function tabTo(page, expected, limit = 30) {
  for (let i = 0; i < limit; i++) {
    if ((await focusedControl(page)) === expected) return;
    await page.keyboard.press('Tab');
  }
  assert.equal(await focusedControl(page), expected);
}

/** Creates a profile with the keyboard only, starting where the focus lands ("Your name"). */
async function createProfileByKeyboard(page, name) {
  await waitForFocus(page, 'input: Your name', 60_000);
  await page.keyboard.type(name);
  await page.keyboard.press('Tab');
  await page.keyboard.type(passphrase);
  await page.keyboard.press('Tab');
  await page.keyboard.type(passphrase);
  // The reach choice: "Anywhere" is preselected, one line with "Change"; these tests have no Internet, so the same
  // network. Change puts the focus on the chosen one, where an arrow key picks the other.
  await tabTo(page, `button: ${changeReach}`);
  await page.keyboard.press('Enter');
  await waitForFocus(page, `input: ${reachChoices.anywhere}`);
  await page.keyboard.press('ArrowDown');
  assert.equal(await focusedControl(page), `input: ${reachChoices.local}`);
  await tabTo(page, 'button: Create profile');
  await page.keyboard.press('Enter');
}

async function openBrowserPage(kind = 'chromium', viewport) {
  const browser = await launchBrowser(kind);
  const page = (await browser.pages())[0] ?? (await browser.newPage());
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  if (viewport) await page.setViewport(viewport);
  return { browser, page, errors, close: () => browser.close() };
}

/** Visible text of the page, through shadow roots (what a person can read). */
function pageText(page) {
  return page.evaluate(inPage((probe) => {
    const parts = [];
    for (const [el] of probe.deep(document, { shadowFirst: true })) {
      if (!el.getClientRects().length) continue;
      for (const node of el.childNodes) if (node.nodeType === 3) parts.push(node.textContent);
    }
    return parts.join(' ').replace(/\s+/g, ' ');
  }));
}

async function waitForPageText(page, pattern, timeout = 30_000) {
  let text = '';
  const shown = async () => pattern.test((text = await pageText(page))) && text;
  return until(shown, `${pattern} shown`, { timeout, everyMs: 200, error: () => `no ${pattern} in: ${text.slice(0, 2000)}` });
}

describe('first contact, guided', () => {
  it('the whole flow by keyboard only, with the focus on the next step each time', { timeout: 180_000 }, async () => {
    const alice = await openBrowserPage();
    const bob = await openBrowserPage();
    try {
      await alice.page.goto(server.url);
      await createProfileByKeyboard(alice.page, 'Alice');
      // Profile made: the next step is "New invite".
      await waitForFocus(alice.page, 'button: New invite', 60_000);
      await alice.page.keyboard.press('Enter');
      // The invite is there: the focus is on its first way of sending it.
      await waitForFocus(alice.page, /^(button: (Share invite|Copy link))$/);
      const invite = await readCode(alice.page, 'Invite code');
      const link = `${server.url}#${invite}`;

      // Bob opens the link on a fresh device: invited before the profile, and after it, with "Answer" focused.
      await bob.page.goto(link);
      await waitForPageText(bob.page, /You've been invited to chat/);
      await createProfileByKeyboard(bob.page, 'Bob');
      await waitForFocus(bob.page, 'button: Answer', 60_000);
      assert.match(await pageText(bob.page), /You've been invited to chat/);
      await bob.page.keyboard.press('Enter');
      await waitForFocus(bob.page, /^(button: (Share answer|Copy answer))$/);
      const answer = await readCode(bob.page, 'Answer code');

      // Alice pastes the answer under her invite, by keyboard.
      await tabTo(alice.page, 'textarea: Paste a code');
      await alice.page.keyboard.type(answer);
      await alice.page.keyboard.press('Enter');
      await waitForConnected(alice.page);
      await waitForConnected(bob.page);
      // Connected: on both sides the next step is to write (Bob's answer card has closed).
      await waitForFocus(alice.page, 'textarea: Message');
      await waitForFocus(bob.page, 'textarea: Message');
      await alice.page.keyboard.type('Hello Bob, typed only');
      await alice.page.keyboard.press('Enter');
      await waitForText(bob.page, 'log', 'Messages', 'Hello Bob, typed only');
      assert.deepEqual([...alice.errors, ...bob.errors], []);
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });

  it('an invitee opening a link on a fresh profile sees "invited" before and after creating it, and answers', { timeout: 120_000 }, async () => {
    const alice = await openPerson('chromium', server.url, { name: 'Alice' });
    const bob = await openBrowserPage('firefox');
    try {
      await click(alice.page, 'button', 'New invite');
      const invite = await readCode(alice.page, 'Invite code');
      await bob.page.goto(`${server.url}#${invite}`);
      await locate(bob.page, 'heading', "You've been invited to chat", { timeout: 60_000 });
      // Nothing was answered yet: no answer code anywhere.
      assert.doesNotMatch(await pageText(bob.page), /Send this answer back/);
      await enterApp(bob.page, { name: 'Bob', passphrase });
      await locate(bob.page, 'heading', "You've been invited to chat");
      assert.match(await pageText(bob.page), /IP address/);
      await click(bob.page, 'button', 'Answer');
      const answer = await readCode(bob.page, 'Answer code');
      await pasteCode(alice.page, answer);
      await waitForConnected(alice.page);
      await waitForConnected(bob.page);
      await waitForText(alice.page, 'list', 'Conversations', 'Bob');
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });

  it('a wrong paste on a phone: the error is inside the viewport, next to the paste box', { timeout: 90_000 }, async () => {
    const person = await openBrowserPage('chromium', phone);
    try {
      await person.page.goto(server.url);
      await enterApp(person.page, { name: 'Phone user', passphrase });
      await click(person.page, 'button', 'New invite');
      await readCode(person.page, 'Invite code');
      await fill(person.page, 'textbox', 'Paste a code', 'hello, this is not a code');
      await click(person.page, 'button', 'Connect');
      const placement = await person.page.waitForFunction(
        inPage((probe) => {
          const alert = probe.find((el) => el.getAttribute('role') === 'alert' && el.textContent.trim());
          const paste = probe.find((el) => el.localName === 'textarea' && el.id === 'paste');
          if (!alert || !paste) return false;
          const a = alert.getBoundingClientRect();
          const p = paste.getBoundingClientRect();
          return { text: alert.textContent.trim(), top: a.top, bottom: a.bottom, pasteBottom: p.bottom, height: innerHeight, width: document.documentElement.scrollWidth };
        }),
        { timeout: 15_000, polling: 100 },
      );
      const { text, top, bottom, pasteBottom, height, width } = await placement.jsonValue();
      assert.match(text, /not a Tincan code/);
      assert.ok(top >= 0 && bottom <= height, `the error is on screen (${top}..${bottom} of ${height})`);
      assert.ok(top - pasteBottom < 200, `the error is next to the paste box (${top - pasteBottom} px under it)`);
      assert.ok(width <= phone.width, `nothing sticks out sideways (${width} px)`);
      assert.deepEqual(person.errors, []);
    } finally {
      await person.close();
    }
  });

  it('the inviter closes the page before the answer: the invitee is told that is the likely cause', { timeout: 150_000 }, async () => {
    // Two invites from one page, then the page closes: a Chromium invitee answers one, a Firefox invitee the other.
    const alice = await openPerson('chromium', server.url, { name: 'Alice' });
    const [bob, carol] = await Promise.all([
      openPerson('chromium', server.url, { name: 'Bob' }),
      openPerson('firefox', server.url, { name: 'Carol' }),
    ]);
    try {
      await click(alice.page, 'button', 'New invite');
      const first = await readCode(alice.page, 'Invite code');
      await click(alice.page, 'button', 'New invite');
      // The first card shows its code (and "Hide code"); the newest, on top, folds it until "Show code".
      await click(alice.page, 'button', 'Show code');
      const newest = await locate(alice.page, 'textbox', 'Invite code');
      await alice.page.waitForFunction((el, old) => el.value && el.value !== old, { timeout: 30_000 }, newest, first);
      const second = await newest.evaluate((el) => el.value);
      await alice.close();
      await Promise.all([pasteCode(bob.page, first), pasteCode(carol.page, second)]);
      await Promise.all([readCode(bob.page, 'Answer code'), readCode(carol.page, 'Answer code')]);
      // Chromium: the inviter's name never resolves, so its ICE just waits; within seconds the answer card says
      // the inviter cannot be reached and names the closed page first. (The answer itself stays valid 20 minutes.)
      // Firefox: its ICE gives up within seconds, and the final message names the closed page, not the network.
      await Promise.all([
        waitForPageText(bob.page, /cannot reach the inviter's device\. If they closed or reloaded the page that made the invite/, 60_000),
        waitForPageText(carol.page, /the page that made the invite seems to be closed/, 60_000),
      ]);
      assert.doesNotMatch(await alertText(bob.page), /Firefox|STUN/);
      const final = await alertText(carol.page);
      assert.match(final, /^Could not connect: the page that made the invite seems to be closed/);
      assert.doesNotMatch(final, /Firefox|STUN server in Settings|different networks/);
    } finally {
      await Promise.all([alice.close(), bob.close(), carol.close()]);
    }
  });

  it('title count and app badge change when a message arrives in a hidden tab', { timeout: 120_000 }, async () => {
    const alice = await openPerson('chromium', server.url, { name: 'Alice' });
    const bob = await openPerson('chromium', server.url, { name: 'Bob' });
    try {
      // Record the Badging API's calls (a tab that is not an installed app shows no badge itself).
      await bob.page.evaluate(() => {
        window.__badges = [];
        Navigator.prototype.setAppBadge = function (n) {
          window.__badges.push(n);
          return Promise.resolve();
        };
        Navigator.prototype.clearAppBadge = function () {
          window.__badges.push(0);
          return Promise.resolve();
        };
      });
      await pair(alice, bob);
      assert.equal(await bob.page.title(), 'Tincan');
      // Bob's tab goes to the background.
      await bob.page.evaluate(() => {
        Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
        Object.defineProperty(document, 'hidden', { value: true, configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
      });
      await sendMessage(alice.page, 'are you there?');
      await bob.page.waitForFunction(() => document.title === '(1) Tincan', { timeout: 30_000 });
      await bob.page.waitForFunction(() => window.__badges.includes(1), { timeout: 10_000 });
      // Back to the tab: the open conversation is read, the count and the badge go.
      await bob.page.evaluate(() => {
        delete document.visibilityState;
        delete document.hidden;
        document.dispatchEvent(new Event('visibilitychange'));
      });
      await openConversation(bob.page, 'Alice').catch(() => {});
      await bob.page.waitForFunction(() => document.title === 'Tincan', { timeout: 30_000 });
      await bob.page.waitForFunction(() => window.__badges.at(-1) === 0, { timeout: 10_000 });
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });
});

describe('pairing helpers still drive the app', () => {
  it('inviteAndAnswer and pair work on the new screens', { timeout: 120_000 }, async () => {
    const alice = await openPerson('chromium', server.url, { name: 'Alice' });
    const bob = await openPerson('chromium', server.url, { name: 'Bob' });
    try {
      const { answer } = await inviteAndAnswer(alice, bob);
      assert.match(answer, /^[0-9A-Z]+$/);
      await pasteCode(alice.page, answer);
      await waitForConnected(alice.page);
      await waitForConnected(bob.page);
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });

  it('an invite pasted again once connected is not answered: its contact is named, and "Reconnect" takes over (Firefox invitee)', { timeout: 150_000 }, async () => {
    const alice = await openPerson('chromium', server.url, { name: 'Alice' });
    const bob = await openPerson('firefox', server.url, { name: 'Bob' });
    try {
      const { invite } = await pair(alice, bob);
      await pasteCode(bob.page, invite);
      await waitForElement(bob.page, 'button', 'Reconnect with Alice', { visible: true });
      assert.equal(await isShown(bob.page, 'textbox', 'Answer code', 200), false, 'no new, useless answer');
      assert.match(await onDeepElement(bob.page, 'tc-pairing-screen', (el) => el.shadowRoot.textContent), /Alice is already one of your contacts/);
      await click(bob.page, 'button', 'Reconnect with Alice');
      await waitForText(bob.page, 'heading', 'Reconnect with Alice', 'Alice');
      await readCode(bob.page, 'Invite code');
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });
});
