// Group calls in Node (chat/group-calls.ts): the legs of a mesh call between members of a real group (real
// messengers, real membership logs, in-memory links), each leg's connection a scripted stand-in (fake-call.ts).
// Who rings, who connects to whom when accepting later, who stays when one leaves, what each history keeps, and
// what a hostile contact or member cannot do: join from outside the group, answer with another certificate, end
// someone else's leg, call a group that is too big, fill the history. Real connections: test/e2e/group-calls.test.mjs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toBase64Url } from '../../../src/crypto/bytes';
import { randomCallId } from '../../../src/chat/calls';
import { callRecordOf } from '../../../src/chat/call-record';
import { decodeFrame, encodeFrame, frameTypes, frameVersion } from '../../../src/chat/frames';
import { maxGroupCallMembers, type GroupCallState } from '../../../src/chat/group-calls';
import type { PeerSession } from '../../../src/chat/peer-session';
import { isTincanError } from '../../../src/errors';
import { joinGroup, pair, person, tap, until, type Person } from '../chat/people';
import type { Link } from '../../../src/net/link';
import { FakeCall, FakeCapture, fakeCalls, sdpWith } from './fake-call';

const keyOf = (who: Person) => toBase64Url(who.profile.identity.publicKey);
const state = (who: Person): GroupCallState | undefined => who.messenger.groupCalls.current;
/** The calls of its groups `who` was told go on without it ("Join call"), as "<group id> <call id>". */
const goingOn = (who: Person) => who.messenger.groupCalls.goingOn.map((c) => `${c.groupId} ${c.id}`);
/** Who `who` was told is in its group's call going on, by name. */
const toldIn = (who: Person, people: readonly Person[]) =>
  (who.messenger.groupCalls.goingOn[0]?.members ?? []).map((key) => people.find((p) => keyOf(p) === key)!.name).sort().join();
const contactOf = (who: Person, other: Person, groupId: string) => who.messenger.groups.view(groupId).members.find((m) => m.key === keyOf(other))!.contactId;
const sessionTo = (who: Person, other: Person, groupId: string): PeerSession => who.messenger.peers.get(contactOf(who, other, groupId))!;
/** The members `who` has a leg with, by name, and each leg's phase. */
const legsOf = (who: Person, people: readonly Person[]) =>
  (state(who)?.members ?? []).map((m) => `${people.find((p) => keyOf(p) === m.key)!.name}:${m.phase}`).sort();

async function groupRecords(who: Person, groupId: string) {
  const page = await who.store.log.loadNewest(groupId, 100);
  return page.entries.flatMap((e) => {
    const call = e.unreadable ? undefined : callRecordOf(e.meta);
    return call && !e.unreadable ? [[e.direction, call.outcome] as const] : [];
  });
}

/** People in one group, every pair linked, every link's calls scripted: `legs(a, b)` are a's connections to b. */
async function group(names: readonly string[], title = 'Climbers') {
  const people = await Promise.all(names.map((name) => person(name)));
  const made = await people[0]!.messenger.groups.create(title);
  for (let i = 1; i < people.length; i++) await joinGroup(people[i - 1]!, people[i]!, made.id);
  const linked = () => people.every((who) => who.messenger.groups.view(made.id).members.every((m) => m.isSelf || who.messenger.isOnline(m.contactId)));
  await until(() => people.every((p) => p.messenger.groups.view(made.id).members.length === people.length) && linked(), 'the mesh', 15_000);
  const calls = new Map<string, FakeCall[]>();
  const legs = (who: Person, other: Person) => calls.get(`${who.name}>${other.name}`) ?? calls.set(`${who.name}>${other.name}`, []).get(`${who.name}>${other.name}`)!;
  // Every link of every person, made now or later (a member who comes back), makes scripted calls, kept by pair.
  for (const who of people) {
    const script = (link: Link) => {
      link.makeCall = (options) => {
        const session = who.messenger.peers.open().find((s) => s.link === link)!;
        const other = people.find((p) => keyOf(p) === toBase64Url(session.peer!.identityKey))!;
        const made = new FakeCall(link, options);
        legs(who, other).push(made);
        return made;
      };
      link.makeCapture = (video) => new FakeCapture(video);
    };
    who.device.links.forEach(script);
    const push = who.device.links.push.bind(who.device.links);
    who.device.links.push = (...links) => {
      links.forEach(script);
      return push(...links);
    };
  }
  /** Media flows both ways between the two (what getStats would show on each side of their newest leg). */
  const flow = (x: Person, y: Person) => {
    legs(x, y).at(-1)!.receive();
    legs(y, x).at(-1)!.receive();
  };
  return { people, groupId: made.id, legs, flow };
}

/** The first starts a voice call; the second accepts, then the third, holding both offers: every leg answered. */
async function allThreeAnswered(people: readonly Person[], groupId: string, video = false): Promise<void> {
  const [ann, ben, cat] = people as [Person, Person, Person];
  await ann.messenger.groupCalls.start(groupId, video);
  await until(() => state(ben)?.phase === 'ringing-in' && state(cat)?.phase === 'ringing-in', 'Ben and Cat ring');
  await ben.messenger.groupCalls.accept();
  await until(() => state(cat)?.members.length === 2, 'Cat holds both offers');
  await cat.messenger.groupCalls.accept();
  await until(() => people.every((p) => state(p)?.members.length === 2 && state(p)!.members.every((m) => m.phase !== 'ringing')), 'every leg answered');
}

describe('group-call frames', () => {
  it('round-trip with their wire fields only, and are dropped when a field is not as it must be', () => {
    const frame = { type: 'group-call' as const, call: randomCallId(), group: `g:${'A'.repeat(22)}`, video: true, sdp: 'v=0\r\n' };
    assert.deepEqual(decodeFrame(encodeFrame(frame)), { ok: true, frame });
    const raw = (body: unknown) => Uint8Array.of(frameVersion, frameTypes['group-call'], ...new TextEncoder().encode(JSON.stringify(body)));
    assert.deepEqual(decodeFrame(raw({ ...frame, extra: 'x' })), { ok: true, frame }, 'unknown fields are not passed on');
    for (const bad of [
      { ...frame, group: 'dm:AAAAAAAAAAAAAAAAAAAAAA' },
      { ...frame, group: `g:${'A'.repeat(23)}` },
      { ...frame, group: 7 },
      { ...frame, call: 'short' },
      { ...frame, video: 'yes' },
      { ...frame, sdp: '' },
      { ...frame, sdp: 'x'.repeat(33 * 1024) },
    ]) {
      assert.equal(decodeFrame(raw(bad)).ok, false, JSON.stringify(bad).slice(0, 80));
    }
    const news = { type: 'group-call-state' as const, call: frame.call, group: frame.group, video: false, present: true };
    assert.deepEqual(decodeFrame(encodeFrame(news)), { ok: true, frame: news });
    const rawNews = (body: unknown) => Uint8Array.of(frameVersion, frameTypes['group-call-state'], ...new TextEncoder().encode(JSON.stringify(body)));
    for (const bad of [{ ...news, present: 'yes' }, { ...news, group: 'dm:AAAAAAAAAAAAAAAAAAAAAA' }, { ...news, video: 1 }, { ...news, call: 'short' }]) {
      assert.equal(decodeFrame(rawNews(bad)).ok, false, JSON.stringify(bad));
    }
  });
});

describe('a group call of three', () => {
  it('rings everyone; who accepts later connects to everyone present; one leaving leaves the two in the call', async () => {
    const { people, groupId, legs, flow } = await group(['Ann', 'Ben', 'Cat']);
    const [ann, ben, cat] = people as [Person, Person, Person];
    await ann.messenger.groupCalls.start(groupId, false);
    await until(() => state(ben)?.phase === 'ringing-in' && state(cat)?.phase === 'ringing-in', 'Ben and Cat ring');
    assert.deepEqual(legsOf(ben, people), ['Ann:ringing']);
    assert.equal(state(ben)!.groupId, groupId);
    assert.equal(state(ann)!.phase, 'ringing-out');

    // Ben accepts: he answers Ann, and offers Cat a leg (she is still ringing: she now holds two offers).
    await ben.messenger.groupCalls.accept();
    await until(() => legsOf(cat, people).join() === 'Ann:ringing,Ben:ringing', 'Cat holds offers from Ann and Ben');
    flow(ann, ben);
    await until(() => state(ann)?.phase === 'in-call' && state(ben)?.phase === 'in-call', 'Ann and Ben in call');
    assert.deepEqual(legsOf(ann, people), ['Ben:in-call', 'Cat:ringing']);

    // Cat accepts later: she answers both and is connected to both.
    await cat.messenger.groupCalls.accept();
    await until(() => legs(ann, cat).length === 1 && legs(cat, ann).length === 1 && legs(cat, ben).length === 1 && legs(ben, cat).length === 1, 'her legs');
    flow(ann, cat);
    flow(ben, cat);
    for (const who of people) {
      await until(() => state(who)?.members.every((m) => m.phase === 'in-call') === true && state(who)!.members.length === 2, `${who.name} in call with both`);
    }

    // Ben leaves: his legs end; Ann and Cat stay in call with each other.
    ben.messenger.groupCalls.hangUp();
    assert.equal(state(ben), undefined);
    await until(() => legsOf(ann, people).join() === 'Cat:in-call' && legsOf(cat, people).join() === 'Ann:in-call', 'the two stay');
    assert.equal(state(ann)!.phase, 'in-call');
    assert.equal(state(cat)!.phase, 'in-call');
    assert.equal(legs(ann, ben)[0]!.state, 'closed');
    assert.equal(legs(ann, cat)[0]!.state, 'connected', 'the leg between the two who stay is untouched');

    ann.messenger.groupCalls.hangUp();
    await until(() => state(cat) === undefined, 'Cat\'s call ends with nobody left');
    for (const [who, direction] of [[ann, 'out'], [ben, 'in'], [cat, 'in']] as const) {
      await until(async () => (await groupRecords(who, groupId)).length === 1, `${who.name}'s entry`);
      assert.deepEqual(await groupRecords(who, groupId), [[direction, 'answered']], `${who.name}'s group history`);
    }
    for (const who of people) who.messenger.close();
  });

  it('two members accepting at once offer each other once: the lower key\'s offer stands, one leg between them', async () => {
    const { people, groupId, legs, flow } = await group(['Ann', 'Ben', 'Cat']);
    const [ann, ben, cat] = people as [Person, Person, Person];
    await ann.messenger.groupCalls.start(groupId, false);
    await until(() => state(ben)?.phase === 'ringing-in' && state(cat)?.phase === 'ringing-in', 'Ben and Cat ring');
    await Promise.all([ben.messenger.groupCalls.accept(), cat.messenger.groupCalls.accept()]);
    await until(() => people.every((p) => state(p)?.members.length === 2 && state(p)!.members.every((m) => m.phase === 'connecting')), 'every leg answered');
    const [low, high] = keyOf(ben) < keyOf(cat) ? [ben, cat] : [cat, ben];
    // Both offered; the higher key dropped its own offer and answered the lower key's.
    assert.deepEqual([legs(low, high).length, legs(high, low).length], [1, 2]);
    assert.equal(legs(high, low)[0]!.state, 'closed');
    assert.equal(legs(high, low)[1]!.options.role, 'callee');
    flow(ann, ben);
    flow(ann, cat);
    flow(ben, cat);
    for (const who of people) await until(() => state(who)?.members.every((m) => m.phase === 'in-call') === true, `${who.name} in call with both`);
    for (const who of people) who.messenger.close();
  });

  it('a member who connects while the call goes on rings, and accepting joins everyone present; one who declined is not rung again', async () => {
    const { people, groupId, flow } = await group(['Ann', 'Ben', 'Cat']);
    const [ann, ben, cat] = people as [Person, Person, Person];
    // Cat is away: her links to Ann and Ben are gone.
    for (const other of [ann, ben]) cat.messenger.disconnect(contactOf(cat, other, groupId));
    await until(() => !ann.messenger.isOnline(contactOf(ann, cat, groupId)) && !ben.messenger.isOnline(contactOf(ben, cat, groupId)), 'Cat is away');
    await ann.messenger.groupCalls.start(groupId, false);
    await until(() => state(ben)?.phase === 'ringing-in', 'Ben rings');
    assert.deepEqual(legsOf(ann, people), ['Ben:ringing'], 'no leg for Cat, away');
    await ben.messenger.groupCalls.accept();
    flow(ann, ben);
    await until(() => state(ann)?.phase === 'in-call' && state(ben)?.phase === 'in-call', 'Ann and Ben in call');

    // Cat comes back (a code exchange with each): she rings with each one's offer, and accepting joins both.
    await pair(ann, cat);
    await until(() => state(cat)?.phase === 'ringing-in', 'Cat rings');
    await pair(ben, cat);
    await until(() => legsOf(cat, people).join() === 'Ann:ringing,Ben:ringing', 'Cat holds offers from both');
    await cat.messenger.groupCalls.accept();
    await until(() => people.every((p) => state(p)?.members.length === 2 && state(p)!.members.every((m) => m.phase !== 'ringing')), 'every leg answered');

    // Cat leaves; her link to Ann drops and comes back: she is not rung again.
    cat.messenger.groupCalls.hangUp();
    await until(() => legsOf(ann, people).join() === 'Ben:in-call', 'Ann and Ben stay');
    cat.messenger.disconnect(contactOf(cat, ann, groupId));
    await until(() => !ann.messenger.isOnline(contactOf(ann, cat, groupId)), 'Cat\'s link to Ann drops');
    await pair(ann, cat);
    await until(() => ann.messenger.isOnline(contactOf(ann, cat, groupId)), 'Cat is back');
    // Ann offers a leg when the session opens, before anything is awaited: none was made for Cat.
    assert.deepEqual(legsOf(ann, people), ['Ben:in-call']);

    // Instead Cat is told the call goes on, and "Join call" connects her to both again, without ringing them.
    const call = state(ann)!.id;
    await until(() => goingOn(cat).join() === `${groupId} ${call}` && toldIn(cat, people) === 'Ann,Ben', 'Cat is told the call goes on, by both');
    await cat.messenger.groupCalls.join(groupId);
    assert.equal(state(cat)!.id, call);
    assert.deepEqual(goingOn(cat), [], 'in it now');
    await until(() => people.every((p) => state(p)?.members.length === 2 && state(p)!.members.every((m) => m.phase !== 'ringing')), 'every leg answered');
    assert.equal(state(ann)!.phase, 'in-call', 'Ann never rang');
    for (const who of people) who.messenger.close();
  });

  it('a member who left joins the call again with "Join call": connected to everyone still in, one entry per part', async () => {
    const { people, groupId, legs, flow } = await group(['Ann', 'Ben', 'Cat']);
    const [ann, ben, cat] = people as [Person, Person, Person];
    await allThreeAnswered(people, groupId);
    const call = state(ann)!.id;
    flow(ann, ben);
    flow(ann, cat);
    flow(ben, cat);
    for (const who of people) await until(() => state(who)?.members.every((m) => m.phase === 'in-call') === true, `${who.name} in call with both`);

    // Ben leaves: Ann and Cat stay, and tell him the call goes on.
    ben.messenger.groupCalls.hangUp();
    assert.equal(state(ben), undefined);
    await until(() => goingOn(ben).join() === `${groupId} ${call}` && toldIn(ben, people) === 'Ann,Cat', 'Ben is told the call goes on, by both');
    assert.deepEqual(goingOn(ann), []);

    // "Join call": Ben offers both a leg of that very call; they answer at once (nobody rings), media flows again.
    await ben.messenger.groupCalls.join(groupId);
    assert.equal(state(ben)!.id, call);
    assert.equal(state(ben)!.direction, 'in');
    assert.deepEqual(goingOn(ben), []);
    await until(() => legsOf(ann, people).join() === 'Ben:connecting,Cat:in-call' && legsOf(cat, people).join() === 'Ann:in-call,Ben:connecting', 'Ann and Cat answer Ben');
    assert.equal(legs(ann, ben).at(-1)!.options.role, 'callee');
    assert.equal(legs(ben, ann).at(-1)!.options.role, 'caller');
    flow(ben, ann);
    flow(ben, cat);
    await until(() => legsOf(ben, people).join() === 'Ann:in-call,Cat:in-call', 'Ben in call with both again');

    // Ben leaves again, then Ann and Cat: once both said they left, Ben has no call to join.
    ben.messenger.groupCalls.hangUp();
    await until(() => toldIn(ben, people) === 'Ann,Cat', 'told again');
    ann.messenger.groupCalls.hangUp();
    cat.messenger.groupCalls.hangUp();
    await until(() => goingOn(ben).length === 0, 'the call is over for Ben');
    await assert.rejects(ben.messenger.groupCalls.join(groupId), (error) => isTincanError(error) && error.code === 'GROUP_CALL_OVER');
    // History: one entry per part of a device in the call; Ben's two parts are two answered entries.
    for (const [who, entries] of [[ann, 1], [ben, 2], [cat, 1]] as const) {
      await until(async () => (await groupRecords(who, groupId)).length === entries, `${who.name}'s entries`);
    }
    assert.deepEqual(await groupRecords(ben, groupId), [['in', 'answered'], ['in', 'answered']]);
    assert.deepEqual(await groupRecords(ann, groupId), [['out', 'answered']]);
    for (const who of people) who.messenger.close();
  });

  it('a member who joins while the camera is coming on gets the camera too, and does not turn it off for the others', async () => {
    const { people, groupId, legs, flow } = await group(['Ann', 'Ben', 'Cat']);
    const [ann, ben, cat] = people as [Person, Person, Person];
    await allThreeAnswered(people, groupId, true);
    flow(ann, ben);
    flow(ann, cat);
    flow(ben, cat);
    ben.messenger.groupCalls.hangUp();
    await until(() => toldIn(ben, people) === 'Ann,Cat', 'Ben is told the call goes on');
    await ann.messenger.groupCalls.setCameraOff(true);
    // Ann turns her camera on; it is slow to come (a prompt, a busy camera) and Ben joins meanwhile.
    let release!: () => void;
    const toCat = legs(ann, cat).at(-1)!;
    toCat.cameraHold = new Promise<void>((resolve) => (release = resolve));
    const turningOn = ann.messenger.groupCalls.setCameraOff(false);
    await ben.messenger.groupCalls.join(groupId);
    await until(() => legs(ann, ben).length === 2 && legs(ann, ben).at(-1)!.state === 'connecting', 'Ann answers Ben\'s new leg');
    const toBen = legs(ann, ben).at(-1)!;
    assert.deepEqual(toBen.cameraCalls, [], 'the new leg does not turn the shared camera off while it comes on');
    release();
    await turningOn;
    await until(() => toBen.cameraCalls.join() === 'false', 'the new leg gets the camera too');
    assert.deepEqual(toCat.cameraCalls, [true, false]);
    assert.equal(state(ann)!.cameraOff, false);
    for (const who of people) who.messenger.close();
  });

  it('a member who declined is not rung again by one accepting later, and joins with "Join call"', async () => {
    const { people, groupId, legs } = await group(['Ann', 'Ben', 'Cat']);
    const [ann, ben, cat] = people as [Person, Person, Person];
    await ann.messenger.groupCalls.start(groupId, true);
    await until(() => state(ben)?.phase === 'ringing-in' && state(cat)?.phase === 'ringing-in', 'Ben and Cat ring');
    const call = state(ann)!.id;
    ben.messenger.groupCalls.decline();
    await until(() => goingOn(ben).join() === `${groupId} ${call}`, 'Ann, still calling Cat, tells Ben the call goes on');
    assert.deepEqual(ben.messenger.groupCalls.goingOn.map((c) => c.video), [true]);

    // Cat accepts and offers Ben a leg, as to every member she has none with: Ben's page answers "declined", it does
    // not ring again.
    await cat.messenger.groupCalls.accept();
    await until(() => legs(cat, ben).length === 1 && legs(cat, ben)[0]!.state === 'closed' && toldIn(ben, people) === 'Ann,Cat', 'Cat\'s offer to Ben is declined; both tell him');
    assert.equal(state(ben), undefined);
    assert.deepEqual(legsOf(cat, people), ['Ann:connecting']);

    await ben.messenger.groupCalls.join(groupId);
    await until(() => people.every((p) => state(p)?.members.length === 2 && state(p)!.members.every((m) => m.phase !== 'ringing')), 'every leg answered');
    assert.equal(state(ben)!.video, true);
    for (const who of people) who.messenger.close();
  });

  it('the legs of one call share one capture, released when this device\'s part ends; joining again captures anew', async () => {
    const { people, groupId, legs } = await group(['Ann', 'Ben', 'Cat']);
    const [ann, ben, cat] = people as [Person, Person, Person];
    await allThreeAnswered(people, groupId);
    const capture = legs(ann, ben)[0]!.options.capture as FakeCapture;
    assert.ok(capture instanceof FakeCapture);
    assert.equal(legs(ann, cat)[0]!.options.capture, capture, 'Ann\'s two legs send one capture');
    assert.notEqual(legs(ben, ann)[0]!.options.capture, capture, 'each device has its own');
    const bens = legs(ben, ann)[0]!.options.capture as FakeCapture;
    assert.equal(legs(ben, cat).at(-1)!.options.capture, bens);

    // Ben leaves: his capture is released; Ann's leg to him closes, her capture goes on for her leg to Cat.
    ben.messenger.groupCalls.hangUp();
    assert.equal(bens.released, 1);
    await until(() => legsOf(ann, people).join() === 'Cat:connecting' && toldIn(ben, people) === 'Ann,Cat', 'Ann and Cat stay, and tell Ben');
    assert.equal(capture.released, 0);
    // Ben joins again: a new part, a new capture, shared by his two new legs.
    await ben.messenger.groupCalls.join(groupId);
    await until(() => legs(ben, ann).length === 2 && legs(ben, cat).length === 2, 'Ben\'s new legs');
    const again = legs(ben, ann)[1]!.options.capture;
    assert.notEqual(again, bens);
    assert.equal(legs(ben, cat)[1]!.options.capture, again);
    for (const who of people) who.messenger.close();
    assert.equal(capture.released, 1, 'released once, as Ann\'s part ended');
  });

  it('a declined and a missed call are in the group\'s history of who declined and who missed it', async () => {
    const { people, groupId } = await group(['Ann', 'Ben', 'Cat']);
    const [ann, ben, cat] = people as [Person, Person, Person];
    await ann.messenger.groupCalls.start(groupId, true);
    await until(() => state(ben)?.phase === 'ringing-in' && state(cat)?.phase === 'ringing-in', 'Ben and Cat ring');
    ben.messenger.groupCalls.decline();
    await until(() => legsOf(ann, people).join() === 'Cat:ringing', 'Ben\'s leg ends; Cat still rings');
    ann.messenger.groupCalls.hangUp();
    await until(() => state(cat) === undefined, 'Cat stops ringing');
    await until(async () => (await groupRecords(cat, groupId)).length === 1 && (await groupRecords(ben, groupId)).length === 1 && (await groupRecords(ann, groupId)).length === 1, 'the entries');
    assert.deepEqual(await groupRecords(ben, groupId), [['in', 'declined']]);
    assert.deepEqual(await groupRecords(cat, groupId), [['in', 'missed']]);
    assert.deepEqual(await groupRecords(ann, groupId), [['out', 'unanswered']]);
    for (const who of people) who.messenger.close();
  });

  it('a member removed from the group loses its legs; the others stay in the call', async () => {
    const { people, groupId, flow } = await group(['Ann', 'Ben', 'Cat']);
    const [ann, ben, cat] = people as [Person, Person, Person];
    await allThreeAnswered(people, groupId);
    flow(ann, ben);
    await ann.messenger.groups.remove(groupId, keyOf(cat));
    await until(() => state(cat) === undefined, 'Cat is out of the call');
    await until(() => legsOf(ann, people).join() === 'Ben:in-call' && legsOf(ben, people).join() === 'Ann:in-call', 'Ann and Ben stay');
    for (const who of people) who.messenger.close();
  });
});

describe('one call at a time', () => {
  it('a call of two people and a group call answer each other "busy", with one "missed" entry', async () => {
    const { people, groupId } = await group(['Ann', 'Ben']);
    const [ann, ben] = people as [Person, Person];
    const dan = await person('Dan');
    const { aContact: danAtBen, bContact: benAtDan } = await pair(ben, dan);
    fakeCalls(ben, danAtBen);
    fakeCalls(dan, benAtDan);
    const danNotices: string[] = [];
    dan.messenger.calls.on('notice', ({ code }) => danNotices.push(code));

    // Ben's page rings for Ann's group call: Dan's call to him is "busy", and Ben has it as missed.
    await ann.messenger.groupCalls.start(groupId, false);
    await until(() => state(ben)?.phase === 'ringing-in', 'Ben rings for the group');
    await dan.messenger.calls.start(benAtDan, false);
    await until(() => danNotices.includes('CALL_BUSY'), 'Dan hears busy');
    assert.equal(state(ben)?.phase, 'ringing-in', 'the group call still rings');
    await assert.rejects(ben.messenger.calls.start(danAtBen, true), (error) => isTincanError(error) && error.code === 'CALL_BUSY');
    ann.messenger.groupCalls.hangUp();
    await until(() => state(ben) === undefined, 'the group call is over');

    // Ben is in a call with Dan: Ann's group call to him is "busy", and her call ends saying so.
    const annNotices: string[] = [];
    ann.messenger.groupCalls.on('notice', ({ code }) => annNotices.push(code));
    await dan.messenger.calls.start(benAtDan, false);
    await until(() => ben.messenger.calls.current?.phase === 'ringing-in', 'Ben rings for Dan');
    await ann.messenger.groupCalls.start(groupId, false);
    await until(() => state(ann) === undefined, 'Ann\'s group call ends');
    assert.deepEqual(annNotices, ['CALL_BUSY']);
    await assert.rejects(ben.messenger.groupCalls.start(groupId, false), (error) => isTincanError(error) && error.code === 'CALL_BUSY');
    dan.messenger.calls.hangUp();
    await until(async () => (await groupRecords(ann, groupId)).length === 2 && (await groupRecords(ben, groupId)).length === 2, 'the group entries');
    assert.deepEqual(await groupRecords(ann, groupId), [['out', 'unanswered'], ['out', 'busy']]);
    assert.deepEqual(await groupRecords(ben, groupId), [['in', 'missed'], ['in', 'missed']]);
    await until(async () => (await groupRecords(ben, danAtBen)).length === 2, 'Ben\'s entries with Dan');
    assert.deepEqual(await groupRecords(ben, danAtBen), [['in', 'missed'], ['in', 'missed']], 'busy with the group, then Dan gave up');
    for (const who of [ann, ben, dan]) who.messenger.close();
  });
});

describe('a hostile contact or member', () => {
  it('cannot ring from outside the group, nor for a group it is not in, nor end a leg that is not its own', async () => {
    const { people, groupId } = await group(['Ann', 'Ben']);
    const [ann, ben] = people as [Person, Person];
    const dan = await person('Dan');
    const { bContact: annAtDan } = await pair(ann, dan);
    const fromDan = dan.messenger.peers.get(annAtDan)!;
    const counted = ann.messenger.groupCalls.counted;
    // Dan knows the group's id (say a member told him) and signs his offer with his own certificate: nothing rings.
    fromDan.send({ type: 'group-call', call: randomCallId(), group: groupId, video: false, sdp: sdpWith(fromDan.link.localFields!.fingerprint) });
    await until(() => counted.notMember === 1, 'Dan\'s offer is looked at');
    assert.equal(state(ann), undefined, 'nothing rings');
    // Ben, a member, offers for a group Ann is not in.
    const fromBen = sessionTo(ben, ann, groupId);
    fromBen.send({ type: 'group-call', call: randomCallId(), group: `g:${'B'.repeat(22)}`, video: false, sdp: sdpWith(fromBen.link.localFields!.fingerprint) });
    await until(() => counted.notMember === 2, 'Ben\'s offer for another group is looked at');
    assert.equal(state(ann), undefined);

    // A real call between Ann and Ben: Dan's frames naming its id change nothing.
    await ben.messenger.groupCalls.start(groupId, false);
    await until(() => state(ann)?.phase === 'ringing-in', 'Ann rings');
    const call = state(ann)!.id;
    fromDan.send({ type: 'call-end', call, reason: 'hang-up' });
    fromDan.send({ type: 'call-answer', call, sdp: sdpWith(fromDan.link.localFields!.fingerprint) });
    // Dan joining by offering a leg of that very call: refused as a non-member, after his other frames (one session,
    // in order): the count proves they were all looked at.
    fromDan.send({ type: 'group-call', call, group: groupId, video: false, sdp: sdpWith(fromDan.link.localFields!.fingerprint) });
    await until(() => counted.notMember === 3, 'Dan\'s frames are looked at');
    assert.deepEqual(legsOf(ann, [ann, ben, dan]), ['Ben:ringing'], 'Ann still rings for Ben\'s call only');
    for (const who of [ann, ben, dan]) who.messenger.close();
  });

  it('cannot make a call seem to go on: news counts only from members, within a budget, each member for itself', async () => {
    const { people, groupId } = await group(['Ann', 'Ben', 'Cat']);
    const [ann, ben, cat] = people as [Person, Person, Person];
    const dan = await person('Dan');
    const { bContact: annAtDan } = await pair(ann, dan);
    const counted = ann.messenger.groupCalls.counted;
    const call = randomCallId();
    const news = (present: boolean, id = call) => ({ type: 'group-call-state' as const, call: id, group: groupId, video: false, present });
    // Dan, not a member, says a call of the group goes on: nothing to join.
    dan.messenger.peers.get(annAtDan)!.send(news(true));
    await until(() => counted.notMember === 1, 'Dan\'s news is looked at');
    assert.deepEqual(goingOn(ann), []);
    // Ben and Cat say they are in it; Ben says he is no longer: Cat still is.
    sessionTo(ben, ann, groupId).send(news(true));
    sessionTo(cat, ann, groupId).send(news(true));
    await until(() => toldIn(ann, people) === 'Ben,Cat', 'Ben and Cat are in it');
    sessionTo(ben, ann, groupId).send(news(false));
    await until(() => toldIn(ann, people) === 'Cat', 'only Cat is');
    // A flood of news is held to the budget, and news of another call from Ben does not replace the one Cat is in
    // (a member cannot steer "Join call" to a call of its own).
    const known = goingOn(ann);
    for (let i = 0; i < 20; i++) sessionTo(ben, ann, groupId).send(news(true, randomCallId()));
    await until(() => counted.newsOverBudget >= 15, 'over the budget');
    assert.equal(toldIn(ann, people), 'Cat');
    assert.deepEqual(goingOn(ann), known);
    // Cat's session closes: what she said can no longer be kept up to date.
    cat.messenger.disconnect(contactOf(cat, ann, groupId));
    await until(() => goingOn(ann).length === 0, 'nothing to join');
    for (const who of [...people, dan]) who.messenger.close();
  });

  it('a member whose offer or answer names another certificate is refused, and told', async () => {
    const { people, groupId } = await group(['Ann', 'Ben']);
    const [ann, ben] = people as [Person, Person];
    const notices: string[] = [];
    ann.messenger.groupCalls.on('notice', ({ code }) => notices.push(code));
    const toBen = tap(sessionTo(ann, ben, groupId));
    const fromBen = sessionTo(ben, ann, groupId);
    const other = new Uint8Array(32).fill(7);
    fromBen.send({ type: 'group-call', call: randomCallId(), group: groupId, video: false, sdp: sdpWith(other) });
    await until(() => notices.length === 1, 'refused');
    assert.deepEqual(notices, ['CALL_REFUSED']);
    assert.equal(state(ann), undefined, 'nothing rings');
    assert.ok(toBen.some((f) => f.type === 'call-end' && f.reason === 'refused'), 'Ben is told');

    // Ann calls; Ben's answer names another certificate: the leg ends as refused (her only one: the call ends).
    const held = tap(fromBen, (frame) => (frame.type === 'call-answer' ? { ...frame, sdp: sdpWith(other) } : frame));
    await ann.messenger.groupCalls.start(groupId, false);
    await until(() => state(ben)?.phase === 'ringing-in', 'Ben rings');
    await ben.messenger.groupCalls.accept();
    await until(() => state(ann) === undefined, 'Ann\'s call ends');
    assert.ok(held.some((f) => f.type === 'call-answer'));
    assert.deepEqual(notices, ['CALL_REFUSED', 'CALL_REFUSED']);
    for (const who of people) who.messenger.close();
  });

  it(`a group of more than ${maxGroupCallMembers} cannot be called, and its members' offers do not ring`, async () => {
    const { people, groupId } = await group(['Ann', 'Ben', 'Cat', 'Dan', 'Eve'], 'Too many');
    const [ann, ben] = people as [Person, Person];
    await assert.rejects(ann.messenger.groupCalls.start(groupId, false), (error) => isTincanError(error) && error.code === 'GROUP_CALL_TOO_BIG');
    assert.equal(state(ann), undefined);
    const fromBen = sessionTo(ben, ann, groupId);
    fromBen.send({ type: 'group-call', call: randomCallId(), group: groupId, video: false, sdp: sdpWith(fromBen.link.localFields!.fingerprint) });
    await until(() => ann.messenger.groupCalls.counted.notMember === 1, 'Ben\'s offer is looked at');
    assert.equal(state(ann), undefined);
    for (const who of people) who.messenger.close();
  });

  it('a flood of offers writes one "missed" entry while a call rings, and the rest are over the budget', async () => {
    const at = Date.now();
    const ann = await person('Ann', { now: () => at });
    const ben = await person('Ben');
    const made = await ann.messenger.groups.create('Flood');
    await joinGroup(ann, ben, made.id);
    const fromBen = sessionTo(ben, ann, made.id);
    const session = sessionTo(ann, ben, made.id);
    const sdp = sdpWith(fromBen.link.localFields!.fingerprint);
    const before = session.counters.received;
    const ringing = randomCallId();
    fromBen.send({ type: 'group-call', call: ringing, group: made.id, video: true, sdp });
    for (let i = 0; i < 300; i++) fromBen.send({ type: 'group-call', call: randomCallId(), group: made.id, video: false, sdp });
    await until(() => session.counters.received >= before + 301, 'the flood arrived', 20_000);
    assert.equal(state(ann)?.id, ringing, 'the first offer rings');
    fromBen.send({ type: 'call-end', call: ringing, reason: 'hang-up' });
    await until(async () => (await groupRecords(ann, made.id)).length === 2, 'the entries');
    assert.deepEqual(await groupRecords(ann, made.id), [['in', 'missed'], ['in', 'missed']]);
    assert.deepEqual(ann.messenger.groupCalls.counted, { offersOverBudget: 298, notMember: 0, busyNotWritten: 1, overQuota: 0, newsOverBudget: 0 });
    ann.messenger.close();
    ben.messenger.close();
  });
});
