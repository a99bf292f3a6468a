// The pure pieces under trust and delivery: look-alike names, conversation ids, plausible times, budgets.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { namesLookAlike, nameSkeleton } from '../../../src/chat/confusable-names';
import { dmConversationId } from '../../../src/chat/conversation-id';
import { plausibleSentAt, maxClockAheadMs } from '../../../src/chat/chat-message';
import { TokenBucket } from '../../../src/chat/budget';
import { conversationIdPattern } from '../../../src/chat/frames';

describe('look-alike names (UTS #39 skeletons)', () => {
  it('matches Cyrillic letters, zero-width joiners, no-break spaces, case and spacing', async () => {
    for (const other of ['Bоb', 'B\u200Dob', 'BOB', ' bob ', 'Вob']) assert.ok(await namesLookAlike('Bob', other), other);
    assert.ok(await namesLookAlike('Alice Smith', 'Alice\u00A0Smith'));
    assert.ok(await namesLookAlike('paypal', 'pаypal'));
    // Full-width letters: confusables.txt leaves them to compatibility folding (NFKC).
    assert.ok(await namesLookAlike('Bob', '\uFF22ob'), 'full-width B');
    assert.ok(await namesLookAlike('Bob', '\uFF42\uFF4F\uFF42'), 'full-width bob');
  });

  it('keeps different names apart', async () => {
    for (const other of ['Rob', 'Bobby', 'Böb', '']) assert.equal(await namesLookAlike('Bob', other), false, other);
  });

  it('skeletons are stable (idempotent)', async () => {
    const once = await nameSkeleton('Bоb\u200D');
    assert.equal(await nameSkeleton(once), once);
  });
});

describe('conversation ids', () => {
  it('are the same from both sides and differ between pairs', async () => {
    const a = new Uint8Array(32).fill(1);
    const b = new Uint8Array(32).fill(2);
    const c = new Uint8Array(32).fill(3);
    const ab = await dmConversationId(a, b);
    assert.equal(ab, await dmConversationId(b, a));
    assert.notEqual(ab, await dmConversationId(a, c));
    assert.match(ab, conversationIdPattern);
  });
});

describe('plausible times', () => {
  it('keeps the sender clock unless it is ahead or before 2020', () => {
    const now = Date.UTC(2026, 10, 25);
    assert.equal(plausibleSentAt(now - 5_000, now), now - 5_000);
    assert.equal(plausibleSentAt(now - 86_400_000 * 30, now), now - 86_400_000 * 30, 'an old outbox message keeps its time');
    assert.equal(plausibleSentAt(now + maxClockAheadMs + 1, now), now);
    assert.equal(plausibleSentAt(1e16, now), now, 'year 318,000');
    assert.equal(plausibleSentAt(0, now), now);
  });
});

describe('token buckets', () => {
  it('pass a burst, then refill at the rate', () => {
    let t = 0;
    const bucket = new TokenBucket({ perSecond: 10, burst: 5 }, () => t);
    assert.deepEqual(Array.from({ length: 6 }, () => bucket.take()), [true, true, true, true, true, false]);
    t += 100;
    assert.equal(bucket.take(), true);
    assert.equal(bucket.take(), false);
    t += 10_000;
    assert.equal(bucket.take(5), true, 'refills to the burst, not beyond');
    assert.equal(bucket.take(), false);
  });
});
