// Lab: what keeps a Firefox one-code inviter's ICE alive until the contact opens the code? (docs/one-code-reconnect.md)
// Raw RTCPeerConnections, no Tincan code, so each variant is exactly what it says.
//
//   bash scripts/in-netns.sh node bench/one-code-firefox-variants.mjs
//     env VARIANT = baseline | eoc | loopback | testnet | testnet6 | mdns | self | restart   (default baseline)
//         DELAY_S = seconds before the contact opens the code (default 10)
//         KEEP_MS = a new placeholder candidate every KEEP_MS (default 2000; 0 = one only)
//         A, B    = chromium | firefox: the inviter (default firefox) and the contact (default chromium)
//
// Variants: baseline = the synthesized answer alone; eoc = with a=end-of-candidates; placeholders added with
// addIceCandidate: loopback 127.0.0.1, testnet 192.0.2.x (RFC 5737 TEST-NET-1), testnet6 2001:db8:: (RFC 3849),
// mdns a random <uuid>.local, self the inviter's own mDNS name; restart = an ICE restart with the same derived
// credentials once ICE failed. Prints both sides' state logs (ms since setup) and whether B's message arrived.
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const puppeteer = createRequire(join(process.cwd(), 'package.json'))('puppeteer-core');
async function server() {
  const srv = createServer((q, r) => r.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>lab</title>'));
  await new Promise((ok) => srv.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${srv.address().port}/`, close: () => srv.close() };
}
const flags = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
async function launch(ff, dir) {
  const userDataDir = dir ?? mkdtempSync(join(tmpdir(), 'exp-'));
  if (ff) return puppeteer.launch({ browser: 'firefox', executablePath: '/usr/bin/firefox-esr', headless: true, userDataDir });
  return puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true, userDataDir, args: flags, pipe: true });
}
const DELAY_S = Number(process.env.DELAY_S || 10);
const VARIANT = process.env.VARIANT || 'baseline';
const A_FF = (process.env.A || 'firefox') === 'firefox';
const B_FF = (process.env.B || 'chromium') === 'firefox';
const s = await server();
const bA = await launch(A_FF), bB = await launch(B_FF);
const A = (await bA.pages())[0] ?? await bA.newPage(), B = (await bB.pages())[0] ?? await bB.newPage();
await A.goto(s.url); await B.goto(s.url);
const helpers = () => {
  window.derive = (fp) => { const h = fp.replace(/:/g, '').toLowerCase(); return { ufrag: 'u' + h.slice(0, 6), pwd: h.slice(6, 30) }; };
  window.munge = (sdp, c) => sdp.replace(/^a=ice-ufrag:.*$/gm, 'a=ice-ufrag:' + c.ufrag).replace(/^a=ice-pwd:.*$/gm, 'a=ice-pwd:' + c.pwd);
  window.mkCert = async () => { window.cert = await RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' });
    return window.cert.getFingerprints().find((f) => f.algorithm === 'sha-256').value.toUpperCase(); };
  window.log = []; window.t0 = performance.now();
  window.L = (...x) => log.push([...x, Math.round(performance.now() - t0)]);
};
await A.evaluate(helpers); await B.evaluate(helpers);
const fpA = await A.evaluate(() => mkCert()), fpB = await B.evaluate(() => mkCert());
const offer = await A.evaluate(async (fpB, VARIANT, KEEP_MS) => {
  const pc = window.pc = new RTCPeerConnection({ certificates: [cert] });
  pc.oniceconnectionstatechange = () => L('ice', pc.iceConnectionState);
  pc.onconnectionstatechange = () => L('conn', pc.connectionState);
  const dc = window.dc = pc.createDataChannel('chat', { negotiated: true, id: 0 });
  dc.onopen = () => L('open'); dc.onmessage = (e) => L('msg', e.data);
  const fp = cert.getFingerprints().find((f) => f.algorithm === 'sha-256').value.toUpperCase();
  const o = await pc.createOffer();
  await pc.setLocalDescription({ type: 'offer', sdp: munge(o.sdp, derive(fp)) });
  await new Promise((ok) => { if (pc.iceGatheringState === 'complete') ok(); pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && ok(); setTimeout(ok, 3000); });
  const local = pc.localDescription.sdp;
  const mid = (local.match(/^a=mid:(.*)$/m) || [])[1] || '0';
  const c = derive(fpB);
  window.answerSdp = ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE ' + mid, 'a=msid-semantic: WMS',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'c=IN IP4 0.0.0.0', 'a=ice-ufrag:' + c.ufrag, 'a=ice-pwd:' + c.pwd,
    'a=fingerprint:sha-256 ' + fpB, 'a=setup:passive', 'a=mid:' + mid, 'a=sctp-port:5000', 'a=max-message-size:262144',
    ...(VARIANT === 'eoc' ? ['a=end-of-candidates'] : []), ''].join('\r\n');
  window.ufragB = c.ufrag;
  await pc.setRemoteDescription({ type: 'answer', sdp: answerSdp });
  L('answer set');
  let n = 0;
  const placeholder = (i) => {
    if (VARIANT === 'testnet') return `candidate:9${i} 1 udp 1 192.0.2.${1 + (i % 250)} ${9 + i} typ host`;
    if (VARIANT === 'loopback') return `candidate:9${i} 1 udp 1 127.0.0.1 ${9 + i} typ host`;
    if (VARIANT === 'mdns') return `candidate:9${i} 1 udp 1 ${crypto.randomUUID()}.local ${9 + i} typ host`;
    if (VARIANT === 'self') return `candidate:9${i} 1 udp 1 ${window.ownHost} ${9 + i} typ host`;
    if (VARIANT === 'testnet6') return `candidate:9${i} 1 udp 1 2001:db8::${(1 + i).toString(16)} ${9 + i} typ host`;
    return null;
  };
  const add = async () => {
    const cand = placeholder(n++);
    if (!cand) return;
    try { await pc.addIceCandidate({ candidate: cand, sdpMid: mid, sdpMLineIndex: 0, usernameFragment: ufragB }); L('added', n); } catch (e) { L('add err', e.name, e.message); }
  };
  window.ownHost = (local.match(/^a=candidate:\S+ 1 udp \d+ (\S+) \d+ typ host/m) || [])[1];
  if (['testnet', 'loopback', 'mdns', 'self', 'testnet6'].includes(VARIANT)) { await add(); if (KEEP_MS > 0) window.keep = setInterval(add, KEEP_MS); }
  if (VARIANT === 'restart') {
    pc.addEventListener('iceconnectionstatechange', async () => {
      if (pc.iceConnectionState !== 'failed' || window.restarting) return;
      window.restarting = true;
      try {
        const o2 = await pc.createOffer({ iceRestart: true });
        await pc.setLocalDescription({ type: 'offer', sdp: munge(o2.sdp, derive(fp)) });
        await pc.setRemoteDescription({ type: 'answer', sdp: answerSdp });
        L('restarted');
      } catch (e) { L('restart err', e.name, e.message); }
      window.restarting = false;
    });
  }
  return local;
}, fpB, VARIANT, Number(process.env.KEEP_MS ?? 2000));
console.log('offer candidates:', offer.split('\n').filter((l) => l.startsWith('a=candidate')).map((c) => c.split(' ').slice(4, 8).join(' ')).join(' | '));
await new Promise((ok) => setTimeout(ok, DELAY_S * 1000));
const tOpen = Date.now();
await B.evaluate(async (offer) => {
  const pc = window.pc = new RTCPeerConnection({ certificates: [cert] });
  pc.oniceconnectionstatechange = () => L('ice', pc.iceConnectionState);
  const dc = window.dc = pc.createDataChannel('chat', { negotiated: true, id: 0 });
  dc.onopen = () => { L('open'); dc.send('hello from B'); }; dc.onmessage = (e) => L('msg', e.data);
  await pc.setRemoteDescription({ type: 'offer', sdp: offer.replace(/a=setup:actpass/g, 'a=setup:active') });
  const a = await pc.createAnswer();
  const fp = cert.getFingerprints().find((f) => f.algorithm === 'sha-256').value.toUpperCase();
  await pc.setLocalDescription({ type: 'answer', sdp: munge(a.sdp, derive(fp)) });
}, offer);
let ok = false;
for (let i = 0; i < 40 && !ok; i++) { await new Promise((r) => setTimeout(r, 250)); ok = await A.evaluate(() => log.some((l) => l[0] === 'msg')); }
const took = Date.now() - tOpen;
const la = await A.evaluate(() => log.filter((l) => l[0] !== 'added')), lb = await B.evaluate(() => log);
const added = await A.evaluate(() => log.filter((l) => l[0] === 'added').length);
console.log('A log', JSON.stringify(la), 'placeholders added', added); console.log('B log', JSON.stringify(lb));
console.log(`${VARIANT} A=${A_FF ? 'ff' : 'cr'} B=${B_FF ? 'ff' : 'cr'} delay ${DELAY_S}s: ${ok ? `OPEN ${took} ms after B opened` : 'FAIL'}`);
await bA.close(); await bB.close(); s.close();
process.exit(0);
