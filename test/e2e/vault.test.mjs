// A vault that heals and notices (issue 8), through the UI with real IndexedDB. The records are edited from the
// page while the app holds no key (between "Lock" and "Unlock", or with the app not loaded at all), the way a disk
// restore, a sync tool or bit rot would leave them (layout: src/store/records.ts):
// - a deleted head is rebuilt from the messages: nothing lost;
// - a damaged message record is shown as one that could not be read, the others as they were;
// - an older copy of a contact record (still "verified", from before it was cleared) is noticed: "restored from an
//   older copy", not shown as verified;
// - the whole database put back to an older copy is noticed, and everything in that copy is there;
// - a flipped bit in the wrapped key reads as damaged, not as a wrong passphrase, and changes nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  alertText, click, conversationEntries, contactDetailsText, enterApp, fill, locate, openContactDetails,
  lock, openConversation, openPerson, pair, sendMessage, serveForSuite, shownMessages, until, waitForAlert,
  waitForDelivered, waitForText,
} from './helpers.mjs';
import { inPage } from './page-probe.mjs';

const server = serveForSuite();

/** The app's records: IndexedDB database "tincan" (the store name), object store "records" (indexeddb-backend.ts). */
function records(page, operation, ...args) {
  return page.evaluate(
    async (op, list) => {
      const request = (r) =>
        new Promise((resolve, reject) => {
          r.onsuccess = () => resolve(r.result);
          r.onerror = () => reject(r.error);
        });
      const db = await request(indexedDB.open('tincan'));
      try {
        const tx = db.transaction('records', op === 'keys' || op === 'get' || op === 'dump' ? 'readonly' : 'readwrite');
        const store = tx.objectStore('records');
        const done = new Promise((resolve, reject) => {
          tx.oncomplete = resolve;
          tx.onabort = () => reject(tx.error);
        });
        let result = null;
        if (op === 'keys') result = await request(store.getAllKeys());
        if (op === 'get') {
          const value = await request(store.get(list[0]));
          result = value ? [...value] : null;
        }
        if (op === 'put') store.put(new Uint8Array(list[1]), list[0]);
        if (op === 'delete') store.delete(list[0]);
        if (op === 'dump') {
          const keys = await request(store.getAllKeys());
          const values = await request(store.getAll());
          result = keys.map((key, i) => [key, [...values[i]]]);
        }
        if (op === 'replace') {
          store.clear();
          for (const [key, bytes] of list[0]) store.put(new Uint8Array(bytes), key);
        }
        await done;
        return result;
      } finally {
        db.close();
      }
    },
    operation,
    args,
  );
}


async function unlock(person) {
  await enterApp(person.page, person);
}

/** The banner "About your history" ('' when there is none). */
async function vaultBanner(page) {
  return page.evaluate(
    inPage((probe) => probe.find((el) => el.getAttribute('aria-label') === 'About your history')?.textContent.replace(/\s+/g, ' ').trim() ?? ''),
  );
}

const restoredOlder = "This device's history was restored from an older copy";
const history = ['one, from Alice', 'two, from Bob', 'three, from Alice'];

describe('a damaged or restored vault', () => {
  let alice;
  let bobId;
  let conv;

  before(async () => {
    alice = await openPerson('chromium', server.url, { name: 'Alice' });
    const bob = await openPerson('chromium', server.url, { name: 'Bob' });
    try {
      await pair(alice, bob);
      for (const [from, to, text] of [[alice, bob, history[0]], [bob, alice, history[1]], [alice, bob, history[2]]]) {
        await sendMessage(from.page, text);
        await waitForText(to.page, 'log', 'Messages', text);
      }
      await waitForDelivered(alice.page);
      await openContactDetails(alice.page);
      await click(alice.page, 'button', 'Safety number');
      await click(alice.page, 'button', 'Mark as verified');
      await waitForText(alice.page, 'list', 'Conversations', 'verified');
      await click(alice.page, 'button', 'Back');
    } finally {
      await bob.close();
    }
    const keys = await records(alice.page, 'keys');
    bobId = keys.find((k) => k.startsWith('contact/')).slice('contact/'.length);
    conv = `conv/${encodeURIComponent(bobId)}`;
    assert.ok(keys.includes(`${conv}/head`), keys.join('\n'));
  });
  after(() => alice?.close());

  /** Bob's conversation holds the whole history, in order. */
  async function assertHistory(texts = history) {
    await openConversation(alice.page, 'Bob');
    await waitForText(alice.page, 'log', 'Messages', texts.at(-1));
    assert.deepEqual((await shownMessages(alice.page)).map((m) => m.text), texts);
  }

  it('rebuilds a deleted head from the messages: nothing lost', { timeout: 90_000 }, async () => {
    await lock(alice.page);
    await records(alice.page, 'delete', `${conv}/head`);
    await unlock(alice);
    const [entry] = await conversationEntries(alice.page);
    assert.ok(entry.label.includes(history[2]), `the list still shows the last message: ${entry.label}`);
    await assertHistory();
    // Written again: the next unlock finds it.
    await until(async () => (await records(alice.page, 'keys')).includes(`${conv}/head`), 'the head is written again');
  });

  it('shows a damaged message record as unreadable, and the rest as they were', { timeout: 90_000 }, async () => {
    const key = `${conv}/m/0000000001`;
    const original = await records(alice.page, 'get', key);
    assert.ok(original, 'message 1 is stored under its index');
    await lock(alice.page);
    const flipped = [...original];
    flipped[flipped.length - 5] ^= 0x04;
    await records(alice.page, 'put', key, flipped);
    await unlock(alice);
    await assertHistory([history[0], 'This message could not be read', history[2]]);
    // Put back as it was: read again on the next unlock.
    await lock(alice.page);
    await records(alice.page, 'put', key, original);
    await unlock(alice);
    await assertHistory();
  });

  it('notices an older copy of a contact record: "restored from an older copy", not verified', { timeout: 90_000 }, async () => {
    const key = `contact/${bobId}`;
    const verified = await records(alice.page, 'get', key);
    await openConversation(alice.page, 'Bob');
    await openContactDetails(alice.page);
    await click(alice.page, 'button', 'Safety number');
    await click(alice.page, 'button', 'Clear verification');
    await until(async () => !(await conversationEntries(alice.page))[0].label.includes('verified'), 'Bob is no longer verified');
    await click(alice.page, 'button', 'Back');
    await lock(alice.page);
    // Someone puts back the record from when Bob was verified.
    await records(alice.page, 'put', key, verified);
    await unlock(alice);
    assert.match(await vaultBanner(alice.page), new RegExp(restoredOlder));
    const [entry] = await conversationEntries(alice.page);
    assert.ok(!entry.label.includes('verified'), `not shown as verified: ${entry.label}`);
    await assertHistory();
    await openContactDetails(alice.page);
    const details = await contactDetailsText(alice.page);
    assert.match(details, /Bob's contact record was restored from an older copy/);
    assert.match(details, /Not verified/);
    await click(alice.page, 'button', 'Back');
    // Seen ("OK"): the restored record stays as it is found, but its old "verified" does not come back.
    await click(alice.page, 'button', 'OK');
    await lock(alice.page);
    await unlock(alice);
    assert.ok(!(await conversationEntries(alice.page))[0].label.includes('verified'), 'still not verified after the next unlock');
  });

  it('notices a whole database put back to an older copy, and keeps everything in it', { timeout: 90_000 }, async () => {
    const older = await records(alice.page, 'dump');
    await openConversation(alice.page, 'Bob');
    await sendMessage(alice.page, 'written after the copy');
    await waitForText(alice.page, 'log', 'Messages', 'written after the copy');
    await lock(alice.page);
    await records(alice.page, 'replace', older);
    await unlock(alice);
    assert.match(await vaultBanner(alice.page), new RegExp(restoredOlder));
    await assertHistory();
    await click(alice.page, 'button', 'OK');
    await until(async () => (await vaultBanner(alice.page)) === '', 'the banner goes once seen');
  });

  it('reads a flipped bit in the wrapped key as damage, not as a wrong passphrase, and changes nothing', { timeout: 90_000 }, async () => {
    // The app is not running while the key is edited: a page of the same origin that is not the app.
    await alice.page.goto(new URL('logo.svg', server.url).href);
    const wrapped = await records(alice.page, 'get', 'vault/wrapped-key');
    const flipped = [...wrapped];
    flipped[50] ^= 0x01;
    await records(alice.page, 'put', 'vault/wrapped-key', flipped);
    await alice.page.goto(server.url);
    await fill(alice.page, 'textbox', 'Passphrase', alice.passphrase);
    await click(alice.page, 'button', 'Unlock');
    const said = await waitForAlert(alice.page);
    assert.match(said, /The key that protects your data on this device is damaged/);
    assert.doesNotMatch(said, /Wrong passphrase/);
    // A wrong passphrase says the same: the damage is found before any passphrase is tried.
    await fill(alice.page, 'textbox', 'Passphrase', 'not my passphrase at all');
    await click(alice.page, 'button', 'Unlock');
    await until(async () => /damaged/.test(await alertText(alice.page)), 'damage said again');
    assert.deepEqual(await records(alice.page, 'get', 'vault/wrapped-key'), flipped, 'nothing was rewritten');

    await alice.page.goto(new URL('logo.svg', server.url).href);
    await records(alice.page, 'put', 'vault/wrapped-key', wrapped);
    await alice.page.goto(server.url);
    await unlock(alice);
    await assertHistory();
    assert.equal(await vaultBanner(alice.page), '');
    assert.deepEqual(alice.errors, []);
  });
});
