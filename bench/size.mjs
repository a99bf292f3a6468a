// Download size and first render of the built page (dist/), against the budget of 250 KB gzip for the first
// load. Run inside the private network namespace:
//
//   npm run build && bash scripts/in-netns.sh node bench/size.mjs
//
// Prints:
//   - every file in dist/ (source maps and licence files aside) with its raw and gzip size (level 9, each file on its
//     own: what a server that compresses each response sends);
//   - the downloads of a first visit, from a cold cache, in three steps through the welcome screen: the first screen
//     (until its button "Create profile" shows and the network is quiet), then the profile made (name, passphrase
//     twice, "Same network only", "Create profile", until "New invite" shows), then the first invite (until its code
//     is shown); the service worker's precaching runs in its own context and is not counted; jsQR's worker must not
//     be among them. The budget applies to the first screen.
//   - first render: navigation start to the first screen's button visible, median of 5 cold loads (fresh browser
//     context each), and of 5 warm loads (same context: HTTP cache and service worker).
// Exits with 1 if the first screen's download is over budget or loads jsQR.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { serveStatic } from '../scripts/serve.mjs';
import { launchBrowser } from '../test/e2e/browsers.mjs';
import { chooseReach, click, fill, locate, readCode } from '../test/e2e/helpers.mjs';
import { inPage } from '../test/e2e/page-probe.mjs';
import { benchBrowserOptions } from './lib.mjs';

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
const watchFirstRender = inPage((probe) => {
  const check = () => {
    const button = probe.find((el) => el.localName === 'button' && ['New invite', 'Create profile', 'Unlock'].includes(el.textContent.trim()));
    const box = button?.getBoundingClientRect();
    if (box && box.width > 0 && box.height > 0) window.__tcFirstRenderMs = performance.now();
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
});

async function loadOnce(context, url) {
  const page = await context.newPage();
  await page.evaluateOnNewDocument(watchFirstRender);
  await page.goto(url);
  await page.waitForFunction(() => window.__tcFirstRenderMs !== undefined, { timeout: 30_000, polling: 50 });
  const firstRenderMs = await page.evaluate(() => window.__tcFirstRenderMs);
  await page.close();
  return firstRenderMs;
}

const server = await serveStatic({ dir: dist, port: 0, host: '127.0.0.1' });
const url = `http://127.0.0.1:${server.address().port}/`;
const browser = await launchBrowser('chromium', benchBrowserOptions('chromium'));
let failed = false;
const steps = [];
try {
  // A first visit, cold, through the welcome screen.
  const requested = [];
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.evaluateOnNewDocument(watchFirstRender);
  page.on('request', (request) => requested.push(request.url()));
  const take = async (name) => {
    await page.waitForNetworkIdle({ idleTime: 500, timeout: 30_000 });
    const files = [...new Set(requested.splice(0).map((u) => new URL(u).pathname.slice(1) || 'index.html'))];
    steps.push({ name, files: files.filter((file) => !steps.some((step) => step.files.includes(file))) });
  };
  await page.goto(url);
  await page.waitForFunction(() => window.__tcFirstRenderMs !== undefined, { timeout: 30_000, polling: 50 });
  await take('first screen (welcome: "Create profile")');
  await fill(page, 'textbox', 'Your name', 'Size');
  await fill(page, 'textbox', 'Passphrase', 'correct horse battery staple 42');
  await fill(page, 'textbox', 'Repeat passphrase', 'correct horse battery staple 42');
  await chooseReach(page, 'local');
  await click(page, 'button', 'Create profile');
  await locate(page, 'button', 'New invite', { timeout: 60_000 });
  await take('profile made (main screen: "New invite")');
  await click(page, 'button', 'New invite');
  await readCode(page, 'Invite code');
  await take('first invite shown (code, QR)');
  await context.close();

  let total = 0;
  for (const [i, step] of steps.entries()) {
    let stepGzip = 0;
    console.log(`\n${i === 0 ? 'initial download' : 'then'}: ${step.name}`);
    for (const file of step.files) {
      const size = sizes.get(file);
      if (!size) {
        console.log(`  ${file.padEnd(38)} (not in dist/: ${file === 'favicon.ico' ? 'browser default request' : '404'})`);
        continue;
      }
      stepGzip += size.gzip;
      console.log(`  ${file.padEnd(38)} ${kb(size.gzip).padStart(10)}${size.hasJsqr ? '  <- jsQR!' : ''}`);
    }
    total += stepGzip;
    const verdict = i === 0 ? `  (budget ${kb(initialBudgetBytes)}) ${stepGzip <= initialBudgetBytes ? 'ok' : `OVER BUDGET by ${kb(stepGzip - initialBudgetBytes)}`}` : '';
    console.log(`  ${'this step'.padEnd(38)} ${kb(stepGzip).padStart(10)}${verdict}`);
    console.log(`  ${'so far'.padEnd(38)} ${kb(total).padStart(10)}`);
    if (i === 0) failed = stepGzip > initialBudgetBytes;
  }
  const all = steps.flatMap((step) => step.files);
  const loadsJsqr = all.some((file) => sizes.get(file)?.hasJsqr || file.includes('qr-worker'));
  console.log(`  jsQR downloaded: ${loadsJsqr ? 'YES (must load only when a scan starts)' : 'no'}`);
  failed ||= loadsJsqr;

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
