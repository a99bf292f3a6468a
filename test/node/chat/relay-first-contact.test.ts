// One code for a first contact through a real Nostr relay (test/fixtures/nostr-relay.mjs; docs/relays.md): Alice,
// with relays on, invites; Bob only uses the invite; Alice's messenger applies the answer that came by relay and both
// connect. What comes by relay is untrusted: a wrap holding anything but an answer to that invite is refused with
// RELAY_ANSWER_REFUSED and changes nothing (the invite waits, the real answer still connects); an invite with no
// relays in it sends nothing to any relay.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startNostrRelay, type TestRelay } from '../../fixtures/nostr-relay.mjs';
import { decodeCode, encodeCode } from '../../../src/invite/invite-code';
import { answerRumorKind, bytesToHex, newAliasSecret, RelayPool, wrapFor } from '../../../src/net/nostr-relays';
import { person, until, use, waitFor, type Person } from './people';
import { normalizeCode } from '../../../src/invite/invite-code';
import { isTincanError } from '../../../src/errors';
import { Pairing } from '../../../src/chat/pairing';
import { RelayRendezvous, rendezvousWrapBudget, type RendezvousPort } from '../../../src/chat/relay-rendezvous';
import { MemoryDevice } from './memory-network';

const relays: TestRelay[] = [];
after(async () => {
  for (const relay of relays) await relay.stop();
});

async function relayWith(alice: Person): Promise<TestRelay> {
  const relay = await startNostrRelay();
  relays.push(relay);
  await alice.messenger.setRelays([relay.url]);
  return relay;
}

/** Publishes `text` gift-wrapped to an invite's alias, as any stranger who learnt the alias could. */
async function publishTo(relay: TestRelay, alias: Uint8Array, text: string): Promise<void> {
  const pool = new RelayPool({ socket: WebSocket });
  const nowS = Math.floor(Date.now() / 1000);
  const wrap = wrapFor(text, newAliasSecret(), bytesToHex(alias), nowS, { kind: answerRumorKind, lifetimeS: 600 });
  assert.ok(wrap && (await pool.publish([relay.url], wrap)), 'the relay took the wrap');
  pool.close();
}

const inviteOf = (exchangeCode: string) => decodeCode(exchangeCode);

/** The person pressed "Answer" on the invitation card that says the answer also goes to the inviter's relays. */
function answerOnCard(who: Person, text: string) {
  const canonical = normalizeCode(text);
  return who.messenger.useCode(decodeCode(canonical), canonical, { relayConsented: true });
}

const refusedWith = (code: string) => (error: unknown) => isTincanError(error) && error.code === code;

describe('one code for a first contact, through a relay', () => {
  it('Bob only uses the invite: his answer comes back by relay and Alice connects by herself', async () => {
    const alice = await person('Alice', { relaySocket: WebSocket });
    const bob = await person('Bob', { relaySocket: WebSocket });
    const relay = await relayWith(alice);
    const invite = await alice.messenger.newInvite();
    const decoded = inviteOf(invite.code!);
    assert.deepEqual(decoded.relay?.addresses, [relay.url]);
    assert.equal(invite.awaitsRelay, true);
    // Bob's page has relays off: it contacts Alice's relay because he pressed "Answer" on the card saying so.
    const answer = await answerOnCard(bob, invite.code!);
    await until(() => bob.messenger.pairing.exchanges().find((e) => e.id === answer!.id)?.answerByRelay === 'sent', 'a relay took Bob\'s answer');
    const [atAlice, atBob] = await Promise.all([waitFor(alice, 'connected'), waitFor(bob, 'connected')]);
    assert.ok(atAlice.contactId && atBob.contactId);
    // On the relay: one gift wrap to the invite's alias, unreadable, expiring when the answer stops being usable.
    const stored = await relay.stored({ kinds: [1059], '#p': [bytesToHex(decoded.relay!.alias)] });
    assert.equal(stored.length, 1);
    const expiration = Number(stored[0]!.tags.find((t) => t[0] === 'expiration')?.[1]);
    assert.equal(expiration, Math.ceil(answer!.validUntil! / 1000), 'expires when the answer stops being usable');
    assert.doesNotMatch(stored[0]!.content, new RegExp(answer!.code!));
    alice.messenger.close();
    bob.messenger.close();
  });

  it('anything else by relay is refused with a sentence and changes nothing; the real answer still connects', async () => {
    const alice = await person('Alice', { relaySocket: WebSocket });
    const bob = await person('Bob', { relaySocket: WebSocket });
    const carol = await person('Carol', { relaySocket: WebSocket });
    const relay = await relayWith(alice);
    const invite = await alice.messenger.newInvite();
    const { alias } = inviteOf(invite.code!).relay!;
    const refused: (string | undefined)[] = [];
    const told: boolean[] = [];
    alice.messenger.on('relay-answer-refused', ({ exchangeId, code, tell }) => exchangeId === invite.id && refused.push(code) && told.push(tell));
    // Carol's answer to another invite of Alice's, the invite itself, and text that is no code at all.
    const other = await alice.messenger.newInvite();
    const otherAnswer = (await use(carol, other.code!))!.code!;
    const hostile = [otherAnswer, invite.code!, 'hello', 'x'.repeat(10_000), encodeCode({ kind: 'answer', fields: inviteOf(invite.code!).fields })];
    for (const text of hostile) await publishTo(relay, alias, text);
    await until(() => refused.length === hostile.length, 'each refused', 10_000);
    assert.deepEqual(
      refused,
      ['CODE_ANSWER_UNKNOWN_INVITE', 'CODE_EXPECTED_ANSWER', 'CODE_NOT_TINCAN', 'CODE_TOO_LONG', 'CODE_ANSWER_UNKNOWN_INVITE'],
    );
    assert.deepEqual(told, [true, false, false, false, false], 'Alice is told once for this invite, not once per wrap');
    assert.equal(alice.messenger.pairing.exchanges().find((e) => e.id === invite.id)?.state, 'waiting-for-answer', 'the invite still waits');
    // Bob's real answer, by relay, still connects.
    await answerOnCard(bob, invite.code!);
    await Promise.all([waitFor(alice, 'connected', (c) => c.exchangeId === invite.id), waitFor(bob, 'connected')]);
    for (const who of [alice, bob, carol]) who.messenger.close();
  });

  it('without relays an invite names none, and the answer is not sent anywhere: it is pasted', async () => {
    const alice = await person('Alice', { relaySocket: WebSocket });
    const bob = await person('Bob', { relaySocket: WebSocket });
    const invite = await alice.messenger.newInvite();
    assert.equal('relay' in inviteOf(invite.code!), false);
    assert.equal(invite.awaitsRelay, undefined);
    const answer = await use(bob, invite.code!);
    assert.equal(answer!.answerByRelay, undefined);
    await use(alice, answer!.code!);
    await Promise.all([waitFor(alice, 'connected'), waitFor(bob, 'connected')]);
    alice.messenger.close();
    bob.messenger.close();
  });
});

describe('who may answer by relay, and what a relay may cost', () => {
  it('a group invite names no relay: its answer must be pasted by the inviter, so nobody joins unapproved', async () => {
    const alice = await person('Alice', { relaySocket: WebSocket });
    await relayWith(alice);
    const group = await alice.messenger.groups.create('Climbers');
    const invite = await alice.messenger.inviteToGroup(group.id);
    assert.equal('relay' in inviteOf(invite.code!), false);
    assert.equal(invite.awaitsRelay, undefined);
    // An ordinary invite on the same page does name the relay.
    assert.ok(inviteOf((await alice.messenger.newInvite()).code!).relay);
    alice.messenger.close();
  });

  it('an answer by relay from someone else took the invite first: Bob\'s pasted answer is refused loudly', async () => {
    const alice = await person('Alice', { relaySocket: WebSocket });
    const bob = await person('Bob');
    const mallory = await person('Mallory', { relaySocket: WebSocket });
    const relay = await relayWith(alice);
    await mallory.messenger.setRelays([relay.url]);
    const invite = await alice.messenger.newInvite();
    // Mallory saw the invite; her page has relays on, so her answer goes by relay with no card to press.
    const malloryAnswer = await use(mallory, invite.code!);
    await Promise.all([waitFor(alice, 'connected', (c) => c.exchangeId === invite.id), waitFor(mallory, 'connected')]);
    const bobAnswer = await use(bob, invite.code!);
    assert.equal(bobAnswer!.answerByRelay, undefined, 'Bob has relays off and pasted the code: nothing sent by relay');
    await assert.rejects(use(alice, bobAnswer!.code!), refusedWith('CODE_ANSWER_RELAY_FIRST'));
    // The answer that connected, pasted again, is only "already connected".
    await assert.rejects(use(alice, malloryAnswer!.code!), refusedWith('CODE_ANSWER_ALREADY_CONNECTED'));
    for (const who of [alice, bob, mallory]) who.messenger.close();
  });

  it('an invitee with relays off who pasted the invite contacts no relay: the answer code is shown to send back', async () => {
    const alice = await person('Alice', { relaySocket: WebSocket });
    const bob = await person('Bob', { relaySocket: WebSocket });
    const relay = await relayWith(alice);
    const invite = await alice.messenger.newInvite();
    const answer = await use(bob, invite.code!);
    assert.equal(answer!.answerByRelay, undefined);
    await use(alice, answer!.code!);
    await Promise.all([waitFor(alice, 'connected'), waitFor(bob, 'connected')]);
    assert.deepEqual(await relay.stored({ kinds: [1059] }), [], 'no wrap reached the relay');
    alice.messenger.close();
    bob.messenger.close();
  });

  it('a relay flooding an invite\'s alias gets at most a burst of wraps opened, the rest dropped unopened', async () => {
    const relay = await startNostrRelay();
    relays.push(relay);
    const frozen = Date.now();
    const rendezvous = new RelayRendezvous({ socket: WebSocket, ownRelays: () => [relay.url], load: () => import('../../../src/net/nostr-relays'), now: () => frozen });
    const opened: string[] = [];
    const listener = (await rendezvous.listen((text) => opened.push(text)))!;
    const flood = rendezvousWrapBudget.burst + 5;
    for (let i = 0; i < flood; i++) await publishTo(relay, listener.relay.alias, `wrap ${i}`);
    await until(() => opened.length + rendezvous.ignored.throttled === flood, 'every wrap handled', 10_000);
    assert.equal(opened.length, rendezvousWrapBudget.burst);
    assert.equal(rendezvous.ignored.throttled, 5);
    rendezvous.dispose();
  });

  it('an invite naming a relay on a private address or a local name gets nothing sent there', async () => {
    let loaded = 0;
    const rendezvous = new RelayRendezvous({ socket: WebSocket, ownRelays: () => ['ws://127.0.0.1:1'], load: async () => (loaded++, import('../../../src/net/nostr-relays')) });
    const alias = new Uint8Array(32).fill(7);
    for (const address of ['wss://192.168.1.1', 'wss://[fd00::1]:8443', 'wss://nas.local']) {
      assert.equal(await rendezvous.send({ alias, addresses: [address] }, 'answer', Date.now() + 60_000), false, address);
    }
    assert.equal(loaded, 0, 'the relay client was not even loaded');
    rendezvous.dispose();
  });

  it('an invite that cannot be made closes the relay reading it had opened', async () => {
    let closed = 0;
    // A rendezvous whose alias cannot be encoded (4 bytes, not 32): the invite fails after listen succeeded.
    const rendezvous: RendezvousPort = {
      listen: async () => ({ relay: { alias: new Uint8Array(4), addresses: ['wss://relay.example'] }, close: () => void closed++ }),
      usesRelays: () => true,
      send: async () => false,
    };
    const pairing = new Pairing({ links: new MemoryDevice(9_001), createSession: () => assert.fail('no session for an invite that failed'), answerValidMs: 60_000, rendezvous });
    await assert.rejects(pairing.newInvite());
    assert.equal(closed, 1);
    assert.deepEqual(pairing.exchanges(), []);
  });
});
