// Calls (issue 22): the design question, measured in all four Chromium/Firefox pairings. Two real PeerLinks are
// connected with codes (test/fixtures/net, each with its device certificate), then audio is added
//   same    to the data link's own RTCPeerConnection, with a renegotiation (offer and answer carried by the script,
//           as the sealed channel would), by the inviter and, in another case, by the answerer;
//   second  on a second RTCPeerConnection made with the same device certificate, offered by either side.
// Recorded per case: whether audio packets arrive both ways within 10 s, whether the data link is still
// connected and carries a message each way afterwards, and whether the second connection's fingerprint equals the
// data link's (what the Hello signed).
//
//   npm run build && bash scripts/in-netns.sh node bench/call-design.mjs
import { openNetDevice, serveNetFixture } from '../test/fixtures/net/build.mjs';

const kinds = ['chromium', 'firefox'];
const page = await serveNetFixture();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const status = (d) => d.tab.evaluate(() => window.tincanNet.mediaStatus());

async function runCase(inviterKind, answererKind, mode, offerer) {
  const [inviter, answerer] = await Promise.all([openNetDevice(inviterKind, page.url, { fakeMedia: true }), openNetDevice(answererKind, page.url, { fakeMedia: true })]);
  try {
    const invite = await inviter.tab.evaluate(() => window.tincanNet.invite());
    const answer = await answerer.tab.evaluate((code) => window.tincanNet.answer(code), invite);
    await inviter.tab.evaluate((code) => window.tincanNet.acceptAnswer(code), answer);
    for (const d of [inviter, answerer]) {
      await d.tab.waitForFunction(() => window.tincanNet.status().then((s) => s.state === 'connected'), { timeout: 15_000, polling: 50 });
    }
    const [a, b] = offerer === 'inviter' ? [inviter, answerer] : [answerer, inviter];
    let error = '';
    try {
      const offer = await a.tab.evaluate((m) => window.tincanNet.mediaOffer(m), mode);
      const reply = await b.tab.evaluate((m, sdp) => window.tincanNet.mediaAnswer(m, sdp), mode, offer);
      await a.tab.evaluate((sdp) => window.tincanNet.mediaAccept(sdp), reply);
    } catch (e) {
      error = String(e.message ?? e).split('\n')[0].slice(0, 160);
    }
    let sa;
    let sb;
    const deadline = Date.now() + 10_000;
    do {
      await sleep(200);
      [sa, sb] = await Promise.all([status(a), status(b)]);
    } while (!(sa.packetsReceived > 0 && sb.packetsReceived > 0) && Date.now() < deadline && !error);
    const texts = [`after ${mode} from inviter`, `after ${mode} from answerer`];
    let chatOk = sa.linkState === 'connected' && sb.linkState === 'connected';
    if (chatOk) {
      await inviter.tab.evaluate((t) => window.tincanNet.send(t), texts[0]);
      await answerer.tab.evaluate((t) => window.tincanNet.send(t), texts[1]);
      chatOk = await Promise.all([
        answerer.tab.waitForFunction((t) => window.tincanNet.status().then((s) => s.received.includes(t)), { timeout: 5000, polling: 50 }, texts[0]),
        inviter.tab.waitForFunction((t) => window.tincanNet.status().then((s) => s.received.includes(t)), { timeout: 5000, polling: 50 }, texts[1]),
      ]).then(() => true, () => false);
    }
    const [la, lb] = await Promise.all([inviter, answerer].map((d) => d.tab.evaluate(() => window.tincanNet.certificate())));
    const sameFingerprint = mode === 'second'
      ? sa.fingerprint?.replace(/:/g, '').toLowerCase() === (a === inviter ? la : lb) && sb.fingerprint?.replace(/:/g, '').toLowerCase() === (b === inviter ? la : lb)
      : undefined;
    return { audioBothWays: sa.packetsReceived > 0 && sb.packetsReceived > 0, chatOk, sameFingerprint, error };
  } finally {
    await Promise.all([inviter.browser.close(), answerer.browser.close()]);
  }
}

const rows = [];
for (const inviterKind of kinds) {
  for (const answererKind of kinds) {
    for (const mode of ['same', 'second']) {
      for (const offerer of ['inviter', 'answerer']) {
        const result = await runCase(inviterKind, answererKind, mode, offerer);
        const row = { pairing: `${inviterKind}->${answererKind}`, mode, offerer, ...result };
        rows.push(row);
        console.log(JSON.stringify(row));
      }
    }
  }
}
await page.close();
console.log('\n| inviter -> answerer | design | call offered by | audio both ways | data link after | call fingerprint = signed one | error |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.pairing} | ${r.mode} | ${r.offerer} | ${r.audioBothWays ? 'yes' : 'no'} | ${r.chatOk ? 'works' : 'broken'} | ${r.sameFingerprint === undefined ? '(same connection)' : r.sameFingerprint ? 'yes' : 'no'} | ${r.error} |`);
}
