// Vault and store timings in real browsers (Chromium and Firefox): Argon2id at the chosen limits with libsodium's
// "interactive" (and optionally "moderate") limits as same-run baselines, safety-number cost, record sealing
// throughput; then the store over IndexedDB: bytes written and ms per single append (one record per message),
// messages stored per second in batches of 1 / 50 / 300, and on a 10,000-message conversation: storage bytes per
// 1,000 messages, unlock, reads (cold after a reopen, and warm), duplicate detection of the oldest message, and ack
// resolution (256 ids, half unknown) with the flush that follows.
//
//   bash scripts/in-netns.sh node bench/vault-bench.mjs [--moderate] [--messages=10000] [--chromium-only]
//
// The measuring code is test/unit/store/perf-measure.ts (also run, and logged, by the unit tests); here it is
// bundled with esbuild and served from 127.0.0.1, since IndexedDB needs a real origin.
import * as esbuild from 'esbuild';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from '../test/e2e/browsers.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const includeModerate = process.argv.includes('--moderate');
const messages = Number(process.argv.find((a) => a.startsWith('--messages='))?.split('=')[1] ?? 10_000);
const kinds = process.argv.includes('--chromium-only') ? ['chromium'] : ['chromium', 'firefox'];

const bundle = await esbuild.build({
  stdin: {
    contents: `
      import { formatFigures, measureCrypto, measureKdf, measureSingleAppends, measureStore, measureThroughput } from './test/unit/store/perf-measure';
      window.runBench = async (includeModerate, messages) => formatFigures([
        ...(await measureKdf(3, includeModerate)), ...(await measureCrypto()),
        ...(await measureSingleAppends(400)), ...(await measureThroughput([1, 50, 300], 1200)),
        ...(await measureStore(messages)),
      ]);`,
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  format: 'esm',
  platform: 'browser',
  write: false,
  logLevel: 'warning',
});
const script = bundle.outputFiles[0].text;

const server = http.createServer((request, response) => {
  if (request.url === '/bench.js') {
    response.writeHead(200, { 'content-type': 'text/javascript' });
    response.end(script);
  } else {
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end('<!doctype html><meta charset="utf-8"><title>vault bench</title><script type="module" src="/bench.js"></script>');
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/`;

try {
  for (const kind of kinds) {
    const browser = await launchBrowser(kind);
    try {
      const page = await browser.newPage();
      await page.goto(url);
      await page.waitForFunction(() => typeof window.runBench === 'function');
      const report = await page.evaluate((m, n) => window.runBench(m, n), includeModerate, messages);
      console.log(`\n${kind} ${await browser.version()}\n${report}`);
    } finally {
      await browser.close();
    }
  }
} finally {
  server.close();
}
