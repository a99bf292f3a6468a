// Calls through the UI (issue 22, docs/calls.md), real browsers with fake devices, per pairing (caller Alice is
// Chromium; the callee Bob is Chromium, then Firefox), in one run:
//   a. "Accept call" -> first audio energy on the far side: Bob presses "Accept call" on a voice call (the click
//      dispatched in his page, its epoch time kept), and a WebAudio analyser on the track Alice's call connection
//      receives (Chromium; headless Firefox has no audio output, so its AudioContext never starts) notes the first
//      10 ms tick whose last 2048 samples (43 ms) peak above 0.02. Both are epoch clocks of one machine
//      (performance.timeOrigin + performance.now()). --calls repetitions, each call ended before the next.
//      Chromium's default fake microphone beeps once a second; Bob's Chromium plays a continuous 440 Hz tone from a
//      WAV file instead (--use-file-for-fake-audio-capture), so the figure is not the wait for the next beep.
//      Firefox's fake microphone is a continuous tone already.
//   b. CPU of a 640x480 video call: the CPU time (user + system, /proc) of each browser's whole process tree over
//      --cpu-seconds, paired and idle in the conversation, then during a video call (after "In call" and a 3 s
//      settle). The frame sizes each side decodes are read from getStats and printed.
//   c. The data link's "Delivered" during the video call vs without: --messages messages from Alice, one at a time,
//      Enter (dispatched in the page) -> the tick "Delivered" (bench/chat-probe.mjs), before the call, during it,
//      and after it ended.
// Chromium runs with its accessibility tree on (lib.mjs).
//
//   npm run build && bash scripts/in-netns.sh node bench/calls.mjs [--pairings chromium-chromium,chromium-firefox]
//     [--calls 7] [--cpu-seconds 20] [--messages 40]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { click, openPreparedPerson, openConversation, pair, until, waitForElement, waitForText } from '../test/e2e/helpers.mjs';
import { callConnection, keepConnections } from '../test/e2e/call-probe.mjs';
import { inPage } from '../test/e2e/page-probe.mjs';
import { installProbe } from './chat-probe.mjs';
import {
  accessibilityNote, argValue, benchBrowserOptions, cpuMs, loadLine, machineLine, median, ms, printTable, processTree, quantile, serveDistSnapshot,
  sleep, warnOutsideNamespace, withTimeout,
} from './lib.mjs';

const pairings = argValue('--pairings', 'chromium-chromium,chromium-firefox').split(',').map((p) => p.split('-'));
const callCount = Number(argValue('--calls', '7'));
const cpuSeconds = Number(argValue('--cpu-seconds', '20'));
const messageCount = Number(argValue('--messages', '40'));
/** A peak above this in the analyser's window is sound (test/e2e/calls.test.mjs uses the same). */
const soundPeak = 0.02;
const settleMs = 3000;

/** A continuous 440 Hz tone, 16-bit mono 48 kHz, 2 s (Chromium loops it). */
function toneFile() {
  const rate = 48_000;
  const samples = rate * 2;
  const data = Buffer.alloc(44 + samples * 2);
  data.write('RIFF', 0);
  data.writeUInt32LE(36 + samples * 2, 4);
  data.write('WAVEfmt ', 8);
  data.writeUInt32LE(16, 16);
  data.writeUInt16LE(1, 20); // PCM
  data.writeUInt16LE(1, 22); // mono
  data.writeUInt32LE(rate, 24);
  data.writeUInt32LE(rate * 2, 28);
  data.writeUInt16LE(2, 32);
  data.writeUInt16LE(16, 34);
  data.write('data', 36);
  data.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) data.writeInt16LE(Math.round(0.3 * 32767 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tincan-tone-')), 'tone.wav');
  fs.writeFileSync(file, data);
  return file;
}

/** Alice: an analyser on the call connection's received audio track; window.__tcHeardAt = first loud tick. */
async function listen(page) {
  await page.waitForFunction(callConnection, { polling: 20, timeout: 20_000 });
  await page.evaluate((findSource, loud) => {
    const pc = eval(`(${findSource})`)();
    const track = pc.getTransceivers().find((t) => t.receiver.track.kind === 'audio').receiver.track;
    window.__tcAudio?.close();
    const context = (window.__tcAudio = new AudioContext());
    void context.resume();
    const analyser = context.createAnalyser();
    analyser.fftSize = 2048;
    context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    window.__tcHeardAt = undefined;
    clearInterval(window.__tcListening);
    window.__tcListening = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let peak = 0;
      for (const value of samples) peak = Math.max(peak, Math.abs(value));
      if (peak > loud && window.__tcHeardAt === undefined) window.__tcHeardAt = performance.timeOrigin + performance.now();
    }, 10);
  }, callConnection.toString(), soundPeak);
}

/** Bob: clicks "Accept call" in his page and returns the click's epoch time. */
function acceptInPage(page) {
  return page.evaluate(inPage((probe) => {
    const button = probe.find((el) => el.localName === 'button' && el.textContent.trim() === 'Accept call');
    const at = performance.timeOrigin + performance.now();
    button.click();
    return at;
  }));
}

async function waitForCallOver(page) {
  await until(async () => page.evaluate(() => !document.querySelector('tc-tincan-shell').shadowRoot.querySelector('tc-call-view')), 'the call view to close', { timeout: 20_000, everyMs: 50 });
}
const callStatus = (page, text) => waitForText(page, 'status', 'Call', text, { timeout: 30_000 });

async function endCall(alice, bob) {
  await click(alice.page, 'button', 'End call');
  await Promise.all([waitForCallOver(alice.page), waitForCallOver(bob.page)]);
}

/** One voice call: Accept -> first loud tick on Alice's side, ms. */
async function acceptToAudio(alice, bob) {
  await click(alice.page, 'button', 'Voice call');
  await listen(alice.page);
  await waitForElement(bob.page, 'dialog', 'Incoming call', { timeout: 20_000 });
  const acceptedAt = await acceptInPage(bob.page);
  const heardAt = await withTimeout(
    alice.page.waitForFunction(() => window.__tcHeardAt, { polling: 20, timeout: 30_000 }).then((h) => h.jsonValue()),
    31_000, 'first audio',
  );
  await Promise.all([callStatus(alice.page, 'In call'), callStatus(bob.page, 'In call')]);
  await alice.page.evaluate(() => clearInterval(window.__tcListening));
  await endCall(alice, bob);
  return heardAt - acceptedAt;
}

/** CPU time of each browser's process tree over cpuSeconds, as a share of one core. */
async function cpuShares(people) {
  const trees = people.map((p) => processTree(p.browser.process().pid));
  const before = trees.map(cpuMs);
  await sleep(cpuSeconds * 1000);
  return people.map((p, i) => (cpuMs(processTree(p.browser.process().pid)) - before[i]) / (cpuSeconds * 1000));
}

/** Enter -> "Delivered" in Alice's page, messageCount messages one at a time, ms. */
async function deliveredTimes(alice, label) {
  const samples = [];
  for (let i = 0; i < messageCount; i++) {
    const text = `${label} ${Date.now()} ${i}`;
    const delivered = alice.page.evaluate((t) => window.__tcWhen(t, 'deliveredDom'), text);
    await alice.page.evaluate((t) => window.__tcSendText([t]), text);
    await withTimeout(delivered, 15_000, `${text} delivered`);
  }
  const marks = await alice.page.evaluate(() => [...window.__tcProbe.marks.values()].filter((m) => m.enter !== undefined && m.deliveredDom !== undefined));
  for (const m of marks) samples.push(m.deliveredDom - m.enter);
  await alice.page.evaluate(() => window.__tcProbeReset());
  return samples;
}

/**
 * Frame sizes of the call's video, from getStats and the camera track: what the camera captures, what the encoder
 * sends (with Chromium's qualityLimitationReason when it scaled down), what this side decodes.
 */
function videoSizes(page) {
  return page.evaluate(async (findSource) => {
    const pc = eval(`(${findSource})`)();
    const sender = pc.getTransceivers().find((t) => t.receiver.track.kind === 'video')?.sender;
    const settings = sender?.track?.getSettings() ?? {};
    const out = { capture: settings.width ? `${settings.width}x${settings.height}` : '', sent: '', decoded: '', limit: '' };
    (await pc.getStats()).forEach((s) => {
      if (s.kind !== 'video' || !s.frameWidth) return;
      if (s.type === 'inbound-rtp') out.decoded = `${s.frameWidth}x${s.frameHeight}`;
      if (s.type === 'outbound-rtp') {
        out.sent = `${s.frameWidth}x${s.frameHeight}`;
        if (s.qualityLimitationReason && s.qualityLimitationReason !== 'none') out.limit = s.qualityLimitationReason;
      }
    });
    return out;
  }, callConnection.toString());
}

async function runPairing(kindA, kindB, tone) {
  const options = (kind, name) => benchBrowserOptions(kind, { fakeMedia: true, name, ...(kind === 'chromium' ? { args: [`--use-file-for-fake-audio-capture=${tone}`] } : {}) });
  const [alice, bob] = await Promise.all([
    openPreparedPerson(kindA, dist.url, keepConnections, options(kindA, 'Alice')),
    openPreparedPerson(kindB, dist.url, keepConnections, options(kindB, 'Bob')),
  ]);
  try {
    await pair(alice, bob);
    await openConversation(alice.page, 'Bob');
    await openConversation(bob.page, 'Alice');
    await alice.page.waitForFunction(installProbe, { timeout: 30_000, polling: 100 });
    await sleep(settleMs);
    const idleCpu = await cpuShares([alice, bob]);
    const rttBefore = await deliveredTimes(alice, 'before');
    const accept = [];
    for (let i = 0; i < callCount; i++) {
      accept.push(await acceptToAudio(alice, bob));
      await sleep(1000); // the callee's offer budget refills at one a second (chat/calls.ts)
    }
    await click(alice.page, 'button', 'Video call');
    await waitForElement(bob.page, 'dialog', 'Incoming call', { timeout: 20_000 });
    await click(bob.page, 'button', 'Accept call');
    await Promise.all([callStatus(alice.page, 'In call'), callStatus(bob.page, 'In call')]);
    await sleep(settleMs);
    const sizes = await Promise.all([videoSizes(alice.page), videoSizes(bob.page)]);
    const callCpu = await cpuShares([alice, bob]);
    const rttDuring = await deliveredTimes(alice, 'during');
    const stillInCall = await Promise.all([alice, bob].map((p) => waitForText(p.page, 'status', 'Call', 'In call', { timeout: 1000 }).then(() => true, () => false)));
    await endCall(alice, bob);
    const rttAfter = await deliveredTimes(alice, 'after');
    return { accept, idleCpu, callCpu, sizes, rttBefore, rttDuring, rttAfter, stillInCall, errors: [...alice.errors, ...bob.errors] };
  } finally {
    await Promise.all([alice.close(), bob.close()]);
  }
}

warnOutsideNamespace();
const dist = await serveDistSnapshot();
console.log(`Calls bench ${machineLine()}; build ${dist.buildId}`);
console.log(accessibilityNote);
const startedAt = Date.now();
const tone = toneFile();
const results = [];
let failed = false;
for (const [kindA, kindB] of pairings) {
  try {
    const r = await runPairing(kindA, kindB, tone);
    results.push({ pairing: `${kindA} -> ${kindB}`, ...r });
    console.log(`${kindA} -> ${kindB}: done (load ${loadLine()})`);
  } catch (error) {
    failed = true;
    console.log(`${kindA} -> ${kindB}: FAILED: ${error.stack ?? error}`);
  }
}
fs.rmSync(path.dirname(tone), { recursive: true, force: true });

const sizeCell = (s) => `${s.capture || '?'} / ${s.sent || '?'}${s.limit ? ` (${s.limit})` : ''} / ${s.decoded || '?'}`;
const pct = (share) => `${(share * 100).toFixed(1)} %`;
console.log(`\na. "Accept call" (callee) -> first audio energy on the caller's side (Chromium analyser), ${callCount} voice calls each`);
printTable(
  ['caller -> callee', 'median ms', 'min', 'max', 'all'],
  results.map((r) => [r.pairing, ms(median(r.accept)), ms(Math.min(...r.accept)), ms(Math.max(...r.accept)), r.accept.map((v) => v.toFixed(0)).join(' ')]),
);
console.log(`\nb. CPU over ${cpuSeconds} s (user + system, every process of each browser; 100 % = one core), idle in the conversation vs in a video call`);
printTable(
  ['caller -> callee', 'caller idle', 'caller in call', 'callee idle', 'callee in call', 'call adds (both)', 'caller: captured / sent / decoded', 'callee: captured / sent / decoded'],
  results.map((r) => [
    r.pairing, pct(r.idleCpu[0]), pct(r.callCpu[0]), pct(r.idleCpu[1]), pct(r.callCpu[1]),
    pct(r.callCpu[0] - r.idleCpu[0] + r.callCpu[1] - r.idleCpu[1]), ...r.sizes.map(sizeCell),
  ]),
);
console.log(`\nc. Enter -> "Delivered" from the caller, ${messageCount} messages one at a time: before the video call, during it, after it`);
printTable(
  ['caller -> callee', 'before p50 / p99 ms', 'during p50 / p99 ms', 'after p50 / p99 ms', 'during / before p50', 'still "In call" at the end'],
  results.map((r) => [
    r.pairing, `${ms(median(r.rttBefore))} / ${ms(quantile(r.rttBefore, 0.99))}`, `${ms(median(r.rttDuring))} / ${ms(quantile(r.rttDuring, 0.99))}`,
    `${ms(median(r.rttAfter))} / ${ms(quantile(r.rttAfter, 0.99))}`, `${(median(r.rttDuring) / median(r.rttBefore)).toFixed(2)}x`,
    r.stillInCall.every(Boolean) ? 'yes' : 'no',
  ]),
);
const errors = results.flatMap((r) => r.errors);
if (errors.length) console.log(`page errors: ${[...new Set(errors)].join(' | ')}`);
dist.close();
console.log(`\n(load at the end ${loadLine()}; ran ${((Date.now() - startedAt) / 1000).toFixed(0)} s)`);
process.exitCode = failed ? 1 : 0;
