// Tincan on a small phone (360x640 CSS pixels, touch): nothing scrolls sideways, every button is a
// comfortable touch target (44x44 CSS pixels at least), and axe-core finds no serious or critical problem,
// on the first screen and with an invite shown. On a 360x740 phone (issue 18), one walk through the real UI with a
// Chromium inviter (Alice), a Firefox invitee (Bob) and a Chromium invitee (Carol): "Create profile" in view on
// first run; the passphrase mismatch in view and gone once corrected; the paste box inside the waiting card, in
// view; the used-invite sentence; no alert after leaving Connect or locking; the unread count on the back button;
// "Offline" whole in the header; the reconnect card's words with its paste box in view.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from './browsers.mjs';
import {
  aria, changeReach, click, enterApp, fill, lock, openConversation, pasteCode, readCode, sendMessage, startServer, textOf, until, waitForAlert,
  waitForConnected, waitForElement, waitForNoAlert, waitForText, withElement,
} from './helpers.mjs';
import { inPage } from './page-probe.mjs';

const phone = { width: 360, height: 640, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
/** The phone issue 18 was found on. */
const tallPhone = { ...phone, height: 740 };
const minTouchTargetPx = 44;

let server;
before(async () => {
  server = await startServer();
});
after(() => server?.close());

/** Opens Tincan and gets to the main screen (button "New invite"). The one place to change when another
 * screen (a profile or a vault to unlock) comes first. */
/** Opens the page on its first screen (the profile screen on a new device). */
async function openFirstScreen(page, url) {
  await page.goto(url);
  await page.waitForSelector(aria('button', 'Create profile'), { visible: true, timeout: 30_000 });
}

async function openPhone(viewport = phone, url = server.url) {
  const browser = await launchBrowser('chromium');
  const page = (await browser.pages())[0] ?? (await browser.newPage());
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.setViewport(viewport);
  // axe-core is injected as an inline script, which the page's CSP rightly forbids.
  await page.setBypassCSP(true);
  await openFirstScreen(page, url);
  return { browser, page, errors };
}

/** Firefox at a phone's size (puppeteer cannot emulate touch there over WebDriver BiDi: the size alone). */
async function openFirefoxPhone(viewport, url) {
  const browser = await launchBrowser('firefox');
  const page = (await browser.pages())[0] ?? (await browser.newPage());
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.setViewport({ width: viewport.width, height: viewport.height });
  await page.goto(url);
  await waitForElement(page, 'button', 'Create profile', { timeout: 30_000 });
  return { browser, page, errors };
}

/** Whether "Create profile" lies wholly inside the viewport as the page first shows it. */
function createProfileInView(page) {
  return withElement(page, 'button', 'Create profile', {}, (button) =>
    button.evaluate((el) => {
      const box = el.getBoundingClientRect();
      return { inView: box.top >= 0 && box.bottom <= innerHeight, bottom: Math.round(box.bottom), height: innerHeight };
    }),
  );
}

/** Visible buttons smaller than a touch target, searched through every open shadow root. */
function smallButtons(page) {
  return page.evaluate(inPage((probe, minPx) => {
    const found = [];
    for (const el of probe.findAll((el) => el.matches('button, [role=button], input[type=button], input[type=submit], input[type=reset]'))) {
      const box = el.getBoundingClientRect();
      const isVisible = box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== 'hidden';
      if (isVisible && (box.width < minPx || box.height < minPx)) {
        found.push(`${(el.textContent || el.getAttribute('aria-label') || el.localName).trim()}: ${Math.round(box.width)}x${Math.round(box.height)}`);
      }
    }
    return found;
  }), minTouchTargetPx);
}

/** axe-core's serious and critical violations (it walks open shadow roots by itself). */
async function seriousAxeViolations(page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: 'node_modules/axe-core/axe.min.js' });
  const violations = await page.evaluate(async () => {
    const results = await window.axe.run(document, { resultTypes: ['violations'] });
    return results.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' >>> ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Whether the page's alert with text lies wholly inside the viewport. */
function alertInView(page) {
  return page.evaluate(inPage((probe) => {
    const box = probe.find((el) => el.getAttribute('role') === 'alert' && el.textContent.trim())?.getBoundingClientRect();
    return !!box && box.top >= 0 && box.bottom <= innerHeight;
  }));
}

/** Two passphrases that differ: the message is under "Repeat passphrase", in view, and goes once it is retyped. */
async function assertMismatchShownAndCleared(page, passphrase) {
  const kind = page.browser().tincanKind;
  await fill(page, 'textbox', 'Your name', 'Phone user');
  await fill(page, 'textbox', 'Passphrase', passphrase);
  await fill(page, 'textbox', 'Repeat passphrase', `${passphrase}!`);
  await click(page, 'button', 'Create profile');
  assert.match(await waitForAlert(page), /passphrases differ/);
  assert.ok(await withElement(page, 'textbox', 'Repeat passphrase', {}, (box) => box.isIntersectingViewport()), `${kind}: the repeat box is in view`);
  assert.ok(await alertInView(page), `${kind}: the message is in view`);
  await fill(page, 'textbox', 'Repeat passphrase', passphrase);
  await waitForNoAlert(page);
}

/**
 * Waits until the newest waiting invite card says `waiting`, then checks that the box "Paste a code" and its
 * "Connect" are inside that card (the form slotted into tc-exchange-card) and wholly in view as the page shows it.
 */
async function assertPasteBoxInCard(page, waiting) {
  const kind = page.browser().tincanKind;
  let place;
  await until(async () => {
    place = await page.evaluate(inPage((probe) => {
      const box = probe.find((el) => el.localName === 'textarea' && el.id === 'paste' && el.getClientRects().length > 0);
      const form = box?.closest('form');
      const card = form?.parentElement;
      if (!box || card?.localName !== 'tc-exchange-card') return { inCard: false };
      const connect = [...form.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Connect');
      const inView = (el) => {
        const r = el.getBoundingClientRect();
        return r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth;
      };
      return {
        inCard: true,
        waiting: card.shadowRoot.querySelector('[role=status]')?.textContent.trim() ?? '',
        boxInView: inView(box),
        connectInView: !!connect && inView(connect),
        bottom: Math.round(connect?.getBoundingClientRect().bottom ?? box.getBoundingClientRect().bottom),
        height: innerHeight,
      };
    }));
    return place.inCard && place.waiting === waiting;
  }, `the paste box in the card that says "${waiting}"`, { timeout: 30_000, everyMs: 100, error: () => `${kind}: ${JSON.stringify(place)}` });
  assert.ok(place.boxInView && place.connectInView, `${kind}: the paste box and "Connect" in view (they end at ${place.bottom} px of ${place.height})`);
}

/** Presses the back button of the screen on show (a conversation, Connect) and waits for the conversations. */
async function backToConversations(page) {
  const back = inPage((probe) => {
    const button = probe.find((el) => el.localName === 'button' && el.classList.contains('back') && el.getClientRects().length > 0);
    button?.click();
    return !!button;
  });
  await until(() => page.evaluate(back), 'a back button on screen', { timeout: 15_000, everyMs: 100 });
  // On screen, in Firefox too (its `locate` does not look at visibility).
  const listShown = inPage((probe) => probe.find((el) => el.localName === 'button' && el.textContent.trim() === 'Settings')?.getClientRects().length > 0);
  await until(() => page.evaluate(listShown), 'the conversations on screen', { timeout: 15_000, everyMs: 100 });
}

/** The count shown on the visible back button ('' when none is shown). */
function backBadge(page) {
  return page.evaluate(inPage((probe) => {
    const badge = probe.find((el) => el.classList.contains('badge') && el.closest('button.back') && el.getClientRects().length > 0);
    return badge?.textContent.trim() ?? '';
  }));
}

/**
 * The open conversation's header says "Offline" on one line and nothing in it is cut (no element wider inside than
 * its box); the composer's placeholder fits its box.
 */
async function assertOfflineHeaderWhole(page, kind) {
  let seen;
  await until(async () => {
    seen = await page.evaluate(inPage((probe) => {
      const status = probe.find((el) => el.getAttribute('role') === 'status' && el.getAttribute('aria-label') === 'Connection' && el.getClientRects().length > 0);
      if (!status) return { status: '' };
      const header = status.closest('header');
      const cut = [header, ...header.querySelectorAll('*')]
        .filter((el) => el.getClientRects().length > 0 && !el.closest('.sr-only') && el.clientWidth > 1 && el.scrollWidth > el.clientWidth + 1)
        .map((el) => `${el.localName}.${el.className}: ${el.textContent.trim()}`);
      const field = probe.find((el, root) => el.localName === 'textarea' && root.host?.localName === 'tc-composer');
      const style = getComputedStyle(field);
      const context = document.createElement('canvas').getContext('2d');
      context.font = `${style.fontSize} ${style.fontFamily}`;
      const room = field.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      return {
        status: status.textContent.trim(),
        oneLine: status.getBoundingClientRect().height < parseFloat(getComputedStyle(status).lineHeight) * 1.5,
        cut,
        headerBottom: Math.round(header.getBoundingClientRect().bottom),
        placeholder: field.placeholder,
        placeholderFits: context.measureText(field.placeholder).width < room,
      };
    }));
    return seen.status === 'Offline';
  }, '"Offline" in the header', { timeout: 30_000, everyMs: 100, error: () => `${kind}: ${JSON.stringify(seen)}` });
  assert.ok(seen.oneLine, `${kind}: "Offline" on one line`);
  assert.deepEqual(seen.cut, [], `${kind}: cut text in the header`);
  assert.ok(seen.placeholderFits, `${kind}: the placeholder "${seen.placeholder}" is cut`);
}

/** The names of the visible buttons of the code cards on screen that copy something ("Copy link", "Copy answer"…). */
function copyButtons(page) {
  return page.evaluate(inPage((probe) => probe
    .findAll((el, root) => el.localName === 'button' && root.host?.localName === 'tc-code-card' && el.getClientRects().length > 0)
    .map((button) => button.textContent.trim())
    .filter((name) => name.startsWith('Copy'))));
}

/** The buttons of the code cards on screen whose words break over more than one line. */
function brokenCodeCardButtons(page) {
  return page.evaluate(inPage((probe) => {
    const buttons = probe.findAll((el, root) => el.localName === 'button' && root.host?.localName === 'tc-code-card' && el.getClientRects().length > 0);
    return buttons.filter((button) => {
      const range = document.createRange();
      range.selectNodeContents(button);
      const tops = [...range.getClientRects()].filter((r) => r.width > 0).map((r) => r.top);
      return Math.max(...tops) - Math.min(...tops) > 4;
    }).map((button) => `${button.textContent.trim()}: ${Math.round(button.getBoundingClientRect().height)} px high`);
  }));
}

/** The first-contact steps on screen that say to paste "here" while no paste box is on screen. */
function pasteHereWithoutBox(page) {
  return page.evaluate(inPage((probe) => {
    const pasteBox = probe.find((el) => el.localName === 'textarea' && el.id === 'paste' && el.getClientRects().length > 0);
    const steps = probe.findAll((el) => el.localName === 'li' && el.closest('ol') && el.getClientRects().length > 0).map((li) => li.textContent.trim());
    return pasteBox ? [] : steps.filter((step) => /paste/i.test(step) && /\bhere\b/i.test(step));
  }));
}

/** Settings, "Forget this device": its confirmation is whole in view with the focus on "Cancel", which closes it. */
async function assertForgetConfirmationInView(page) {
  const kind = page.browser().tincanKind;
  await click(page, 'button', 'Settings');
  await click(page, 'button', 'Forget this device');
  let seen;
  await until(async () => {
    seen = await page.evaluate(inPage((probe) => {
      const dialog = probe.find((el) => el.getAttribute('role') === 'alertdialog' && el.getClientRects().length > 0);
      if (!dialog) return null;
      const box = dialog.getBoundingClientRect();
      return { top: Math.round(box.top), bottom: Math.round(box.bottom), height: innerHeight, focus: probe.activeElement()?.textContent.trim() ?? '' };
    }));
    return seen && seen.top >= 0 && seen.bottom <= seen.height && seen.focus === 'Cancel';
  }, 'the confirmation in view', { timeout: 5000, everyMs: 100, error: () => `${kind}: the confirmation is not whole in view with "Cancel" focused: ${JSON.stringify(seen)}` });
  await click(page, 'button', 'Cancel');
  await waitForElement(page, 'button', 'Forget this device', { visible: true });
}

/** The words the list entry for `contact` shows (what a sighted person reads: not its visually hidden words). */
function shownEntry(page, contact) {
  return page.evaluate(inPage((probe, name) => {
    const button = probe.conversationButton(name);
    if (!button) return '';
    const walker = document.createTreeWalker(button, NodeFilter.SHOW_TEXT);
    const words = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.parentElement.closest('.sr-only') && node.parentElement.getClientRects().length > 0) words.push(node.textContent);
    }
    return words.join(' ').replace(/\s+/g, ' ').trim();
  }), contact);
}

async function checkScreen(page, screen) {
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scrollWidth <= phone.width, `${screen}: the page is ${scrollWidth}px wide on a ${phone.width}px screen`);
  assert.deepEqual(await smallButtons(page), [], `${screen}: buttons under ${minTouchTargetPx}x${minTouchTargetPx}`);
  assert.deepEqual(await seriousAxeViolations(page), [], `${screen}: axe-core`);
}

describe('on a 360x640 phone', () => {
  it('fits the screen, has large buttons and passes axe-core, before and after making an invite', { timeout: 90_000 }, async () => {
    const { browser, page, errors } = await openPhone();
    try {
      await checkScreen(page, 'profile screen');
      await enterApp(page, { name: 'Phone user', passphrase: 'a long enough passphrase 7' });
      await checkScreen(page, 'main screen');
      await click(page, 'button', 'New invite');
      await readCode(page, 'Invite code');
      await checkScreen(page, 'invite shown');
      await click(page, 'button', 'Show QR code');
      // Chromium 156 names the role of <img alt> "image"; older versions and the ARIA spec say "img".
      await Promise.any(['image', 'img'].map((role) => page.waitForSelector(aria(role, 'Invite QR code'), { timeout: 15_000 })));
      await checkScreen(page, 'invite QR code shown');
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });

  it('on a 360x740 phone: the passphrase mismatch shows under its box and goes; an error about a code stays on Connect (gone in Settings, gone at lock)', { timeout: 90_000 }, async () => {
    const { browser, page, errors } = await openPhone(tallPhone);
    const passphrase = 'a long enough passphrase 7';
    try {
      await assertMismatchShownAndCleared(page, passphrase);
      await enterApp(page, { name: 'Phone user', passphrase });
      await pasteCode(page, 'hello there');
      assert.match(await waitForAlert(page), /not a Tincan code/);
      // A phone reaches Settings from the conversations: Connect is left first.
      await click(page, 'button', 'Back');
      await waitForNoAlert(page);
      await click(page, 'button', 'Settings');
      await waitForNoAlert(page);
      await click(page, 'button', 'Back');
      await pasteCode(page, 'hello there');
      assert.match(await waitForAlert(page), /not a Tincan code/);
      await click(page, 'button', 'Back');
      await lock(page);
      await waitForNoAlert(page);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });

  it('on a 360x740 phone, a walk through the real UI (Chromium inviter, Firefox invitee): each issue 18 item as a person sees it', { timeout: 300_000 }, async () => {
    const passphrase = 'a long enough passphrase 7';
    const alice = { ...(await openPhone(tallPhone)), name: 'Alice' };
    let bob;
    let carol;
    try {
      // First run, Chromium: "Create profile" in view; the recommended reach preselected, one line with "Change".
      const aliceSeen = await createProfileInView(alice.page);
      assert.ok(aliceSeen.inView, `new visitor: "Create profile" ends at ${aliceSeen.bottom} px of ${aliceSeen.height}`);
      await waitForElement(alice.page, 'button', changeReach, { visible: true });
      await enterApp(alice.page, { name: 'Alice', passphrase });
      assert.deepEqual(await pasteHereWithoutBox(alice.page), [], 'a step says to paste "here" on a screen with no paste box');

      // Alice's invite: the paste box for the answer is inside the waiting card, in view, with nothing scrolled.
      await click(alice.page, 'button', 'New invite');
      await assertPasteBoxInCard(alice.page, "Waiting for your friend's answer");
      // One copy button on the card as it first shows (the raw code and "Copy invite" wait behind "Show code").
      assert.deepEqual(await copyButtons(alice.page), ['Copy link']);
      const link = `${server.url}#${await readCode(alice.page, 'Invite code')}`;
      assert.deepEqual(await brokenCodeCardButtons(alice.page), [], 'chromium: invite card buttons on one line each');

      // Bob opens the link in Firefox: invited, "Create profile" in view; two passphrases that differ say so under
      // the repeat box, in view, and the message goes once he retypes it.
      bob = { ...(await openFirefoxPhone(tallPhone, link)), name: 'Bob' };
      await waitForElement(bob.page, 'heading', "You've been invited to chat", { timeout: 10_000 });
      const bobSeen = await createProfileInView(bob.page);
      assert.ok(bobSeen.inView, `firefox invitee: "Create profile" ends at ${bobSeen.bottom} px of ${bobSeen.height}`);
      await assertMismatchShownAndCleared(bob.page, passphrase);
      await enterApp(bob.page, { name: 'Bob', passphrase });
      await click(bob.page, 'button', 'Answer');
      const answer = await readCode(bob.page, 'Answer code');
      assert.deepEqual(await brokenCodeCardButtons(bob.page), [], 'firefox: answer card buttons on one line each');
      assert.deepEqual(await copyButtons(bob.page), ['Copy answer']);
      // The time the answer has left is said; the card does not also say to send it "right away".
      await waitForText(bob.page, 'region', 'Send this answer back', 'min left');
      assert.doesNotMatch(await textOf(bob.page, 'region', 'Send this answer back'), /right away/);
      // The invite pasted again: the used-invite sentence, in view, and no second answer.
      await pasteCode(bob.page, link);
      assert.match(await waitForAlert(bob.page), /already answered this invite/);
      assert.ok(await alertInView(bob.page), 'firefox: the used-invite sentence is in view');
      assert.equal(await readCode(bob.page, 'Answer code'), answer);
      // Leaving Connect takes the alert away.
      await click(bob.page, 'button', 'Back');
      await waitForNoAlert(bob.page);

      // Alice pastes the answer into the box in her card.
      await fill(alice.page, 'textbox', 'Paste a code', answer);
      await click(alice.page, 'button', 'Connect');
      await Promise.all([waitForConnected(alice.page), waitForConnected(bob.page)]);

      // Carol, a Chromium invitee: Alice's second invite, "Create profile" in view; then Bob (Firefox) invites her,
      // and his paste box is in his card, in view. Each of Alice and Bob now has two conversations.
      await backToConversations(alice.page);
      await click(alice.page, 'button', 'New invite');
      carol = { ...(await openPhone(tallPhone, `${server.url}#${await readCode(alice.page, 'Invite code')}`)), name: 'Carol' };
      await waitForElement(carol.page, 'heading', "You've been invited to chat", { timeout: 10_000 });
      const carolSeen = await createProfileInView(carol.page);
      assert.ok(carolSeen.inView, `chromium invitee: "Create profile" ends at ${carolSeen.bottom} px of ${carolSeen.height}`);
      await enterApp(carol.page, { name: 'Carol', passphrase });
      await click(carol.page, 'button', 'Answer');
      await pasteCode(alice.page, await readCode(carol.page, 'Answer code'));
      await Promise.all([waitForConnected(alice.page), waitForConnected(carol.page)]);
      await backToConversations(bob.page);
      await click(bob.page, 'button', 'New invite');
      await assertPasteBoxInCard(bob.page, "Waiting for your friend's answer");
      const bobsInvite = await readCode(bob.page, 'Invite code');
      assert.deepEqual(await brokenCodeCardButtons(bob.page), [], 'firefox: invite card buttons on one line each');
      await backToConversations(carol.page);
      await pasteCode(carol.page, bobsInvite);
      await fill(bob.page, 'textbox', 'Paste a code', await readCode(carol.page, 'Answer code'));
      await click(bob.page, 'button', 'Connect');
      await Promise.all([waitForConnected(bob.page), waitForConnected(carol.page)]);

      // A message in the conversation not on screen: its count on the back button (Chromium, then Firefox).
      for (const [person, other] of [[alice, bob], [bob, alice]]) {
        await openConversation(person.page, other.name);
        await openConversation(carol.page, person.name);
        await sendMessage(carol.page, `for ${person.name} while away`);
        await waitForElement(person.page, 'button', 'Back to conversations, 1 unread', { visible: true, timeout: 15_000 });
        assert.equal(await backBadge(person.page), '1', `${person.browser.tincanKind}: the count shows on the back button`);
      }

      // Bob (Firefox) pastes a wrong code, then locks: no alert on the lock screen.
      await backToConversations(bob.page);
      await pasteCode(bob.page, 'hello there');
      assert.match(await waitForAlert(bob.page), /not a Tincan code/);
      await click(bob.page, 'button', 'Back');
      await lock(bob.page);
      await waitForNoAlert(bob.page);

      // Alice (Chromium) reads "Offline" in Bob's conversation, nothing in its header or composer cut.
      await assertOfflineHeaderWhole(alice.page, 'chromium');

      // Alice presses Reconnect: the card says it waits for Bob to open the code (never "has ended"), with the
      // answer's way back inside it, in view.
      await click(alice.page, 'button', 'Reconnect');
      await waitForText(alice.page, 'region', 'Reconnect with Bob', 'Waiting for Bob to open the code');
      assert.ok(!(await textOf(alice.page, 'region', 'Reconnect with Bob')).includes('has ended'));
      await assertPasteBoxInCard(alice.page, 'Waiting for Bob to open the code');
      const reconnectCode = await readCode(alice.page, 'Invite code');

      // Bob unlocks and uses the one code: connected. Alice locks: Bob (Firefox) reads "Offline", nothing cut.
      await enterApp(bob.page, { name: 'Bob', passphrase });
      await pasteCode(bob.page, reconnectCode);
      await Promise.all([waitForConnected(alice.page), waitForConnected(bob.page)]);
      await openConversation(bob.page, 'Alice');
      await backToConversations(alice.page);
      await lock(alice.page);
      await waitForNoAlert(alice.page);
      await assertOfflineHeaderWhole(bob.page, 'firefox');
      // The list says "Offline" in words, not by a hollow dot alone.
      await backToConversations(bob.page);
      const entry = await shownEntry(bob.page, 'Alice');
      assert.match(entry, /\bOffline\b/, `firefox: the list entry shows "${entry}"`);
      // "Forget this device" opens its confirmation whole on screen (Firefox, then Chromium).
      await assertForgetConfirmationInView(bob.page);
      await backToConversations(carol.page);
      await assertForgetConfirmationInView(carol.page);
      assert.deepEqual([...alice.errors, ...bob.errors, ...carol.errors], []);
    } finally {
      await Promise.all([alice.browser.close(), bob?.browser.close(), carol?.browser.close()]);
    }
  });
});
