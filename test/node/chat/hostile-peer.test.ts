// A peer that floods, lies about time, sends garbage or fills the disk: the victim's history stays intact, its
// budgets apply, its counters say what happened, and it can still send. The attacker speaks the real protocol
// through the project's own modules (a PeerSession), so everything it sends is sealed and well framed unless
// the test says otherwise.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { frameTypes, frameVersion, maxFrameBytes } from '../../../src/chat/frames';
import { maxIncomingBatch, randomMessageId } from '../../../src/chat/delivery';
import { floodPenalty, peerBudget } from '../../../src/chat/budget';
import type { PeerSession } from '../../../src/chat/peer-session';
import { formatTranscript } from '../../../src/store/transcript';
import { signAck } from '../../../src/crypto/envelope';
import { identityKeyId } from '../../../src/crypto/identity';
import { getSodium } from '../../../src/crypto/sodium';
import type { EnvelopeFrame } from '../../../src/chat/frames';
import { pair, person, texts, until, waitFor, type Person } from './people';

/** Sends bytes through the session's sealed channel as they are (no frame encoding). */
function sendRaw(session: PeerSession, bytes: Uint8Array): void {
  (session as unknown as { secure: { send(bytes: Uint8Array): void } }).secure.send(bytes);
}

async function victimAndAttacker(
  options: { now?: () => number } = {},
): Promise<{ alice: Person; mallory: Person; malloryAtAlice: string; attack: PeerSession; conversation: string; seal: Sealer }> {
  const alice = await person('Alice', options);
  const mallory = await person('Mallory');
  const { aContact: malloryAtAlice, bContact: aliceAtMallory } = await pair(alice, mallory);
  const attack = mallory.messenger.peers.get(aliceAtMallory)!;
  const seal: Sealer = (text, sentAt = Date.now()) => mallory.messenger.delivery.seal(aliceAtMallory, text, sentAt);
  return { alice, mallory, malloryAtAlice, attack, conversation: attack.conversationId!, seal };
}

/** Mallory's real envelopes (her own chain, her signature): what she floods with is well formed. */
type Sealer = (text: string, sentAt?: number) => Promise<EnvelopeFrame>;

async function sealMany(seal: Sealer, count: number, sentAt?: number): Promise<EnvelopeFrame[]> {
  const sealed: EnvelopeFrame[] = [];
  for (let i = 0; i < count; i++) sealed.push(await seal(`flood ${i}`, sentAt));
  return sealed;
}

describe('a hostile peer', () => {
  it('floods 1,000 messages: they are stored in writes of at most maxIncomingBatch, each once and in order', async () => {
    const { alice, malloryAtAlice, attack, seal } = await victimAndAttacker();
    const victim = alice.messenger.peers.get(malloryAtAlice)!;
    const flood = await sealMany(seal, 1_000);
    const before = victim.counters.received;
    // Every append the victim's delivery makes, by size (one write seals its whole batch in one task); the first
    // write waits until the whole flood arrived, as a slow disk makes it, so everything else is queued behind it.
    const sizes: number[] = [];
    const log = alice.store.log;
    const append = log.append.bind(log);
    const arrived = until(() => victim.counters.received >= before + 1_000, 'the flood arrived', 20_000);
    log.append = async (conversationId, messages, options) => {
      sizes.push(messages.length);
      await arrived;
      return append(conversationId, messages, options);
    };
    for (const envelope of flood) attack.send(envelope);
    await until(() => alice.store.log.summary(malloryAtAlice)?.count === 1_000, 'the flood stored', 20_000);
    assert.ok(sizes.length >= 1_000 / maxIncomingBatch, `${sizes.length} writes`);
    assert.ok(Math.max(...sizes) <= maxIncomingBatch, `the largest write held ${Math.max(...sizes)} messages`);
    assert.equal(sizes.reduce((a, b) => a + b, 0), 1_000);
    assert.deepEqual(await texts(alice, malloryAtAlice), flood.map((_, i) => `flood ${i}`));
  });

  it('floods 10,000 messages at once: budgets drop the excess, what is stored is intact and the victim still sends', async () => {
    // The victim's clock stands still, so its budget never refills: exactly the burst passes, however fast the
    // machine delivers the flood (what passes must not depend on timing).
    const frozen = Date.now();
    const { alice, mallory, malloryAtAlice, attack, seal } = await victimAndAttacker({ now: () => frozen });
    const victim = alice.messenger.peers.get(malloryAtAlice)!;
    // A barrier: one message stored proves Mallory's chain and everything before it arrived. Those frames took
    // their share of the same budget.
    attack.send(await seal('hello'));
    await until(() => alice.store.log.summary(malloryAtAlice)?.count === 1, 'the first message stored');
    const flood = await sealMany(seal, 10_000);
    const before = victim.counters.received;
    for (const envelope of flood) attack.send(envelope);
    await until(() => victim.counters.received + victim.counters.dropped['over-budget'] >= before + 10_000, 'every frame seen', 20_000);
    await until(() => (alice.store.log.summary(malloryAtAlice)?.count ?? 0) - 1 === victim.counters.received - before, 'what passed is stored', 20_000);
    assert.equal(victim.counters.received, peerBudget.frames.burst, 'the burst passed');
    assert.equal(victim.counters.dropped['over-budget'], before + 10_000 - peerBudget.frames.burst, 'the rest was dropped and counted');
    const stored = await texts(alice, malloryAtAlice);
    assert.equal(new Set(stored).size, stored.length, 'each stored once');
    assert.ok(stored.slice(1).every((t) => t.startsWith('flood ')));
    await alice.messenger.send(malloryAtAlice, 'I can still talk');
    await waitFor(mallory, 'added', (e) => e.message.text === 'I can still talk', { timeoutMs: 10_000 });
  });

  it('keeps flooding: held to the flood penalty while it goes on, back to the full budget once it stops', async () => {
    let clock = Date.now();
    const { alice, malloryAtAlice, attack, seal } = await victimAndAttacker({ now: () => clock });
    const victim = alice.messenger.peers.get(malloryAtAlice)!;
    const flood = async (count: number) => {
      const envelopes = await sealMany(seal, count);
      const seen = victim.counters.received + victim.counters.dropped['over-budget'];
      const before = victim.counters.received;
      for (const envelope of envelopes) attack.send(envelope);
      await until(() => victim.counters.received + victim.counters.dropped['over-budget'] >= seen + count, 'every frame seen', 20_000);
      return victim.counters.received - before;
    };
    assert.equal(await flood(5_000), peerBudget.frames.burst, 'the first burst passes');
    // One second later the full budget would take 2,000 more; the flooder gets the penalty's second instead.
    clock += 1_000;
    assert.equal(await flood(3_000), floodPenalty.frames.perSecond);
    // Every drop moves the end of the penalty on: 9 s later it still holds.
    clock += 9_000;
    assert.equal(await flood(1_000), floodPenalty.frames.burst);
    // Quiet for the penalty's duration: the full budget again (refilled to its burst).
    clock += floodPenalty.durationMs;
    assert.equal(await flood(1_000), 1_000, 'a burst of 1,000 passes untouched');
  });

  it('floods typing and pings, oversized and unknown frames, acks with unknown ids: dropped and counted', async () => {
    const { alice, mallory, malloryAtAlice, attack, conversation } = await victimAndAttacker();
    for (let i = 0; i < 500; i++) attack.send({ type: 'typing', conversation, active: i % 2 === 0 });
    for (let i = 0; i < 500; i++) attack.send({ type: 'ping', sentAt: i });
    sendRaw(attack, new Uint8Array(maxFrameBytes + 1));
    sendRaw(attack, Uint8Array.of(frameVersion, 200, 0x7b, 0x7d));
    sendRaw(attack, Uint8Array.of(9, frameTypes.envelope));
    const unknownIds = Array.from({ length: 512 }, () => randomMessageId());
    attack.send({ type: 'ack', ...signAck(await getSodium(), mallory.profile.identity, conversation, identityKeyId(alice.profile.identity.publicKey), unknownIds) });
    const victim = alice.messenger.peers.get(malloryAtAlice)!;
    await until(() => alice.messenger.delivery.ignored.unknownAcks === 512, 'unknown acks counted');
    const dropped = victim.counters.dropped;
    assert.ok(dropped['over-budget'] >= 900, `chatter over budget: ${dropped['over-budget']}`);
    assert.equal(dropped['too-large'], 1);
    assert.equal(dropped['unknown-type'], 1);
    assert.equal(dropped['other-version'], 1);
  });

  it('claims year 318,000 (and 1970): shown at arrival time, and the transcript still exports', async () => {
    const { alice, malloryAtAlice, attack, seal } = await victimAndAttacker();
    const before = Date.now();
    attack.send(await seal('from the future', 1e16));
    attack.send(await seal('from 1970', 0));
    await until(async () => (await texts(alice, malloryAtAlice)).length === 2, 'both stored');
    const page = await alice.store.log.loadNewest(malloryAtAlice, 10);
    for (const entry of page.entries) {
      assert.ok(!entry.unreadable);
      assert.ok(entry.sentAt >= before && entry.sentAt <= Date.now(), `clamped to arrival: ${entry.sentAt}`);
      assert.doesNotThrow(() => new Date(entry.sentAt).toISOString());
    }
    const transcript = formatTranscript(
      { title: 't', ownName: 'Alice', nameOf: () => 'Mallory', entries: page.entries, exportedAt: Date.now() } as never,
      'markdown',
    );
    assert.match(transcript, /from the future/);
  });

  it('a message for another conversation id is not filed here', async () => {
    const { alice, malloryAtAlice, attack, seal } = await victimAndAttacker();
    attack.send({ ...(await seal('misfiled')), conversation: 'dm:BBBBBBBBBBBBBBBBBBBBBB' });
    attack.send(await seal('filed'));
    await until(async () => (await texts(alice, malloryAtAlice)).length === 1, 'one stored');
    assert.deepEqual(await texts(alice, malloryAtAlice), ['filed']);
    assert.equal(alice.messenger.delivery.ignored.wrongConversation, 1);
  });

  it('fills the conversation quota: new messages refused, the sender told and keeps them', async () => {
    // Alice's device gives each conversation almost no room.
    const alice = await person('Alice', { quotaBytes: 1 });
    const bob = await person('Bob');
    const { aContact: bobAtAlice, bContact: aliceAtBob } = await pair(alice, bob);
    await bob.messenger.send(aliceAtBob, 'no room for this');
    await waitFor(bob, 'refused', (r) => r.conversationId === aliceAtBob);
    await waitFor(alice, 'quota-reached', (r) => r.conversationId === bobAtAlice);
    assert.equal(bob.store.outbox.pending(aliceAtBob).length, 1, 'kept in the outbox');
    assert.deepEqual(await texts(alice, bobAtAlice), []);
  });

  it('replays a whole sealed frame (same counter): rejected, never shown twice', async () => {
    const { alice, malloryAtAlice, attack, seal } = await victimAndAttacker();
    const link = attack.link as unknown as { sentFrames: Uint8Array[]; inject(bytes: Uint8Array): void };
    attack.send(await seal('once'));
    const sealed = link.sentFrames.at(-1)!;
    await until(async () => (await texts(alice, malloryAtAlice)).length === 1, 'stored');
    for (let i = 0; i < 5; i++) link.inject(sealed);
    const victim = alice.messenger.peers.get(malloryAtAlice)!;
    await until(() => victim.counters.rejected === 5, 'every replay rejected');
    // A barrier: a frame after the replays is stored, so the replays were all handled before it.
    attack.send(await seal('after'));
    await until(async () => (await texts(alice, malloryAtAlice)).length === 2, 'the next one stored');
    assert.deepEqual(await texts(alice, malloryAtAlice), ['once', 'after']);
  });
});
