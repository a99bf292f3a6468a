// The open conversation's window as pure arithmetic: which page loads next, and that the window never holds more
// than windowSize messages whichever way the person scrolls.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatMessage } from '../../../src/chat/chat-message';
import type { OpenConversation } from '../../../src/app/app-state';
import { newerPage, newestWindow, olderPageEnd, pageSize, windowSize, withArrived, withNewer, withOlder, withStates } from '../../../src/app/message-window';

const message = (index: number): ChatMessage => ({ id: `m${index}`, direction: 'in', text: `message ${index}`, sentAt: index, state: 'delivered', index });
const range = (from: number, to: number): ChatMessage[] => Array.from({ length: to - from }, (_, i) => message(from + i));
const indexes = (open: OpenConversation): number[] => open.messages.map((m) => m.index!);

describe('message window', () => {
  it('scrolls up a page at a time and drops the newest end past windowSize', () => {
    const count = 200;
    let open = newestWindow('bob', range(count - pageSize, count), true);
    assert.equal(olderPageEnd(open), count - pageSize);
    for (let step = 0; step < 3; step++) {
      const end = olderPageEnd(open)!;
      open = withOlder(open, range(end - pageSize, end), end - pageSize > 0);
    }
    assert.equal(open.messages.length, windowSize);
    assert.deepEqual(indexes(open), range(count - 4 * pageSize, count - 4 * pageSize + windowSize).map((m) => m.index!));
    assert.equal(open.hasNewer, true, 'the newest page was dropped');
    assert.equal(open.hasOlder, true);
  });

  it('scrolls back down to the newest, then stops asking for newer pages', () => {
    const count = 110;
    let open: OpenConversation = { id: 'bob', messages: range(0, windowSize), hasOlder: false, hasNewer: true };
    const first = newerPage(open, count)!;
    assert.deepEqual(first, { newest: windowSize - 1, before: windowSize + pageSize, limit: pageSize });
    open = withNewer(open, first, range(first.before - first.limit, first.before), count);
    assert.deepEqual([open.messages[0]!.index, open.messages.at(-1)!.index, open.hasOlder, open.hasNewer], [pageSize, windowSize + pageSize - 1, true, true]);
    const last = newerPage(open, count)!;
    assert.deepEqual(last, { newest: windowSize + pageSize - 1, before: count, limit: count - windowSize - pageSize });
    // A page that overlaps what is shown adds only what is newer.
    open = withNewer(open, last, range(last.newest - 2, count), count);
    assert.deepEqual([open.messages.at(-1)!.index, open.messages.length, open.hasNewer], [count - 1, windowSize, false]);
    assert.equal(new Set(indexes(open)).size, windowSize, 'no message twice');
    assert.equal(newerPage(open, count), undefined);
  });

  it('has no older page to load at the start of the log', () => {
    assert.equal(olderPageEnd(newestWindow('bob', range(0, 3), false)), undefined);
    assert.equal(olderPageEnd(undefined), undefined);
  });

  it('keeps the newest windowSize messages as new ones arrive', () => {
    let open = newestWindow('bob', range(0, windowSize), false);
    open = withArrived(open, message(windowSize));
    assert.deepEqual([open.messages.length, open.messages[0]!.index, open.messages.at(-1)!.index, open.hasOlder], [windowSize, 1, windowSize, true]);
  });

  it('applies delivery states and indexes to the messages shown only', () => {
    const sent: ChatMessage = { id: 'out1', direction: 'out', text: 'hi', sentAt: 1, state: 'waiting' };
    const received = message(0);
    const open = withStates(newestWindow('bob', [received, sent], false), [
      { id: 'out1', state: 'delivered', index: 1 },
      { id: 'elsewhere', state: 'sent' },
    ]);
    assert.deepEqual(open.messages[1], { ...sent, state: 'delivered', index: 1 });
    assert.equal(open.messages[0], received, 'an untouched message stays as it was');
    assert.equal(open.messages.length, 2);
  });
});
