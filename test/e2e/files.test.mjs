// Files and images (issue 12) between real browsers, through the UI: "Attach file", "Accept", the progress bars named
// after the file, "Save <name>"; the saved file's BLAKE2b-256 is computed here in Node and compared with the sent
// file's. The link is cut mid-transfer by dropping UDP in this test's own network namespace (scripts/in-netns.sh
// runs the test as root in a private one, so iptables affects only it), and the receiver is reloaded mid-transfer:
// both resume from where they stopped. Firefox sends as well as receives. A file dragged onto the conversation in
// Chromium is offered (a real drag: the browser makes the drop's File). A picture pasted in Chromium or in Firefox
// shows a preview on both sides; an SVG carrying a script is only ever a file. On a 360×740 phone a file is an item
// of the log at its time, between the message sent before it and the one sent after (issue 18, item 8), on both sides.
// In a group of three (Chromium, Firefox, Chromium), a file attached by one member shows once in each other member's
// log as the sender's card (name, size) and is saved whole by each (issue 19).
// A peer that lies (wrong sizes, chunks out of range or after cancel) is covered in Node: test/node/files/hostile-peer.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sodium from 'libsodium-wrappers-sumo';
import {
  click, enterApp, fill, inviteToGroup, locate, lock, onDeepElement, openConversation, openPerson, pair, sendMessage, serveForSuite, until, waitForText,
  withElement,
} from './helpers.mjs';
import { inPage } from './page-probe.mjs';

const server = serveForSuite();
const MB = 1_000_000;
const fileBytes = 50 * MB;

/** A file of random bytes in a fresh temporary folder, and its BLAKE2b-256. */
async function randomFile(name, bytes) {
  await sodium.ready;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tincan-files-'));
  const file = path.join(dir, name);
  const fd = fs.openSync(file, 'w');
  const state = sodium.crypto_generichash_init(null, 32);
  for (let done = 0; done < bytes; ) {
    const piece = crypto.randomBytes(Math.min(4 * MB, bytes - done));
    fs.writeSync(fd, piece);
    sodium.crypto_generichash_update(state, piece);
    done += piece.length;
  }
  fs.closeSync(fd);
  return { path: file, name, size: bytes, hash: sodium.to_hex(sodium.crypto_generichash_final(state, 32)), dir };
}

async function hashFile(file) {
  await sodium.ready;
  const state = sodium.crypto_generichash_init(null, 32);
  const fd = fs.openSync(file, 'r');
  const buffer = Buffer.alloc(4 * MB);
  for (let read; (read = fs.readSync(fd, buffer, 0, buffer.length, null)) > 0; ) sodium.crypto_generichash_update(state, buffer.subarray(0, read));
  fs.closeSync(fd);
  return sodium.to_hex(sodium.crypto_generichash_final(state, 32));
}

/** Where a person's browser saves downloads ("Save <name>"), set up before the page loads. */
function downloadsFor(kind) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tincan-saved-${kind}-`));
  const options = kind === 'firefox'
    ? {
        prefs: {
          'browser.download.folderList': 2,
          'browser.download.dir': dir,
          'browser.download.useDownloadDir': true,
          'browser.download.always_ask_before_handling_new_types': false,
          'browser.helperApps.neverAsk.saveToDisk': 'application/octet-stream',
          'browser.download.manager.showWhenStarting': false,
        },
      }
    : {};
  return { dir, options };
}

async function openWithDownloads(kind, name) {
  const downloads = downloadsFor(kind);
  const person = await openPerson(kind, server.url, { name, ...downloads.options });
  person.downloads = downloads.dir;
  await allowDownloads(person);
  return person;
}

/** Chromium saves downloads only where it is told to (per page session, so again after a reload). */
async function allowDownloads(person) {
  if (person.kind !== 'chromium') return;
  const cdp = await person.page.createCDPSession();
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: person.downloads });
}

/** Waits until the browser finished saving `name` (whole, not a partial download) and returns its path. */
async function waitForDownload(person, name, size, timeoutMs = 120_000) {
  const file = path.join(person.downloads, name);
  let entries = [];
  const saved = () => {
    entries = fs.readdirSync(person.downloads);
    const partial = entries.some((e) => e.endsWith('.crdownload') || e.endsWith('.part'));
    return !partial && fs.existsSync(file) && fs.statSync(file).size === size ? file : undefined;
  };
  return until(saved, `${name} saved`, { timeout: timeoutMs, everyMs: 200, error: () => `${name} was not saved: ${entries.join(', ')}` });
}

/** The receiver saves `name` ("Save <name>" on its card); returns the path of the file the browser saved, whole. */
async function saveReceived(person, name, size) {
  await click(person.page, 'button', `Save ${name}`);
  return waitForDownload(person, name, size);
}

/** The "Attach file" control is the file input itself (named, role button): the picker is filled as puppeteer can. */
async function attachFile(page, file) {
  const input = await page.waitForFunction(
    inPage((probe) => probe.find((el) => el.localName === 'input' && el.type === 'file' && el.getAttribute('aria-label') === 'Attach file')),
    { polling: 100, timeout: 30_000 },
  );
  await input.asElement().uploadFile(file);
}

/**
 * Records, in the page, every value the progress bar named `name` shows (aria-valuenow), and the bar's value when
 * `text` first shows in the log (undefined: not yet; null: the bar was gone). Read with readRecording.
 */
async function recordProgress(page, name, text = '') {
  await page.evaluate(inPage((probe, name, text) => {
    const recording = { values: [], textAt: undefined };
    window.tincanRecording = recording;
    const sample = () => {
      const bar = probe.find((el) => el.getAttribute('role') === 'progressbar' && el.getAttribute('aria-label') === name);
      const value = bar ? Number(bar.getAttribute('aria-valuenow')) : undefined;
      if (value !== undefined && recording.values.at(-1) !== value) recording.values.push(value);
      if (text && recording.textAt === undefined) {
        const log = probe.find((el) => el.getAttribute('role') === 'log');
        if (log?.textContent.includes(text)) recording.textAt = bar ? value : null;
      }
    };
    recording.timer = setInterval(sample, 20);
  }), name, text);
}

async function readRecording(page) {
  return page.evaluate(() => {
    clearInterval(window.tincanRecording.timer);
    const { values, textAt } = window.tincanRecording;
    return { values, textAt };
  });
}

/** The progress bar's value now (bytes), waiting for the bar to show. */
async function progressOf(page, name) {
  const bar = await locate(page, 'progressbar', name);
  return bar.evaluate((el) => Number(el.getAttribute('aria-valuenow')));
}

/** Waits until the progress bar named `name` shows at least `bytes`. */
async function waitForProgress(page, name, bytes, timeout = 60_000) {
  const bar = await locate(page, 'progressbar', name, { timeout });
  await page.waitForFunction((el, min) => Number(el.getAttribute('aria-valuenow')) >= min, { timeout, polling: 10 }, bar, bytes);
}

/** Waits until the card of the transfer of `name` says `text`. */
async function waitForCard(page, name, text, timeout = 60_000) {
  await page.waitForFunction(
    inPage((probe, name, text) => !!probe.find((el) => el.localName === 'tc-transfer-card' && el.transfer?.name === name && el.shadowRoot.textContent.includes(text))),
    { timeout, polling: 100 },
    name,
    text,
  );
}

/** The name and facts (size, type) heading the card of the transfer of `name`, as shown. */
async function cardHeadOf(page, name) {
  return page.evaluate(
    inPage((probe, name) => {
      const card = probe.find((el) => el.localName === 'tc-transfer-card' && el.transfer?.name === name && el.shadowRoot.querySelector('.head'));
      return card?.shadowRoot.querySelector('.head').textContent.replace(/\s+/g, ' ').trim() ?? '';
    }),
    name,
  );
}

/** The sender's count of bytes handed to the connection (data-sent-bytes on the transfer's card). */
async function sentBytesOf(page, name) {
  return page.evaluate(
    inPage((probe, name) => {
      const card = probe.find((el) => el.localName === 'tc-transfer-card' && el.transfer?.name === name && el.shadowRoot.querySelector('[data-sent-bytes]'));
      const sent = card?.shadowRoot.querySelector('[data-sent-bytes]').dataset.sentBytes;
      return sent === undefined ? NaN : Number(sent);
    }),
    name,
  );
}

async function debugDump(people) {
  for (const p of people) {
    const text = await p.page
      .evaluate(
        inPage((probe) =>
          probe
            .findAll((el) => ['log', 'status', 'alert', 'progressbar'].includes(el.getAttribute('role')) || el.localName === 'ul')
            .map((el) => `${el.getAttribute('role') ?? el.localName}: ${el.getAttribute('aria-valuenow') ?? ''} ${el.textContent.replace(/\s+/g, ' ').slice(0, 400)}`)
            .join('\n'),
        ),
      )
      .catch((e) => String(e));
    console.log(`--- ${p.name} (${p.kind})\n${text}\nerrors: ${p.errors.join('; ')}`);
  }
}

/**
 * Opens Alice (`senderKind`) and Bob (`receiverKind`), each saving downloads in a folder of their own, and runs
 * `body(alice, bob)`; on failure prints what both pages show; always closes both and removes `dirs` and theirs.
 */
async function withTwo(senderKind, receiverKind, dirs, body) {
  const alice = await openWithDownloads(senderKind, 'Alice');
  const bob = await openWithDownloads(receiverKind, 'Bob');
  try {
    await body(alice, bob);
    assert.deepEqual([...alice.errors, ...bob.errors], []);
  } catch (error) {
    await debugDump([alice, bob]);
    throw error;
  } finally {
    await Promise.all([alice.close(), bob.close()]);
    for (const dir of [...dirs, alice.downloads, bob.downloads]) fs.rmSync(dir, { recursive: true, force: true });
  }
}

function progressMoved(values, size) {
  return values.filter((v) => v > 0 && v < size);
}

/** Alice sends a 50 MB file to Bob, who accepts; a message goes from Alice to Bob meanwhile. */
async function sendBigFile(senderKind, receiverKind) {
  const file = await randomFile('random-50MB.bin', fileBytes);
  await withTwo(senderKind, receiverKind, [file.dir], async (alice, bob) => {
    await pair(alice, bob);
    await attachFile(alice.page, file.path);
    await click(bob.page, 'button', `Accept ${file.name}`);
    const message = 'sent while the file moves';
    await recordProgress(bob.page, file.name, message);
    await recordProgress(alice.page, file.name);
    await waitForProgress(alice.page, file.name, 5 * MB);
    await sendMessage(alice.page, message);
    await waitForText(bob.page, 'log', 'Messages', message);
    const saved = await saveReceived(bob, file.name, file.size);
    assert.equal(await hashFile(saved), file.hash, 'the saved file is the sent file');
    await waitForCard(alice.page, file.name, 'Sent. Bob has it.');
    // What Bob's browser keeps is sealed: one file, larger than the sent one by 40 bytes a chunk, and none of its
    // bytes in the clear; the plaintext copy "Save" made is gone once Bob locks.
    const kept = await keptFilesOf(bob.page, [0, 65_536]);
    const stored = kept.find((f) => !f.name.endsWith('.save'));
    assert.equal(stored.size, file.size + Math.ceil(file.size / 65_487) * 40, `stored sealed: ${JSON.stringify(kept.map((f) => [f.name, f.size]))}`);
    assert.equal(bytesOccurIn(fs.readFileSync(file.path).subarray(1000, 1032), Buffer.from(stored.sample, 'base64')), false, 'no plaintext on disk');
    assert.ok(kept.some((f) => f.name.endsWith('.save')), 'the saved copy exists until lock');
    await lock(bob.page);
    assert.deepEqual((await keptFilesOf(bob.page, [0, 0])).map((f) => f.name), [stored.name], 'only the sealed file is left after lock');
    const [bobSeen, aliceSeen] = [await readRecording(bob.page), await readRecording(alice.page)];
    console.log(`${senderKind}->${receiverKind}: Alice's bar took ${aliceSeen.values.length} values, Bob's ${bobSeen.values.length}; the message arrived with Bob's bar at ${bobSeen.textAt}`);
    assert.ok(progressMoved(bobSeen.values, file.size).length >= 2, `Bob's bar moved: ${bobSeen.values}`);
    assert.ok(progressMoved(aliceSeen.values, file.size).length >= 2, `Alice's bar moved: ${aliceSeen.values}`);
    assert.ok(typeof bobSeen.textAt === 'number' && bobSeen.textAt < file.size, `the message arrived during the transfer (bar at ${bobSeen.textAt})`);
  });
}

/** The files in the receiving page's private file system folder, with a base64 sample of the bytes [from, to). */
function keptFilesOf(page, [from, to]) {
  return page.evaluate(async (from, to) => {
    const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle('tincan-files');
    const files = [];
    for await (const [name, handle] of folder.entries()) {
      const file = await handle.getFile();
      const bytes = new Uint8Array(await file.slice(from, to).arrayBuffer());
      let binary = '';
      for (let at = 0; at < bytes.length; at += 8192) binary += String.fromCharCode(...bytes.subarray(at, at + 8192));
      files.push({ name, size: file.size, sample: btoa(binary) });
    }
    return files;
  }, from, to);
}

/** Whether `needle` occurs in `haystack` (Buffers). */
function bytesOccurIn(needle, haystack) {
  return haystack.indexOf(needle) !== -1;
}

describe('files between browsers', () => {
  it('Chromium to Chromium: 50 MB arrive whole, bars move on both sides, chat flows meanwhile', { timeout: 240_000 }, () => sendBigFile('chromium', 'chromium'));
  it('Chromium to Firefox: 50 MB arrive whole, bars move on both sides, chat flows meanwhile', { timeout: 240_000 }, () => sendBigFile('chromium', 'firefox'));
  it('Firefox to Chromium: 50 MB arrive whole, bars move on both sides, chat flows meanwhile', { timeout: 240_000 }, () => sendBigFile('firefox', 'chromium'));
});

/** In the page: whether `text` shows anywhere, through open shadow roots (aria-hidden text too: the eye sees it). */
const showsText = inPage(
  (probe, text) => document.body.textContent.includes(text) || !!probe.find((el) => !!el.shadowRoot && el.shadowRoot.textContent.includes(text)),
);

/**
 * Drags the file at `file` from outside the browser onto the open conversation (its message log) and drops it, as
 * a person drags from the file manager: Chromium's own drag events (CDP Input.dispatchDragEvent with the file's
 * path), so the browser makes the DataTransfer and its File. Returns whether the drop zone was shown while dragging.
 */
async function dropFile(page, file) {
  const log = await locate(page, 'log', 'Messages', { visible: true });
  const box = await log.boundingBox();
  await log.dispose();
  const at = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  const data = { items: [], files: [file], dragOperationsMask: 1 };
  const cdp = await page.createCDPSession();
  try {
    await cdp.send('Input.dispatchDragEvent', { type: 'dragEnter', ...at, data });
    await cdp.send('Input.dispatchDragEvent', { type: 'dragOver', ...at, data });
    const zoneShown = await page.waitForFunction(showsText, { timeout: 5_000, polling: 50 }, 'Drop files here to send them to').then(() => true, () => false);
    await cdp.send('Input.dispatchDragEvent', { type: 'drop', ...at, data });
    return zoneShown;
  } finally {
    await cdp.detach();
  }
}

describe('drag and drop', () => {
  it('Chromium: a file dragged onto the conversation is offered with its name and size, and arrives whole', { timeout: 180_000 }, async () => {
    const file = await randomFile('dropped-3MB.bin', 3 * MB);
    await withTwo('chromium', 'chromium', [file.dir], async (alice, bob) => {
      await pair(alice, bob);
      assert.ok(await dropFile(alice.page, file.path), 'the drop zone showed while the file was dragged over');
      await waitForCard(bob.page, file.name, 'Alice wants to send you this file.');
      assert.match(await cardHeadOf(bob.page, file.name), /^dropped-3MB\.bin\s*3 MB,/);
      await click(bob.page, 'button', `Accept ${file.name}`);
      const saved = await saveReceived(bob, file.name, file.size);
      assert.equal(await hashFile(saved), file.hash, 'the saved file is the dropped file');
      await waitForCard(alice.page, file.name, 'Sent. Bob has it.');
      assert.equal(await alice.page.evaluate(showsText, 'Drop files here'), false, 'the drop zone went away after the drop');
    });
  });
});

describe('files to a group', () => {
  it('a file sent to a group of three (Chromium and Firefox) arrives whole on the other two: one entry each, naming sender, file and size', { timeout: 240_000 }, async () => {
    const file = await randomFile('route-2MB.bin', 2 * MB);
    const people = [await openWithDownloads('chromium', 'Ann'), await openWithDownloads('firefox', 'Ben'), await openWithDownloads('chromium', 'Cat')];
    const [ann, ben, cat] = people;
    try {
      await click(ann.page, 'button', 'New group');
      await fill(ann.page, 'textbox', 'Group name', 'Climbers');
      await click(ann.page, 'button', 'Create group');
      await inviteToGroup(ann, ben, 'Climbers');
      await inviteToGroup(ben, cat, 'Climbers');
      await Promise.all(people.map(async (p) => {
        await openConversation(p.page, 'Climbers');
        await waitForText(p.page, 'status', 'Connection', '2 of 2 connected', { timeout: 60_000 });
      }));
      await attachFile(ann.page, file.path);
      await waitForCard(ann.page, file.name, 'Sent to the group.');
      for (const p of [ben, cat]) {
        await waitForCard(p.page, file.name, 'Ann sent this file to the group.');
        assert.match(await cardHeadOf(p.page, file.name), /^route-2MB\.bin\s*2 MB,/);
        assert.equal(await p.page.evaluate(inPage((probe, name) => probe.findAll((el) => el.localName === 'tc-transfer-card' && el.transfer?.name === name).length), file.name), 1, `${p.name}: one entry`);
        await click(p.page, 'button', `Accept ${file.name}`);
        const saved = await saveReceived(p, file.name, file.size);
        assert.equal(await hashFile(saved), file.hash, `${p.name} saved the file Ann sent`);
        await waitForCard(p.page, file.name, 'Received and checked');
      }
      assert.deepEqual(people.flatMap((p) => p.errors), []);
    } catch (error) {
      await debugDump(people);
      throw error;
    } finally {
      await Promise.all(people.map((p) => p.close()));
      for (const dir of [file.dir, ...people.map((p) => p.downloads)]) fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

const udpDrop = ['OUTPUT', '-p', 'udp', '-j', 'DROP'];

describe('files resume', () => {
  it('the link is cut at 40 %: after a new code, the rest comes, little is sent twice', { timeout: 240_000 }, async () => {
    const file = await randomFile('cut-50MB.bin', fileBytes);
    let isDropping = false;
    try {
      await withTwo('chromium', 'chromium', [file.dir], async (alice, bob) => {
        await pair(alice, bob);
        await attachFile(alice.page, file.path);
        await click(bob.page, 'button', `Accept ${file.name}`);
        await waitForProgress(alice.page, file.name, 0.4 * file.size);
        execFileSync('iptables', ['-I', ...udpDrop]);
        isDropping = true;
        const lost = 'The connection was lost. It continues from where it stopped';
        await Promise.all([waitForCard(alice.page, file.name, lost, 90_000), waitForCard(bob.page, file.name, lost, 90_000)]);
        const stoppedAt = await progressOf(bob.page, file.name);
        assert.ok(stoppedAt > 0.3 * file.size && stoppedAt < file.size, `Bob had ${stoppedAt} bytes when the link went`);
        execFileSync('iptables', ['-D', ...udpDrop]);
        isDropping = false;

        await pair(alice, bob);
        const saved = await saveReceived(bob, file.name, file.size);
        assert.equal(await hashFile(saved), file.hash, 'the saved file is the sent file');
        await waitForCard(alice.page, file.name, 'Sent. Bob has it.');
        const resent = (await sentBytesOf(alice.page, file.name)) - file.size;
        console.log(`cut at 40 %: Bob had ${stoppedAt} bytes; ${resent} bytes were sent twice`);
        assert.ok(resent >= 0 && resent < 0.1 * file.size, `${resent} bytes sent twice`);
      });
    } finally {
      if (isDropping) execFileSync('iptables', ['-D', ...udpDrop]);
    }
  });

  it('the receiver reloads mid-transfer: after unlock and a new code, it continues and arrives whole', { timeout: 240_000 }, async () => {
    const file = await randomFile('reload-50MB.bin', fileBytes);
    await withTwo('chromium', 'chromium', [file.dir], async (alice, bob) => {
      await pair(alice, bob);
      await attachFile(alice.page, file.path);
      await click(bob.page, 'button', `Accept ${file.name}`);
      await waitForProgress(bob.page, file.name, 0.4 * file.size);
      await bob.page.reload();
      await enterApp(bob.page, bob);
      await openConversation(bob.page, 'Alice');
      // What was written before the reload is kept: the bar starts where the last checkpoint was.
      await waitForCard(bob.page, file.name, 'The connection was lost. It continues from where it stopped');
      const keptBytes = await progressOf(bob.page, file.name);
      assert.ok(keptBytes > 0.2 * file.size && keptBytes < file.size, `Bob kept ${keptBytes} bytes`);

      await allowDownloads(bob);
      await pair(alice, bob);
      const saved = await saveReceived(bob, file.name, file.size);
      assert.equal(await hashFile(saved), file.hash, 'the saved file is the sent file');
      const resent = (await sentBytesOf(alice.page, file.name)) - file.size;
      console.log(`receiver reloaded: it kept ${keptBytes} bytes; ${resent} bytes were sent twice`);
      assert.ok(resent >= 0 && resent <= file.size - keptBytes, `only what Bob lacked was sent again (${resent})`);
    });
  });
});

/** Copies a picture drawn in the page to the clipboard and pastes it into the message box with the keyboard, as a
 * person pastes a screenshot (Chromium: the paste is the browser's own, its file named "image.png"). */
async function pastePicture(person) {
  const { page } = person;
  await page.browser().defaultBrowserContext().overridePermissions(new URL(server.url).origin, ['clipboard-read', 'clipboard-write', 'clipboard-sanitized-write']);
  const box = await locate(page, 'textbox', 'Message');
  await page.bringToFront();
  await box.focus();
  await page.evaluate(async () => {
    const canvas = new OffscreenCanvas(640, 400);
    const context = canvas.getContext('2d');
    const gradient = context.createLinearGradient(0, 0, 640, 400);
    gradient.addColorStop(0, '#f80');
    gradient.addColorStop(1, '#208');
    context.fillStyle = gradient;
    context.fillRect(0, 0, 640, 400);
    const png = await canvas.convertToBlob({ type: 'image/png' });
    await navigator.clipboard.write([new ClipboardItem({ 'image/png': png })]);
  });
  await box.focus();
  await page.keyboard.down('Control');
  await page.keyboard.press('KeyV', { commands: ['Paste'] });
  await page.keyboard.up('Control');
}

/** Every <img>, <object>, <embed> and <iframe> of the page, through shadow roots: its name (alt) and address. */
async function picturesOf(page) {
  return page.evaluate(
    inPage((probe) =>
      probe
        .findAll((el) => ['img', 'object', 'embed', 'iframe', 'image'].includes(el.localName))
        .map((el) => ({ tag: el.localName, name: el.getAttribute('alt') ?? '', src: el.currentSrc || el.getAttribute('src') || el.getAttribute('data') || '', width: el.naturalWidth ?? 0 })),
    ),
  );
}

/** Waits until each person shows the preview img named `name`, drawn from decoded pixels (a blob: of the page). */
async function waitForPreviews(people, name) {
  for (const { page } of people) {
    await locate(page, 'img', name, { visible: true });
    const preview = (await picturesOf(page)).find((p) => p.name === name);
    assert.ok(preview.src.startsWith('blob:') && preview.width > 0, `a decoded preview: ${JSON.stringify(preview)}`);
  }
}

/**
 * Pastes a picture into Firefox's message box. Headless Firefox's clipboard holds text only (a picture written with
 * navigator.clipboard.write reads back as nothing, and Ctrl+V then pastes no file), so the paste event is made in the
 * page: a ClipboardEvent "paste" dispatched on the message box, its clipboardData a DataTransfer holding a PNG drawn
 * in the page. Firefox's ClipboardEvent constructor ignores `clipboardData` (it gives the event an empty one), so the
 * DataTransfer is set on the event itself.
 */
async function pastePictureInFirefox(person, name) {
  const box = await locate(person.page, 'textbox', 'Message');
  await box.focus();
  await box.evaluate(async (box, name) => {
    const canvas = new OffscreenCanvas(480, 320);
    const context = canvas.getContext('2d');
    context.fillStyle = '#208';
    context.fillRect(0, 0, 480, 320);
    context.fillStyle = '#f80';
    context.fillRect(80, 60, 200, 120);
    const png = await canvas.convertToBlob({ type: 'image/png' });
    const data = new DataTransfer();
    data.items.add(new File([png], name, { type: 'image/png' }));
    const paste = new ClipboardEvent('paste', { bubbles: true, cancelable: true, composed: true });
    Object.defineProperty(paste, 'clipboardData', { value: data });
    box.dispatchEvent(paste);
  }, name);
  await box.dispose();
}

/** A 360×740 phone's screen. Not isMobile or hasTouch: changing those makes puppeteer reload the page (locked). */
const phone = { width: 360, height: 740 };
/** Puppeteer's own default: the wide layout, as the rest of these tests see it. */
const defaultViewport = { width: 800, height: 600 };

/** The open conversation's log as shown, oldest first: each message's text, or "file <name>" for a file's card. */
function logItemsOf(page) {
  return onDeepElement(page, 'tc-message-log', (log) =>
    [...log.shadowRoot.querySelectorAll('.items > [data-id]')].map((item) =>
      item.classList.contains('file') ? `file ${item.querySelector('tc-transfer-card').transfer.name}` : item.querySelector('p')?.textContent ?? ''),
  );
}

/** Whether the button named `name` is whole on screen: inside the viewport and inside the log's visible part. */
async function isWholeInLog(page, name) {
  return withElement(page, 'button', name, { visible: true }, (button) =>
    button.evaluate((el) => {
      const log = el.getRootNode().host.getRootNode().querySelector('[role=log]').getBoundingClientRect();
      const box = el.getBoundingClientRect();
      return box.top >= log.top - 0.5 && box.bottom <= log.bottom + 0.5 && box.left >= -0.5 && box.right <= innerWidth + 0.5 && box.bottom <= innerHeight;
    }),
  );
}

const svgWithScript = `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" onload="window.svgRan = 'onload'">
<script>window.svgRan = 'script'; document.title = 'pwned';</script><circle cx="50" cy="50" r="40" fill="red"/></svg>`;

describe('pictures', () => {
  it('a picture pasted in Firefox shows a preview on both sides', { timeout: 180_000 }, async () => {
    await withTwo('firefox', 'chromium', [], async (alice, bob) => {
      await pair(alice, bob);
      await pastePictureInFirefox(alice, 'pasted-in-firefox.png');
      // Taken without asking (a small picture) and previewed on both sides.
      await waitForPreviews([bob, alice], 'pasted-in-firefox.png');
    });
  });

  it('a pasted picture shows a preview on both sides; an SVG with a script is offered as a file and never rendered', { timeout: 180_000 }, async () => {
    const svg = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tincan-svg-')), 'drawing.svg');
    fs.writeFileSync(svg, svgWithScript);
    await withTwo('chromium', 'firefox', [path.dirname(svg)], async (alice, bob) => {
      await pair(alice, bob);
      await pastePicture(alice);
      // A small picture is taken without asking (Settings: pictures up to 5 MB by default), and previewed.
      await waitForPreviews([bob, alice], 'image.png');

      // On a 360×740 phone, both sides: the file shows in the log at its time, its buttons whole on screen.
      await Promise.all([alice.page.setViewport(phone), bob.page.setViewport(phone)]);
      // A phone shows one screen at a time: the conversation is opened from the list.
      await Promise.all([openConversation(alice.page, 'Bob'), openConversation(bob.page, 'Alice')]);
      const before = 'a drawing is coming';
      const after = 'what is in it?';
      await sendMessage(alice.page, before);
      await waitForText(bob.page, 'log', 'Messages', before);
      await attachFile(alice.page, svg);
      // Not a picture to Tincan: Bob is asked, as for any file.
      await waitForCard(bob.page, 'drawing.svg', 'Alice wants to send you this file.');
      assert.equal(await isWholeInLog(bob.page, 'Accept drawing.svg'), true, 'Bob sees "Accept" whole on his phone');
      assert.equal(await isWholeInLog(bob.page, 'Decline drawing.svg'), true, 'Bob sees "Decline" whole on his phone');
      await sendMessage(bob.page, after);
      await waitForText(alice.page, 'log', 'Messages', after);
      for (const person of [alice, bob]) {
        const items = await logItemsOf(person.page);
        const at = items.indexOf('file drawing.svg');
        assert.deepEqual(items.slice(at - 1, at + 2), [before, 'file drawing.svg', after], `${person.name} (${person.kind}): ${items.join(' | ')}`);
        const width = await person.page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= phone.width, `${person.name}: nothing sticks out sideways (${width} px)`);
      }
      await Promise.all([alice.page.setViewport(defaultViewport), bob.page.setViewport(defaultViewport)]);
      await click(bob.page, 'button', 'Accept drawing.svg');
      await waitForCard(bob.page, 'drawing.svg', 'Received and checked');
      await waitForCard(alice.page, 'drawing.svg', 'Sent. Bob has it.');
      // "Save" is a download (its blob is octet-stream: src/platform/browser-platform.ts exportFile), never a rendering.
      const saved = await saveReceived(bob, 'drawing.svg', Buffer.byteLength(svgWithScript));
      assert.equal(fs.readFileSync(saved, 'utf8'), svgWithScript);
      for (const person of [alice, bob]) {
        const pictures = await picturesOf(person.page);
        assert.deepEqual(pictures.filter((p) => p.name !== 'image.png' && !p.src.endsWith('logo.svg')), [], `${person.name}: nothing else is shown as a picture`);
        assert.equal(await person.page.evaluate(() => window.svgRan ?? 'no'), 'no', `${person.name}: the SVG's script never ran`);
        assert.notEqual(await person.page.title(), 'pwned');
      }
      // Both reload: the thumbnails were kept sealed in the vault, so the previews come back although Alice's page
      // no longer has the picture and Bob's copy is sealed on disk.
      for (const person of [alice, bob]) {
        await person.page.reload();
        await enterApp(person.page, person);
        await openConversation(person.page, person === alice ? 'Bob' : 'Alice');
      }
      await waitForPreviews([bob, alice], 'image.png');
    });
  });
});
