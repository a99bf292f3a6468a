// Late-answer limits on one network, for all four pairings (Chromium/Firefox inviter x Chromium/Firefox
// answerer): people paste codes through other apps, so the answer may come back minutes after it was made.
//
//   npm run build && bash scripts/in-netns.sh node bench/late-answer.mjs [--delays 0,240,600,900] [--open-timeout 30]
//     [--pairings chromium-chromium,chromium-firefox,firefox-chromium,firefox-firefox]   (inviter-answerer)
//     [--raw-ips]   host candidates as raw IPs instead of mDNS names (LAB.md §1 flags), to tell mDNS apart
//
// For every pairing and delay: a fresh pair of browsers (separate profiles) goes through the UI; the inviter
// makes an invite, the answerer answers it, then nothing happens for the delay (the answer code is on screen),
// then the inviter pastes the answer and presses Connect. Recorded: whether both pages show "Connected" within
// --open-timeout seconds of that press, and when each did. All pairings and delays run at once (the browsers
// are idle while they wait); the longest delays are set up first, so a run takes about max(delay) + 1 min.
//
// Times: "paste" is the inviter's click on Connect, seen in the page (capture listener); "Connected" is when the
// page's status "Connection" first reads Connected (MutationObserver, with a 20 ms poll as a safety net).
// Both are Date.now() of the same machine, so they compare across browsers to about 1 ms.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serveStatic } from '../scripts/serve.mjs';
import { alertText, click, fill, locate, openPerson, readCode } from '../test/e2e/helpers.mjs';
import { inPage } from '../test/e2e/page-probe.mjs';

const argValue = (name, fallback) => {
  const at = process.argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (at < 0) return fallback;
  return process.argv[at].includes('=') ? process.argv[at].split('=')[1] : process.argv[at + 1];
};
const delaysS = argValue('--delays', '0,240,600,900').split(',').map(Number);
const openTimeoutMs = Number(argValue('--open-timeout', '30')) * 1000;
const rawIps = process.argv.includes('--raw-ips');
const kinds = ['chromium', 'firefox'];
const browserOptions = rawIps
  ? { args: ['--disable-features=WebRtcHideLocalIpsWithMdns'], prefs: { 'media.peerconnection.ice.obfuscate_host_addresses': false } }
  : {};
const pairings = kinds
  .flatMap((inviter) => kinds.map((answerer) => ({ inviter, answerer })))
  .filter(({ inviter, answerer }) => argValue('--pairings', `${inviter}-${answerer}`).split(',').includes(`${inviter}-${answerer}`));

// Serve a copy of dist/: others may rebuild dist/ while a long run is in progress.
const snapshot = fs.mkdtempSync(path.join(os.tmpdir(), 'tincan-late-dist-'));
fs.cpSync('dist', snapshot, { recursive: true });
const server = await serveStatic({ dir: snapshot, port: 0, host: '127.0.0.1' });
const url = `http://127.0.0.1:${server.address().port}/`;
const buildId = JSON.parse(fs.readFileSync(path.join(snapshot, 'precache.json'), 'utf8')).buildId;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const startedAt = Date.now();
const clock = () => `${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)} s`;

/**
 * In the page: notes (Date.now()) the first click anywhere from now on, and the first time the status
 * "Connection" (found by helpers.locate, passed in) reads Connected. Read back with readWatch.
 */
async function armWatch(page) {
  const status = await locate(page, 'status', 'Connection');
  await status.evaluate((el) => {
    const watch = (window.__tcLateWatch = { clickAt: undefined, connectedAt: undefined });
    document.addEventListener('click', () => (watch.clickAt ??= Date.now()), { capture: true, once: true });
    const root = el.getRootNode();
    const current = () => (el.isConnected ? el : root.querySelector?.('[role="status"][aria-label="Connection"]'));
    const check = () => {
      if (watch.connectedAt === undefined && current()?.textContent.trim() === 'Connected') {
        watch.connectedAt = Date.now();
        observer.disconnect();
        clearInterval(poll);
      }
    };
    const observer = new MutationObserver(check);
    observer.observe(root, { subtree: true, childList: true, characterData: true });
    const poll = setInterval(check, 20);
    check();
  });
}

const shortAlert = async (page) => (await alertText(page)).replace(/\s+/g, ' ').replace(/ Dismiss$/, '');

/** What the page says about the connection: its alert, else the texts of its status regions (for the notes). */
async function whatPageSays(page) {
  const alert = await shortAlert(page);
  if (alert) return alert;
  const statuses = await page.evaluate(
    inPage((probe) => probe.findAll((el) => el.getAttribute('role') === 'status' && el.textContent.trim()).map((el) => el.textContent.replace(/\s+/g, ' ').trim())),
  );
  return statuses.join('; ');
}

const readWatch = (page) => page.evaluate(() => ({ ...window.__tcLateWatch }));

async function waitForBothConnected(pages, deadline) {
  for (;;) {
    const watches = await Promise.all(pages.map(readWatch));
    if (watches.every((w) => w.connectedAt !== undefined) || Date.now() > deadline) return watches;
    await sleep(100);
  }
}

/** One pairing at one delay. Resolves when `setup` is done (answer made) with a promise for the outcome. */
async function setUp({ inviter, answerer }, delayS) {
  const label = `${inviter} -> ${answerer} @ ${delayS} s`;
  let alice;
  let bob;
  const closeBoth = () => Promise.all([alice?.close(), bob?.close()]);
  let answer;
  let answerMadeAt;
  try {
    alice = await openPerson(inviter, url, { ...browserOptions, name: 'Alice' });
    bob = await openPerson(answerer, url, { ...browserOptions, name: 'Bob' });
    await click(alice.page, 'button', 'New invite');
    const invite = await readCode(alice.page, 'Invite code');
    await fill(bob.page, 'textbox', 'Paste a code', invite);
    await click(bob.page, 'button', 'Connect');
    answer = await readCode(bob.page, 'Answer code');
    answerMadeAt = Date.now();
  } catch (error) {
    await closeBoth();
    return { outcome: Promise.resolve({ inviter, answerer, delayS, error: `setup: ${error.message}` }) };
  }
  console.log(`${clock()}  ${label}: answer made, pasting it in ${delayS} s`);
  const outcome = (async () => {
    try {
      await sleep(Math.max(0, answerMadeAt + delayS * 1000 - Date.now()));
      // An answerer that gave up while waiting says so before the paste.
      const answererBefore = await whatPageSays(bob.page);
      await Promise.all([armWatch(alice.page), armWatch(bob.page)]);
      await fill(alice.page, 'textbox', 'Paste a code', answer);
      await click(alice.page, 'button', 'Connect');
      const [a, b] = await waitForBothConnected([alice.page, bob.page], Date.now() + openTimeoutMs);
      const pastedAt = a.clickAt;
      const result = {
        inviter,
        answerer,
        delayS,
        actualDelayS: (pastedAt - answerMadeAt) / 1000,
        inviterMs: a.connectedAt === undefined ? undefined : a.connectedAt - pastedAt,
        answererMs: b.connectedAt === undefined ? undefined : b.connectedAt - pastedAt,
      };
      result.connected = result.inviterMs !== undefined && result.answererMs !== undefined;
      if (!result.connected) {
        const [alertA, alertB] = await Promise.all([whatPageSays(alice.page), whatPageSays(bob.page)]);
        result.note = [
          answererBefore && `answerer before the paste: ${answererBefore}`,
          alertA && `inviter: ${alertA}`,
          alertB && `answerer: ${alertB}`,
        ].filter(Boolean).join(' / ');
      }
      console.log(`${clock()}  ${label}: ${result.connected ? `connected, ${Math.max(result.inviterMs, result.answererMs)} ms after the paste` : 'NOT connected'}`);
      return result;
    } catch (error) {
      return { inviter, answerer, delayS, error: error.message };
    } finally {
      await closeBoth();
    }
  })();
  return { outcome };
}

console.log(`Late answers: delays ${delaysS.join(', ')} s, open timeout ${openTimeoutMs / 1000} s, ${pairings.length} pairings, host candidates ${rawIps ? 'raw IPs' : 'mDNS names (browser default)'}, build ${buildId}`);
const jobs = [...delaysS].sort((a, b) => b - a).flatMap((delayS) => pairings.map((pairing) => ({ pairing, delayS })));
const outcomes = [];
try {
  // Setups one after another (each starts two browsers and goes through the profile screen); waits overlap.
  for (const { pairing, delayS } of jobs) outcomes.push((await setUp(pairing, delayS)).outcome);
  const results = await Promise.all(outcomes);
  results.sort((x, y) => x.delayS - y.delayS || kinds.indexOf(x.inviter) - kinds.indexOf(y.inviter) || kinds.indexOf(x.answerer) - kinds.indexOf(y.answerer));

  const rows = results.map((r) => ({
    inviter: r.inviter,
    answerer: r.answerer,
    'delay s': String(r.delayS),
    'actual s': r.actualDelayS === undefined ? '-' : r.actualDelayS.toFixed(1),
    connected: r.error ? 'ERROR' : r.connected ? 'yes' : 'no',
    'inviter ms': r.inviterMs === undefined ? '-' : String(r.inviterMs),
    'answerer ms': r.answererMs === undefined ? '-' : String(r.answererMs),
    note: r.error ?? r.note ?? '',
  }));
  const columns = Object.keys(rows[0]);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((row) => row[c].length)));
  const line = (cells) => cells.map((cell, i) => (i < 2 || i === cells.length - 1 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ').trimEnd();
  console.log(`\nLate answers (${new Date().toISOString()}): "inviter ms"/"answerer ms" = from the inviter's click on Connect to that page showing Connected; "-" = not within ${openTimeoutMs / 1000} s`);
  console.log(line(columns));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(columns.map((c) => row[c])));
  console.log(`total run ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
  process.exitCode = results.every((r) => r.connected) ? 0 : 1;
} finally {
  server.closeAllConnections();
  server.close();
  fs.rmSync(snapshot, { recursive: true, force: true });
}
