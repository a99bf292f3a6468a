import { expect } from '@esm-bundle/chai';
import { addressProblem, formatIPv6, parseIPv6 } from '../../../src/invite/address';
import {
  applyIceCredentials,
  buildSdp,
  candidateProblem,
  deriveIceCredentials,
  extractFields,
  iceCredentialsProblem,
  type SessionFields,
} from '../../../src/invite/sdp';
import { expectTincanError, loadSdp, offerFixtures } from './fixtures';

/** The fingerprint bytes as written in the SDP's a=fingerprint line, read independently of extractFields. */
function fingerprintInText(sdp: string): number[] {
  const hex = /a=fingerprint:sha-256 ([0-9A-F:]+)/.exec(sdp)![1]!;
  return hex.split(':').map((pair) => parseInt(pair, 16));
}

const udpCandidateLines = (sdp: string) => sdp.split('\r\n').filter((line) => / udp /i.test(line) && line.startsWith('a=candidate:'));

describe('extractFields', () => {
  it('reads the fingerprint from the m-section in Chromium and from the session in Firefox', async () => {
    const chromium = await loadSdp('chromium-offer-mdns');
    const firefox = await loadSdp('firefox-offer-mdns');
    expect(chromium.indexOf('a=fingerprint')).to.be.greaterThan(chromium.indexOf('m=application'));
    expect(firefox.indexOf('a=fingerprint')).to.be.lessThan(firefox.indexOf('m=application'));
    expect(Array.from(extractFields(chromium).fingerprint)).to.deep.equal(fingerprintInText(chromium));
    expect(Array.from(extractFields(firefox).fingerprint)).to.deep.equal(fingerprintInText(firefox));
  });

  it("keeps Firefox's UDP mDNS candidate and drops its TCP port-9 one", async () => {
    const sdp = await loadSdp('firefox-offer-mdns');
    expect(sdp).to.match(/ TCP \d+ \S+ 9 typ host tcptype active/);
    const [line] = udpCandidateLines(sdp);
    const [, , , , name, port] = line!.split(' ');
    expect(extractFields(sdp).candidates).to.deep.equal([{ type: 'host', address: name, port: Number(port) }]);
    expect(name).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.local$/);
  });

  it('keeps a srflx related address only when the browser revealed it', async () => {
    const hidden = extractFields(await loadSdp('chromium-offer-srflx')).candidates;
    expect(hidden[1]).to.deep.equal({ type: 'srflx', address: '203.0.113.9', port: hidden[1]!.port });
    const shown = extractFields(await loadSdp('firefox-offer-srflx-ipv4')).candidates;
    expect(shown[1]).to.deep.equal({
      type: 'srflx', address: '203.0.113.9', port: shown[0]!.port, relatedAddress: '10.99.3.1', relatedPort: shown[0]!.port,
    });
  });

  it('keeps relay candidates with their mapped address', async () => {
    const candidates = extractFields(await loadSdp('chromium-offer-relay')).candidates;
    const relay = candidates.find((candidate) => candidate.type === 'relay')!;
    expect(relay.address).to.equal('198.51.100.1');
    expect(relay.relatedAddress).to.equal('203.0.113.9');
    expect(candidates.map((candidate) => candidate.type)).to.deep.equal(['srflx', 'host', 'relay']);
  });

  it('writes IPv6 addresses in RFC 5952 form', async () => {
    const candidates = extractFields(await loadSdp('chromium-offer-ipv6')).candidates;
    expect(candidates.map((candidate) => candidate.address)).to.deep.equal(['10.99.3.1', 'fd00:99::1']);
    const sdp = (await loadSdp('chromium-offer-ipv6')).replace('fd00:99::1', 'FD00:0099:0:0:0:0:0:0001');
    expect(extractFields(sdp).candidates[1]!.address).to.equal('fd00:99::1');
    const canonical = (text: string) => formatIPv6(parseIPv6(text)!);
    expect(canonical('2001:db8:0:0:1:0:0:1')).to.equal('2001:db8::1:0:0:1');
    expect(canonical('2001:0db8:0000:0001:0001:0001:0001:0001')).to.equal('2001:db8:0:1:1:1:1:1');
    expect(canonical('::ffff:10.0.0.1')).to.equal('::ffff:a00:1');
    expect(canonical('::')).to.equal('::');
  });

  it('lists a candidate that appears twice once', async () => {
    const sdp = await loadSdp('chromium-offer-ipv4');
    const line = udpCandidateLines(sdp)[0]!;
    const doubled = sdp.replace(line, `${line}\r\n${line.replace(/^a=candidate:\d+/, 'a=candidate:7')}`);
    expect(extractFields(doubled).candidates).to.have.length(1);
  });

  it('reports the browser’s own ICE credentials, and none once they are the derived ones', async () => {
    const sdp = await loadSdp('firefox-offer-ipv4');
    const fields = extractFields(sdp);
    expect(fields.ice).to.deep.equal({ ufrag: /a=ice-ufrag:(\S+)/.exec(sdp)![1], pwd: /a=ice-pwd:(\S+)/.exec(sdp)![1] });
    const munged = applyIceCredentials(sdp, deriveIceCredentials(fields.fingerprint));
    expect(extractFields(munged)).to.deep.equal({ fingerprint: fields.fingerprint, candidates: fields.candidates });
  });

  it('refuses SDPs no code can describe with SDP_UNSUPPORTED', async () => {
    const sdp = await loadSdp('chromium-offer-mdns');
    expectTincanError(() => extractFields(sdp.replace(/a=fingerprint:[^\r]*\r\n/, '')), 'SDP_UNSUPPORTED');
    expectTincanError(() => extractFields(sdp.replace('a=fingerprint:sha-256', 'a=fingerprint:sha-1')), 'SDP_UNSUPPORTED');
    expectTincanError(() => extractFields(`${sdp}m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n`), 'SDP_UNSUPPORTED');
    expectTincanError(() => extractFields('hello'), 'SDP_UNSUPPORTED');
  });

  it('refuses ICE credentials shorter than ICE allows (ufrag 4, pwd 22) with SDP_UNSUPPORTED', async () => {
    const sdp = await loadSdp('chromium-offer-ipv4');
    expect(extractFields(applyIceCredentials(sdp, { ufrag: 'abcd', pwd: 'a'.repeat(22) })).ice).to.deep.equal({ ufrag: 'abcd', pwd: 'a'.repeat(22) });
    expectTincanError(() => extractFields(applyIceCredentials(sdp, { ufrag: 'abc', pwd: 'a'.repeat(22) })), 'SDP_UNSUPPORTED');
    expectTincanError(() => extractFields(applyIceCredentials(sdp, { ufrag: 'abcd', pwd: 'a'.repeat(21) })), 'SDP_UNSUPPORTED');
  });

  it('NO_LOCAL_ADDRESS when no usable candidate is left, unless allowNoCandidates', async () => {
    const sdp = await loadSdp('chromium-offer-mdns');
    expectTincanError(() => extractFields(sdp.replace(/a=candidate:[^\r]*\r\n/, '')), 'NO_LOCAL_ADDRESS');
    expectTincanError(() => extractFields(sdp.replace(/ \S+\.local /, ' printer.local ')), 'NO_LOCAL_ADDRESS');
    expect(extractFields(sdp.replace(/a=candidate:[^\r]*\r\n/, ''), { allowNoCandidates: true }).candidates).to.deep.equal([]);
  });

  it('loses only the candidate whose .local name is not a v4 UUID: the srflx beside it stays', async () => {
    const sdp = await loadSdp('chromium-offer-srflx');
    const srflx = extractFields(sdp).candidates.filter((candidate) => candidate.type === 'srflx');
    expect(srflx).to.have.length(1);
    for (const odd of ['printer.local', 'c232ab00-9414-11ec-b3c8-9f6bdeced846.local', 'not a name']) {
      const fields = extractFields(sdp.replace(/ \S+\.local /, ` ${odd} `));
      expect(fields.candidates, odd).to.deep.equal(srflx);
    }
  });

  it('leaves out candidates no peer can use or no code can hold, and keeps the rest in order', async () => {
    const sdp = await loadSdp('chromium-offer-ipv4');
    const line = udpCandidateLines(sdp)[0]!;
    const kept = extractFields(sdp).candidates;
    const variant = (address: string, port = 50000, type = 'host') =>
      line.replace(/ \S+ \d+ typ \w+/, ` ${address} ${port} typ ${type}`);
    const extra = [
      variant('0.0.0.0'), variant('::'), variant('127.0.0.1'), variant('::1'), variant('224.0.0.251'),
      variant('ff02::fb'), variant('255.255.255.255'), variant('240.0.0.1'), variant('10.0.0.9', 0),
      variant('10.0.0.9', 70000), variant('10.0.0.9', 5000, 'weird'), variant('host.example.org'),
    ];
    const withExtra = sdp.replace(line, [...extra, line].join('\r\n'));
    expect(extractFields(withExtra).candidates).to.deep.equal(kept);
  });

  it('keeps a candidate whose related address is odd, without that related address', async () => {
    const sdp = await loadSdp('firefox-offer-srflx-ipv4');
    const fields = extractFields(sdp);
    const odd = extractFields(sdp.replace(/raddr \S+/, 'raddr printer.local')).candidates;
    expect(odd).to.have.length(fields.candidates.length);
    const { relatedAddress: _address, relatedPort: _port, ...bare } = fields.candidates[1]!;
    expect(odd[1]).to.deep.equal(bare);
  });
});

describe('addresses and candidates no peer can use', () => {
  it('names unspecified, loopback, multicast, broadcast and reserved addresses, and nothing else', () => {
    const table: [string, ReturnType<typeof addressProblem>][] = [
      ['0.0.0.0', 'unspecified'], ['::', 'unspecified'],
      ['127.0.0.1', 'loopback'], ['127.255.0.9', 'loopback'], ['::1', 'loopback'], ['::ffff:7f00:1', 'loopback'],
      ['224.0.0.251', 'multicast'], ['239.255.255.250', 'multicast'], ['ff02::fb', 'multicast'], ['ff0e::1', 'multicast'],
      ['255.255.255.255', 'broadcast'], ['::ffff:ffff:ffff', 'broadcast'],
      ['0.1.2.3', 'reserved'], ['240.0.0.1', 'reserved'], ['255.255.255.254', 'reserved'], ['::a00:1', 'reserved'],
      ['::ffff:0:0', 'unspecified'],
      // LANs, link-local, CGNAT, the documentation ranges the fixtures and the lab use, global IPv6, mDNS names
      ['10.99.3.1', undefined], ['192.168.1.20', undefined], ['169.254.1.1', undefined], ['100.64.0.1', undefined],
      ['203.0.113.9', undefined], ['198.51.100.1', undefined], ['223.255.255.255', undefined], ['1.0.0.0', undefined],
      ['fd00:99::1', undefined], ['fe80::1', undefined], ['2001:db8::1', undefined], ['::ffff:a00:1', undefined],
      ['::1:0:0:1', undefined], ['ec927985-38c3-4d77-b5d4-cd3553d65132.local', undefined],
    ];
    for (const [address, problem] of table) expect(addressProblem(address), address).to.equal(problem);
  });

  it('judges a candidate by its port and its own address, not its related address', () => {
    expect(candidateProblem({ type: 'host', address: '10.0.0.1', port: 0 })).to.equal('port-zero');
    expect(candidateProblem({ type: 'host', address: '127.0.0.1', port: 1 })).to.equal('loopback');
    expect(candidateProblem({ type: 'srflx', address: '203.0.113.9', port: 1, relatedAddress: '0.0.0.0', relatedPort: 0 }))
      .to.equal(undefined);
  });

  it('names ICE credentials outside RFC 8839’s lengths or characters', () => {
    expect(iceCredentialsProblem({ ufrag: 'abcd', pwd: 'a'.repeat(22) })).to.equal(undefined);
    expect(iceCredentialsProblem({ ufrag: 'a'.repeat(256), pwd: 'a'.repeat(256) })).to.equal(undefined);
    expect(iceCredentialsProblem({ ufrag: 'abc', pwd: 'a'.repeat(22) })).to.equal('ufrag-length');
    expect(iceCredentialsProblem({ ufrag: 'a'.repeat(257), pwd: 'a'.repeat(22) })).to.equal('ufrag-length');
    expect(iceCredentialsProblem({ ufrag: 'abcd', pwd: 'a'.repeat(21) })).to.equal('pwd-length');
    expect(iceCredentialsProblem({ ufrag: 'ab-d', pwd: 'a'.repeat(22) })).to.equal('characters');
  });
});

describe('ICE credentials derived from the fingerprint', () => {
  it('are base64 of fingerprint bytes 0-2 (ufrag) and 3-20 (pwd)', () => {
    const fingerprint = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
    const credentials = deriveIceCredentials(fingerprint);
    expect(credentials.ufrag).to.equal(btoa(String.fromCharCode(...fingerprint.subarray(0, 3))));
    expect(credentials.pwd).to.equal(btoa(String.fromCharCode(...fingerprint.subarray(3, 21))));
    expect(credentials.ufrag).to.have.length(4);
    expect(credentials.pwd).to.have.length(24);
  });

  it('replace every ufrag and pwd line and keep CRLF line endings', async () => {
    const sdp = await loadSdp('chromium-offer-relay');
    const munged = applyIceCredentials(sdp, { ufrag: 'abcd', pwd: 'abcdefghijklmnopqrstuv+/' });
    expect(munged.split('\r\n')).to.have.length(sdp.split('\r\n').length);
    expect(munged.match(/^a=ice-ufrag:.*$/gm)).to.deep.equal(['a=ice-ufrag:abcd']);
    expect(munged.match(/^a=ice-pwd:.*$/gm)).to.deep.equal(['a=ice-pwd:abcdefghijklmnopqrstuv+/']);
    expect(munged).to.contain('\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv+/\r\n');
  });
});

describe('buildSdp', () => {
  const fields: SessionFields = {
    fingerprint: Uint8Array.from({ length: 32 }, (_, i) => 255 - i),
    candidates: [
      { type: 'host', address: '10.0.0.2', port: 50000 },
      { type: 'srflx', address: '203.0.113.9', port: 50001, relatedAddress: '10.0.0.2', relatedPort: 50000 },
      { type: 'srflx', address: '2001:db8::9', port: 50002 },
    ],
  };

  it('writes the RFC 8445 priorities, the related addresses and the setup it is given', () => {
    const sdp = buildSdp(fields, { type: 'offer', setup: 'active' });
    const candidates = sdp.split('\r\n').filter((line) => line.startsWith('a=candidate:'));
    expect(candidates).to.deep.equal([
      'a=candidate:1 1 udp 2130706431 10.0.0.2 50000 typ host',
      'a=candidate:2 1 udp 1694498559 203.0.113.9 50001 typ srflx raddr 10.0.0.2 rport 50000',
      'a=candidate:3 1 udp 1694498303 2001:db8::9 50002 typ srflx raddr :: rport 0',
    ]);
    expect(sdp).to.contain('\r\na=setup:active\r\n');
    expect(sdp).to.contain('\r\na=fingerprint:sha-256 FF:FE:FD:FC:');
    expect(sdp).to.contain(`\r\na=ice-ufrag:${deriveIceCredentials(fields.fingerprint).ufrag}\r\n`);
    expect(sdp).not.to.contain('max-message-size');
    expect(sdp.endsWith('a=end-of-candidates\r\n')).to.equal(true);
  });

  it('gives back the same fields when its SDP is read again, for every fixture', async () => {
    for (const name of offerFixtures) {
      const original = extractFields(await loadSdp(name));
      expect(extractFields(buildSdp(original, { type: 'offer', setup: 'actpass' })), name).to.deep.equal(original);
    }
  });
});
