// Reconnect through the mailbox, the pages' side (docs/mailbox.md §6): a reconnect code sealed from one identity key
// to another opens only there and only as from its sender; two keepers (app/mailbox-keeper.ts) visiting the owner's
// real mailbox hand each other the code when the later one finds the other present; a forged or unsealed signal is
// counted and never used. (The connection a code makes is the one-code reconnect's, tested in the browsers.)
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nodeDataChannel from 'node-datachannel';
import { MailboxKeeper, type MailboxKeeperOptions } from '../../../src/app/mailbox-keeper';
import { MailboxClient } from '../../../src/chat/mailbox-client';
import { openSignal, sealSignal } from '../../../src/chat/mailbox-signal';
import { toBase64Url } from '../../../src/crypto/bytes';
import { createIdentity, type Identity } from '../../../src/crypto/identity';
import { getSodium } from '../../../src/crypto/sodium';
import { decodeMailboxCode } from '../../../src/invite/mailbox-code';
import { dialDirectFromNode } from '../../../src/node/direct-dial-node';
import { runMailbox } from '../../../src/node/mailbox';
import { freeUdpPort } from '../net/direct-harness';
import { memoryCollection, quietKeeperOptions } from './mailbox-pages';

after(() => nodeDataChannel.cleanup());

const code = '4ABCDEFGHJKMNPQRSTVWXYZ0123456789-a reconnect code as text';

interface Page {
  readonly keeper: MailboxKeeper;
  /** Codes this page made for a contact, and codes it was handed (contact id, code). */
  readonly made: string[];
  readonly used: Promise<{ contactId: string; code: string }>;
}

function page(identity: Identity, contacts: Record<string, string>, stores: { own?: string; theirs?: Record<string, string> }, makes: string): Page {
  const made: string[] = [];
  let settle!: (value: { contactId: string; code: string }) => void;
  const used = new Promise<{ contactId: string; code: string }>((resolve) => (settle = resolve));
  const options: MailboxKeeperOptions = {
    collection: memoryCollection(stores.own ? { code: stores.own } : {}),
    contactMailboxes: memoryCollection(stores.theirs ?? {}),
    dial: (target) => dialDirectFromNode(target),
    identity,
    ...quietKeeperOptions,
    contactKeys: () => new Map(Object.entries(contacts)),
    isOnline: () => false,
    reconnectCode: async () => {
      made.push(makes);
      return { code: makes, cancel: () => undefined };
    },
    useReconnectCode: async (contactId, text) => settle({ contactId, code: text }),
  };
  return { keeper: new MailboxKeeper(options), made, used };
}

describe('reconnect through the mailbox', () => {
  it('seals a code so that only its recipient opens it, and only as from its sender', async () => {
    const sodium = await getSodium();
    const [alice, bob, mallory] = await Promise.all([createIdentity(), createIdentity(), createIdentity()]);
    const payload = sealSignal(sodium, bob, alice.publicKey, code)!;
    assert.equal(openSignal(sodium, alice, bob.publicKey, payload), code);
    assert.equal(openSignal(sodium, mallory, bob.publicKey, payload), undefined, 'sealed to Alice only');
    assert.equal(openSignal(sodium, alice, mallory.publicKey, payload), undefined, 'not as from anyone else');
    const own = sealSignal(sodium, alice, bob.publicKey, code)!;
    assert.equal(openSignal(sodium, alice, bob.publicKey, own), undefined, 'Alice\'s own signal handed back as Bob\'s does not open');
    const tampered = payload.slice(0, 40) + (payload[40] === 'A' ? 'B' : 'A') + payload.slice(41);
    assert.equal(openSignal(sodium, alice, bob.publicKey, tampered), undefined);
    assert.equal(openSignal(sodium, alice, bob.publicKey, 'not base64url!'), undefined);
    assert.equal(sealSignal(sodium, bob, alice.publicKey, 'x'.repeat(5_000)), undefined, 'a code longer than a signal carries is not sent');
  });

  it('hands the later page\'s code to the one already there, sealed; a bad signal is counted and not used', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'tincan-mailbox-'));
    const mailbox = await runMailbox({ home, listen: { address: '127.0.0.1', port: await freeUdpPort() } });
    const [alice, bob] = await Promise.all([createIdentity(), createIdentity()]);
    const [aliceKey, bobKey] = [toBase64Url(alice.publicKey), toBase64Url(bob.publicKey)];
    const claimFields = decodeMailboxCode(mailbox.code);
    const claiming = new MailboxClient(await dialDirectFromNode(claimFields), { identity: alice, displayName: 'Alice', mailboxKey: claimFields.identityKey, claim: claimFields.claim! });
    await claiming.whenReady();
    claiming.close();

    const alicePage = page(alice, { 'bob-id': bobKey }, { own: mailbox.codeForContacts }, 'code made by Alice');
    const aliceVisiting = new Promise<void>((resolve) => alicePage.keeper.on('status', (status) => status === 'connected' && resolve()));
    await alicePage.keeper.start();
    await aliceVisiting;
    // Alice's page names Bob to the mailbox on its visit; Bob is served once it has.
    await new Promise<void>((resolve) => {
      const check = (): void => void (mailbox.status().contacts === 1 ? resolve() : setTimeout(check, 10));
      check();
    });

    // A signal Bob's key did not seal (sent by a second visit of Bob's): counted, not used.
    const fields = decodeMailboxCode(mailbox.codeForContacts);
    const forger = new MailboxClient(await dialDirectFromNode(fields), { identity: bob, displayName: 'Bob', mailboxKey: fields.identityKey });
    await forger.whenReady();
    assert.ok(forger.signal(aliceKey, 'AAAAAAAAAAAAAAAAAAAAAAAA'));
    await forger.collect(); // barrier: the mailbox forwarded the signal before it answers this

    const bobPage = page(bob, { 'alice-id': aliceKey }, { theirs: { 'alice-id': mailbox.codeForContacts } }, 'code made by Bob');
    await bobPage.keeper.start();
    assert.deepEqual(await alicePage.used, { contactId: 'bob-id', code: 'code made by Bob' }, 'the later page sent its code; the first opened it as from Bob');
    assert.equal(alicePage.keeper.badSignals, 1, 'the unsealed one was counted and dropped');
    assert.deepEqual(alicePage.made, [], 'the page already there sent none');
    assert.deepEqual(bobPage.made, ['code made by Bob']);
    forger.close();
    alicePage.keeper.dispose();
    bobPage.keeper.dispose();
    await mailbox.stop();
  });
});
