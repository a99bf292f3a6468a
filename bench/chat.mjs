// Pairing and chat timings through the real UI, with a bare RTCDataChannel between the same two browsers as the
// same-run baseline. Two browsers (separate profiles) per pairing: Chromium<->Chromium, then Chromium<->Firefox.
//
//   npm run build && bash scripts/in-netns.sh node bench/chat.mjs [--rounds 5] [--messages 200]
//     [--pairings chromium-chromium,chromium-firefox]   (inviter-answerer; the inviter is the one measured)
//
// What is measured (all UI steps go through test/e2e/helpers.mjs; the clocks run in the pages):
//   invite made      click "New invite" -> textbox "Invite code" has a value (inviter's page)
//   answer made      click "Connect" with the invite pasted -> textbox "Answer code" has a value (answerer's page)
//   answer -> open   inviter's click "Connect" with the answer pasted -> both pages show "Connected"
//                    (the later of the two; epoch clocks of the same machine)
//   These three once per round; between rounds both pages reload and unlock again (helpers.enterApp).
//   message RTT      Enter pressed in "Message" (typed as helpers.sendMessage does) -> the message shows "delivered"
//                    in the log (the peer stored it and acked), one message at a time, seen by a MutationObserver
//                    on the log: DOM update time, before paint
//   bare RTT         a ~100-byte string echoed over a plain negotiated RTCDataChannel (own RTCPeerConnection
//                    pair in the same two pages, full SDP exchanged through node), same count
//   burst            --messages messages submitted at once (value + Enter keydown dispatched in the page, so the
//                    driver is not the bottleneck) -> all show "delivered"; messages/s
//   bare throughput  1 MiB as 64 messages of 16 KiB -> the peer has counted every byte and said so; median of 5
// The page's clocks: performance.now() within a page (Firefox coarsens it to 1 ms), performance.timeOrigin +
// performance.now() across pages. The code textboxes are watched by a 1 ms poll (clamped to ~4 ms by browsers).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serveStatic } from '../scripts/serve.mjs';
import { click, enterApp, fill, locate, openPerson, readCode, waitForConnected } from '../test/e2e/helpers.mjs';

const argValue = (name, fallback) => {
  const at = process.argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (at < 0) return fallback;
  return process.argv[at].includes('=') ? process.argv[at].split('=')[1] : process.argv[at + 1];
};
const rounds = Number(argValue('--rounds', '5'));
const messageCount = Number(argValue('--messages', '200'));
const pairings = argValue('--pairings', 'chromium-chromium,chromium-firefox').split(',').map((p) => p.split('-'));
const bareBytes = 1024 * 1024;
const bareChunkBytes = 16 * 1024;
const bareRepeats = 5;
const bareRttPayload = 'p'.repeat(100);
const messageTimeoutMs = 15_000;

// Serve a copy of dist/: others may rebuild dist/ during a run.
const snapshot = fs.mkdtempSync(path.join(os.tmpdir(), 'tincan-chat-dist-'));
fs.cpSync('dist', snapshot, { recursive: true });
const buildId = JSON.parse(fs.readFileSync(path.join(snapshot, 'precache.json'), 'utf8')).buildId;
const server = await serveStatic({ dir: snapshot, port: 0, host: '127.0.0.1' });
const url = `http://127.0.0.1:${server.address().port}/`;

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
};
const withTimeout = (promise, ms, what) =>
  Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: no result in ${ms} ms`)), ms))]);

// ---- in-page watchers (the clocks live in the pages; UI actions stay in helpers.mjs) ----

/** Inviter or answerer page: from the next click to the textbox with accessible name `name` having a value. */
function armCodeWatch(page, name) {
  return page.evaluate((name) => {
    const watch = (window.__tcCodeWatch = {});
    // aria-label is how these textboxes get their accessible name (src/ui/code-card.ts).
    const find = (root) => {
      for (const el of root.querySelectorAll('*')) {
        if (el.getAttribute('aria-label') === name && 'value' in el) return el;
        const inner = el.shadowRoot && find(el.shadowRoot);
        if (inner) return inner;
      }
      return null;
    };
    watch.done = new Promise((resolve) => {
      document.addEventListener('click', () => {
        const clickAt = performance.now();
        const poll = () => {
          if (find(document)?.value) resolve(performance.now() - clickAt);
          else setTimeout(poll, 1);
        };
        setTimeout(poll, 0); // after the app's own click handling, so a stale code is not taken
      }, { capture: true, once: true });
    });
  }, name);
}
const codeWatchResult = (page) => withTimeout(page.evaluate(() => window.__tcCodeWatch.done), 30_000, 'code watch');

/** Epoch time (ms, sub-ms in Chromium) of the next click, and of the status "Connection" reading Connected. */
async function armConnectedWatch(page) {
  const status = await locate(page, 'status', 'Connection');
  await status.evaluate((el) => {
    const now = () => performance.timeOrigin + performance.now();
    const watch = (window.__tcConnectWatch = {});
    document.addEventListener('click', () => (watch.clickAt ??= now()), { capture: true, once: true });
    const root = el.getRootNode();
    const current = () => (el.isConnected ? el : root.querySelector?.('[role="status"][aria-label="Connection"]'));
    const check = () => {
      if (watch.connectedAt === undefined && current()?.textContent.trim() === 'Connected') {
        watch.connectedAt = now();
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
const connectedWatch = (page) => page.evaluate(() => ({ ...window.__tcConnectWatch }));

/** One full pairing through the UI, timed. */
async function timedPair(alice, bob) {
  await armCodeWatch(alice.page, 'Invite code');
  await click(alice.page, 'button', 'New invite');
  const invite = await readCode(alice.page, 'Invite code');
  const inviteMs = await codeWatchResult(alice.page);

  await fill(bob.page, 'textbox', 'Paste a code', invite);
  await armCodeWatch(bob.page, 'Answer code');
  await click(bob.page, 'button', 'Connect');
  const answer = await readCode(bob.page, 'Answer code');
  const answerMs = await codeWatchResult(bob.page);

  await fill(alice.page, 'textbox', 'Paste a code', answer);
  await Promise.all([armConnectedWatch(alice.page), armConnectedWatch(bob.page)]);
  await click(alice.page, 'button', 'Connect');
  await waitForConnected(alice.page);
  await waitForConnected(bob.page);
  let a;
  let b;
  for (;;) {
    [a, b] = await Promise.all([connectedWatch(alice.page), connectedWatch(bob.page)]);
    if (a.connectedAt !== undefined && b.connectedAt !== undefined) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { inviteMs, answerMs, openMs: Math.max(a.connectedAt, b.connectedAt) - a.clickAt };
}

/**
 * Message RTT as the sender sees it: Enter keydown in the message box -> that message's line in the log says
 * "delivered". helpers.sendMessage locates and clicks the box for every message, which under load costs ~0.3 s a
 * message in driver round trips; here the box is located (helpers.locate) and focused once, then each message
 * is typed and sent with Enter exactly as sendMessage does.
 */
async function messageRtts(alice, tag) {
  const box = await locate(alice.page, 'textbox', 'Message');
  const log = await locate(alice.page, 'log', 'Messages');
  await box.evaluate((box, log) => {
    const sent = new Map(); // token -> { enterAt, resolve, rtt }
    const entry = (token) => {
      if (!sent.has(token)) {
        let resolve;
        const done = new Promise((r) => (resolve = r));
        sent.set(token, { done, resolve });
      }
      return sent.get(token);
    };
    let waiting; // the token sent last and not yet delivered
    box.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter' || !box.value.trim()) return;
      waiting = box.value.trim();
      entry(waiting).enterAt = performance.now();
    }, true);
    // Messages are appended: the one we wait for is among the last few lines.
    const isDelivered = (token) => {
      for (let el = log.lastElementChild, k = 0; el && k < 10; el = el.previousElementSibling, k++) {
        const text = el.textContent;
        if (text.includes(token)) return /\bdelivered\b/.test(text);
      }
      return false;
    };
    new MutationObserver(() => {
      if (waiting && isDelivered(waiting)) {
        const e = entry(waiting);
        waiting = undefined;
        e.resolve(performance.now() - e.enterAt);
      }
    }).observe(log, { subtree: true, childList: true, characterData: true });
    window.__tcRttDone = (token) => entry(token).done;
  }, log);
  await box.click();
  const samples = [];
  for (let i = 0; i < messageCount; i++) {
    const token = `${tag}${String(i).padStart(3, '0')}`;
    await alice.page.keyboard.type(token);
    await alice.page.keyboard.press('Enter');
    samples.push(await withTimeout(alice.page.evaluate((t) => window.__tcRttDone(t), token), messageTimeoutMs, `message ${token}`));
  }
  return samples;
}

/** A burst of messages submitted at once; resolves with messages/s until every one shows "delivered". */
async function burst(alice, tag) {
  const box = await locate(alice.page, 'textbox', 'Message');
  const log = await locate(alice.page, 'log', 'Messages');
  return box.evaluate((box, log, count, tag, timeoutMs) => new Promise((resolve) => {
    const startedAt = performance.now();
    const deliveredCount = () => {
      let n = 0;
      for (const el of log.children) {
        const text = el.textContent;
        if (text.includes(tag) && /\bdelivered\b/.test(text)) n++;
      }
      return n;
    };
    let shownSeconds;
    const finish = (n) => {
      observer.disconnect();
      clearTimeout(timer);
      const seconds = (performance.now() - startedAt) / 1000;
      resolve({ delivered: n, seconds, perSecond: n / seconds, shownSeconds });
    };
    const observer = new MutationObserver(() => {
      if (shownSeconds === undefined && [...log.children].filter((el) => el.textContent.includes(tag)).length === count) {
        shownSeconds = (performance.now() - startedAt) / 1000;
      }
      const n = deliveredCount();
      if (n === count) finish(n);
    });
    observer.observe(log, { subtree: true, childList: true, characterData: true });
    const timer = setTimeout(() => finish(deliveredCount()), timeoutMs);
    for (let i = 0; i < count; i++) {
      box.value = `${tag}${String(i).padStart(3, '0')}`;
      box.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true }));
      box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true, cancelable: true }));
    }
  }), log, messageCount, tag, 60_000);
}

// ---- bare RTCDataChannel baseline ----

async function bareSetUp(alice, bob) {
  const makePeer = async (offerSdp) => {
    const pc = new RTCPeerConnection({ iceServers: [] });
    const channel = pc.createDataChannel('bare', { negotiated: true, id: 0, ordered: true });
    channel.binaryType = 'arraybuffer';
    window.__tcBare = { pc, channel, opened: new Promise((resolve) => (channel.onopen = resolve)) };
    if (offerSdp) await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    await pc.setLocalDescription(offerSdp ? await pc.createAnswer() : await pc.createOffer());
    await new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
      setTimeout(resolve, 3000);
    });
    return pc.localDescription.sdp;
  };
  const offer = await alice.page.evaluate(makePeer, null);
  const answer = await bob.page.evaluate(makePeer, offer);
  await alice.page.evaluate((sdp) => window.__tcBare.pc.setRemoteDescription({ type: 'answer', sdp }), answer);
  await withTimeout(Promise.all([alice, bob].map((p) => p.page.evaluate(() => window.__tcBare.opened))), 30_000, 'bare channel open');
  // The peer echoes strings and counts binary bytes, answering "done" once it has what it was told to expect.
  await bob.page.evaluate(() => {
    const { channel } = window.__tcBare;
    let expected = 0;
    let received = 0;
    channel.onmessage = (event) => {
      if (typeof event.data === 'string') {
        if (event.data.startsWith('expect:')) {
          expected = Number(event.data.slice(7));
          received = 0;
        } else channel.send(event.data);
      } else {
        received += event.data.byteLength;
        if (received >= expected) channel.send('done');
      }
    };
  });
}

async function bareMeasure(alice) {
  return alice.page.evaluate(async (count, payload, totalBytes, chunkBytes, repeats) => {
    const { channel, pc } = window.__tcBare;
    const next = () => new Promise((resolve) => (channel.onmessage = (event) => resolve(event.data)));
    const rtts = [];
    for (let i = 0; i < count; i++) {
      const reply = next();
      const sentAt = performance.now();
      channel.send(payload);
      await reply;
      rtts.push(performance.now() - sentAt);
    }
    const chunk = new Uint8Array(chunkBytes);
    const seconds = [];
    for (let r = 0; r < repeats; r++) {
      const done = next();
      const startedAt = performance.now();
      channel.send(`expect:${totalBytes}`);
      for (let sent = 0; sent < totalBytes; sent += chunkBytes) channel.send(chunk);
      await done;
      seconds.push((performance.now() - startedAt) / 1000);
    }
    pc.close();
    return { rtts, seconds };
  }, messageCount, bareRttPayload, bareBytes, bareChunkBytes, bareRepeats);
}

// ---- run ----

async function runPairing([inviterKind, answererKind]) {
  const label = `${inviterKind} -> ${answererKind}`;
  const phases = [];
  let phaseAt = Date.now();
  const phase = (name) => {
    phases.push(`${name} ${((Date.now() - phaseAt) / 1000).toFixed(0)} s`);
    phaseAt = Date.now();
  };
  const alice = await openPerson(inviterKind, url, { name: 'Alice' });
  const bob = await openPerson(answererKind, url, { name: 'Bob' });
  phase('start');
  try {
    const versions = `${await alice.browser.version()} / ${await bob.browser.version()}`;
    const pairs = [];
    for (let r = 0; r < rounds; r++) {
      if (r > 0) {
        await Promise.all([alice, bob].map(async (person) => {
          await person.page.reload();
          await enterApp(person.page, person);
        }));
      }
      pairs.push(await timedPair(alice, bob));
    }
    phase('pairings');
    // The baseline first: the app's burst can leave the pages busy for a while after it times out.
    await bareSetUp(alice, bob);
    const bare = await bareMeasure(alice);
    phase('bare');
    const tag = inviterKind[0] + answererKind[0];
    const rtts = await messageRtts(alice, `${tag}r`);
    phase('RTT');
    const ours = await burst(alice, `${tag}b`);
    phase('burst');
    const errors = [...alice.errors, ...bob.errors];
    return { label, versions, pairs, rtts, ours, bare, errors, phases };
  } finally {
    await Promise.all([alice.close(), bob.close()]);
  }
}

function printTable(result) {
  const ms = (v) => (v < 10 ? v.toFixed(2) : v.toFixed(1));
  const rows = [];
  const stat = (measure, values, unit, format = ms) =>
    rows.push([measure, String(values.length), format(quantile(values, 0.5)), format(quantile(values, 0.99)),
      format(Math.min(...values)), format(Math.max(...values)), unit]);
  stat('invite made (click -> code)', result.pairs.map((p) => p.inviteMs), 'ms');
  stat('answer made (click -> code)', result.pairs.map((p) => p.answerMs), 'ms');
  stat('answer pasted -> both Connected', result.pairs.map((p) => p.openMs), 'ms');
  stat('message RTT, ours (Enter -> delivered)', result.rtts, 'ms');
  stat('message RTT, bare data channel', result.bare.rtts, 'ms');
  const mbps = result.bare.seconds.map((s) => bareBytes / 1024 / 1024 / s);
  stat('throughput, bare (1 MiB in 16 KiB)', mbps, 'MiB/s', (v) => v.toFixed(1));
  rows.push([`throughput, ours (burst of ${messageCount})`, '1', result.ours.perSecond.toFixed(1), '', '', '',
    `msg/s (${result.ours.delivered}/${messageCount} delivered in ${result.ours.seconds.toFixed(2)} s; all in the log after ${result.ours.shownSeconds?.toFixed(2) ?? '-'} s)`]);
  const tenth = Math.max(1, Math.floor(result.rtts.length / 10));
  const trend = `ours RTT p50, first ${tenth} messages ${ms(quantile(result.rtts.slice(0, tenth), 0.5))} ms, last ${tenth} ${ms(quantile(result.rtts.slice(-tenth), 0.5))} ms`;
  const header = ['measure', 'n', 'p50', 'p99', 'min', 'max', 'unit'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 || i === 6 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  console.log(`\n${result.label}  (${result.versions})`);
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
  console.log(`${trend}; phases: ${result.phases.join(', ')}`);
  if (result.errors.length) console.log(`page errors: ${result.errors.join(' | ')}`);
}

const startedAt = Date.now();
console.log(`Chat bench: ${rounds} pairings per browser pair, ${messageCount} messages, build ${buildId}, ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
let failed = false;
try {
  for (const pairing of pairings) {
    try {
      printTable(await runPairing(pairing));
    } catch (error) {
      failed = true;
      console.log(`\n${pairing.join(' -> ')}: FAILED: ${error.stack ?? error}`);
    }
  }
} finally {
  server.closeAllConnections();
  server.close();
  fs.rmSync(snapshot, { recursive: true, force: true });
}
console.log(`\n(p50/p99: nearest rank; load at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; ran ${((Date.now() - startedAt) / 1000).toFixed(0)} s)`);
process.exitCode = failed ? 1 : 0;
