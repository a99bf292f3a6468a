// "Remove mailbox" (docs/mailbox.md §5): the app facade with its real store and chat core, a real mailbox over
// node-datachannel, in-memory links between the people. Removed while Bob is connected: the mailbox is told to serve
// no one, Bob's page is told to forget it at once, stops visiting it and erases its code. Removed while Carol is away:
// she is told at her next connection, and forgets it; who is still to be told is kept in Alice's vault, so a reload of
// Alice's page between the removal and Carol's return still tells her.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TincanApp } from '../../../src/app/tincan-app';
import type { Messenger } from '../../../src/chat/messenger';
import { usePasswordHasher, inProcessPasswordHasher } from '../../../src/crypto/vault';
import { runMailbox } from '../../../src/node/mailbox';
import type { SealedCollection } from '../../../src/store/sealed-collection';
import { memoryPlatform } from '../app/memory-platform';
import { until } from '../chat/people';
import { freeUdpPort, cleanupNodeDataChannel } from '../net/direct-harness';
import { cheapKdf } from '../store/helpers';
import { connect, mailboxStepMs, pageOn, passphrase, s, type Platform } from './mailbox-pages';

usePasswordHasher(async (password, salt) => inProcessPasswordHasher(password, salt, cheapKdf));
after(() => cleanupNodeDataChannel());

type KeeperInside = { theirs: ReadonlyMap<string, unknown>; options: { contactMailboxes: SealedCollection } };
const keeperOf = (app: TincanApp): KeeperInside => (app as unknown as { mailbox: KeeperInside }).mailbox;
const messengerOf = (app: TincanApp): Messenger => (app as unknown as { messenger: Messenger }).messenger;

/** Alice (her mailbox added) and a contact connected to her, told its code and visiting it; the `mailbox` frames the
 * contact's page receives are recorded. */
async function aliceAndContact(name: string) {
  const mailbox = await runMailbox({ home: mkdtempSync(path.join(os.tmpdir(), 'tincan-mailbox-')), listen: { address: '127.0.0.1', port: await freeUdpPort() } });
  const alicePlatform = memoryPlatform();
  const alice = await pageOn(alicePlatform);
  await alice.createProfile('Alice', passphrase, passphrase, 'local');
  const contact = await pageOn(memoryPlatform());
  await contact.createProfile(name, passphrase, passphrase, 'local');
  await connect(alice, contact);
  const told: { code?: string }[] = [];
  const record = (page: TincanApp): void => void messengerOf(page).delivery.on('mailbox', ({ code }) => told.push(code === undefined ? {} : { code }));
  record(contact);
  await alice.addMailbox(mailbox.code);
  await until(() => mailbox.status().contacts === 1 && keeperOf(contact).theirs.size === 1, `${name} told, served and visiting`, mailboxStepMs);
  const aliceAtContact = s(contact).conversations[0]!.id;
  /** The code the contact's vault keeps for Alice's mailbox. */
  const kept = (): Promise<unknown> => keeperOf(contact).options.contactMailboxes.get(aliceAtContact);
  assert.equal(typeof (await kept()), 'string');
  const stop = async (...pages: TincanApp[]): Promise<void> => {
    await Promise.all(pages.map((page) => page.lock()));
    await until(() => mailbox.listener.size === 0, 'the mailbox saw every visit close', mailboxStepMs);
    await mailbox.stop();
  };
  return { mailbox, alice, alicePlatform, contact, contactAtAlice: s(alice).conversations[0]!.id, told, record, kept, stop };
}

/** The contact comes back (unlocks) and connects to Alice again with her one-code reconnect. */
async function comesBack(alice: TincanApp, contact: TincanApp, contactAtAlice: string, unlocked: () => void): Promise<void> {
  await contact.unlock(passphrase);
  unlocked();
  await alice.reconnect(contactAtAlice);
  await contact.submitCode(s(alice).exchanges.find((e) => e.kind === 'reconnect')!.code!, 'paste');
  await until(() => s(contact).conversations[0]?.connection === 'online' && s(alice).conversations[0]?.connection === 'online', 'connected again');
}

describe('"Remove mailbox"', () => {
  it('while the contact is connected: it is told to forget the mailbox at once, and the mailbox serves no one', async () => {
    const { mailbox, alice, contact: bob, told, kept, stop } = await aliceAndContact('Bob');
    await alice.removeMailbox();
    assert.equal(s(alice).mailbox, undefined);
    assert.equal(mailbox.status().contacts, 0, 'told to serve no one before Alice\'s page let go of it');
    await until(() => told.length === 2, 'Bob told again');
    assert.deepEqual(told[1], {}, 'to forget the mailbox');
    await until(() => keeperOf(bob).theirs.size === 0, 'Bob no longer visits it');
    assert.equal(await kept(), undefined, 'its code erased from Bob\'s vault');
    await stop(alice, bob);
  });

  it('while the contact is away: it is told at its next connection, and forgets it', async () => {
    const { alice, contact: carol, contactAtAlice, told, record, kept, stop } = await aliceAndContact('Carol');
    await carol.lock();
    await until(() => s(alice).conversations[0]?.connection === 'offline', 'Alice sees Carol away');
    await alice.removeMailbox();
    told.length = 0;
    await comesBack(alice, carol, contactAtAlice, () => record(carol)); // her page's new chat core, after the unlock
    await until(() => told.some((t) => t.code === undefined), 'Carol told to forget it');
    await until(async () => (await kept()) === undefined && keeperOf(carol).theirs.size === 0, 'Carol forgot it', mailboxStepMs);
    await stop(alice, carol);
  });

  it('while the contact is away, then Alice\'s page reloads: the contact is still told at its next connection', async () => {
    const { alice, alicePlatform, contact: carol, contactAtAlice, told, record, kept, stop } = await aliceAndContact('Carol');
    await carol.lock();
    await until(() => s(alice).conversations[0]?.connection === 'offline', 'Alice sees Carol away');
    await alice.removeMailbox();
    await alice.lock();
    const reloaded = await reload(alicePlatform);
    told.length = 0;
    await comesBack(reloaded, carol, contactAtAlice, () => record(carol));
    await until(() => told.some((t) => t.code === undefined), 'Carol told to forget it');
    await until(async () => (await kept()) === undefined && keeperOf(carol).theirs.size === 0, 'Carol forgot it', mailboxStepMs);
    await stop(reloaded, carol);
  });
});

async function reload(platform: Platform): Promise<TincanApp> {
  const page = await pageOn(platform);
  await page.unlock(passphrase);
  return page;
}
