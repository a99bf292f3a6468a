// A message as the app shows it: an immutable value made from a stored record or from a frame, never shared
// with the store or the wire (a shared mutable object is how a "sent" state once went unwritten).
import type { MessageState } from '../store/records';
import type { CallRecord } from './call-record';

/** `refused`: the peer's device did not store it (no room); it stays in the outbox and is sent again later (shown
 * only, not stored). `held` (a MessageState, stored): a mailbox holds it for the recipient (docs/mailbox.md), shown
 * until the recipient's ack, also after a reload. */
export type ShownState = MessageState | 'refused';

/** How many of a conversation's other members have stored an outgoing message (conversations of three or more). */
export interface DeliveryCount {
  readonly acknowledged: number;
  readonly members: number;
}

export interface ChatMessage {
  readonly id: string;
  readonly direction: 'in' | 'out';
  readonly text: string;
  /** ms since the Unix epoch: the sender's clock, or the time it arrived when the sender's clock was implausible. */
  readonly sentAt: number;
  readonly receivedAt?: number;
  readonly state: ShownState;
  /** Position in the conversation's log; absent until stored. */
  readonly index?: number;
  /** Outgoing, in a conversation of three or more: "Delivered to 1 of 2" until every member has it. */
  readonly delivery?: DeliveryCount;
  /** Incoming, in a group: the sender's identity key (base64url); the app names it. */
  readonly from?: string;
  /** Where it sorts: its sender's hybrid-clock reading (hybrid-clock.ts; bounded when received). Absent in messages
   * written before readings. */
  readonly order?: number;
  /** The stored record could not be read (damaged): shown as such, never thrown at the renderer. */
  readonly unreadable?: true;
  /** A call's entry in the history (chat/calls.ts): no text, its words come from the UI. */
  readonly call?: CallRecord;
  /** A file offered to a group (files/group-file.ts): its text is the file's name, and the log shows the file's
   * transfer with this id in its place. (Not `fileId`: that names a transfer among a log's items.) */
  readonly groupFileId?: string;
}

/** Shorter than any clock skew worth correcting: a sender this far ahead is shown at arrival time. */
export const maxClockAheadMs = 2 * 60_000;
/** Nothing in Tincan was sent before this (2020-01-01T00:00:00Z): an earlier time is a broken clock. */
export const earliestPlausibleMs = Date.UTC(2020, 0, 1);

/** The time to keep and show for an incoming message: the sender's, unless that clock is implausible. */
export function plausibleSentAt(sentAt: number, receivedAt: number): number {
  return sentAt > receivedAt + maxClockAheadMs || sentAt < earliestPlausibleMs ? receivedAt : sentAt;
}
