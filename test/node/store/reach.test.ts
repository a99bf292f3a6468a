// The reach settings as data: what a saved ICE server list amounts to, and what the settings form's servers are
// stored as.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { iceServersFor, publicStunServer, reachOf, toStoredIceServers } from '../../../src/store/reach';

describe('reach', () => {
  it('reads a saved list as a reach, and a chosen reach back as the same list', () => {
    assert.equal(reachOf([]), 'local');
    assert.equal(reachOf([publicStunServer]), 'anywhere');
    assert.equal(reachOf([{ ...publicStunServer, username: 'me', credential: 'secret' }]), 'custom');
    assert.equal(reachOf([publicStunServer, { urls: 'turn:turn.example.org' }]), 'custom');
    for (const reach of ['local', 'anywhere'] as const) assert.equal(reachOf(iceServersFor(reach)), reach);
    assert.deepEqual(iceServersFor('custom'), []);
  });

  it('stores one server per URL, with a credential only when it is a non-empty string', () => {
    assert.deepEqual(
      toStoredIceServers([
        { urls: ['stun:a.example.org', 'turn:b.example.org'], username: 'me', credential: 'pw' },
        { urls: 'stun:c.example.org', username: '', credential: { accessToken: 'x' } },
        { urls: 'turn:d.example.org', credential: '' },
      ]),
      [
        { urls: 'stun:a.example.org', username: 'me', credential: 'pw' },
        { urls: 'turn:b.example.org', username: 'me', credential: 'pw' },
        { urls: 'stun:c.example.org' },
        { urls: 'turn:d.example.org' },
      ],
    );
  });
});
