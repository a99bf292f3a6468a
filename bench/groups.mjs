// Groups over a full mesh (issue 19, docs/groups.md) on real pages of dist/: formation, fan-out, catch-up of missed
// messages, and the cost of each live member. Every member is a Chromium page in its own browser context (own
// storage) of ONE Chromium (own profile), its accessibility tree on (lib.mjs); no Firefox: on this 2-core machine,
// shared with other work, eight pages of one Chromium already load it (docs: bench/RESULTS.md "Issue 19").
//
//   npm run build && flock /tmp/tincan-browser.lock bash scripts/in-netns.sh node bench/groups.mjs
//     [--sizes 4,8] [--rounds 15] [--catch-up 1000] [--idle-seconds 60] [--call-seconds 20]
//
// 1. Formation. Member 1 makes a group; members join one at a time by the UI's code exchange in a chain (member k
//    invites member k+1: "Invite to group", the newcomer pastes the invite, the inviter pastes the answer), as the
//    groups e2e does; introductions through the members in the middle form the other links. For each join: the
//    inviter's "Connect" click with the answer pasted (the last code exchange) -> every member's group status
//    "Connection" reads "k-1 of k-1 connected" (checked every frame in each page; epoch times, one machine clock).
//    The newcomer's page opens the group by itself; the inviter's page shows the pairing screen after its click, so
//    the driver opens the group there again at once: the inviter's own time is an upper bound (its link is the
//    exchanged one, up first). Reported for every size up to the largest of --sizes.
// 2. Idle cost per live member, at 1 member (the group made, no link: the baseline) and at each of --sizes, after
//    --idle-seconds with nothing done: CPU of the whole browser (every process, /proc) over the window, divided by
//    the members; each page's main thread busy (DevTools Performance.metrics TaskDuration); each page's JS heap after
//    a forced GC (Runtime.getHeapUsage); the browser's resident memory (/proc) divided by the members.
// 3. Fan-out at the largest size: --rounds rounds, member 1 sends one message to the group (typed into "Message" and
//    Enter dispatched in the page): its dispatch -> the text in every other member's log (a MutationObserver on each
//    log); the last member to show it, p50 over rounds. Same run, after it: --rounds 1:1 messages member 1 -> member 2
//    (their own conversation), dispatch -> shown on member 2. Every text must be in each log exactly once.
// 4. Catch-up: the last member reloads and unlocks (away: no link); member 1 sends --catch-up messages to the group
//    (one task, as bench/chat.mjs's burst), stored by every live member (the live figure: dispatch -> all stored at
//    the member that will hold them); every member but the last two closes its page; the last member comes back
//    through its inviter only (one-code reconnect by hand): its "Connect" click -> all --catch-up stored (the
//    store's count, polled every 5 ms in the page). Then every text is read back from its store: each exactly once.
// 5. A video call of 4 (the group-call limit, docs/calls.md), run when the group has 4 members (before it grows on),
//    unless --call-seconds 0: the browser runs with fake devices (a camera drawing 640x480 frames, a beeping
//    microphone). Member 1 presses "Video call", the others "Accept call" one after the other; from the last
//    "Accept call" click -> every page's three tiles read "In call" (checked every frame in each page). Then, after a
//    3 s settle: the browser's CPU over --call-seconds against the idle figure at 4 members (part 2); per page, what
//    each of its three legs decodes (getStats inbound-rtp: frame size, frames per second) and what it sends; and
//    --rounds group messages from member 1 (dispatch -> shown on the last of the three others) during the call
//    against the same before it. Then everyone ends the call.
import fs from 'node:fs';
import { launchBrowser } from '../test/e2e/browsers.mjs';
import {
  click, enterApp, fill, occurrences, openConversation, openPairing, pasteCode, readCode, textOf, until, waitForElement,
} from '../test/e2e/helpers.mjs';
import { keepConnections } from '../test/e2e/call-probe.mjs';
import { makeReconnectCode } from '../test/e2e/one-code-helpers.mjs';
import { inPage } from '../test/e2e/page-probe.mjs';
import {
  accessibilityNote, argValue, benchBrowserOptions, cpuMs, heapAndNodes, loadLine, machineLine, median, mib, ms, printTable, processTree, rssBytes,
  serveDistSnapshot, sleep, warnOutsideNamespace,
} from './lib.mjs';
import { armStoredWatch, sendTexts, storedTotal, storedWatch } from './ui-watch.mjs';

const sizes = argValue('--sizes', '4,8').split(',').map(Number).sort((a, b) => a - b);
const largest = sizes.at(-1);
const rounds = Number(argValue('--rounds', '15'));
const catchUpCount = Number(argValue('--catch-up', '1000'));
const idleSeconds = Number(argValue('--idle-seconds', '60'));
const callSeconds = Number(argValue('--call-seconds', '20'));
/** The group-call limit (src/chat/call-record.ts maxGroupCallMembers): the call runs at this size. */
const callSize = 4;
const callSettleMs = 3000;
const names = ['Ann', 'Ben', 'Cat', 'Dan', 'Eve', 'Fay', 'Gus', 'Hal', 'Ivy', 'Jon', 'Kim', 'Lou', 'Max', 'Ned', 'Oda', 'Pia'];
const group = 'Bench group';
const passphrase = 'correct horse battery staple 42';

warnOutsideNamespace();
const dist = await serveDistSnapshot();
console.log(`Groups bench ${machineLine()}; build ${dist.buildId}`);
console.log(`${accessibilityNote}; every member a page in its own context of one Chromium`);
const startedAt = Date.now();
const failures = [];

// ---- in-page instruments ----

/** Every text of the group conversation in the store (read back through the log), oldest index first. */
async function groupTexts() {
  const store = document.querySelector('tc-tincan-shell').app.store;
  const summary = store.log.summaries().find((s) => s.id.startsWith('g:'));
  const entries = await store.log.readAllNow(summary.id);
  return entries.map((e) => (e.unreadable ? `(unreadable: ${e.reason})` : e.text));
}

/** When the status "Connection" first reads `text` (checked every frame; the element kept while it stays in the tree). */
const armStatusWatch = inPage((probe, text) => {
  const now = () => performance.timeOrigin + performance.now();
  const watch = (window.__tcStatusWatch = {});
  let status;
  const check = () => {
    if (!status?.isConnected) status = probe.find((el) => el.getAttribute('role') === 'status' && el.getAttribute('aria-label') === 'Connection');
    if (status?.textContent.includes(text)) watch.doneAt = now();
    else requestAnimationFrame(() => setTimeout(check, 0));
  };
  check();
});
const statusWatch = (page) => page.evaluate(() => ({ ...window.__tcStatusWatch }));

/** When every tile of the group call reads "<name>, In call" and there are `count` of them (checked every frame). */
const armCallWatch = inPage((probe, count) => {
  const now = () => performance.timeOrigin + performance.now();
  const watch = (window.__tcCallWatch = {});
  const check = () => {
    const list = probe.find((el) => el.localName === 'ul' && el.getAttribute('aria-label') === 'People in the call');
    const tiles = list ? [...list.querySelectorAll('li p')].map((p) => p.textContent) : [];
    if (tiles.length === count && tiles.every((t) => t.endsWith(', In call'))) watch.doneAt = now();
    else requestAnimationFrame(() => setTimeout(check, 0));
  };
  check();
});
const callWatch = (page) => page.evaluate(() => ({ ...window.__tcCallWatch }));

/** Epoch time of the next click in the page (window.__tcClickAt). */
const armClickTime = () => {
  window.__tcClickAt = undefined;
  document.addEventListener('click', () => (window.__tcClickAt ??= performance.timeOrigin + performance.now()), { capture: true, once: true });
};

const callViewShown = () => !!document.querySelector('tc-tincan-shell').shadowRoot.querySelector('tc-group-call-view');
/** The call view's text, or "no call view". */
const callViewText = () => {
  const view = document.querySelector('tc-tincan-shell').shadowRoot.querySelector('tc-group-call-view');
  return view ? view.shadowRoot.textContent.replace(/\s+/g, ' ').trim() : 'no call view';
};
/** Call connections not closed, and captured tracks not stopped. */
const callLeftovers = () => ({
  open: window.tincanConnections.filter((pc) => pc.connectionState !== 'closed' && pc.getTransceivers().some((t) => t.receiver.track.kind === 'audio')).length,
  liveTracks: window.tincanCaptured.flatMap((stream) => stream.getTracks()).filter((track) => track.readyState === 'live').length,
});

/** What each open call connection of the page decodes and sends (getStats), one entry per leg. */
const legVideo = () => Promise.all(window.tincanConnections
  .filter((pc) => pc.connectionState === 'connected' && pc.getTransceivers().some((t) => t.receiver.track.kind === 'video'))
  .map(async (pc) => {
    const leg = {};
    (await pc.getStats()).forEach((s) => {
      if (s.kind !== 'video') return;
      if (s.type === 'inbound-rtp') Object.assign(leg, { inWidth: s.frameWidth, inHeight: s.frameHeight, inFps: s.framesPerSecond, decoded: s.framesDecoded });
      if (s.type === 'outbound-rtp') Object.assign(leg, { outWidth: s.frameWidth, outHeight: s.frameHeight, outFps: s.framesPerSecond });
    });
    return leg;
  }));

/** When `text` first shows in the open conversation's log (a MutationObserver on the log's shadow root). */
const armSeen = inPage((probe, text) => {
  const now = () => performance.timeOrigin + performance.now();
  const seen = (window.__tcSeen ??= {});
  const root = probe.byTag('tc-message-log').shadowRoot;
  const scan = () => {
    const texts = [...root.querySelectorAll('.msg p')].slice(-10).map((p) => p.textContent);
    if (texts.includes(text)) {
      seen[text] = now();
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(scan);
  observer.observe(root, { subtree: true, childList: true, characterData: true });
  scan();
});
const seenAt = (page, text) => page.evaluate((t) => window.__tcSeen?.[t], text);

// ---- steps ----

async function openMember(browser, k) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  if (callSeconds > 0) {
    await keepConnections(page);
    // Every captured stream kept, to see whether a track outlives the call.
    await page.evaluateOnNewDocument(() => {
      window.tincanCaptured = [];
      const media = navigator.mediaDevices;
      const capture = media.getUserMedia.bind(media);
      media.getUserMedia = async (constraints) => {
        const stream = await capture(constraints);
        window.tincanCaptured.push(stream);
        return stream;
      };
    });
  }
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(dist.url);
  const member = { kind: 'chromium', browser, context, page, errors, name: names[k], passphrase };
  await enterApp(page, member);
  return member;
}

/** `inviter` invites `newcomer` to the group; returns the inviter's "Connect" click (epoch) of the last exchange. */
async function invite(inviter, newcomer, members) {
  await openConversation(inviter.page, group);
  await click(inviter.page, 'button', 'Invite to group');
  const code = await readCode(inviter.page, 'Invite code');
  await pasteCode(newcomer.page, code);
  const answer = await readCode(newcomer.page, 'Answer code');
  await openPairing(inviter.page);
  await fill(inviter.page, 'textbox', 'Paste a code', answer);
  const all = `${members.length - 1} of ${members.length - 1} connected`;
  await Promise.all(members.map((m) => m.page.evaluate(armStatusWatch, all)));
  await inviter.page.evaluate(armClickTime);
  await click(inviter.page, 'button', 'Connect');
  const clickAt = await inviter.page.evaluate(() => window.__tcClickAt);
  // The newcomer's page opens the group by itself; the inviter's shows the pairing screen: open the group there.
  await openConversation(inviter.page, group);
  await until(async () => (await Promise.all(members.map((m) => statusWatch(m.page)))).every((w) => w.doneAt), `${all} on every member`, { timeout: 180_000, everyMs: 100 });
  const done = await Promise.all(members.map((m) => statusWatch(m.page)));
  return { perMember: done.map((w) => w.doneAt - clickAt), last: Math.max(...done.map((w) => w.doneAt)) - clickAt };
}

/** Proportional set size of these processes (shared pages split between their users), bytes: /proc smaps_rollup. */
function pssBytes(pids) {
  let total = 0;
  for (const pid of pids) {
    try {
      const match = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      if (match) total += Number(match[1]) * 1024;
    } catch {
      // gone
    }
  }
  return total;
}

async function idleCost(browser, members) {
  await sleep(3000);
  const before = cpuMs(processTree(browser.process().pid));
  const tasksBefore = await Promise.all(members.map(async (m) => (await m.page.metrics()).TaskDuration));
  await sleep(idleSeconds * 1000);
  const cpu = cpuMs(processTree(browser.process().pid)) - before;
  const tasks = await Promise.all(members.map(async (m, i) => ((await m.page.metrics()).TaskDuration - tasksBefore[i]) * 1000));
  const heaps = [];
  for (const m of members) heaps.push((await heapAndNodes(m.page)).heapBytes);
  return {
    members: members.length,
    cpuTotal: cpu / (idleSeconds * 1000),
    mainBusy: median(tasks) / (idleSeconds * 1000),
    heap: median(heaps),
    heapMax: Math.max(...heaps),
    rss: rssBytes(processTree(browser.process().pid)),
    pss: pssBytes(processTree(browser.process().pid)),
  };
}

/** One message from `sender` in the conversation each has open: dispatch -> shown in each receiver's log, ms each. */
async function timedMessage(sender, receivers, text) {
  await Promise.all(receivers.map((r) => r.page.evaluate(armSeen, text)));
  const at = await sender.page.evaluate(sendTexts, [text]);
  await until(async () => (await Promise.all(receivers.map((r) => seenAt(r.page, text)))).every(Boolean), `"${text}" shown on every receiver`, {
    timeout: 60_000,
    everyMs: 20,
  });
  return (await Promise.all(receivers.map((r) => seenAt(r.page, text)))).map((t) => t - at);
}

/** Part 5: a video call of every member (see the header). */
async function groupCall(browser, members) {
  const [caller, ...callees] = members;
  for (const m of members) await openConversation(m.page, group);
  const before = [];
  for (let r = 0; r < rounds; r++) before.push(Math.max(...(await timedMessage(caller, callees, `[before the call ${r + 1}]`))));
  await Promise.all(members.map((m) => m.page.evaluate(armCallWatch, members.length - 1)));
  await click(caller.page, 'button', 'Video call');
  let lastAccept = 0;
  for (const callee of callees) {
    await waitForElement(callee.page, 'dialog', 'Incoming call', { timeout: 30_000 });
    await callee.page.evaluate(armClickTime);
    await click(callee.page, 'button', 'Accept call');
    lastAccept = Math.max(lastAccept, await callee.page.evaluate(() => window.__tcClickAt));
  }
  await until(async () => (await Promise.all(members.map((m) => callWatch(m.page)))).every((w) => w.doneAt), 'every tile "In call" on every member', {
    timeout: 60_000,
    everyMs: 100,
  });
  const inCall = (await Promise.all(members.map((m) => callWatch(m.page)))).map((w) => w.doneAt - lastAccept);
  await sleep(callSettleMs);
  const cpuBefore = cpuMs(processTree(browser.process().pid));
  const tasksBefore = await Promise.all(members.map(async (m) => (await m.page.metrics()).TaskDuration));
  await sleep(callSeconds * 1000);
  const cpu = (cpuMs(processTree(browser.process().pid)) - cpuBefore) / (callSeconds * 1000);
  const tasks = await Promise.all(members.map(async (m, i) => ((await m.page.metrics()).TaskDuration - tasksBefore[i]) * 1000));
  const video = await Promise.all(members.map((m) => m.page.evaluate(legVideo)));
  const during = [];
  for (let r = 0; r < rounds; r++) during.push(Math.max(...(await timedMessage(caller, callees, `[during the call ${r + 1}]`))));
  for (const m of members) {
    if (await m.page.evaluate(callViewShown)) await click(m.page, 'button', 'End call');
  }
  await until(async () => !(await Promise.all(members.map((m) => m.page.evaluate(callViewShown)))).some(Boolean), 'the call view gone on every member', {
    timeout: 30_000,
  }).catch(async (error) => {
    const shown = await Promise.all(members.map(async (m) => `${m.name}: ${await m.page.evaluate(callViewText)}`));
    throw new Error(`${error.message}; ${shown.join(' | ')}`);
  });
  // What the call left behind: connections not closed, tracks still captured (the camera's light).
  const leftOpen = await Promise.all(members.map((m) => m.page.evaluate(callLeftovers)));
  await sleep(callSettleMs);
  const afterCpuStart = cpuMs(processTree(browser.process().pid));
  await sleep(callSeconds * 1000);
  const cpuAfter = (cpuMs(processTree(browser.process().pid)) - afterCpuStart) / (callSeconds * 1000);
  const after = [];
  for (let r = 0; r < rounds; r++) after.push(Math.max(...(await timedMessage(caller, callees, `[after the call ${r + 1}]`))));
  return { inCall, cpu, cpuAfter, leftOpen, mainBusy: median(tasks) / (callSeconds * 1000), video, before, during, after };
}

async function assertOnceInLogs(receivers, texts, what) {
  for (const r of receivers) {
    const log = await textOf(r.page, 'log', 'Messages');
    const bad = texts.filter((t) => occurrences(log, t) !== 1);
    if (bad.length) throw new Error(`${what}: ${r.name}'s log has ${bad.map((t) => `"${t}" ${occurrences(log, t)} times`).join(', ')}`);
  }
}

// ---- the run ----

const browser = await launchBrowser('chromium', benchBrowserOptions('chromium', { fakeMedia: callSeconds > 0 }));
const members = [];
const figures = { joins: [], idle: [] };
try {
  members.push(await openMember(browser, 0));
  await click(members[0].page, 'button', 'New group');
  await fill(members[0].page, 'textbox', 'Group name', group);
  await click(members[0].page, 'button', 'Create group');
  await waitForElement(members[0].page, 'list', 'Members', { visible: true });
  const visibility = await members[0].page.evaluate(() => document.visibilityState);
  figures.idle.push(await idleCost(browser, members));

  while (members.length < largest) {
    const newcomer = await openMember(browser, members.length);
    const inviter = members.at(-1);
    members.push(newcomer);
    const join = await invite(inviter, newcomer, members);
    figures.joins.push({ size: members.length, ...join });
    if (sizes.includes(members.length)) figures.idle.push(await idleCost(browser, members));
    if (members.length === callSize && callSeconds > 0) figures.call = await groupCall(browser, members);
  }
  figures.visibility = (await Promise.all(members.map((m) => m.page.evaluate(() => document.visibilityState)))).concat(visibility);

  // ---- 3. fan-out ----
  const [first, second] = members;
  for (const m of members) await openConversation(m.page, group);
  const groupTimes = [];
  const groupTextsSent = [];
  for (let r = 0; r < rounds; r++) {
    const text = `[group round ${r + 1}]`;
    groupTextsSent.push(text);
    groupTimes.push(await timedMessage(first, members.slice(1), text));
  }
  await assertOnceInLogs(members.slice(1), groupTextsSent, 'fan-out');
  await openConversation(first.page, second.name);
  await openConversation(second.page, first.name);
  const directTimes = [];
  const directTexts = [];
  for (let r = 0; r < rounds; r++) {
    const text = `[1:1 round ${r + 1}]`;
    directTexts.push(text);
    directTimes.push((await timedMessage(first, [second], text))[0]);
  }
  await assertOnceInLogs([second], directTexts, '1:1');
  figures.fanOut = { group: groupTimes, direct: directTimes };

  // ---- 4. catch-up ----
  const away = members.at(-1);
  const holder = members.at(-2);
  for (const m of [first, holder]) await openConversation(m.page, group);
  const awayBefore = await away.page.evaluate(storedTotal);
  await away.page.reload();
  await enterApp(away.page, away);
  const someAway = `${members.length - 2} of ${members.length - 1} connected`;
  await Promise.all([first, holder].map(async (m) => {
    await m.page.evaluate(armStatusWatch, someAway);
    await until(async () => (await statusWatch(m.page)).doneAt, `${m.name}: ${someAway}`, { timeout: 60_000 });
  }));
  const missed = Array.from({ length: catchUpCount }, (_, i) => `[missed ${i + 1} of ${catchUpCount}]`);
  const holderBefore = await holder.page.evaluate(storedTotal);
  await holder.page.evaluate(armStoredWatch, holderBefore + catchUpCount);
  const writtenAt = await first.page.evaluate(sendTexts, missed);
  await until(async () => (await storedWatch(holder.page)).doneAt, `${catchUpCount} stored at ${holder.name}`, { timeout: 600_000, everyMs: 250 });
  figures.liveMs = (await storedWatch(holder.page)).doneAt - writtenAt;
  for (const m of members.slice(0, -2)) await m.context.close();
  const code = await makeReconnectCode(holder, away);
  await openPairing(away.page);
  await fill(away.page, 'textbox', 'Paste a code', code);
  await away.page.evaluate(armStoredWatch, awayBefore + catchUpCount);
  await click(away.page, 'button', 'Connect');
  await until(async () => (await storedWatch(away.page)).doneAt, `${catchUpCount} caught up at ${away.name}`, { timeout: 600_000, everyMs: 250 });
  const caught = await storedWatch(away.page);
  figures.catchUpMs = caught.doneAt - caught.clickAt;
  const stored = await away.page.evaluate(groupTexts);
  const counts = new Map(missed.map((t) => [t, 0]));
  for (const t of stored) if (counts.has(t)) counts.set(t, counts.get(t) + 1);
  const lost = [...counts].filter(([, n]) => n === 0).length;
  const twice = [...counts].filter(([, n]) => n > 1).length;
  figures.catchUpCheck = `${catchUpCount - lost - twice} of ${catchUpCount} once, ${lost} lost, ${twice} more than once; ${stored.length} in ${away.name}'s group log`;
  if (lost || twice) throw new Error(`catch-up: ${figures.catchUpCheck}`);
  const order = missed.map((t) => stored.indexOf(t));
  figures.catchUpInOrder = order.every((at, i) => i === 0 || at > order[i - 1]);
} catch (error) {
  failures.push(error.stack ?? String(error));
} finally {
  await browser.close();
  dist.close();
}

// ---- report ----

if (figures.joins.length) {
  console.log(`\n1. formation by a chain of code exchanges (member k invites member k+1): the inviter's "Connect" click with the answer -> every member shows "k-1 of k-1 connected"`);
  printTable(
    ['members', 'last member all linked ms', 'per member ms (member 1 first; the inviter\'s is an upper bound)'],
    figures.joins.map((j) => [String(j.size), ms(j.last), j.perMember.map(ms).join(' ')]),
  );
  console.log(`(pages' visibilityState: ${[...new Set(figures.visibility ?? [])].join(', ')})`);
}
if (figures.idle.length) {
  console.log(`\n2. idle ${idleSeconds} s, one Chromium holding every member's page`);
  printTable(
    ['members', 'browser CPU (all processes)', 'added per member vs 1', 'page main thread busy, p50', 'JS heap after GC, p50 (max)', 'browser RSS (sum)', 'browser PSS', 'PSS added per member vs 1'],
    figures.idle.map((f) => {
      const one = figures.idle[0];
      const added = (value, base) => (value - base) / (f.members - 1);
      return [
        String(f.members), `${(f.cpuTotal * 100).toFixed(2)} %`, f.members > 1 ? `${(added(f.cpuTotal, one.cpuTotal) * 100).toFixed(2)} %` : '-',
        `${(f.mainBusy * 100).toFixed(2)} %`, `${mib(f.heap)} (${mib(f.heapMax)})`, mib(f.rss), mib(f.pss), f.members > 1 ? mib(added(f.pss, one.pss)) : '-',
      ];
    }),
  );
  console.log('(CPU: 100 % = one core; RSS summed over the processes counts shared pages once per process, PSS splits them)');
}
if (figures.fanOut) {
  const last = figures.fanOut.group.map((times) => Math.max(...times));
  const each = figures.fanOut.group.flat();
  const direct = figures.fanOut.direct;
  console.log(`\n3. fan-out, ${largest} members, ${rounds} rounds: ${names[0]}'s dispatch -> shown in the log`);
  printTable(
    ['message', 'p50 ms', 'min', 'max', 'vs 1:1 p50'],
    [
      [`group: the last of ${largest - 1} members to show it`, ms(median(last)), ms(Math.min(...last)), ms(Math.max(...last)), `${(median(last) / median(direct)).toFixed(1)}x`],
      ['group: any member (every receiver, every round)', ms(median(each)), ms(Math.min(...each)), ms(Math.max(...each)), `${(median(each) / median(direct)).toFixed(1)}x`],
      [`1:1 ${names[0]} -> ${names[1]} (baseline, same run)`, ms(median(direct)), ms(Math.min(...direct)), ms(Math.max(...direct)), '1.0x'],
    ],
  );
}
if (figures.catchUpMs !== undefined) {
  console.log(`\n4. catch-up of ${catchUpCount} group messages by ${names[largest - 1]}, back through ${names[largest - 2]} only (every other member's page closed)`);
  printTable(
    ['path', 'ms', 'msg/s'],
    [
      [`live: ${names[0]}'s dispatch -> all stored at ${names[largest - 2]} (${largest - 2} live receivers)`, ms(figures.liveMs), (catchUpCount / (figures.liveMs / 1000)).toFixed(0)],
      [`catch-up: ${names[largest - 1]}'s "Connect" click (one code) -> all stored`, ms(figures.catchUpMs), (catchUpCount / (figures.catchUpMs / 1000)).toFixed(0)],
    ],
  );
  console.log(`check: ${figures.catchUpCheck}; in the written order in the store: ${figures.catchUpInOrder ? 'yes' : 'no'}`);
}
if (figures.call) {
  const c = figures.call;
  const idle = figures.idle.find((f) => f.members === callSize);
  console.log(`\n5. a video call of ${callSize} (a mesh: ${(callSize * (callSize - 1)) / 2} call connections), one Chromium holding every member's page, fake 640x480 cameras`);
  printTable(
    ['measure', 'value'],
    [
      ['last "Accept call" click -> every tile "In call", per member (ms)', c.inCall.map(ms).join(' ')],
      [`browser CPU (all processes), ${callSeconds} s in the call`, `${(c.cpu * 100).toFixed(1)} %`],
      [`the same, idle with ${callSize} members (part 2)`, idle ? `${(idle.cpuTotal * 100).toFixed(2)} %` : '-'],
      ['what the call adds per member', idle ? `${(((c.cpu - idle.cpuTotal) / callSize) * 100).toFixed(1)} %` : '-'],
      ['page main thread busy in the call, p50', `${(c.mainBusy * 100).toFixed(2)} %`],
      [`group message, last of ${callSize - 1} to show it, p50 before / during / after the call (ms)`,
        `${ms(median(c.before))} / ${ms(median(c.during))} / ${ms(median(c.after))} (during ${(median(c.during) / median(c.before)).toFixed(2)}x)`],
      [`browser CPU, ${callSeconds} s after the call ended`, `${(c.cpuAfter * 100).toFixed(1)} %`],
      ['after it ended: call connections not closed / captured tracks not stopped, per member', c.leftOpen.map((l) => `${l.open}/${l.liveTracks}`).join(' ')],
    ],
  );
  console.log('(CPU: 100 % = one core)');
  printTable(
    ['member', 'its legs: decoded WxH @ fps', 'sent WxH @ fps'],
    c.video.map((legs, i) => [
      names[i],
      legs.map((l) => `${l.inWidth}x${l.inHeight} @ ${l.inFps ?? '-'}`).join(', '),
      legs.map((l) => `${l.outWidth}x${l.outHeight} @ ${l.outFps ?? '-'}`).join(', '),
    ]),
  );
}
const errors = members.flatMap((m) => m.errors.map((e) => `${m.name}: ${e}`));
if (errors.length) console.log(`page errors: ${errors.join(' | ')}`);
for (const failure of failures) console.log(`FAILED: ${failure}`);
console.log(`\n(load at the end ${loadLine()}; ran ${((Date.now() - startedAt) / 1000).toFixed(0)} s)`);
process.exitCode = failures.length ? 1 : 0;
