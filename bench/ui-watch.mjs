// Timing UI steps inside the pages, for the benches: from a click to a code in a textbox, from a click to the
// status "Connection" reading Connected, and opening a conversation from the list "Conversations". The clocks run in
// the pages (performance.now(); performance.timeOrigin + performance.now() across pages of one machine).
import { click, fill, isShown, openConversation, openPairing, readCode, until, waitForConnected } from '../test/e2e/helpers.mjs';
import { inPage } from '../test/e2e/page-probe.mjs';
import { withTimeout } from './lib.mjs';

/** From the next click in the page to the textbox named `name` having a value (a 1 ms poll, ~4 ms in practice). */
export function armCodeWatch(page, name) {
  return page.evaluate(inPage((probe, name) => {
    const watch = (window.__tcCodeWatch = {});
    // Named by aria-label or by a <label for> in the same shadow root (src/ui/code-card.ts).
    const find = () => {
      for (const [el, root] of probe.deep()) {
        if ('value' in el && el.getAttribute('aria-label') === name) return el;
        if (el.localName === 'label' && el.textContent.trim() === name && el.htmlFor) {
          const field = root.getElementById?.(el.htmlFor);
          if (field && 'value' in field) return field;
        }
      }
      return null;
    };
    watch.done = new Promise((resolve) => {
      document.addEventListener('click', () => {
        const clickAt = performance.now();
        const poll = () => (find()?.value ? resolve(performance.now() - clickAt) : setTimeout(poll, 1));
        setTimeout(poll, 0);
      }, { capture: true, once: true });
    });
  }), name);
}
export const codeWatchResult = (page) => withTimeout(page.evaluate(() => window.__tcCodeWatch.done), 30_000, 'code watch');

/** Epoch time of the next click, and of the status "Connection" first reading Connected. */
export function armConnectedWatch(page) {
  return page.evaluate(inPage((probe) => {
    const now = () => performance.timeOrigin + performance.now();
    const watch = (window.__tcConnectWatch = {});
    document.addEventListener('click', () => (watch.clickAt ??= now()), { capture: true, once: true });
    const find = () => probe.find((el) => el.getAttribute('role') === 'status' && el.getAttribute('aria-label') === 'Connection');
    const check = () => {
      if (watch.connectedAt === undefined && find()?.textContent.trim() === 'Connected') watch.connectedAt = now();
      if (watch.connectedAt === undefined) requestAnimationFrame(() => setTimeout(check, 0));
    };
    check();
  }));
}

/** { clickAt, connectedAt } of the armed watch (either may still be undefined). */
export const connectedWatch = (page) => page.evaluate(() => ({ ...window.__tcConnectWatch }));

/** Both armed watches once each page has seen Connected: [a, b], each { clickAt, connectedAt }. */
export function bothConnected(pageA, pageB) {
  const both = async () => {
    const [a, b] = await Promise.all([connectedWatch(pageA), connectedWatch(pageB)]);
    return a.connectedAt !== undefined && b.connectedAt !== undefined && [a, b];
  };
  // No deadline, as before: the steps before it have theirs.
  return until(both, 'both connected', { timeout: Infinity, everyMs: 20 });
}

/** Clicks the conversation named `name` in the list "Conversations" (test/e2e/helpers.mjs openConversation, without its waits). */
export async function clickConversation(page, name) {
  const handle = await page.waitForFunction(inPage((probe, contact) => probe.conversationButton(contact)), { timeout: 30_000, polling: 100 }, name);
  await handle.asElement().click();
}

// ---- the store, and messages typed in a burst (bench/relays.mjs, bench/groups.mjs) ----

/** In the page: messages the store holds over every conversation (the log's counts); -1 while locked. */
export function storedTotal() {
  try {
    return document.querySelector('tc-tincan-shell')?.app?.store?.log.summaries().reduce((n, s) => n + s.count, 0) ?? -1;
  } catch {
    return -1;
  }
}

/**
 * In the page, armed before a click: the click's epoch time, when the messenger first exists (the page unlocked),
 * and when the store first holds `target` messages (the log's counts, polled every 5 ms from a timer).
 */
export function armStoredWatch(target) {
  const now = () => performance.timeOrigin + performance.now();
  const count = () => {
    try {
      return document.querySelector('tc-tincan-shell')?.app?.store?.log.summaries().reduce((n, s) => n + s.count, 0) ?? -1;
    } catch {
      return -1;
    }
  };
  const watch = (window.__tcStoredWatch = {});
  document.addEventListener('click', () => (watch.clickAt ??= now()), { capture: true, once: true });
  const check = () => {
    if (watch.unlockedAt === undefined && document.querySelector('tc-tincan-shell')?.app?.messenger) watch.unlockedAt = now();
    if (count() >= target) watch.doneAt = now();
    else setTimeout(check, 5);
  };
  check();
}
/** { clickAt, unlockedAt, doneAt } of the armed store watch. */
export const storedWatch = (page) => page.evaluate(() => ({ ...window.__tcStoredWatch }));

/**
 * Types `texts` into "Message" and dispatches Enter for each, all in one task (as bench/chat.mjs's burst); returns
 * the epoch time before the first.
 */
export const sendTexts = inPage((probe, texts) => {
  const field = probe.find((el) => el.localName === 'textarea' && el.getAttribute('aria-label') === 'Message');
  const at = performance.timeOrigin + performance.now();
  for (const text of texts) {
    field.value = text;
    field.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true }));
    field.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true, cancelable: true }));
  }
  return at;
});

/**
 * The one-code reconnect by hand (bench/peers.mjs part 1): Alice presses "Reconnect" in Bob's conversation, Bob
 * pastes the code (after `delayS` s) and presses "Connect": that click -> both statuses "Connection" read Connected
 * (the later), and whether Bob's page showed an answer code (the two-code fallback).
 */
export async function timedOneCodeReconnect(alice, bob, delayS = 0) {
  await openConversation(alice.page, bob.name);
  await click(alice.page, 'button', 'Reconnect');
  const code = await readCode(alice.page, 'Invite code');
  await new Promise((resolve) => setTimeout(resolve, delayS * 1000));
  await openPairing(bob.page);
  await fill(bob.page, 'textbox', 'Paste a code', code);
  await Promise.all([armConnectedWatch(alice.page), armConnectedWatch(bob.page)]);
  await click(bob.page, 'button', 'Connect');
  await waitForConnected(bob.page, 45_000);
  await waitForConnected(alice.page, 45_000);
  const [a, b] = await bothConnected(alice.page, bob.page);
  return { ms: Math.max(a.connectedAt, b.connectedAt) - b.clickAt, answerShown: await isShown(bob.page, 'textbox', 'Answer code', 200) };
}
