// One-code reconnect (PeerLink.reconnect) between real browsers, all four pairings: how long from the contact
// opening the code to both sides connected, with the code opened some seconds after it was made.
//
//   bash scripts/in-netns.sh node bench/one-code.mjs [--delays 3,120] [--rounds 1]
//     [--pairings chromium-chromium,chromium-firefox,firefox-chromium,firefox-firefox]   (inviter-invitee)
//     [--no-control]   skip the control case: a Firefox inviter without placeholder candidates, opened 10 s late
//
// For each round and delay, every pairing runs at once in a fresh pair of browsers (own profiles): both devices
// load their certificate from the store (as after a reload), each knows the other's fingerprint (as from an
// earlier connection), the inviter makes a reconnect code for the contact, and after the delay the contact opens
// it (PeerLink.answer, which also makes the answer code that is never sent back). Pairings make their codes 2 s
// apart so their openings do not overlap. Recorded: opened -> each side `connected` (Date.now() in each page, one
// machine clock), and a message each way. A case that is not connected 30 s after opening counts as failed.
import { openNetDevice, serveNetFixture } from '../test/fixtures/net/build.mjs';

const argValue = (name, fallback) => {
  const at = process.argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (at < 0) return fallback;
  return process.argv[at].includes('=') ? process.argv[at].split('=')[1] : process.argv[at + 1];
};
const delaysS = argValue('--delays', '3,120').split(',').map(Number);
const rounds = Number(argValue('--rounds', '1'));
const kinds = ['chromium', 'firefox'];
const pairings = kinds
  .flatMap((inviter) => kinds.map((invitee) => ({ inviter, invitee })))
  .filter(({ inviter, invitee }) => argValue('--pairings', `${inviter}-${invitee}`).split(',').includes(`${inviter}-${invitee}`));
const openTimeoutMs = 30_000;
const staggerMs = 2000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const page = await serveNetFixture();

const openDevice = (kind) => openNetDevice(kind, page.url);

/** One case: returns { ok, openToInviterMs, openToInviteeMs, delayS, path, detail }. */
async function runCase({ inviter: inviterKind, invitee: inviteeKind }, delayS, makeAt, reconnectOptions = {}) {
  const [inviter, invitee] = await Promise.all([openDevice(inviterKind), openDevice(inviteeKind)]);
  try {
    await sleep(Math.max(0, makeAt - Date.now()));
    const code = await inviter.tab.evaluate((fp, options) => window.tincanNet.reconnect(fp, options), invitee.fingerprint, reconnectOptions);
    const madeAt = Date.now();
    await sleep(delayS * 1000);
    await invitee.tab.evaluate((text) => window.tincanNet.answer(text), code);
    const deadline = Date.now() + openTimeoutMs;
    let a;
    let b;
    for (;;) {
      [a, b] = await Promise.all([inviter.tab.evaluate(() => window.tincanNet.status()), invitee.tab.evaluate(() => window.tincanNet.status())]);
      if ((a.connectedAt && b.connectedAt) || Date.now() > deadline || a.ended || b.ended) break;
      await sleep(50);
    }
    const delay = ((b.openedAt - madeAt) / 1000).toFixed(1);
    if (!a.connectedAt || !b.connectedAt) {
      const detail = `inviter ${a.state}${a.ended?.code ? ` (${a.ended.code})` : ''}, invitee ${b.state}${b.ended?.code ? ` (${b.ended.code})` : ''}`;
      return { ok: false, delayS: delay, detail };
    }
    await inviter.tab.evaluate(() => window.tincanNet.send('from the inviter'));
    await invitee.tab.evaluate(() => window.tincanNet.send('from the invitee'));
    await Promise.all([
      inviter.tab.waitForFunction(() => window.tincanNet.status().then((s) => s.received.includes('from the invitee')), { timeout: 10_000, polling: 50 }),
      invitee.tab.waitForFunction(() => window.tincanNet.status().then((s) => s.received.includes('from the inviter')), { timeout: 10_000, polling: 50 }),
    ]);
    // Still connected after the messages (the invitee may connect while it still gathers its answer).
    const states = await Promise.all([inviter, invitee].map((side) => side.tab.evaluate(() => window.tincanNet.status().then((s) => s.state))));
    if (states.some((state) => state !== 'connected')) return { ok: false, delayS: delay, detail: `states after connecting: ${states.join(', ')}` };
    return {
      ok: true,
      delayS: delay,
      openToInviterMs: a.connectedAt - b.openedAt,
      openToInviteeMs: b.connectedAt - b.openedAt,
      path: a.path ? `${a.path.local}/${a.path.remote}` : '?',
    };
  } finally {
    await Promise.all([inviter.browser.close(), invitee.browser.close()]);
  }
}

const results = [];
const print = (label, r) => {
  const line = r.ok
    ? `${label.padEnd(34)} delay ${String(r.delayS).padStart(6)} s  open->inviter ${String(r.openToInviterMs).padStart(5)} ms  open->invitee ${String(r.openToInviteeMs).padStart(5)} ms  inviter path ${r.path}`
    : `${label.padEnd(34)} delay ${String(r.delayS).padStart(6)} s  FAILED: ${r.detail}`;
  console.log(line);
};

for (let round = 1; round <= rounds; round++) {
  for (const delayS of delaysS) {
    // Browsers start in a few seconds; codes are made after that, pairings 2 s apart, each opened delayS later.
    const setupAt = Date.now();
    const cases = pairings.map((pairing, i) =>
      runCase(pairing, delayS, setupAt + 20_000 + i * staggerMs).then((r) => ({ label: `${pairing.inviter} -> ${pairing.invitee}`, r })),
    );
    for (const { label, r } of await Promise.all(cases)) {
      print(`${label} (round ${round})`, r);
      results.push({ label, nominalS: delayS, ...r });
    }
  }
}

if (!process.argv.includes('--no-control')) {
  const r = await runCase({ inviter: 'firefox', invitee: 'chromium' }, 10, Date.now(), { placeholderCandidates: false });
  print('control: firefox -> chromium, no placeholders', r);
}

console.log('\nsummary: open -> both connected (max of the two sides), per pairing and delay');
const groups = new Map();
for (const r of results) {
  const key = `${r.label} | ${r.nominalS} s`;
  if (!groups.has(key)) groups.set(key, []);
  groups.get(key).push(r);
}
for (const [k, rs] of groups) {
  const ok = rs.filter((r) => r.ok).map((r) => Math.max(r.openToInviterMs, r.openToInviteeMs)).sort((x, y) => x - y);
  console.log(`${k.padEnd(40)} ${ok.length}/${rs.length} connected${ok.length ? `  median ${ok[Math.floor((ok.length - 1) / 2)]} ms, max ${ok.at(-1)} ms` : ''}`);
}
await page.close();
process.exit(results.every((r) => r.ok) ? 0 : 1);
