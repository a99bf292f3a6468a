// The shape of everything the UI renders. Only src/app/ writes it; components read it.
import type { ErrorCode } from '../errors';
import type { LinkRole, LinkState } from '../net/peer-link';
import type { StoredIceServer } from '../store/records';

export type MessageState = 'waiting' | 'sent' | 'delivered';

export interface ChatMessage {
  id: string;
  direction: 'in' | 'out';
  text: string;
  sentAt: number;
  state: MessageState;
  /** Position in the conversation's log; absent until stored. */
  index?: number;
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
 * errors without a code, or a name to put in the sentence. */
export interface Notice {
  kind: 'error' | 'warning' | 'info';
  code?: ErrorCode;
  detail?: string;
}

export interface ContactView {
  id: string;
  name: string;
  verified: boolean;
  /** The contact came back with another identity key and the person has not acknowledged it yet. */
  keyChangePending: boolean;
  unread: number;
  lastText?: string;
  lastAt?: number;
  /** When the contact was last connected (ms since epoch). */
  lastSeen: number;
  online: boolean;
}

export type Screen = 'loading' | 'setup' | 'unlock' | 'main' | 'unavailable';

export interface AppState {
  screen: Screen;
  /** A long operation is running (unlocking: Argon2id takes a moment). */
  busy: boolean;
  profileName?: string;
  pairing?: Pairing;
  /** The live chat connection, if any. */
  connection: { state: 'none' | LinkState; contactId?: string; path?: string };
  contacts: ContactView[];
  activeContactId?: string;
  /** Messages of the active conversation, oldest first. */
  messages: ChatMessage[];
  hasOlder: boolean;
  /** Safety number of the active contact, 12 groups of 5 digits. */
  safetyNumber?: string[];
  peerTyping: boolean;
  notice?: Notice;
  iceServers: StoredIceServer[];
}

export const initialState: AppState = {
  screen: 'loading',
  busy: false,
  connection: { state: 'none' },
  contacts: [],
  messages: [],
  hasOlder: false,
  peerTyping: false,
  iceServers: [],
};
