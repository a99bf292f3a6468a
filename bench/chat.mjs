// Chat through the real UI against same-run baselines (issue 10), per browser pairing (Chromium -> Chromium,
// Chromium -> Firefox):
//
//   npm run build && bash scripts/in-netns.sh node bench/chat.mjs [--rounds 3] [--messages 200] [--burst 1000]
//     [--history 10000 | --no-history] [--pairings chromium-chromium,chromium-firefox] [--variants indexeddb,memory]
//     [--burst-timeout 180] [--burst-typed] [--base REF]
//
// Four browsers per pairing (own profiles): Alice and Bob on the real page (dist/, records in IndexedDB), and Alice
// and Bob on the bench page (bench/chat-app-page.ts: the same app over in-memory records, "no storage"). Each pair
// also holds a bare negotiated RTCDataChannel (full SDP through node) between the same two pages. So in one run:
//   bare channel  <  the app without storage  <  the app: the difference of each step is the cost of a layer.
// Chromium runs with its accessibility tree forced on (as with a screen reader): see lib.mjs.
//
// --base REF adds the variant `base`: dist/ built from another commit (bench/lib.mjs serveDistAtRef), measured in
// the same run beside the current one (--variants indexeddb,base): a before/after of a change, e.g. the envelope
// layer (issue 16: --base 50d706d, the commit before it).
//
// Measured (the clocks run in the pages: performance.timeOrigin + performance.now(); the bare channel gives each
// pair's clock offset, from the round trip of 50 samples with the shortest RTT, error <= its RTT / 2):
//   pairing       invite made (click "New invite" -> "Invite code" has a value), answer made (Bob's click
//                 "Connect" -> "Answer code"), answer pasted -> both "Connected"; --rounds times with both pages
//                 reloaded and unlocked in between (real page; the memory page pairs once: a reload empties it)
//   one message   --messages times, interleaved: one bare ping (100 B echoed), then one message per variant. A
//                 message is typed into "Message" (value + input event) and Enter is dispatched in the page, so
//                 the driver adds nothing; measured: Enter -> the text in Bob's log (DOM), Enter -> the tick
//                 "Delivered" in Alice's log (DOM), and every stage between (bench/chat-probe.mjs lists the marks)
//   burst         --burst messages submitted at once (the same way; --burst-typed: one per task, as typed); the
//                 bare channel sends as many 160-byte messages, each acknowledged by the peer. Received msg/s:
//                 until the last one is in Bob's log and all are stored; all delivered: until every one has state
//                 "delivered" and the last shows it
//   history       (Chromium -> Chromium, real page) Alice's conversation filled to --history messages through the
//                 store, Alice reloads and unlocks: click on the conversation -> newest message in the log (cold,
//                 then again warm); then the log scrolled to the oldest message, page by page, with the JS heap
//                 after a forced GC and the renderer's DOM nodes sampled along the way
// DOM times are taken by a MutationObserver on the log (the DOM has changed; layout and paint of that frame follow).
import { click, enterApp, fill, locate, openPairing, openPerson, readCode, waitForConnected } from '../test/e2e/helpers.mjs';
import { bareBurst, bareClockOffset, bareEnd, barePing, barePingShown, bareResponder, fillHistory, frameInterval, installProbe, probeCounters } from './chat-probe.mjs';
import { inPage } from '../test/e2e/page-probe.mjs';
import { startProfiling, stopProfiling } from './profile-summary.mjs';
import { armCodeWatch, armConnectedWatch, bothConnected, clickConversation, codeWatchResult } from './ui-watch.mjs';
import {
  accessibilityNote, composedNodeCount, argValue, benchBrowserOptions, hasFlag, heapAndNodes, loadLine, machineLine, median, mib, ms, printTable,
  quantile, serveBenchApp, serveDistAtRef, serveDistSnapshot, sleep, warnOutsideNamespace, withTimeout,
} from './lib.mjs';

const rounds = Number(argValue('--rounds', '3'));
const messageCount = Number(argValue('--messages', '200'));
const burstCount = Number(argValue('--burst', '1000'));
const historyCount = hasFlag('--no-history') ? 0 : Number(argValue('--history', '10000'));
const burstTimeoutMs = Number(argValue('--burst-timeout', '180')) * 1000;
// --burst-typed: the burst is typed (each message's input and Enter in a task of its own, the page free to render in
// between, as a keyboard delivers them); without it all are dispatched in one task (one render serves many).
const burstTyped = hasFlag('--burst-typed');
const pairings = argValue('--pairings', 'chromium-chromium,chromium-firefox').split(',').map((p) => p.split('-'));
// --profile DIR: one variant only, the bench page over IndexedDB built with its names kept; a CPU profile of each
// Chromium page and a trace of each Chromium browser for the message phase and for the burst, saved in DIR.
const profileDir = argValue('--profile');
const variants = profileDir ? ['profiled'] : argValue('--variants', 'indexeddb,memory').split(',');
const pingBytes = 100;
const bareBurstBytes = 160;
const messageTimeoutMs = 15_000;

const dist = await serveDistSnapshot();
const benchApp = await serveBenchApp({ keepNames: !!profileDir });
const baseRef = argValue('--base');
const base = baseRef ? await serveDistAtRef(baseRef) : undefined;
const urlOf = { indexeddb: dist.url, memory: benchApp.url, profiled: `${benchApp.url}?storage=indexeddb`, base: base?.url };
const labelOf = {
  indexeddb: 'app (IndexedDB, dist/)',
  memory: 'app, no storage (memory)',
  profiled: 'app (IndexedDB, bench build, profiled)',
  base: `app at ${base?.ref ?? '-'} (IndexedDB)`,
};

// ---- pairing through the UI, timed in the pages ----

async function timedPair(alice, bob) {
  await armCodeWatch(alice.page, 'Invite code');
  await click(alice.page, 'button', 'New invite');
  const invite = await readCode(alice.page, 'Invite code');
  const inviteMs = await codeWatchResult(alice.page);

  await openPairing(bob.page);
  await fill(bob.page, 'textbox', 'Paste a code', invite);
  await armCodeWatch(bob.page, 'Answer code');
  await click(bob.page, 'button', 'Connect');
  const answer = await readCode(bob.page, 'Answer code');
  const answerMs = await codeWatchResult(bob.page);

  await openPairing(alice.page);
  await fill(alice.page, 'textbox', 'Paste a code', answer);
  await Promise.all([armConnectedWatch(alice.page), armConnectedWatch(bob.page)]);
  await click(alice.page, 'button', 'Connect');
  await waitForConnected(alice.page);
  await waitForConnected(bob.page);
  const [a, b] = await bothConnected(alice.page, bob.page);
  return { inviteMs, answerMs, openMs: Math.max(a.connectedAt, b.connectedAt) - a.clickAt };
}

async function installProbes(...people) {
  for (const person of people) {
    await person.page.waitForFunction(installProbe, { timeout: 30_000, polling: 100 });
  }
}

// ---- the bare channel ----

async function bareSetUp(alice, bob) {
  const offer = await alice.page.evaluate(bareEnd, null);
  const answer = await bob.page.evaluate(bareEnd, offer);
  await alice.page.evaluate((sdp) => window.__tcBare.pc.setRemoteDescription({ type: 'answer', sdp }), answer);
  await withTimeout(Promise.all([alice, bob].map((p) => p.page.evaluate(() => window.__tcBare.opened))), 30_000, 'bare channel open');
  await bob.page.evaluate(bareResponder);
  return alice.page.evaluate(bareClockOffset, 50);
}

// ---- one message at a time ----

/** Sends `text` from Alice; resolves once Alice shows it delivered and Bob shows it. */
async function oneMessage(alice, bob, text) {
  // The waits are in the pages (no polling from here, which would keep the pages' main threads busy).
  const waits = Promise.all([
    alice.page.evaluate((t) => window.__tcWhen(t, 'deliveredDom'), text),
    bob.page.evaluate((t) => window.__tcWhen(t, 'shown'), text),
  ]);
  await alice.page.evaluate((t) => window.__tcSendText([t]), text);
  await withTimeout(waits, messageTimeoutMs, `message ${text} delivered and shown`);
}

/** Alice's and Bob's marks for these texts, Bob's moved onto Alice's clock. */
async function collectMarks(alice, bob, texts, offset) {
  const [a, b] = await Promise.all([
    alice.page.evaluate((t) => window.__tcProbeMarks(t), texts),
    bob.page.evaluate((t) => window.__tcProbeMarks(t), texts),
  ]);
  const shift = (marks) => Object.fromEntries(Object.entries(marks).map(([k, v]) => [k, typeof v === 'number' ? v + offset : v]));
  return {
    alice: a.marks, bob: b.marks.map(shift), bobWrites: b.writes.map(([s, e, n]) => [s + offset, e + offset, n]), aliceWrites: a.writes,
    bobLargestAppend: b.largestAppend,
  };
}

/** The stages of one message: consecutive marks, so they add up to the totals exactly. */
function stagesOf(a, b, bobWrites) {
  const senderDone = Math.max(a.ackRecvEnd ?? -Infinity, a.deliveredState ?? -Infinity);
  const write = bobWrites.find(([s, e]) => s >= b.appendStart && e <= b.appendEnd);
  return {
    'UI: Enter -> app.sendMessage': a.appSend - a.enter,
    'sender: app -> frame on the channel (seal)': a.sendEnd - a.appSend,
    '  of which encode + seal + send()': a.sendEnd - a.sendStart,
    'transit (+ wait for the receiver\'s main thread)': b.arrival - a.sendEnd,
    'receiver: queue + decrypt + decode': b.recv - b.arrival,
    'receiver write (log.append)': b.appendEnd - b.recv,
    '  of which the IndexedDB/backend transaction': write ? write[1] - write[0] : NaN,
    'receiver: state + ack sent': b.ackSendEnd - b.appendEnd,
    'ack transit (+ wait for the sender\'s main thread)': a.ackArrival - b.ackSendEnd,
    'sender update: decrypt + outbox + state': senderDone - a.ackArrival,
    'sender render: state -> "Delivered" in DOM (next frame)': a.deliveredDom - senderDone,
    'receiver render: stored -> text in DOM (next frame)': b.shown - b.appendEnd,
    'sender own write (parallel), Enter -> stored': a.ownAppendEnd - a.enter,
    '= Enter -> text on the peer\'s screen': b.shown - a.enter,
    '= Enter -> "Delivered"': a.deliveredDom - a.enter,
  };
}

function printStages(title, perVariant) {
  console.log(`\n${title}: per-stage medians (ms) of the same messages; p99 of the totals`);
  const names = Object.keys(Object.values(perVariant)[0][0]);
  const header = ['stage', ...Object.keys(perVariant).map((v) => `${v} p50`), ...Object.keys(perVariant).map((v) => `${v} p99`)];
  const rows = names.map((name) => [
    name,
    ...Object.values(perVariant).map((list) => ms(median(list.map((s) => s[name])))),
    ...Object.values(perVariant).map((list) => (name.startsWith('=') ? ms(quantile(list.map((s) => s[name]), 0.99)) : '')),
  ]);
  printTable(header, rows);
}

// ---- bursts ----

async function appBurst(alice, bob, tag) {
  await Promise.all([alice.page.evaluate(() => window.__tcProbeReset()), bob.page.evaluate(() => window.__tcProbeReset())]);
  const texts = Array.from({ length: burstCount }, (_, i) => `${tag}${String(i).padStart(4, '0')}`);
  const dispatchMs = await alice.page.evaluate(async (t, typed) => {
    const start = performance.now();
    if (typed) await window.__tcTypeText(t);
    else window.__tcSendText(t);
    return performance.now() - start;
  }, texts, burstTyped);
  const deadline = Date.now() + burstTimeoutMs;
  let a;
  let b;
  for (;;) {
    [a, b] = await Promise.all([alice.page.evaluate(probeCounters), bob.page.evaluate(probeCounters)]);
    if (a.delivered >= burstCount && b.stored >= burstCount) break;
    if (Date.now() > deadline) break;
    await sleep(200);
  }
  await sleep(300); // the last render
  const repeatedOnScreen = await bob.page.evaluate(() => window.__tcLogRepeats());
  // On screen while it arrived (the window keeps the newest 75: a render after more arrivals shows the newest),
  // then every message once as Bob scrolls back through the log.
  const shownLive = await bob.page.evaluate((t) => window.__tcProbeMarks(t).marks.filter((m) => m.shown !== undefined).length, texts);
  const scrollBack = await bob.page.evaluate(() => window.__tcScrollBack());
  return { texts, dispatchMs, delivered: a.delivered, stored: b.stored, repeatedOnScreen, shownLive, scrollBack };
}

function burstFigures(run, marks) {
  const first = marks.alice[0];
  const lastA = marks.alice.at(-1);
  const lastB = marks.bob.at(-1);
  const t0 = first.enter;
  const maxOf = (list, key) => Math.max(...list.map((m) => m[key] ?? -Infinity));
  const storedAt = maxOf(marks.bob, 'appendEnd');
  const receivedAt = Math.max(lastB.shown ?? Infinity, storedAt);
  const deliveredAt = Math.max(maxOf(marks.alice, 'deliveredState'), lastA.deliveredDom ?? Infinity);
  const n = marks.alice.length;
  return {
    dispatchMs: run.dispatchMs,
    ownShownS: (lastA.shown - t0) / 1000,
    receivedS: (receivedAt - t0) / 1000,
    receivedPerS: run.stored >= n ? n / ((receivedAt - t0) / 1000) : NaN,
    deliveredS: (deliveredAt - t0) / 1000,
    deliveredPerS: run.delivered >= n ? n / ((deliveredAt - t0) / 1000) : NaN,
    stored: run.stored,
    delivered: run.delivered,
    writes: marks.bobWrites.length,
    largestAppend: marks.bobLargestAppend,
    // On Bob's screen while the burst arrived, and at some point once he scrolled back: seen by the log's observer.
    shownLive: run.shownLive,
    shownOnce: marks.bob.filter((m) => m.shown !== undefined).length,
    scrollBack: run.scrollBack,
    count: n,
    repeatedOnScreen: run.repeatedOnScreen,
  };
}

// ---- the 10k-message history ----

/** In the page: the time from a click on the conversation to its newest message in the log (end of that frame). */
function armOpenWatch(page, newestText) {
  return page.evaluate(inPage((probe, newestText) => {
    window.__tcOpen = new Promise((resolve) => {
      document.addEventListener('click', () => {
        const clickAt = performance.now();
        const check = () => {
          const log = probe.byTag('tc-message-log');
          const shown = log && [...log.shadowRoot.querySelectorAll('.msg')].some((m) => m.textContent.includes(newestText));
          if (shown) resolve(performance.now() - clickAt);
          else requestAnimationFrame(() => setTimeout(check, 0));
        };
        check();
      }, { capture: true, once: true });
    });
  }), newestText);
}

/** The message log's shadow tree: its messages, and its nodes by type (Lit's markers are comments). */
const logNodeTypes = inPage((probe) => {
  const root = probe.byTag('tc-message-log').shadowRoot;
  const byType = { 1: 0, 3: 0, 8: 0 };
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_ALL);
  for (let node = walker.currentNode; node; node = walker.nextNode()) byType[node.nodeType] = (byType[node.nodeType] ?? 0) + 1;
  const list = root.querySelector('.log');
  const commentChildren = [...list.childNodes].filter((n) => n.nodeType === 8).length;
  return { messages: root.querySelectorAll('.msg').length, elements: byType[1], texts: byType[3], comments: byType[8], commentChildren };
});

/** One step up: scroll the log to its top, wait until an older page is in the DOM; the step's ms, or undefined at the oldest. */
const scrollStep = inPage((probe) => {
  const host = probe.byTag('tc-message-log');
  const log = host.shadowRoot.querySelector('.log');
  const firstId = () => log.querySelector('.msg')?.dataset.id;
  const before = firstId();
  if (!host.hasOlder) return Promise.resolve({ done: true, firstId: before, msgs: log.querySelectorAll('.msg').length });
  const start = performance.now();
  log.scrollTop = 0;
  return new Promise((resolve) => {
    const check = () => {
      if (firstId() !== before) resolve({ ms: performance.now() - start, firstId: firstId(), msgs: log.querySelectorAll('.msg').length });
      else if (performance.now() - start > 10_000) resolve({ stuck: true, firstId: before });
      else requestAnimationFrame(() => setTimeout(check, 0));
    };
    requestAnimationFrame(() => setTimeout(check, 0));
  });
});

async function runHistory(alice) {
  const filled = await alice.page.evaluate(fillHistory, historyCount);
  await alice.page.reload();
  await enterApp(alice.page, alice);
  await sleep(1000);
  const before = await heapAndNodes(alice.page);
  const newest = `History ${historyCount - 1}:`;
  await armOpenWatch(alice.page, newest);
  await clickConversation(alice.page, 'Bob');
  const coldOpenMs = await withTimeout(alice.page.evaluate(() => window.__tcOpen), 30_000, 'open');
  await sleep(500);
  await armOpenWatch(alice.page, newest);
  await clickConversation(alice.page, 'Bob');
  const warmOpenMs = await withTimeout(alice.page.evaluate(() => window.__tcOpen), 30_000, 'reopen');
  await sleep(500);
  const oldestId = await alice.page.evaluate(async () => {
    const app = document.querySelector('tc-tincan-shell').app;
    return (await app.store.log.loadBefore(app.state.state.activeId, 1, 1)).entries[0]?.id;
  });
  const sample = async (step) => ({ step, ...(await heapAndNodes(alice.page)), composed: await alice.page.evaluate(composedNodeCount), log: await alice.page.evaluate(logNodeTypes) });
  const samples = [await sample(0)];
  const steps = [];
  const startedAt = Date.now();
  let last;
  for (let step = 1; ; step++) {
    last = await alice.page.evaluate(scrollStep);
    if (last.done || last.stuck) break;
    steps.push(last.ms);
    if (step % 25 === 0) samples.push(await sample(step));
  }
  const totalS = (Date.now() - startedAt) / 1000;
  samples.push(await sample(steps.length));
  const reachedOldest = !!last.done && last.firstId === oldestId;
  return { filled, before, coldOpenMs, warmOpenMs, steps, samples, totalS, reachedOldest, last };
}

// ---- a pairing ----

async function openPair(kindA, kindB, variant) {
  const alice = await openPerson(kindA, urlOf[variant], { name: 'Alice', ...benchBrowserOptions(kindA) });
  const bob = await openPerson(kindB, urlOf[variant], { name: 'Bob', ...benchBrowserOptions(kindB) });
  return { alice, bob };
}

async function runPairing([kindA, kindB]) {
  const label = `${kindA} -> ${kindB}`;
  const phases = [];
  let phaseAt = Date.now();
  const phase = (name) => {
    phases.push(`${name} ${((Date.now() - phaseAt) / 1000).toFixed(0)} s`);
    phaseAt = Date.now();
  };
  const pairs = {};
  try {
    for (const v of variants) pairs[v] = await openPair(kindA, kindB, v);
    phase('start');
    const versions = `${await pairs[variants[0]].alice.browser.version()} / ${await pairs[variants[0]].bob.browser.version()}`;
    const pairingTimes = {};
    for (const v of variants) {
      const { alice, bob } = pairs[v];
      pairingTimes[v] = [];
      const n = v === 'memory' ? 1 : rounds;
      for (let r = 0; r < n; r++) {
        if (r > 0) {
          await Promise.all([alice, bob].map(async (person) => {
            await person.page.reload();
            await enterApp(person.page, person);
          }));
        }
        pairingTimes[v].push(await timedPair(alice, bob));
      }
      await installProbes(alice, bob);
    }
    phase('pairings');
    const offsets = {};
    for (const v of variants) offsets[v] = await bareSetUp(pairs[v].alice, pairs[v].bob);
    const frames = await Promise.all([pairs[variants[0]].alice.page.evaluate(frameInterval, 60), pairs[variants[0]].bob.page.evaluate(frameInterval, 60)]);
    phase('bare set-up');

    // One message at a time, interleaved with bare pings.
    const bare = { rtt: [], oneWay: [], peerShown: [], shown: [] };
    const texts = Object.fromEntries(variants.map((v) => [v, []]));
    const tag = `${kindA[0]}${kindB[0]}`;
    const bareOn = pairs[variants[0]];
    const bareOffset = offsets[variants[0]].offset;
    let profiling = profileDir ? await startProfiling([bareOn.alice, bareOn.bob]) : undefined;
    for (let i = 0; i < messageCount; i++) {
      const ping = await bareOn.alice.page.evaluate(barePing, pingBytes);
      bare.rtt.push(ping.rtt);
      bare.oneWay.push(ping.peerAt + bareOffset - ping.sentAt);
      const shown = await bareOn.alice.page.evaluate(barePingShown, pingBytes);
      bare.peerShown.push(shown.peerShownAt + bareOffset - shown.sentAt);
      bare.shown.push(shown.shownAt - shown.sentAt);
      for (const v of variants) {
        const text = `${tag}${v[0]}${String(i).padStart(4, '0')}`;
        texts[v].push(text);
        await oneMessage(pairs[v].alice, pairs[v].bob, text);
      }
    }
    if (profiling) await stopProfiling(profiling, profileDir, `${tag}-messages`);
    phase('messages');
    const stages = {};
    for (const v of variants) {
      const marks = await collectMarks(pairs[v].alice, pairs[v].bob, texts[v], offsets[v].offset);
      stages[v] = marks.alice.map((a, i) => stagesOf(a, marks.bob[i], marks.bobWrites));
    }

    // Bursts.
    const bareBursts = await bareOn.alice.page.evaluate(bareBurst, burstCount, bareBurstBytes);
    const bareLast = await bareOn.bob.page.evaluate(() => ({ ...window.__tcBareBurst }));
    const bareBurstFigures = {
      receivedPerS: burstCount / ((bareLast.lastAt + bareOffset - bareBursts.startedAt) / 1000),
      ackedPerS: burstCount / ((bareBursts.ackedAt - bareBursts.startedAt) / 1000),
      count: bareLast.count,
    };
    const bursts = {};
    profiling = profileDir ? await startProfiling([bareOn.alice, bareOn.bob]) : undefined;
    for (const v of variants) {
      const run = await appBurst(pairs[v].alice, pairs[v].bob, `${tag}${v[0]}b`);
      const marks = await collectMarks(pairs[v].alice, pairs[v].bob, run.texts, offsets[v].offset);
      bursts[v] = burstFigures(run, marks);
    }
    if (profiling) await stopProfiling(profiling, profileDir, `${tag}-burst`);
    phase('bursts');

    let history;
    if (historyCount && kindA === 'chromium' && kindB === 'chromium' && pairs.indexeddb) {
      history = await runHistory(pairs.indexeddb.alice);
      phase('history');
    }
    const errors = Object.values(pairs).flatMap((p) => [...p.alice.errors, ...p.bob.errors]);
    return { label, versions, pairingTimes, offsets, frames, bare, stages, bareBurstFigures, bursts, history, errors, phases };
  } finally {
    await Promise.all(Object.values(pairs).flatMap((p) => [p.alice.close(), p.bob.close()]));
  }
}

function report(result) {
  console.log(`\n======== ${result.label}  (${result.versions})`);
  const rows = [];
  const stat = (measure, values, unit) =>
    rows.push([measure, String(values.length), ms(median(values)), ms(quantile(values, 0.99)), ms(Math.min(...values)), ms(Math.max(...values)), unit]);
  for (const [v, times] of Object.entries(result.pairingTimes)) {
    stat(`${v}: invite made (click -> code)`, times.map((p) => p.inviteMs), 'ms');
    stat(`${v}: answer made (click -> code)`, times.map((p) => p.answerMs), 'ms');
    stat(`${v}: answer pasted -> both Connected`, times.map((p) => p.openMs), 'ms');
  }
  stat('bare channel: RTT (100 B echoed)', result.bare.rtt, 'ms');
  stat('bare channel: one way (clock offset applied)', result.bare.oneWay, 'ms');
  stat('minimal UI (bare + next frame): send -> text in peer\'s DOM', result.bare.peerShown, 'ms');
  stat('minimal UI (bare + next frame): send -> "delivered" in DOM', result.bare.shown, 'ms');
  for (const [v, list] of Object.entries(result.stages)) {
    stat(`${labelOf[v]}: Enter -> text on peer's screen`, list.map((s) => s["= Enter -> text on the peer's screen"]), 'ms');
    stat(`${labelOf[v]}: Enter -> "Delivered"`, list.map((s) => s['= Enter -> "Delivered"']), 'ms');
  }
  printTable(['measure', 'n', 'p50', 'p99', 'min', 'max', 'unit'], rows);
  console.log(`animation frame interval (median of 60): Alice ${ms(result.frames[0])} ms, Bob ${ms(result.frames[1])} ms (a render waits for the next frame)`);
  console.log(`clock offsets (Alice - Bob): ${Object.entries(result.offsets).map(([v, o]) => `${v} ${ms(o.offset)} ms (RTT ${ms(o.rtt)})`).join(', ')}`);

  printStages(result.label, result.stages);

  // Goals (issue 10), in this run's own units.
  const bareRtt = median(result.bare.rtt);
  const bareOneWay = median(result.bare.oneWay);
  console.log('\ngoals (issue 10), against this run\'s bare channel:');
  for (const [v, list] of Object.entries(result.stages)) {
    const shown = median(list.map((s) => s["= Enter -> text on the peer's screen"]));
    const delivered = median(list.map((s) => s['= Enter -> "Delivered"']));
    const write = median(list.map((s) => s['  of which the IndexedDB/backend transaction']));
    const shownGoal = 2 * bareOneWay + (Number.isFinite(write) ? write : 0);
    const floorShown = median(result.bare.peerShown);
    const floorDelivered = median(result.bare.shown);
    console.log(
      `  ${labelOf[v]}: vs the minimal UI (bare channel, one frame per render): text on the peer's screen +${ms(shown - floorShown)} ms, "Delivered" +${ms(delivered - floorDelivered)} ms`,
    );
    console.log(
      `  ${labelOf[v]}: text on the peer's screen ${ms(shown)} ms vs goal 2 x one-way (${ms(bareOneWay)}) + one write (${ms(write)}) = ${ms(shownGoal)} ms -> ${(shown / shownGoal).toFixed(1)}x the goal;` +
        ` "Delivered" ${ms(delivered)} ms = ${(delivered / bareRtt).toFixed(1)}x the bare RTT (goal <= 6x);` +
        ` text on the peer's screen = ${(shown / bareRtt).toFixed(1)}x the bare RTT (goal <= 4x)`,
    );
  }

  console.log(`\nburst of ${burstCount} (${burstTyped ? 'typed: one message per task' : 'all dispatched in one task'}):`);
  const b = result.bareBurstFigures;
  const burstRows = [['bare channel (160 B messages, each acked)', ms(b.receivedPerS), ms(b.ackedPerS), '', '', `${b.count}/${burstCount} received`]];
  for (const [v, f] of Object.entries(result.bursts)) {
    burstRows.push([
      labelOf[v], ms(f.receivedPerS), ms(f.deliveredPerS), `${(f.receivedPerS / b.receivedPerS * 100).toFixed(1)} %`, `${(f.deliveredPerS / b.ackedPerS * 100).toFixed(1)} %`,
      `dispatch ${ms(f.dispatchMs)} ms; own log ${ms(f.ownShownS)} s; received ${ms(f.receivedS)} s, delivered ${ms(f.deliveredS)} s; stored ${f.stored}, delivered ${f.delivered}; on Bob's screen while arriving ${f.shownLive}/${f.count}, after scrolling back ${f.shownOnce}/${f.count} (${f.scrollBack.pages} pages, at most ${f.scrollBack.repeats} twice in a window), ${f.repeatedOnScreen} twice at the end; ${f.writes} receiver write batches (the largest of ${f.largestAppend} messages)`,
    ]);
  }
  printTable(['', 'received msg/s', 'all delivered msg/s', 'recv/bare', 'deliv/bare', 'notes'], burstRows);

  if (result.history) {
    const h = result.history;
    const steps = h.steps;
    console.log(`\n${h.filled.count}-message conversation (Alice, real page, after reload and unlock):`);
    console.log(`  open (click -> newest message in the log, end of that frame): cold ${ms(h.coldOpenMs)} ms, warm ${ms(h.warmOpenMs)} ms (goal <= 100 ms)`);
    console.log(`  scroll to the oldest: ${steps.length} pages in ${h.totalS.toFixed(1)} s; per page p50 ${ms(median(steps))} ms, p99 ${ms(quantile(steps, 0.99))} ms; reached the oldest: ${h.reachedOldest ? 'yes' : `NO (${JSON.stringify(h.last)})`}`);
    console.log(`  before opening: heap ${mib(h.before.heapBytes)}, ${h.before.nodes} DOM nodes`);
    printTable(
      ['page step', 'JS heap after GC', 'DOM nodes (renderer)', 'composed tree', 'log: messages', 'elements', 'texts', 'comments', 'comments directly in .log'],
      h.samples.map((s) => [String(s.step), mib(s.heapBytes), String(s.nodes), String(s.composed), String(s.log.messages), String(s.log.elements), String(s.log.texts), String(s.log.comments), String(s.log.commentChildren)]),
    );
  }
  console.log(`phases: ${result.phases.join(', ')}`);
  if (result.errors.length) console.log(`page errors: ${result.errors.join(' | ')}`);
}

const startedAt = Date.now();
warnOutsideNamespace();
console.log(`Chat bench ${machineLine()}; build ${dist.buildId}; ${messageCount} messages, burst ${burstCount}, history ${historyCount}, ${rounds} pairings (real page)`);
console.log(accessibilityNote);
let failed = false;
try {
  for (const pairing of pairings) {
    try {
      report(await runPairing(pairing));
    } catch (error) {
      failed = true;
      console.log(`\n${pairing.join(' -> ')}: FAILED: ${error.stack ?? error}`);
    }
  }
} finally {
  dist.close();
  benchApp.close();
  base?.close();
}
console.log(`\n(p50/p99: nearest rank; load at the end ${loadLine()}; ran ${((Date.now() - startedAt) / 1000).toFixed(0)} s)`);
process.exitCode = failed ? 1 : 0;
