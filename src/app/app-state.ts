// The shape of everything the UI renders. Only src/app/ writes it; components read it.
import type { ErrorCode } from '../errors';
import type { LinkRole, LinkState } from '../net/peer-link';

export type MessageState = 'waiting' | 'sent' | 'delivered';

export interface ChatMessage {
  id: string;
  direction: 'in' | 'out';
  text: string;
  sentAt: number;
  state: MessageState;
}

/** The invite / answer exchange in progress, if any. */
export interface Pairing {
  role: LinkRole;
  state: LinkState;
  /** Our code for the other person: the invite (inviter) or the answer (answerer). */
  code?: string;
  link?: string;
  /** Until when the code stays usable, for the UI's "valid until" line (ms since epoch). */
  validUntil?: number;
}

/** Something to tell the person. The UI turns `code` into a sentence (src/ui/messages.ts); `detail` is for
 * errors without a code. */
export interface Notice {
  kind: 'error' | 'warning' | 'info';
  code?: ErrorCode;
  detail?: string;
}

export interface AppState {
  pairing?: Pairing;
  /** State of the chat connection once paired. */
  connection: { state: 'none' | LinkState; peerName?: string; path?: string };
  messages: ChatMessage[];
  peerTyping: boolean;
  notice?: Notice;
  droppedFrames: number;
}

export const initialState: AppState = {
  connection: { state: 'none' },
  messages: [],
  peerTyping: false,
  droppedFrames: 0,
};
