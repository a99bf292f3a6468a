// Relays (issue 21, docs/relays.md) on real pages of dist/ with a real relay started here: the published relay of
// test/fixtures/nostr-relay.mjs (@nostr-relay/core, its validator and sqlite store, over `ws` on 127.0.0.1 inside the
// bench's network namespace). Alice and Bob each in their own Chromium (own profile), paired by codes through the UI,
// both with the relay saved in Settings and "Use relays with …" ticked (as test/e2e/relays.test.mjs).
//
//   npm run build && flock /tmp/tincan-browser.lock bash scripts/in-netns.sh node bench/relays.mjs
//     [--offline 200] [--rounds 5] [--one-code-rounds 3] [--idle-seconds 120]
//
// 1. Offline envelopes fetched per second. Baseline first, same pages: Bob sends --offline messages over the live
//    direct link (all dispatched in one task in the page, as bench/chat.mjs's burst): Bob's dispatch -> Alice has
//    them all stored. Then Alice closes Tincan (her page closes), Bob sends --offline more, which go to the relay as
//    gift wraps (waited for in the relay's store), and Bob closes Tincan too, so nothing can come by a direct link.
//    Alice opens and unlocks: her page unlocked (the app's messenger exists, after Argon2id) -> all stored
//    (the store's message count, polled in the page every 5 ms), and from her "Unlock" click. Then each text is
//    checked in Alice's exported transcript: every one exactly once, or the bench fails.
// 2. Unlock -> "Connected" by automatic reconnect, --rounds rounds: both pages reload; Alice unlocks (her offer
//    finds no reader); Bob unlocks: Bob's "Unlock" click -> the other's entry in the list "Conversations" shows it
//    connected (its dot `online`, read "Connected" by screen readers) on both pages (the later of the two). Run twice:
//    before part 1 (the relay holds no stored event) and after it (each unlock reads the last two days' wraps again:
//    docs/relays.md "Not built"); each round counts the EVENTs the relay handed the pages meanwhile.
//    Baselines on the same two pages, same run: (a) a bare RTCPeerConnection (one negotiated data channel, full SDP
//    passed through this process) each round: Alice's createOffer -> both channels open; (b) with the relay stopped
//    at the end, --one-code-rounds one-code reconnects by hand (bench/peers.mjs part 1): Bob's "Connect" click with
//    the pasted code -> both connected. (b) is the same handshake the automatic reconnect makes, with the code carried
//    by hand instead of by the relay, so the difference is what the relay path adds; (a) is the floor of any link.
// 3. Idle: after the last round, both connected, --idle-seconds with nothing done: the EVENTs (and every other
//    message) the relay received, bytes as the JSON text of each message, and the WebSocket frames both pages sent
//    (Chromium DevTools protocol, Network.webSocketFrameSent, payload bytes), extrapolated to an hour.
// 4. Invite size: the invite code Alice's page makes without relays (when pairing) and with the relay saved, and the
//    QR version of its link (error correction M, as bench/codec-sizes.mjs, which gives the sizes for public relays).
// Order of a run: 2 (before), 1, 2 (after), 3, 4, then 2's baseline (b), which stops the relay.
// Chromium runs with its accessibility tree on (lib.mjs).
import QRCode from 'qrcode';
import { startNostrRelay } from '../test/fixtures/nostr-relay.mjs';
import {
  click, connectionTextOnceGone, exportTranscript, fill, openConversation, openPerson, pair, readCode, saveRelays, until, waitForElement, waitForRelaysWith,
} from '../test/e2e/helpers.mjs';
import { inPage } from '../test/e2e/page-probe.mjs';
import { bareEnd } from './chat-probe.mjs';
import { armStoredWatch, sendTexts, storedTotal, storedWatch, timedOneCodeReconnect } from './ui-watch.mjs';
import {
  accessibilityNote, argValue, benchBrowserOptions, loadLine, machineLine, median, ms, printTable, serveDistSnapshot, sleep, warnOutsideNamespace,
  withTimeout,
} from './lib.mjs';

const offlineCount = Number(argValue('--offline', '200'));
const rounds = Number(argValue('--rounds', '5'));
const oneCodeRounds = Number(argValue('--one-code-rounds', '3'));
const idleSeconds = Number(argValue('--idle-seconds', '120'));
// The relay's store answers a query with at most 1,000 events: more could not be counted there (nor read at once).
if (offlineCount > 1000) throw new Error('--offline: at most 1000');
const linkPrefix = 'https://example.github.io/tincan/#';
const passphrase = 'correct horse battery staple 42';

warnOutsideNamespace();
const dist = await serveDistSnapshot();
const relay = await startNostrRelay();
console.log(`Relays bench ${machineLine()}; build ${dist.buildId}; relay ${relay.url} (@nostr-relay/core, sqlite in memory)`);
console.log(accessibilityNote);
const startedAt = Date.now();
const failures = [];

// ---- in-page instruments ----

/**
 * Arms a watch for the next click, and for the entry of `contact` in the list "Conversations" showing the contact
 * connected (its dot `online`; its hidden state text reads "Connected"): epoch times, checked every frame.
 */
const armListConnectedWatch = inPage((probe, contact) => {
  const now = () => performance.timeOrigin + performance.now();
  const watch = (window.__tcListWatch = {});
  document.addEventListener('click', () => (watch.clickAt ??= now()), { capture: true, once: true });
  const check = () => {
    if (watch.unlockedAt === undefined && document.querySelector('tc-tincan-shell')?.app?.messenger) watch.unlockedAt = now();
    const button = probe.conversationButton(contact);
    if (button?.querySelector('.dot')?.classList.contains('online')) watch.connectedAt = now();
    else requestAnimationFrame(() => setTimeout(check, 0));
  };
  check();
});
const listWatch = (page) => page.evaluate(() => ({ ...window.__tcListWatch }));

// ---- steps ----

/** A new page for the person (after its page was closed, or to replace it), at the unlock screen, passphrase typed. */
async function reopen(person) {
  person.page = await person.browser.newPage();
  person.page.on('pageerror', (error) => person.errors.push(String(error)));
  await person.page.goto(dist.url);
  await fill(person.page, 'textbox', 'Passphrase', passphrase);
}
async function reloadToUnlock(person) {
  await person.page.goto(dist.url);
  await fill(person.page, 'textbox', 'Passphrase', passphrase);
}
const unlocked = (page) => waitForElement(page, 'button', 'New invite', { timeout: 60_000 });

/** Every text of `texts` exactly once in the person's transcript of the conversation with `other`, else throws. */
async function assertOnce(person, other, texts, what) {
  await openConversation(person.page, other);
  const lines = (await exportTranscript(person.page, { timeout: 60_000 })).split('\n');
  await click(person.page, 'button', 'Back');
  const counts = new Map(texts.map((t) => [t, 0]));
  for (const line of lines) {
    const text = line.replace(/^\[[^\]]*\] [^:]*: /, '');
    if (counts.has(text)) counts.set(text, counts.get(text) + 1);
  }
  const lost = [...counts].filter(([, n]) => n === 0).length;
  const twice = [...counts].filter(([, n]) => n > 1).length;
  if (lost || twice) throw new Error(`${what}: ${lost} lost, ${twice} more than once in ${person.name}'s transcript (of ${texts.length})`);
  return `${texts.length} once each`;
}

function qrVersion(code) {
  try {
    return QRCode.create([{ data: linkPrefix, mode: 'byte' }, { data: code, mode: 'alphanumeric' }], { errorCorrectionLevel: 'M' }).version;
  } catch {
    return '>40';
  }
}

/** A bare RTCPeerConnection between the two pages, SDP through this process: Alice's createOffer -> both open, ms. */
async function bareSetup(alice, bob) {
  const started = await alice.page.evaluate(() => performance.timeOrigin + performance.now());
  const offer = await alice.page.evaluate(bareEnd, null);
  const answer = await bob.page.evaluate(bareEnd, offer);
  await alice.page.evaluate((sdp) => window.__tcBare.pc.setRemoteDescription({ type: 'answer', sdp }), answer);
  const opened = await withTimeout(
    Promise.all([alice, bob].map((p) => p.page.evaluate(async () => {
      await window.__tcBare.opened;
      return performance.timeOrigin + performance.now();
    }))),
    30_000,
    'bare channel open',
  );
  // Both pages ran their own clock; a closed channel leaves nothing behind for the next round.
  await Promise.all([alice, bob].map((p) => p.page.evaluate(() => window.__tcBare.pc.close())));
  return Math.max(...opened) - started;
}

/**
 * --rounds automatic reconnects: both pages reload, Alice unlocks, then Bob: Bob's "Unlock" click -> both list
 * entries connected. With `reopened`, a round 0 first: Bob's page (just opened at the unlock screen) comes back to
 * Alice's, unlocked already. Each round also counts the EVENTs the relay handed the pages (stored wraps read at
 * unlock, live offers) and sets up a bare RTCPeerConnection between the same pages right after.
 */
async function reconnectRounds({ reopened }) {
  const results = [];
  for (let r = reopened ? 0 : 1; r <= rounds; r++) {
    if (r > 0) {
      await Promise.all([reloadToUnlock(alice), reloadToUnlock(bob)]);
      await click(alice.page, 'button', 'Unlock');
      await unlocked(alice.page);
    }
    await Promise.all([alice.page.evaluate(armListConnectedWatch, 'Bob'), bob.page.evaluate(armListConnectedWatch, 'Alice')]);
    const handedBefore = relay.sent.filter((m) => m[0] === 'EVENT').length;
    await click(bob.page, 'button', 'Unlock');
    await until(async () => (await listWatch(alice.page)).connectedAt && (await listWatch(bob.page)).connectedAt, 'both connected by the relay', {
      timeout: 90_000,
      everyMs: 50,
    });
    const handed = relay.sent.filter((m) => m[0] === 'EVENT').length - handedBefore;
    // Counted from what it received and took (none is refused here, none expires within a run): the relay's store
    // answers a query with at most 1,000 events (@nostr-relay/core: 10 x its default limit of 100).
    const wraps = relay.received.filter((m) => m[0] === 'EVENT' && m[1].kind === 1059);
    const stored = wraps.length;
    // By recipient: the alias Bob's offline envelopes went to is Alice's (her alias for Bob); the rest are for Bob.
    const toAlice = wraps.filter((m) => m[1].tags.some((t) => t[0] === 'p' && t[1] === figures.aliceAlias)).length;
    const [a, b] = await Promise.all([listWatch(alice.page), listWatch(bob.page)]);
    const bare = await bareSetup(alice, bob);
    const connectedAt = Math.max(a.connectedAt, b.connectedAt);
    results.push({ round: r, fromClick: connectedAt - b.clickAt, fromUnlocked: connectedAt - b.unlockedAt, bare, handed, stored, toAlice });
  }
  return results;
}

// ---- the run ----

const options = benchBrowserOptions('chromium');
const alice = await openPerson('chromium', dist.url, { name: 'Alice', ...options });
const bob = await openPerson('chromium', dist.url, { name: 'Bob', ...options });
const figures = {};
try {
  const { invite: inviteWithout } = await pair(alice, bob);
  await saveRelays(alice, relay.url);
  await saveRelays(bob, relay.url);
  await waitForRelaysWith(alice, 'Bob');
  await waitForRelaysWith(bob, 'Alice');

  // ---- 2, before: the relay holds no stored event yet ----
  figures.reconnectsBefore = await reconnectRounds({ reopened: false });

  // ---- 1. offline envelopes ----
  await openConversation(alice.page, 'Bob');
  await openConversation(bob.page, 'Alice');
  const direct = Array.from({ length: offlineCount }, (_, i) => `direct ${i + 1} of ${offlineCount}`);
  const offline = Array.from({ length: offlineCount }, (_, i) => `by relay ${i + 1} of ${offlineCount}`);
  const aliceBefore = await alice.page.evaluate(storedTotal);
  await alice.page.evaluate(armStoredWatch, aliceBefore + offlineCount);
  const sentAt = await bob.page.evaluate(sendTexts, direct);
  await until(async () => (await storedWatch(alice.page)).doneAt, 'direct messages stored at Alice', { timeout: 120_000, everyMs: 50 });
  const directDone = await storedWatch(alice.page);
  figures.directMs = directDone.doneAt - sentAt;

  const aliceTotal = await alice.page.evaluate(storedTotal);
  await alice.page.close();
  // Her page says bye as it goes (src/main.ts pagehide): "Alice closed Tincan" on Bob's page at once.
  await connectionTextOnceGone(bob.page, 'Alice');
  const wrapsBefore = (await relay.stored({ kinds: [1059], limit: 100_000 })).length;
  const offlineSentAt = Date.now();
  await bob.page.evaluate(sendTexts, offline);
  let storedWraps = 0;
  await until(async () => (storedWraps = (await relay.stored({ kinds: [1059], limit: 100_000 })).length) >= wrapsBefore + offlineCount, 'gift wraps on the relay', {
    timeout: 180_000,
    everyMs: 250,
    error: () => {
      const oks = relay.sent.filter((m) => m[0] === 'OK');
      const refused = oks.filter((m) => !m[2]).map((m) => m[3]);
      return `${storedWraps - wrapsBefore} of ${offlineCount} gift wraps on the relay after 180 s (the store asked with limit 100,000); it received ${relay.received.filter((m) => m[0] === 'EVENT').length} EVENTs, answered OK ${oks.length - refused.length}, refused ${refused.length} (${[...new Set(refused)].slice(0, 3).join(' | ')})`;
    },
  });
  figures.publishMs = Date.now() - offlineSentAt;
  const recipients = new Map();
  for (const event of await relay.stored({ kinds: [1059], limit: 1000 })) {
    const p = event.tags.find((t) => t[0] === 'p')?.[1];
    recipients.set(p, (recipients.get(p) ?? 0) + 1);
  }
  figures.aliceAlias = [...recipients].sort((a, b) => b[1] - a[1])[0]?.[0];
  await bob.page.close();

  await reopen(alice);
  await alice.page.evaluate(armStoredWatch, aliceTotal + offlineCount);
  await click(alice.page, 'button', 'Unlock');
  await until(async () => (await storedWatch(alice.page)).doneAt, 'relayed messages stored at Alice', { timeout: 180_000, everyMs: 100 });
  const relayed = await storedWatch(alice.page);
  figures.fetchMs = relayed.doneAt - relayed.unlockedAt;
  figures.fetchFromClickMs = relayed.doneAt - relayed.clickAt;
  await unlocked(alice.page);
  figures.offlineCheck = await assertOnce(alice, 'Bob', [...direct, ...offline], 'offline');
  figures.relayAfterOffline = relay.received.length;

  // ---- 2, after: the relay holds what part 1 left (the wraps and acks of the last two days are read at each unlock) ----
  await reopen(bob);
  figures.reconnectsAfter = await reconnectRounds({ reopened: true });

  // ---- 3. idle ----
  await sleep(5000);
  const frames = { count: 0, bytes: 0, texts: [] };
  const sessions = [];
  for (const page of [alice.page, bob.page]) {
    const cdp = await page.createCDPSession();
    await cdp.send('Network.enable');
    cdp.on('Network.webSocketFrameSent', ({ response }) => {
      frames.count++;
      frames.bytes += Buffer.byteLength(response.payloadData ?? '');
      frames.texts.push(String(response.payloadData).slice(0, 40));
    });
    sessions.push(cdp);
  }
  const receivedBefore = relay.received.length;
  const sentBefore = relay.sent.length;
  await sleep(idleSeconds * 1000);
  const idleReceived = relay.received.slice(receivedBefore);
  const idleEvents = idleReceived.filter((m) => m[0] === 'EVENT');
  figures.idle = {
    events: idleEvents.length,
    eventBytes: idleEvents.reduce((n, m) => n + Buffer.byteLength(JSON.stringify(m)), 0),
    messages: idleReceived.length,
    messageBytes: idleReceived.reduce((n, m) => n + Buffer.byteLength(JSON.stringify(m)), 0),
    relaySent: relay.sent.length - sentBefore,
    frames: frames.count,
    frameBytes: frames.bytes,
    kinds: [...new Set(idleReceived.map((m) => m[0]))].join(','),
    frameStarts: [...new Set(frames.texts)].slice(0, 5),
  };
  for (const cdp of sessions) await cdp.detach().catch(() => undefined);
  // Still connected through the whole window (no relay needed to stay so).
  figures.stillConnected = (await listWatch(alice.page)).connectedAt !== undefined && (await connectionStillOnline(alice.page, 'Bob'));

  // ---- 4. invite size ----
  await click(alice.page, 'button', 'New invite');
  const inviteWith = await readCode(alice.page, 'Invite code');
  figures.invite = {
    without: { chars: inviteWithout.length, qr: qrVersion(inviteWithout) },
    with: { chars: inviteWith.length, qr: qrVersion(inviteWith) },
  };

  // ---- 2b. one-code reconnect by hand, relay stopped ----
  await relay.stop();
  figures.oneCode = [];
  for (let r = 0; r < oneCodeRounds; r++) {
    await Promise.all([reloadToUnlock(alice), reloadToUnlock(bob)]);
    await click(alice.page, 'button', 'Unlock');
    await unlocked(alice.page);
    await click(bob.page, 'button', 'Unlock');
    await unlocked(bob.page);
    figures.oneCode.push(await timedOneCodeReconnect(alice, bob));
  }
} catch (error) {
  failures.push(error.stack ?? String(error));
} finally {
  await Promise.all([alice.close(), bob.close()]);
  await relay.stop().catch(() => undefined);
  dist.close();
}

async function connectionStillOnline(page, contact) {
  return page.evaluate(inPage((probe, name) => !!probe.conversationButton(name)?.querySelector('.dot')?.classList.contains('online')), contact);
}

// ---- report ----

if (figures.directMs !== undefined) {
  console.log(`\n1. offline envelopes, ${offlineCount} messages Bob -> Alice (Chromium -> Chromium)`);
  const rows = [[`direct link, live (baseline): Bob's dispatch -> all stored at Alice`, ms(figures.directMs), (offlineCount / (figures.directMs / 1000)).toFixed(0)]];
  if (figures.fetchMs !== undefined) {
    rows.push([`by relay: Alice's page unlocked -> all stored`, ms(figures.fetchMs), (offlineCount / (figures.fetchMs / 1000)).toFixed(0)]);
    rows.push([`by relay: Alice's "Unlock" click -> all stored (with Argon2id)`, ms(figures.fetchFromClickMs), (offlineCount / (figures.fetchFromClickMs / 1000)).toFixed(0)]);
  }
  printTable(['path', 'ms', 'msg/s'], rows);
  if (figures.publishMs !== undefined) console.log(`(Bob's page published the ${offlineCount} wraps within ${ms(figures.publishMs)} ms of the dispatch, polled every 250 ms; check: ${figures.offlineCheck ?? '-'})`);
}
for (const [key, label] of [
  ['reconnectsBefore', 'the relay holding no stored event'],
  ['reconnectsAfter', `after part 1: the relay holding its ${offlineCount} wraps and the acks, read again at every unlock; round 0 is Bob's page reopened after part 1`],
]) {
  const results = figures[key];
  if (!results) continue;
  console.log(`\n2. automatic reconnect by the relay, ${label}: Bob's "Unlock" click (Alice unlocked before) -> both list entries connected`);
  printTable(
    ['round', 'from Bob\'s Unlock click ms', 'from Bob\'s page unlocked ms', 'EVENTs the relay handed the pages meanwhile', 'wraps (kind 1059) the relay has taken so far: to Alice / to Bob', 'bare RTCPeerConnection setup ms (baseline a)'],
    results.map((r) => [String(r.round), ms(r.fromClick), ms(r.fromUnlocked), String(r.handed), `${r.stored}: ${r.toAlice} / ${r.stored - r.toAlice}`, ms(r.bare)]),
  );
  const later = results.filter((r) => r.round > 0);
  console.log(`p50 over rounds 1-${rounds}: from click ${ms(median(later.map((r) => r.fromClick)))} ms, from unlocked ${ms(median(later.map((r) => r.fromUnlocked)))} ms; bare setup p50 ${ms(median(later.map((r) => r.bare)))} ms`);
}
if (figures.oneCode?.length) {
  const times = figures.oneCode.map((r) => r.ms);
  console.log(`\n2b. baseline b, relay stopped: one-code reconnect by hand, Bob's "Connect" click -> both "Connected": ${times.map(ms).join(', ')} ms (p50 ${ms(median(times))}); answer code shown: ${figures.oneCode.some((r) => r.answerShown) ? 'yes' : 'no'}`);
}
if (figures.idle) {
  const perHour = (n) => ((n * 3600) / idleSeconds).toFixed(0);
  const i = figures.idle;
  console.log(`\n3. idle, both connected directly, ${idleSeconds} s window (extrapolated to one hour); still connected at the end: ${figures.stillConnected ? 'yes' : 'NO'}`);
  printTable(
    ['what', `in ${idleSeconds} s`, 'bytes', 'per hour', 'bytes per hour'],
    [
      ['EVENTs the relay received', String(i.events), String(i.eventBytes), perHour(i.events), perHour(i.eventBytes)],
      [`all messages the relay received (${i.kinds || 'none'})`, String(i.messages), String(i.messageBytes), perHour(i.messages), perHour(i.messageBytes)],
      ['WebSocket frames both pages sent (CDP)', String(i.frames), String(i.frameBytes), perHour(i.frames), perHour(i.frameBytes)],
      ['messages the relay sent to the pages', String(i.relaySent), '-', perHour(i.relaySent), '-'],
    ],
  );
  if (i.frameStarts.length) console.log(`frames began: ${i.frameStarts.join(' | ')}`);
}
if (figures.invite) {
  const { without, with: withRelay } = figures.invite;
  console.log(`\n4. invite from Alice's page (one host candidate, in the namespace): without relays ${without.chars} characters, QR ${without.qr}; with ${relay.url} ${withRelay.chars} characters, QR ${withRelay.qr} (link ${linkPrefix}CODE, error correction M; public relays: node bench/codec-sizes.mjs)`);
}
const errors = [...alice.errors, ...bob.errors];
if (errors.length) console.log(`page errors: ${errors.join(' | ')}`);
for (const failure of failures) console.log(`FAILED: ${failure}`);
console.log(`\n(load at the end ${loadLine()}; ran ${((Date.now() - startedAt) / 1000).toFixed(0)} s)`);
process.exitCode = failures.length ? 1 : 0;
