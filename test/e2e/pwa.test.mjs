// Installable and offline, served under a sub-path as GitHub Pages does (/tincan/): the manifest and its
// icons load, the service worker takes the sub-path as its scope, the app opens with the network off, and a
// new deploy waits for the person's "Reload" instead of taking over by itself.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serveStatic } from '../../scripts/serve.mjs';
import { aria, click, enterApp, openPerson, startServer } from './helpers.mjs';

// Until main.ts calls registerServiceWorker() (and the shell shows the update notice), those parts are skipped.

/** Waits until the page's service worker is activated and controls the page; returns its scope. */
async function waitForServiceWorker(page) {
  await page.waitForFunction(
    async () => {
      const registration = await navigator.serviceWorker.getRegistration();
      return registration?.active?.state === 'activated' && navigator.serviceWorker.controller !== null;
    },
    { timeout: 30_000, polling: 200 },
  );
  return page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).scope);
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes) {
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  const view = Buffer.from(bytes);
  return `${view.readUInt32BE(16)}x${view.readUInt32BE(20)}`;
}

describe('installable app under /tincan/', () => {
  let server;
  before(async () => {
    server = await startServer({ base: '/tincan/' });
  });
  after(() => server?.close());

  it('loads its manifest and icons from the sub-path', { timeout: 60_000 }, async () => {
    const person = await openPerson('chromium', server.url);
    try {
      const manifestUrl = await person.page.$eval('link[rel=manifest]', (link) => link.href);
      assert.ok(manifestUrl.startsWith(server.url), manifestUrl);
      const response = await fetch(manifestUrl);
      assert.equal(response.status, 200);
      const manifest = await response.json();
      assert.equal(manifest.name, 'Tincan');
      assert.equal(manifest.start_url, './');
      assert.equal(manifest.scope, './');
      assert.equal(manifest.display, 'standalone');
      assert.match(manifest.theme_color, /^#[0-9a-f]{6}$/i);
      assert.match(manifest.background_color, /^#[0-9a-f]{6}$/i);
      const pngs = manifest.icons.filter((icon) => icon.type === 'image/png');
      for (const [sizes, purpose] of [['192x192', 'any'], ['512x512', 'any'], ['512x512', 'maskable']]) {
        assert.ok(pngs.some((icon) => icon.sizes === sizes && icon.purpose === purpose), `${sizes} ${purpose} icon`);
      }
      for (const icon of pngs) {
        const iconResponse = await fetch(new URL(icon.src, manifestUrl));
        assert.equal(iconResponse.status, 200, icon.src);
        assert.equal(pngSize(new Uint8Array(await iconResponse.arrayBuffer())), icon.sizes, icon.src);
      }
      assert.deepEqual(person.errors, []);
    } finally {
      await person.close();
    }
  });

  it('opens offline once the service worker is active', { timeout: 90_000 }, async () => {
    // Its own server, so it can be shut down: the page's offline mode does not reach the service worker's
    // own fetches, so only a server that is gone proves that nothing came from the network.
    const ownServer = await startServer({ base: '/tincan/' });
    const person = await openPerson('chromium', ownServer.url);
    try {
      const scope = await waitForServiceWorker(person.page);
      assert.ok(scope.endsWith('/tincan/'), scope);
      await person.page.setOfflineMode(true);
      await ownServer.close();
      await person.page.reload();
      await enterApp(person.page, person);
      // The server really is gone: a file outside the precache cannot be fetched.
      const uncached = await person.page.evaluate(() => fetch('precache.json').then(() => 'fetched', () => 'failed'));
      assert.equal(uncached, 'failed');
      // A Tincan link opened offline also gets the app (the code is in the fragment, never requested).
      await person.page.goto(`${ownServer.url}#0CODE0`);
      await enterApp(person.page, person);
      assert.deepEqual(person.errors, []);
    } finally {
      await person.close();
      await ownServer.close();
    }
  });
});

describe('a new deploy', () => {
  let site;
  let server;
  let url;
  before(async () => {
    site = fs.mkdtempSync(path.join(os.tmpdir(), 'tincan-deploy-'));
    fs.cpSync('dist', site, { recursive: true });
    server = await serveStatic({ dir: site, port: 0, host: '127.0.0.1', base: '/tincan/' });
    url = `http://127.0.0.1:${server.address().port}/tincan/`;
  });
  after(async () => {
    await new Promise((resolve) => server?.close(resolve));
    fs.rmSync(site, { recursive: true, force: true });
  });

  it('waits for the person to reload, then replaces the old version and its cache', { timeout: 90_000 }, async () => {
    const person = await openPerson('chromium', url);
    try {
      await waitForServiceWorker(person.page);
      const oldCaches = await person.page.evaluate(() => caches.keys());
      assert.equal(oldCaches.length, 1);

      // "Deploy" a new version: another stylesheet and so another build id in sw.js.
      const { buildId } = JSON.parse(fs.readFileSync(path.join(site, 'precache.json'), 'utf8'));
      fs.appendFileSync(path.join(site, 'app.css'), '\n/* next version */\n');
      const sw = fs.readFileSync(path.join(site, 'sw.js'), 'utf8');
      assert.ok(sw.includes(buildId), 'sw.js carries the build id');
      fs.writeFileSync(path.join(site, 'sw.js'), sw.replaceAll(buildId, 'nextversion00000'));

      await person.page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());
      await person.page.waitForFunction(async () => (await navigator.serviceWorker.getRegistration()).waiting !== null, { timeout: 30_000 });
      // Installed, but not in charge: the old worker still controls the page, and still after a moment.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const before = await person.page.evaluate(async () => {
        const registration = await navigator.serviceWorker.getRegistration();
        return { waiting: registration.waiting?.state, activeIsController: registration.active === null ? false : navigator.serviceWorker.controller.scriptURL === registration.active.scriptURL };
      });
      assert.deepEqual(before, { waiting: 'installed', activeIsController: true });

      const reloaded = person.page.waitForNavigation({ timeout: 30_000 });
      // The shell offers the update; nothing happens until the person presses "Reload".
      await person.page.waitForSelector(aria('button', 'Reload'), { visible: true, timeout: 10_000 });
      await click(person.page, 'button', 'Reload');
      await reloaded;
      await enterApp(person.page, person);
      await person.page.waitForFunction(async () => (await caches.keys()).join() === 'tincan-nextversion00000', { timeout: 10_000 });
      const css = await person.page.evaluate(async () => (await fetch('app.css')).text());
      assert.ok(css.includes('next version'));
    } finally {
      await person.close();
    }
  });
});
