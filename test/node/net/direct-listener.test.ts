// The WebRTC-direct listener with node-datachannel on both ends (docs/mailbox.md §1): a Node dialer opens a channel
// with no signaling, and every pitfall the lab found is handled: an invalid ufrag from a stranger (which would abort
// the process), a late STUN retransmission for a closed connection, strangers over the cap or the rate, and an open
// connection that never proves who it is.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomDirectUfrag } from '../../../src/net/direct-sdp';
import { dialDirectFromNode } from '../../../src/node/direct-dial-node';
import { startListener, stunSender, waitFor, cleanupNodeDataChannel } from './direct-harness';

after(() => cleanupNodeDataChannel());

describe('direct listener', () => {
  it('opens a channel for a dialer with no signaling and reports the dialer\'s real fingerprint', async () => {
    const { listener, target } = await startListener();
    const accepted = new Promise<import('../../../src/net/direct-listener').ListenerChannel>((resolve) => listener.on('connection', resolve));
    const dialer = await dialDirectFromNode(target);
    const channel = await accepted;
    assert.deepEqual(channel.remoteFingerprint, dialer.localFingerprint, 'the listener sees the certificate the dialer used');
    const echoed = new Promise<Uint8Array>((resolve) => dialer.on('message', resolve));
    channel.on('message', (bytes) => channel.send(bytes));
    dialer.send(new Uint8Array([7, 8, 9]));
    assert.deepEqual([...(await echoed)], [7, 8, 9]);
    channel.prove();
    dialer.close();
    await waitFor('the listener to notice the close', () => listener.size === 0);
    listener.stop();
  });

  it('ignores STUN requests whose ufrag is no valid ICE password, and keeps serving', async () => {
    const { listener, target } = await startListener();
    const stranger = await stunSender(target.port);
    stranger.send('abc'); // too short for an ICE pwd: setLocalDescription would abort the process
    stranger.send('abc-def_ghi.jkl~mno-pqrstu'); // long enough, but characters outside the ICE alphabet
    await waitFor('both requests to be refused', () => listener.stats.badUfrag === 2);
    assert.equal(listener.stats.created, 0);
    const dialer = await dialDirectFromNode(target);
    assert.ok(dialer.isOpen, 'the same process still accepts an honest dial');
    dialer.close();
    stranger.close();
    listener.stop();
  });

  it('ignores a late retransmitted STUN request for a connection it just closed', async () => {
    const { listener, target } = await startListener();
    const ufrag = randomDirectUfrag();
    const accepted = new Promise<import('../../../src/net/direct-listener').ListenerChannel>((resolve) => listener.on('connection', resolve));
    const dialer = await dialDirectFromNode(target, { ufrag });
    (await accepted).close();
    await waitFor('the dialer to see the close', () => !dialer.isOpen);
    // Retransmitted as a browser does: the first ones may still reach the closing native agent.
    const late = await stunSender(target.port);
    const retransmit = setInterval(() => late.send(ufrag), 100);
    await waitFor('a late request to reach the listener and be ignored', () => listener.stats.recentlyClosed >= 1).finally(() => clearInterval(retransmit));
    assert.equal(listener.stats.created, 1, 'no new connection for the closed ufrag');
    assert.equal(listener.size, 0);
    late.close();
    listener.stop();
  });

  it('caps the connections strangers hold open, and closes each one that does not prove itself in time', async () => {
    const { listener, target } = await startListener({ maxStrangers: 2, proveWithinMs: 400 });
    const stranger = await stunSender(target.port);
    for (let i = 0; i < 3; i++) stranger.send(randomDirectUfrag());
    await waitFor('the third stranger to be refused', () => listener.stats.overCap === 1);
    assert.equal(listener.stats.created, 2);
    await waitFor('both unproven connections to be closed', () => listener.size === 0);
    assert.equal(listener.stats.unprovenClosed, 2);
    stranger.send(randomDirectUfrag());
    await waitFor('room for a new stranger once they are gone', () => listener.stats.created === 3);
    stranger.close();
    listener.stop();
  });

  it('limits how many new stranger connections start per window', async () => {
    const { listener, target } = await startListener({ strangersPerWindow: 2, strangerWindowMs: 60_000 });
    const stranger = await stunSender(target.port);
    for (let i = 0; i < 3; i++) stranger.send(randomDirectUfrag());
    await waitFor('the third to be refused by the rate limit', () => listener.stats.overRate === 1);
    assert.equal(listener.stats.created, 2);
    stranger.close();
    listener.stop();
  });

  it('closes an open channel whose dialer never proves who it is', async () => {
    const { listener, target } = await startListener({ proveWithinMs: 500 });
    const dialer = await dialDirectFromNode(target);
    const closed = new Promise<void>((resolve) => dialer.on('closed', () => resolve()));
    await closed;
    assert.equal(listener.stats.unprovenClosed, 1);
    assert.equal(listener.stats.opened, 1);
    listener.stop();
  });
});
