// Shared steps for the end-to-end tests: serve dist/, open a person's page in a real browser, and act through
// the UI by role and accessible name, as a screen reader user would.
import { after, before } from 'node:test';
import { serveStatic } from '../../scripts/serve.mjs';
import { launchBrowser } from './browsers.mjs';
import { inPage } from './page-probe.mjs';

export async function startServer({ base = '/' } = {}) {
  const server = await serveStatic({ dir: 'dist', port: 0, host: '127.0.0.1', base });
  const url = `http://127.0.0.1:${server.address().port}${base}`;
  return { url, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** Serves dist/ for the whole test file: `const server = serveForSuite()`, then `server.url` inside tests. */
export function serveForSuite(options) {
  const server = { url: '', close: async () => {} };
  before(async () => Object.assign(server, await startServer(options)));
  after(() => server.close());
  return server;
}

export const aria = (role, name) => `::-p-aria([name="${name}"][role="${role}"])`;

/**
 * Finds an element by role and accessible name. Chromium answers from its real accessibility tree
 * (puppeteer's ::-p-aria). Firefox over WebDriver BiDi has no such query in puppeteer, so there a small in-page
 * search reads the same attributes (explicit role or the element's implicit one; aria-label, aria-labelledby,
 * <label for>, alt, or text) through open shadow roots.
 */
export async function locate(page, role, name, { timeout = 30_000, visible = false, signal } = {}) {
  if (page.browser().tincanKind !== 'firefox') return locateInAccessibilityTree(page, role, name, { timeout, visible, signal });
  const handle = await page.waitForFunction(findInPage, { timeout, polling: 100, signal }, role, name);
  return handle.asElement();
}

/**
 * Chromium: polls the page's accessibility tree every 100 ms with page.$('aria/…'), which asks the tree from Node and
 * hands over the one handle it makes. Not page.waitForSelector, nor ::-p-aria: those query from inside the page,
 * which calls back into puppeteer, and puppeteer-core 24.43 never disposes the handles such a call finds
 * (cdp/Binding.js, cdp/ExecutionContext.js): each stays for as long as the page lives and keeps its element, so
 * every screen the app had replaced stayed in memory, detached (bench/dom-census.mjs).
 */
async function locateInAccessibilityTree(page, role, name, { timeout, visible, signal }) {
  // Chromium names the role of <img alt> "image" (ARIA 1.3).
  const selector = `aria/[name="${name}"][role="${role === 'img' ? 'image' : role}"]`;
  const deadline = Date.now() + timeout;
  let lastError;
  for (;;) {
    signal?.throwIfAborted();
    let handle;
    try {
      // Either call can fail for a moment: the node re-rendered between the tree query and its handle, or the page
      // is navigating (a reload). waitForSelector retried then too; so does this, until the deadline.
      handle = await page.$(selector);
      if (handle && (!visible || (await handle.isVisible()))) return handle;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    await handle?.dispose().catch(() => undefined);
    if (Date.now() > deadline) {
      throw new Error(`locate: no ${visible ? 'visible ' : ''}${role} "${name}" within ${timeout} ms${lastError ? ` (last: ${lastError.message})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Runs `fn(handle)` on the element `locate` finds, then lets the page forget the handle. A handle the driver keeps
 * keeps its node alive in the page, and a node its whole tree: every screen the app has replaced since stayed in
 * memory, detached (bench/dom-census.mjs).
 */
export async function withElement(page, role, name, options, fn) {
  const handle = await locate(page, role, name, options);
  try {
    return await fn(handle);
  } finally {
    await handle.dispose().catch(() => undefined);
  }
}

/** Waits until `locate` finds the element (options as there), keeping no handle to it. */
export function waitForElement(page, role, name, options) {
  return withElement(page, role, name, options, () => undefined);
}

const findInPage = inPage((probe, role, name) => {
  const implicit = (el) => {
    const explicit = el.getAttribute('role');
    if (explicit) return explicit;
    const tag = el.localName;
    if (tag === 'button') return 'button';
    if (tag === 'a' && el.hasAttribute('href')) return 'link';
    if (tag === 'textarea') return 'textbox';
    if (tag === 'input' && ['text', 'search', 'password', '', null].includes(el.getAttribute('type'))) return 'textbox';
    if (tag === 'input' && el.type === 'file') return 'button';
    if (tag === 'input' && el.type === 'radio') return 'radio';
    if (tag === 'input' && el.type === 'checkbox') return 'checkbox';
    if (tag === 'img') return 'img';
    if (tag === 'video') return 'video';
    if (tag === 'ul' || tag === 'ol') return 'list';
    if (/^h[1-6]$/.test(tag)) return 'heading';
    if (tag === 'section' && (el.hasAttribute('aria-label') || el.hasAttribute('aria-labelledby'))) return 'region';
    return '';
  };
  // Text as a name is computed from it: what aria-hidden hides does not count.
  const visibleText = (node) =>
    [...node.childNodes]
      .map((child) => (child.nodeType === 3 ? child.textContent : child.nodeType === 1 && child.getAttribute('aria-hidden') !== 'true' ? visibleText(child) : ''))
      .join('');
  const nameOf = (el, root) => {
    const label = el.getAttribute('aria-label');
    if (label) return label.trim();
    const by = el.getAttribute('aria-labelledby');
    if (by) return by.split(/\s+/).map((id) => root.getElementById?.(id)?.textContent ?? '').join(' ').trim();
    if (el.localName === 'img') return (el.getAttribute('alt') ?? '').trim();
    if (el.id && root.querySelector) {
      const forLabel = root.querySelector(`label[for="${el.id}"]`);
      if (forLabel) return forLabel.textContent.replace(/\s+/g, ' ').trim();
    }
    const wrapping = el.closest?.('label');
    if (wrapping) return wrapping.textContent.replace(/\s+/g, ' ').trim();
    if (el.localName === 'button' || el.localName === 'a' || /^h[1-6]$/.test(el.localName)) return visibleText(el).replace(/\s+/g, ' ').trim();
    return '';
  };
  return probe.find((el, root) => {
    const r = implicit(el);
    return (r === role || (role === 'img' && r === 'image')) && nameOf(el, root) === name;
  });
});

/** A person: one browser with its own profile, one page of Tincan, past the profile screen (`options.reach`:
 * 'local' by default, 'anywhere' for the public STUN preset). */
export async function openPerson(kind, url, options = {}) {
  const browser = await launchBrowser(kind, options);
  const page = (await browser.pages())[0] ?? (await browser.newPage());
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(url);
  const name = options.name ?? `${kind} user`;
  const passphrase = options.passphrase ?? 'correct horse battery staple 42';
  await enterApp(page, { name, passphrase, ...(options.reach ? { reach: options.reach } : {}) });
  return { kind, browser, page, errors, name, passphrase, close: () => browser.close() };
}

/** The first-run choice of how far invites reach, as the profile screen names it. The tests run in a private
 * network namespace with no Internet, so they choose the same network unless a test says otherwise. */
export const reachChoices = {
  local: 'Same network only — nothing leaves your network',
  anywhere: 'Anywhere — a public STUN server learns your IP address (recommended)',
};
/** The button that opens those choices: "Anywhere" is preselected, in one line with "Change". */
export const changeReach = 'Change how far your invites reach';

/** On the profile screen: "Change", then the choice (nothing to do for the preselected "Anywhere"). */
export async function chooseReach(page, reach) {
  if (reach === 'anywhere') return;
  await click(page, 'button', changeReach);
  await click(page, 'radio', reachChoices[reach]);
}

/** Gets past the profile screen: creates a profile on a first visit, unlocks on later ones. */
export async function enterApp(page, { name, passphrase, reach = 'local' }) {
  // Whichever screen shows first; the other waits are stopped (each polls the page's accessibility tree every
  // frame until its timeout otherwise, which keeps the page busy for a minute).
  // When none shows (another tab holds the profile, say), it fails after the minute instead of waiting forever.
  const stop = new AbortController();
  // Promise.any: if none shows within the wait, this fails instead of waiting for ever.
  const screen = await Promise.any(
    [['button', 'New invite', 'main'], ['button', 'Create profile', 'setup'], ['button', 'Unlock', 'unlock']].map(
      ([role, label, which]) => waitForElement(page, role, label, { timeout: 60_000, signal: stop.signal }).then(() => which),
    ),
  ).catch(() => {
    throw new Error('enterApp: no "New invite", "Create profile" or "Unlock" within 60 s');
  });
  stop.abort();
  if (screen === 'setup') {
    await fill(page, 'textbox', 'Your name', name);
    await fill(page, 'textbox', 'Passphrase', passphrase);
    await fill(page, 'textbox', 'Repeat passphrase', passphrase);
    await chooseReach(page, reach);
    await click(page, 'button', 'Create profile');
  } else if (screen === 'unlock') {
    await fill(page, 'textbox', 'Passphrase', passphrase);
    await click(page, 'button', 'Unlock');
  }
  await waitForElement(page, 'button', 'New invite', { timeout: 60_000 });
}

/** Locks the profile from Settings and waits for the unlock screen. */
export async function lock(page) {
  await click(page, 'button', 'Settings');
  await click(page, 'button', 'Lock');
  await waitForElement(page, 'button', 'Unlock');
}

/** Whether a control is on screen now (not hidden behind another screen), waiting at most `timeout` ms. */
export async function isShown(page, role, name, timeout = 1000) {
  return waitForElement(page, role, name, { timeout, visible: true }).then(() => true, () => false);
}

/** Opens the pairing screen ("Paste a code", scanning) unless it is on screen already. */
export async function openPairing(page) {
  if (await isShown(page, 'textbox', 'Paste a code', 500)) return;
  await click(page, 'button', 'Paste or scan a code');
  await waitForElement(page, 'textbox', 'Paste a code', { visible: true });
}

/**
 * Opens the conversation with `name` from the list "Conversations" (its button's name starts with the contact's
 * name, then its state). Searched in the page through open shadow roots, so it works the same in Firefox.
 */
export async function openConversation(page, name, { timeout = 30_000 } = {}) {
  const handle = await page.waitForFunction(
    inPage((probe, contact) => probe.conversationButton(contact)),
    { timeout, polling: 100 },
    name,
  );
  // Activated on the element, as a screen reader's default action does. A mouse click goes to coordinates, and the
  // list re-sorts by last message, so a click just after a message was sent landed on the conversation that moved
  // into its place; focus and Enter lost to the previous conversation's late focus on its message box.
  await handle.evaluate((button) => button.click());
  await handle.dispose();
  // The conversation on screen is the one asked for (its heading names the contact), not the one before it: renders
  // are batched per frame, and what is typed next goes to the conversation on screen.
  await page.waitForFunction(
    inPage(
      (probe, contact) =>
        !!probe.find(
          (h) =>
            h.matches('h2 .name') &&
            probe.ownText(h) === contact &&
            h.getClientRects().length > 0,
        ),
    ),
    { timeout, polling: 100 },
    name,
  );
  await waitForElement(page, 'log', 'Messages', { visible: true });
}

/** Opens the open conversation's contact details (safety number, verification, export, delete). */
export async function openContactDetails(page) {
  await click(page, 'button', 'Contact details');
  await waitForElement(page, 'button', 'Safety number', { visible: true });
}

/** Waits until a message of the open conversation shows the tick named "Delivered". */
export async function waitForDelivered(page, { timeout = 30_000 } = {}) {
  await waitForElement(page, 'img', 'Delivered', { timeout });
}

export function click(page, role, name) {
  return withElement(page, role, name, { visible: true }, (handle) => handle.click());
}

export function fill(page, role, name, text) {
  return withElement(page, role, name, {}, (handle) =>
    handle.evaluate((el, value) => {
      el.value = value;
      el.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
    }, text),
  );
}

/**
 * Waits until the read-only textbox has a value and returns it. An invite's raw code is folded behind "Show code"
 * (an invite travels as its link): it is unfolded first when it is not shown.
 */
export async function readCode(page, name, { timeout = 30_000 } = {}) {
  if (name === 'Invite code') await unfoldInviteCode(page, timeout);
  return withElement(page, 'textbox', name, { timeout }, async (handle) => {
    await page.waitForFunction((el) => el.value.length > 0, { timeout }, handle);
    return handle.evaluate((el) => el.value);
  });
}

/** Presses "Show code" unless an invite code is shown already (whichever comes first once the invite is made). */
async function unfoldInviteCode(page, timeout) {
  const stop = new AbortController();
  const which = await Promise.any([
    waitForElement(page, 'textbox', 'Invite code', { timeout, signal: stop.signal }).then(() => 'shown'),
    waitForElement(page, 'button', 'Show code', { timeout, visible: true, signal: stop.signal }).then(() => 'folded'),
  ]).catch(() => {
    throw new Error(`readCode: no "Invite code" nor "Show code" within ${timeout} ms`);
  });
  stop.abort();
  if (which === 'folded') await click(page, 'button', 'Show code');
}

export function textOf(page, role, name) {
  return withElement(page, role, name, {}, (handle) => handle.evaluate((el) => el.innerText ?? el.textContent));
}

export async function waitForText(page, role, name, text, { timeout = 30_000 } = {}) {
  await withElement(page, role, name, { timeout }, (handle) =>
    page.waitForFunction((el, t) => (el.innerText ?? el.textContent).includes(t), { timeout, polling: 100 }, handle, text),
  );
}

/** The text of the page's alert, or '' when there is none. */
export async function alertText(page) {
  return page.evaluate(inPage((probe) => probe.alertText()));
}

/** Waits until an alert with text is shown and returns its text. */
export function waitForAlert(page, { timeout = 15_000 } = {}) {
  return until(() => alertText(page), 'an alert', { timeout, everyMs: 100, error: () => 'no alert appeared' });
}

/** Waits until no alert is shown (the page renders at most once per animation frame). */
export async function waitForNoAlert(page, { timeout = 15_000 } = {}) {
  let text = '';
  await until(async () => !(text = await alertText(page)), 'no alert', { timeout, everyMs: 50, error: () => `the alert stayed: ${text}` });
}

/** Types into the message box and presses Enter, as a person does. */
export async function sendMessage(page, text) {
  await withElement(page, 'textbox', 'Message', {}, async (box) => {
    await box.click();
    await box.type(text);
  });
  await page.keyboard.press('Enter');
}

/** Pastes a code into "Paste a code" (opening the pairing screen if needed) and presses "Connect". */
export async function pasteCode(page, code) {
  await openPairing(page);
  await fill(page, 'textbox', 'Paste a code', code);
  await click(page, 'button', 'Connect');
}

/** Alice makes an invite and Bob answers it; the answer is not pasted back yet. */
export async function inviteAndAnswer(alice, bob) {
  await click(alice.page, 'button', 'New invite');
  const invite = await readCode(alice.page, 'Invite code');
  await pasteCode(bob.page, invite);
  // Already contacts: an ordinary invite from Alice's device waits for Bob's "Answer" (it may be an old one).
  const stop = new AbortController();
  const step = await Promise.any([
    waitForElement(bob.page, 'textbox', 'Answer code', { signal: stop.signal }).then(() => 'answered'),
    waitForElement(bob.page, 'button', `Reconnect with ${alice.name}`, { visible: true, signal: stop.signal }).then(() => 'asked'),
  ]).catch(() => {
    throw new Error('inviteAndAnswer: no "Answer code" nor the question about a known contact\'s invite within 30 s');
  });
  stop.abort();
  if (step === 'asked') await click(bob.page, 'button', 'Answer');
  const answer = await readCode(bob.page, 'Answer code');
  return { invite, answer };
}

/** Alice invites, Bob answers, Alice completes: the codes travel as text through the UI. */
export async function pair(alice, bob) {
  const { invite, answer } = await inviteAndAnswer(alice, bob);
  await pasteCode(alice.page, answer);
  await waitForConnected(alice.page);
  await waitForConnected(bob.page);
  return { invite, answer };
}

export async function waitForConnected(page, timeout = 30_000) {
  await withElement(page, 'status', 'Connection', { timeout }, (handle) =>
    page.waitForFunction((el) => el.textContent.trim() === 'Connected', { timeout, polling: 100 }, handle),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Issue 8 (hostile peers, silent links, vaults): steps that read what the log, the list and the details show, and
// open a page with a script run before the app (a skewed clock, a wrapped data channel, a counted connection).

/** Like openPerson, but `prepare(page)` runs before the app loads (page.evaluateOnNewDocument goes there). */
export async function openPreparedPerson(kind, url, prepare, options = {}) {
  const browser = await launchBrowser(kind, options);
  const page = (await browser.pages())[0] ?? (await browser.newPage());
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await prepare(page);
  await page.goto(url);
  const name = options.name ?? `${kind} user`;
  const passphrase = options.passphrase ?? 'correct horse battery staple 42';
  await enterApp(page, { name, passphrase, ...(options.reach ? { reach: options.reach } : {}) });
  return { kind, browser, page, errors, name, passphrase, close: () => browser.close() };
}

/** Runs `fn(el, ...args)` on the first element named `tag` found through open shadow roots (null when none). */
export async function onDeepElement(page, tag, fn, ...args) {
  const handle = await page.evaluateHandle(inPage((probe, wanted) => probe.byTag(wanted)), tag);
  const element = handle.asElement();
  if (!element) {
    await handle.dispose();
    return null;
  }
  try {
    return await element.evaluate(fn, ...args);
  } finally {
    await element.dispose();
  }
}

/**
 * The open conversation's messages as the log shows them, oldest first: direction, text, the state's accessible
 * name ("Sent", "Delivered" ticks; "waiting"; '' for incoming) and the <time datetime> ('' when none).
 */
export function shownMessages(page) {
  return onDeepElement(page, 'tc-message-log', (log) =>
    [...log.shadowRoot.querySelectorAll('.msg')].map((msg) => ({
      direction: msg.classList.contains('out') ? 'out' : 'in',
      text: msg.querySelector('p')?.textContent ?? '',
      state: msg.querySelector('.tick')?.getAttribute('aria-label') ?? msg.querySelector('.state')?.textContent ?? '',
      time: msg.querySelector('time')?.getAttribute('datetime') ?? '',
    })),
  ).then((list) => list ?? []);
}

/** The list "Conversations": each button's name (its own text) and its whole accessible text (state, last message). */
export function conversationEntries(page) {
  return onDeepElement(page, 'tc-conversation-list', (list) =>
    [...list.shadowRoot.querySelectorAll('button')].map((button) => ({
      name: [...(button.querySelector('.name')?.childNodes ?? [])].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').trim(),
      label: button.textContent.replace(/\s+/g, ' ').trim(),
    })),
  ).then((list) => list ?? []);
}

/** Opens the conversation named `name` whose list entry also says `mark` ("verified", "possible impostor"), or
 * whose entry does NOT say it when `mark` starts with "!". */
export async function openConversationMarked(page, name, mark, { timeout = 30_000 } = {}) {
  const word = mark.replace(/^!/, '');
  const wanted = (entry) => entry.name === name && entry.label.includes(word) !== mark.startsWith('!');
  const position = await until(async () => (await conversationEntries(page)).findIndex(wanted) + 1, `a conversation "${name}" (${mark})`, { timeout });
  await onDeepElement(page, 'tc-conversation-list', (list, i) => list.shadowRoot.querySelectorAll('button')[i].click(), position - 1);
  await waitForElement(page, 'log', 'Messages', { visible: true });
}

/** The open contact details' text ('' when they are not open). */
export function contactDetailsText(page) {
  return onDeepElement(page, 'tc-contact-panel', (panel) => panel.shadowRoot.textContent.replace(/\s+/g, ' ').trim()).then((t) => t ?? '');
}

/** "N frames from this contact were refused or dropped" in the open contact details: N, or 0 when not said. */
export async function droppedShown(page) {
  const match = /(\d+) frames from this contact were refused or dropped/.exec(await contactDetailsText(page));
  return match ? Number(match[1]) : 0;
}

/**
 * Exports the open conversation's transcript through its contact details ("Export transcript (text)") and returns
 * the file's text. The download is taken where the page hands it to the browser (the Blob behind the link it
 * clicks), so this works the same in every browser. Leaves the contact details open.
 */
export async function exportTranscript(page, { timeout = 30_000 } = {}) {
  if (!(await isShown(page, 'button', 'Export transcript (text)', 300))) await openContactDetails(page);
  await page.evaluate(() => {
    window.tincanTestDownloads = [];
    if (window.tincanTestBlobs) return;
    // The page's CSP forbids fetching blob: URLs, so the Blob is kept when its URL is made.
    const blobs = (window.tincanTestBlobs = new Map());
    const createObjectURL = URL.createObjectURL;
    URL.createObjectURL = function (object) {
      const url = createObjectURL.call(URL, object);
      if (object instanceof Blob) blobs.set(url, object);
      return url;
    };
    const click = HTMLAnchorElement.prototype.click;
    HTMLAnchorElement.prototype.click = function () {
      const blob = this.download ? blobs.get(this.href) : undefined;
      if (blob) {
        window.tincanTestDownloads.push(blob.text());
        return undefined;
      }
      return click.call(this);
    };
  });
  await click(page, 'button', 'Export transcript (text)');
  await page.waitForFunction(() => window.tincanTestDownloads.length > 0, { timeout, polling: 100 });
  return page.evaluate(() => window.tincanTestDownloads[0]);
}

/** A text transcript's messages, oldest first, as "Name: text" (the time in brackets taken off). */
export function transcriptMessages(transcript) {
  return transcript.split('\n').filter((line) => line.startsWith('[')).map((line) => line.replace(/^\[[^\]]*\] /, ''));
}

/** How many times `needle` occurs in `haystack`. */
export const occurrences = (haystack, needle) => haystack.split(needle).length - 1;

/**
 * Polls `check` (async, returns truthy when done) every `everyMs` until `timeout` and returns its truthy value;
 * throws "timed out: `what`" after, or the sentence `error()` gives when there is one. The one polling loop of the
 * e2e tests and the benches (in-page conditions use page.waitForFunction).
 */
export async function until(check, what, { timeout = 30_000, everyMs = 200, error } = {}) {
  const start = Date.now();
  let last;
  for (;;) {
    last = await check();
    if (last) return last;
    if (Date.now() - start > timeout) throw new Error(error ? error() : `timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * The accessible names of the buttons in the list "Conversations", read from Chromium's own accessibility tree
 * (what a screen reader hears), in list order. Chromium only: Firefox over WebDriver BiDi has no such tree here.
 */
export async function conversationButtonNames(page) {
  if (page.browser().tincanKind === 'firefox') throw new Error('conversationButtonNames reads Chromium\'s accessibility tree');
  // The whole subtree: with interestingOnly, puppeteer returns just the first button of a list.
  const tree = await withElement(page, 'list', 'Conversations', {}, (list) => page.accessibility.snapshot({ root: list, interestingOnly: false }));
  const names = [];
  const visit = (node) => {
    if (node.role === 'button') names.push(node.name);
    for (const child of node.children ?? []) visit(child);
  };
  if (tree) visit(tree);
  return names;
}

/** Saves `url` as the person's one relay in Settings and waits until the list "Relays" says it is connected. */
export async function saveRelays(person, url) {
  await click(person.page, 'button', 'Settings');
  await fill(person.page, 'textbox', 'Relay addresses', url);
  await click(person.page, 'button', 'Save relays');
  await waitForText(person.page, 'list', 'Relays', `${url}: connected`);
}

/** Waits until "Use relays with <other>" is ticked (and can be changed) in the contact's details, then goes back. */
export async function waitForRelaysWith(person, other) {
  await openConversation(person.page, other);
  await openContactDetails(person.page);
  await until(
    () => withElement(person.page, 'checkbox', `Use relays with ${other}`, {}, (box) => box.evaluate((el) => el.checked && !el.disabled)),
    `Use relays with ${other} ticked`,
  );
  await click(person.page, 'button', 'Back');
}

/** The text of the open conversation's status "Connection" ("Connected", "Offline, last seen …", …). */
export async function connectionText(page) {
  return (await textOf(page, 'status', 'Connection')).trim();
}

/** Waits until the open conversation's status no longer reads "Connected" (`who` went away) and returns what it reads
 * then: a page that closed says so with its bye ("Alice closed Tincan"), a link that closed or timed out under the page
 * says something else. */
export async function connectionTextOnceGone(page, who) {
  let text = '';
  await until(async () => (text = await connectionText(page)) !== 'Connected', `${who} gone`);
  return text;
}

/** `inviter` presses "Invite to group" in `group`; `newcomer` answers as for any invite and lands in the group. */
export async function inviteToGroup(inviter, newcomer, group) {
  await openConversation(inviter.page, group);
  await click(inviter.page, 'button', 'Invite to group');
  const code = await readCode(inviter.page, 'Invite code');
  await pasteCode(newcomer.page, code);
  const answer = await readCode(newcomer.page, 'Answer code');
  await pasteCode(inviter.page, answer);
  // The newcomer's page opens the group by itself.
  await waitForElement(newcomer.page, 'list', 'Members', { visible: true, timeout: 30_000 });
}
