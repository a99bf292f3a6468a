// One person in the NAT lab: runs inside a host's network namespace (started by netlab.mjs), serves dist/ on its
// own 127.0.0.1, drives one browser through the UI with the helpers every e2e test uses, and takes commands as
// JSON lines on stdin: {id, cmd, ...args} -> {id, result} | {id, error}. Only replies go to stdout; logs go to
// stderr. Configuration comes in TINCAN_DRIVER: {kind: 'chromium'|'firefox', dist, name}.
//
// The page gets one piece of test instrumentation, injected by this driver and never part of the app: a list of
// the RTCPeerConnections it makes, so `stats` can read the selected candidate pair from outside.
import readline from 'node:readline';
import { serveStatic } from '../../scripts/serve.mjs';
import { launchBrowser } from './browsers.mjs';
import {
  alertText, click, enterApp, fill, locate, openConversation, openPairing, readCode, sendMessage, textOf, until, waitForAlert, waitForElement, waitForText, withElement,
} from './helpers.mjs';
import { inPage } from './page-probe.mjs';

const config = JSON.parse(process.env.TINCAN_DRIVER ?? '{}');
const log = (...args) => process.stderr.write(`${args.join(' ')}\n`);
const reply = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);

function observePeerConnections() {
  const list = [];
  Object.defineProperty(window, '__tincanPeerConnections', { value: list });
  window.RTCPeerConnection = new Proxy(window.RTCPeerConnection, {
    construct(target, args, newTarget) {
      const pc = Reflect.construct(target, args, newTarget);
      list.push(pc);
      return pc;
    },
  });
}

async function readStats() {
  const pcs = window.__tincanPeerConnections ?? [];
  const pc = [...pcs].reverse().find((p) => p.connectionState === 'connected') ?? pcs[pcs.length - 1];
  if (!pc) return null;
  const stats = await pc.getStats();
  const all = [...stats.values()];
  let pairId;
  for (const s of all) if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
  const pair = pairId
    ? stats.get(pairId)
    : all.find((s) => s.type === 'candidate-pair' && s.state === 'succeeded' && (s.selected || s.nominated));
  const typeOf = (id) => stats.get(id)?.candidateType ?? null;
  const typesOf = (kind) => [...new Set(all.filter((s) => s.type === kind).map((s) => s.candidateType))].sort();
  return {
    connectionState: pc.connectionState,
    iceConnectionState: pc.iceConnectionState,
    local: pair ? typeOf(pair.localCandidateId) : null,
    remote: pair ? typeOf(pair.remoteCandidateId) : null,
    localTypes: typesOf('local-candidate'),
    remoteTypes: typesOf('remote-candidate'),
    peerConnections: pcs.length,
  };
}

async function present(page, role, name, timeout) {
  return locate(page, role, name, { timeout }).then(() => true, () => false);
}

/** The settings form for a list of servers, as net/ice-servers.ts formFromIceServers lays it out. */
function formFor(servers) {
  const urls = (s) => (Array.isArray(s.urls) ? s.urls : [s.urls]);
  const stun = servers.flatMap(urls).filter((u) => /^stuns?:/i.test(u));
  const turnServers = servers.filter((s) => urls(s).some((u) => /^turns?:/i.test(u)));
  const turn = turnServers.flatMap(urls).filter((u) => /^turns?:/i.test(u));
  const preset = turn.length ? 'Anywhere, even through strict networks (STUN + TURN)' : stun.length ? 'Anywhere (a STUN server)' : 'Same network only';
  return { preset, stun: stun.join(', '), turn: turn.join(', '), username: turnServers[0]?.username ?? '', password: turnServers[0]?.credential ?? '' };
}

async function setIceServers(page, servers) {
  await click(page, 'button', 'Settings');
  if (!(await present(page, 'button', 'Save settings', 5000))) {
    // No settings panel in this build: leave the page as it was.
    if (await present(page, 'button', 'Back to chats', 1000)) await click(page, 'button', 'Back to chats');
    return false;
  }
  const form = formFor(servers);
  await click(page, 'radio', form.preset);
  if (form.preset !== 'Same network only') await fill(page, 'textbox', 'STUN server', form.stun);
  if (form.preset === 'Anywhere, even through strict networks (STUN + TURN)') {
    await fill(page, 'textbox', 'TURN server', form.turn);
    await fill(page, 'textbox', 'TURN username', form.username);
    await fill(page, 'textbox', 'TURN password', form.password);
  }
  await click(page, 'button', 'Save settings');
  const saved = inPage((probe) => !!probe.find((el) => el.getAttribute('role') === 'status' && el.textContent.includes('Saved.')));
  await until(() => page.evaluate(saved), '"Saved." after "Save settings"', { timeout: 10_000, everyMs: 100 });
  // The app may confirm the save in its alert: dismiss it, so the next alert is about the connection.
  if (await alertText(page)) await click(page, 'button', 'Dismiss').catch(() => {});
  // Back to the conversation view, if Settings is a view of its own.
  if (await present(page, 'button', 'Back to chats', 1000)) await click(page, 'button', 'Back to chats');
  await locate(page, 'button', 'New invite', { timeout: 10_000 });
  return true;
}

/**
 * Every message of the open conversation, oldest first. The log renders only a window of it (75 messages), so
 * this scrolls up page by page as a reader would, collecting each message once (by its id), until nothing older is
 * left; then it goes back to the newest.
 */
async function messagesOf(page) {
  const log = await locate(page, 'log', 'Messages');
  const messages = await log.evaluate(async (el) => {
    const read = () =>
      [...el.querySelectorAll('.msg')].map((m) => ({
        id: m.dataset.id,
        direction: m.classList.contains('out') ? 'out' : 'in',
        text: m.querySelector('p')?.textContent ?? '',
      }));
    const hasOlder = () => !!el.firstElementChild?.classList.contains('edge'); // "Loading older messages…" on top
    let all = read();
    for (let pages = 0; hasOlder() && pages < 1000; pages++) {
      const oldest = all[0]?.id;
      el.scrollTop = 0;
      el.dispatchEvent(new Event('scroll'));
      const start = Date.now();
      while (read()[0]?.id === oldest && hasOlder() && Date.now() - start < 10_000) await new Promise((r) => setTimeout(r, 50));
      const seen = new Set(all.map((m) => m.id));
      const shown = read();
      const cut = shown.findIndex((m) => seen.has(m.id));
      all = [...(cut < 0 ? shown : shown.slice(0, cut)).filter((m) => !seen.has(m.id)), ...all];
      if (read()[0]?.id === oldest) break; // nothing came: the page is stuck, report what was read
    }
    return all;
  });
  const jump = await locate(page, 'button', 'Jump to newest', { timeout: 500 }).catch(() => null);
  await jump?.click();
  return messages.map(({ direction, text }) => ({ direction, text }));
}

const started = Date.now();
const server = await serveStatic({ dir: config.dist ?? 'dist', port: 0, host: '127.0.0.1' });
const url = `http://127.0.0.1:${server.address().port}/`;
const browser = await launchBrowser(config.kind ?? 'chromium');
const page = (await browser.pages())[0] ?? (await browser.newPage());
page.on('pageerror', (error) => log('pageerror:', String(error)));
page.on('console', (message) => {
  if (['error', 'warn'].includes(message.type())) log(`console.${message.type()}:`, message.text());
});
await page.evaluateOnNewDocument(observePeerConnections);
const setup = (async () => {
  const launched = Date.now();
  await page.goto(url);
  const loaded = Date.now();
  await enterApp(page, { name: config.name ?? 'lab user', passphrase: 'correct horse battery staple 42' });
  log(`ready in ${Date.now() - started} ms: browser ${launched - started} ms, page ${loaded - launched} ms, profile ${Date.now() - loaded} ms (${config.kind}, pid ${browser.process()?.pid})`);
})();

let closing;
async function closeAll() {
  closing ??= (async () => {
    await browser.close().catch(() => {});
    await new Promise((resolve) => server.close(resolve));
  })();
  return closing;
}

const commands = {
  ready: async () => (await setup, { url }),
  invite: async () => {
    await click(page, 'button', 'New invite');
    return readCode(page, 'Invite code');
  },
  /** Pastes an invite and presses Connect; returns the answer code the page makes. */
  answer: async ({ code }) => {
    await openPairing(page);
    await fill(page, 'textbox', 'Paste a code', code);
    await click(page, 'button', 'Connect');
    return readCode(page, 'Answer code');
  },
  /** Pastes a code (an answer) and presses Connect; returns when the click happened (ms since epoch). */
  paste: async ({ code }) => {
    await openPairing(page);
    await fill(page, 'textbox', 'Paste a code', code);
    const button = await locate(page, 'button', 'Connect', { visible: true });
    const pastedAt = Date.now();
    await button.click();
    return pastedAt;
  },
  /** Waits for the status "Connection" to read Connected; returns when it first did (ms since epoch, 20 ms poll). */
  waitConnected: async ({ timeoutMs }) => {
    const status = await locate(page, 'status', 'Connection', { timeout: timeoutMs });
    const at = await page.waitForFunction((el) => el.textContent.trim() === 'Connected' && Date.now(), { timeout: timeoutMs, polling: 20 }, status);
    return at.jsonValue();
  },
  send: async ({ text }) => sendMessage(page, text),
  // Many messages as fast as a person pasting and pressing Enter: "<prefix> 0" ... "<prefix> count-1".
  burst: async ({ prefix, count }) => {
    const box = await locate(page, 'textbox', 'Message');
    await box.evaluate(async (el, p, n) => {
      for (let i = 0; i < n; i++) {
        el.value = `${p} ${i}`;
        el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true }));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }, prefix, count);
  },
  waitText: async ({ text, timeoutMs }) => waitForText(page, 'log', 'Messages', text, { timeout: timeoutMs }),
  messages: async () => messagesOf(page),
  alert: async ({ timeoutMs }) => waitForAlert(page, { timeout: timeoutMs }),
  alertNow: async () => alertText(page),
  path: async ({ timeoutMs }) => {
    if (!(await present(page, 'status', 'Connection path', timeoutMs))) return null;
    const handle = await locate(page, 'status', 'Connection path');
    await page.waitForFunction((el) => el.textContent.trim().length > 0, { timeout: timeoutMs, polling: 100 }, handle).catch(() => {});
    return handle.evaluate((el) => el.textContent.trim());
  },
  stats: async () => page.evaluate(readStats),
  // Groups (docs/groups.md): made, joined and read through the UI as groups.test.mjs does.
  newGroup: async ({ name }) => {
    await click(page, 'button', 'New group');
    await fill(page, 'textbox', 'Group name', name);
    await click(page, 'button', 'Create group');
    await openConversation(page, name);
  },
  /** "Invite to group" in the group `group`; returns the invite code. */
  inviteToGroup: async ({ group }) => {
    await openConversation(page, group);
    await click(page, 'button', 'Invite to group');
    return readCode(page, 'Invite code');
  },
  /** Waits for the group's page to open by itself after an invite to a group was answered. */
  waitGroupOpen: async ({ timeoutMs }) => waitForElement(page, 'list', 'Members', { visible: true, timeout: timeoutMs }).then(() => true),
  openConversation: async ({ name }) => openConversation(page, name),
  /** The list "Members" of the open group: each item's text. */
  members: async () =>
    withElement(page, 'list', 'Members', {}, (list) => list.evaluate((ul) => [...ul.querySelectorAll('li')].map((li) => li.textContent.replace(/\s+/g, ' ').trim()))),
  /** Waits until an item of "Members" contains `text`. */
  waitMember: async ({ text, timeoutMs }) => waitForText(page, 'list', 'Members', text, { timeout: timeoutMs }),
  /** Waits for a message of the open conversation to read "Delivered" (to every member, in a group). */
  waitDelivered: async ({ timeoutMs }) => waitForElement(page, 'img', 'Delivered', { timeout: timeoutMs }).then(() => true),
  /** The whole text of the open conversation's log. */
  logText: async () => textOf(page, 'log', 'Messages'),
  setIceServers: async ({ servers }) => setIceServers(page, servers),
  close: async () => {
    await closeAll();
    setTimeout(() => process.exit(0), 10);
    return true;
  },
};

readline.createInterface({ input: process.stdin }).on('line', async (line) => {
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    return;
  }
  try {
    const handler = commands[message.cmd];
    if (!handler) throw new Error(`unknown command ${message.cmd}`);
    reply({ id: message.id, result: (await handler(message)) ?? null });
  } catch (error) {
    reply({ id: message.id, error: String(error?.stack ?? error) });
  }
});
// The parent went away (stdin ends; or SIGTERM, which netlab.mjs arranges even if the parent was killed): close the
// browser, giving it 5 s, then leave.
function shutDown() {
  setTimeout(() => process.exit(0), 5000).unref();
  closeAll().finally(() => process.exit(0));
}
process.stdin.on('end', shutDown);
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, shutDown);
setup.catch((error) => log('setup failed:', String(error?.stack ?? error)));
