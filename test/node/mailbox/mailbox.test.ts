// The mailbox role end to end in Node, node-datachannel on both ends (docs/mailbox.md): the owner claims it with its
// code, names its contacts; a contact leaves sealed envelopes, the owner collects each once; a stranger gets nothing
// and stores nothing; quota, 14-day expiry, a restart keeps code, owner and what is held; no plaintext on disk.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MailboxClient } from '../../../src/chat/mailbox-client';
import type { CarriedItem } from '../../../src/chat/frames';
import { toBase64Url } from '../../../src/crypto/bytes';
import { sealEnvelope, signAck } from '../../../src/crypto/envelope';
import { createIdentity, type Identity } from '../../../src/crypto/identity';
import { newChainStart, OutgoingChain } from '../../../src/crypto/sender-chain';
import { getSodium } from '../../../src/crypto/sodium';
import { isTincanError } from '../../../src/errors';
import { decodeMailboxCode } from '../../../src/invite/mailbox-code';
import { dialDirectFromNode } from '../../../src/node/direct-dial-node';
import { mailboxExpiryMs } from '../../../src/node/mailbox-store';
import { runMailbox, type MailboxOptions, type RunningMailbox } from '../../../src/node/mailbox';
import { freeUdpPort, cleanupNodeDataChannel } from '../net/direct-harness';

after(() => cleanupNodeDataChannel());

const conversation = 'dm:' + 'A'.repeat(22);

async function startMailbox(options: Partial<MailboxOptions> = {}): Promise<{ mailbox: RunningMailbox; home: string }> {
  const home = options.home ?? mkdtempSync(path.join(os.tmpdir(), 'tincan-mailbox-'));
  const mailbox = await runMailbox({ home, listen: { address: '127.0.0.1', port: await freeUdpPort() }, ...options });
  return { mailbox, home };
}

/** Dials the mailbox the code names, as `identity`; `claim`: present the code's claim secret. */
async function visit(code: string, identity: Identity, { claim = false, key }: { claim?: boolean; key?: Uint8Array } = {}): Promise<MailboxClient> {
  const fields = decodeMailboxCode(code);
  const channel = await dialDirectFromNode({ address: fields.address, port: fields.port, fingerprint: fields.fingerprint });
  return new MailboxClient(channel, {
    identity,
    displayName: 'Someone',
    mailboxKey: key ?? fields.identityKey,
    ...(claim && fields.claim ? { claim: fields.claim } : {}),
  });
}

async function envelopeFrom(sender: Identity, text: string, id: string): Promise<CarriedItem> {
  const sodium = await getSodium();
  const chain = new OutgoingChain(sodium, newChainStart(sodium));
  return { type: 'envelope', ...sealEnvelope(sodium, sender, chain, { conversation, id }, { text, sentAt: Date.now() }) };
}

/** The next `event` the client emits. */
function next<K extends 'held' | 'present'>(client: MailboxClient, event: K): Promise<void> {
  return new Promise((resolve) => {
    const off = client.on(event, () => {
      off();
      resolve();
    });
  });
}

async function errorOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return isTincanError(error) ? error.code : String(error);
  }
}

describe('mailbox', () => {
  it('serves its owner and the owner\'s contacts; holds sealed envelopes until the owner takes each once', async () => {
    const { mailbox, home } = await startMailbox();
    const [alice, bob] = await Promise.all([createIdentity(), createIdentity()]);
    assert.ok(decodeMailboxCode(mailbox.code).claim, 'the first code carries the claim secret');
    const owner = await visit(mailbox.code, alice, { claim: true });
    assert.equal((await owner.whenReady()).role, 'owner');
    assert.equal(mailbox.status().owner, toBase64Url(alice.publicKey));
    assert.equal((await owner.setContacts([toBase64Url(bob.publicKey)]))?.contacts, 1);
    owner.close();

    const contact = await visit(mailbox.codeForContacts, bob);
    assert.equal((await contact.whenReady()).role, 'contact');
    const texts = ['first secret words', 'second secret words', 'third secret words'];
    const sent = await Promise.all(texts.map((text, i) => envelopeFrom(bob, text, `message00000000${i}`)));
    for (const item of sent) assert.deepEqual(await contact.deposit(toBase64Url(alice.publicKey), item), { ok: true });
    assert.deepEqual(await contact.deposit(toBase64Url(alice.publicKey), sent[0]!), { ok: true }, 'a resend is taken…');
    assert.equal(mailbox.status().held, 3, '…but held once');
    assert.deepEqual(await contact.deposit(toBase64Url(alice.publicKey), await envelopeFrom(alice, 'forged', 'message000000009')), { ok: false, reason: 'not-allowed' }, 'only items the depositor signed');
    assert.deepEqual(await contact.deposit(toBase64Url(bob.publicKey), sent[1]!), { ok: false, reason: 'not-allowed' }, 'a contact leaves items only for the owner');
    assert.deepEqual(await contact.collect(), [], 'nothing held for the contact yet');
    contact.close();

    const journal = readFileSync(path.join(home, 'mailbox', 'records', 'records.journal'), 'latin1');
    for (const text of texts) assert.ok(!journal.includes(text), 'the mailbox\'s files hold no plaintext');

    const back = await visit(mailbox.code, alice);
    await back.whenReady();
    const held = await back.collect();
    assert.deepEqual(held.map((h) => h.item), sent, 'all three, in order, exactly as sealed');
    back.taken(held.map((h) => h.id));
    assert.deepEqual(await back.collect(), [], 'each is handed over once');
    // The owner's signed ack goes back through the mailbox to the contact, who is away.
    const sodium = await getSodium();
    const ack: CarriedItem = { type: 'ack', ...signAck(sodium, alice, conversation, toBase64Url(bob.publicKey), ['message000000000', 'message000000001', 'message000000002']) };
    assert.deepEqual(await back.deposit(toBase64Url(bob.publicKey), ack), { ok: true });
    back.close();
    const again = await visit(mailbox.codeForContacts, bob);
    await again.whenReady();
    assert.deepEqual((await again.collect()).map((h) => h.item), [ack]);
    again.close();
    await mailbox.stop();
  });

  it('gives a stranger nothing and stores nothing for it, and the claim works only once', async () => {
    const { mailbox } = await startMailbox();
    const [alice, mallory] = await Promise.all([createIdentity(), createIdentity()]);
    const owner = await visit(mailbox.code, alice, { claim: true });
    await owner.whenReady();
    owner.close();
    const stranger = await visit(mailbox.code, mallory, { claim: true });
    assert.equal(await errorOf(stranger.whenReady()), 'MAILBOX_REFUSED', 'the used claim does not make a second owner');
    assert.deepEqual(await stranger.deposit(toBase64Url(alice.publicKey), await envelopeFrom(mallory, 'spam', 'message000000001')), { ok: false });
    assert.deepEqual(await stranger.collect(), []);
    assert.equal(mailbox.status().held, 0);
    assert.equal(mailbox.status().owner, toBase64Url(alice.publicKey));
    await mailbox.stop();
  });

  it('says when the mailbox at the address is not the one the code names', async () => {
    const { mailbox } = await startMailbox();
    const [alice, other] = await Promise.all([createIdentity(), createIdentity()]);
    const client = await visit(mailbox.code, alice, { claim: true, key: other.publicKey });
    assert.equal(await errorOf(client.whenReady()), 'MAILBOX_WRONG_KEY');
    assert.equal(mailbox.status().owner, undefined, 'nothing was presented to it');
    await mailbox.stop();
  });

  it('refuses deposits past its quota, and a quarter of it per contact', async () => {
    const { mailbox } = await startMailbox({ quotaBytes: 16 * 1024 });
    const [alice, bob] = await Promise.all([createIdentity(), createIdentity()]);
    const owner = await visit(mailbox.code, alice, { claim: true });
    await owner.whenReady();
    assert.equal((await owner.setContacts([toBase64Url(bob.publicKey)]))?.contacts, 1);
    owner.close();
    const contact = await visit(mailbox.codeForContacts, bob);
    await contact.whenReady();
    const outcomes: (string | undefined)[] = [];
    for (let i = 0; i < 12; i++) {
      const result = await contact.deposit(toBase64Url(alice.publicKey), await envelopeFrom(bob, 'x'.repeat(500), `message${String(i).padStart(9, '0')}`));
      outcomes.push(result.ok ? 'ok' : result.reason);
    }
    assert.ok(outcomes.includes('ok') && outcomes.at(-1) === 'quota', outcomes.join(' '));
    assert.ok(mailbox.status().usedBytes <= 16 * 1024 / 4, 'one contact fills at most a quarter');
    contact.close();
    await mailbox.stop();
  });

  it('drops what it held for 14 days, and keeps code, owner and held items across a restart', async () => {
    let now = Date.now();
    const { mailbox, home } = await startMailbox({ now: () => now });
    const [alice, bob] = await Promise.all([createIdentity(), createIdentity()]);
    const owner = await visit(mailbox.code, alice, { claim: true });
    await owner.whenReady();
    await owner.setContacts([toBase64Url(bob.publicKey)]);
    assert.deepEqual(await owner.deposit(toBase64Url(bob.publicKey), await envelopeFrom(alice, 'old', 'message000000001')), { ok: true });
    owner.close();
    const port = mailbox.listener.size >= 0 ? decodeMailboxCode(mailbox.code).port : 0;
    await mailbox.stop();

    now += mailboxExpiryMs - 60_000;
    const restarted = await runMailbox({ home, listen: { address: '127.0.0.1', port: port + 1 }, now: () => now });
    assert.equal(restarted.status().owner, toBase64Url(alice.publicKey));
    assert.equal(restarted.status().held, 1, 'still held after a restart');
    assert.deepEqual(decodeMailboxCode(restarted.codeForContacts).identityKey, decodeMailboxCode(mailbox.code).identityKey);
    assert.deepEqual(decodeMailboxCode(restarted.codeForContacts).fingerprint, decodeMailboxCode(mailbox.code).fingerprint);
    assert.equal(decodeMailboxCode(restarted.code).claim, undefined, 'a claimed mailbox prints no claim');
    now += 120_000;
    const contact = await visit(restarted.codeForContacts, bob);
    await contact.whenReady();
    assert.deepEqual(await contact.collect(), [], 'older than 14 days: gone');
    assert.equal(restarted.status().held, 0);
    contact.close();
    await restarted.stop();
  });
  it('forwards a signal only to the owner or a contact visiting now, never stores it, and drops a flood', async () => {
    const { mailbox } = await startMailbox();
    const [alice, bob, carol, mallory] = await Promise.all([createIdentity(), createIdentity(), createIdentity(), createIdentity()]);
    const [aliceKey, bobKey, carolKey] = [toBase64Url(alice.publicKey), toBase64Url(bob.publicKey), toBase64Url(carol.publicKey)];
    const owner = await visit(mailbox.code, alice, { claim: true });
    await owner.whenReady();
    await owner.setContacts([bobKey, carolKey]);
    const ownerSignals: { from: string; payload: string }[] = [];
    owner.on('signal', (s) => ownerSignals.push(s));

    // Carol is away: the owner's signal to her is dropped, and nothing is held for her.
    assert.ok(owner.signal(carolKey, 'for-carol-while-away'));
    const bobVisit = await visit(mailbox.codeForContacts, bob);
    const present = next(bobVisit, 'present');
    await bobVisit.whenReady();
    await present;
    assert.deepEqual(bobVisit.present, [aliceKey], 'a contact arriving sees the owner present');
    const bobSignals: { from: string; payload: string }[] = [];
    bobVisit.on('signal', (s) => bobSignals.push(s));
    const carolVisit = await visit(mailbox.codeForContacts, carol);
    const carolPresent = next(carolVisit, 'present');
    await carolVisit.whenReady();
    await carolPresent;
    assert.deepEqual(carolVisit.present, [aliceKey], 'a contact is not told of other contacts');
    assert.deepEqual(await carolVisit.collect(), [], 'a signal is never stored');
    assert.equal(mailbox.status().held, 0);

    // Bob signals Carol (a contact to a contact: dropped), then the owner; a flood past the budget is dropped.
    assert.ok(bobVisit.signal(carolKey, 'bob-to-carol'));
    for (let i = 0; i < 100; i++) bobVisit.signal(aliceKey, `bob-to-alice-${i}`);
    // Barrier: Bob's deposit is handled after his signals, and its push reaches the owner after what they forwarded.
    const pushed = next(owner, 'held');
    assert.deepEqual(await bobVisit.deposit(aliceKey, await envelopeFrom(bob, 'after the signals', 'message000000001')), { ok: true });
    await pushed;
    assert.ok(ownerSignals.length >= 1 && ownerSignals.length <= 64, `the flood is cut to the signal budget (${ownerSignals.length} forwarded)`);
    assert.deepEqual(ownerSignals[0], { from: bobKey, payload: 'bob-to-alice-0' }, 'forwarded as sent, named by the key that proved itself');
    assert.ok(ownerSignals.every((s) => s.from === bobKey));

    // The owner signals Bob; Carol, who visits too, gets nothing of it (barrier: the owner's deposit for her).
    const carolSignals: unknown[] = [];
    carolVisit.on('signal', (s) => carolSignals.push(s));
    const [carolPushed, bobPushed] = [next(carolVisit, 'held'), next(bobVisit, 'held')];
    assert.ok(owner.signal(bobKey, 'alice-to-bob'));
    assert.deepEqual(await owner.deposit(bobKey, await envelopeFrom(alice, 'barrier for bob', 'message000000002')), { ok: true });
    assert.deepEqual(await owner.deposit(carolKey, await envelopeFrom(alice, 'barrier for carol', 'message000000003')), { ok: true });
    await Promise.all([bobPushed, carolPushed]);
    assert.deepEqual(bobSignals, [{ from: aliceKey, payload: 'alice-to-bob' }]);
    assert.deepEqual(carolSignals, [], 'the signal for Bob reached Bob only; the one sent while Carol was away never came');

    // A stranger is refused at the Hello: its signal reaches no one.
    const stranger = await visit(mailbox.codeForContacts, mallory);
    assert.equal(await errorOf(stranger.whenReady()), 'MAILBOX_REFUSED');
    assert.equal(stranger.signal(aliceKey, 'from-a-stranger'), false);
    for (const client of [owner, bobVisit, carolVisit]) client.close();
    await mailbox.stop();
  });
});
