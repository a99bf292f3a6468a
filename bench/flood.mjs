// A peer floods the victim (issue 8): how long the victim's page stalls, how fast it stores, whether its person can
// still send, what 1,000 messages cost on disk, and how fast acks resolve on a 10,000-message history.
//
//   npm run build && bash scripts/in-netns.sh node bench/flood.mjs [--messages 3000] [--victim chromium|firefox]
//     [--history 10000 | --no-history] [--profile DIR]
//
// Two browsers on the real page (dist/), paired through the UI. The flooder is the app in the other browser with a
// scripted burst: its live PeerSession (src/chat/peer-session.ts over its real PeerLink) sends --messages message
// frames in one go, each with a fresh id of the wire's shape and ~70 characters, as a hostile or broken peer
// would (nothing waits for acks; the flooder's own store is not involved). The victim has its conversation with the
// flooder open, so every stored message is also rendered.
// Measured on the victim:
//   stall      the longest gap between two animation frames (a rAF monitor: what the person sees freeze) and, in
//              Chromium, the long tasks (PerformanceObserver 'longtask': the longest, their count and sum), from
//              the flood's start until every message is stored
//   stored/s   messages / (last write done - first frame arrived), from the victim's log.append
//   sending    meanwhile the victim types a message every ~100 ms (value + Enter in the page): Enter -> its own
//              message in its log, Enter -> "Delivered"
//   storage    sealed bytes of the conversation's records (messages, id index, head) per 1,000 messages, and the
//              origin's usage (navigator.storage.estimate) before and after, per 1,000
//   acks       the conversation filled to --history messages through the store; the victim sends 20 messages one at
//              a time: time for the victim to resolve each ack (Delivery.receive of the ack: the outbox and the
//              state, synchronous); then the flooder sends an ack of 256 unknown ids, and the flush that follows
// Chromium runs with its accessibility tree on (lib.mjs). --profile DIR: a CPU profile and a trace of the victim
// (Chromium) during the flood, with a summary (bench/profile-summary.mjs; the page is minified: names are esbuild's).
import { openPerson, pair } from '../test/e2e/helpers.mjs';
import { conversationBytes, fillHistory, installProbe } from './chat-probe.mjs';
import { startProfiling, stopProfiling } from './profile-summary.mjs';
import {
  accessibilityNote, argValue, benchBrowserOptions, hasFlag, loadLine, machineLine, median, ms, printTable,
  serveDistSnapshot, sleep, warnOutsideNamespace, withTimeout,
} from './lib.mjs';

const floodCount = Number(argValue('--messages', '3000'));
const victimKind = argValue('--victim', 'chromium');
const historyCount = hasFlag('--no-history') ? 0 : Number(argValue('--history', '10000'));
const floodTimeoutMs = 300_000;
const profileDir = argValue('--profile');

// ---- in the pages ----

function startStallMonitor() {
  const M = (window.__tcStall = { longTasks: [], maxGapMs: 0, gapsOver50: 0, running: true });
  if (PerformanceObserver.supportedEntryTypes?.includes('longtask')) {
    M.observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) M.longTasks.push(entry.duration);
    });
    M.observer.observe({ type: 'longtask' });
  }
  let last = performance.now();
  const tick = () => {
    const now = performance.now();
    const gap = now - last;
    last = now;
    M.maxGapMs = Math.max(M.maxGapMs, gap);
    if (gap > 50) M.gapsOver50++;
    if (M.running) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

function stopStallMonitor() {
  const M = window.__tcStall;
  M.running = false;
  M.observer?.disconnect();
  return {
    maxGapMs: M.maxGapMs,
    gapsOver50: M.gapsOver50,
    longTaskSupported: !!M.observer,
    longTasks: M.longTasks.length,
    worstLongTaskMs: Math.max(0, ...M.longTasks),
    longTaskSumMs: M.longTasks.reduce((a, b) => a + b, 0),
  };
}

/** The flooder: `count` real envelopes (sealed with its own chain first, then sent) on its live session, at once. */
async function flood(count) {
  const app = document.querySelector('tc-tincan-shell').app;
  const conversationId = app.state.state.activeId;
  const session = app.messenger.peers.get(conversationId);
  const envelopes = [];
  for (let i = 0; i < count; i++) {
    const text = `Flood ${i}: a line of ordinary chat text, about seventy characters long.`;
    envelopes.push(await app.messenger.delivery.seal(conversationId, text, Date.now()));
  }
  const startedAt = performance.timeOrigin + performance.now();
  let sent = 0;
  for (const envelope of envelopes) if (session.send(envelope)) sent++;
  return { sent, startedAt, sendMs: performance.timeOrigin + performance.now() - startedAt };
}

/** The flooder: one ack frame naming `count` ids the victim never sent. */
function unknownAck(count) {
  const app = document.querySelector('tc-tincan-shell').app;
  const session = app.messenger.peers.get(app.state.state.activeId);
  const ids = Array.from({ length: count }, (_, i) => `unknown${String(i).padStart(9, '0')}`);
  session.send({ type: 'ack', conversation: session.conversationId, ids });
  return ids;
}

/** The victim: first arrival and last stored time of the flood, from its probe marks. */
function floodTimes() {
  const P = window.__tcProbe;
  let firstArrival = Infinity;
  let lastStored = 0;
  let stored = 0;
  for (const [id, m] of P.marks) {
    if (!P.idToText.get(id)?.startsWith('Flood ')) continue;
    if (m.arrival !== undefined) firstArrival = Math.min(firstArrival, m.arrival);
    if (m.appendEnd !== undefined) {
      lastStored = Math.max(lastStored, m.appendEnd);
      stored++;
    }
  }
  return { firstArrival, lastStored, stored, batches: P.writes.length };
}

const estimate = () => navigator.storage.estimate().then((e) => e.usage);

// ---- run ----

warnOutsideNamespace();
const dist = await serveDistSnapshot();
console.log(`Flood bench ${machineLine()}; build ${dist.buildId}; ${floodCount} messages into a ${victimKind} victim`);
console.log(accessibilityNote);
const startedAt = Date.now();
const victim = await openPerson(victimKind, dist.url, { name: 'Alice', ...benchBrowserOptions(victimKind) });
const flooder = await openPerson('chromium', dist.url, { name: 'Mallory', ...benchBrowserOptions('chromium') });
let failed = false;
try {
  await pair(victim, flooder);
  await victim.page.waitForFunction(installProbe, { timeout: 30_000, polling: 100 });
  await flooder.page.waitForFunction(installProbe, { timeout: 30_000, polling: 100 });
  await sleep(1000);

  // 1. The flood.
  const usageBefore = await victim.page.evaluate(estimate);
  const bytesBefore = await victim.page.evaluate(conversationBytes);
  const profiling = profileDir ? await startProfiling([victim]) : undefined;
  await victim.page.evaluate(startStallMonitor);
  const sends = [];
  const floodStarted = Date.now();
  const flooded = await flooder.page.evaluate(flood, floodCount);
  let progress;
  for (;;) {
    progress = await victim.page.evaluate(() => window.__tcProbe.stored);
    if (progress >= flooded.sent || Date.now() - floodStarted > floodTimeoutMs) break;
    const text = `victim ${sends.length}`;
    const delivered = victim.page.evaluate((t) => window.__tcWhen(t, 'deliveredDom'), text);
    await victim.page.evaluate((t) => window.__tcSendText([t]), text);
    sends.push({ text, delivered });
    await sleep(100);
  }
  const stall = await victim.page.evaluate(stopStallMonitor);
  if (profiling) await stopProfiling(profiling, profileDir, 'flood');
  const times = await victim.page.evaluate(floodTimes);
  const ownMarks = (await victim.page.evaluate((t) => window.__tcProbeMarks(t), sends.map((s) => s.text))).marks;
  const ownShown = ownMarks.map((m) => m.shown - m.enter).filter(Number.isFinite);
  await Promise.all(sends.map((s) => withTimeout(s.delivered, 60_000, 'victim message delivered').catch(() => undefined)));
  const ownDelivered = (await victim.page.evaluate((t) => window.__tcProbeMarks(t), sends.map((s) => s.text))).marks
    .map((m) => m.deliveredDom - m.enter).filter(Number.isFinite);
  const storeSeconds = (times.lastStored - times.firstArrival) / 1000;

  // 2. Storage.
  const bytesAfter = await victim.page.evaluate(conversationBytes);
  const usageAfter = await victim.page.evaluate(estimate);
  const added = bytesAfter.count - bytesBefore.count;
  const perThousand = (bytes) => ((bytes / added) * 1000) / 1024;

  console.log(`\nflood of ${flooded.sent} message frames (sent by the flooder in ${ms(flooded.sendMs)} ms):`);
  printTable(['measure', 'value', 'unit'], [
    ['victim stored', `${times.stored}/${flooded.sent}`, 'messages'],
    ['messages stored per second (first arrival -> last write)', (times.stored / storeSeconds).toFixed(0), `msg/s (${storeSeconds.toFixed(2)} s, ${times.batches} write batches)`],
    ['worst gap between animation frames (what freezes)', ms(stall.maxGapMs), `ms (${stall.gapsOver50} gaps over 50 ms)`],
    ['worst long task', stall.longTaskSupported ? ms(stall.worstLongTaskMs) : 'n/a', stall.longTaskSupported ? `ms (${stall.longTasks} long tasks, ${ms(stall.longTaskSumMs)} ms in all)` : '(no longtask entries in this browser)'],
    ['victim sends meanwhile: Enter -> own message shown', `p50 ${ms(median(ownShown))}, max ${ms(Math.max(...ownShown))}`, `ms (${ownShown.length} messages)`],
    ['victim sends meanwhile: Enter -> "Delivered"', `p50 ${ms(median(ownDelivered))}, max ${ms(Math.max(...ownDelivered))}`, `ms (${ownDelivered.length}/${sends.length})`],
    ['storage per 1,000 messages: sealed record values', perThousand(bytesAfter.valueBytes - bytesBefore.valueBytes).toFixed(1), `KiB (${bytesAfter.records - bytesBefore.records} records for ${added} messages)`],
    ['storage per 1,000 messages: record keys', perThousand(bytesAfter.keyChars - bytesBefore.keyChars).toFixed(1), 'KiB (characters)'],
    ['storage per 1,000 messages: origin usage (estimate)', perThousand(usageAfter - usageBefore).toFixed(1), `KiB (${((usageAfter - usageBefore) / 1024).toFixed(0)} KiB for ${added}; coarse: the browser's own accounting)`],
  ]);

  // 3. Acks on a long history.
  if (historyCount) {
    const filled = await victim.page.evaluate(fillHistory, historyCount);
    await sleep(500);
    const texts = [];
    for (let i = 0; i < 20; i++) {
      const text = `ack probe ${i}`;
      texts.push(text);
      const delivered = victim.page.evaluate((t) => window.__tcWhen(t, 'deliveredState'), text);
      await victim.page.evaluate((t) => window.__tcSendText([t]), text);
      await withTimeout(delivered, 15_000, `${text} delivered`);
    }
    const marks = (await victim.page.evaluate((t) => window.__tcProbeMarks(t), texts)).marks;
    const resolve = marks.map((m) => m.ackRecvEnd - m.ackRecv);
    const ids = await flooder.page.evaluate(unknownAck, 256);
    const unknown = await victim.page.waitForFunction(
      (ids) => {
        const m = window.__tcProbe.marks.get(ids.at(-1));
        return m?.ackRecvEnd !== undefined && m.ackRecvEnd - m.ackRecv;
      },
      { timeout: 15_000, polling: 50 },
      ids,
    );
    const unknownMs = await unknown.jsonValue();
    const flushMs = await victim.page.evaluate(async () => {
      const started = performance.now();
      await document.querySelector('tc-tincan-shell').app.store.flush();
      return performance.now() - started;
    });
    const ignored = await victim.page.evaluate(() => document.querySelector('tc-tincan-shell').app.messenger.delivery.ignored.unknownAcks);
    console.log(`\nacks on a ${filled.count}-message conversation (victim):`);
    printTable(['measure', 'p50', 'max', 'unit'], [
      ['ack of 1 id resolved (outbox + state, synchronous)', ms(median(resolve)), ms(Math.max(...resolve)), `ms (${resolve.length} acks)`],
      ['ack of 256 unknown ids resolved', ms(unknownMs), '', `ms (unknown acks counted: ${ignored})`],
      ['the flush after them', ms(flushMs), '', 'ms'],
    ]);
  }
  const errors = [...victim.errors, ...flooder.errors];
  if (errors.length) console.log(`page errors: ${errors.join(' | ')}`);
} catch (error) {
  failed = true;
  console.log(`FAILED: ${error.stack ?? error}`);
} finally {
  await Promise.all([victim.close(), flooder.close()]);
  dist.close();
}
console.log(`\n(load at the end ${loadLine()}; ran ${((Date.now() - startedAt) / 1000).toFixed(0)} s)`);
process.exitCode = failed ? 1 : 0;
