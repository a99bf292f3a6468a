// Reconnect through the mailbox, the pages' side (docs/mailbox.md §6): a reconnect code sealed from one identity key
// to another opens only there and only as from its sender; two keepers (app/mailbox-keeper.ts) visiting the owner's
// real mailbox hand each other the code when the later one finds the other present; a forged or unsealed signal is
// counted and never used; a replayed or stale one (its sealed time, its nonce) is refused with why, and nothing is
// tried; a code that did not connect (the page already there still held a dead session with the later one) is
// followed by another. (The connection a code makes is the one-code reconnect's, tested in the browsers.)
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MailboxKeeper, type MailboxKeeperOptions } from '../../../src/app/mailbox-keeper';
import { MailboxClient } from '../../../src/chat/mailbox-client';
import { openSignal, sealSignal, signalMaxAgeMs, SignalFreshness } from '../../../src/chat/mailbox-signal';
import { toBase64Url } from '../../../src/crypto/bytes';
import { createIdentity, type Identity } from '../../../src/crypto/identity';
import { getSodium } from '../../../src/crypto/sodium';
import { decodeMailboxCode } from '../../../src/invite/mailbox-code';
import type { SealedCollection } from '../../../src/store/sealed-collection';
import { dialDirectFromNode } from '../../../src/node/direct-dial-node';
import { runMailbox, type RunningMailbox } from '../../../src/node/mailbox';
import { freeUdpPort, cleanupNodeDataChannel } from '../net/direct-harness';
import { until } from '../chat/people';
import { mailboxStepMs, memoryCollection, quietKeeperOptions } from './mailbox-pages';

after(() => cleanupNodeDataChannel());

const code = '4ABCDEFGHJKMNPQRSTVWXYZ0123456789-a reconnect code as text';

interface Page {
  readonly keeper: MailboxKeeper;
  /** Codes this page made for a contact, and codes it was handed (contact id, code). */
  readonly made: string[];
  readonly used: Promise<{ contactId: string; code: string }>;
  /** Every code it was handed and tried, in order. */
  readonly tried: string[];
}

function page(
  identity: Identity,
  contacts: Record<string, string>,
  stores: { own?: string; theirs?: Record<string, string>; collection?: SealedCollection },
  makes: string,
  overrides: Partial<MailboxKeeperOptions> = {},
): Page {
  const made: string[] = [];
  const tried: string[] = [];
  let settle!: (value: { contactId: string; code: string }) => void;
  const used = new Promise<{ contactId: string; code: string }>((resolve) => (settle = resolve));
  const options: MailboxKeeperOptions = {
    collection: stores.collection ?? memoryCollection(stores.own ? { code: stores.own } : {}),
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
    useReconnectCode: async (contactId, text) => {
      tried.push(text);
      settle({ contactId, code: text });
    },
    ...overrides,
  };
  return { keeper: new MailboxKeeper(options), made, used, tried };
}

/** `owner` claims the mailbox with its code (a visit that ends at once). */
async function claim(mailbox: RunningMailbox, owner: Identity): Promise<void> {
  const fields = decodeMailboxCode(mailbox.code);
  const claiming = new MailboxClient(await dialDirectFromNode(fields), { identity: owner, displayName: 'Owner', mailboxKey: fields.identityKey, claim: fields.claim! });
  await claiming.whenReady();
  claiming.close();
}

/**
 * Alice's page (its vault: `vault`) visiting her claimed mailbox, Bob visiting it too, and a fresh signal from Bob that
 * her page used: what a mailbox (or anyone who recorded the traffic) could replay.
 */
async function freshSignalUsed() {
  const mailbox = await runMailbox({ home: mkdtempSync(path.join(os.tmpdir(), 'tincan-mailbox-')), listen: { address: '127.0.0.1', port: await freeUdpPort() } });
  const sodium = await getSodium();
  // Alice's page also sends Bob a code when it sees him present; with the higher key it uses his (mailbox-keeper.ts).
  const [alice, bob] = (await Promise.all([createIdentity(), createIdentity()])).sort((a, b) => (toBase64Url(a.publicKey) < toBase64Url(b.publicKey) ? 1 : -1)) as [Identity, Identity];
  const [aliceKey, bobKey] = [toBase64Url(alice.publicKey), toBase64Url(bob.publicKey)];
  await claim(mailbox, alice);
  const vault = memoryCollection({ code: mailbox.codeForContacts });
  const alicePage = page(alice, { 'bob-id': bobKey }, { collection: vault }, 'code made by Alice');
  await alicePage.keeper.start();
  await until(() => mailbox.status().contacts === 1, 'Alice\'s page named Bob to the mailbox', mailboxStepMs);
  // Bob's visit sends signals as his page would.
  const fields = decodeMailboxCode(mailbox.codeForContacts);
  const bobVisit = new MailboxClient(await dialDirectFromNode(fields), { identity: bob, displayName: 'Bob', mailboxKey: fields.identityKey });
  await bobVisit.whenReady();
  const recorded = sealSignal(sodium, bob, alice.publicKey, 'a fresh code from Bob', Date.now())!;
  assert.ok(bobVisit.signal(aliceKey, recorded));
  await until(() => alicePage.tried.length === 1, 'the fresh signal is used', mailboxStepMs);
  assert.deepEqual(alicePage.tried, ['a fresh code from Bob']);
  return { mailbox, sodium, alice, bob, aliceKey, bobKey, vault, alicePage, bobVisit, recorded };
}

describe('reconnect through the mailbox', () => {
  it('seals a code so that only its recipient opens it, and only as from its sender', async () => {
    const sodium = await getSodium();
    const [alice, bob, mallory] = await Promise.all([createIdentity(), createIdentity(), createIdentity()]);
    const sentAt = Date.now();
    const payload = sealSignal(sodium, bob, alice.publicKey, code, sentAt)!;
    assert.deepEqual({ ...openSignal(sodium, alice, bob.publicKey, payload)!, id: '' }, { code, sentAt, id: '' }, 'the code and the time it was sealed');
    assert.equal(openSignal(sodium, mallory, bob.publicKey, payload), undefined, 'sealed to Alice only');
    assert.equal(openSignal(sodium, alice, mallory.publicKey, payload), undefined, 'not as from anyone else');
    const own = sealSignal(sodium, alice, bob.publicKey, code, sentAt)!;
    assert.equal(openSignal(sodium, alice, bob.publicKey, own), undefined, 'Alice\'s own signal handed back as Bob\'s does not open');
    const tampered = payload.slice(0, 40) + (payload[40] === 'A' ? 'B' : 'A') + payload.slice(41);
    assert.equal(openSignal(sodium, alice, bob.publicKey, tampered), undefined);
    assert.equal(openSignal(sodium, alice, bob.publicKey, 'not base64url!'), undefined);
    assert.equal(sealSignal(sodium, bob, alice.publicKey, 'x'.repeat(5_000), sentAt), undefined, 'a code longer than a signal carries is not sent');
  });

  it('uses a signal once, within its time window: a replay, an old one or one from far ahead is refused', async () => {
    const sodium = await getSodium();
    const [alice, bob] = await Promise.all([createIdentity(), createIdentity()]);
    let now = 1_800_000_000_000;
    const freshness = new SignalFreshness(() => now);
    const open = (sentAt: number) => openSignal(sodium, alice, bob.publicKey, sealSignal(sodium, bob, alice.publicKey, code, sentAt)!)!;
    const fresh = open(now - 1_000);
    assert.equal(freshness.accept(fresh), undefined, 'fresh');
    assert.equal(freshness.accept(fresh), 'replayed', 'the same one again');
    now += signalMaxAgeMs - 2_000;
    assert.equal(freshness.accept(fresh), 'replayed', 'still within its window: still remembered');
    now += 2_000;
    assert.equal(freshness.accept(fresh), 'stale', 'past its window: too old, whether remembered or not');
    assert.equal(freshness.accept(open(now - signalMaxAgeMs - 1)), 'stale');
    assert.equal(freshness.accept(open(now + signalMaxAgeMs + 60_000)), 'stale', 'from a clock far ahead');
    assert.equal(freshness.accept(open(now + 30_000)), undefined, 'a clock a little ahead');
  });

  it('refuses a replayed or stale signal with why and tries nothing; a fresh one is used', async () => {
    const { mailbox, sodium, alice, bob, aliceKey, alicePage, bobVisit, recorded } = await freshSignalUsed();
    assert.ok(bobVisit.signal(aliceKey, recorded), 'the same signal again');
    await until(() => alicePage.keeper.droppedSignals.get('replayed') === 1, 'the replay is refused as replayed', mailboxStepMs);
    const old = sealSignal(sodium, bob, alice.publicKey, 'a code from an hour ago', Date.now() - 3600_000)!;
    assert.ok(bobVisit.signal(aliceKey, old));
    await until(() => alicePage.keeper.droppedSignals.get('stale') === 1, 'the old one is refused as stale', mailboxStepMs);
    assert.deepEqual(alicePage.tried, ['a fresh code from Bob'], 'no connection was tried with either');
    assert.equal(alicePage.keeper.badSignals, 2);

    bobVisit.close();
    alicePage.keeper.dispose();
    await mailbox.stop();
  });

  it('refuses a signal replayed after the page reloaded, within its window: the seen ones are kept in the vault', async () => {
    const { mailbox, sodium, alice, bob, aliceKey, bobKey, alicePage, vault, bobVisit, recorded } = await freshSignalUsed();
    // Alice's page reloads: a new keeper over the same vault visits the mailbox again.
    alicePage.keeper.dispose();
    const reloaded = page(alice, { 'bob-id': bobKey }, { collection: vault }, 'code made by Alice');
    const visiting = new Promise<void>((resolve) => reloaded.keeper.on('status', (status) => status === 'connected' && resolve()));
    await reloaded.keeper.start();
    await visiting;
    assert.ok(bobVisit.signal(aliceKey, recorded), 'the recorded signal again, within its window');
    await until(() => reloaded.keeper.droppedSignals.get('replayed') === 1, 'the replay is refused as replayed after the reload', mailboxStepMs);
    assert.deepEqual(reloaded.tried, [], 'nothing was tried with it');
    // A new one from Bob is still used.
    assert.ok(bobVisit.signal(aliceKey, sealSignal(sodium, bob, alice.publicKey, 'a new code from Bob', Date.now())!));
    await until(() => reloaded.tried.length === 1, 'the new signal is used', mailboxStepMs);
    assert.deepEqual(reloaded.tried, ['a new code from Bob']);

    bobVisit.close();
    reloaded.keeper.dispose();
    await mailbox.stop();
  });

  it('keeps the seen signals across a reload only while they would pass the time check', async () => {
    const sodium = await getSodium();
    const [alice, bob] = await Promise.all([createIdentity(), createIdentity()]);
    let now = 1_800_000_000_000;
    const open = (sentAt: number) => openSignal(sodium, alice, bob.publicKey, sealSignal(sodium, bob, alice.publicKey, code, sentAt)!)!;
    const first = new SignalFreshness(() => now);
    const older = open(now - 100_000);
    const newer = open(now - 1_000);
    assert.equal(first.accept(older), undefined);
    assert.equal(first.accept(newer), undefined);
    now += 30_000; // older's window has ended, newer's has not
    const kept = JSON.parse(JSON.stringify(first.remembered())) as unknown;
    assert.deepEqual(kept, [[newer.id, newer.sentAt + signalMaxAgeMs]], 'pruned by age');
    const reloaded = new SignalFreshness(() => now);
    reloaded.restore(kept);
    assert.equal(reloaded.accept(newer), 'replayed');
    reloaded.restore([['x'.repeat(500), now + 1_000], ['ok', 'soon'], 'junk']);
    assert.deepEqual(reloaded.remembered(), [[newer.id, newer.sentAt + signalMaxAgeMs]], 'stored junk is ignored');
  });

  it('hands the later page\'s code to the one already there, sealed; a bad signal is counted and not used', async () => {
    const mailbox = await runMailbox({ home: mkdtempSync(path.join(os.tmpdir(), 'tincan-mailbox-')), listen: { address: '127.0.0.1', port: await freeUdpPort() } });
    const [alice, bob] = await Promise.all([createIdentity(), createIdentity()]);
    const [aliceKey, bobKey] = [toBase64Url(alice.publicKey), toBase64Url(bob.publicKey)];
    await claim(mailbox, alice);

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

  it('sends another code when one did not connect: the page already there still held a dead session with the later one', async () => {
    const mailbox = await runMailbox({ home: mkdtempSync(path.join(os.tmpdir(), 'tincan-mailbox-')), listen: { address: '127.0.0.1', port: await freeUdpPort() } });
    const [alice, bob] = await Promise.all([createIdentity(), createIdentity()]);
    const [aliceKey, bobKey] = [toBase64Url(alice.publicKey), toBase64Url(bob.publicKey)];
    await claim(mailbox, alice);
    // Alice's page has not noticed yet that Bob's old page is gone (its session with him still counts as open).
    let holdsDeadSession = true;
    let askedWhileHeld = 0;
    const alicePage = page(alice, { 'bob-id': bobKey }, { own: mailbox.codeForContacts }, 'code made by Alice', {
      isOnline: () => {
        if (holdsDeadSession) askedWhileHeld++;
        return holdsDeadSession;
      },
    });
    const aliceVisiting = new Promise<void>((resolve) => alicePage.keeper.on('status', (status) => status === 'connected' && resolve()));
    await alicePage.keeper.start();
    await aliceVisiting;
    // Told before Bob arrives: no `present` Alice's page hears names him.
    await until(() => mailbox.status().contacts === 1, 'Alice\'s page named Bob to the mailbox', mailboxStepMs);

    // Bob's reloaded page arrives; its code is shorter-lived here than in a page (reconnectSignalValidMs).
    const bobPage = page(bob, { 'alice-id': aliceKey }, { theirs: { 'alice-id': mailbox.codeForContacts } }, 'code made by Bob', { reconnectSignalValidMs: 300 });
    await bobPage.keeper.start();
    await until(() => askedWhileHeld === 1, 'Bob\'s first code reached Alice\'s page while it held the dead session', mailboxStepMs);
    assert.deepEqual(alicePage.tried, [], 'dropped: Bob counted as connected');
    holdsDeadSession = false; // the dead session ended
    await until(() => alicePage.tried.length === 1, 'Alice\'s page uses Bob\'s next code', mailboxStepMs);
    assert.deepEqual(await alicePage.used, { contactId: 'bob-id', code: 'code made by Bob' });
    assert.ok(bobPage.made.length >= 2, 'Bob\'s page sent another code after the first did not connect');
    assert.deepEqual(alicePage.made, [], 'the page already there sent none');
    alicePage.keeper.dispose();
    bobPage.keeper.dispose();
    await mailbox.stop();
  });
});
