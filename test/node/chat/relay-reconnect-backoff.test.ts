// Automatic reconnect's schedule and glare rule (chat/relay-reconnect.ts), on a mocked clock: offers back off
// (15 s, 30 s, 60 s …), each a fresh one-code offer, and none goes once the contact is connected; when both offered,
// the page that keeps its own sends it again and the other takes it; the answer goes back and is applied.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Exchange } from '../../../src/chat/pairing';
import { offerBackoffMs, RelayReconnect, type RelayReconnectOptions } from '../../../src/chat/relay-reconnect';
import { encodeCode } from '../../../src/invite/invite-code';

/** A RelayReconnect for contact "bob" whose ports record what it does. */
function reconnectFor(options: Partial<RelayReconnectOptions> = {}) {
  const sent: string[] = [];
  const cancelled: string[] = [];
  const taken: string[] = [];
  const answered: string[] = [];
  let made = 0;
  const online = new Set<string>();
  const reconnect = new RelayReconnect({
    contacts: () => ['bob'],
    isOnline: (id) => online.has(id),
    isAlive: async () => true,
    canOffer: () => true,
    offer: async () => ({ id: `x${++made}`, kind: 'reconnect', state: 'waiting-for-peer', code: `CODE${made}`, createdAt: 0 }) as Exchange,
    send: async (_id, code) => {
      sent.push(code);
      return true;
    },
    take: async (_id, code) => void taken.push(code),
    answer: async (exchangeId, code) => void answered.push(`${exchangeId} ${code}`),
    cancel: (id) => void cancelled.push(id),
    keepsOwnOffer: () => false,
    ...options,
  });
  return { reconnect, sent, cancelled, taken, answered, online };
}

/** A one-code reconnect offer, as the contact's page seals it. */
const offerCode = (port = 4000) =>
  encodeCode({ kind: 'invite', fields: { fingerprint: new Uint8Array(32).fill(3), candidates: [{ type: 'host', address: '192.168.1.2', port }] }, reconnectFor: new Uint8Array(4).fill(9) });

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('automatic reconnect: back-off and glare', () => {
  it('offers again at 15 s, 30 s, 60 s with a fresh offer each time, and sends nothing once connected', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { reconnect, sent, cancelled, online } = reconnectFor();
    reconnect.start();
    await settle();
    assert.deepEqual(sent, ['CODE1']);
    for (const [waitMs, expected] of [[offerBackoffMs, 'CODE2'], [2 * offerBackoffMs, 'CODE3'], [4 * offerBackoffMs, 'CODE4']] as const) {
      const before = sent.length;
      t.mock.timers.tick(waitMs - 1);
      await settle();
      assert.equal(sent.length, before, 'nothing before the back-off ends');
      t.mock.timers.tick(1);
      await settle();
      assert.deepEqual([sent.length - before, sent.at(-1)], [1, expected]);
    }
    assert.deepEqual(cancelled, ['x1', 'x2', 'x3'], 'each earlier offer is dropped for the fresh one');
    online.add('bob');
    reconnect.connected('bob');
    const at = sent.length;
    t.mock.timers.tick(24 * 60 * 60_000);
    await settle();
    assert.equal(sent.length, at, 'a day later: nothing more sent');
    assert.deepEqual(cancelled, ['x1', 'x2', 'x3', 'x4']);
  });

  it('an offer that could not be made is tried again after the back-off', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let fails = 1;
    let made = 0;
    const { reconnect, sent } = reconnectFor({
      offer: async () => {
        if (fails-- > 0) throw new Error('the link could not gather');
        return { id: `x${++made}`, kind: 'reconnect', state: 'waiting-for-peer', code: `CODE${made}`, createdAt: 0 } as Exchange;
      },
    });
    reconnect.lost('bob');
    await settle();
    assert.deepEqual(sent, [], 'none made');
    reconnect.lost('bob');
    await settle();
    assert.deepEqual(sent, [], 'a second loss waits for the same retry');
    t.mock.timers.tick(offerBackoffMs);
    await settle();
    assert.deepEqual(sent, ['CODE1'], 'made and sent at the back-off');
    reconnect.stop();
  });

  it('both offered: the page that keeps its own sends it again; the other drops its own and takes the offer', async () => {
    const keeper = reconnectFor({ keepsOwnOffer: () => true });
    keeper.reconnect.start();
    await settle();
    await keeper.reconnect.received('bob', 'THEIRS');
    assert.deepEqual([keeper.sent, keeper.taken], [['CODE1', 'CODE1'], []]);

    const other = reconnectFor();
    other.reconnect.start();
    await settle();
    const code = encodeCode({ kind: 'invite', fields: { fingerprint: new Uint8Array(32).fill(3), candidates: [{ type: 'host', address: '192.168.1.2', port: 4000 }] }, reconnectFor: new Uint8Array(4).fill(9) });
    await other.reconnect.received('bob', code);
    assert.deepEqual([other.sent, other.cancelled, other.taken], [['CODE1'], ['x1'], [code]]);
    keeper.reconnect.stop();
    other.reconnect.stop();
  });
  it('the page that takes an offer sends its answer back, and drops the link of an earlier one; the offering page applies an answer to its own offer', async () => {
    const fields = (port: number) => ({ fingerprint: new Uint8Array(32).fill(3), candidates: [{ type: 'host' as const, address: '192.168.1.2', port }] });
    const offer = (port: number) => encodeCode({ kind: 'invite', fields: fields(port), reconnectFor: new Uint8Array(4).fill(9) });
    let answers = 0;
    const taker = reconnectFor({
      take: async () => ({ id: `a${++answers}`, kind: 'reconnect-answer', state: 'waiting-for-inviter', code: `ANSWER${answers}`, createdAt: 0 }) as Exchange,
    });
    await taker.reconnect.received('bob', offer(4000));
    await taker.reconnect.received('bob', offer(4001));
    assert.deepEqual([taker.sent, taker.cancelled], [['ANSWER1', 'ANSWER2'], ['a1']]);

    const offering = reconnectFor({ keepsOwnOffer: () => true });
    offering.reconnect.start();
    await settle();
    const answer = encodeCode({ kind: 'answer', fields: fields(4002), inReplyTo: new Uint8Array(4).fill(7) });
    await offering.reconnect.received('bob', answer);
    assert.deepEqual([offering.answered, offering.sent, offering.taken], [[`x1 ${answer}`], ['CODE1'], []], 'applied to the offer, not sent again');
    taker.reconnect.stop();
    offering.reconnect.stop();
  });
  it('an offer from a contact this page reads as connected: the link is checked; dead, it is taken at once (and the loss starts no offer of ours); alive, ignored', async () => {
    const code = offerCode();
    let checks = 0;
    // Dead: the check closes the session as lost, which the messenger reports (lost) while the check is under way.
    const dead = reconnectFor({
      isAlive: async () => {
        checks++;
        dead.online.delete('bob');
        dead.reconnect.lost('bob');
        return false;
      },
      // Taken: an exchange under way (its answer goes back by relay as the real take's does; none here).
      take: async (_id, taken) => {
        dead.taken.push(taken);
        return { id: 't1', kind: 'reconnect', state: 'connecting', createdAt: 0 } as unknown as Exchange;
      },
    });
    dead.online.add('bob');
    await dead.reconnect.received('bob', code);
    await settle();
    assert.deepEqual([checks, dead.taken, dead.sent], [1, [code], []], 'taken, and no offer of our own');

    // Dead, and the offer cannot be taken (a resend of one already opened): our own offer goes out at once.
    const untaken = reconnectFor({
      isAlive: async () => {
        untaken.online.delete('bob');
        untaken.reconnect.lost('bob');
        return false;
      },
    });
    untaken.online.add('bob');
    await untaken.reconnect.received('bob', code);
    await settle();
    assert.deepEqual(untaken.sent, ['CODE1'], 'our own offer');
    untaken.reconnect.stop();

    // Not a reconnect offer (an answer, any other text) while the link reads open: no check at all.
    const other = reconnectFor({ isAlive: async () => { checks += 100; return false; } });
    other.online.add('bob');
    await other.reconnect.received('bob', 'not a code');
    assert.equal(checks, 1, 'no check for what is not a reconnect offer');
    other.reconnect.stop();

    const alive = reconnectFor({
      isAlive: async () => {
        checks++;
        return true;
      },
    });
    alive.online.add('bob');
    await alive.reconnect.received('bob', code);
    await settle();
    assert.deepEqual([checks, alive.taken, alive.sent], [2, [], []], 'a link that answers stays; the offer is ignored');
    dead.reconnect.stop();
    alive.reconnect.stop();
  });
  it('a late answer (to an offer already dropped) leaves the offer now waiting alone, and the next one still comes (review: it dropped it and no offer followed)', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const fields = { fingerprint: new Uint8Array(32).fill(3), candidates: [{ type: 'host' as const, address: '192.168.1.2', port: 4000 }] };
    const { TincanError } = await import('../../../src/errors');
    // The page that does not keep its own offer (the glare rule's other side), and an answer that names no offer of ours.
    const late = reconnectFor({ answer: async () => { throw new TincanError('CODE_ANSWER_UNKNOWN_INVITE'); } });
    late.reconnect.start();
    await settle();
    await late.reconnect.received('bob', encodeCode({ kind: 'answer', fields, inReplyTo: new Uint8Array(4).fill(1) }));
    assert.deepEqual([late.sent, late.cancelled], [['CODE1'], []], 'its offer is still waiting');
    t.mock.timers.tick(offerBackoffMs);
    await settle();
    assert.deepEqual(late.sent, ['CODE1', 'CODE2'], 'the next offer still comes');
    late.reconnect.stop();
  });
  it('a relay connected again: the pending offer goes again at once (the same code, once), its back-off goes on; a contact with none gets one', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const relays = (status: string) => new Map([['ws://127.0.0.1:7000', status]]);
    const { reconnect, sent } = reconnectFor();
    reconnect.relaysChanged(relays('connecting'));
    reconnect.relaysChanged(relays('connected'));
    reconnect.start();
    await settle();
    assert.deepEqual(sent, ['CODE1'], 'the first connection sends nothing more');
    reconnect.relaysChanged(relays('unreachable'));
    await settle();
    assert.deepEqual(sent, ['CODE1']);
    reconnect.relaysChanged(relays('connected'));
    await settle();
    assert.deepEqual(sent, ['CODE1', 'CODE1'], 'the same offer again, once the relay is back');
    reconnect.relaysChanged(relays('unreachable'));
    reconnect.relaysChanged(relays('connected'));
    await settle();
    assert.deepEqual(sent, ['CODE1', 'CODE1'], 'a relay that keeps dropping: once per offer');
    t.mock.timers.tick(offerBackoffMs);
    await settle();
    assert.deepEqual(sent, ['CODE1', 'CODE1', 'CODE2'], 'the back-off went on: a fresh offer at 15 s');
    reconnect.stop();

    // No offer pending (making one failed at unlock): one is made when a relay comes back.
    let fails = 1;
    const none = reconnectFor({
      offer: async () => {
        if (fails-- > 0) throw new Error('no offer now');
        return { id: 'y1', kind: 'reconnect', state: 'waiting-for-peer', code: 'LATER', createdAt: 0 } as Exchange;
      },
    });
    none.reconnect.relaysChanged(relays('unreachable'));
    none.reconnect.start();
    await settle();
    assert.deepEqual(none.sent, []);
    none.reconnect.relaysChanged(relays('connected'));
    await settle();
    assert.deepEqual(none.sent, ['LATER']);
    none.reconnect.stop();
  });
});
