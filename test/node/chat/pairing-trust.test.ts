// Pairing (several invites, in-reply-to, one-code reconnect) and trust (identity is the key, look-alike names)
// through the real chat layer and store, over in-memory links.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCode } from '../../../src/invite/invite-code';
import { expectCode } from '../store/helpers';
import { pair, person, reload, texts, until, use, waitFor } from './people';

describe('pairing', () => {
  it('keeps several invites open and applies each answer to its own invite, in any order', async () => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    const carol = await person('Carol');
    const forBob = await alice.messenger.newInvite();
    const forCarol = await alice.messenger.newInvite();
    assert.equal(alice.messenger.pairing.exchanges().length, 2);
    const fromCarol = await use(carol, forCarol.code!);
    const fromBob = await use(bob, forBob.code!);
    assert.ok(decodeCode(fromBob!.code!).inReplyTo, 'an answer names its invite');
    await use(alice, fromCarol!.code!);
    await use(alice, fromBob!.code!);
    await until(() => alice.store.contacts.all().length === 2, 'both contacts');
    assert.deepEqual(alice.store.contacts.all().map((c) => c.displayName).sort(), ['Bob', 'Carol']);
  });

  it('refuses an answer to an invite this page no longer has, its own invite, and a second paste', async () => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    const invite = await alice.messenger.newInvite();
    const answer = await use(bob, invite.code!);
    await expectCode(use(bob, invite.code!), 'CODE_INVITE_USED');
    await expectCode(use(alice, invite.code!), 'CODE_OWN_INVITE');
    alice.messenger.pairing.cancel(invite.id);
    await expectCode(use(alice, answer!.code!), 'CODE_EXPECTED_INVITE');
    await alice.messenger.newInvite();
    await expectCode(use(alice, answer!.code!), 'CODE_ANSWER_UNKNOWN_INVITE');
  });

  it('says why when a peer that proved its key cannot be filed, instead of closing in silence', async () => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    // As when the look-alike check's table cannot load (docs/node-peer.md §5): filing the new contact throws.
    alice.messenger.trust.identify = () => Promise.reject(new TypeError('confusables table unavailable'));
    const invite = await alice.messenger.newInvite();
    await use(alice, (await use(bob, invite.code!))!.code!);
    assert.deepEqual(await waitFor(alice, 'error'), { code: 'STORAGE_UNAVAILABLE' });
    assert.deepEqual(alice.store.contacts.all(), []);
  });
});

describe('a code used before', () => {
  it('tells the inviter an answer pasted again was already connected (not "no open invite")', async () => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    const invite = await alice.messenger.newInvite();
    const answer = await use(bob, invite.code!);
    await use(alice, answer!.code!);
    await until(() => alice.store.contacts.all().length === 1 && alice.messenger.pairing.exchanges().length === 0, 'connected');
    await expectCode(use(alice, answer!.code!), 'CODE_ANSWER_ALREADY_CONNECTED');
  });

  it('tells the contact a reconnect code opened again is still connecting, or was used', async () => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    const { aContact: bobAtAlice } = await pair(alice, bob);
    alice.messenger.disconnect(bobAtAlice);
    await waitFor(bob, 'status', (s) => !s.online);
    // Alice gave up on this code: Bob's page keeps trying it (no answer code shown yet).
    const abandoned = await alice.messenger.reconnect(bobAtAlice);
    alice.messenger.pairing.cancel(abandoned.id);
    const opened = await use(bob, abandoned.code!);
    assert.equal(opened?.kind, 'reconnect-answer');
    assert.ok(bob.messenger.pairing.exchanges().some((e) => e.id === opened!.id && !e.showFallback), 'still trying, no fallback yet');
    await expectCode(use(bob, abandoned.code!), 'CODE_RECONNECT_OPEN');
    bob.messenger.pairing.cancel(opened!.id);
    // A code that connected: opening it again is told, nothing is tried.
    const since = bob.events.length;
    const reconnect = await alice.messenger.reconnect(bobAtAlice);
    await use(bob, reconnect.code!);
    await waitFor(bob, 'connected', undefined, { since });
    await until(() => bob.messenger.pairing.exchanges().length === 0, 'the exchange is over');
    await expectCode(use(bob, reconnect.code!), 'CODE_RECONNECT_USED');
    assert.equal(bob.messenger.pairing.exchanges().length, 0, 'nothing new tried');
  });
});

describe('one-code reconnect', () => {
  it('connects a known contact from the invite alone, and delivers what waited on both sides', async () => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    const { aContact: bobAtAlice, bContact: aliceAtBob } = await pair(alice, bob);
    alice.messenger.disconnect(bobAtAlice);
    await waitFor(bob, 'status', (s) => !s.online);
    await alice.messenger.send(bobAtAlice, 'queued at Alice');
    await bob.messenger.send(aliceAtBob, 'queued at Bob');
    const since = bob.events.length;
    const reconnect = await alice.messenger.reconnect(bobAtAlice);
    assert.equal(reconnect.kind, 'reconnect');
    assert.ok(decodeCode(reconnect.code!).reconnectFor);
    const opened = await use(bob, reconnect.code!);
    assert.equal(opened!.kind, 'reconnect-answer', 'no answer card: the answer is only a fallback');
    await waitFor(bob, 'connected', undefined, { since });
    await until(async () => (await texts(bob, aliceAtBob)).includes('queued at Alice') && (await texts(alice, bobAtAlice)).includes('queued at Bob'), 'both outboxes delivered');
    assert.deepEqual(await texts(bob, aliceAtBob), ['queued at Bob', 'queued at Alice']);
  });

  it('is useless to anyone else, and falls back to an ordinary invite where the browser cannot keep it', async () => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    const mallory = await person('Mallory');
    const { aContact: bobAtAlice } = await pair(alice, bob);
    const reconnect = await alice.messenger.reconnect(bobAtAlice);
    await expectCode(use(mallory, reconnect.code!), 'CODE_RECONNECT_NOT_YOURS');
    alice.device.supportsOneCodeReconnect = false;
    const fallback = await alice.messenger.reconnect(bobAtAlice);
    assert.equal(fallback.kind, 'invite');
    assert.equal(fallback.oneCodeUnavailable, true);
    assert.equal(decodeCode(fallback.code!).reconnectFor, undefined);
  });

  it('reaches a device whose certificate was renewed: the old one answers, the new one is pinned after', async () => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    const { aContact: bobAtAlice } = await pair(alice, bob);
    const pinnedBefore = alice.store.contacts.get(bobAtAlice)!.dtlsFingerprint;
    bob.device.renew(0xee);
    bob.messenger.close();
    await waitFor(alice, 'status', (s) => !s.online);
    const bobAgain = await person('Bob', { records: bob.records, device: bob.device });
    const reconnect = await alice.messenger.reconnect(bobAtAlice);
    const since = alice.events.length;
    await use(bobAgain, reconnect.code!);
    await waitFor(alice, 'connected', undefined, { since });
    await until(() => alice.store.contacts.get(bobAtAlice)!.dtlsFingerprint !== pinnedBefore, 'the renewed certificate is pinned');
  });
});

describe('identity is the key, never the name', () => {
  it('files a new key under a known name as a new contact, marked as a look-alike; Cyrillic too', async () => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    const { aContact: bobAtAlice } = await pair(alice, bob);
    await alice.store.contacts.put({ ...alice.store.contacts.get(bobAtAlice)!, verified: true });
    await alice.messenger.send(bobAtAlice, 'to the real Bob');
    for (const name of ['Bob', 'Bоb']) {
      const mallory = await person(name);
      const { aContact: malloryAtAlice } = await pair(alice, mallory);
      assert.notEqual(malloryAtAlice, bobAtAlice);
      const contact = alice.store.contacts.get(malloryAtAlice)!;
      assert.equal(contact.lookalikeOf, bobAtAlice, name);
      assert.equal(contact.verified, false);
    }
    const realBob = alice.store.contacts.get(bobAtAlice)!;
    assert.equal(realBob.verified, true, 'still verified');
    assert.deepEqual(await texts(alice, bobAtAlice), ['to the real Bob'], 'history untouched');
    assert.equal(alice.store.contacts.all().length, 3);
  });

  it('recognises a known key whatever name it shows now', async () => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    const { aContact } = await pair(alice, bob);
    bob.messenger.close();
    await bob.store.renameProfile('Robert');
    await reload(bob);
    const { aContact: again } = await pair(alice, bob);
    assert.equal(again, aContact);
    assert.equal(alice.store.contacts.get(aContact)!.displayName, 'Robert', 'same contact, new name');
    assert.equal(alice.store.contacts.all().length, 1);
  });
});
