// Groups over the real chat stack in Node (in-memory links): one code per newcomer, introductions through the
// member in the middle form the full mesh, every member holds the same members, messages reach every member once,
// a removed member gets nothing new, and an introduction changed on the way is refused with both told.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toBase64Url } from '../../../../src/crypto/bytes';
import { decodeCode, encodeCode } from '../../../../src/invite/invite-code';
import type { Frame } from '../../../../src/chat/frames';
import type { GroupView } from '../../../../src/chat/group/groups';
import { closeApp, joinGroup as join, person, tap, texts, until, type Person } from '../people';

/** Whether `who` was told that message `id` reached all `members` members of the group ("Delivered"). */
const deliveredToAll = (who: Person, id: string, members: number) =>
  who.events.some((e) => e.name === 'states' && (e.payload as { updates: { id: string; state: string; delivery?: { acknowledged: number } }[] }).updates.some((u) => u.id === id && u.state === 'delivered' && u.delivery?.acknowledged === members));

const memberNames = (who: Person, groupId: string) => who.messenger.groups.view(groupId).members.map((m) => m.name);
const viewOf = (who: Person, groupId: string): GroupView => who.messenger.groups.view(groupId);

/** Every pair linked directly. */
function isMesh(people: readonly Person[], groupId: string): boolean {
  return people.every((who) => viewOf(who, groupId).members.every((m) => m.isSelf || who.messenger.isOnline(m.contactId)));
}

describe('groups over a mesh', () => {
  it('tells of a member whose name a member who went had with another key, and of no one else', async () => {
    const ann = await person('Ann');
    const { id } = await ann.messenger.groups.create('Climbers');
    const [ben, benAgain, cat] = [1, 2, 3].map((fill) => toBase64Url(new Uint8Array(32).fill(fill)));
    await ann.messenger.groups.addMember(id, ben!, ben!, 'Ben');
    await ann.messenger.groups.addMember(id, cat!, cat!, 'Cat');
    await ann.messenger.groups.remove(id, ben!);
    await ann.messenger.groups.addMember(id, benAgain!, benAgain!, 'Ben');
    await ann.messenger.groups.remove(id, cat!);
    await ann.messenger.groups.addMember(id, cat!, cat!, 'Cat');
    const told = viewOf(ann, id).members.map((m) => [m.name, m.nameHadOtherKey]);
    assert.deepEqual(told, [['Ann', false], ['Ben', true], ['Cat', false]], 'Cat came back with the same key');
    // A name that differs only by case, an invisible character or a full-width letter is the same name here.
    const [dan, danAgain, danThird] = [4, 5, 6].map((fill) => toBase64Url(new Uint8Array(32).fill(fill)));
    await ann.messenger.groups.addMember(id, dan!, dan!, 'Dan');
    await ann.messenger.groups.remove(id, dan!);
    await ann.messenger.groups.addMember(id, danAgain!, danAgain!, 'd\u200Ban');
    await ann.messenger.groups.addMember(id, danThird!, danThird!, '\uFF24an');
    const dans = viewOf(ann, id).members.filter((m) => m.key === danAgain || m.key === danThird).map((m) => m.nameHadOtherKey);
    assert.deepEqual(dans, [true, true], 'told for "d\u200Ban" and "\uFF24an" after "Dan"');
    // And a name in letters of another script that look the same (UTS #39 confusables): "Bеn" with a Cyrillic е, a
    // new key, once the Ben of another key went. Told once the look-alike table has loaded (the view says it again).
    const benOther = toBase64Url(new Uint8Array(32).fill(7));
    await ann.messenger.groups.remove(id, benAgain!);
    await ann.messenger.groups.addMember(id, benOther, benOther, 'B\u0435n');
    await until(() => viewOf(ann, id).members.find((m) => m.key === benOther)?.nameHadOtherKey === true, 'told for "B\u0435n" after "Ben"');
    const others = viewOf(ann, id).members.filter((m) => m.name === 'Cat' || m.name === 'Ann').map((m) => m.nameHadOtherKey);
    assert.deepEqual(others, [false, false], 'and still of no one else');
  });

  it('forms the six links of four people from three code exchanges; each message reaches the three others once', async () => {
    const [a, b, c, d] = await Promise.all(['Ann', 'Ben', 'Cat', 'Dan'].map((name) => person(name)));
    const people = [a!, b!, c!, d!];
    const group = await a!.messenger.groups.create('Climbers');
    await join(a!, b!, group.id);
    await join(b!, c!, group.id);
    await join(c!, d!, group.id);
    await until(() => people.every((p) => memberNames(p, group.id).length === 4) && isMesh(people, group.id), 'the mesh of four');
    for (const who of people) assert.deepEqual(memberNames(who, group.id), ['Ann', 'Ben', 'Cat', 'Dan']);
    for (const who of people) assert.equal(viewOf(who, group.id).name, 'Climbers');

    for (const who of people) await who.messenger.send(group.id, `hello from ${who.name}`);
    const expected = (who: Person) => people.filter((p) => p !== who).map((p) => `hello from ${p.name}`).sort();
    await until(async () => {
      for (const who of people) if ((await texts(who, group.id)).length < 4) return false;
      return true;
    }, 'every message everywhere');
    for (const who of people) {
      const got = (await texts(who, group.id)).filter((t) => !t.endsWith(who.name)).sort();
      assert.deepEqual(got, expected(who), `${who.name} has each other member's message once`);
    }
    // "Delivered to 3 of 3" for every sender.
    await until(() => people.every((p) => p.events.some((e) => e.name === 'states' && JSON.stringify(e.payload).includes('"acknowledged":3'))), 'delivered to 3 of 3');

    // Ann (the creator) removes Dan: Dan learns it, the others hold three members, and what Ben sends now is for
    // Ann and Cat only (no outbox entry Dan could ever take); Dan's old messages stay with everyone.
    await a!.messenger.groups.remove(group.id, viewOf(a!, group.id).members.find((m) => m.name === 'Dan')!.key);
    await until(() => !viewOf(d!, group.id).isMember && [a!, b!, c!].every((p) => memberNames(p, group.id).length === 3), 'Dan removed everywhere');
    const after = await b!.messenger.send(group.id, 'after Dan left');
    assert.deepEqual(after.delivery, { acknowledged: 0, members: 2 });
    await until(async () => (await texts(a!, group.id)).includes('after Dan left') && (await texts(c!, group.id)).includes('after Dan left'), 'Ann and Cat get it');
    const danAtBen = b!.store.contacts.findByKey(toBase64Url(d!.profile.identity.publicKey))!.id;
    assert.ok(!b!.store.outbox.pending(danAtBen).some((e) => e.messageId === after.id), 'no entry for Dan');
    assert.ok((await texts(a!, group.id)).includes('hello from Dan'));
    assert.ok(!(await texts(d!, group.id)).includes('after Dan left'));
    for (const who of people) who.messenger.close();
  });

  it('two members who cannot link write through a third, live: each message once, delivered to 2 of 2, "via Cat" (issue 19)', async () => {
    const [a, b, c] = await Promise.all(['Ann', 'Ben', 'Cat'].map((name) => person(name)));
    const group = await c!.messenger.groups.create('Ropes');
    // Cat hands no introduction on: Ann and Ben can never link (as behind two symmetric NATs with no TURN).
    const dropIntros = (session: { send(frame: Frame): boolean }) => {
      const send = session.send.bind(session);
      session.send = (frame) => (frame.type === 'intro' ? true : send(frame));
    };
    c!.messenger.peers.on('opened', (session) => dropIntros(session));
    await join(c!, a!, group.id);
    await join(c!, b!, group.id);
    await until(() => [a!, b!, c!].every((p) => memberNames(p, group.id).length === 3), 'three members everywhere');
    const idIn = (who: Person, name: string) => viewOf(who, group.id).members.find((m) => m.name === name)!.contactId;
    assert.equal(a!.messenger.isOnline(idIn(a!, 'Ben')), false, 'Ann and Ben are not linked');

    const sent = await a!.messenger.send(group.id, 'hello from Ann');
    await until(async () => (await texts(b!, group.id)).includes('hello from Ann'), 'Ben has it, through Cat');
    const reply = await b!.messenger.send(group.id, 'hello from Ben');
    await until(async () => (await texts(a!, group.id)).includes('hello from Ben'), 'Ann has it, through Cat');
    for (const who of [a!, b!, c!]) {
      const got = await texts(who, group.id);
      assert.deepEqual(['hello from Ann', 'hello from Ben'].map((t) => got.filter((x) => x === t).length), [1, 1], `${who.name}: ${got.join(' | ')}`);
    }
    // Ann's message is delivered to both, Ben's ack having come back through Cat.
    await until(() => deliveredToAll(a!, sent.id, 2), "Ann's delivered to both");
    await until(() => deliveredToAll(b!, reply.id, 2), "Ben's delivered to both");
    assert.equal(a!.messenger.reachedVia(idIn(a!, 'Ben')), idIn(a!, 'Cat'));
    assert.equal(b!.messenger.reachedVia(idIn(b!, 'Ann')), idIn(b!, 'Cat'));
    assert.equal(c!.messenger.reachedVia(idIn(c!, 'Ann')), undefined, 'Cat is linked to Ann herself');
    // Cat gone: no longer said.
    c!.messenger.close({ sayBye: true });
    await until(() => a!.messenger.reachedVia(idIn(a!, 'Ben')) === undefined, 'not via Cat once Cat is gone');
    for (const who of [a!, b!]) who.messenger.close();
  });

  it('through a member, an item goes once per member session: a member away for good costs no resends through members (review of issue 19)', { timeout: 30_000 }, async () => {
    let offsetMs = 0;
    const now = () => Date.now() + offsetMs;
    const a = await person('Ann', { now });
    const [b, c] = await Promise.all(['Ben', 'Cat'].map((name) => person(name)));
    const group = await a.messenger.groups.create('Ropes');
    await join(a, b!, group.id);
    await join(a, c!, group.id);
    const idIn = (who: Person, name: string) => viewOf(who, group.id).members.find((m) => m.name === name)!.contactId;
    await until(() => a.messenger.isOnline(idIn(a, 'Ben')) && a.messenger.isOnline(idIn(a, 'Cat')) && c!.messenger.isOnline(idIn(c!, 'Ben')), 'the mesh of three');
    await closeApp(b!);
    await until(() => !a.messenger.isOnline(idIn(a, 'Ben')), 'Ben away');
    const toCat = tap(a.messenger.peers.get(idIn(a, 'Cat'))!);
    // Another carrier for Ben that takes everything (as a mailbox does), counting what it is handed.
    const handed: string[] = [];
    a.messenger.delivery.addCarrier({ via: { kind: 'mailbox', contactId: idIn(a, 'Ben') }, reaches: (m) => m === idIn(a, 'Ben'), carry: (_m, item) => (item.type === 'envelope' && handed.push(item.id), true) });
    const sent: string[] = [];
    for (const text of ['one', 'two', 'three']) sent.push((await a.messenger.send(group.id, text)).id);
    // Two resend passes later (Ann's clock moved past the resend delay twice): each went to the other carrier three
    // times, and through Cat once only.
    offsetMs += 20_000;
    await until(() => sent.every((id) => handed.filter((h) => h === id).length >= 2), 'a first resend', 15_000);
    offsetMs += 20_000;
    await until(() => sent.every((id) => handed.filter((h) => h === id).length >= 3), 'a second resend', 15_000);
    const throughCat = (id: string) => toCat.filter((f) => f.type === 'forward' && f.item.type === 'envelope' && f.item.id === id).length;
    assert.deepEqual(sent.map(throughCat), [1, 1, 1]);
    for (const who of [a, c!]) who.messenger.close();
  });

  it('a member added later is never handed, through a member, the key of a message sealed before it joined (review of issue 19)', { timeout: 30_000 }, async () => {
    let offsetMs = 0;
    const a = await person('Ann', { now: () => Date.now() + offsetMs });
    const [b, c, d] = await Promise.all(['Ben', 'Cat', 'Dan'].map((name) => person(name)));
    const group = await a.messenger.groups.create('Ropes');
    await join(a, b!, group.id);
    await join(a, c!, group.id);
    const idIn = (who: Person, name: string) => viewOf(who, group.id).members.find((m) => m.name === name)!.contactId;
    await until(() => a.messenger.isOnline(idIn(a, 'Ben')) && a.messenger.isOnline(idIn(a, 'Cat')), 'the mesh of three');
    await closeApp(b!);
    await until(() => !a.messenger.isOnline(idIn(a, 'Ben')), 'Ben away');
    // Another carrier for Ben (as a mailbox), counting what it is handed: it shows when a resend pass came.
    const handed: string[] = [];
    a.messenger.delivery.addCarrier({ via: { kind: 'mailbox', contactId: idIn(a, 'Ben') }, reaches: (m) => m === idIn(a, 'Ben'), carry: (_m, item) => (item.type === 'envelope' && handed.push(item.id), true) });
    const before = await a.messenger.send(group.id, 'before Dan');
    // Every frame Ann sends on her new sessions (Dan's).
    const sessions: Frame[][] = [];
    a.messenger.peers.on('opened', (session) => sessions.push(tap(session)));
    await join(a, d!, group.id);
    await until(() => a.messenger.isOnline(idIn(a, 'Dan')) && memberNames(a, group.id).length === 4, 'Dan in the group, linked to Ann');
    const after = await a.messenger.send(group.id, 'after Dan');
    // A resend pass with Dan a member: the earlier message goes to Ben's other carrier again, and Dan is tried.
    offsetMs += 20_000;
    await until(() => handed.filter((id) => id === before.id).length >= 2 && handed.includes(after.id), 'a resend pass', 15_000);
    const forwardsOf = (id: string) => sessions.flatMap((seen) => seen.filter((f) => f.type === 'forward' && f.item.type === 'envelope' && f.item.id === id));
    assert.equal(forwardsOf(after.id).length, 1, 'the later one went through Dan (with its key)');
    assert.ok(forwardsOf(after.id).every((f) => f.type === 'forward' && !!f.key));
    assert.deepEqual(forwardsOf(before.id), [], 'the earlier one never went through Dan');
    for (const who of [a, c!, d!]) who.messenger.close();
  });

  it('refuses an introduction whose fingerprint the member in the middle swapped: no link, both told', async () => {
    const [a, b, c] = await Promise.all(['Ann', 'Ben', 'Cat'].map((name) => person(name)));
    const group = await a!.messenger.groups.create('Trust');
    await join(a!, b!, group.id);
    // Ben tampers with every offer it hands on: another fingerprint, same candidates.
    const tamper = (frame: Frame): Frame => {
      if (frame.type !== 'intro' || frame.kind !== 'offer') return frame;
      const decoded = decodeCode(frame.code);
      const fingerprint = decoded.fields.fingerprint.slice();
      fingerprint[0] = fingerprint[0]! ^ 0xff;
      return { ...frame, code: encodeCode({ ...decoded, fields: { ...decoded.fields, fingerprint } }) };
    };
    const patch = (session: { send(frame: Frame): boolean }) => {
      const send = session.send.bind(session);
      session.send = (frame) => send(tamper(frame));
    };
    const refused = (who: Person) => new Promise<string>((resolve) => who.messenger.groups.on('introduction-refused', (e) => resolve(e.name)));
    const [atAnn, atCat] = [refused(a!), refused(c!)];
    b!.messenger.peers.on('opened', (session) => patch(session));
    for (const session of b!.messenger.peers.open()) patch(session);
    const linksBefore = { a: a!.device.links.length, c: c!.device.links.length };
    await join(b!, c!, group.id);
    assert.equal(await atAnn, 'Cat');
    assert.equal(await atCat, 'Ann');
    // The one who got the changed offer made no answer link: only the offerer's invite link was made.
    assert.equal(a!.device.links.length + c!.device.links.length - linksBefore.a - linksBefore.c, 2, 'the join (one link) and the offer (one)');
    assert.equal(a!.messenger.isOnline(viewOf(a!, group.id).members.find((m) => m.name === 'Cat')!.contactId), false);
    for (const who of [a!, b!, c!]) who.messenger.close();
  });
});
