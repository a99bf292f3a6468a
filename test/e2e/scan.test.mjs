// Scanning QR codes with Chromium's fake camera (docs/lab.md §4: a Y4M file, made by ./qr-video.mjs, shown as a
// 640x480 camera). Chromium opens the file each time capture starts, so a test can rewrite it between two scans in
// one browser. Part 1 drives <tc-qr-scanner> on its own test page (test/fixtures/scanner/); part 2 drives the app.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import QRCode from 'qrcode';
import { serveStatic } from '../../scripts/serve.mjs';
import { buildScannerFixture } from '../fixtures/scanner/build.mjs';
import { launchBrowser } from './browsers.mjs';
import { writeQrVideo } from './qr-video.mjs';
import { aria, click, openPairing, openPerson, readCode, sendMessage, startServer, waitForAlert, waitForConnected, waitForText } from './helpers.mjs';
import { inPage } from './page-probe.mjs';

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tincan-scan-'));
after(() => fs.rmSync(workDir, { recursive: true, force: true }));

function fakeCameraArgs(file) {
  return ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${file}`];
}

async function writeQrPicture(file, text) {
  await QRCode.toFile(file, text, { type: 'png', errorCorrectionLevel: 'M', margin: 4, scale: 6 });
}

/** Chooses `file` through the "Scan from image" button's file picker, as a person does. */
async function scanPictureFile(page, file) {
  const [chooser] = await Promise.all([page.waitForFileChooser({ timeout: 10_000 }), click(page, 'button', 'Scan from image')]);
  assert.deepEqual(chooser.isMultiple(), false);
  await chooser.accept([file]);
}

describe('<tc-qr-scanner> on its own page', () => {
  let server;
  let url;
  before(async () => {
    const site = path.join(workDir, 'fixture');
    await buildScannerFixture(site);
    server = await serveStatic({ dir: site, port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${server.address().port}/`;
  });
  after(() => new Promise((resolve) => server?.close(resolve)));

  async function openFixture(browser) {
    const page = (await browser.pages())[0] ?? (await browser.newPage());
    const requested = [];
    const errors = [];
    page.on('request', (request) => requested.push(new URL(request.url()).pathname));
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(url);
    await page.waitForSelector(aria('button', 'Scan QR code'));
    return { page, requested, errors };
  }

  const scannedCode = (page) => page.$eval('textarea', (el) => el.value);

  it('reads a Tincan link from the camera, stops the camera, and loads jsQR only then', { timeout: 60_000 }, async () => {
    const video = path.join(workDir, 'fixture-camera.y4m');
    const link = 'https://example.org/tincan/#0TINCAN0CODE0FOR0TEST0';
    writeQrVideo(video, link);
    const browser = await launchBrowser('chromium', { args: fakeCameraArgs(video) });
    try {
      const { page, requested, errors } = await openFixture(browser);
      assert.ok(!requested.some((p) => p.includes('qr-worker')), 'the QR worker loads before any scan');
      await click(page, 'button', 'Scan QR code');
      await page.waitForSelector(aria('Video', 'Camera preview'), { timeout: 10_000 });
      await page.waitForFunction(() => document.querySelector('textarea').value !== '', { timeout: 15_000 });
      assert.equal(await scannedCode(page), link);
      assert.ok(requested.some((p) => p.includes('qr-worker')), 'the QR worker was loaded for the scan');
      // The camera is off again: no live track, the preview is gone, the button is back.
      await page.waitForSelector(aria('button', 'Scan QR code'));
      const liveTracks = await page.$eval('tc-qr-scanner', (el) => {
        const stream = el.shadowRoot.querySelector('video').srcObject;
        return stream ? stream.getTracks().filter((t) => t.readyState === 'live').length : 0;
      });
      assert.equal(liveTracks, 0);
      assert.equal(await page.$(aria('Video', 'Camera preview')), null);

      // A second scan in the same page reads whatever the camera shows now.
      const second = '1SECOND1CODE1';
      writeQrVideo(video, second);
      await page.$eval('textarea', (el) => (el.value = ''));
      await click(page, 'button', 'Scan QR code');
      await page.waitForFunction(() => document.querySelector('textarea').value !== '', { timeout: 15_000 });
      assert.equal(await scannedCode(page), second);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });

  it('says so when the camera shows a QR code that is not a Tincan code, and keeps looking', { timeout: 60_000 }, async () => {
    const video = path.join(workDir, 'fixture-menu.y4m');
    writeQrVideo(video, 'https://example.com/menu?table=4');
    const browser = await launchBrowser('chromium', { args: fakeCameraArgs(video) });
    try {
      const { page } = await openFixture(browser);
      await click(page, 'button', 'Scan QR code');
      assert.match(await waitForAlert(page), /No Tincan code/);
      assert.equal(await scannedCode(page), '');
      // Still scanning until the person stops it.
      await click(page, 'button', 'Stop scanning');
      await page.waitForSelector(aria('button', 'Scan QR code'));
    } finally {
      await browser.close();
    }
  });

  it('reads a code from a picture, and refuses a picture without a Tincan code', { timeout: 60_000 }, async () => {
    const tincanPicture = path.join(workDir, 'tincan.png');
    const otherPicture = path.join(workDir, 'other.png');
    const notAPicture = path.join(workDir, 'notes.png');
    await writeQrPicture(tincanPicture, 'http://127.0.0.1:8080/#2PICTURE2CODE2');
    await writeQrPicture(otherPicture, 'WIFI:S:home;T:WPA;P:secret;;');
    fs.writeFileSync(notAPicture, 'not a picture at all');
    const browser = await launchBrowser('chromium');
    try {
      const { page, errors } = await openFixture(browser);
      await scanPictureFile(page, tincanPicture);
      await page.waitForFunction(() => document.querySelector('textarea').value !== '', { timeout: 15_000 });
      assert.equal(await scannedCode(page), 'http://127.0.0.1:8080/#2PICTURE2CODE2');
      for (const file of [otherPicture, notAPicture]) {
        await page.$eval('[role=alert]', (el) => (el.textContent = ''));
        await scanPictureFile(page, file);
        assert.match(await waitForAlert(page), /No Tincan code/, file);
      }
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });

  it('explains a missing or refused camera', { timeout: 60_000 }, async () => {
    // Headless Chromium without the fake-device flags has no camera to give.
    const browser = await launchBrowser('chromium');
    try {
      const { page } = await openFixture(browser);
      await click(page, 'button', 'Scan QR code');
      assert.match(await waitForAlert(page), /No camera was found|Camera access was denied/);
      await page.waitForSelector(aria('button', 'Scan QR code'));
    } finally {
      await browser.close();
    }
  });
});

describe('scanning in the app', () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(() => server?.close());


  it('pairs two phones by scanning each other\'s QR codes, then they chat', { timeout: 120_000 }, async () => {
    const aliceCamera = path.join(workDir, 'alice.y4m');
    const bobCamera = path.join(workDir, 'bob.y4m');
    // Chromium opens the file when capture starts, so Alice's camera file only needs to exist at launch.
    writeQrVideo(aliceCamera, 'PLACEHOLDER');
    const alice = await openPerson('chromium', server.url, { args: fakeCameraArgs(aliceCamera) });
    let bob;
    try {
      await click(alice.page, 'button', 'New invite');
      await readCode(alice.page, 'Invite code');
      // What Alice's QR code shows: the invite link.
      const link = await alice.page.$eval(
        'tc-tincan-shell',
        inPage((probe, app) => {
          const card = probe.find((el) => el.localName === 'tc-code-card' && el.kind === 'invite', app.shadowRoot);
          return card ? card.link || card.code : '';
        }),
      );
      assert.match(link, /#[0-9A-Z]+$/);
      writeQrVideo(bobCamera, link);
      bob = await openPerson('chromium', server.url, { args: fakeCameraArgs(bobCamera) });
      await openPairing(bob.page);
      await click(bob.page, 'button', 'Scan QR code');
      const answer = await readCode(bob.page, 'Answer code');
      writeQrVideo(aliceCamera, answer);
      await click(alice.page, 'button', 'Scan QR code');
      await waitForConnected(alice.page);
      await waitForConnected(bob.page);
      await sendMessage(alice.page, 'Scanned you!');
      await waitForText(bob.page, 'log', 'Messages', 'Scanned you!');
      await sendMessage(bob.page, 'Likewise');
      await waitForText(alice.page, 'log', 'Messages', 'Likewise');
      assert.deepEqual([...alice.errors, ...bob.errors], []);
    } finally {
      await alice.close();
      await bob?.close();
    }
  });

  it('shows an alert for a picture without a Tincan code and for a missing camera; pasting still works', { timeout: 90_000 }, async () => {
    const picture = path.join(workDir, 'app-other.png');
    await writeQrPicture(picture, 'https://example.com/not-tincan');
    const person = await openPerson('chromium', server.url);
    try {
      await openPairing(person.page);
      await scanPictureFile(person.page, picture);
      assert.match(await waitForAlert(person.page), /No Tincan code/);
      await click(person.page, 'button', 'Dismiss');
      await click(person.page, 'button', 'Scan QR code');
      assert.match(await waitForAlert(person.page), /No camera was found|Camera access was denied/);
      await person.page.waitForSelector(aria('textbox', 'Paste a code'), { visible: true });
      await person.page.waitForSelector(aria('button', 'Connect'), { visible: true });
    } finally {
      await person.close();
    }
  });
});
