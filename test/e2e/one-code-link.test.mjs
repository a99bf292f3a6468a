// One-code reconnect at the connection layer (PeerLink, no UI) between real Chromium and Firefox, and the DTLS
// certificate across a real reload and browser restarts in both: the page is test/fixtures/net (window.tincanNet).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import puppeteer from 'puppeteer-core';
import { chromiumArgs } from './browsers.mjs';
import { openNetDevice, serveNetFixture } from '../fixtures/net/build.mjs';

let page;
before(async () => (page = await serveNetFixture()));
after(() => page.close());

const openDevice = (kind) => openNetDevice(kind, page.url);

const status = (device) => device.tab.evaluate(() => window.tincanNet.status());

async function waitConnected(device) {
  await device.tab.waitForFunction(() => window.tincanNet.status().then((s) => s.state === 'connected' || !!s.ended), { timeout: 30_000, polling: 100 });
  const s = await status(device);
  assert.equal(s.state, 'connected', `ended: ${JSON.stringify(s.ended)}`);
}

async function exchangeMessages(inviter, invitee) {
  await inviter.tab.evaluate(() => window.tincanNet.send('from the inviter'));
  await invitee.tab.evaluate(() => window.tincanNet.send('from the invitee'));
  await inviter.tab.waitForFunction(() => window.tincanNet.status().then((s) => s.received.includes('from the invitee')), { timeout: 10_000 });
  await invitee.tab.waitForFunction(() => window.tincanNet.status().then((s) => s.received.includes('from the inviter')), { timeout: 10_000 });
}

/** The inviter makes a reconnect code for the invitee's pinned certificate; the invitee opens it after `delayMs`. */
async function oneCode(inviterKind, inviteeKind, delayMs) {
  const inviter = await openDevice(inviterKind);
  const invitee = await openDevice(inviteeKind);
  try {
    const code = await inviter.tab.evaluate((fp) => window.tincanNet.reconnect(fp), invitee.fingerprint);
    assert.equal((await status(inviter)).state, 'waiting-for-peer');
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    await invitee.tab.evaluate((text) => window.tincanNet.answer(text), code); // its answer code is never sent
    await waitConnected(inviter);
    await waitConnected(invitee);
    assert.equal((await status(inviter)).path?.remote, 'prflx', 'the inviter learned the invitee from its checks');
    await exchangeMessages(inviter, invitee);
  } finally {
    await inviter.browser.close();
    await invitee.browser.close();
  }
}

describe('one-code reconnect between browsers (PeerLink)', () => {
  it('Chromium inviter, Firefox invitee: connects with no answer code sent back', () => oneCode('chromium', 'firefox', 1000));

  // Gecko's ICE fails 5 s after a remote description with no candidates unless placeholders hold it.
  it('Firefox inviter, Chromium invitee opening the code 8 s later: connects (placeholder candidates)', () => oneCode('firefox', 'chromium', 8000));
});

describe('the DTLS certificate across a reload', () => {
  for (const kind of ['chromium', 'firefox']) {
    it(`${kind}: same fingerprint after a reload`, async () => {
      const device = await openDevice(kind);
      try {
        await device.tab.reload();
        await device.tab.waitForFunction(() => !!window.tincanNet);
        assert.equal(await device.tab.evaluate(() => window.tincanNet.certificate()), device.fingerprint);
      } finally {
        await device.browser.close();
      }
    });
  }
});

/** The browser on a profile that outlives it (browsers.mjs makes a fresh one per launch). */
function launchOnProfile(kind, profile) {
  return kind === 'firefox'
    ? puppeteer.launch({ browser: 'firefox', executablePath: '/usr/bin/firefox-esr', headless: true, userDataDir: profile })
    : puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true, pipe: true, args: [...chromiumArgs, `--user-data-dir=${profile}`] });
}

describe('the DTLS certificate across browser restarts', () => {
  // Firefox's first document after a restart may not read a stored RTCCertificate back (docs/one-code-reconnect.md §2).
  for (const kind of ['chromium', 'firefox']) {
    it(`${kind}: same fingerprint after three restarts`, async () => {
      const profile = fs.mkdtempSync(path.join(os.tmpdir(), `tincan-restart-${kind}-`));
      try {
        const fingerprints = [];
        for (let launch = 0; launch < 4; launch++) {
          const browser = await launchOnProfile(kind, profile);
          try {
            const tab = (await browser.pages())[0] ?? (await browser.newPage());
            await tab.goto(page.url);
            await tab.waitForFunction(() => !!window.tincanNet);
            fingerprints.push(await tab.evaluate(() => window.tincanNet.certificate()));
          } finally {
            await browser.close();
          }
        }
        assert.deepEqual(new Set(fingerprints).size, 1, fingerprints.join(' '));
      } finally {
        fs.rmSync(profile, { recursive: true, force: true });
      }
    });
  }
});
