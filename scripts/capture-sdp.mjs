// Captures real data-channel SDPs from Chromium and Firefox into test/fixtures/sdp/ (the invite codec's fixtures).
//
//   bash scripts/in-netns.sh node scripts/capture-sdp.mjs
//
// Runs only inside the private namespace of scripts/in-netns.sh (it changes that namespace's network and
// refuses to run anywhere else). What it builds there, in stages:
//   1. as in-netns.sh: v0 = 10.99.3.1/24 -> host candidates (mDNS names, or raw IPv4 with the reveal flags);
//   2. + fd00:99::1/64 on v0 and an IPv6 default route -> IPv6 host candidates (raw or a second mDNS name);
//   3. + a child namespace ("the internet") running coturn on 198.51.100.1:3478, reached over veth t0/t1, with
//      the browsers' UDP source-NATed to 203.0.113.9 on the way out -> srflx candidates (203.0.113.9, raddr
//      10.99.3.1 when the browser reveals it) and TURN relay candidates (198.51.100.1, raddr 203.0.113.9).
// Answers are made the way the app makes them (docs/lab.md §3): the offer's a=setup:actpass is rewritten to
// a=setup:active before setRemoteDescription, so the answer says a=setup:passive.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from '../test/e2e/browsers.mjs';

if (process.env.TINCAN_IN_NETNS !== '1') {
  console.error('capture-sdp.mjs changes the network namespace it runs in: run it via bash scripts/in-netns.sh');
  process.exit(2);
}

const outDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'sdp');
fs.mkdirSync(outDir, { recursive: true });
const gatheringTimeoutMs = 8000;
const turnAddress = '198.51.100.1';
const natAddress = '203.0.113.9';

const sh = (cmd) => execFileSync('sh', ['-c', cmd], { stdio: ['ignore', 'pipe', 'inherit'] }).toString();

/** Runs in the page: an offer and the answer to it, each after ICE gathering completed (or a bound passed). */
async function offerAndAnswer(iceServers, gatheringTimeoutMs) {
  const gathered = (pc) => new Promise((resolve) => {
    const done = () => { if (pc.iceGatheringState === 'complete') resolve(); };
    pc.addEventListener('icegatheringstatechange', done);
    done();
    setTimeout(resolve, gatheringTimeoutMs);
  });
  const inviter = new RTCPeerConnection({ iceServers });
  inviter.createDataChannel('tincan');
  await inviter.setLocalDescription(await inviter.createOffer());
  await gathered(inviter);
  const offer = inviter.localDescription.sdp;
  const answerer = new RTCPeerConnection({ iceServers });
  await answerer.setRemoteDescription({ type: 'offer', sdp: offer.replaceAll('a=setup:actpass', 'a=setup:active') });
  await answerer.setLocalDescription(await answerer.createAnswer());
  await gathered(answerer);
  const answer = answerer.localDescription.sdp;
  inviter.close();
  answerer.close();
  return { offer, answer };
}

const revealChromium = { args: ['--disable-features=WebRtcHideLocalIpsWithMdns'] };
const revealFirefox = { prefs: { 'media.peerconnection.ice.obfuscate_host_addresses': false } };

async function capture(kind, options, iceServers, name, { answer = true } = {}) {
  const browser = await launchBrowser(kind, options);
  try {
    const page = await browser.newPage();
    const sdps = await page.evaluate(offerAndAnswer, iceServers, gatheringTimeoutMs);
    write(`${kind}-offer-${name}.sdp`, sdps.offer);
    if (answer) write(`${kind}-answer-${name}.sdp`, sdps.answer);
  } finally {
    await browser.close();
  }
}

function write(file, sdp) {
  fs.writeFileSync(path.join(outDir, file), sdp);
  const candidates = sdp.split(/\r?\n/).filter((line) => line.startsWith('a=candidate:'));
  console.log(`${file}: ${sdp.length} bytes, ${candidates.length} candidates`);
  for (const line of candidates) console.log(`    ${line}`);
}

// Stage 1: IPv4 only.
await capture('chromium', {}, [], 'mdns');
await capture('firefox', {}, [], 'mdns');
await capture('chromium', revealChromium, [], 'ipv4');
await capture('firefox', revealFirefox, [], 'ipv4');

// Stage 2: IPv6 as well (nodad: usable at once, no duplicate address detection wait).
sh('ip -6 addr add fd00:99::1/64 dev v0 nodad && ip -6 route add default dev v0');
await capture('chromium', {}, [], 'mdns-dual', { answer: false });
await capture('firefox', {}, [], 'mdns-dual', { answer: false });
await capture('chromium', revealChromium, [], 'ipv6', { answer: false });
await capture('firefox', revealFirefox, [], 'ipv6', { answer: false });
sh('ip -6 route del default dev v0 && ip -6 addr del fd00:99::1/64 dev v0');

// Stage 3: a STUN/TURN server behind a source NAT, in a child namespace.
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tincan-capture-'));
const internet = spawn('unshare', ['-n', 'sleep', '600'], { stdio: 'ignore' });
let turn;
try {
  await new Promise((resolve) => setTimeout(resolve, 200));
  const pid = internet.pid;
  const inChild = (cmd) => sh(`nsenter -t ${pid} -n sh -c '${cmd}'`);
  sh(`ip link add t0 type veth peer name t1 && ip link set t1 netns ${pid} && ` +
     `sysctl -qw net.ipv6.conf.t0.disable_ipv6=1 && ip link set t0 up && ` +
     `ip route add ${turnAddress}/32 dev t0 src 10.99.3.1 && ` +
     `iptables -t nat -A POSTROUTING -o t0 -p udp -j SNAT --to-source ${natAddress}`);
  const t0Mac = sh('ip -o link show t0').match(/link\/ether ([0-9a-f:]{17})/)?.[1];
  inChild(`ip link set lo up && ip addr add ${turnAddress}/24 dev t1 && ip link set t1 up && ` +
          `ip route add default dev t1 && ip neigh add ${natAddress} lladdr ${t0Mac} dev t1`);
  fs.writeFileSync(path.join(scratch, 'turnserver.conf'), [
    `listening-ip=${turnAddress}`, `relay-ip=${turnAddress}`, 'listening-port=3478', 'min-port=49152',
    'max-port=49999', 'fingerprint', 'lt-cred-mech', 'user=labuser:labpass', 'realm=lab.test',
    `userdb=${scratch}/turndb`, 'no-tls', 'no-dtls', 'no-cli', 'no-software-attribute',
    `log-file=${scratch}/turn.log`, 'simple-log', `pidfile=${scratch}/coturn.pid`, '',
  ].join('\n'));
  turn = spawn('nsenter', ['-t', String(pid), '-n', 'turnserver', '-c', `${scratch}/turnserver.conf`], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const stun = [{ urls: `stun:${turnAddress}:3478` }];
  const turnOnly = [{ urls: `turn:${turnAddress}:3478?transport=udp`, username: 'labuser', credential: 'labpass' }];
  await capture('chromium', {}, stun, 'srflx', { answer: false });
  await capture('firefox', {}, stun, 'srflx', { answer: false });
  await capture('chromium', revealChromium, stun, 'srflx-ipv4', { answer: false });
  await capture('firefox', revealFirefox, stun, 'srflx-ipv4', { answer: false });
  await capture('chromium', {}, turnOnly, 'relay', { answer: false });
  await capture('firefox', {}, turnOnly, 'relay', { answer: false });
} finally {
  turn?.kill();
  internet.kill();
  fs.rmSync(scratch, { recursive: true, force: true });
}
