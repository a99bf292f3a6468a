// The open conversation's window as pure arithmetic: which page loads next, and that the window never holds more
// than windowSize messages whichever way the person scrolls.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatMessage } from '../../../src/chat/chat-message';
import type { FileTransferView, OpenConversation } from '../../../src/app/app-state';
import { inClockOrder, isFileItem, newerPage, newestWindow, olderPageEnd, pageSize, windowSize, withArrived, withFilesAtTheirTime, withNewer, withOlder, withStates, type LogItem } from '../../../src/app/message-window';
import { toChatMessage } from '../../../src/app/views';
import { hlcOf } from '../../../src/chat/hybrid-clock';

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
      open = withOlder(open, end, range(end - pageSize, end), end - pageSize > 0)!;
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
    open = withNewer(open, first, range(first.before - first.limit, first.before), count)!;
    assert.deepEqual([open.messages[0]!.index, open.messages.at(-1)!.index, open.hasOlder, open.hasNewer], [pageSize, windowSize + pageSize - 1, true, true]);
    const last = newerPage(open, count)!;
    assert.deepEqual(last, { newest: windowSize + pageSize - 1, before: count, limit: count - windowSize - pageSize });
    // A page that overlaps what is shown adds only what is newer.
    open = withNewer(open, last, range(last.newest - 2, count), count)!;
    assert.deepEqual([open.messages.at(-1)!.index, open.messages.length, open.hasNewer], [count - 1, windowSize, false]);
    assert.equal(new Set(indexes(open)).size, windowSize, 'no message twice');
    assert.equal(newerPage(open, count), undefined);
  });

  it('does not put a page where the window no longer ends: no gap, no message twice', () => {
    const count = 300;
    const open = newestWindow('bob', range(count - windowSize, count), true);
    const end = olderPageEnd(open)!;
    const page = range(end - pageSize, end);
    // New messages trimmed the front while the page was read: it would leave a gap.
    const moved = withArrived(open, message(count));
    assert.equal(withOlder(moved, end, page, true), undefined);
    // Another page was put there meanwhile: it would repeat it.
    const loaded = withOlder(open, end, page, true)!;
    assert.equal(withOlder(loaded, end, page, true), undefined);
    assert.deepEqual(indexes(withOlder(loaded, olderPageEnd(loaded)!, range(end - 2 * pageSize, end - pageSize), true)!).slice(0, 2), [end - 2 * pageSize, end - 2 * pageSize + 1]);
    const past: OpenConversation = { id: 'bob', messages: range(0, windowSize), hasOlder: false, hasNewer: true };
    const next = newerPage(past, count)!;
    const below = withNewer(past, next, range(next.newest + 1, next.before), count)!;
    assert.equal(withNewer(below, next, range(next.newest + 1, next.before), count), undefined);
  });

  it('counts what was stored while a newer page was read: the window still has newer messages below it', () => {
    const past: OpenConversation = { id: 'bob', messages: range(0, windowSize), hasOlder: false, hasNewer: true };
    const page = newerPage(past, windowSize + 10)!;
    assert.equal(page.before, windowSize + 10);
    const open = withNewer(past, page, range(windowSize, windowSize + 10), windowSize + 12)!;
    assert.equal(open.hasNewer, true, 'two more were stored meanwhile');
    assert.deepEqual(newerPage(open, windowSize + 12), { newest: windowSize + 9, before: windowSize + 12, limit: 2 });
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

  it('moves "Delivered to k of n" forward only (members acknowledge in any order)', () => {
    const sent: ChatMessage = { id: 'out1', direction: 'out', text: 'hi', sentAt: 1, state: 'sent', delivery: { acknowledged: 0, members: 3 } };
    let open = withStates(newestWindow('g', [sent], false), [{ id: 'out1', state: 'sent', delivery: { acknowledged: 2, members: 3 } }]);
    open = withStates(open, [{ id: 'out1', state: 'sent', delivery: { acknowledged: 1, members: 3 } }]);
    assert.deepEqual(open.messages[0]!.delivery, { acknowledged: 2, members: 3 });
    open = withStates(open, [{ id: 'out1', state: 'delivered', delivery: { acknowledged: 3, members: 3 } }]);
    assert.deepEqual([open.messages[0]!.state, open.messages[0]!.delivery], ['delivered', { acknowledged: 3, members: 3 }]);
  });
});

describe("a group's display order", () => {
  const at = Date.UTC(2026, 11, 7, 5);
  const entry = (index: number, text: string, reading: number | undefined, from?: string) =>
    toChatMessage({ index, id: `m${index}`, direction: from ? 'in' : 'out', text, sentAt: at + index, state: 'delivered', ...(from ? { from } : {}), ...(reading !== undefined ? { meta: { order: reading } } : {}) });

  it('shows messages by their clock readings, ties by sender key, whatever order they were stored in', () => {
    const window = [
      entry(0, 'Ann, first', hlcOf(at, 1), 'AnnKey'),
      // Stored last (caught up later from a member who held them), written earlier.
      entry(1, 'Cat, third', hlcOf(at, 3), 'CatKey'),
      entry(2, 'mine, fifth', hlcOf(at, 5)),
      entry(3, 'Ben, second', hlcOf(at, 2), 'BenKey'),
      entry(4, 'Dan, fourth (tie)', hlcOf(at, 4), 'DanKey'),
      entry(5, 'Bea, fourth (tie)', hlcOf(at, 4), 'BeaKey'),
    ];
    assert.deepEqual(inClockOrder(window).map((m) => m.text), ['Ann, first', 'Ben, second', 'Cat, third', 'Bea, fourth (tie)', 'Dan, fourth (tie)', 'mine, fifth']);
    assert.equal(inClockOrder(window), inClockOrder(window), 'the same window gives the same array (a render changes nothing)');
    assert.deepEqual(window.map((m) => m.index), [0, 1, 2, 3, 4, 5], 'the window itself stays in log order');
  });

  it('places a message without a reading by its sent time, and ignores a reading a damaged record cannot hold', () => {
    const window = [
      entry(0, 'later', hlcOf(at + 60_000), 'AnnKey'),
      entry(1, 'old, no reading', undefined, 'BenKey'),
      toChatMessage({ index: 2, id: 'm2', direction: 'in', text: 'bad reading', sentAt: at + 30_000, state: 'delivered', from: 'CatKey', meta: { order: 'soon' } }),
    ];
    assert.equal(window[2]!.order, undefined);
    assert.deepEqual(inClockOrder(window).map((m) => m.text), ['old, no reading', 'bad reading', 'later']);
  });
});

describe("a two-person conversation's files among its messages", () => {
  const at = Date.UTC(2026, 11, 7, 12);
  // An incoming message from a sender whose clock is 5 minutes behind: placed by when it arrived here.
  const said = (index: number, minute: number, direction: 'in' | 'out' = 'out'): ChatMessage =>
    direction === 'in'
      ? { id: `m${index}`, direction, text: `message ${index}`, sentAt: at + minute * 60_000 - 300_000, receivedAt: at + minute * 60_000, state: 'delivered', index }
      : { id: `m${index}`, direction, text: `message ${index}`, sentAt: at + minute * 60_000, state: 'delivered', index };
  const file = (name: string, minute: number): FileTransferView => ({
    fileId: name, conversationId: 'bob', direction: 'in', name, size: 1, mime: '', state: 'offered', bytes: 0, createdAt: at + minute * 60_000,
  });
  /** A file received and finished: nothing to act on, so it waits for its page. */
  const done = (name: string, minute: number): FileTransferView => ({ ...file(name, minute), state: 'done' });
  const shown = (items: readonly LogItem[]) => items.map((item) => (isFileItem(item) ? item.name : item.text));

  it('puts each file between the messages before and after it, by this device\'s clock', () => {
    const messages = [said(0, 1), said(1, 3, 'in'), said(2, 5), said(3, 5)];
    const items = withFilesAtTheirTime({ messages, hasOlder: false, hasNewer: false }, [file('late.bin', 9), file('b.bin', 2), file('c.bin', 4), file('tie.bin', 5), file('first.bin', 0)]);
    assert.deepEqual(shown(items), ['first.bin', 'message 0', 'b.bin', 'message 1', 'c.bin', 'message 2', 'message 3', 'tie.bin', 'late.bin']);
  });

  it("shows a group's file message as its transfer, once; the message stays when this device has no transfer for it", () => {
    const offer: ChatMessage = { ...said(1, 3, 'in'), text: 'route.bin', groupFileId: 'route-file-id', from: 'K-ben' };
    const messages = [said(0, 1), offer, said(2, 5)];
    const transfer: FileTransferView = { ...file('route.bin', 3), fileId: 'route-file-id', conversationId: 'g:climbers', inGroup: true, from: 'K-ben' };
    assert.deepEqual(shown(withFilesAtTheirTime({ messages, hasOlder: false, hasNewer: false }, [transfer])), ['message 0', 'route.bin', 'message 2']);
    assert.ok(isFileItem(withFilesAtTheirTime({ messages, hasOlder: false, hasNewer: false }, [transfer])[1]!), 'the transfer, not the text');
    assert.deepEqual(shown(withFilesAtTheirTime({ messages, hasOlder: false, hasNewer: false }, [file('other.bin', 6)])), ['message 0', 'route.bin', 'message 2', 'other.bin']);
    // Another member offered a file under Ben's file id first: Ben's message is not hidden by that member's transfer.
    const squatter: FileTransferView = { ...transfer, name: 'not-route.bin', from: 'K-eve', createdAt: at + 2 * 60_000 };
    const items = withFilesAtTheirTime({ messages, hasOlder: false, hasNewer: false }, [squatter]);
    assert.deepEqual(shown(items), ['message 0', 'not-route.bin', 'route.bin', 'message 2']);
    assert.equal(isFileItem(items[2]!), false, "Ben's message stays, as text");
  });

  it('leaves out a file whose time is in a page not loaded, and shows it with that page', () => {
    const messages = [said(10, 10), said(11, 11), said(12, 12)];
    const transfers = [done('older.bin', 2), done('inside.bin', 11.5), done('newer.bin', 20)];
    assert.deepEqual(shown(withFilesAtTheirTime({ messages, hasOlder: true, hasNewer: true }, transfers)), ['message 10', 'message 11', 'inside.bin', 'message 12']);
    assert.deepEqual(shown(withFilesAtTheirTime({ messages, hasOlder: false, hasNewer: false }, transfers)), ['older.bin', 'message 10', 'message 11', 'inside.bin', 'message 12', 'newer.bin']);
    // No messages yet: the files alone.
    assert.deepEqual(shown(withFilesAtTheirTime({ messages: [], hasOlder: false, hasNewer: false }, transfers)), ['older.bin', 'inside.bin', 'newer.bin']);
  });

  it('keeps a file the person must act on, or one still moving, at the end of the window when its page is not loaded', () => {
    const messages = [said(10, 10), said(11, 11), said(12, 12)];
    const sent = (name: string, minute: number, state: FileTransferView['state']): FileTransferView => ({ ...file(name, minute), direction: 'out', state });
    const transfers = [file('old-offer.bin', 2), done('old-done.bin', 3), sent('old-interrupted.bin', 4, 'interrupted'), sent('old-offered-out.bin', 5, 'offered'), file('new-offer.bin', 20), done('new-done.bin', 21)];
    assert.deepEqual(shown(withFilesAtTheirTime({ messages, hasOlder: true, hasNewer: true }, transfers)), ['message 10', 'message 11', 'message 12', 'old-offer.bin', 'old-interrupted.bin', 'new-offer.bin']);
  });

  it('gives the window itself back when no file falls in it (a render changes nothing)', () => {
    const messages = [said(10, 10), said(11, 11)];
    assert.equal(withFilesAtTheirTime({ messages, hasOlder: false, hasNewer: false }, []), messages);
    assert.equal(withFilesAtTheirTime({ messages, hasOlder: true, hasNewer: false }, [done('older.bin', 2)]), messages);
  });
});
