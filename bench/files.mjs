// File transfer throughput, ours against a bare data channel in the same run, and the receiver's memory.
//
//   bash scripts/in-netns.sh node bench/files.mjs [--rounds 3] [--mb 64] [--big] [--pairings chromium-chromium,chromium-firefox]
//
// Two browsers (separate processes and profiles), sender first in each pairing. Each holds two real
// RTCPeerConnections to the other (descriptions passed through node): "ours" is the whole file path of
// src/chat/files (offer with BLAKE2b of the file, XChaCha20-Poly1305 per chunk, window back-pressure, receiver
// writing to OPFS through the worker, hash checked, committed); "bare" is one data channel carrying the same bytes in
// 64 KiB messages with the same back-pressure (4 MiB / 1 MiB), counted and dropped. The source is a ChaCha20
// keystream on the sender (no file held in memory on either side). Rounds alternate ours and bare.
//
// Measured on the receiver, from its request (accept / "go") to the last byte (ours: written, hash checked,
// committed). "prepare" is the sender hashing the file before its offer (not in the throughput). Memory: peak JS
// heap of the receiving page over the transfer (Chromium, --enable-precise-memory-info; ArrayBuffers are outside the
// JS heap) and peak resident memory of the receiving browser's processes minus before (both browsers, from /proc).
// --big adds 1 GiB (one round each).
// --resume: one 64 MiB transfer whose connection the sender closes at 40 %; a new connection is made (new
// descriptions through node) and the receiver asks for what it lacks. Printed: time from the receiver attaching the
// new connection to its first chunk, and the chunks sent again beyond the ones that were missing.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serveStatic } from '../scripts/serve.mjs';
import { launchBrowser } from '../test/e2e/browsers.mjs';
import { accessibilityNote, argValue, benchBrowserOptions, machineLine, median, mib, processTree, rssBytes, warnOutsideNamespace } from './lib.mjs';

const rounds = Number(argValue('--rounds', '3'));
const sizeMb = Number(argValue('--mb', '64'));
const pairings = argValue('--pairings', 'chromium-chromium,chromium-firefox').split(',').map((p) => p.split('-'));
const sizes = [sizeMb * 1024 * 1024, ...(process.argv.includes('--big') ? [1024 * 1024 * 1024] : [])];

// ---- the page: bench/files-page.ts and the OPFS worker, bundled ----
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tincan-files-bench-'));
await esbuild.build({ entryPoints: ['bench/files-page.ts'], bundle: true, format: 'esm', target: 'es2022', outfile: path.join(dir, 'files-page.js'), logLevel: 'warning' });
await esbuild.build({ entryPoints: ['src/platform/file-sink-worker.ts'], bundle: true, format: 'iife', target: 'es2022', outfile: path.join(dir, 'file-sink-worker.js'), logLevel: 'warning' });
fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>files bench</title><script type="module" src="./files-page.js"></script>');
const server = await serveStatic({ dir, port: 0, host: '127.0.0.1' });
const url = `http://127.0.0.1:${server.address().port}/`;

async function withRssPeak(browser, work) {
  const root = browser.process()?.pid;
  if (!root) return { ...(await work()), rssPeakDeltaBytes: undefined };
  let pids = processTree(root);
  const base = rssBytes(pids);
  let peak = base;
  let ticks = 0;
  const timer = setInterval(() => {
    if (++ticks % 10 === 0) pids = processTree(root);
    peak = Math.max(peak, rssBytes(pids));
  }, 100);
  try {
    const result = await work();
    return { ...result, rssPeakDeltaBytes: peak - base, rssBaseBytes: base };
  } finally {
    clearInterval(timer);
  }
}

const mb = (bytes) => (bytes / 1e6).toFixed(1);
const sizeLabel = (bytes) => (bytes >= 1024 ** 3 ? `${bytes / 1024 ** 3} GiB` : `${bytes / 1024 ** 2} MiB`);

async function openPage(kind) {
  const browser = await launchBrowser(kind, benchBrowserOptions(kind));
  const page = await browser.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') console.log(`  [${kind}] ${message.text()}`);
  });
  await page.goto(url);
  await page.waitForFunction(() => !!window.bench);
  const agent = await page.evaluate(() => window.bench.init());
  return { browser, page, agent };
}

async function connect(sender, receiver, label) {
  const offer = await sender.page.evaluate((label) => window.bench.offer(label), label);
  const answer = await receiver.page.evaluate((label, offer) => window.bench.answer(label, offer), label, offer);
  const [maxAtSender] = await Promise.all([
    sender.page.evaluate((label, answer) => window.bench.complete(label, answer), label, answer),
    receiver.page.evaluate((label) => window.bench.complete(label), label),
  ]);
  return maxAtSender;
}

async function runOurs(sender, receiver, size) {
  const { fileId, prepareMs } = await sender.page.evaluate((size) => window.bench.offerFile(size), size);
  const result = await withRssPeak(receiver.browser, () => receiver.page.evaluate((fileId) => window.bench.receiveFile(fileId), fileId));
  if (result.state !== 'done' || result.bytes !== size) throw new Error(`ours ended ${result.state} with ${result.bytes} bytes`);
  return { ...result, prepareMs };
}

async function runResume(sender, receiver, size) {
  const { fileId } = await sender.page.evaluate((size) => window.bench.offerFile(size), size);
  const receiving = receiver.page.evaluate((fileId) => window.bench.receiveFile(fileId), fileId);
  const bytesAtDrop = await receiver.page.evaluate((fileId) => window.bench.waitShare(fileId, 0.4), fileId);
  await sender.page.evaluate(() => window.bench.drop('ours'));
  const connectStarted = Date.now();
  await connect(sender, receiver, 'ours-again');
  const reconnectMs = Date.now() - connectStarted;
  const result = await receiving;
  const stats = await receiver.page.evaluate(() => window.bench.resumeStats());
  const chunkBytes = 65_536 - 49;
  const missing = Math.ceil(size / chunkBytes) - Math.floor(bytesAtDrop / chunkBytes);
  return { ...result, ...stats, reconnectMs, missingAtDropChunks: missing, bytesAtDrop };
}

async function runBare(sender, receiver, size) {
  const sending = sender.page.evaluate((size) => window.bench.bareSend(size), size);
  const result = await withRssPeak(receiver.browser, () => receiver.page.evaluate((size) => window.bench.bareReceive(size), size));
  await sending;
  return result;
}

warnOutsideNamespace();
console.log(`files bench ${machineLine()}; ${accessibilityNote}`);
if (process.env.TINCAN_IN_NETNS !== '1') console.log('warning: not inside scripts/in-netns.sh (LAB.md §1)');
const summary = [];
for (const [senderKind, receiverKind] of pairings) {
  const sender = await openPage(senderKind);
  const receiver = await openPage(receiverKind);
  try {
    const maxMessage = await connect(sender, receiver, 'ours');
    if (process.argv.includes('--resume')) {
      const size = sizeMb * 1024 * 1024;
      const r = await runResume(sender, receiver, size);
      console.log(
        `\n${senderKind} → ${receiverKind}, ${sizeLabel(size)} dropped at ${mb(r.bytesAtDrop)} MB written: new connection in ${r.reconnectMs} ms (driver), ` +
          `first chunk ${r.resumeMs?.toFixed(0)} ms after attaching it; ${r.receivedChunks - 1} chunks on it where at most ${r.missingAtDropChunks} were missing at the drop ` +
          `(checkpoint at the drop; chunks in flight counted as missing); done: ${r.state}`,
      );
      continue;
    }
    await connect(sender, receiver, 'bare');
    console.log(`\n${senderKind} → ${receiverKind} (peer max message ${maxMessage} B)`);
    for (const size of sizes) {
      const roundsHere = size > 256 * 1024 * 1024 ? 1 : rounds;
      const ours = [];
      const bare = [];
      for (let round = 0; round < roundsHere; round++) {
        const b = await runBare(sender, receiver, size);
        bare.push(b);
        const o = await runOurs(sender, receiver, size);
        ours.push(o);
        console.log(
          `  ${sizeLabel(size)} round ${round + 1}: ours ${mb((size / o.ms) * 1000)} MB/s (prepare ${(o.prepareMs / 1000).toFixed(1)} s, heap peak +${mib(o.heapPeakBytes === undefined ? undefined : o.heapPeakBytes - o.heapBaseBytes)}, rss peak +${mib(o.rssPeakDeltaBytes)})` +
            ` | bare ${mb((size / b.ms) * 1000)} MB/s (heap peak +${mib(b.heapPeakBytes === undefined ? undefined : b.heapPeakBytes - b.heapBaseBytes)}, rss peak +${mib(b.rssPeakDeltaBytes)})`,
        );
      }
      const oursRate = median(ours.map((o) => (size / o.ms) * 1000));
      const bareRate = median(bare.map((b) => (size / b.ms) * 1000));
      const ratio = median(ours.map((o, i) => bare[i].ms / o.ms));
      summary.push({
        pairing: `${senderKind}→${receiverKind}`, size: sizeLabel(size), rounds: roundsHere,
        ours: `${mb(oursRate)} MB/s`, bare: `${mb(bareRate)} MB/s`, ratio: ratio.toFixed(2),
        prepare: `${(median(ours.map((o) => o.prepareMs)) / 1000).toFixed(1)} s`,
        heapPeak: mib(Math.max(...ours.map((o) => (o.heapPeakBytes === undefined ? NaN : o.heapPeakBytes - o.heapBaseBytes)))),
        rssPeak: mib(Math.max(...ours.map((o) => o.rssPeakDeltaBytes ?? NaN))),
      });
    }
  } finally {
    await sender.browser.close();
    await receiver.browser.close();
  }
}
if (summary.length) {
  console.log('\nmedians (receiver-side time; ours includes writing to OPFS and the hash check; ratio: median of ours/bare per round):');
  console.table(summary);
}
server.close();
fs.rmSync(dir, { recursive: true, force: true });
