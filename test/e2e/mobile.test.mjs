// Tincan on a small phone (360x640 CSS pixels, touch): nothing scrolls sideways, every button is a
// comfortable touch target (44x44 CSS pixels at least), and axe-core finds no serious or critical problem,
// on the first screen and with an invite shown. On a 360x740 phone (issue 18): "Create profile" is in view on first
// run, for a new visitor and for an invitee who opened the link (Chromium, and Firefox).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from './browsers.mjs';
import {
  aria, changeReach, click, enterApp, fill, lock, pasteCode, readCode, startServer, waitForAlert, waitForElement, waitForNoAlert, withElement,
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
      // Two passphrases that differ: the message is under "Repeat passphrase", in view, and goes once it is retyped.
      await fill(page, 'textbox', 'Your name', 'Phone user');
      await fill(page, 'textbox', 'Passphrase', passphrase);
      await fill(page, 'textbox', 'Repeat passphrase', `${passphrase}!`);
      await click(page, 'button', 'Create profile');
      assert.match(await waitForAlert(page), /passphrases differ/);
      assert.ok(await withElement(page, 'textbox', 'Repeat passphrase', {}, (box) => box.isIntersectingViewport()), 'the repeat box is in view');
      assert.ok(await alertInView(page), 'the message is in view');
      await fill(page, 'textbox', 'Repeat passphrase', passphrase);
      await waitForNoAlert(page);
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

  it('on a 360x740 phone: "Create profile" is in view on first run, for a new visitor and for an invitee who opened the link (Chromium, and Firefox)', { timeout: 120_000 }, async () => {
    const alice = await openPhone(tallPhone);
    let link;
    try {
      const seen = await createProfileInView(alice.page);
      assert.ok(seen.inView, `new visitor: "Create profile" ends at ${seen.bottom} px of ${seen.height}`);
      // The recommended reach is preselected, one line with "Change" (enterApp uses it for the same network).
      await waitForElement(alice.page, 'button', changeReach, { visible: true });
      await enterApp(alice.page, { name: 'Phone user', passphrase: 'a long enough passphrase 7' });
      await click(alice.page, 'button', 'New invite');
      link = `${server.url}#${await readCode(alice.page, 'Invite code')}`;
      assert.deepEqual(alice.errors, []);
    } finally {
      await alice.browser.close();
    }
    for (const open of [() => openPhone(tallPhone, link), () => openFirefoxPhone(tallPhone, link)]) {
      const bob = await open();
      const kind = bob.browser.tincanKind;
      try {
        await waitForElement(bob.page, 'heading', "You've been invited to chat", { timeout: 10_000 });
        const seen = await createProfileInView(bob.page);
        assert.ok(seen.inView, `${kind}: "Create profile" ends at ${seen.bottom} px of ${seen.height}`);
        assert.deepEqual(bob.errors, [], kind);
      } finally {
        await bob.browser.close();
      }
    }
  });
});
