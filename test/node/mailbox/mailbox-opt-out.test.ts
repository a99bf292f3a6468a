// "Let <name> use my mailbox" (docs/mailbox.md §5): the app facade with its real store and chat core, a real mailbox
// over node-datachannel, in-memory links between the people. Off before the mailbox is added: Bob is never sent its
// code and the mailbox does not serve his key (it serves Carol, who shares, and only her). Turned off after Bob was
// told: Bob's page is told to forget it (and does), and the mailbox stops serving him. A keeper alone, told a code and
// "forget it" at once: it ends with neither the code nor a visit. The choice is kept with the contact, sealed, and
// read back after a reopen; a record whose choice is not a boolean is not a contact.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MailboxKeeper } from '../../../src/app/mailbox-keeper';
import type { TincanApp } from '../../../src/app/tincan-app';
import type { Messenger } from '../../../src/chat/messenger';
import { createIdentity } from '../../../src/crypto/identity';
import { usePasswordHasher, inProcessPasswordHasher } from '../../../src/crypto/vault';
import { encodeMailboxCode } from '../../../src/invite/mailbox-code';
import { runMailbox } from '../../../src/node/mailbox';
import { isContact } from '../../../src/store/records';
import { memoryPlatform } from '../app/memory-platform';
import { until } from '../chat/people';
import { freeUdpPort, cleanupNodeDataChannel } from '../net/direct-harness';
import { cheapKdf } from '../store/helpers';
import { connect, mailboxStepMs, memoryCollection, pageOn, passphrase, quietKeeperOptions, s } from './mailbox-pages';

usePasswordHasher(async (password, salt) => inProcessPasswordHasher(password, salt, cheapKdf));
after(() => cleanupNodeDataChannel());

const messengerOf = (app: TincanApp): Messenger => (app as unknown as { messenger: Messenger }).messenger;
/** The contacts' mailboxes this page visits (app/mailbox-keeper.ts), by contact id. */
const visitedMailboxes = (app: TincanApp): ReadonlyMap<string, unknown> => (app as unknown as { mailbox: { theirs: ReadonlyMap<string, unknown> } }).mailbox.theirs;

/** Alice and Bob connected, a mailbox not added yet; every `mailbox` frame Bob's page receives is recorded. */
async function aliceAndBob() {
  const mailbox = await runMailbox({ home: mkdtempSync(path.join(os.tmpdir(), 'tincan-mailbox-')), listen: { address: '127.0.0.1', port: await freeUdpPort() } });
  const alicePlatform = memoryPlatform();
  const alice = await pageOn(alicePlatform);
  await alice.createProfile('Alice', passphrase, passphrase, 'local');
  const bob = await pageOn(memoryPlatform());
  await bob.createProfile('Bob', passphrase, passphrase, 'local');
  await connect(alice, bob);
  const told: { code?: string }[] = [];
  messengerOf(bob).delivery.on('mailbox', ({ code }) => told.push(code === undefined ? {} : { code }));
  const bobAtAlice = s(alice).conversations[0]!.id;
  /** Locks the pages (and `others`), then stops the mailbox once it saw every visit close. */
  const stop = async (...others: TincanApp[]): Promise<void> => {
    await Promise.all([alice.lock(), bob.lock(), ...others.map((page) => page.lock())]);
    // Stopped with a visit still closing, node-datachannel's UDP mux thread can later crash the process (SIGSEGV in
    // IceUdpMuxListener::UnhandledStunRequestCallback, seen in a later test of this file with Carol's visit added).
    await until(() => mailbox.listener.size === 0, 'the mailbox saw every visit close', mailboxStepMs);
    await mailbox.stop();
  };
  return { mailbox, alice, alicePlatform, bob, bobAtAlice, told, stop };
}

/** Alice writes to Bob and he has it: any frame her page sent him before on that session has arrived by then. */
async function barrier(alice: TincanApp, bob: TincanApp, bobAtAlice: string, text: string): Promise<void> {
  await alice.selectConversation(bobAtAlice);
  assert.equal(await alice.sendMessage(text), true);
  await bob.selectConversation(s(bob).conversations[0]!.id);
  await until(() => s(bob).open?.messages.some((m) => m.text === text) ?? false, 'Bob has Alice\'s message');
}

describe('"Let <name> use my mailbox"', () => {
  it('off: the contact is never sent the mailbox code, and the mailbox does not serve it', async () => {
    const { mailbox, alice, bob, bobAtAlice, told, stop } = await aliceAndBob();
    // Carol shares: the list the mailbox serves is hers once it reached the mailbox (not the empty list it starts with).
    const carol = await pageOn(memoryPlatform());
    await carol.createProfile('Carol', passphrase, passphrase, 'local');
    await connect(carol, alice);
    await until(() => s(alice).conversations.length === 2 && s(alice).conversations.every((c) => c.connection === 'online'), 'Alice online with both');
    assert.equal(s(alice).conversations.find((c) => c.id === bobAtAlice)!.mailboxShared, true, 'on by default');
    await alice.setMailboxShared(bobAtAlice, false);
    assert.equal(s(alice).conversations.find((c) => c.id === bobAtAlice)!.mailboxShared, false);

    await alice.addMailbox(mailbox.code);
    assert.equal(s(alice).mailbox, 'connected');
    // Carol's visit is welcomed only once the mailbox serves her key: the list Alice's page told it has arrived.
    await until(() => [...visitedMailboxes(carol).values()].some((v) => (v as { isOpen: boolean }).isOpen), 'Carol visits Alice\'s mailbox', mailboxStepMs);
    assert.equal(mailbox.status().contacts, 1, 'the mailbox serves Carol only: Bob\'s key is not in its list');
    await barrier(alice, bob, bobAtAlice, 'after the mailbox was added');
    assert.deepEqual(told.filter((t) => t.code !== undefined), [], 'no mailbox code reached Bob');
    assert.equal(visitedMailboxes(bob).size, 0, 'Bob visits no mailbox');
    await stop(carol);
  });

  it('turned off after the code was sent: the contact is told to forget it, and the mailbox stops serving it', async () => {
    const { mailbox, alice, bob, bobAtAlice, told, stop } = await aliceAndBob();
    await alice.addMailbox(mailbox.code);
    await until(() => mailbox.status().contacts === 1 && visitedMailboxes(bob).size === 1, 'Bob told, served and visiting', mailboxStepMs);
    assert.equal(told.length, 1);

    await alice.setMailboxShared(bobAtAlice, false);
    await until(() => told.length === 2, 'Bob told again');
    assert.deepEqual(told[1], {}, 'to forget the mailbox');
    await until(() => visitedMailboxes(bob).size === 0, 'Bob forgot it');
    await until(() => mailbox.status().contacts === 0, 'the mailbox no longer serves Bob', mailboxStepMs);

    // On again: told the code again, served again.
    await alice.setMailboxShared(bobAtAlice, true);
    await until(() => mailbox.status().contacts === 1 && visitedMailboxes(bob).size === 1, 'Bob told, served and visiting again', mailboxStepMs);
    assert.equal(told[2]?.code !== undefined, true);
    await stop();
  });

  it('told on, then off at once: the page ends with no visit and no code kept; off then on: visiting, code kept', async () => {
    const contactMailboxes = memoryCollection();
    const dialed: string[] = [];
    const keeper = new MailboxKeeper({
      collection: memoryCollection(),
      contactMailboxes,
      // Never answers: the visit stays a dial, so only what the keeper keeps is looked at.
      dial: (target) => (dialed.push(target.address), new Promise(() => undefined)),
      identity: await createIdentity(),
      ...quietKeeperOptions,
      contactKeys: () => new Map([['alice-id', 'A'.repeat(43)]]),
      isOnline: () => true,
      reconnectCode: async () => undefined,
      useReconnectCode: async () => undefined,
    });
    const visiting = (): number => (keeper as unknown as { theirs: ReadonlyMap<string, unknown> }).theirs.size;
    const code = encodeMailboxCode({ address: '192.0.2.1', port: 4_000, fingerprint: new Uint8Array(32).fill(1), identityKey: new Uint8Array(32).fill(2) });

    // As the app calls them: one frame each, not awaited in between (the learn's write is still pending).
    await Promise.all([keeper.learn('alice-id', code), keeper.forget('alice-id')]);
    assert.equal(visiting(), 0, 'no mailbox visited after "forget it"');
    assert.equal(await contactMailboxes.get('alice-id'), undefined, 'no code kept');

    await Promise.all([keeper.forget('alice-id'), keeper.learn('alice-id', code)]);
    assert.equal(visiting(), 1, 'the last word (the code) is the one kept');
    assert.equal(await contactMailboxes.get('alice-id'), code);
    assert.ok(dialed.length > 0);
    keeper.dispose();
  });

  it('is kept with the contact: read back after the vault is closed and opened again', async () => {
    const { alice, alicePlatform, bobAtAlice, stop } = await aliceAndBob();
    await alice.setMailboxShared(bobAtAlice, false);
    await stop();
    const reopened = await pageOn(alicePlatform);
    await reopened.unlock(passphrase);
    assert.equal(s(reopened).conversations.find((c) => c.id === bobAtAlice)?.mailboxShared, false);
    await reopened.lock();
  });

  it('is validated where a contact record is read', () => {
    const contact = { id: 'A'.repeat(43), pinnedKey: 'A'.repeat(43), displayName: 'Bob', verified: false, firstSeen: 1, lastSeen: 1 };
    assert.equal(isContact({ ...contact, mailboxShared: false }), true);
    assert.equal(isContact({ ...contact, mailboxShared: 'no' }), false);
  });
});
