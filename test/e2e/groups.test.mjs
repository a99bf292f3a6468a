// Groups over a full mesh (issue 19), in four real browsers (Chromium and Firefox mixed): Ann makes a group, and three
// code exchanges (Ann–Ben, Ben–Cat, Cat–Dan) bring everyone in; introductions through the member in the middle form
// the other links, so every member shows "3 of 3 connected" and the same list "Members"; a message from each reaches
// the other three once; Ann (the creator) removes Dan, who is told, and what Ben sends next is delivered to Ann and
// Cat only, while Dan keeps what was said before. Then Ben is away while Ann and Cat write, Ann closes Tincan too, and
// Ben comes back connected to Cat only: every missed message once, in order, Ann's from what Cat held for him.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  click, enterApp, fill, inviteToGroup, occurrences, openConversation, openPerson, pasteCode, sendMessage, serveForSuite, textOf,
  waitForDelivered, waitForConnected, waitForText, withElement,
} from './helpers.mjs';
import { makeReconnectCode } from './one-code-helpers.mjs';

const server = serveForSuite();
const group = 'Climbers';

/** The list "Members": each item's text, in order. */
function membersOf(page) {
  return withElement(page, 'list', 'Members', {}, (list) => list.evaluate((ul) => [...ul.querySelectorAll('li')].map((li) => li.textContent.replace(/\s+/g, ' ').trim())));
}

const invite = (inviter, newcomer) => inviteToGroup(inviter, newcomer, group);

describe('groups', () => {
  it('four people, three codes: six links, the same members everywhere, each message once; a removal', { timeout: 240_000 }, async () => {
    const people = await Promise.all([
      openPerson('chromium', server.url, { name: 'Ann' }),
      openPerson('firefox', server.url, { name: 'Ben' }),
      openPerson('chromium', server.url, { name: 'Cat' }),
      openPerson('firefox', server.url, { name: 'Dan' }),
    ]);
    const [ann, ben, cat, dan] = people;
    try {
      await click(ann.page, 'button', 'New group');
      await fill(ann.page, 'textbox', 'Group name', group);
      await click(ann.page, 'button', 'Create group');
      await invite(ann, ben);
      await invite(ben, cat);
      await invite(cat, dan);

      // The mesh: every member is linked to the three others, and lists the same members in the same order.
      await Promise.all(people.map(async (p) => {
        await openConversation(p.page, group);
        await waitForText(p.page, 'status', 'Connection', '3 of 3 connected', { timeout: 60_000 });
      }));
      const lists = await Promise.all(people.map((p) => membersOf(p.page)));
      for (const [i, list] of lists.entries()) {
        assert.deepEqual(list.map((text) => text.split(/[ ,(]/)[0]), ['Ann', 'Ben', 'Cat', 'Dan'], `${people[i].name}: ${list.join(' | ')}`);
      }
      // The rules, shown: Ann (the creator) may remove anyone; Ben only Cat, whom he added; Dan nobody.
      assert.ok(lists[0].some((t) => t.includes('Remove Dan')) && lists[0].some((t) => t.includes('Remove Ben')), lists[0].join(' | '));
      assert.deepEqual(lists[1].filter((t) => t.includes('Remove')).map((t) => t.replace(/.*(Remove \w+).*/, '$1')), ['Remove Cat']);
      assert.ok(!lists[3].some((t) => t.includes('Remove')), lists[3].join(' | '));

      // A message from each reaches the other three, once, with its sender's name.
      for (const p of people) await sendMessage(p.page, `hello from ${p.name}`);
      await Promise.all(people.map(async (p) => {
        for (const other of people) if (other !== p) await waitForText(p.page, 'log', 'Messages', `hello from ${other.name}`);
      }));
      for (const p of people) {
        const log = await textOf(p.page, 'log', 'Messages');
        for (const other of people) assert.equal(occurrences(log, `hello from ${other.name}`), 1, `${p.name}'s log: ${log}`);
      }

      // Ann removes Dan: Dan is told; the others list three members; Ben's next message is for Ann and Cat only.
      await click(ann.page, 'button', 'Remove Dan');
      await waitForText(dan.page, 'status', 'Connection', 'You are no longer in this group');
      for (const p of [ann, ben, cat]) {
        await waitForText(p.page, 'status', 'Connection', 'of 2 connected');
        assert.equal((await membersOf(p.page)).length, 3);
      }
      await sendMessage(ben.page, 'after Dan left');
      await waitForText(ann.page, 'log', 'Messages', 'after Dan left');
      await waitForText(cat.page, 'log', 'Messages', 'after Dan left');
      // "Delivered" once Ann and Cat both stored it: Dan was not one of the members it went to.
      await waitForDelivered(ben.page);
      const danLog = await textOf(dan.page, 'log', 'Messages');
      assert.ok(danLog.includes('hello from Ann') && !danLog.includes('after Dan left'), danLog);

      // Ben closes Tincan; Ann and Cat write; Ann closes Tincan too. Ben comes back connected to Cat only (one code)
      // and gets every message he missed once, in the order written: Ann's from what Cat held for him.
      await ben.page.reload();
      for (const p of [ann, cat]) await waitForText(p.page, 'status', 'Connection', '1 of 2 connected');
      const missed = ['while away 1 (Ann)', 'while away 2 (Cat)', 'while away 3 (Ann)'];
      for (const text of missed) {
        const [writer, reader] = text.includes('Ann') ? [ann, cat] : [cat, ann];
        await sendMessage(writer.page, text);
        await waitForText(reader.page, 'log', 'Messages', text);
      }
      await ann.page.reload();
      await waitForText(cat.page, 'status', 'Connection', '0 of 2 connected');
      await enterApp(ben.page, ben);
      const code = await makeReconnectCode(cat, ben);
      await pasteCode(ben.page, code);
      await waitForConnected(ben.page);
      await openConversation(ben.page, group);
      await waitForText(ben.page, 'status', 'Connection', '1 of 2 connected');
      for (const text of missed) await waitForText(ben.page, 'log', 'Messages', text);
      const benLog = await textOf(ben.page, 'log', 'Messages');
      for (const text of missed) assert.equal(occurrences(benLog, text), 1, benLog);
      const at = missed.map((text) => benLog.indexOf(text));
      assert.deepEqual([...at].sort((a, b) => a - b), at, `in the order written: ${benLog}`);
      for (const p of people) assert.deepEqual(p.errors, [], `${p.name}: page errors`);
    } finally {
      await Promise.all(people.map((p) => p.close()));
    }
  });
});
