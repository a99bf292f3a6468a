// What the browser benches share: arguments, statistics, the machine line every bench prints, serving a snapshot of
// dist/ (with its build id) and the bench-only app page (bench/chat-app-page.ts, records in memory), the browsers'
// launch options (Chromium's accessibility tree forced on), and memory read from /proc and from the DevTools protocol.
import { execFileSync } from 'node:child_process';
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serveStatic } from '../scripts/serve.mjs';
import { enterApp } from '../test/e2e/helpers.mjs';

export function argValue(name, fallback) {
  const at = process.argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (at < 0) return fallback;
  return process.argv[at].includes('=') ? process.argv[at].split('=').slice(1).join('=') : process.argv[at + 1];
}
export const hasFlag = (name) => process.argv.includes(name);

/** Nearest rank. */
export function quantile(values, q) {
  const sorted = [...values].filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
export const median = (values) => quantile(values, 0.5);
export const ms = (v) => (!Number.isFinite(v) ? '-' : Math.abs(v) < 10 ? v.toFixed(2) : v.toFixed(1));
export const sleep = (duration) => new Promise((resolve) => setTimeout(resolve, duration));

export function withTimeout(promise, timeoutMs, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no result in ${timeoutMs} ms`)), timeoutMs))),
  ]);
}

export const loadLine = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
export function machineLine() {
  return `${new Date().toISOString()}, node ${process.version}, ${os.cpus().length} cores, load ${loadLine()}`;
}
export function warnOutsideNamespace() {
  if (process.env.TINCAN_IN_NETNS !== '1') console.log('warning: not inside scripts/in-netns.sh; browsers may reach the network (docs/lab.md §1)');
}

/** Prints a table with the first column left-aligned and the rest right-aligned (the last column left-aligned). */
export function printTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (cells) =>
    cells
      .map((c, i) => (i === 0 || i === cells.length - 1 ? String(c ?? '').padEnd(widths[i]) : String(c ?? '').padStart(widths[i])))
      .join('  ')
      .trimEnd();
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
}

// ---- browsers ----

/**
 * Launch options for launchBrowser (test/e2e/browsers.mjs). Chromium: the renderer's accessibility tree is on from
 * the start (--force-renderer-accessibility), as when a screen reader runs, so every DOM change also updates it;
 * precise heap figures. Firefox: full-resolution timers (privacy.reduceTimerPrecision off; it rounds to 1 ms
 * otherwise); its accessibility service starts only with an assistive technology, which the bench has none of.
 */
export function benchBrowserOptions(kind, extra = {}) {
  return kind === 'firefox'
    ? { ...extra, prefs: { 'privacy.reduceTimerPrecision': false, ...extra.prefs } }
    : { ...extra, args: ['--force-renderer-accessibility', '--enable-precise-memory-info', ...(extra.args ?? [])] };
}
export const accessibilityNote =
  'Chromium runs with --force-renderer-accessibility (its accessibility tree on, as with a screen reader); Firefox without an assistive technology (tree off), timers at full resolution';

// ---- pages ----

/** Serves a copy of dist/ taken now (others may rebuild dist/ during a run); its build id from precache.json. */
export async function serveDistSnapshot() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tincan-bench-dist-'));
  fs.cpSync('dist', dir, { recursive: true });
  const buildId = JSON.parse(fs.readFileSync(path.join(dir, 'precache.json'), 'utf8')).buildId;
  const server = await serveStatic({ dir, port: 0, host: '127.0.0.1' });
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    buildId,
    close: () => {
      server.closeAllConnections();
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Builds dist/ of another commit (`--base REF`: "before" in a before/after run) in a temporary git worktree that
 * uses this checkout's node_modules, and serves a copy of it like serveDistSnapshot.
 */
export async function serveDistAtRef(ref) {
  const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'tincan-bench-ref-'));
  execFileSync('git', ['worktree', 'add', '--detach', tree, ref], { stdio: 'ignore' });
  try {
    fs.symlinkSync(path.resolve('node_modules'), path.join(tree, 'node_modules'));
    execFileSync(process.execPath, ['build.mjs'], { cwd: tree, stdio: 'ignore' });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tincan-bench-dist-'));
    fs.cpSync(path.join(tree, 'dist'), dir, { recursive: true });
    const server = await serveStatic({ dir, port: 0, host: '127.0.0.1' });
    return {
      url: `http://127.0.0.1:${server.address().port}/`,
      ref: execFileSync('git', ['rev-parse', '--short', ref], { encoding: 'utf8' }).trim(),
      close: () => {
        server.closeAllConnections();
        server.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } finally {
    execFileSync('git', ['worktree', 'remove', '--force', tree], { stdio: 'ignore' });
  }
}

/** Peer `k` for Alice: a Chromium page of `url` in its own context of `browser`, past the profile screen. */
export async function openPeer(browser, url, k) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(url);
  const person = { kind: 'chromium', browser, page, errors, name: `Peer ${k}`, passphrase: 'correct horse battery staple 42' };
  await enterApp(page, person);
  return person;
}

/**
 * Builds bench/chat-app-page.ts (the app over in-memory records, or `?storage=indexeddb`) with build.mjs's own
 * esbuild options, into its own folder with public/ and an index.html like dist/'s, and serves it on another port
 * (another origin: its own storage and tab lock). `keepNames`: identifiers not minified, for readable CPU profiles.
 */
export async function serveBenchApp({ keepNames = false } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tincan-bench-app-'));
  fs.cpSync('public', dir, { recursive: true });
  await esbuild.build({
    entryPoints: ['bench/chat-app-page.ts'],
    bundle: true,
    format: 'esm',
    target: ['chrome109', 'firefox115', 'safari16'],
    minifyWhitespace: true,
    minifySyntax: true,
    minifyIdentifiers: !keepNames,
    outfile: path.join(dir, 'bench-app.js'),
    logLevel: 'warning',
    define: { __TC_QR_WORKER_URL__: '"./none.js"', __TC_FILE_SINK_WORKER_URL__: '"./file-sink-worker.js"' },
  });
  // The app makes its file sinks (OPFS, through this worker) when a profile opens; no scanner, and Argon2id runs in
  // the page (chat-app-page.ts sets no worker hasher: unlock is not on the message path).
  await esbuild.build({
    entryPoints: ['src/platform/file-sink-worker.ts'],
    bundle: true,
    format: 'iife',
    target: ['chrome109', 'firefox115', 'safari16'],
    minify: true,
    outfile: path.join(dir, 'file-sink-worker.js'),
    logLevel: 'warning',
  });
  const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
  fs.writeFileSync(path.join(dir, 'index.html'), html.replaceAll('__APP_JS__', './bench-app.js').replaceAll('__KDF_WORKER_JS__', ''));
  const server = await serveStatic({ dir, port: 0, host: '127.0.0.1' });
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () => {
      server.closeAllConnections();
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---- memory ----

/** Every process under `rootPid` (the browser and its renderers, GPU and utility processes). */
export function processTree(rootPid) {
  const children = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out = [];
  const walk = (pid) => {
    out.push(pid);
    for (const child of children.get(pid) ?? []) walk(child);
  };
  walk(rootPid);
  return out;
}

/** Resident memory of these processes, bytes. */
export function rssBytes(pids) {
  let total = 0;
  for (const pid of pids) {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (match) total += Number(match[1]) * 1024;
    } catch {
      // gone
    }
  }
  return total;
}

/** CPU time (user + system) these processes and their reaped children have used so far, ms. */
export function cpuMs(pids) {
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  let total = 0;
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime + stime, and cutime + cstime: the time of its children that exited and were reaped, so a process that
      // ends in the window (a call's capture or codec process) does not take its time out of the sum.
      total += (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * tick;
    } catch {
      // gone
    }
  }
  return total;
}

/** Chromium only: JS heap used after a full garbage collection, and the renderer's live DOM node count. */
export async function heapAndNodes(page) {
  const cdp = await page.createCDPSession();
  try {
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    const counters = await cdp.send('Memory.getDOMCounters');
    return { heapBytes: heap.usedSize, nodes: counters.nodes, listeners: counters.jsEventListeners };
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}

/** Every node of the composed tree (document and open shadow roots), counted in the page. */
export function composedNodeCount() {
  const count = (root) => {
    let n = 0;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ALL);
    for (let node = walker.currentNode; node; node = walker.nextNode()) {
      n++;
      if (node.shadowRoot) n += count(node.shadowRoot);
    }
    return n;
  };
  return count(document);
}

export const mib = (bytes) => (Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : 'n/a');
