// ICE server settings: what a person may type, what the browsers' own parser makes of it, the settings form,
// the connection path and the explanation of a failed connection.
import { expect } from '@esm-bundle/chai';
import { isTincanError, type ErrorCode } from '../../../src/errors';
import {
  defaultIceServers,
  describeCandidatePath,
  explainIceFailure,
  formFromIceServers,
  parseIceServers,
  parseIceServerUrl,
  parseIceSettingsForm,
  toRtcIceServers,
  type IceSettingsForm,
} from '../../../src/net/ice-servers';

const urlOf = (text: string, defaultKind?: 'stun' | 'turn') => {
  const parsed = parseIceServerUrl(text, { defaultKind });
  return parsed.ok ? parsed.value.url : parsed.code;
};

/** Whether this browser's RTCPeerConnection takes the server (TURN gets credentials, as the form requires). */
function browserAccepts(url: string): boolean {
  const server: RTCIceServer = /^turns?:/i.test(url) ? { urls: url, username: 'u', credential: 'p' } : { urls: url };
  try {
    new RTCPeerConnection({ iceServers: [server] }).close();
    return true;
  } catch {
    return false;
  }
}

const accepted = [
  ['stun:stun.example.org', 'stun:stun.example.org'],
  ['stun:stun.l.google.com:19302', 'stun:stun.l.google.com:19302'],
  ['STUN:Stun.Example.ORG:3478', 'stun:stun.example.org:3478'],
  ['stuns:stun.example.org:5349', 'stuns:stun.example.org:5349'],
  ['  stun:10.99.0.1:3478 ', 'stun:10.99.0.1:3478'],
  ['stun:[2001:db8::1]:3478', 'stun:[2001:db8::1]:3478'],
  ['stun:[::ffff:10.0.0.1]', 'stun:[::ffff:10.0.0.1]'],
  ['turn:turn.example.org', 'turn:turn.example.org'],
  ['turn:turn.example.org:3478?transport=udp', 'turn:turn.example.org:3478?transport=udp'],
  ['turn:turn.example.org:443?transport=TCP', 'turn:turn.example.org:443?transport=tcp'],
  ['turns:turn.example.org:443?transport=tcp', 'turns:turn.example.org:443?transport=tcp'],
  ['turn:[2001:db8::2]:3478', 'turn:[2001:db8::2]:3478'],
  ['stun:my_host.example.', 'stun:my_host.example.'],
  ['stun:localhost:1', 'stun:localhost:1'],
  ['stun:a.example:65535', 'stun:a.example:65535'],
  // written as URLs out of habit: both browsers refuse these, we rewrite them
  ['stun://stun.example.org:3478', 'stun:stun.example.org:3478'],
  ['turn://turn.example.org/', 'turn:turn.example.org'],
] as const;

const refused: readonly [string, ErrorCode][] = [
  ['', 'ICE_URL_MISSING'],
  ['   ', 'ICE_URL_MISSING'],
  ['stun.example.org', 'ICE_URL_SCHEME'],
  ['http://stun.example.org', 'ICE_URL_SCHEME'],
  ['stunn:stun.example.org', 'ICE_URL_SCHEME'],
  ['stun:', 'ICE_URL_HOST'],
  ['stun:stun example.org', 'ICE_URL_HOST'],
  ['stun:a..example', 'ICE_URL_HOST'],
  ['stun:1.2.3.999', 'ICE_URL_HOST'],
  ['stun:::1', 'ICE_URL_HOST'],
  ['stun:2001:db8::1', 'ICE_URL_HOST'],
  ['stun:[2001:db8::zz]', 'ICE_URL_HOST'],
  ['stun:[10.0.0.1]', 'ICE_URL_HOST'],
  ['stun:[::1]x', 'ICE_URL_HOST'],
  ['stun:a.example/path', 'ICE_URL_HOST'],
  ['stun:a.example#x', 'ICE_URL_HOST'],
  ['stun:user@a.example', 'ICE_URL_USERINFO'],
  ['turn:user:pass@a.example', 'ICE_URL_USERINFO'],
  ['stun:a.example:0', 'ICE_URL_PORT'],
  ['stun:a.example:65536', 'ICE_URL_PORT'],
  ['stun:a.example:', 'ICE_URL_PORT'],
  ['stun:a.example:34x', 'ICE_URL_PORT'],
  ['stun:a.example:-1', 'ICE_URL_PORT'],
  ['stun:a.example?transport=udp', 'ICE_URL_TRANSPORT'],
  ['turn:a.example?transport=tls', 'ICE_URL_TRANSPORT'],
  ['turn:a.example?transport=', 'ICE_URL_TRANSPORT'],
  ['turn:a.example?foo=bar', 'ICE_URL_TRANSPORT'],
];

describe('parseIceServerUrl', () => {
  it('accepts RFC 7064/7065 addresses and writes them canonically', () => {
    for (const [typed, canonical] of accepted) expect(urlOf(typed), typed).to.equal(canonical);
  });

  it('names what is wrong with the rest', () => {
    for (const [typed, code] of refused) expect(urlOf(typed), typed).to.equal(code);
  });

  it('takes a missing scheme from the box it was typed in, and refuses the other kind there', () => {
    expect(urlOf('stun.example.org', 'stun')).to.equal('stun:stun.example.org');
    expect(urlOf('stun.example.org:19302', 'stun')).to.equal('stun:stun.example.org:19302');
    expect(urlOf('10.99.0.1:3478', 'turn')).to.equal('turn:10.99.0.1:3478');
    expect(urlOf('[2001:db8::1]:3478', 'stun')).to.equal('stun:[2001:db8::1]:3478');
    expect(urlOf('turn:turn.example.org', 'stun')).to.equal('ICE_URL_WRONG_BOX');
    expect(urlOf('stuns:stun.example.org', 'turn')).to.equal('ICE_URL_WRONG_BOX');
    expect(urlOf('http://stun.example.org', 'stun')).to.equal('ICE_URL_SCHEME');
    expect(urlOf('web:stun.example.org', 'stun')).to.equal('ICE_URL_SCHEME');
  });

  it('returns only addresses the real RTCPeerConnection takes, and refuses what it refuses', () => {
    for (const [, canonical] of accepted) expect(browserAccepts(canonical), canonical).to.equal(true);
    // Chromium takes any of these as a host name to look up (which then fails); we hold hosts to the grammar.
    // Firefox refuses 1.2.3.999 as well.
    const laxInChromium = refused.map(([typed]) => typed).filter(browserAccepts);
    expect(laxInChromium).to.deep.equal(['stun:a..example', 'stun:1.2.3.999', 'stun:[2001:db8::zz]', 'stun:[10.0.0.1]', 'stun:[::1]x']);
  });
});

describe('parseIceServers and toRtcIceServers', () => {
  it('requires a username and a password for TURN, and neither for STUN', () => {
    const { servers, problems } = parseIceServers([
      { urls: 'stun:a.example' },
      { urls: 'turn:b.example', username: ' user ', credential: ' pass word ' },
      { urls: 'turn:c.example', username: 'user' },
      { urls: 'turn:d.example', credential: 'pass' },
      { urls: 'stun:e.example', username: 'user', credential: 'pass' },
      { urls: 'stun:f.example', credential: 'pass' },
      { urls: '', username: '', credential: '' }, // a blank row: skipped
      { urls: '', username: 'user' },
    ]);
    expect(servers).to.deep.equal([
      { urls: 'stun:a.example' },
      { urls: 'turn:b.example', username: 'user', credential: ' pass word ' },
    ]);
    expect(problems).to.deep.equal([
      { index: 2, field: 'credential', code: 'ICE_TURN_CREDENTIALS' },
      { index: 3, field: 'username', code: 'ICE_TURN_CREDENTIALS' },
      { index: 4, field: 'username', code: 'ICE_STUN_CREDENTIALS' },
      { index: 5, field: 'credential', code: 'ICE_STUN_CREDENTIALS' },
      { index: 7, field: 'urls', code: 'ICE_URL_MISSING' },
    ]);
  });

  it('gives RTCIceServer objects, or throws the first problem as a TincanError', () => {
    expect(toRtcIceServers([{ urls: 'STUN://A.example:3478' }, { urls: 'turn:b.example', username: 'u', credential: 'p' }])).to.deep.equal([
      { urls: 'stun:a.example:3478' },
      { urls: 'turn:b.example', username: 'u', credential: 'p' },
    ]);
    expect(toRtcIceServers([])).to.deep.equal([]);
    try {
      toRtcIceServers([{ urls: 'stun:a.example' }, { urls: 'turn:b.example' }]);
      expect.fail('should throw');
    } catch (error) {
      expect(isTincanError(error, 'ICE_TURN_CREDENTIALS')).to.equal(true);
    }
  });

  it('defaults to no server at all', () => {
    expect(defaultIceServers).to.deep.equal([]);
  });
});

describe('the settings form', () => {
  const form = (patch: Partial<IceSettingsForm>): IceSettingsForm => ({ preset: 'none', stun: '', turn: '', username: '', password: '', ...patch });

  it('shows saved servers as a preset and boxes, and reads them back', () => {
    const saved: RTCIceServer[] = [
      { urls: 'stun:10.99.0.1:3478' },
      { urls: 'turn:10.99.0.1:3478?transport=udp', username: 'labuser', credential: 'labpass' },
      { urls: 'turn:10.99.0.1:3478?transport=tcp', username: 'labuser', credential: 'labpass' },
    ];
    const shown = formFromIceServers(saved);
    expect(shown).to.deep.equal({
      preset: 'stun-turn',
      stun: 'stun:10.99.0.1:3478',
      turn: 'turn:10.99.0.1:3478?transport=udp, turn:10.99.0.1:3478?transport=tcp',
      username: 'labuser',
      password: 'labpass',
    });
    expect(parseIceSettingsForm(shown)).to.deep.equal({ servers: saved, problems: {} });
    expect(formFromIceServers([])).to.deep.equal(form({}));
    expect(formFromIceServers([{ urls: ['stun:a.example', 'stun:b.example'] }])).to.deep.equal(form({ preset: 'stun', stun: 'stun:a.example, stun:b.example' }));
  });

  it('ignores the boxes of presets that do not use them', () => {
    expect(parseIceSettingsForm(form({ preset: 'none', stun: 'nonsense' }))).to.deep.equal({ servers: [], problems: {} });
    expect(parseIceSettingsForm(form({ preset: 'stun', stun: 'stun.example.org', turn: 'x', username: 'y' }))).to.deep.equal({
      servers: [{ urls: 'stun:stun.example.org' }],
      problems: {},
    });
  });

  it('puts each problem on its box', () => {
    expect(parseIceSettingsForm(form({ preset: 'stun' })).problems).to.deep.equal({ stun: 'ICE_URL_MISSING' });
    expect(parseIceSettingsForm(form({ preset: 'stun', stun: 'turn:a.example' })).problems).to.deep.equal({ stun: 'ICE_URL_WRONG_BOX' });
    expect(parseIceSettingsForm(form({ preset: 'stun-turn' })).problems).to.deep.equal({ turn: 'ICE_URL_MISSING' });
    expect(parseIceSettingsForm(form({ preset: 'stun-turn', turn: 'turn:a.example' })).problems).to.deep.equal({
      username: 'ICE_TURN_CREDENTIALS',
      password: 'ICE_TURN_CREDENTIALS',
    });
    expect(parseIceSettingsForm(form({ preset: 'stun-turn', stun: 'stun:a:0', turn: 'b.example', username: 'u' })).problems).to.deep.equal({
      stun: 'ICE_URL_PORT',
      password: 'ICE_TURN_CREDENTIALS',
    });
    // STUN is optional next to TURN; one TURN box may hold several addresses sharing the credentials.
    expect(parseIceSettingsForm(form({ preset: 'stun-turn', turn: 'b.example:3478, turns:b.example:443', username: 'u', password: 'p' }))).to.deep.equal({
      servers: [
        { urls: 'turn:b.example:3478', username: 'u', credential: 'p' },
        { urls: 'turns:b.example:443', username: 'u', credential: 'p' },
      ],
      problems: {},
    });
  });
});

describe('describeCandidatePath', () => {
  it('names the path of the selected candidate pair', () => {
    const table: [string, string, string | undefined][] = [
      ['host', 'host', 'same network (direct)'],
      ['host', 'prflx', 'same network (direct)'], // an mDNS-hidden peer on the same LAN
      ['srflx', 'srflx', 'through NAT'],
      ['host', 'srflx', 'through NAT'],
      ['prflx', 'host', 'through NAT'],
      ['prflx', 'srflx', 'through NAT'],
      ['relay', 'relay', 'relayed (TURN)'],
      ['srflx', 'relay', 'relayed (TURN)'],
      ['relay', 'host', 'relayed (TURN)'],
      ['unknown', 'host', undefined],
      ['host', '', undefined],
    ];
    for (const [local, remote, path] of table) expect(describeCandidatePath(local, remote), `${local}/${remote}`).to.equal(path);
  });
});

describe('explainIceFailure', () => {
  const stun: RTCIceServer[] = [{ urls: 'stun:10.99.0.1:3478' }];
  const turn: RTCIceServer[] = [...stun, { urls: 'turn:10.99.0.1:3478', username: 'u', credential: 'p' }];
  const codeOf = (iceServers: RTCIceServer[], local: string[], remote: string[]) =>
    explainIceFailure({ iceServers, localCandidateTypes: local, remoteCandidateTypes: remote }).code;

  it('says what to change in Settings', () => {
    // different networks, nobody uses STUN: both must choose one
    expect(codeOf([], ['host'], ['host'])).to.equal('ICE_NO_SERVERS');
    expect(codeOf([], ['host'], ['host', 'srflx'])).to.equal('ICE_NO_SERVERS');
    // we have STUN and were found; the other side's code has host candidates only
    expect(codeOf(stun, ['host', 'srflx'], ['host'])).to.equal('ICE_PEER_NO_SERVERS');
    expect(codeOf(stun, ['host', 'srflx'], [])).to.equal('ICE_PEER_NO_SERVERS');
    // both found through STUN and still no path: symmetric NATs, TURN needed
    expect(codeOf(stun, ['host', 'srflx'], ['host', 'srflx'])).to.equal('ICE_NAT_BLOCKED');
    // our own servers did not answer
    expect(codeOf(stun, ['host'], ['host', 'srflx'])).to.equal('ICE_STUN_UNREACHABLE');
    expect(codeOf(turn, ['host', 'srflx'], ['host', 'srflx'])).to.equal('ICE_TURN_UNREACHABLE');
    // a relay existed and it still failed: a firewall; the generic sentence
    expect(codeOf(turn, ['host', 'srflx', 'relay'], ['host', 'srflx'])).to.equal('ICE_FAILED');
    expect(codeOf(stun, ['host', 'srflx'], ['host', 'relay'])).to.equal('ICE_FAILED');
  });

  it('keeps the evidence in the detail', () => {
    const { detail } = explainIceFailure({ iceServers: stun, localCandidateTypes: ['host', 'srflx'], remoteCandidateTypes: ['host'] });
    expect(detail).to.contain('local candidates: host, srflx').and.to.contain('remote candidates: host');
  });
});
