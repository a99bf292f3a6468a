// Download size and first render of the built page (dist/), against the budget of 250 KB gzip for the first
// load. Run inside the private network namespace:
//
//   npm run build && bash scripts/in-netns.sh node bench/size.mjs
//
// Prints:
//   - every file in dist/ (source maps and licence files aside) with its raw and gzip size (level 9);
//   - the initial download: the files headless Chromium actually requested from a cold cache until the
//     first screen's button showed and the network went quiet (the service worker's precaching runs in its
//     own context and is not counted); jsQR's worker must not be among them;
//   - first render: navigation start to the first screen's button visible, median of 5 cold loads (fresh browser
//     context each), and of 5 warm loads (same context: HTTP cache and service worker).
// Exits with 1 if the initial download is over budget or loads jsQR.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { serveStatic } from '../scripts/serve.mjs';
import { launchBrowser } from '../test/e2e/browsers.mjs';

const dist = 'dist';
const initialBudgetBytes = 250 * 1024;
const runs = 5;
/** Strings found only in jsQR's code (its error text and an option it reads), to prove it stayed out. */
const jsqrMarkers = ['Invalid module size', 'onlyInvert'];

const gzipBytes = (bytes) => zlib.gzipSync(bytes, { level: 9 }).length;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const files = fs.readdirSync(dist, { recursive: true })
  .map((file) => file.split(path.sep).join('/'))
  .filter((file) => fs.statSync(path.join(dist, file)).isFile() && !file.endsWith('.map') && !file.endsWith('LEGAL.txt'))
  .sort();
const sizes = new Map(files.map((file) => {
  const bytes = fs.readFileSync(path.join(dist, file));
  return [file, { raw: bytes.length, gzip: gzipBytes(bytes), hasJsqr: jsqrMarkers.some((m) => bytes.includes(m)) }];
}));

console.log('file'.padEnd(40), 'raw'.padStart(10), 'gzip'.padStart(10));
for (const [file, size] of sizes) console.log(file.padEnd(40), kb(size.raw).padStart(10), kb(size.gzip).padStart(10), size.hasJsqr ? ' (jsQR)' : '');

/** Installed in every document before its scripts: notes when the first screen's main button ("Create profile"
 * on a new device, "Unlock" or "New invite" later) first has a box on screen. */
function watchFirstRender() {
  const find = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.localName === 'button' && ['New invite', 'Create profile', 'Unlock'].includes(el.textContent.trim())) return el;
      const inner = el.shadowRoot && find(el.shadowRoot);
      if (inner) return inner;
    }
    return null;
  };
  const check = () => {
    const button = find(document);
    const box = button?.getBoundingClientRect();
    if (box && box.width > 0 && box.height > 0) window.__tcFirstRenderMs = performance.now();
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
}

async function loadOnce(context, url, requested) {
  const page = await context.newPage();
  await page.evaluateOnNewDocument(watchFirstRender);
  page.on('request', (request) => requested?.push(request.url()));
  await page.goto(url);
  await page.waitForFunction(() => window.__tcFirstRenderMs !== undefined, { timeout: 30_000, polling: 50 });
  const firstRenderMs = await page.evaluate(() => window.__tcFirstRenderMs);
  if (requested) await page.waitForNetworkIdle({ idleTime: 500, timeout: 30_000 });
  await page.close();
  return firstRenderMs;
}

const server = await serveStatic({ dir: dist, port: 0, host: '127.0.0.1' });
const url = `http://127.0.0.1:${server.address().port}/`;
const browser = await launchBrowser('chromium');
let failed = false;
try {
  // Initial download, cold.
  const requested = [];
  const context = await browser.createBrowserContext();
  await loadOnce(context, url, requested);
  await context.close();
  const initial = [...new Set(requested.map((u) => new URL(u).pathname.slice(1) || 'index.html'))];
  let initialGzip = 0;
  console.log('\ninitial download (cold load):');
  for (const file of initial) {
    const size = sizes.get(file);
    if (!size) {
      console.log(`  ${file.padEnd(38)} (not in dist/: ${file === 'favicon.ico' ? 'browser default request' : '404'})`);
      continue;
    }
    initialGzip += size.gzip;
    console.log(`  ${file.padEnd(38)} ${kb(size.gzip).padStart(10)}${size.hasJsqr ? '  <- jsQR!' : ''}`);
  }
  const loadsJsqr = initial.some((file) => sizes.get(file)?.hasJsqr || file.includes('qr-worker'));
  console.log(`  ${'total'.padEnd(38)} ${kb(initialGzip).padStart(10)}  (budget ${kb(initialBudgetBytes)}) ${initialGzip <= initialBudgetBytes ? 'ok' : 'OVER BUDGET'}`);
  console.log(`  jsQR in the initial download: ${loadsJsqr ? 'YES (must load only when a scan starts)' : 'no'}`);
  failed = initialGzip > initialBudgetBytes || loadsJsqr;

  // First render: cold (fresh context each) and warm (second load in one context).
  const cold = [];
  const warm = [];
  for (let i = 0; i < runs; i++) {
    const fresh = await browser.createBrowserContext();
    cold.push(await loadOnce(fresh, url));
    warm.push(await loadOnce(fresh, url));
    await fresh.close();
  }
  const list = (values) => values.map((v) => v.toFixed(0)).join(', ');
  console.log(`\nfirst render (first screen's button visible), ms since navigation start:`);
  console.log(`  cold: median ${median(cold).toFixed(0)}  (${list(cold)})`);
  console.log(`  warm: median ${median(warm).toFixed(0)}  (${list(warm)})`);
} finally {
  await browser.close();
  server.close();
}
process.exitCode = failed ? 1 : 0;
