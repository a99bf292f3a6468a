// The Node peer's command line (bin/tincan.mjs, issue 20) and real browsers, through real codes pasted in the UI:
// the CLI invites Chromium, messages go both ways, both sides show the same safety number, the history survives a
// restart of the CLI (which then reconnects Chromium with one code), a file Chromium attaches in its UI lands in the
// CLI's downloads folder with the same bytes, and Chromium's encrypted backup imports into the
// CLI and the CLI's export restores in a fresh Chromium. Then the CLI invites Firefox, and Firefox and Chromium each
// invite a new CLI profile: each pairing chats both ways with equal safety numbers. A CLI's second contact is the
// case that once failed (docs/node-peer.md §5).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { launchBrowser } from './browsers.mjs';
import { inPage } from './page-probe.mjs';
import {
  click, fill, openContactDetails, openConversation, openPerson, pasteCode, readCode, sendMessage, serveForSuite, textOf, until,
  waitForConnected, waitForText,
} from './helpers.mjs';

const server = serveForSuite();
const passphrase = 'correct horse battery staple 42';
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tincan-cli-e2e-'));
const env = { ...process.env, TINCAN_PASSPHRASE: passphrase };

/** One run of `tincan --json …`: its events as they come, a way to write JSON lines to it, and its end. */
function tincan(home, ...args) {
  const child = spawn(process.execPath, ['bin/tincan.mjs', '--json', '--home', home, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const events = [];
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  readline.createInterface({ input: child.stdout }).on('line', (line) => events.push(JSON.parse(line)));
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    events,
    write: (value) => child.stdin.write(`${JSON.stringify(value)}\n`),
    /** The first event that passes `test`, as soon as it is printed. */
    next: (test, what) =>
      until(() => events.find(test), `tincan ${args[0]}: ${what}`, { timeout: 30_000, everyMs: 50 }).catch((error) => {
        throw new Error(`${error.message}; it said ${JSON.stringify(events)} (stderr: ${stderr.slice(-1500)})`);
      }),
    quit: async () => {
      child.stdin.end(`${JSON.stringify({ quit: true })}\n`);
      return exited;
    },
  };
}

/** A command that runs to its end: its JSON events. */
function tincanOnce(home, ...args) {
  const run = spawnSync(process.execPath, ['bin/tincan.mjs', '--json', '--home', home, ...args], { env, encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 0, `tincan ${args.join(' ')}: ${run.stdout}${run.stderr}`);
  return run.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

async function safetyDigits(page) {
  await openContactDetails(page);
  await click(page, 'button', 'Safety number');
  const text = await textOf(page, 'region', 'Safety number');
  await click(page, 'button', 'Back');
  return (text.match(/\b\d{5}\b/g) ?? []).join(' ');
}

const shown = (page, text) => waitForText(page, 'log', 'Messages', text);

/** The "Attach file" control is the file input itself (named, role button): the picker is filled as puppeteer can. */
async function attachFile(page, file) {
  const input = await page.waitForFunction(
    inPage((probe) => probe.find((el) => el.localName === 'input' && el.type === 'file' && el.getAttribute('aria-label') === 'Attach file')),
    { polling: 100, timeout: 30_000 },
  );
  await input.asElement().uploadFile(file);
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** A connected CLI run and a browser page: a message each way, and both show the same safety number. */
async function chatBothWays(person, cli, cliName, connected) {
  assert.equal(connected.contact, person.name);
  await waitForConnected(person.page);
  await openConversation(person.page, cliName);
  await sendMessage(person.page, `hello from ${person.name}`);
  const arrived = await cli.next((e) => e.event === 'message' && e.from === person.name, 'a message');
  assert.equal(arrived.text, `hello from ${person.name}`);
  cli.write({ send: `hello to ${person.name}`, to: person.name });
  await shown(person.page, `hello to ${person.name}`);
  assert.equal(await safetyDigits(person.page), connected.safetyNumber);
}

describe('the tincan command line and real browsers', () => {
  const home = path.join(scratch, 'cli');
  let chromium;
  before(async () => {
    // The bundle is built once here, so the CLI runs below do not race to build it.
    spawnSync(process.execPath, ['scripts/build-node.mjs'], { stdio: 'inherit' });
    chromium = await openPerson('chromium', server.url, { name: 'Chromium Alice', passphrase });
  });
  after(async () => {
    await chromium?.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('invites Chromium with a code, chats both ways, and after a restart keeps the history and reconnects with one code', { timeout: 120_000 }, async () => {
    assert.equal(tincanOnce(home, 'init', '--name', 'Carol CLI')[0].event, 'created');
    const cli = tincan(home, 'invite');
    const invite = await cli.next((e) => e.event === 'invite', 'an invite');
    assert.ok(invite.link.endsWith(`#${invite.code}`));
    await pasteCode(chromium.page, invite.code);
    cli.write({ answer: await readCode(chromium.page, 'Answer code') });
    const connected = await cli.next((e) => e.event === 'connected', 'connected');
    assert.equal(connected.contact, 'Chromium Alice');
    await waitForConnected(chromium.page);

    await sendMessage(chromium.page, 'hello from Chromium');
    const arrived = await cli.next((e) => e.event === 'message', 'a message');
    assert.deepEqual([arrived.from, arrived.text], ['Chromium Alice', 'hello from Chromium']);
    cli.write({ send: 'hello from the CLI', to: 'Chromium Alice' });
    await shown(chromium.page, 'hello from the CLI');
    const stored = await cli.next((e) => e.event === 'stored', 'stored');
    await cli.next((e) => e.event === 'delivered' && e.id === stored.id, 'delivered');
    assert.equal(await safetyDigits(chromium.page), connected.safetyNumber);
    await openConversation(chromium.page, 'Carol CLI');
    assert.equal(await cli.quit(), 0);

    const again = tincan(home, 'chat', 'Chromium Alice');
    const reconnect = await again.next((e) => e.event === 'invite', 'a reconnect code');
    assert.deepEqual(
      again.events.filter((e) => e.event === 'history').map((e) => [e.direction, e.text]),
      [['in', 'hello from Chromium'], ['out', 'hello from the CLI']],
    );
    await pasteCode(chromium.page, reconnect.code);
    await again.next((e) => e.event === 'connected', 'connected again');
    await waitForConnected(chromium.page);
    again.write({ send: 'still here after a restart' });
    await shown(chromium.page, 'still here after a restart');

    // A file attached in Chromium's UI: the CLI accepts it (under its size bound) and saves it in <home>/downloads.
    const sent = path.join(scratch, 'from-chromium.bin');
    fs.writeFileSync(sent, randomBytes(200_000));
    await attachFile(chromium.page, sent);
    const received = await again.next((e) => e.event === 'file', 'a file');
    assert.deepEqual([received.from, received.name, received.size, received.path], ['Chromium Alice', 'from-chromium.bin', 200_000, path.join(home, 'downloads', 'from-chromium.bin')]);
    assert.equal(sha256(fs.readFileSync(received.path)), sha256(fs.readFileSync(sent)), 'the same bytes');
    assert.equal(await again.quit(), 0);
  });

  it("imports Chromium's encrypted backup, and the CLI's export restores in a fresh Chromium", { timeout: 90_000 }, async () => {
    const downloads = path.join(scratch, 'downloads');
    fs.mkdirSync(downloads);
    const cdp = await chromium.page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
    await click(chromium.page, 'button', 'Settings');
    await click(chromium.page, 'button', 'Export backup');
    const file = await until(() => fs.readdirSync(downloads).find((f) => f.endsWith('.tincan')), 'a downloaded .tincan file');

    const restored = path.join(scratch, 'restored');
    assert.equal(tincanOnce(restored, 'import', path.join(downloads, file))[0].name, 'Chromium Alice');
    const history = tincanOnce(restored, 'history', 'Carol CLI').map((e) => [e.direction, e.text]);
    assert.deepEqual(history, [['out', 'hello from Chromium'], ['in', 'hello from the CLI'], ['in', 'still here after a restart']]);

    const back = path.join(scratch, 'back.tincan');
    tincanOnce(restored, 'export', back);
    const fresh = await launchBrowser('chromium');
    try {
      const page = (await fresh.pages())[0];
      await page.goto(server.url);
      await click(page, 'button', 'Restore from a backup');
      const input = await page.waitForSelector('pierce/input[type=file][name=backup]');
      await input.uploadFile(back);
      await fill(page, 'textbox', 'Backup passphrase', passphrase);
      await click(page, 'button', 'Restore backup');
      await openConversation(page, 'Carol CLI');
      await waitForText(page, 'log', 'Messages', 'still here after a restart');
      await waitForText(page, 'log', 'Messages', 'hello from Chromium');
    } finally {
      await fresh.close();
    }
  });

  it('pairs with Firefox in both roles, and answers invites from Firefox and Chromium: chat both ways, equal safety numbers', { timeout: 120_000 }, async () => {
    const firefox = await openPerson('firefox', server.url, { name: 'Firefox Dave', passphrase });
    try {
      // The CLI invites Firefox (the CLI's second contact, after Chromium Alice).
      const cli = tincan(home, 'invite');
      await pasteCode(firefox.page, (await cli.next((e) => e.event === 'invite', 'an invite')).code);
      cli.write({ answer: await readCode(firefox.page, 'Answer code') });
      await chatBothWays(firefox, cli, 'Carol CLI', await cli.next((e) => e.event === 'connected', 'connected to Firefox'));
      assert.equal(await cli.quit(), 0);

      // Each browser invites a new CLI profile, which answers.
      const erin = path.join(scratch, 'erin');
      tincanOnce(erin, 'init', '--name', 'Erin CLI');
      for (const person of [firefox, chromium]) {
        await click(person.page, 'button', 'New invite');
        const accepting = tincan(erin, 'accept', await readCode(person.page, 'Invite code'));
        await pasteCode(person.page, (await accepting.next((e) => e.event === 'answer', 'an answer')).code);
        await chatBothWays(person, accepting, 'Erin CLI', await accepting.next((e) => e.event === 'connected', `connected to ${person.name}`));
        assert.equal(await accepting.quit(), 0);
      }
    } finally {
      await firefox.close();
    }
  });
});
