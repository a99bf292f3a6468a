// From opening the page to the first message on the other person's screen, for two people who have never used
// Tincan (fresh browser profiles), following the guided flow as a person does (issue 11, "Measured"):
//
//   npm run build && bash scripts/in-netns.sh node bench/first-message.mjs [--rounds 1]
//     [--pairings chromium-chromium,chromium-firefox] [--devices phone,desktop] [--reach local|anywhere]
//     [--screenshots DIR]
//
//   Alice (Chromium) opens the page -> "Create your profile": name, passphrase twice, how far invites reach ->
//   "Create profile" -> "New invite" -> "Copy link" -> (the link travels to Bob) -> Bob opens the link: "You've been
//   invited to chat" -> his profile the same way -> "Answer" -> "Copy answer" -> (the answer travels back) -> Alice
//   pastes it into "Paste a code" (a paste into the empty box connects) -> both "Connected" -> Alice types a
//   message, Enter -> it shows in Bob's
//   log.
//
// Each pairing and device gets fresh browsers. phone: 360x740 CSS px, touch (ElementHandle.tap) where puppeteer can
// emulate it, fields reached by tapping them; desktop: 1280x800, mouse clicks, Tab to the next field.
//
// The person's part is counted, not timed:
//   taps       clicks and taps on the page, the tap on the link that opens the invite, and on a phone the two taps
//              of a paste (long press, "Paste")
//   keys       key presses that are not text: Tab, Enter, an arrow key in a choice, Ctrl+V
//   chars      characters typed (name, passphrase twice, the message)
//   scrolls    the middle of a control the person needed was outside the viewport (one swipe each; the phone's
//              on-screen keyboard is not emulated, so on a real phone more would be hidden)
//   screens    the distinct screens shown in turn (the shell's screen, and on the pairing screen which card)
//   codes      texts carried between the two people outside Tincan (the link, the answer): each costs the person
//              some taps in another app, which are not counted here
// A focused field is typed into without a tap; where focus landed before each step is listed (the walkthrough).
//
// Machine time, per step, measured in the pages (performance.timeOrigin + performance.now(), one machine's clock):
//   page loaded        goto -> "Create profile" on screen (measured by the driver)
//   profile created    the click on "Create profile" -> "New invite" (Alice) or "Answer" (Bob) on screen:
//                      libsodium loaded, Argon2id, the vault written
//   invite made        the click on "New invite" -> its card's "Show code" (the folded raw code) is on screen: the
//                      code exists (ICE gathered)
//   answer made        the click on "Answer" -> "Answer code" has a value
//   connected          Alice's Connect (click or Enter) -> both pages' status "Connection" read Connected
//   first message      Alice's Enter -> the text in Bob's message log
//   total              Alice's page opened -> the text in Bob's log (wall clock; it includes the driver typing,
//                      locating controls and carrying codes, which stands in for the people)
// Same-run baseline, in the same two pages afterwards: a bare RTCPeerConnection each (no ICE servers, full SDP
// gathered, passed by the driver), a negotiated data channel, one message shown in Bob's DOM at the next frame.
// Chromium runs with its accessibility tree on (bench/lib.mjs). No figure is asserted: this bench prints.
import fs from 'node:fs';
import path from 'node:path';
import { launchBrowser } from '../test/e2e/browsers.mjs';
import { changeReach, locate, reachChoices } from '../test/e2e/helpers.mjs';
import { inPage } from '../test/e2e/page-probe.mjs';
import { bareClockOffset } from './chat-probe.mjs';
import {
  accessibilityNote, argValue, benchBrowserOptions, loadLine, machineLine, median, ms, printTable, serveDistSnapshot,
  warnOutsideNamespace, withTimeout,
} from './lib.mjs';

const rounds = Number(argValue('--rounds', '1'));
const pairings = argValue('--pairings', 'chromium-chromium,chromium-firefox').split(',').map((p) => p.split('-'));
const devices = argValue('--devices', 'phone,desktop').split(',');
// 'local' by default: the namespace has no Internet, so the public STUN server of 'anywhere' cannot answer.
const reach = argValue('--reach', 'local');
// --screenshots DIR: each person's screen before each action, saved in DIR (to look at, not committed).
const screenshotDir = argValue('--screenshots');
const passphrase = 'correct horse battery staple 42';
const messageText = "Hi Bob, it's Alice!";
const stepTimeoutMs = 90_000;

const viewports = {
  phone: { width: 360, height: 740, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  desktop: { width: 1280, height: 800 },
};

// ---- in the pages ----

/**
 * Installed before the app loads (and again after, if missing): watches that start at the person's next action (a
 * click, or Enter) and end when a test holds, polled once a frame; and a record of what the page copied.
 */
const pageKit = inPage((probe) => {
  if (window.__fm) return;
  const T = () => performance.timeOrigin + performance.now();
  const all = () => probe.findAll(() => true);
  const text = (el) => el.textContent.replace(/\s+/g, ' ').trim();
  const labelled = (el, name) =>
    el.getAttribute('aria-label') === name || (!!el.id && el.getRootNode().querySelector?.(`label[for="${el.id}"]`)?.textContent.trim() === name);
  const tests = {
    now: () => true,
    button: (name) => all().some((el) => el.localName === 'button' && text(el) === name && el.getClientRects().length > 0),
    value: (name) => all().some((el) => 'value' in el && el.value && labelled(el, name)),
    connected: () => all().some((el) => el.getAttribute('role') === 'status' && el.getAttribute('aria-label') === 'Connection' && text(el) === 'Connected'),
    message: (wanted) => {
      const log = all().find((el) => el.localName === 'tc-message-log');
      return !!log?.shadowRoot && [...log.shadowRoot.querySelectorAll('.msg')].some((m) => m.textContent.includes(wanted));
    },
  };
  const copied = [];
  const clipboard = navigator.clipboard;
  if (clipboard?.writeText) {
    const write = clipboard.writeText.bind(clipboard);
    clipboard.writeText = (value) => {
      copied.push(value);
      return write(value);
    };
  }
  const watches = {};
  const poll = (watch, test, arg) => {
    const check = () => {
      if (tests[test](arg)) watch.doneAt = T();
      else requestAnimationFrame(() => setTimeout(check, 0));
    };
    check();
  };
  window.__fm = {
    copied,
    /** From the next click, Enter or paste in this page until `test(arg)` holds. */
    afterAction(id, test, arg) {
      const watch = (watches[id] = {});
      const kinds = ['click', 'keydown', 'paste'];
      const onAction = (event) => {
        if (event.type === 'keydown' && event.key !== 'Enter') return;
        for (const kind of kinds) document.removeEventListener(kind, onAction, true);
        watch.actAt = T();
        poll(watch, test, arg);
      };
      for (const kind of kinds) document.addEventListener(kind, onAction, true);
    },
    /** From now until `test(arg)` holds (the other person's page). */
    fromNow(id, test, arg) {
      const watch = (watches[id] = { actAt: T() });
      poll(watch, test, arg);
    },
    result: (id) => ({ ...watches[id] }),
    /** What the code card's copy status says ('' when nothing). */
    copyStatus: () => all().find((el) => el.classList?.contains('copied') && text(el))?.textContent.trim() ?? '',
    /** Which screen shows: the shell's screen, and on the pairing screen which card leads. */
    screen() {
      const shell = document.querySelector('tc-tincan-shell');
      const s = shell?.app?.state?.state;
      if (!s) return 'loading';
      if (s.screen !== 'main') return s.invitation ? `${s.screen} [invited]` : s.screen;
      const top = shell.stack?.at?.(-1) ?? '?';
      if (top !== 'pair') return top;
      const exchange = s.exchanges?.at?.(-1);
      return `pair [${s.invitation ? 'invitation' : exchange ? exchange.kind : 'start'}]`;
    },
  };
});

/** Waits (in the page) until the watch `id` is done; its { actAt, doneAt }. */
function watchResult(page, id) {
  return withTimeout(
    page.waitForFunction((id) => window.__fm.result(id).doneAt !== undefined && window.__fm.result(id), { timeout: stepTimeoutMs, polling: 50 }, id)
      .then((handle) => handle.jsonValue()),
    stepTimeoutMs + 5000,
    `watch ${id}`,
  );
}

/** The bare baseline's offering end: a negotiated channel, the offer with its candidates gathered. */
async function bareOffer() {
  const T = () => performance.timeOrigin + performance.now();
  const startAt = T();
  const pc = new RTCPeerConnection({ iceServers: [] });
  const channel = pc.createDataChannel('bare', { negotiated: true, id: 0 });
  const opened = new Promise((resolve) => (channel.onopen = () => resolve(T())));
  window.__fmBare = { pc, channel, opened };
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') resolve();
    pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
  });
  return { sdp: pc.localDescription.sdp, startAt, readyAt: T() };
}

/** The answering end: its answer gathered; a message goes into the page's DOM at the next frame. */
async function bareAnswer(offerSdp) {
  const T = () => performance.timeOrigin + performance.now();
  const startAt = T();
  const pc = new RTCPeerConnection({ iceServers: [] });
  const channel = pc.createDataChannel('bare', { negotiated: true, id: 0 });
  const bare = (window.__fmBare = { pc, channel });
  bare.opened = new Promise((resolve) => (channel.onopen = () => resolve(T())));
  bare.shown = new Promise((resolve) => {
    channel.onmessage = (event) =>
      requestAnimationFrame(() => {
        document.body.appendChild(document.createElement('p')).textContent = event.data;
        resolve(T());
      });
  });
  await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
  await pc.setLocalDescription(await pc.createAnswer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') resolve();
    pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
  });
  return { sdp: pc.localDescription.sdp, startAt, readyAt: T() };
}

/** The offering end again: the answer applied, open, one message sent. */
async function bareFinish(answerSdp, text) {
  const T = () => performance.timeOrigin + performance.now();
  const { pc, channel, opened } = window.__fmBare;
  const remoteAt = T();
  await pc.setRemoteDescription({ type: 'answer', sdp: answerSdp });
  const openAt = await opened;
  const sentAt = T();
  channel.send(text);
  return { remoteAt, openAt, sentAt };
}

// ---- a person ----

class Person {
  constructor(name, kind, device, browser, page) {
    Object.assign(this, { name, kind, device, browser, page });
    this.touch = device === 'phone';
    this.counts = { taps: 0, keys: 0, chars: 0, scrolls: 0 };
    this.screens = [];
    this.walk = [];
    this.errors = [];
    this.notes = [];
    page.on('pageerror', (error) => this.errors.push(String(error)));
  }

  async noteScreen() {
    const screen = await this.page.evaluate(() => window.__fm?.screen() ?? 'loading').catch(() => '?');
    if (this.screens.at(-1) !== screen) this.screens.push(screen);
  }

  /** Where the focus is ("tag: name"), and whether `handle` has it and is inside the viewport. */
  async where(handle) {
    return handle.evaluate(inPage((probe, el) => {
      const active = probe.activeElement();
      const root = active?.getRootNode();
      const name = !active || active === document.body ? '' : (active.getAttribute('aria-label') ||
        (active.id ? root.querySelector?.(`label[for="${active.id}"]`)?.textContent : '') || active.textContent || '').replace(/\s+/g, ' ').trim();
      const box = el.getBoundingClientRect();
      return {
        focus: !active || active === document.body ? 'nothing' : `${active.localName}: ${name.slice(0, 50)}`,
        focused: active === el,
        // Its middle is on screen: a person can tap it without scrolling.
        inView: (box.top + box.bottom) / 2 >= 0 && (box.top + box.bottom) / 2 <= innerHeight && (box.left + box.right) / 2 <= innerWidth,
      };
    }));
  }

  async shoot(step) {
    if (!screenshotDir) return;
    fs.mkdirSync(screenshotDir, { recursive: true });
    const file = `${this.kind}-${this.name}-${this.device}-${String(this.walk.length).padStart(2, '0')}-${step.replace(/\W+/g, '-')}.png`;
    await this.page.screenshot({ path: path.join(screenshotDir, `${this.label}-${file}`) }).catch(() => undefined);
  }

  record(step, control, at, cost) {
    this.walk.push({ step, control, focus: at.focus, focused: at.focused, inView: at.inView, cost });
  }

  async pointAt(handle, at) {
    if (!at.inView) {
      this.counts.scrolls++;
      await handle.evaluate((el) => el.scrollIntoView({ block: 'center' }));
    }
    if (this.touch) {
      try {
        await handle.tap();
      } catch (error) {
        this.touch = false;
        this.notes.push(`touch emulation unavailable in ${this.kind} (${String(error.message ?? error).slice(0, 80)}): clicks from here on`);
        await handle.click();
      }
    } else {
      await handle.click();
    }
    this.counts.taps++;
  }

  /** Taps or clicks a control. */
  async tap(step, role, name) {
    await this.noteScreen();
    const handle = await locate(this.page, role, name, { visible: true, timeout: stepTimeoutMs });
    await this.shoot(step);
    const at = await this.where(handle);
    await this.pointAt(handle, at);
    this.record(step, `${role} "${name}"`, at, this.touch ? 'tap' : 'click');
  }

  /** Puts the cursor into a field: nothing if it has the focus; Tab on a desktop when `tab`; a tap otherwise. */
  async reach(step, role, name, { tab = false } = {}) {
    await this.noteScreen();
    const handle = await locate(this.page, role, name, { visible: true, timeout: stepTimeoutMs });
    await this.shoot(step);
    let at = await this.where(handle);
    if (at.focused) {
      this.record(step, `${role} "${name}"`, at, 'none (focused)');
      return handle;
    }
    if (tab && this.device === 'desktop') {
      await this.page.keyboard.press('Tab');
      this.counts.keys++;
      const after = await this.where(handle);
      if (after.focused) {
        this.record(step, `${role} "${name}"`, at, 'Tab');
        return handle;
      }
      at = { ...at, focus: `${at.focus} (Tab went to ${after.focus})` };
    }
    await this.pointAt(handle, at);
    this.record(step, `${role} "${name}"`, at, this.touch ? 'tap' : 'click');
    return handle;
  }

  async type(text) {
    await this.page.keyboard.type(text);
    this.counts.chars += [...text].length;
  }

  async press(step, key, control) {
    await this.page.keyboard.press(key);
    this.counts.keys++;
    this.walk.push({ step, control, focus: '', focused: true, inView: true, cost: key });
  }

  /** Pastes `text` into the focused field: Ctrl+V on a desktop, long press + "Paste" on a phone. As the browser
   * does: a "paste" event carrying the text, then the text put in unless the page took the event. */
  async paste(step, text) {
    await this.page.evaluate(inPage((probe, value) => {
      const active = probe.activeElement();
      active.focus();
      const data = new DataTransfer();
      data.setData('text/plain', value);
      const event = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true, composed: true });
      if (active.dispatchEvent(event)) document.execCommand('insertText', false, value);
    }), text);
    if (this.device === 'phone') this.counts.taps += 2;
    else this.counts.keys++;
    this.walk.push({ step, control: 'paste', focus: '', focused: true, inView: true, cost: this.device === 'phone' ? 'long press + Paste (2 taps)' : 'Ctrl+V' });
  }

  /** Presses `button`, which makes a code in the textbox `field`, then `copyButton`: the in-page time from the press to
   * the code, and what was copied. */
  async makeAndCopy(step, button, [test, name], copyButton) {
    await this.page.evaluate((id, kind, arg) => window.__fm.afterAction(id, kind, arg), step, test, name);
    await this.tap(step, 'button', button);
    const made = await watchResult(this.page, step);
    await this.noteScreen();
    await this.tap(`send ${step}`, 'button', copyButton);
    await this.page.waitForFunction(() => window.__fm.copied.length > 0, { timeout: stepTimeoutMs, polling: 50 });
    const copied = await this.copied();
    await this.noteScreen();
    return { ms: made.doneAt - made.actAt, copied };
  }

  /** What the page put on the clipboard last (recorded by pageKit), and what its copy status says. */
  async copied() {
    // The status "Link copied. …" shows at the next render.
    await this.page.waitForFunction(() => window.__fm.copyStatus(), { timeout: 2000, polling: 50 }).catch(() => undefined);
    return this.page.evaluate(() => ({ text: window.__fm.copied.at(-1), status: window.__fm.copyStatus() }));
  }

  /** Fills the profile screen as a person does, and presses "Create profile"; the in-page time of that step. */
  async createProfile(nextButton) {
    await locate(this.page, 'button', 'Create profile', { visible: true, timeout: stepTimeoutMs });
    await this.reach('profile', 'textbox', 'Your name');
    await this.type(this.name);
    await this.reach('profile', 'textbox', 'Passphrase', { tab: true });
    await this.type(passphrase);
    await this.reach('profile', 'textbox', 'Repeat passphrase', { tab: true });
    await this.type(passphrase);
    // "Anywhere" is preselected (one line with "Change"): another reach is "Change", then its choice.
    if (reach !== 'anywhere') {
      await this.tap('profile', 'button', changeReach);
      await this.tap('profile', 'radio', reachChoices[reach]);
    }
    await this.page.evaluate((name) => window.__fm.afterAction('profile', 'button', name), nextButton);
    await this.tap('profile', 'button', 'Create profile');
    const watch = await watchResult(this.page, 'profile');
    await this.noteScreen();
    return watch.doneAt - watch.actAt;
  }
}

async function openPerson(name, kind, device, label) {
  const browser = await launchBrowser(kind, benchBrowserOptions(kind));
  const page = (await browser.pages())[0] ?? (await browser.newPage());
  const person = new Person(name, kind, device, browser, page);
  person.label = label;
  try {
    await page.setViewport(viewports[device]);
  } catch (error) {
    const { width, height } = viewports[device];
    await page.setViewport({ width, height });
    person.touch = false;
    person.notes.push(`${kind}: no touch emulation (${String(error.message ?? error).slice(0, 80)}); ${width}x${height}, clicks`);
  }
  await page.evaluateOnNewDocument(pageKit);
  return person;
}

// ---- one round ----

async function firstMessage([kindA, kindB], device, origin, url) {
  const label = `${kindA}-${kindB}-${device}-${Date.now()}`;
  const alice = await openPerson('Alice', kindA, device, label);
  const bob = await openPerson('Bob', kindB, device, label);
  const t = {};
  try {
    // Clipboard: a person's browser lets a page write to it on a tap; headless browsers want the permission.
    for (const p of [alice, bob]) {
      if (p.kind === 'chromium') await p.browser.defaultBrowserContext().overridePermissions(origin, ['clipboard-read', 'clipboard-write', 'clipboard-sanitized-write']);
    }
    const versions = `${await alice.browser.version()} / ${await bob.browser.version()}`;

    // Alice opens the page.
    const startedAt = Date.now();
    await alice.page.goto(url);
    await alice.page.evaluate(pageKit);
    await locate(alice.page, 'button', 'Create profile', { visible: true, timeout: stepTimeoutMs });
    t.aliceLoaded = Date.now() - startedAt;
    t.aliceProfile = await alice.createProfile('New invite');

    // New invite, then the link goes to Bob.
    const invite = await alice.makeAndCopy('invite', 'New invite', ['button', 'Show code'], 'Copy link');
    t.invite = invite.ms;
    const link = invite.copied;

    // Bob taps the link in his messages: a fresh browser opens it.
    const bobOpenedAt = Date.now();
    bob.counts.taps++;
    bob.walk.push({ step: 'open link', control: 'the link in a message', focus: '', focused: true, inView: true, cost: 'tap' });
    await bob.page.goto(link.text);
    await bob.page.evaluate(pageKit);
    await locate(bob.page, 'button', 'Create profile', { visible: true, timeout: stepTimeoutMs });
    t.bobLoaded = Date.now() - bobOpenedAt;
    const invitedBefore = await locate(bob.page, 'heading', "You've been invited to chat", { timeout: 2000 }).then(() => true, () => false);
    t.bobProfile = await bob.createProfile('Answer');
    const invitedAfter = await locate(bob.page, 'heading', "You've been invited to chat", { timeout: 2000 }).then(() => true, () => false);

    const answer = await bob.makeAndCopy('answer', 'Answer', ['value', 'Answer code'], 'Copy answer');
    t.answer = answer.ms;
    const answerCopy = answer.copied;

    // Alice pastes the answer under her invite: a code pasted into the empty box connects at once (no "Connect").
    await alice.reach('paste answer', 'textbox', 'Paste a code');
    await alice.page.evaluate(() => window.__fm.afterAction('connected', 'connected'));
    await bob.page.evaluate(() => window.__fm.fromNow('connected', 'connected'));
    await alice.paste('paste answer', answerCopy.text);
    const [aConnected, bConnected] = await Promise.all([watchResult(alice.page, 'connected'), watchResult(bob.page, 'connected')]);
    await Promise.all([alice.noteScreen(), bob.noteScreen()]);

    // The first message.
    await bob.shoot('connected');
    await alice.reach('message', 'textbox', 'Message');
    await alice.type(messageText);
    await bob.page.evaluate((text) => window.__fm.fromNow('message', 'message', text), messageText);
    await alice.page.evaluate(() => window.__fm.afterAction('enter', 'now'));
    await alice.press('message', 'Enter', 'textbox "Message"');
    const shown = await watchResult(bob.page, 'message');
    const enter = await alice.page.evaluate(() => window.__fm.result('enter'));
    await bob.shoot('message shown');
    await Promise.all([alice.noteScreen(), bob.noteScreen()]);
    const bobFocus = await bob.page.evaluate(inPage((probe) => {
      const active = probe.activeElement();
      return active && active !== document.body ? `${active.localName}: ${active.getAttribute('aria-label') ?? ''}` : 'nothing';
    }));

    // The baseline, in the same two pages: bare connections, codes passed by the driver at once.
    const bareStartedAt = Date.now();
    const offer = await alice.page.evaluate(bareOffer);
    const bareAns = await bob.page.evaluate(bareAnswer, offer.sdp);
    const finish = await alice.page.evaluate(bareFinish, bareAns.sdp, messageText);
    const [bobOpen, bareShown] = await Promise.all([bob.page.evaluate(() => window.__fmBare.opened), bob.page.evaluate(() => window.__fmBare.shown)]);
    const wall = Date.now() - bareStartedAt;
    // Two browsers' clocks may differ a little: Bob's times are moved onto Alice's clock (bench/chat-probe.mjs).
    await bob.page.evaluate(() => {
      const { channel } = window.__fmBare;
      channel.onmessage = () => channel.send(`O${performance.timeOrigin + performance.now()}`);
    });
    await alice.page.evaluate(() => (window.__tcBare = window.__fmBare));
    const clock = await alice.page.evaluate(bareClockOffset, 30);
    const onAlice = (bobAt) => bobAt + clock.offset;
    t.connected = Math.max(aConnected.doneAt, onAlice(bConnected.doneAt)) - aConnected.actAt;
    t.message = onAlice(shown.doneAt) - enter.actAt;
    t.total = onAlice(shown.doneAt) - startedAt;
    const bare = {
      offer: offer.readyAt - offer.startAt,
      answer: bareAns.readyAt - bareAns.startAt,
      connected: Math.max(finish.openAt, onAlice(bobOpen)) - finish.remoteAt,
      message: onAlice(bareShown) - finish.sentAt,
      total: onAlice(bareShown) - offer.startAt,
      wall,
    };
    return {
      versions, t, bare, clock, alice, bob, invitedBefore, invitedAfter, bobFocus,
      link: { length: link.text.length, status: link.status }, answerCode: { length: answerCopy.text.length, status: answerCopy.status },
    };
  } finally {
    await Promise.all([alice.browser.close(), bob.browser.close()]);
  }
}

// ---- report ----

const m = (v) => ms(v);

function printRound(label, r) {
  console.log(`\n-------- ${label}  (${r.versions})`);
  const t = r.t;
  const machine = t.aliceProfile + t.invite + t.bobProfile + t.answer + t.connected + t.message;
  printTable(['step (machine time, in the pages)', 'Tincan ms', 'bare baseline ms', 'note'], [
    ['Alice: page loaded (goto -> "Create profile")', m(t.aliceLoaded), '', 'driver-side'],
    ['Alice: profile created (click -> "New invite")', m(t.aliceProfile), '', 'Argon2id'],
    ['invite made (click "New invite" -> code)', m(t.invite), m(r.bare.offer), 'bare: offer gathered'],
    ['Bob: page loaded from the link', m(t.bobLoaded), '', 'driver-side'],
    ['Bob: profile created (click -> "Answer")', m(t.bobProfile), '', 'Argon2id'],
    ['answer made (click "Answer" -> code)', m(t.answer), m(r.bare.answer), 'bare: answer gathered'],
    ['connected (Connect -> both "Connected")', m(t.connected), m(r.bare.connected), 'bare: answer applied -> both open'],
    ['first message (Enter -> in Bob\'s log)', m(t.message), m(r.bare.message), 'bare: send -> Bob\'s DOM, next frame'],
    ['sum of the machine steps above (no page loads)', m(machine), m(r.bare.offer + r.bare.answer + r.bare.connected + r.bare.message), ''],
    ['TOTAL: Alice opens the page -> message on Bob\'s screen', m(t.total), m(r.bare.total), `bare wall with the driver: ${m(r.bare.wall)} ms`],
    ['  of which the people (driver: typing, locating, carrying)', m(t.total - machine - t.aliceLoaded - t.bobLoaded), '', ''],
  ]);
  printTable(['person', 'taps', 'keys', 'chars typed', 'scrolls', 'screens', 'screens in turn'], [r.alice, r.bob].map((p) => [
    `${p.name} (${p.kind})`, String(p.counts.taps), String(p.counts.keys), String(p.counts.chars), String(p.counts.scrolls), String(p.screens.length), p.screens.join(' > '),
  ]));
  console.log(`codes carried between the two people: 2 (the link, ${r.link.length} chars; the answer, ${r.answerCode.length} chars)`);
  console.log(`clock offset Alice - Bob: ${m(r.clock.offset)} ms (RTT ${m(r.clock.rtt)} ms), applied to Bob's times`);
  console.log(`copy status: Alice "${r.link.status}"; Bob "${r.answerCode.status}"`);
  console.log(`Bob saw "You've been invited to chat" before his profile: ${r.invitedBefore ? 'yes' : 'NO'}, after it: ${r.invitedAfter ? 'yes' : 'NO'}; Bob's focus when the message arrived: ${r.bobFocus}`);
  for (const p of [r.alice, r.bob]) {
    for (const note of p.notes) console.log(`note (${p.name}): ${note}`);
    if (p.errors.length) console.log(`page errors (${p.name}): ${p.errors.join(' | ')}`);
  }
}

function printWalk(label, r) {
  console.log(`\nwalkthrough, ${label}: where the focus was before each action, and what the action cost`);
  const rows = [];
  for (const p of [r.alice, r.bob]) {
    for (const w of p.walk) rows.push([p.name, w.step, w.control, w.cost, w.inView ? '' : 'NOT IN VIEW', w.focus]);
  }
  printTable(['who', 'step', 'control', 'cost', 'in view', 'focus was on'], rows);
}

const startedAt = Date.now();
warnOutsideNamespace();
const dist = await serveDistSnapshot();
const origin = new URL(dist.url).origin;
console.log(`First-message bench ${machineLine()}; build ${dist.buildId}; ${rounds} round(s); reach "${reachChoices[reach]}"`);
console.log(accessibilityNote);
const results = [];
let failed = false;
try {
  for (const device of devices) {
    for (const pairing of pairings) {
      for (let round = 1; round <= rounds; round++) {
        const label = `${pairing.join(' -> ')}, ${device}, round ${round}`;
        try {
          const r = await firstMessage(pairing, device, origin, dist.url);
          results.push({ label, device, pairing: pairing.join(' -> '), r });
          printRound(label, r);
          if (round === 1) printWalk(label, r);
        } catch (error) {
          failed = true;
          console.log(`\n${label}: FAILED: ${error.stack ?? error}`);
        }
      }
    }
  }
} finally {
  dist.close();
}

if (results.length) {
  console.log(`\nsummary (medians over rounds; ms; load at the end ${loadLine()})`);
  const groups = new Map();
  for (const x of results) {
    const key = `${x.pairing}, ${x.device}`;
    groups.set(key, [...(groups.get(key) ?? []), x.r]);
  }
  const rows = [];
  for (const [key, list] of groups) {
    const med = (f) => ms(median(list.map(f)));
    rows.push([
      key, String(list.length), med((r) => r.t.total), med((r) => r.bare.total), med((r) => r.t.aliceProfile), med((r) => r.t.bobProfile), med((r) => r.t.invite),
      med((r) => r.t.answer), med((r) => r.t.connected), med((r) => r.t.message),
      `${list[0].alice.counts.taps}+${list[0].bob.counts.taps}`, `${list[0].alice.counts.keys}+${list[0].bob.counts.keys}`,
      `${list[0].alice.counts.chars}+${list[0].bob.counts.chars}`, `${list[0].alice.counts.scrolls}+${list[0].bob.counts.scrolls}`,
      `${list[0].alice.screens.length}+${list[0].bob.screens.length}`,
    ]);
  }
  printTable(['pairing, device', 'n', 'total', 'bare total', 'A profile', 'B profile', 'invite', 'answer', 'connected', 'message', 'taps A+B', 'keys A+B', 'chars A+B', 'scrolls A+B', 'screens A+B'], rows);
}
console.log(`\n(ran ${((Date.now() - startedAt) / 1000).toFixed(0)} s)`);
process.exitCode = failed ? 1 : 0;
