// The open conversation's window of messages: which page to load next and what the window holds after it, as pure
// functions over OpenConversation (the app facade does the reading). The window keeps at most `windowSize`
// messages; loading at one end drops the far end, and says there is more that way.
import type { ChatMessage, DeliveryCount, ShownState } from '../chat/chat-message';
import { hlcOf } from '../chat/hybrid-clock';
import type { FileTransferView, OpenConversation } from './app-state';

/** Messages loaded when a conversation opens, and per step when scrolling: about two screens of a tall desktop. */
export const pageSize = 25;
/** Most messages held in the open conversation's window; beyond it the far end is dropped (and reloaded later).
 * Three pages: with ~17 DOM nodes a message, a conversation of any length stays under 2,000 DOM nodes in all
 * (issue 10; bench/chat.mjs "history"). */
export const windowSize = 75;

/** The window a conversation opens with: its newest page. */
export function newestWindow(id: string, messages: readonly ChatMessage[], hasOlder: boolean): OpenConversation {
  return { id, messages, hasOlder, hasNewer: false };
}

/** A message that arrived or was written: added at the end (the caller checks the window shows the newest). */
export function withArrived(open: OpenConversation, message: ChatMessage): OpenConversation {
  const messages = [...open.messages, message];
  const trimmed = messages.length > windowSize;
  return { ...open, messages: trimmed ? messages.slice(messages.length - windowSize) : messages, hasOlder: open.hasOlder || trimmed };
}

/** The log index before which the older page ends (the oldest stored message shown), or undefined when there is
 * nothing older to load. */
export function olderPageEnd(open: OpenConversation | undefined): number | undefined {
  const oldest = open?.messages.find((m) => m.index !== undefined)?.index;
  return open?.hasOlder ? oldest : undefined;
}

/** The older page read before log index `end` put before the window; the newest end is dropped past windowSize.
 * Undefined when the window no longer starts at `end` (new messages trimmed its front, or another page was put
 * there while this one was read): the page would leave a gap or repeat messages, so it is read again from the
 * window's new end. */
export function withOlder(open: OpenConversation, end: number, older: readonly ChatMessage[], hasOlder: boolean): OpenConversation | undefined {
  if (olderPageEnd(open) !== end) return undefined;
  const messages = [...older.filter((m) => m.index !== undefined && m.index < end), ...open.messages];
  const trimmed = messages.length > windowSize;
  return { ...open, messages: trimmed ? messages.slice(0, windowSize) : messages, hasOlder, hasNewer: open.hasNewer || trimmed };
}

/** The log index of the newest stored message shown (-1 for none). */
function newestShown(open: OpenConversation): number {
  for (let i = open.messages.length - 1; i >= 0; i--) {
    const index = open.messages[i]!.index;
    if (index !== undefined) return index;
  }
  return -1;
}

/** Which newer page to load: up to pageSize messages after the newest shown, out of `count` in the log. Undefined
 * when the window already ends at the newest. */
export function newerPage(open: OpenConversation | undefined, count: number): { newest: number; before: number; limit: number } | undefined {
  if (!open?.hasNewer) return undefined;
  const newest = newestShown(open);
  const before = Math.min(count, newest + 1 + pageSize);
  return { newest, before, limit: before - newest - 1 };
}

/** The newer page put after the window (messages already shown are skipped); the oldest end is dropped past
 * windowSize. `count` is the log's count now, not when the page was asked for: what was stored meanwhile is still
 * to load (the window is in the past, so new messages are not added to it). Undefined when the window no longer
 * ends where the page starts (another page was put there while this one was read): it is asked for again. */
export function withNewer(open: OpenConversation, page: { newest: number; before: number }, loaded: readonly ChatMessage[], count: number): OpenConversation | undefined {
  if (newestShown(open) !== page.newest || !open.hasNewer) return undefined;
  const messages = [...open.messages, ...loaded.filter((m) => (m.index ?? -1) > page.newest)];
  const trimmed = messages.length > windowSize;
  return {
    ...open,
    messages: trimmed ? messages.slice(messages.length - windowSize) : messages,
    hasOlder: open.hasOlder || trimmed,
    hasNewer: page.before < count,
  };
}

/** New delivery states (and log indexes) for the messages shown. */
export function withStates(
  open: OpenConversation,
  updates: readonly { id: string; state: ShownState; index?: number; delivery?: DeliveryCount }[],
): OpenConversation {
  const byId = new Map(updates.map((u) => [u.id, u]));
  return {
    ...open,
    messages: open.messages.map((m) => {
      const u = byId.get(m.id);
      // "Delivered to k of n" only moves forward (acks of several members may arrive in any order).
      const delivery = u?.delivery && (!m.delivery || u.delivery.acknowledged >= m.delivery.acknowledged) ? { delivery: u.delivery } : {};
      return u ? { ...m, state: u.state, ...(u.index !== undefined ? { index: u.index } : {}), ...delivery } : m;
    }),
  };
}

/** Each window's messages in clock order, computed once per (immutable) window array. */
const clockOrdered = new WeakMap<readonly ChatMessage[], readonly ChatMessage[]>();

/**
 * A group's messages as shown: by their senders' hybrid-clock readings (chat/hybrid-clock.ts), ties by sender key
 * (one's own messages carry none: ''), then by log position; a message without a reading (written before readings)
 * sorts by its sent time. The window stays in log order (its paging counts log positions): this is only what the
 * log shows. The same window gives the same array, so a render passes it on unchanged.
 */
export function inClockOrder(messages: readonly ChatMessage[]): readonly ChatMessage[] {
  const cached = clockOrdered.get(messages);
  if (cached) return cached;
  const readingOf = (m: ChatMessage) => m.order ?? hlcOf(m.sentAt);
  const sorted = [...messages].sort(
    (a, b) => readingOf(a) - readingOf(b) || compareText(a.from ?? '', b.from ?? '') || (a.index ?? Number.MAX_SAFE_INTEGER) - (b.index ?? Number.MAX_SAFE_INTEGER),
  );
  const ordered = sorted.every((m, i) => m === messages[i]) ? messages : sorted;
  clockOrdered.set(messages, ordered);
  return ordered;
}

/** One item of a two-person conversation's log: a message, or a file transfer at its time. */
export type LogItem = ChatMessage | FileTransferView;

/** Whether a log item is a file transfer (a message has no fileId). */
export function isFileItem(item: LogItem): item is FileTransferView {
  return 'fileId' in item;
}

/** When a message happened on this device's clock: when it arrived (incoming) or was written (outgoing). A transfer's
 * createdAt is on the same clock (offered or received), so the two compare without the sender's clock skew. */
export function deviceTimeOf(message: ChatMessage): number {
  return message.receivedAt ?? message.sentAt;
}

/**
 * Whether a transfer waits for the person or is still moving: an offer to accept or decline, an interrupted one, one
 * being prepared, sent or checked. Such a file is never left out of the log for being in a page not loaded.
 */
export function isFileLive(transfer: FileTransferView): boolean {
  switch (transfer.state) {
    case 'offered':
      return transfer.direction === 'in';
    case 'preparing':
    case 'transferring':
    case 'interrupted':
    case 'verifying':
      return true;
    default:
      return false;
  }
}

/**
 * A two-person conversation's window with its files among the messages, each at its time: a transfer goes before the
 * first message of the window that happened after it (messages keep their log order, transfers their createdAt
 * order; a tie puts the file after the message). A finished transfer that falls before the window while there are
 * older messages, or after it while there are newer ones, is not shown: it comes with the page that holds its time.
 * A live one (isFileLive: an offer waiting for Accept, a transfer under way or interrupted) whose time is not loaded
 * goes at the end of the window instead, so nothing the person must act on is out of reach. The window's array is
 * returned as it is when no file falls in it. A group's message that offered a file is left out when its transfer is
 * here: the transfer is that message's entry.
 */
export function withFilesAtTheirTime(
  window: Pick<OpenConversation, 'messages' | 'hasOlder' | 'hasNewer'>,
  transfers: readonly FileTransferView[],
): readonly LogItem[] {
  if (!transfers.length) return window.messages;
  // A group's file came in a message (chat/files/group-file.ts): its transfer stands in the message's place, when
  // the transfer is that message's (the same sender): a member who offered a file under another member's file id
  // first must not hide that member's message.
  const byId = new Map(transfers.map((t) => [t.fileId, t]));
  const replaced = (m: ChatMessage): boolean => {
    const transfer = m.groupFileId === undefined ? undefined : byId.get(m.groupFileId);
    if (!transfer) return false;
    return m.direction === 'out' ? transfer.direction === 'out' : transfer.direction === 'in' && transfer.from === m.from;
  };
  const messages = window.messages.some(replaced) ? window.messages.filter((m) => !replaced(m)) : window.messages;
  const files = [...transfers].sort((a, b) => a.createdAt - b.createdAt);
  const items: LogItem[] = [];
  const outOfWindow: FileTransferView[] = [];
  let next = 0;
  for (const [at, message] of messages.entries()) {
    const time = deviceTimeOf(message);
    while (next < files.length && files[next]!.createdAt < time) {
      // Before the window's first message, with older ones not loaded: its place is in an older page.
      if (at > 0 || !window.hasOlder) items.push(files[next]!);
      else outOfWindow.push(files[next]!);
      next++;
    }
    items.push(message);
  }
  // After the window's last message, with newer ones not loaded: its place is in a newer page.
  if (!window.hasNewer || !messages.length) items.push(...files.slice(next));
  else outOfWindow.push(...files.slice(next));
  items.push(...outOfWindow.filter(isFileLive));
  return items.length === messages.length ? messages : items;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
