// Peers that lie, replay and flood (issue 8), against a real victim's page, asserted on what the victim sees:
// - a peer whose clock says year 318,000 (Date.now overridden in its browser): the victim's conversation stays
//   readable, with sane times, after a reload too, and its transcript exports;
// - a peer whose browser sends every datagram 20 times (RTCDataChannel.prototype.send wrapped): each message shows
//   once, every replay is counted in the contact details, and the victim still sends;
// - a scripted peer speaking the protocol through the project's own modules (test/fixtures/peer-harness/): floods
//   of messages, pings, oversized and unknown frames, acks with unknown ids, typing: the budgets drop the excess,
//   the contact details count exactly what was dropped, the history stays intact and in order, and the victim
//   types and sends during the flood.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openScriptedPeer, servePeerHarness } from '../fixtures/peer-harness/build.mjs';
import {
  click, conversationEntries, droppedShown, enterApp, exportTranscript, locate, occurrences, openContactDetails,
  openConversation, openPerson, openPreparedPerson, pair, pasteCode, readCode, sendMessage, serveForSuite,
  shownMessages, transcriptMessages, until, waitForConnected, waitForDelivered, waitForText,
} from './helpers.mjs';

const server = serveForSuite();

/** Date.now in the page, settable from the test (the app takes Date.now as its clock when it loads). */
function skewableClock(page) {
  return page.evaluateOnNewDocument(() => {
    const realNow = Date.now.bind(Date);
    let offset = 0;
    Date.now = () => realNow() + offset;
    window.tincanTestClock = { set: (ms) => (offset = ms === null ? 0 : ms - realNow()) };
  });
}

/** Every RTCDataChannel.send goes out 20 times; `tincanTestSends` counts the calls (the originals). */
function replayEverything(page) {
  return page.evaluateOnNewDocument(() => {
    const send = RTCDataChannel.prototype.send;
    window.tincanTestSends = 0;
    RTCDataChannel.prototype.send = function (data) {
      window.tincanTestSends++;
      for (let i = 0; i < 20; i++) send.call(this, data);
    };
  });
}

/** The year 318,000 in ms since the epoch (beyond what a JavaScript Date can hold: 8.64e15). */
const year318000 = 1e16;

describe('a peer with a broken clock', () => {
  it('claims the year 318,000 and 1970: the conversation stays readable, with sane times, and exports', { timeout: 150_000 }, async () => {
    const startedAt = Date.now();
    const alice = await openPerson('chromium', server.url, { name: 'Alice' });
    const mallory = await openPreparedPerson('chromium', server.url, skewableClock, { name: 'Mallory' });
    try {
      await pair(alice, mallory);
      await sendMessage(mallory.page, 'on time');
      await waitForText(alice.page, 'log', 'Messages', 'on time');
      // The clock jumps once the chat is open: the frames carry these times (a page whose clock says 318,000 from
      // the start cannot even keep its own contact records, whose times must fit a Date).
      await mallory.page.evaluate((ms) => window.tincanTestClock.set(ms), year318000);
      await sendMessage(mallory.page, 'from the year 318,000');
      await mallory.page.evaluate(() => window.tincanTestClock.set(0));
      await sendMessage(mallory.page, 'from 1970');
      await mallory.page.evaluate(() => window.tincanTestClock.set(null));
      await waitForText(alice.page, 'log', 'Messages', 'from 1970');
      const texts = ['on time', 'from the year 318,000', 'from 1970'];

      const checkShown = async (when) => {
        const shown = (await shownMessages(alice.page)).filter((m) => m.direction === 'in');
        assert.deepEqual(shown.map((m) => m.text), texts, `${when}: each message once, in order`);
        for (const m of shown) {
          const at = Date.parse(m.time);
          assert.ok(at >= startedAt - 60_000 && at <= Date.now() + 60_000, `${when}: "${m.text}" shown at ${m.time}, a time of this run`);
        }
      };
      await checkShown('live');
      // The victim still talks to the peer.
      await sendMessage(alice.page, 'your clock is off');
      await waitForText(mallory.page, 'log', 'Messages', 'your clock is off');
      await waitForDelivered(alice.page);

      const transcript = await exportTranscript(alice.page);
      const year = new Date().getUTCFullYear();
      for (const text of texts) {
        const line = transcript.split('\n').find((l) => l.endsWith(`Mallory: ${text}`));
        assert.ok(line, `the transcript has "${text}":\n${transcript}`);
        assert.match(line, new RegExp(`^\\[(${year}|${year + 1})-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\]`), line);
      }

      // Stored as shown: still readable after a reload (the bug this guards kept a conversation blank for good).
      await alice.page.reload();
      await enterApp(alice.page, alice);
      await openConversation(alice.page, 'Mallory');
      await waitForText(alice.page, 'log', 'Messages', 'from 1970');
      await checkShown('after a reload');
      assert.deepEqual(alice.errors, []);
    } finally {
      await Promise.all([alice.close(), mallory.close()]);
    }
  });
});

describe('a peer that replays every datagram 20 times', () => {
  it('each message shows once, every replay is counted, and the victim still sends', { timeout: 150_000 }, async () => {
    const alice = await openPerson('firefox', server.url, { name: 'Alice' });
    const mallory = await openPreparedPerson('chromium', server.url, replayEverything, { name: 'Mallory' });
    try {
      await pair(alice, mallory);
      const texts = ['replayed one', 'replayed two', 'replayed three'];
      for (const text of texts) await sendMessage(mallory.page, text);
      await waitForText(alice.page, 'log', 'Messages', 'replayed three');
      await sendMessage(alice.page, 'I still get through');
      await waitForText(mallory.page, 'log', 'Messages', 'I still get through');
      // Mallory's ack came 20 times too; one is enough.
      await waitForDelivered(alice.page);

      const shown = await shownMessages(alice.page);
      assert.deepEqual(shown.filter((m) => m.direction === 'in').map((m) => m.text), texts);
      assert.deepEqual(shown.filter((m) => m.direction === 'out').map((m) => [m.text, m.state]), [['I still get through', 'Delivered']]);

      // Every copy after the first of each datagram (the Hello and each sealed frame) was refused, and the details
      // say so: 19 for every datagram Mallory's page sent.
      await openContactDetails(alice.page);
      const counted = await until(async () => {
        const sends = await mallory.page.evaluate(() => window.tincanTestSends);
        const shownCount = await droppedShown(alice.page);
        return shownCount > 0 && shownCount === 19 * sends ? { sends, shownCount } : undefined;
      }, 'the contact details count 19 replays per datagram').catch(async (error) => {
        const sends = await mallory.page.evaluate(() => window.tincanTestSends);
        throw new Error(`${error.message}: shown ${await droppedShown(alice.page)}, Mallory sent ${sends} datagrams`);
      });
      assert.ok(counted.sends >= texts.length + 2, `Hello, messages and acks went out: ${counted.sends}`);

      const transcript = await exportTranscript(alice.page);
      for (const text of [...texts, 'I still get through']) assert.equal(occurrences(transcript, text), 1, `"${text}" stored once`);
      assert.deepEqual([...alice.errors, ...mallory.errors], []);
    } finally {
      await Promise.all([alice.close(), mallory.close()]);
    }
  });
});

describe('a scripted peer that floods', () => {
  let harness;
  before(async () => {
    harness = await servePeerHarness();
  });
  after(() => harness?.close());

  it('budgets drop the excess and say so exactly; history stays intact and in order; the victim sends during the flood', { timeout: 300_000 }, async () => {
    const alice = await openPerson('chromium', server.url, { name: 'Alice' });
    const mallory = await openScriptedPeer(harness.url, 'Mallory');
    try {
      await click(alice.page, 'button', 'New invite');
      await pasteCode(alice.page, await mallory.call('answer', await readCode(alice.page, 'Invite code')));
      await waitForConnected(alice.page);
      await mallory.call('connected');

      // History before the flood, both ways.
      const before = ['before the flood 1', 'before the flood 2', 'before the flood 3'];
      for (const text of before) await mallory.call('say', text);
      await waitForText(alice.page, 'log', 'Messages', before[2]);
      await sendMessage(alice.page, 'mine, before the flood');
      await until(async () => (await mallory.call('received')).includes('mine, before the flood'), 'Mallory got Alice\'s message');
      await waitForDelivered(alice.page);
      await openContactDetails(alice.page);
      assert.equal(await droppedShown(alice.page), 0, 'nothing dropped yet');
      await click(alice.page, 'button', 'Back');

      // A: 10,000 messages at once. The frame budget (4,000 at once, 2,000/s) passes part and drops the rest.
      const floodA = await mallory.call('flood', { messages: { count: 10_000, prefix: 'flood A' } });
      assert.equal(floodA.sent.messages, 10_000);
      await mallory.call('settle');
      // Past its budget Mallory is held to the flood penalty until it has kept under it for 10 s
      // (src/chat/budget.ts floodPenalty): wait that out, so that what C sends is judged by the full budget and
      // the count below stays exact.
      await new Promise((resolve) => setTimeout(resolve, floodPenaltyMs + 1_000));
      // C: pings (the chatter budget answers some), oversized and unknown frames (dropped), acks of 2,048 ids
      // nobody sent (valid frames: nothing to act on).
      const floodC = await mallory.call('flood', { pings: 300, oversized: 5, unknownType: 3, otherVersion: 2, unknownAcks: 4 });
      assert.deepEqual(floodC.sent, { pings: 300, oversized: 5, unknownType: 3, otherVersion: 2, unknownAcks: 4 });
      await mallory.call('settle');
      await mallory.call('say', 'after flood A');
      await waitForText(alice.page, 'log', 'Messages', 'after flood A');

      const transcriptA = await exportTranscript(alice.page);
      const storedA = numbersOf(transcriptA, 'flood A');
      // The burst passes whole. How much of the rest passes depends on how fast this page takes frames off the
      // channel: the bucket refills at 2,000 frames/s of the page's own clock, so a page slowed by a loaded machine
      // takes the whole flood within budget (CI saw all 10,000 stored). Which frames drop is the Node test's to
      // prove with a clock it controls (test/node/chat/hostile-peer.test.ts); here every frame is accounted for:
      // stored, or counted in the details below.
      assert.ok(storedA.length >= 4_000 && storedA.length <= 10_000, `the burst passed whole: ${storedA.length} stored`);
      assertIncreasing(storedA, 'flood A');
      const { pingsSent, pongs } = await mallory.call('status');
      const expected = (10_000 - storedA.length) + (pingsSent - pongs) + 5 + 3 + 2;
      await until(async () => (await droppedShown(alice.page)) === expected, `the details say ${expected} dropped`, { timeout: 20_000 }).catch(async (error) => {
        throw new Error(`${error.message}; they say ${await droppedShown(alice.page)}`);
      });
      await click(alice.page, 'button', 'Back');
      await locate(alice.page, 'log', 'Messages', { visible: true });

      // B: messages and typing keep coming while Alice writes; she is heard during the flood.
      // Until Alice's message arrives: a count would race her typing on a loaded machine; 120 s bounds it.
      const floodB = mallory.call('flood', {
        typing: 2_000,
        messages: { count: 10_000_000, prefix: 'flood B' },
        untilReceived: 'typed during the flood',
        forMs: 120_000,
      });
      await until(async () => (await shownMessages(alice.page)).some((m) => m.text.startsWith('flood B')), 'flood B arrives');
      await sendMessage(alice.page, 'typed during the flood');
      const reportB = await floodB;
      assert.equal(reportB.messagesStopped, 'received', `the flood was still running when Alice's message arrived (${reportB.sent.messages} sent)`);
      await mallory.call('settle');
      await mallory.call('say', 'after flood B');
      await waitForText(alice.page, 'log', 'Messages', 'after flood B', { timeout: 60_000 });
      // Mallory's ack may have been dropped by Alice's budget: her message is then sent again, and delivered. (It is
      // far above the log's window by now: the list says whether anything still waits for an ack.)
      await until(async () => (await conversationEntries(alice.page)).some((c) => c.name === 'Mallory' && !c.label.includes('waiting')), 'nothing waits for Mallory', { timeout: 60_000 });

      const transcript = await exportTranscript(alice.page);
      assert.ok((await droppedShown(alice.page)) > expected, 'flood B was budgeted too');
      await click(alice.page, 'button', 'Back');
      const said = transcriptMessages(transcript);
      assert.deepEqual(said.slice(0, 4), [...before.map((t) => `Mallory: ${t}`), 'Alice: mine, before the flood'], 'the history before the flood is intact');
      assert.deepEqual(numbersOf(transcript, 'flood A'), storedA, 'flood A unchanged');
      const storedB = numbersOf(transcript, 'flood B');
      assert.ok(storedB.length > 0);
      assertIncreasing(storedB, 'flood B');
      for (const text of ['Mallory: after flood A', 'Mallory: after flood B', 'Alice: typed during the flood']) {
        assert.equal(said.filter((l) => l === text).length, 1, `${text} once`);
      }
      assert.equal(new Set(said).size, said.length, 'nothing stored twice');
      assert.deepEqual([...alice.errors, ...mallory.errors], []);
    } finally {
      await Promise.all([alice.close(), mallory.close()]);
    }
  });
});

/** src/chat/budget.ts floodPenalty.durationMs. */
const floodPenaltyMs = 10_000;

/** The numbers of the transcript's lines "… Mallory: <prefix> <n>", in transcript order. */
function numbersOf(transcript, prefix) {
  const pattern = new RegExp(`Mallory: ${prefix} (\\d+)$`);
  return transcript.split('\n').flatMap((line) => {
    const match = pattern.exec(line);
    return match ? [Number(match[1])] : [];
  });
}

function assertIncreasing(numbers, what) {
  for (let i = 1; i < numbers.length; i++) assert.ok(numbers[i] > numbers[i - 1], `${what}: ${numbers[i - 1]} then ${numbers[i]}`);
}
