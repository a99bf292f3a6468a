// Lab: DTLS certificates in Chromium and Firefox (docs/one-code-reconnect.md §1, §2). Raw web APIs, no Tincan code.
//
//   bash scripts/in-netns.sh node bench/certificate-lab.mjs [--rounds 8] [--prewarm] [--kinds chromium,firefox]
//
// 1. Expiry: which `expires` each browser grants to RTCPeerConnection.generateCertificate (ECDSA P-256), and
//    whether it takes an expired certificate.
// 2. Restart: a certificate put into IndexedDB, then the browser is closed and started again on the same profile
//    `--rounds` times; each first document reads it back at once (10 s bound). On a failed or silent read it
//    makes a throwaway certificate and reads again. --prewarm makes the throwaway certificate before the first read.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { chromiumArgs } from '../test/e2e/browsers.mjs';

const argValue = (name, fallback) => {
  const at = process.argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (at < 0) return fallback;
  return process.argv[at].includes('=') ? process.argv[at].split('=')[1] : process.argv[at + 1];
};
const rounds = Number(argValue('--rounds', '8'));
const prewarm = process.argv.includes('--prewarm');
const kinds = argValue('--kinds', 'chromium,firefox').split(',');

const server = createServer((req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>lab</title>'));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/`;

/** A browser on `profile` (kept across launches, unlike test/e2e/browsers.mjs, which makes a fresh one). */
function launch(kind, profile) {
  return kind === 'firefox'
    ? puppeteer.launch({ browser: 'firefox', executablePath: '/usr/bin/firefox-esr', headless: true, userDataDir: profile })
    : puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true, pipe: true, args: [...chromiumArgs, `--user-data-dir=${profile}`] });
}

async function openPage(kind, profile) {
  const browser = await launch(kind, profile);
  const page = (await browser.pages())[0] ?? (await browser.newPage());
  await page.goto(url);
  await page.evaluate(() => {
    window.openDb = () =>
      new Promise((resolve, reject) => {
        const opening = indexedDB.open('lab', 1);
        opening.onupgradeneeded = () => opening.result.createObjectStore('s');
        opening.onsuccess = () => resolve(opening.result);
        opening.onerror = () => reject(opening.error);
      });
    window.readCertificate = async () => {
      const db = await window.openDb();
      try {
        return await new Promise((resolve, reject) => {
          const get = db.transaction('s').objectStore('s').get('cert');
          get.onsuccess = () => resolve(get.result);
          get.onerror = () => reject(get.error);
        });
      } finally {
        db.close();
      }
    };
    window.boundedRead = () =>
      Promise.race([window.readCertificate(), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer in 10 s')), 10_000))]);
    window.generate = (expires) => RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256', ...(expires === undefined ? {} : { expires }) });
  });
  return { browser, page };
}

for (const kind of kinds) {
  const profile = mkdtempSync(join(tmpdir(), `tincan-cert-lab-${kind}-`));
  let { browser, page } = await openPage(kind, profile);
  const expiry = await page.evaluate(async () => {
    const dayMs = 86_400_000;
    const granted = [];
    for (const days of [undefined, 1, 30, 365, 366, 730, 3650, 1e6]) {
      const before = Date.now();
      const certificate = await window.generate(days === undefined ? undefined : days * dayMs);
      granted.push(`${days ?? 'default'} d -> ${((certificate.expires - before) / dayMs).toFixed(2)} d`);
    }
    const expired = await window.generate(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    let withExpired;
    try {
      new RTCPeerConnection({ certificates: [expired] }).close();
      withExpired = 'accepted';
    } catch (error) {
      withExpired = `${error.name}: ${error.message}`;
    }
    return { granted, withExpired };
  });
  console.log(`${kind} expires asked -> granted: ${expiry.granted.join(', ')}`);
  console.log(`${kind} an expired certificate in new RTCPeerConnection: ${expiry.withExpired}`);

  const stored = await page.evaluate(async () => {
    const certificate = await window.generate();
    const db = await window.openDb();
    await new Promise((resolve, reject) => {
      const tx = db.transaction('s', 'readwrite');
      tx.objectStore('s').put(certificate, 'cert');
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    db.close();
    return certificate.getFingerprints()[0].value;
  });
  await browser.close();
  const outcomes = [];
  for (let round = 0; round < rounds; round++) {
    ({ browser, page } = await openPage(kind, profile));
    outcomes.push(
      await page.evaluate(async (isPrewarm) => {
        if (isPrewarm) await window.generate();
        try {
          return (await window.boundedRead()).getFingerprints()[0].value;
        } catch (error) {
          const first = `${error.name}: ${error.message}`;
          await window.generate();
          try {
            return `first read failed (${first}); after making a certificate: ${(await window.boundedRead()).getFingerprints()[0].value}`;
          } catch (again) {
            return `first read failed (${first}); again after making a certificate: ${again.name}: ${again.message}`;
          }
        }
      }, prewarm),
    );
    await browser.close();
  }
  const same = outcomes.filter((o) => o === stored).length;
  console.log(`${kind} restarts${prewarm ? ' (prewarm)' : ''}: ${same}/${rounds} first reads returned the stored certificate`);
  for (const outcome of outcomes.filter((o) => o !== stored)) console.log(`  ${outcome.replaceAll(stored, '<the stored fingerprint>')}`);
  rmSync(profile, { recursive: true, force: true });
}
server.close();
