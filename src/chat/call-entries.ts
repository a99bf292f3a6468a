// A call's entry in a conversation's history (docs/calls.md), written by the calls of two people (calls.ts) and of a
// group (group-calls.ts) alike: each device writes its own, and none past the conversation's storage quota (as
// delivery.ts counts a message).
import type { StoredMessage } from '../store/records';
import type { CallRecord } from './call-record';
import type { ChatMessage } from './chat-message';
import { randomMessageId } from './delivery';

/** What one call entry costs the conversation's quota (counted as delivery.ts counts a message: 200 bytes + text). */
export const callEntryBytes = 200;

/** Where call entries are written (the conversation log). */
export interface CallLogPort {
  append(conversationId: string, messages: readonly StoredMessage[]): Promise<readonly ({ readonly index: number } | { readonly duplicate: true })[]>;
  usageBytes(conversationId: string): number;
}

export interface CallEntry {
  readonly conversationId: string;
  readonly direction: 'in' | 'out';
  /** When the call began (ms since epoch). */
  readonly at: number;
  readonly record: CallRecord;
}

/**
 * Writes the entry; 'over-quota' when the conversation has no room left for it (nothing is written: the call itself
 * is over either way), undefined when the history could not be written. The message as the history shows it.
 */
export async function writeCallEntry(log: CallLogPort, quotaBytes: number, entry: CallEntry): Promise<ChatMessage | 'over-quota' | undefined> {
  if (log.usageBytes(entry.conversationId) + callEntryBytes > quotaBytes) return 'over-quota';
  const { direction, at, record } = entry;
  const stored: StoredMessage = {
    id: randomMessageId(),
    direction,
    text: '',
    sentAt: at,
    state: 'delivered',
    ...(direction === 'in' ? { receivedAt: at } : {}),
    meta: { call: { ...record } },
  };
  try {
    const [outcome] = await log.append(entry.conversationId, [stored]);
    if (!outcome || !('index' in outcome)) return undefined;
    const { meta: _meta, ...shown } = stored;
    return { ...shown, index: outcome.index, call: record };
  } catch {
    // The history could not be written (storage gone).
    return undefined;
  }
}
