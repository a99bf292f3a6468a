// Checks rebuilt SDPs (src/invite) against real Chromium and Firefox, which the wtr unit tests (Chromium only)
// cannot: every fixture rebuilt as a remote offer and as a remote answer in Firefox, and a data channel opened
// between every pair of browsers that exchange nothing but invite and answer codes.
//
//   bash scripts/in-netns.sh node scripts/sdp-interop.mjs
//
// Exit status 0 when everything passed. Each browser gets the invite module bundled by esbuild (an IIFE that
// defines window.TincanInvite) on an about:blank page.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from '../test/e2e/browsers.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtureDir = path.join(root, 'test', 'fixtures', 'sdp');
const openTimeoutMs = 15_000;

const bundle = await esbuild.build({
  stdin: {
    contents: "export * from './src/invite/invite-code'; export * from './src/invite/sdp';",
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  format: 'iife',
  globalName: 'TincanInvite',
  target: 'es2022',
  write: false,
  logLevel: 'warning',
});
const moduleSource = bundle.outputFiles[0].text;

const fixtures = Object.fromEntries(
  fs.readdirSync(fixtureDir).filter((file) => file.endsWith('.sdp'))
    .map((file) => [file.replace(/\.sdp$/, ''), fs.readFileSync(path.join(fixtureDir, file), 'utf8')]),
);

let failures = 0;
function report(ok, what, detail = '') {
  if (!ok) failures++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${detail ? `  (${detail})` : ''}`);
}

async function openPage(kind) {
  const browser = await launchBrowser(kind);
  const page = await browser.newPage();
  await page.evaluate(moduleSource);
  // Helpers shared by the steps below, defined in the page.
  await page.evaluate(() => {
    const { applyIceCredentials, deriveIceCredentials, encodeCode, extractFields } = window.TincanInvite;
    window.gathered = (pc) => new Promise((resolve) => {
      const check = () => pc.iceGatheringState === 'complete' && resolve();
      pc.addEventListener('icegatheringstatechange', check);
      check();
      setTimeout(resolve, 5000);
    });
    window.localCode = async (pc, kind) => {
      const description = kind === 'invite' ? await pc.createOffer() : await pc.createAnswer();
      const fingerprint = extractFields(description.sdp, { allowNoCandidates: true }).fingerprint;
      const sdp = applyIceCredentials(description.sdp, deriveIceCredentials(fingerprint));
      await pc.setLocalDescription({ type: description.type, sdp });
      await window.gathered(pc);
      return encodeCode({ kind, fields: extractFields(pc.localDescription.sdp) });
    };
  });
  return { kind, browser, page };
}

/** Every fixture rebuilt and applied as remote offer (actpass, active) and remote answer (passive, active). */
async function checkFixtures({ kind, page }) {
  const results = await page.evaluate(async (fixtures) => {
    const { buildSdp, extractFields } = window.TincanInvite;
    const out = [];
    for (const [name, sdp] of Object.entries(fixtures)) {
      const fields = extractFields(sdp);
      for (const setup of ['actpass', 'active']) {
        const pc = new RTCPeerConnection();
        try {
          await pc.setRemoteDescription({ type: 'offer', sdp: buildSdp(fields, { type: 'offer', setup }) });
          const answer = await pc.createAnswer();
          await pc.setLocalDescription(answer);
          out.push([`${name} as offer (${setup})`, true, /a=setup:(\w+)/.exec(answer.sdp)[1]]);
        } catch (error) {
          out.push([`${name} as offer (${setup})`, false, String(error)]);
        } finally {
          pc.close();
        }
      }
      for (const setup of ['passive', 'active']) {
        const pc = new RTCPeerConnection();
        try {
          pc.createDataChannel('tincan');
          await pc.setLocalDescription(await pc.createOffer());
          await pc.setRemoteDescription({ type: 'answer', sdp: buildSdp(fields, { type: 'answer', setup }) });
          out.push([`${name} as answer (${setup})`, pc.signalingState === 'stable', pc.signalingState]);
        } catch (error) {
          out.push([`${name} as answer (${setup})`, false, String(error)]);
        } finally {
          pc.close();
        }
      }
    }
    return out;
  }, fixtures);
  for (const [what, ok, detail] of results) report(ok, `${kind}: ${what}`, detail);
}

/** The app's exchange: invite code -> answer code -> open channel, one message across. */
async function connect(inviter, answerer) {
  const what = `${inviter.kind} invites, ${answerer.kind} answers: channel opens over codes alone`;
  try {
    const inviteCode = await inviter.page.evaluate(async () => {
      const pc = new RTCPeerConnection();
      window.inviter = pc;
      window.channel = pc.createDataChannel('tincan');
      return window.localCode(pc, 'invite');
    });
    const { answerCode, setup } = await answerer.page.evaluate(async (code) => {
      const { buildSdp, decodeCode, expectKind } = window.TincanInvite;
      const invite = expectKind(decodeCode(code), 'invite');
      const pc = new RTCPeerConnection();
      window.answerer = pc;
      window.received = new Promise((resolve) => {
        pc.addEventListener('datachannel', ({ channel }) => channel.addEventListener('message', ({ data }) => resolve(data)));
      });
      await pc.setRemoteDescription({ type: 'offer', sdp: buildSdp(invite.fields, { type: 'offer', setup: 'active' }) });
      const answerCode = await window.localCode(pc, 'answer');
      return { answerCode, setup: /a=setup:(\w+)/.exec(pc.localDescription.sdp)[1] };
    }, inviteCode);
    const opened = await inviter.page.evaluate(async (code, timeoutMs) => {
      const { buildSdp, decodeCode, expectKind } = window.TincanInvite;
      const answer = expectKind(decodeCode(code), 'answer');
      await window.inviter.setRemoteDescription({ type: 'answer', sdp: buildSdp(answer.fields, { type: 'answer', setup: 'passive' }) });
      const started = performance.now();
      const ok = await new Promise((resolve) => {
        if (window.channel.readyState === 'open') resolve(true);
        window.channel.addEventListener('open', () => resolve(true));
        setTimeout(() => resolve(false), timeoutMs);
      });
      if (ok) window.channel.send('hello across browsers');
      return { ok, ms: Math.round(performance.now() - started), ice: window.inviter.iceConnectionState };
    }, answerCode, openTimeoutMs);
    const message = opened.ok
      ? await answerer.page.evaluate(() => Promise.race([window.received, new Promise((r) => setTimeout(() => r(null), 5000))]))
      : null;
    report(opened.ok && message === 'hello across browsers' && setup === 'passive', what,
      `invite ${inviteCode.length} chars, answer ${answerCode.length} chars, answer setup ${setup}, ` +
      `open after ${opened.ms} ms, ICE ${opened.ice}`);
  } catch (error) {
    report(false, what, String(error));
  } finally {
    await inviter.page.evaluate(() => window.inviter?.close()).catch(() => {});
    await answerer.page.evaluate(() => window.answerer?.close()).catch(() => {});
  }
}

const kinds = ['chromium', 'firefox'];
for (const inviterKind of kinds) {
  for (const answererKind of kinds) {
    const inviter = await openPage(inviterKind);
    const answerer = await openPage(answererKind);
    try {
      await connect(inviter, answerer);
    } finally {
      await inviter.browser.close();
      await answerer.browser.close();
    }
  }
}
const firefox = await openPage('firefox');
try {
  await checkFixtures(firefox);
} finally {
  await firefox.browser.close();
}
console.log(failures === 0 ? 'all passed' : `${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
