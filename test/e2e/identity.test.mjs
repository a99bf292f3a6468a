// Identities, verification and the encrypted history, through the UI in real browsers with real IndexedDB.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser } from './browsers.mjs';
import {
  click, contactDetailsText, conversationEntries, enterApp, fill, isShown, locate, openContactDetails, openConversation,
  openConversationMarked, openPerson, pair, sendMessage, shownMessages, textOf, until, waitForAlert, serveForSuite,
  waitForDelivered, waitForText,
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
});

/** Alice's copy of the contact "Bob" she knows: paired, a message each way, verified; then Bob closes his chat. */
async function aliceKnowsAndVerifiedBob(alice, bob) {
  await pair(alice, bob);
  await sendMessage(alice.page, 'hello Bob, the real one');
  await waitForText(bob.page, 'log', 'Messages', 'hello Bob, the real one');
  await sendMessage(bob.page, 'hi Alice, real Bob here');
  await waitForText(alice.page, 'log', 'Messages', 'hi Alice, real Bob here');
  await openContactDetails(alice.page);
  await click(alice.page, 'button', 'Safety number');
  await click(alice.page, 'button', 'Mark as verified');
  await waitForText(alice.page, 'list', 'Conversations', 'verified');
  await click(alice.page, 'button', 'Back');
  await click(bob.page, 'button', 'Disconnect');
  await waitForText(alice.page, 'status', 'Connection', 'closed Tincan or went offline');
}

/** The known Bob's conversation: his history, nothing of Mallory's, still verified. */
async function assertRealBobUntouched(alice) {
  await openConversationMarked(alice.page, 'Bob', 'verified');
  const texts = (await shownMessages(alice.page)).map((m) => m.text);
  assert.deepEqual(texts, ['hello Bob, the real one', 'hi Alice, real Bob here']);
  await openContactDetails(alice.page);
  assert.match(await contactDetailsText(alice.page), /✓ Verified/);
  await click(alice.page, 'button', 'Back');
}

const lookalikeWarning = 'Another person calls themselves Bob. If Bob has a new device, compare safety numbers first';

describe('impostors: a new key under a known name', () => {
  it('is always a new contact, marked as a look-alike (also "Bоb" with a Cyrillic о), until Alice says it is someone else', { timeout: 240_000 }, async () => {
    const alice = await openPerson('chromium', server.url, { name: 'Alice' });
    const bob = await openPerson('firefox', server.url, { name: 'Bob' });
    // Two profiles, two browsers: a second tab of one profile would only defer to the first (one writer per vault).
    const mallory = await openPerson('chromium', server.url, { name: 'Bob', passphrase: 'mallory pass phrase 99' });
    const mallory2 = await openPerson('chromium', server.url, { name: 'B\u043eb', passphrase: 'mallory pass phrase 98' });
    try {
      await aliceKnowsAndVerifiedBob(alice, bob);
      const honest = await safetyDigits(alice.page);

      // Mallory calls himself Bob: a second "Bob", flagged, with the warning where Alice would write.
      await pair(alice, mallory);
      await sendMessage(mallory.page, 'it is me, Bob, on my new phone');
      await waitForText(alice.page, 'log', 'Messages', 'it is me, Bob, on my new phone');
      await locate(alice.page, 'heading', lookalikeWarning);
      const entries = await conversationEntries(alice.page);
      assert.deepEqual(entries.map((e) => e.name).sort(), ['Bob', 'Bob'], JSON.stringify(entries));
      assert.equal(entries.filter((e) => e.label.includes('possible impostor')).length, 1, JSON.stringify(entries));
      assert.notEqual(await safetyDigits(alice.page), honest, 'another key, another safety number');
      await assertRealBobUntouched(alice);

      // "Bоb", with a Cyrillic о, looks like Bob: a third contact, flagged the same way.
      await pair(alice, mallory2);
      await sendMessage(mallory2.page, 'Bob here, honestly');
      await waitForText(alice.page, 'log', 'Messages', 'Bob here, honestly');
      await locate(alice.page, 'heading', lookalikeWarning);
      assert.equal((await conversationEntries(alice.page)).filter((e) => e.label.includes('possible impostor')).length, 2);
      await assertRealBobUntouched(alice);

      // Alice says "Bоb" is someone else: his warning goes, he stays a contact of his own; Mallory's "Bob" keeps his.
      await openConversation(alice.page, 'B\u043eb');
      await click(alice.page, 'button', 'This is someone else');
      await until(async () => !(await isShown(alice.page, 'heading', lookalikeWarning, 200)), 'the warning goes');
      const after = await conversationEntries(alice.page);
      assert.deepEqual(after.map((e) => e.name).sort(), ['Bob', 'Bob', 'B\u043eb']);
      assert.ok(!after.find((e) => e.name === 'B\u043eb').label.includes('possible impostor'), JSON.stringify(after));
      assert.deepEqual((await shownMessages(alice.page)).map((m) => m.text), ['Bob here, honestly']);

      // All of it is kept: after a reload, the same three contacts, the same marks.
      await alice.page.reload();
      await enterApp(alice.page, alice);
      await until(async () => (await conversationEntries(alice.page)).length === 3, 'three contacts after the reload');
      const reloaded = await conversationEntries(alice.page);
      assert.equal(reloaded.filter((e) => e.label.includes('possible impostor')).length, 1, JSON.stringify(reloaded));
      assert.ok(reloaded.some((e) => e.name === 'Bob' && e.label.includes('verified') && !e.label.includes('possible impostor')));
      await assertRealBobUntouched(alice);
    } finally {
      await Promise.all([alice.close(), bob.close(), mallory.close(), mallory2.close()]);
    }
  });

  it('"This is Bob on a new device" moves the conversation: history kept, "verified" cleared, the new key talks as Bob', { timeout: 180_000 }, async () => {
    const alice = await openPerson('chromium', server.url, { name: 'Alice' });
    const bob = await openPerson('chromium', server.url, { name: 'Bob' });
    const newBob = await openPerson('chromium', server.url, { name: 'Bob', passphrase: 'bob on his new phone 77' });
    try {
      await aliceKnowsAndVerifiedBob(alice, bob);
      await pair(alice, newBob);
      await sendMessage(newBob.page, 'new phone, same Bob');
      await waitForText(alice.page, 'log', 'Messages', 'new phone, same Bob');
      await click(alice.page, 'button', 'This is Bob on a new device');

      // One Bob again, not verified, with everything said so far, in order.
      await until(async () => (await conversationEntries(alice.page)).length === 1, 'one contact left');
      const [entry] = await conversationEntries(alice.page);
      assert.equal(entry.name, 'Bob');
      assert.ok(!entry.label.includes('verified') && !entry.label.includes('possible impostor'), entry.label);
      await waitForText(alice.page, 'log', 'Messages', 'new phone, same Bob');
      assert.deepEqual((await shownMessages(alice.page)).map((m) => m.text), ['hello Bob, the real one', 'hi Alice, real Bob here', 'new phone, same Bob']);
      assert.ok(!(await isShown(alice.page, 'heading', lookalikeWarning, 200)));
      await openContactDetails(alice.page);
      const details = await contactDetailsText(alice.page);
      assert.match(details, /Not verified/);
      assert.match(details, /Bob moved to a new device/);
      await click(alice.page, 'button', 'Back');

      // The live chat with the new key is Bob's now.
      await sendMessage(alice.page, 'welcome back, Bob');
      await waitForText(newBob.page, 'log', 'Messages', 'welcome back, Bob');
      await waitForDelivered(alice.page);
      assert.deepEqual(alice.errors, []);
    } finally {
      await Promise.all([alice.close(), bob.close(), newBob.close()]);
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
      const file = await until(() => fs.readdirSync(downloads).find((f) => f.endsWith('.tincan')), 'a .tincan file', {
        timeout: 10_000,
        everyMs: 100,
        error: () => 'a .tincan file was downloaded',
      });
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
