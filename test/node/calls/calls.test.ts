// Calls in Node (chat/calls.ts, chat/call-frames.ts): frame validation, the binding of a call's SDP to the
// fingerprint the contact signed, and the call's states and history entries over two real messengers joined by
// in-memory links. The call's own connection is a scripted stand-in (FakeCall): these tests are about the state
// machine and what travels on the sealed session; real connections are test/e2e/calls.test.mjs's.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFrame, encodeFrame, frameTypes, frameVersion } from '../../../src/chat/frames';
import { maxCallSdpChars } from '../../../src/chat/call-frames';
import { callOfferBudget, Calls, randomCallId, sdpNamesOnly, type CallState } from '../../../src/chat/calls';
import { callRecordOf } from '../../../src/chat/call-record';
import type { PeerSession } from '../../../src/chat/peer-session';
import { loseLink, pair, person, until, type Person } from '../chat/people';
import { fakeCalls, fakeCallsOnEveryLink, hexOf, sdpWith, type FakeCall } from './fake-call';

/** The next call `who` answers waits in answer() (its microphone prompt open) until the returned function is called. */
function promptOpen(who: Person, contactId: string): () => void {
  let allow!: () => void;
  const prompt = new Promise<void>((resolve) => (allow = resolve));
  const link = who.messenger.peers.get(contactId)!.link;
  const make = link.makeCall!;
  link.makeCall = (options) => {
    const made = make(options) as FakeCall;
    made.answering = prompt;
    return made;
  };
  return allow;
}

function watchCalls(who: Person) {
  const seen: (CallState | undefined)[] = [];
  const notices: string[] = [];
  who.messenger.calls.on('call', (call) => seen.push(call));
  who.messenger.calls.on('notice', ({ code }) => notices.push(code));
  return { seen, notices, now: () => who.messenger.calls.current };
}

async function callRecords(who: Person, contactId: string) {
  const page = await who.store.log.loadNewest(contactId, 100);
  return page.entries.flatMap((e) => (e.unreadable ? [] : [{ direction: e.direction, ...callRecordOf(e.meta) }])).filter((r) => 'outcome' in r);
}

async function twoPeople(options: Parameters<typeof person>[1] = {}) {
  const alice = await person('Alice', options);
  const bob = await person('Bob', options);
  const { aContact: bobAtAlice, bContact: aliceAtBob } = await pair(alice, bob);
  return { alice, bob, bobAtAlice, aliceAtBob, aliceCalls: fakeCallsOnEveryLink(alice), bobCalls: fakeCallsOnEveryLink(bob) };
}

/** Alice called Bob, he accepted, and media flows both ways. */
async function inCall(options: Parameters<typeof person>[1] = {}, video = false) {
  const people = await twoPeople(options);
  const { alice, bob, bobAtAlice, aliceCalls, bobCalls } = people;
  const a = watchCalls(alice);
  const b = watchCalls(bob);
  await alice.messenger.calls.start(bobAtAlice, video);
  await until(() => b.now()?.phase === 'ringing-in', 'Bob rings');
  await bob.messenger.calls.accept();
  await until(() => a.now()?.phase === 'connecting', 'accepted');
  aliceCalls[0]!.receive();
  bobCalls[0]!.receive();
  await until(() => a.now()?.phase === 'in-call' && b.now()?.phase === 'in-call', 'in call');
  return { ...people, a, b };
}

describe('call frames', () => {
  const call = randomCallId();
  const sdp = 'v=0\r\n';

  it('round-trip with their wire fields only', () => {
    for (const frame of [
      { type: 'call-offer' as const, call, video: true, sdp },
      { type: 'call-answer' as const, call, sdp },
      { type: 'call-end' as const, call, reason: 'declined' as const },
      { type: 'call-signal' as const, call, kind: 'offer' as const, sdp },
      { type: 'call-media' as const, call, receiving: false },
      { type: 'call-resume' as const, call },
    ]) {
      assert.deepEqual(decodeFrame(encodeFrame(frame)), { ok: true, frame });
    }
  });

  it('are dropped as malformed when a field is not as it must be', () => {
    const raw = (type: keyof typeof frameTypes, body: unknown) =>
      new Uint8Array([frameVersion, frameTypes[type], ...new TextEncoder().encode(JSON.stringify(body))]);
    for (const [type, body] of [
      ['call-offer', { call: 'short', video: true, sdp }],
      ['call-offer', { call, video: 'yes', sdp }],
      ['call-offer', { call, video: true, sdp: '' }],
      ['call-offer', { call, video: true, sdp: 'x'.repeat(maxCallSdpChars + 1) }],
      ['call-answer', { call, sdp: 42 }],
      ['call-end', { call, reason: 'because' }],
      ['call-signal', { call, kind: 'pranswer', sdp }],
      ['call-media', { call, receiving: 1 }],
      ['call-resume', { call: 'short' }],
    ] as const) {
      assert.deepEqual(decodeFrame(raw(type, body)), { ok: false, reason: 'malformed' }, `${type} ${JSON.stringify(body).slice(0, 60)}`);
    }
    const extra = decodeFrame(raw('call-end', { call, reason: 'busy', state: 'in-call' }));
    assert.deepEqual(extra, { ok: true, frame: { type: 'call-end', call, reason: 'busy' } });
  });
});

describe('a call SDP names the signed fingerprint', () => {
  const signed = new Uint8Array(32).fill(7);
  const other = new Uint8Array(32).fill(8);
  it('only that one, SHA-256, at least once', () => {
    assert.equal(sdpNamesOnly(sdpWith(signed), signed), true);
    assert.equal(sdpNamesOnly(sdpWith(signed) + `a=fingerprint:sha-256 ${hexOf(signed)}\r\n`, signed), true, 'once per media section');
    assert.equal(sdpNamesOnly(sdpWith(other), signed), false, 'another certificate');
    assert.equal(sdpNamesOnly(sdpWith(signed) + `a=fingerprint:sha-256 ${hexOf(other)}\r\n`, signed), false, 'a second certificate');
    assert.equal(sdpNamesOnly(sdpWith(signed, 'sha-1'), signed), false, 'another hash');
    assert.equal(sdpNamesOnly('v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n', signed), false, 'none');
  });

  it('refuses a second fingerprint written in any way a parser might still read', () => {
    const theirs = hexOf(other);
    for (const line of [
      ` a=fingerprint:sha-256 ${theirs}`,
      `\ta=fingerprint:sha-256 ${theirs}`,
      `a =fingerprint:sha-256 ${theirs}`,
      `a= fingerprint:sha-256 ${theirs}`,
      `a=fingerprint :sha-256 ${theirs}`,
      `a=fingerprint: sha-256 ${theirs}`,
      `a=FINGERPRINT:sha-256 ${theirs}`,
      `a=fingerprint:sha-256  ${theirs}`,
      `a=fingerprint:sha-256 ${theirs} `,
      `a=fingerprint:sha-512 ${theirs}`,
      `a=x-fingerprint:sha-256 ${theirs}`,
      // The signed one, but not written exactly: refused too.
      ` a=fingerprint:sha-256 ${hexOf(signed)}`,
    ]) {
      assert.equal(sdpNamesOnly(`${sdpWith(signed)}${line}\r\n`, signed), false, JSON.stringify(line));
      assert.equal(sdpNamesOnly(`${sdpWith(signed)}${line}\n`, signed), false, `${JSON.stringify(line)} (LF)`);
    }
    // A line break inside a line (a bare CR) does not hide one either.
    assert.equal(sdpNamesOnly(`${sdpWith(signed)}x=1\ra=fingerprint:sha-256 ${theirs}\r\n`, signed), false, 'after a bare CR');
    // Browsers write LF-only SDPs too, and lower-case hex is the same certificate.
    assert.equal(sdpNamesOnly(sdpWith(signed).replaceAll('\r\n', '\n'), signed), true, 'LF line ends');
    assert.equal(sdpNamesOnly(`v=0\r\na=fingerprint:sha-256 ${hexOf(signed).toLowerCase()}\r\n`, signed), true, 'lower-case hex');
  });
});

describe('calls between two messengers', () => {
  it('ring, are accepted, read "in call" once media flows both ways, and hang up into both histories', async () => {
    const { alice, bob, bobAtAlice, aliceAtBob, aliceCalls, bobCalls } = await twoPeople();
    const a = watchCalls(alice);
    const b = watchCalls(bob);
    await alice.messenger.calls.start(bobAtAlice, false);
    await until(() => b.now()?.phase === 'ringing-in', 'Bob rings');
    assert.equal(a.now()?.phase, 'ringing-out');
    assert.equal(b.now()?.video, false);
    await bob.messenger.calls.accept();
    await until(() => a.now()?.phase === 'connecting', 'Alice applies the answer');
    aliceCalls[0]!.receive();
    await until(() => a.now()?.phase === 'connecting' && b.now()?.phase === 'connecting', 'one way is not both ways');
    bobCalls[0]!.receive();
    await until(() => a.now()?.phase === 'in-call' && b.now()?.phase === 'in-call', 'in call on both sides');
    alice.messenger.calls.setMuted(true);
    assert.equal(aliceCalls[0]!.muted, true);
    assert.equal(a.now()?.muted, true);
    alice.messenger.calls.hangUp();
    await until(() => !b.now(), 'the call ends on Bob\'s side');
    assert.equal(aliceCalls[0]!.state, 'closed');
    assert.equal(bobCalls[0]!.state, 'closed');
    await until(async () => (await callRecords(bob, aliceAtBob)).length === 1 && (await callRecords(alice, bobAtAlice)).length === 1, 'both entries');
    const [mine] = await callRecords(alice, bobAtAlice);
    const [theirs] = await callRecords(bob, aliceAtBob);
    assert.equal(mine!.outcome, 'answered');
    assert.equal(mine!.direction, 'out');
    assert.equal(theirs!.outcome, 'answered');
    assert.equal(theirs!.direction, 'in');
    assert.deepEqual([...a.notices, ...b.notices], []);
  });

  it('declined, and missed when the caller gives up, are in both histories', async () => {
    const { alice, bob, bobAtAlice, aliceAtBob } = await twoPeople();
    const b = watchCalls(bob);
    await alice.messenger.calls.start(bobAtAlice, true);
    await until(() => b.now()?.phase === 'ringing-in', 'Bob rings');
    bob.messenger.calls.decline();
    await until(() => !alice.messenger.calls.current, 'Alice hears the decline');
    await alice.messenger.calls.start(bobAtAlice, false);
    await until(() => b.now()?.phase === 'ringing-in', 'Bob rings again');
    alice.messenger.calls.hangUp();
    await until(() => !b.now(), 'the ringing stops');
    await until(async () => (await callRecords(bob, aliceAtBob)).length === 2 && (await callRecords(alice, bobAtAlice)).length === 2, 'both entries on both sides');
    assert.deepEqual((await callRecords(alice, bobAtAlice)).map((r) => [r.direction, r.video, r.outcome]), [['out', true, 'declined'], ['out', false, 'unanswered']]);
    assert.deepEqual((await callRecords(bob, aliceAtBob)).map((r) => [r.direction, r.video, r.outcome]), [['in', true, 'declined'], ['in', false, 'missed']]);
  });

  it('an accept whose microphone prompt outlasts the caller\'s ring still connects (the callee says it accepts)', async () => {
    const { alice, bob, bobAtAlice, aliceAtBob } = await twoPeople();
    // Alice calls with a short ring (her own Calls on her session) so the prompt can outlast it.
    const shortRingMs = 200;
    const caller = new Calls({ session: (id) => alice.messenger.peers.get(id), log: alice.store.log, ringMs: shortRingMs });
    const session = alice.messenger.peers.get(bobAtAlice)!;
    caller.attach(session);
    const b = watchCalls(bob);
    await caller.start(bobAtAlice, false);
    await until(() => b.now()?.phase === 'ringing-in', 'Bob rings');
    const allow = promptOpen(bob, aliceAtBob);
    const receivedBefore = session.counters.received;
    const acceptedAt = Date.now();
    const accepting = bob.messenger.calls.accept();
    await until(() => session.counters.received > receivedBefore, 'Bob\'s "accepting" reaches Alice');
    // The prompt stays open past the end of Alice's ring.
    await until(() => Date.now() >= acceptedAt + 3 * shortRingMs, 'the ring would be over');
    allow();
    await accepting;
    await until(() => caller.current?.phase === 'connecting' && b.now()?.phase === 'connecting', 'the answer reaches Alice: both connect');
    caller.close();
  });

  it('end on both sides with CALL_CONNECTION_LOST when the link under them dies', async () => {
    const { alice, bob, bobAtAlice, aliceAtBob, a, b } = await inCall();
    alice.messenger.peers.get(bobAtAlice)!.link.close({ state: 'failed', code: 'ICE_FAILED' });
    await until(() => !a.now() && !b.now(), 'the call is over on both sides');
    assert.deepEqual(a.notices, ['CALL_CONNECTION_LOST']);
    assert.deepEqual(b.notices, ['CALL_CONNECTION_LOST']);
    await until(async () => (await callRecords(bob, aliceAtBob)).length === 1, 'Bob\'s entry');
  });

  it('a call whose own connection is lost is set up anew over the chat link: the same call, no ringing, its capture kept', async () => {
    const { alice, bob, bobAtAlice, aliceAtBob, aliceCalls, bobCalls, a, b } = await inCall();
    const connectedAt = a.now()!.connectedAt;
    const seenByBob = b.seen.length;
    const firstAliceMedia = aliceCalls[0]!.localMedia;
    const firstBobMedia = bobCalls[0]!.localMedia;
    // The callee's side loses its path: it asks the caller to offer anew (call-resume), and answers that offer.
    bobCalls[0]!.lose();
    await until(() => b.now()?.phase === 'reconnecting', 'Bob reconnecting');
    await until(() => aliceCalls.length === 2 && bobCalls.length === 2, 'a new connection on each side');
    await until(() => a.now()?.phase === 'reconnecting', 'Alice reconnecting');
    assert.equal(aliceCalls[1]!.options.media, firstAliceMedia, 'Alice\'s microphone goes on in the new connection');
    assert.equal(bobCalls[1]!.options.media, firstBobMedia, 'Bob\'s too: nothing is asked again');
    assert.equal(aliceCalls[0]!.mediaStopped, false);
    aliceCalls[1]!.receive();
    bobCalls[1]!.receive();
    await until(() => a.now()?.phase === 'in-call' && b.now()?.phase === 'in-call', 'in call again');
    assert.equal(a.now()!.id, b.now()!.id);
    assert.equal(a.now()!.connectedAt, connectedAt, 'the same call: its length counts from the first "In call"');
    assert.ok(!b.seen.slice(seenByBob).some((call) => call?.phase === 'ringing-in'), 'Bob\'s page did not ring again');
    assert.deepEqual([a.notices, b.notices], [[], []]);
    alice.messenger.calls.hangUp();
    await until(() => !b.now(), 'over on both sides');
    await until(async () => (await callRecords(bob, aliceAtBob)).length === 1, 'Bob\'s one entry');
    assert.deepEqual((await callRecords(alice, bobAtAlice)).map((r) => r.outcome), ['answered']);
    assert.equal(aliceCalls[1]!.mediaStopped, true, 'the capture stops with the call');
  });

  it('a call whose connection is not made again within the handover ends on both sides', async () => {
    const { alice, bob, bobAtAlice, aliceAtBob, aliceCalls, bobCalls, a, b } = await inCall({ callOptions: { handoverMs: 300 } });
    // Both paths go; the new connections never carry media.
    aliceCalls[0]!.lose();
    bobCalls[0]!.lose();
    await until(() => !a.now() && !b.now(), 'the call is over on both sides');
    assert.deepEqual([a.notices, b.notices], [['CALL_CONNECTION_LOST'], ['CALL_CONNECTION_LOST']]);
    assert.ok(a.seen.some((call) => call?.phase === 'reconnecting'), 'Alice read "Reconnecting…" first');
    assert.ok([...aliceCalls, ...bobCalls].every((call) => call.state === 'closed'));
    assert.equal(aliceCalls.at(-1)!.mediaStopped, true, 'the capture stops with the call');
    assert.equal(alice.messenger.isOnline(bobAtAlice), true, 'the chat goes on');
    await until(async () => (await callRecords(bob, aliceAtBob)).length === 1, 'Bob\'s entry');
  });

  it('a link lost under a call, with a way back (relays), holds it "Reconnecting…"; the next link carries it on', async () => {
    const { alice, bob, bobAtAlice, aliceAtBob, aliceCalls, bobCalls, a, b } = await inCall({ callOptions: { canReconnect: () => true } }, true);
    const id = a.now()!.id;
    // A change of address: the chat link goes, and the call's own path did not come back (callLostMs).
    loseLink(alice, bobAtAlice, bob, aliceAtBob);
    aliceCalls[0]!.lose();
    bobCalls[0]!.lose();
    await until(() => a.now()?.phase === 'reconnecting' && b.now()?.phase === 'reconnecting', 'both reconnecting');
    assert.ok(a.now()!.localMedia, 'the own camera is still shown');
    // The contact's next link (here a code each way; a relay's offer in the app): the caller offers anew on it.
    await pair(alice, bob);
    await until(() => aliceCalls.length === 2 && bobCalls.length === 2, 'a new connection on each side');
    assert.notEqual(aliceCalls[1]!.link, aliceCalls[0]!.link, 'made by the new link, with its certificate');
    aliceCalls[1]!.receive();
    bobCalls[1]!.receive();
    await until(() => a.now()?.phase === 'in-call' && b.now()?.phase === 'in-call', 'in call again');
    assert.equal(b.now()!.id, id);
    assert.equal(b.now()!.video, true);
    assert.deepEqual([a.notices, b.notices], [[], []]);
    bob.messenger.calls.hangUp();
    await until(() => !a.now() && !b.now(), 'over on both sides');
  });

  it('both connections lost a moment apart: one new connection each, none left open after the call', async () => {
    const { alice, bob, bobAtAlice, aliceAtBob, aliceCalls, bobCalls, a, b } = await inCall();
    // Alice's goes first and her check of the chat link waits for a pong; Bob's call-resume comes before it.
    const bobSession = bob.messenger.peers.get(aliceAtBob)! as unknown as { sendFrame(frame: { type: string }): boolean };
    const sendFrame = bobSession.sendFrame.bind(bobSession);
    let holdPongs = true;
    bobSession.sendFrame = (frame) => {
      if (frame.type === 'call-resume') holdPongs = false;
      return frame.type === 'pong' && holdPongs ? true : sendFrame(frame);
    };
    aliceCalls[0]!.lose();
    bobCalls[0]!.lose();
    await until(() => !holdPongs, 'Bob asks for a new offer');
    // Then Alice's check gets its pong: the link answers (a second way to a new offer).
    await new Promise((resolve) => alice.messenger.peers.get(bobAtAlice)!.on('rtt', resolve));
    await until(() => aliceCalls.length >= 2 && bobCalls.length >= 2, 'new connections');
    aliceCalls.at(-1)!.receive();
    bobCalls.at(-1)!.receive();
    await until(() => a.now()?.phase === 'in-call' && b.now()?.phase === 'in-call', 'in call again');
    assert.deepEqual([aliceCalls.length, bobCalls.length], [2, 2], 'one new connection a side');
    alice.messenger.calls.hangUp();
    await until(() => !a.now() && !b.now(), 'over on both sides');
    for (const call of [...aliceCalls, ...bobCalls]) assert.equal(call.state, 'closed');
    assert.deepEqual([aliceCalls, bobCalls].map((calls) => calls.filter((c) => c.localMedia && !c.mediaStopped).length), [0, 0], 'no capture left running');
  });

  it('a callee who hung up while the link was down is not rung again by the call: its end reaches the caller', async () => {
    const { alice, bob, bobAtAlice, aliceAtBob, aliceCalls, bobCalls, a, b } = await inCall({ callOptions: { canReconnect: () => true } });
    loseLink(alice, bobAtAlice, bob, aliceAtBob);
    aliceCalls[0]!.lose();
    bobCalls[0]!.lose();
    await until(() => a.now()?.phase === 'reconnecting' && b.now()?.phase === 'reconnecting', 'both reconnecting');
    bob.messenger.calls.hangUp();
    await until(() => !b.now(), 'over at Bob');
    const seenByBob = b.seen.length;
    await pair(alice, bob);
    await until(() => !a.now(), 'Alice hears the end on the next link');
    assert.deepEqual(a.notices, [], 'as a hang-up');
    assert.ok(!b.seen.slice(seenByBob).some((call) => call?.phase === 'ringing-in'), 'Bob\'s page did not ring');
    await until(async () => (await callRecords(alice, bobAtAlice)).length === 1 && (await callRecords(bob, aliceAtBob)).length === 1, 'one entry each');
    assert.deepEqual((await callRecords(bob, aliceAtBob)).map((r) => r.outcome), ['answered']);
  });

  it('a chat link lost while the call\'s own path still carries media (a relay in use) leaves the call in call; the next link carries its frames', async () => {
    const { alice, bob, bobAtAlice, aliceAtBob, aliceCalls, bobCalls, a, b } = await inCall({ callOptions: { canReconnect: () => true } });
    loseLink(alice, bobAtAlice, bob, aliceAtBob);
    await until(() => !alice.messenger.isOnline(bobAtAlice) && !bob.messenger.isOnline(aliceAtBob), 'the chat link gone');
    assert.deepEqual([a.now()?.phase, b.now()?.phase], ['in-call', 'in-call']);
    await pair(alice, bob);
    bob.messenger.calls.hangUp();
    await until(() => !a.now() && !b.now(), 'the hang-up reaches Alice on the next link');
    assert.deepEqual([aliceCalls.length, bobCalls.length], [1, 1], 'no new connection was needed');
  });
});

/** The fingerprint Mallory's link signed: an honest SDP of hers names it. */
const mallory = (session: PeerSession) => session.link.localFields!.fingerprint;

describe('a hostile contact', () => {
  /** Mallory's session to Alice, through which she sends what she likes (sealed: it is her real session). */
  async function victimAndMallory(options: Parameters<typeof person>[1] = {}) {
    const alice = await person('Alice', options);
    const mallory = await person('Mallory');
    const { aContact: malloryAtAlice, bContact: aliceAtMallory } = await pair(alice, mallory);
    const attack: PeerSession = mallory.messenger.peers.get(aliceAtMallory)!;
    const received: string[] = [];
    attack.on('call-frame', (frame) => received.push(frame.type === 'call-end' ? `call-end ${frame.reason}` : frame.type));
    return { alice, mallory, malloryAtAlice, attack, received };
  }

  it('offering a call with another certificate than the one she signed is refused: nothing rings', async () => {
    const { alice, attack, received } = await victimAndMallory();
    const a = watchCalls(alice);
    const someoneElse = new Uint8Array(32).fill(0xab);
    attack.send({ type: 'call-offer', call: randomCallId(), video: false, sdp: sdpWith(someoneElse) });
    await until(() => received.includes('call-end refused'), 'Mallory hears the refusal');
    assert.deepEqual(a.notices, ['CALL_REFUSED']);
    assert.deepEqual(a.seen, [], 'nothing rang');
    // Her own certificate rings (the refusal was about the fingerprint, not about her).
    attack.send({ type: 'call-offer', call: randomCallId(), video: false, sdp: sdpWith(attack.link.localFields!.fingerprint) });
    await until(() => a.now()?.phase === 'ringing-in', 'an honest offer rings');
  });

  it('answering a call with another certificate ends it as refused', async () => {
    const { alice, malloryAtAlice, attack, received } = await victimAndMallory();
    fakeCalls(alice, malloryAtAlice);
    const a = watchCalls(alice);
    await alice.messenger.calls.start(malloryAtAlice, false);
    const callId = a.now()!.id;
    await until(() => received.includes('call-offer'), 'the offer reaches Mallory');
    attack.send({ type: 'call-answer', call: callId, sdp: sdpWith(new Uint8Array(32).fill(1)) });
    await until(() => !a.now(), 'the call ends');
    assert.deepEqual(a.notices, ['CALL_REFUSED']);
    await until(() => received.includes('call-end refused'), 'Mallory is told');
  });

  it('a flood of offers while a call is on writes one "missed" entry, not one per offer', async () => {
    // A clock that stands still: the offer budget gets no refill while the flood arrives, so what passes is exact.
    const at = Date.now();
    const { alice, malloryAtAlice, attack } = await victimAndMallory({ now: () => at });
    const a = watchCalls(alice);
    const sdp = sdpWith(attack.link.localFields!.fingerprint);
    const session = alice.messenger.peers.get(malloryAtAlice)!;
    const receivedBefore = session.counters.received;
    const ringing = randomCallId();
    attack.send({ type: 'call-offer', call: ringing, video: true, sdp });
    for (let i = 0; i < 1500; i++) attack.send({ type: 'call-offer', call: randomCallId(), video: false, sdp });
    await until(() => session.counters.received >= receivedBefore + 1501, 'the flood arrived', 20_000);
    assert.equal(a.now()?.id, ringing, 'the first offer rings');
    // The ringing call ends: its own entry is written after every entry the flood caused (one log, in order).
    attack.send({ type: 'call-end', call: ringing, reason: 'hang-up' });
    await until(async () => (await callRecords(alice, malloryAtAlice)).some((r) => r.video), 'the ringing call\'s entry');
    assert.deepEqual((await callRecords(alice, malloryAtAlice)).map((r) => [r.direction, r.video, r.outcome]), [['in', false, 'missed'], ['in', true, 'missed']]);
    assert.deepEqual(alice.messenger.calls.counted, { offersOverBudget: 1498, busyNotWritten: 1, overQuota: 0 });
  });

  it('offers each followed by their end write no more entries than the offer budget lets ring', async () => {
    const at = Date.now();
    const { alice, malloryAtAlice, attack } = await victimAndMallory({ now: () => at });
    const sdp = sdpWith(attack.link.localFields!.fingerprint);
    const session = alice.messenger.peers.get(malloryAtAlice)!;
    const receivedBefore = session.counters.received;
    for (let i = 0; i < 200; i++) {
      const call = randomCallId();
      attack.send({ type: 'call-offer', call, video: false, sdp });
      attack.send({ type: 'call-end', call, reason: 'hang-up' });
    }
    await until(() => session.counters.received >= receivedBefore + 400, 'the flood arrived', 20_000);
    await until(async () => (await callRecords(alice, malloryAtAlice)).length >= callOfferBudget.burst, 'the calls that rang');
    assert.equal(alice.messenger.calls.counted.offersOverBudget, 200 - callOfferBudget.burst);
    assert.deepEqual((await callRecords(alice, malloryAtAlice)).map((r) => r.outcome), Array(callOfferBudget.burst).fill('missed'));
  });

  it('a conversation over its quota gets no call entries', async () => {
    const { alice, malloryAtAlice, attack } = await victimAndMallory({ quotaBytes: 1 });
    const a = watchCalls(alice);
    const call = randomCallId();
    attack.send({ type: 'call-offer', call, video: false, sdp: sdpWith(attack.link.localFields!.fingerprint) });
    await until(() => a.now()?.phase === 'ringing-in', 'it rings (ringing stores nothing)');
    attack.send({ type: 'call-end', call, reason: 'hang-up' });
    await until(() => alice.messenger.calls.counted.overQuota === 1, 'the missed entry is refused');
    assert.deepEqual(await callRecords(alice, malloryAtAlice), []);
  });

  it('a call-signal before the answer went out is ignored: an accept waiting for the microphone goes through', async () => {
    const { alice, malloryAtAlice, attack, received } = await victimAndMallory();
    const made = fakeCalls(alice, malloryAtAlice);
    const a = watchCalls(alice);
    const sdp = sdpWith(attack.link.localFields!.fingerprint);
    const call = randomCallId();
    attack.send({ type: 'call-offer', call, video: false, sdp });
    await until(() => a.now()?.phase === 'ringing-in', 'Alice rings');
    const allow = promptOpen(alice, malloryAtAlice);
    const accepting = alice.messenger.calls.accept();
    await until(() => a.now()?.phase === 'connecting' && made.length === 1, 'Alice accepts; the microphone prompt is open');
    const session = alice.messenger.peers.get(malloryAtAlice)!;
    const receivedBefore = session.counters.received;
    const early = `${sdp}a=ice-ufrag:early\r\n`;
    attack.send({ type: 'call-signal', call, kind: 'offer', sdp: early });
    await until(() => session.counters.received >= receivedBefore + 1, 'the early signal arrived');
    allow();
    await accepting;
    await until(() => received.includes('call-answer'), 'the answer reaches Mallory');
    assert.equal(a.now()?.id, call);
    const late = `${sdp}a=ice-ufrag:late\r\n`;
    attack.send({ type: 'call-signal', call, kind: 'offer', sdp: late });
    await until(() => made[0]!.signals.some((signal) => signal.sdp === late), 'a signal after the answer is applied');
    assert.deepEqual(made[0]!.signals, [{ kind: 'offer', sdp: late }], 'only the one after the answer');
  });

  it('an offer again for a call still ringing, or "offer anew" before any answer, change nothing: no new connection', async () => {
    const { alice, malloryAtAlice, attack, received } = await victimAndMallory();
    const made = fakeCalls(alice, malloryAtAlice);
    const a = watchCalls(alice);
    // Alice calls Mallory; Mallory asks for a new offer before answering: nothing.
    await alice.messenger.calls.start(malloryAtAlice, false);
    await until(() => received.includes('call-offer'), 'the offer reaches Mallory');
    const counted = alice.messenger.peers.get(malloryAtAlice)!.counters.received;
    attack.send({ type: 'call-resume', call: a.now()!.id });
    await until(() => alice.messenger.peers.get(malloryAtAlice)!.counters.received > counted, 'the call-resume arrived');
    assert.equal(a.now()?.phase, 'ringing-out', 'still ringing');
    assert.equal(made.length, 1, 'no new offer');
    // Mallory calls Alice and offers the same call again while it rings: it rings once, answered by nothing.
    alice.messenger.calls.hangUp();
    await until(() => !a.now(), 'Alice\'s call is over');
    const call = randomCallId();
    const own = sdpWith(mallory(attack));
    attack.send({ type: 'call-offer', call, video: false, sdp: own });
    await until(() => a.now()?.phase === 'ringing-in', 'Alice rings');
    const seen = a.seen.length;
    const receivedBefore = alice.messenger.peers.get(malloryAtAlice)!.counters.received;
    attack.send({ type: 'call-offer', call, video: true, sdp: own });
    attack.send({ type: 'call-media', call, receiving: true });
    // Handled in order as they arrive: once both are counted, both were handled.
    await until(() => alice.messenger.peers.get(malloryAtAlice)!.counters.received >= receivedBefore + 2, 'both frames arrived');
    assert.equal(a.now()?.phase, 'ringing-in');
    assert.equal(a.now()?.video, false, 'the first offer stands');
    assert.equal(a.seen.length, seen);
    assert.equal(made.length, 1, 'no connection but the first call\'s');
    alice.messenger.calls.decline();
  });

  it('a new offer for an answered call naming another certificate ends it as refused', async () => {
    const { alice, malloryAtAlice, attack, received } = await victimAndMallory();
    const made = fakeCalls(alice, malloryAtAlice);
    const a = watchCalls(alice);
    const call = randomCallId();
    attack.send({ type: 'call-offer', call, video: false, sdp: sdpWith(mallory(attack)) });
    await until(() => a.now()?.phase === 'ringing-in', 'Alice rings');
    await alice.messenger.calls.accept();
    await until(() => received.includes('call-answer'), 'Mallory has the answer');
    attack.send({ type: 'call-offer', call, video: false, sdp: sdpWith(new Uint8Array(32).fill(1)) });
    await until(() => !a.now(), 'the call ends');
    assert.deepEqual(a.notices, ['CALL_REFUSED']);
    assert.equal(made.length, 1, 'no second connection was made');
    await until(() => received.includes('call-end refused'), 'Mallory is told');
  });

  it('frames about a call that is not going on change nothing', async () => {
    const { alice, malloryAtAlice, attack } = await victimAndMallory();
    fakeCalls(alice, malloryAtAlice);
    const a = watchCalls(alice);
    await alice.messenger.calls.start(malloryAtAlice, false);
    const before = a.seen.length;
    const receivedBefore = alice.messenger.peers.get(malloryAtAlice)!.counters.received;
    const stranger = randomCallId();
    attack.send({ type: 'call-media', call: stranger, receiving: true });
    attack.send({ type: 'call-end', call: stranger, reason: 'hang-up' });
    // A barrier: an honest frame for the real call, sent after the strangers, arrives after them (ordered link).
    attack.send({ type: 'call-media', call: a.now()!.id, receiving: true });
    await until(() => alice.messenger.peers.get(malloryAtAlice)!.counters.received >= receivedBefore + 3, 'the three frames arrived');
    assert.equal(a.now()?.phase, 'ringing-out');
    assert.equal(a.seen.length, before);
  });
});
