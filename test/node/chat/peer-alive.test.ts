// PeerSession.checkAlive (chat/peer-session.ts): how a page checks a link it still reads open when it comes back to
// the front or when the contact offers a reconnect. A live link answers and stays; one whose pongs never come is
// ended as lost after the wait, and is asked again every second in the meantime (one lost ping is not a dead link).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pair, person, tap } from './people';

describe('checkAlive', () => {
  it('a live link answers: true, still open; two checks at once share one', async () => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    const { aContact } = await pair(alice, bob);
    const session = alice.messenger.peers.get(aContact)!;
    const first = session.checkAlive();
    assert.equal(session.checkAlive(), first);
    assert.equal(await first, true);
    assert.equal(session.state, 'open');
    assert.equal(alice.messenger.isOnline(aContact), true);
    alice.messenger.close();
    bob.messenger.close();
  });

  it('a link that never answers is pinged again each second and ended as lost after the wait', async () => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    const { aContact } = await pair(alice, bob);
    const session = alice.messenger.peers.get(aContact)!;
    // Alice's pings go nowhere (a dead path); everything else still goes.
    const sent = tap(session, (frame) => (frame.type === 'ping' ? undefined : frame));
    assert.equal(await session.checkAlive(2_500), false);
    assert.ok(sent.filter((frame) => frame.type === 'ping').length >= 2, 'asked again within the wait');
    assert.notEqual(session.state, 'open');
    assert.equal(alice.messenger.isOnline(aContact), false);
    alice.messenger.close();
    bob.messenger.close();
  });
});
