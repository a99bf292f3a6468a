// Identities, verification and the encrypted history, through the UI in real browsers with real IndexedDB.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser } from './browsers.mjs';
import {
  alertText, click, enterApp, fill, openContactDetails, openConversation, openPerson, pair, pasteCode, readCode, sendMessage,
  textOf, waitForAlert, serveForSuite, waitForConnected, waitForDelivered, waitForText,
} from './helpers.mjs';

const server = serveForSuite();

/** Reads the safety number from the open conversation's contact details, then goes back to the conversation. */
async function safetyDigits(page) {
  await openContactDetails(page);
  await click(page, 'button', 'Safety number');
  const text = await textOf(page, 'region', 'Safety number');
  await click(page, 'button', 'Safety number');
  await click(page, 'button', 'Back');
  const digits = text.match(/\b\d{5}\b/g) ?? [];
  assert.equal(digits.length, 12, `12 groups of 5 digits in: ${text}`);
  return digits.join('');
}

async function messagesText(page) {
  return textOf(page, 'log', 'Messages');
}

describe('identity and verification', () => {
  it('shows the same safety number on both sides, and a verified mark once confirmed', { timeout: 120_000 }, async () => {
    const alice = await openPerson('chromium', server.url, { name: 'Alice' });
    const bob = await openPerson('firefox', server.url, { name: 'Bob' });
    try {
      await pair(alice, bob);
      // Names travel in the signed Hello: each side lists the other by name.
      await waitForText(alice.page, 'list', 'Conversations', 'Bob');
      const a = await safetyDigits(alice.page);
      const b = await safetyDigits(bob.page);
      assert.equal(a, b);
      await openContactDetails(alice.page);
      await click(alice.page, 'button', 'Safety number');
      await click(alice.page, 'button', 'Mark as verified');
      await waitForText(alice.page, 'list', 'Conversations', 'verified');
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });

  it('a man in the middle relaying both codes with his own keys is caught', { timeout: 180_000 }, async () => {
    const alice = await openPerson('chromium', server.url, { name: 'Alice' });
    const bob = await openPerson('chromium', server.url, { name: 'Bob' });
    // Mallory calls himself Bob towards Alice; he runs two tabs of one profile, one per victim.
    const mallory = await openPerson('chromium', server.url, { name: 'Bob', passphrase: 'mallory pass phrase 99' });
    try {
      await pair(alice, bob);
      await sendMessage(alice.page, 'hello Bob, the real one');
      await waitForText(bob.page, 'log', 'Messages', 'hello Bob, the real one');
      const honest = await safetyDigits(alice.page);
      await click(bob.page, 'button', 'Disconnect');

      // Alice sends a new invite; Mallory intercepts it, answers it himself and sends Bob his own invite.
      await click(alice.page, 'button', 'New invite');
      const aliceInvite = await readCode(alice.page, 'Invite code');
      const mallory2 = await mallory.browser.newPage();
      await mallory2.goto(server.url);
      await enterApp(mallory2, mallory);
      // Background tabs have no accessibility tree to search: bring each tab forward before acting in it.
      await mallory.page.bringToFront();
      await pasteCode(mallory.page, aliceInvite);
      const malloryAnswer = await readCode(mallory.page, 'Answer code');
      await mallory2.bringToFront();
      await click(mallory2, 'button', 'New invite');
      const malloryInvite = await readCode(mallory2, 'Invite code');
      await pasteCode(bob.page, malloryInvite);
      const bobAnswer = await readCode(bob.page, 'Answer code');
      await pasteCode(mallory2, bobAnswer);
      await pasteCode(alice.page, malloryAnswer);
      await waitForConnected(alice.page);
      await waitForConnected(bob.page);

      // Alice's pinned "Bob" came back with another key: a prominent warning, and sending is blocked.
      assert.match(await waitForAlert(alice.page), /different identity key|identity key has changed/);
      await sendMessage(alice.page, 'secret for Bob');
      assert.match(await alertText(alice.page), /different identity key|sending is paused/i);
      assert.ok(!(await messagesText(alice.page)).includes('secret for Bob'), 'the message was not sent or stored');
      await waitForText(alice.page, 'list', 'Conversations', 'key changed');
      // The two safety numbers Alice and Bob would read to each other differ, and Alice's changed.
      const aliceSees = await safetyDigits(alice.page);
      const bobSees = await safetyDigits(bob.page);
      assert.notEqual(aliceSees, bobSees);
      assert.notEqual(aliceSees, honest);
    } finally {
      await Promise.all([alice.close(), bob.close(), mallory.close()]);
    }
  });
});

describe('encrypted history', () => {
  it('survives a reload of both pages, behind the passphrase; a wrong passphrase changes nothing', { timeout: 150_000 }, async () => {
    const alice = await openPerson('chromium', server.url, { name: 'Alice' });
    const bob = await openPerson('firefox', server.url, { name: 'Bob' });
    try {
      await pair(alice, bob);
      for (const [from, to, text] of [[alice, bob, 'one'], [bob, alice, 'two'], [alice, bob, 'three ✓ ünïcode']]) {
        await sendMessage(from.page, text);
        await waitForText(to.page, 'log', 'Messages', text);
      }
      await waitForDelivered(alice.page);
      for (const person of [alice, bob]) {
        await person.page.reload();
        await fill(person.page, 'textbox', 'Passphrase', 'not my passphrase at all');
        await click(person.page, 'button', 'Unlock');
        assert.match(await waitForAlert(person.page), /Wrong passphrase/);
        await enterApp(person.page, person);
        await openConversation(person.page, person === alice ? 'Bob' : 'Alice');
        const log = await messagesText(person.page);
        for (const text of ['one', 'two', 'three ✓ ünïcode']) assert.ok(log.includes(text), `${person.kind} kept "${text}"`);
      }
      // Nothing readable is stored: the IndexedDB values are sealed bytes.
      const plain = await alice.page.evaluate(async () => {
        const dbs = await indexedDB.databases();
        const found = [];
        for (const { name } of dbs) {
          const db = await new Promise((resolve, reject) => {
            const req = indexedDB.open(name);
            req.onsuccess = () => resolve(req.result);
            req.onerror = () => reject(req.error);
          });
          for (const storeName of db.objectStoreNames) {
            const values = await new Promise((resolve) => {
              const req = db.transaction(storeName).objectStore(storeName).getAll();
              req.onsuccess = () => resolve(req.result);
            });
            for (const v of values) {
              const bytes = v instanceof Uint8Array ? v : v instanceof ArrayBuffer ? new Uint8Array(v) : new TextEncoder().encode(JSON.stringify(v));
              const text = new TextDecoder('latin1').decode(bytes);
              if (text.includes('three') || text.includes('Bob')) found.push(storeName);
            }
          }
          db.close();
        }
        return found;
      });
      assert.deepEqual(plain, []);
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });

  it('exports an encrypted backup that restores the history on a fresh device', { timeout: 150_000 }, async () => {
    const downloads = fs.mkdtempSync(path.join(os.tmpdir(), 'tincan-dl-'));
    const alice = await openPerson('chromium', server.url, { name: 'Alice' });
    const bob = await openPerson('chromium', server.url, { name: 'Bob' });
    let fresh;
    try {
      await pair(alice, bob);
      await sendMessage(bob.page, 'keep this one');
      await waitForText(alice.page, 'log', 'Messages', 'keep this one');
      const cdp = await alice.page.createCDPSession();
      await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
      await click(alice.page, 'button', 'Settings');
      await click(alice.page, 'button', 'Export backup');
      let file;
      for (let i = 0; i < 100 && !file; i++) {
        await new Promise((r) => setTimeout(r, 100));
        file = fs.readdirSync(downloads).find((f) => f.endsWith('.tincan'));
      }
      assert.ok(file, 'a .tincan file was downloaded');
      const bytes = fs.readFileSync(path.join(downloads, file));
      assert.ok(!bytes.includes('keep this one'), 'the backup is encrypted');

      fresh = await launchBrowser('chromium');
      const page = (await fresh.pages())[0];
      await page.goto(server.url);
      await click(page, 'button', 'Restore from a backup');
      // A file input has no stable role across browsers' accessibility trees; it is labelled "Backup file".
      const input = await page.waitForSelector('pierce/input[type=file][name=backup]');
      await input.uploadFile(path.join(downloads, file));
      await fill(page, 'textbox', 'Backup passphrase', 'wrong passphrase, surely');
      await click(page, 'button', 'Restore backup');
      assert.match(await waitForAlert(page), /Wrong passphrase/);
      await fill(page, 'textbox', 'Backup passphrase', alice.passphrase);
      await click(page, 'button', 'Restore backup');
      await openConversation(page, 'Bob');
      await waitForText(page, 'log', 'Messages', 'keep this one');
      await waitForText(page, 'list', 'Conversations', 'Bob');
    } finally {
      await Promise.all([alice.close(), bob.close(), fresh?.close()]);
      fs.rmSync(downloads, { recursive: true, force: true });
    }
  });
});
