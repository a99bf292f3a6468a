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

/** @param {'chromium'|'firefox'} kind @param {{ args?: string[], prefs?: Record<string, unknown> }} [options] */
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
          ...options.prefs,
        },
      })
    : await puppeteer.launch({
        executablePath: '/usr/bin/chromium',
        headless: true,
        pipe: true,
        args: [...chromiumArgs, `--user-data-dir=${profile}`, ...(options.args ?? [])],
      });
  browser.tincanKind = kind;
  const close = browser.close.bind(browser);
  browser.close = async () => {
    await close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return browser;
}
