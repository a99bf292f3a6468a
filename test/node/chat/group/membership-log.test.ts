// The group membership log: union merge in any order gives every member the same list; forged, unsigned, foreign
// and dangling entries are refused; the removal rules (docs/groups.md).
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createIdentity, type Identity } from '../../../../src/crypto/identity';
import { toBase64Url } from '../../../../src/crypto/bytes';
import { getSodium, type Sodium } from '../../../../src/crypto/sodium';
import { mayRemove, maxGroupMembers, MembershipLog, type MembershipEntry } from '../../../../src/chat/group/membership-log';

let sodium: Sodium;
const people: Identity[] = [];
const key = (i: number) => toBase64Url(people[i]!.publicKey);
const names = (log: MembershipLog) => log.membership().members.map((m) => m.name);

before(async () => {
  sodium = await getSodium();
  for (let i = 0; i < 20; i++) people.push(await createIdentity());
});

/** A copy of `log` as another member would hold it after receiving its create entry and `entries`. */
function copyOf(log: MembershipLog, entries: readonly MembershipEntry[] = log.all()): MembershipLog {
  return MembershipLog.from(sodium, log.groupId, [log.all()[0]!, ...entries])!.log;
}

describe('membership log', () => {
  it('starts with its creator, names the group, and adds members by a member', () => {
    const log = MembershipLog.create(sodium, people[0]!, 'Ann', 'Climbers', 1);
    assert.match(log.groupId, /^g:[A-Za-z0-9_-]{22}$/);
    log.append(people[0]!, { kind: 'add', member: key(1), name: 'Ben' }, 2);
    log.append(people[1]!, { kind: 'add', member: key(2), name: 'Cat' }, 3);
    assert.deepEqual(names(log), ['Ann', 'Ben', 'Cat']);
    assert.equal(log.membership().title, 'Climbers');
    assert.equal(log.membership().creator, key(0));
  });

  it('merges concurrent entries by union: the same members whatever the order they arrive in', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ author: fc.nat(3), kind: fc.constantFrom('add', 'remove'), target: fc.nat(7), device: fc.nat(2) }), { maxLength: 14 }),
        fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
        (steps, seeds) => {
          const root = MembershipLog.create(sodium, people[0]!, 'Ann', 'G', 0);
          for (const i of [1, 2, 3]) root.append(people[0]!, { kind: 'add', member: key(i), name: `P${i}` }, i);
          // Three devices write concurrently, each from the same start, then everything is exchanged.
          const devices = [copyOf(root), copyOf(root), copyOf(root)];
          steps.forEach(({ author, kind, target, device }, at) => {
            devices[device]!.append(people[author]!, { kind, member: key(target), name: kind === 'add' ? `P${target}` : '' }, 10 + at);
          });
          const everything = devices.flatMap((d) => d.all());
          const results = seeds.map((seed) => {
            const shuffled = [...everything].sort((a, b) => ((a.sig.charCodeAt(seed % 80) ^ seed) & 7) - ((b.sig.charCodeAt(seed % 80) ^ seed) & 7));
            const log = copyOf(root, []);
            // In pieces, as frames from several members would bring them.
            for (let i = 0; i < shuffled.length; i += 3) log.merge(shuffled.slice(i, i + 3));
            log.merge(shuffled);
            return log;
          });
          const expected = results[0]!.membership().members.map((m) => m.key);
          for (const log of results) assert.deepEqual(log.membership().members.map((m) => m.key), expected);
          // Merging one device's log into another's gives the same too.
          devices[0]!.merge(devices[1]!.all());
          devices[0]!.merge(devices[2]!.all());
          assert.deepEqual(devices[0]!.membership().members.map((m) => m.key), expected);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses forged, unsigned, altered, foreign and dangling entries', () => {
    const log = MembershipLog.create(sodium, people[0]!, 'Ann', 'G', 0);
    const add = log.append(people[0]!, { kind: 'add', member: key(1), name: 'Ben' }, 1)!;
    const other = MembershipLog.create(sodium, people[0]!, 'Ann', 'Other', 0);
    const foreign = other.append(people[0]!, { kind: 'add', member: key(5), name: 'Eve' }, 1)!;
    const fresh = copyOf(log, []);
    const forged = { ...add, member: key(6), name: 'Mallory' };
    const unsigned = { ...add, sig: undefined };
    const impostor = { ...add, by: key(4) };
    const dangling = { ...add, prev: [toBase64Url(new Uint8Array(32))] };
    const result = fresh.merge([forged, unsigned, impostor, foreign, dangling, 'x', null]);
    assert.deepEqual(result, { added: 0, refused: 7 });
    assert.deepEqual(names(fresh), ['Ann']);
    // A non-member's own signed entry is taken into the log but counts for nothing.
    const outsider = copyOf(log);
    outsider.append(people[9]!, { kind: 'add', member: key(8), name: 'Hal' }, 5);
    outsider.append(people[9]!, { kind: 'remove', member: key(0), name: '' }, 6);
    assert.deepEqual(names(outsider), ['Ann', 'Ben']);
    // Without its create entry, no log at all.
    assert.equal(MembershipLog.from(sodium, log.groupId, [add]), undefined);
  });

  it('lets a member leave, the creator remove anyone, a member remove only whom it added', () => {
    const log = MembershipLog.create(sodium, people[0]!, 'Ann', 'G', 0);
    log.append(people[0]!, { kind: 'add', member: key(1), name: 'Ben' }, 1);
    log.append(people[1]!, { kind: 'add', member: key(2), name: 'Cat' }, 2);
    log.append(people[0]!, { kind: 'add', member: key(3), name: 'Dan' }, 3);
    const m = log.membership();
    assert.equal(mayRemove(m, key(1), key(2)), true, 'Ben added Cat');
    assert.equal(mayRemove(m, key(1), key(3)), false, 'Ben did not add Dan');
    assert.equal(mayRemove(m, key(0), key(2)), true, 'the creator');
    assert.equal(mayRemove(m, key(3), key(3)), true, 'leaving');
    log.append(people[1]!, { kind: 'remove', member: key(3), name: '' }, 4);
    assert.deepEqual(names(log), ['Ann', 'Ben', 'Cat', 'Dan'], 'refused by the rules');
    log.append(people[3]!, { kind: 'remove', member: key(3), name: '' }, 5);
    log.append(people[0]!, { kind: 'remove', member: key(1), name: '' }, 6);
    assert.deepEqual(names(log), ['Ann', 'Cat']);
    // Once removed, Ben's entries count for nothing.
    log.append(people[1]!, { kind: 'remove', member: key(2), name: '' }, 7);
    assert.deepEqual(names(log), ['Ann', 'Cat']);
  });

  it('remembers who left or was removed, with the name and key they had', () => {
    const log = MembershipLog.create(sodium, people[0]!, 'Ann', 'G', 0);
    log.append(people[0]!, { kind: 'add', member: key(1), name: 'Ben' }, 1);
    log.append(people[0]!, { kind: 'add', member: key(2), name: 'Cat' }, 2);
    log.append(people[1]!, { kind: 'remove', member: key(1), name: '' }, 3);
    log.append(people[0]!, { kind: 'remove', member: key(2), name: '' }, 4);
    log.append(people[0]!, { kind: 'add', member: key(3), name: 'Ben' }, 5);
    const m = log.membership();
    assert.deepEqual(m.former.map((f) => [f.name, f.key]), [['Ben', key(1)], ['Cat', key(2)]]);
    assert.deepEqual(m.members.map((f) => [f.name, f.key]), [['Ann', key(0)], ['Ben', key(3)]]);
    assert.deepEqual(copyOf(log).membership().former, m.former, 'every member replays the same');
  });

  it(`holds at most ${maxGroupMembers} members`, () => {
    const log = MembershipLog.create(sodium, people[0]!, 'Ann', 'G', 0);
    for (let i = 1; i < 20; i++) log.append(people[0]!, { kind: 'add', member: key(i), name: `P${i}` }, i);
    assert.equal(log.membership().members.length, maxGroupMembers);
  });
});
