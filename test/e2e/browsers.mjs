// Launching real browsers for the end-to-end tests: Chromium and Firefox through puppeteer-core, each with a
// fresh profile. Every test process runs inside the private network namespace made by scripts/in-netns.sh.
import puppeteer from 'puppeteer-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const chromiumArgs = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Fake camera and microphone, no permission prompt (calls): Chromium's flags and Firefox's prefs. */
const fakeMediaArgs = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'];
const fakeMediaPrefs = { 'media.navigator.streams.fake': true, 'media.autoplay.default': 0, 'media.autoplay.block-webaudio': false };

/**
 * @param {'chromium'|'firefox'} kind
 * @param {{ args?: string[], prefs?: Record<string, unknown>, fakeMedia?: boolean }} [options]
 */
export async function launchBrowser(kind, options = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), `tincan-${kind}-`));
  const browser = kind === 'firefox'
    ? await puppeteer.launch({
        browser: 'firefox',
        executablePath: '/usr/bin/firefox-esr',
        headless: true,
        userDataDir: profile,
        extraPrefsFirefox: {
          'media.navigator.permission.disabled': true,
          'dom.events.asyncClipboard.readText': true,
          ...(options.fakeMedia ? fakeMediaPrefs : {}),
          ...options.prefs,
        },
      })
    : await puppeteer.launch({
        executablePath: '/usr/bin/chromium',
        headless: true,
        pipe: true,
        args: [...chromiumArgs, `--user-data-dir=${profile}`, ...(options.fakeMedia ? fakeMediaArgs : []), ...(options.args ?? [])],
      });
  browser.tincanKind = kind;
  const close = browser.close.bind(browser);
  browser.close = async () => {
    await close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return browser;
}
