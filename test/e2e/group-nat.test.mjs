// A group whose members cannot all reach each other (issue 19), in the NAT lab (test/e2e/netlab.mjs, docs/lab.md §5):
// Ann and Ben sit behind two symmetric NATs with no TURN server, so no direct link can form between them; Cat has a
// public address (the lab's host "hub") that both reach. Cat makes the group and invites each of them with a code;
// the introduction of Ann and Ben through Cat cannot connect. Their messages still reach each other once, through
// Cat, sealed end to end, each reads "Delivered" (to both others), and each one's list "Members" says the other is reached
// "via Cat". Mixed browsers: Ann in Chromium, Ben in Firefox, Cat in Chromium.
// Needs root, iproute2, iptables and coturn (as npm test does).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NetLab, labServers, labUnavailable, snapshotDist } from './netlab.mjs';

const group = 'Ropes';

describe('NAT lab: a group through a member', () => {
  let snapshot;
  let lab;
  before(async () => {
    const unavailable = labUnavailable();
    if (unavailable) throw new Error(unavailable);
    snapshot = snapshotDist(process.env.TINCAN_DIST);
    lab = await new NetLab().up('sym');
  });
  after(async () => {
    await lab?.down();
    snapshot?.remove();
  });

  it('two members behind symmetric NATs write to each other through a third: once each, delivered, "via Cat"', { timeout: 300_000 }, async () => {
    const dist = snapshot.dir;
    const [ann, ben, cat] = await Promise.all([
      lab.startPerson('alice', 'chromium', { dist, name: 'Ann' }),
      lab.startPerson('bob', 'firefox', { dist, name: 'Ben' }),
      lab.startPerson('hub', 'chromium', { dist, name: 'Cat' }),
    ]);
    // STUN only: two symmetric NATs cannot be traversed without TURN (nat.test.mjs shows the 1:1 case fail).
    const saved = await Promise.all([ann, ben, cat].map((p) => p.setIceServers([labServers.stun])));
    assert.deepEqual(saved, [true, true, true], 'Settings -> "Save settings"');

    await cat.newGroup(group);
    for (const newcomer of [ann, ben]) {
      const invite = await cat.inviteToGroup(group);
      const answer = await newcomer.answer(invite);
      await cat.paste(answer);
      await newcomer.waitGroupOpen(60_000);
    }
    await Promise.all([ann, ben, cat].map((p) => p.openConversation(group)));
    // Cat is linked to both; Ann and Ben to Cat only (their introduction cannot connect).
    await cat.waitMember('Ann, connected', 60_000);
    await cat.waitMember('Ben, connected', 60_000);

    await ann.send('hello from Ann');
    await ben.waitText('hello from Ann', 60_000);
    await ben.send('hello from Ben');
    await ann.waitText('hello from Ben', 60_000);
    await cat.waitText('hello from Ben', 60_000);

    // Each one's message delivered to both others (the tick "Delivered", not "Delivered to 1 of 2"): Ben's ack came
    // back to Ann through Cat, and Ann's to Ben.
    await ann.waitDelivered(60_000);
    await ben.waitDelivered(60_000);
    // What each sees: the other member reached through Cat, and each message once.
    await ann.waitMember('Ben, via Cat', 30_000);
    await ben.waitMember('Ann, via Cat', 30_000);
    for (const person of [ann, ben, cat]) {
      const log = await person.logText();
      for (const text of ['hello from Ann', 'hello from Ben']) assert.equal(log.split(text).length - 1, 1, `${person.name}'s log: ${log}`);
    }
  });
});
