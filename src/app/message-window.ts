// The open conversation's window of messages: which page to load next and what the window holds after it, as pure
// functions over OpenConversation (the app facade does the reading). The window keeps at most `windowSize`
// messages; loading at one end drops the far end, and says there is more that way.
import type { ChatMessage, ShownState } from '../chat/chat-message';
import type { OpenConversation } from './app-state';

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

/** The older page put before the window; the newest end is dropped past windowSize. */
export function withOlder(open: OpenConversation, older: readonly ChatMessage[], hasOlder: boolean): OpenConversation {
  const messages = [...older, ...open.messages];
  const trimmed = messages.length > windowSize;
  return { ...open, messages: trimmed ? messages.slice(0, windowSize) : messages, hasOlder, hasNewer: open.hasNewer || trimmed };
}

/** Which newer page to load: up to pageSize messages after the newest shown, out of `count` in the log. Undefined
 * when the window already ends at the newest. */
export function newerPage(open: OpenConversation | undefined, count: number): { newest: number; before: number; limit: number } | undefined {
  if (!open?.hasNewer) return undefined;
  const newest = [...open.messages].reverse().find((m) => m.index !== undefined)?.index ?? -1;
  const before = Math.min(count, newest + 1 + pageSize);
  return { newest, before, limit: before - newest - 1 };
}

/** The newer page put after the window (messages already shown are skipped); the oldest end is dropped past
 * windowSize. */
export function withNewer(open: OpenConversation, page: { newest: number; before: number }, loaded: readonly ChatMessage[], count: number): OpenConversation {
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
export function withStates(open: OpenConversation, updates: readonly { id: string; state: ShownState; index?: number }[]): OpenConversation {
  const byId = new Map(updates.map((u) => [u.id, u]));
  return {
    ...open,
    messages: open.messages.map((m) => {
      const u = byId.get(m.id);
      return u ? { ...m, state: u.state, ...(u.index !== undefined ? { index: u.index } : {}) } : m;
    }),
  };
}
