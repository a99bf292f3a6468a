// The Node peer (src/node/tincan-node.ts) over real node-datachannel links and real profile folders: pairing
// through codes, chat both ways with acks, the same safety number on both sides, names that resolve to exactly one
// contact, history and certificate kept across a restart, the encrypted backup out and back in, one process per
// folder.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isTincanError } from '../../../src/errors';
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
});
