// The Node peer (src/node/tincan-node.ts) over real node-datachannel links and real profile folders: pairing
// through codes, chat both ways with acks, the same safety number on both sides, names that resolve to exactly one
// contact, history and certificate kept across a restart, the encrypted backup out and back in, one process per
// folder; files a contact sends saved whole in the downloads folder under a safe name that replaces nothing.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, statfs, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isTincanError, type ErrorCode } from '../../../src/errors';
import type { FileTransfers } from '../../../src/chat/files/file-transfers';
import { DownloadFileSink, downloadFileName, downloadsTag } from '../../../src/node/download-folder';
import { openTincan, stopTincan, type OpenTincanOptions, type TincanNode, type TincanNodeEvents } from '../../../src/node/tincan-node';
import { cheapKdf } from '../store/helpers';

const passphrase = 'correct horse battery staple 42';
const folders: string[] = [];
async function home(): Promise<string> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'tincan-node-'));
  folders.push(folder);
  return folder;
}

after(async () => {
  stopTincan();
  await Promise.all(folders.map((f) => rm(f, { recursive: true, force: true })));
});

const open = (options: Partial<OpenTincanOptions> & { home: string }) => openTincan({ passphrase, kdfLimits: cheapKdf, ...options });

function next<K extends keyof TincanNodeEvents>(node: TincanNode, name: K, test: (e: TincanNodeEvents[K]) => boolean = () => true): Promise<TincanNodeEvents[K]> {
  return new Promise((resolve) => {
    const stop = node.on(name, (event) => {
      if (!test(event)) return;
      stop();
      resolve(event);
    });
  });
}

/**
 * Alice invites, Bob answers, Alice applies the answer: both see the other connected. A second invite when the
 * answer is refused by libdatachannel's race (docs/node-peer.md §1: the answerer's checks came first, on a loaded
 * machine), as a person would make one, up to pairingAttempts.
 */
async function pair(alice: TincanNode, bob: TincanNode): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await pairOnce(alice, bob);
    } catch (error) {
      if (attempt === pairingAttempts || !isTincanError(error, 'CODE_REFUSED') || !/without ICE transport/.test(error.message)) throw error;
      console.log(`# pairing ${attempt} refused by libdatachannel's race, a new invite: ${error.message}`);
    }
  }
}

/** Invites tried before a pairing fails (one refused twice in a row in a full CI run). */
const pairingAttempts = 3;

async function pairOnce(alice: TincanNode, bob: TincanNode): Promise<void> {
  const { code, link } = await alice.invite();
  assert.ok(link.endsWith(`#${code}`));
  const connected = [next(alice, 'connected'), next(bob, 'connected')];
  const { answer } = await bob.useCode(link); // a link is taken as well as a bare code
  assert.ok(answer);
  assert.deepEqual(await alice.useCode(answer!), {});
  const [onAlice, onBob] = await Promise.all(connected);
  assert.equal(onAlice!.name, bob.name);
  assert.equal(onBob!.name, alice.name);
}

/** What the receiver did with the next file offered: "saved NAME" or "refused NAME REASON". */
function fileOutcomes(node: TincanNode, count: number): Promise<string[]> {
  const outcomes: string[] = [];
  return new Promise((resolve) => {
    const settle = (outcome: string) => {
      outcomes.push(outcome);
      if (outcomes.length !== count) return;
      stops.forEach((stop) => stop());
      resolve(outcomes);
    };
    const stops = [node.on('file', (f) => settle(`saved ${f.name}`)), node.on('file-refused', (f) => settle(`refused ${f.name} ${f.reason}`))];
  });
}

/** How the sender's own transfer of `name` ends (what its page shows): the code of its failure. */
function senderOutcome(node: TincanNode, name: string): Promise<ErrorCode> {
  const files = (node as unknown as { core: { files?: FileTransfers } }).core.files!;
  return new Promise((resolve) => {
    const stop = files.on('failed', ({ transfer, code }) => {
      if (transfer.direction !== 'out' || transfer.name !== name) return;
      stop();
      resolve(code);
    });
  });
}

async function rejects(promise: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  await assert.rejects(async () => (typeof promise === 'function' ? promise() : promise), (error) => isTincanError(error) && error.code === code);
}

describe('a Node peer', () => {
  it('pairs through codes, chats both ways with acks, shows the same safety number, and keeps it all across a restart', async () => {
    const [aliceHome, bobHome] = [await home(), await home()];
    const alice = await open({ home: aliceHome, create: { name: 'Alice' } });
    let bob = await open({ home: bobHome, create: { name: 'Bob' } });
    await pair(alice, bob);

    const arrived = next(bob, 'message');
    const delivered = next(alice, 'delivered');
    const sent = await alice.send('Bob', 'hello Bob');
    const message = await arrived;
    assert.deepEqual([message.contactId, message.from, message.id, message.text], [alice.id, 'Alice', sent.id, 'hello Bob']);
    assert.equal(sent.contactId, bob.id, 'a contact is its identity key');
    assert.equal((await delivered).id, sent.id);
    const back = next(alice, 'message');
    await bob.send('Alice', 'hi Alice');
    assert.equal((await back).text, 'hi Alice');
    assert.deepEqual(await alice.safetyNumber('Bob'), await bob.safetyNumber('Alice'));
    assert.equal((await alice.safetyNumber('Bob')).length, 12);

    const fingerprint = bob.certificateFingerprint;
    const gone = next(alice, 'disconnected');
    await bob.close();
    await gone;
    await rejects(alice.send('nobody', 'x'), 'CONTACT_UNKNOWN');
    const queued = await alice.send('Bob', 'while you were away');
    assert.equal(alice.contacts()[0]!.waiting, 1);

    bob = await open({ home: bobHome });
    assert.deepEqual(bob.certificateFingerprint, fingerprint, 'the certificate is kept in the folder');
    assert.deepEqual(
      (await bob.history('Alice')).map((m) => [m.direction, m.text]),
      [['in', 'hello Bob'], ['out', 'hi Alice']],
    );
    // Alice reconnects Bob with one code (his certificate is pinned): no answer goes back.
    const { code } = await alice.reconnect('Bob');
    const late = next(bob, 'message', (m) => m.id === queued.id);
    const answered = await bob.useCode(code);
    assert.ok(answered.exchangeId);
    assert.equal((await late).text, 'while you were away');
    await Promise.all([alice.close(), bob.close()]);
  });

  it('resolves a name only when one contact has it: two people called Bob are told apart by their keys', async () => {
    const alice = await open({ home: await home(), create: { name: 'Alice' } });
    const bob = await open({ home: await home(), create: { name: 'Bob' } });
    const otherBob = await open({ home: await home(), create: { name: 'Bob' } });
    await pair(alice, bob);
    await pair(alice, otherBob);
    await rejects(() => alice.findContact('Bob'), 'CONTACT_AMBIGUOUS');
    await rejects(alice.send('Bob', 'which one?'), 'CONTACT_AMBIGUOUS');
    assert.deepEqual(alice.contacts().map((c) => c.id).sort(), [bob.id, otherBob.id].sort());
    const arrived = next(otherBob, 'message');
    await alice.send(otherBob.id, 'to the second Bob');
    assert.equal((await arrived).text, 'to the second Bob');
    assert.equal(alice.findContact(otherBob.id.slice(0, 8)).id, otherBob.id, 'an id prefix names a contact too');
    await Promise.all([alice.close(), bob.close(), otherBob.close()]);
  });

  it('exports the encrypted backup and imports it into an empty folder: same profile, contacts and history', async () => {
    const [aliceHome, bobHome, restoredHome] = [await home(), await home(), await home()];
    const alice = await open({ home: aliceHome, create: { name: 'Alice' } });
    const bob = await open({ home: bobHome, create: { name: 'Bob' } });
    await pair(alice, bob);
    const delivered = next(alice, 'delivered');
    await alice.send('Bob', 'kept in the backup');
    await delivered;
    const backup = await alice.exportBackup();
    const contactId = alice.findContact('Bob').id;
    await Promise.all([alice.close(), bob.close()]);

    await rejects(open({ home: restoredHome, passphrase: 'not the passphrase', importBackup: backup }), 'WRONG_PASSPHRASE');
    await rejects(open({ home: aliceHome, importBackup: backup }), 'PROFILE_EXISTS');
    const restored = await open({ home: restoredHome, importBackup: backup });
    assert.equal(restored.name, 'Alice');
    assert.equal(restored.findContact('Bob').id, contactId);
    assert.deepEqual((await restored.history('Bob')).map((m) => [m.direction, m.text, m.state]), [['out', 'kept in the backup', 'delivered']]);
    await restored.close();
  });

  it('refuses a second process on one folder, a missing profile and a wrong passphrase, and leaves the folder usable', async () => {
    const folder = await home();
    await rejects(open({ home: folder }), 'PROFILE_MISSING');
    const alice = await open({ home: folder, create: { name: 'Alice' } });
    await rejects(open({ home: folder }), 'PROFILE_IN_USE');
    await alice.close();
    await rejects(open({ home: folder, passphrase: 'wrong' }), 'WRONG_PASSPHRASE');
    await rejects(open({ home: folder, create: { name: 'Alice' } }), 'PROFILE_EXISTS');
    const again = await open({ home: folder });
    assert.equal(again.name, 'Alice');
    await again.close();
  });

  it('saves a file a contact sends in the downloads folder: the same bytes, a safe name, never over another file', async () => {
    const [aliceHome, bobHome] = [await home(), await home()];
    const downloads = path.join(bobHome, 'received');
    const alice = await open({ home: aliceHome, create: { name: 'Alice' } });
    const bob = await open({ home: bobHome, create: { name: 'Bob' }, files: { directory: downloads, maxBytes: 1024 * 1024 } });
    await pair(alice, bob);
    const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

    const bytes = randomBytes(300_000);
    const source = path.join(aliceHome, 'report.bin');
    await writeFile(source, bytes);
    // A file of Bob's already has that name: it stays as it was.
    await mkdir(downloads, { recursive: true });
    await writeFile(path.join(downloads, 'report.bin'), 'Bob\'s own file');
    let saved = next(bob, 'file');
    await alice.sendFile('Bob', source);
    const first = await saved;
    assert.deepEqual([first.from, first.name, first.size, first.path], ['Alice', 'report.bin', bytes.length, path.join(downloads, 'report (1).bin')]);
    assert.equal(sha(await readFile(first.path)), sha(bytes), 'the same bytes');
    assert.equal(await readFile(path.join(downloads, 'report.bin'), 'utf8'), 'Bob\'s own file', 'not overwritten');

    // A hostile name: separators, "..", control and bidirectional characters.
    saved = next(bob, 'file');
    await alice.sendFile('Bob', source, { name: '../../.ssh/authorized_keys\u0000\u202e..\\..\\x\n.txt' });
    const hostile = await saved;
    assert.equal(path.dirname(hostile.path), downloads, 'inside the downloads folder');
    const saneName = path.basename(hostile.path);
    assert.ok(!/[/\\\u0000-\u001f\u202e]/.test(saneName) && !saneName.includes('..') && !saneName.startsWith('.'), `a plain name: ${JSON.stringify(saneName)}`);
    assert.equal(sha(await readFile(hostile.path)), sha(bytes));

    // Larger than Bob takes: declined, nothing written.
    const big = path.join(aliceHome, 'big.bin');
    await writeFile(big, randomBytes(2 * 1024 * 1024));
    const refused = next(bob, 'file-refused');
    await alice.sendFile('Bob', big);
    assert.deepEqual(await refused, { contactId: alice.id, from: 'Alice', name: 'big.bin', size: 2 * 1024 * 1024, reason: 'too-large' });
    assert.deepEqual((await readdir(downloads)).sort(), ['report (1).bin', 'report.bin', saneName].sort(), 'no temporary file left, nothing else');
    await alice.close();
    await bob.close();
  });

  it('declines a file that would pass --max-downloads-size, counting the folder and the files on their way; room made is used again', async () => {
    const [aliceHome, bobHome] = [await home(), await home()];
    const downloads = path.join(bobHome, 'received');
    const alice = await open({ home: aliceHome, create: { name: 'Alice' } });
    const bob = await open({ home: bobHome, create: { name: 'Bob' }, files: { directory: downloads, maxTotalBytes: 500_000 } });
    await pair(alice, bob);
    const source = path.join(aliceHome, 'a.bin');
    await writeFile(source, randomBytes(300_000));
    await mkdir(downloads, { recursive: true });
    await writeFile(path.join(downloads, 'own.bin'), randomBytes(300_000));

    // 300 kB in the folder + 300 kB > 500 kB: declined, and the sender's transfer ends "declined".
    let outcomes = fileOutcomes(bob, 1);
    const declined = senderOutcome(alice, 'first.bin');
    await alice.sendFile('Bob', source, { name: 'first.bin' });
    assert.deepEqual(await outcomes, ['refused first.bin downloads-full']);
    assert.equal(await declined, 'FILE_DECLINED');

    // Bob moves his own file out: room again. Two offers at once: the first one taken counts for the second.
    await unlink(path.join(downloads, 'own.bin'));
    outcomes = fileOutcomes(bob, 2);
    await Promise.all([alice.sendFile('Bob', source, { name: 'second.bin' }), alice.sendFile('Bob', source, { name: 'third.bin' })]);
    const both = await outcomes;
    assert.equal(both.filter((o) => o.startsWith('saved')).length, 1, both.join('; '));
    assert.equal(both.filter((o) => o.endsWith('downloads-full')).length, 1, both.join('; '));
    assert.equal((await readdir(downloads)).length, 1, 'one file, no temporary file left');
    await alice.close();
    await bob.close();
  });

  it('declines a file that would leave its disk less free space than it keeps', async () => {
    const [aliceHome, bobHome] = [await home(), await home()];
    const downloads = path.join(bobHome, 'downloads');
    await mkdir(downloads, { recursive: true });
    const disk = await statfs(downloads);
    const alice = await open({ home: aliceHome, create: { name: 'Alice' } });
    // Keeps more free than the disk has now (with room to spare, as other processes write meanwhile).
    const bob = await open({ home: bobHome, create: { name: 'Bob' }, files: { keepFreeBytes: disk.bavail * disk.bsize + 2 ** 40 } });
    await pair(alice, bob);
    const source = path.join(aliceHome, 'small.bin');
    await writeFile(source, randomBytes(1_000));
    const outcomes = fileOutcomes(bob, 1);
    const declined = senderOutcome(alice, 'small.bin');
    await alice.sendFile('Bob', source);
    assert.deepEqual(await outcomes, ['refused small.bin no-space']);
    assert.equal(await declined, 'FILE_DECLINED');
    assert.deepEqual(await readdir(downloads), []);
    await alice.close();
    await bob.close();
  });

  it('removes at start only its own home\'s temporary files from a downloads folder another home shares', async () => {
    const [homeA, homeB] = [await home(), await home()];
    const shared = path.join(await home(), 'shared');
    // B is receiving a file into the shared folder; A crashed earlier in the middle of one.
    const bReceiving = new DownloadFileSink(shared, downloadsTag(homeB), 'file-of-b', 'b.bin', 10);
    await bReceiving.write(0, new Uint8Array(5));
    const aLeftover = new DownloadFileSink(shared, downloadsTag(homeA), 'file-of-a', 'a.bin', 10);
    await aLeftover.write(0, new Uint8Array(5));
    // And one left by a peer of an older version, whose temporary names had no home's tag (a 12-byte file id).
    const untagged = '.tincan-AAECAwQFBgcICQoL.part';
    await writeFile(path.join(shared, untagged), new Uint8Array(3));
    assert.deepEqual((await readdir(shared)).sort(), [aLeftover.partName, bReceiving.partName, untagged].sort());
    const a = await open({ home: homeA, create: { name: 'A' }, files: { directory: shared } });
    assert.deepEqual(await readdir(shared), [bReceiving.partName], "A's leftover and the untagged one gone, B's file on its way kept");
    await bReceiving.write(5, new Uint8Array(5));
    await bReceiving.commit();
    assert.deepEqual(await readdir(shared), ['b.bin']);
    await a.close();
  });

  it('makes any received name one plain name', () => {
    for (const [given, expected] of [
      ['..', 'file'],
      ['.', 'file'],
      ['', 'file'],
      ['../../etc/passwd', '_._etc_passwd'],
      ['a..b.txt', 'a.b.txt'],
      ['.hidden', 'hidden'],
      ['tab\there\u0007.txt', 'tabhere.txt'],
      ['C:\\Windows\\x.exe', 'C__Windows_x.exe'],
    ] as const) assert.equal(downloadFileName(given), expected, JSON.stringify(given));
    const long = downloadFileName('x'.repeat(1000) + '.pdf');
    assert.ok(Buffer.byteLength(long) <= 255 && long.endsWith('.pdf'), 'bounded, the extension kept');
  });
});
