// One-code reconnect in the NAT lab (LAB.md §5, test/e2e/netlab.mjs): do the contact's checks reach the inviter
// on one LAN and across two NATs, and does the fallback (the contact's answer code pasted on the inviter,
// PeerLink.addRemoteCandidates) connect where they do not?
//
//   bash scripts/in-netns.sh node bench/one-code-nat.mjs [--mode cone|sym] [--wait 10] [--delay 3]
//     [--pairings chromium-chromium,chromium-firefox,firefox-chromium,firefox-firefox]   (inviter-contact)
//
// Hosts: alice (inviter) and carol share natA's LAN; bob is behind natB. Both NATs drop unsolicited inbound, as
// home routers do (LAB.md §5 explains why the lab needs that rule). Every device uses the lab's STUN server (and
// its TURN server in --mode sym). For each pairing, alice makes a reconnect code for the contact; `--delay` seconds
// later the contact opens it; if the two are not connected `--wait` seconds after that, alice pastes the contact's
// answer code (the fallback). Recorded: which path connected and how long after opening (or after the paste),
// with the inviter's selected candidate pair.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { NetLab, labServers, labUnavailable } from '../test/e2e/netlab.mjs';
import { buildNetFixture } from '../test/fixtures/net/build.mjs';

const argValue = (name, fallback) => {
  const at = process.argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (at < 0) return fallback;
  return process.argv[at].includes('=') ? process.argv[at].split('=')[1] : process.argv[at + 1];
};
const mode = argValue('--mode', 'cone');
const waitMs = Number(argValue('--wait', '10')) * 1000;
const delayMs = Number(argValue('--delay', '3')) * 1000;
const kinds = ['chromium', 'firefox'];
const pairings = kinds
  .flatMap((inviter) => kinds.map((contact) => ({ inviter, contact })))
  .filter(({ inviter, contact }) => argValue('--pairings', `${inviter}-${contact}`).split(',').includes(`${inviter}-${contact}`));
const iceServers = mode === 'sym' ? [labServers.stun, labServers.turn] : [labServers.stun];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const driverPath = path.resolve('test/fixtures/net/driver.mjs');

const unavailable = labUnavailable();
if (unavailable) {
  console.log(`skipped: ${unavailable}`);
  process.exit(1);
}

const pageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tincan-net-nat-page-'));
await buildNetFixture(pageDir);
const lab = await new NetLab().up(mode);

/** A browser with the connection-layer page inside one of the lab's hosts (test/fixtures/net/driver.mjs). */
async function startDevice(host, kind) {
  const child = spawn(
    'ip',
    ['netns', 'exec', lab.ns(host), 'setpriv', '--pdeathsig', 'TERM', 'unshare', '-m', 'sh', '-c',
      'mount --bind "$0" /etc/resolv.conf && exec "$@"', lab.resolv, process.execPath, driverPath],
    { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, TINCAN_NET_DRIVER: JSON.stringify({ kind, dir: pageDir }) } },
  );
  const pending = new Map();
  let nextId = 0;
  let ready;
  const isReady = new Promise((resolve) => (ready = resolve));
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    const message = JSON.parse(line);
    if (message.ready) return ready();
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error) waiter?.reject(new Error(`${host}: ${message.error}`));
    else waiter?.resolve(message.result);
  });
  await Promise.race([isReady, sleep(90_000).then(() => Promise.reject(new Error(`${host} (${kind}) did not start`)))]);
  const call = (name, ...args) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.stdin.write(`${JSON.stringify({ id, call: name, args })}\n`);
    });
  const quit = () =>
    new Promise((resolve) => {
      child.once('exit', resolve);
      child.stdin.write(`${JSON.stringify({ call: 'quit' })}\n`);
      setTimeout(() => child.kill('SIGTERM'), 10_000);
    });
  return { host, kind, call, quit };
}

async function waitConnected(devices, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(devices.map((d) => d.call('status')));
    if (states.every((s) => s.connectedAt) || states.some((s) => s.ended) || Date.now() > deadline) return states;
    await sleep(100);
  }
}

/** Inviter alice, contact on `contactHost`: one code, then the answer-code fallback if needed. */
async function oneCase(inviter, contact) {
  const contactFingerprint = await contact.call('certificate');
  await inviter.call('certificate');
  const code = await inviter.call('reconnect', contactFingerprint, { iceServers });
  await sleep(delayMs);
  const answerCode = await contact.call('answer', code, { iceServers });
  const opened = (await contact.call('status')).openedAt;
  let [a, b] = await waitConnected([inviter, contact], waitMs);
  if (a.connectedAt && b.connectedAt) {
    return `one code: connected ${Math.max(a.connectedAt, b.connectedAt) - opened} ms after opening (inviter pair ${a.path?.local}/${a.path?.remote})`;
  }
  const still = `one code: not connected ${waitMs / 1000} s after opening (inviter ${a.state}, contact ${b.state})`;
  if (a.ended || b.ended) return `${still}; ended: inviter ${a.ended?.code ?? '-'}, contact ${b.ended?.code ?? '-'}`;
  const pastedAt = await inviter.call('acceptAnswer', answerCode);
  [a, b] = await waitConnected([inviter, contact], 30_000);
  if (a.connectedAt && b.connectedAt) {
    return `${still}; answer code pasted: connected ${Math.max(a.connectedAt, b.connectedAt) - pastedAt} ms after the paste (inviter pair ${a.path?.local}/${a.path?.remote})`;
  }
  return `${still}; answer code pasted: still not connected 30 s later (inviter ${a.state} ${a.ended?.code ?? ''}, contact ${b.state} ${b.ended?.code ?? ''})`;
}

const servers = mode === 'sym' ? 'STUN + TURN' : 'STUN';
console.log(`NAT lab, mode ${mode} (${servers}), contact opens the code ${delayMs / 1000} s after it was made`);
let failures = 0;
try {
  for (const { inviter: inviterKind, contact: contactKind } of pairings) {
    for (const contactHost of ['carol', 'bob']) {
      const where = contactHost === 'carol' ? 'same LAN   ' : 'across NATs';
      let inviter;
      let contact;
      try {
        [inviter, contact] = await Promise.all([startDevice('alice', inviterKind), startDevice(contactHost, contactKind)]);
        console.log(`${inviterKind} -> ${contactKind}, ${where}: ${await oneCase(inviter, contact)}`);
      } catch (error) {
        failures++;
        console.log(`${inviterKind} -> ${contactKind}, ${where}: ERROR ${error.message}`);
      } finally {
        await Promise.all([inviter?.quit(), contact?.quit()]);
      }
    }
  }
} finally {
  await lab.down();
  fs.rmSync(pageDir, { recursive: true, force: true });
}
process.exit(failures ? 1 : 0);
