// The shape of everything the UI renders. Only src/app/ writes it (a new object on every change, never mutated);
// components read it. Everything about a conversation is keyed by it: many peers are live at once, and a
// background conversation keeps its own connection, typing, unread count and notices.
import type { RelayStatus } from '../chat/relay-carrier';
import type { ErrorCode } from '../errors';
import type { ChatMessage } from '../chat/chat-message';
import type { CallState } from '../chat/calls';
import type { GroupCallGoingOn, GroupCallMember, GroupCallState } from '../chat/group-calls';
import type { ExchangeKind } from '../chat/pairing';
import type { TransferState } from '../chat/files/transfer-store';
import type { LinkState } from '../net/link';
import type { StoredIceServer } from '../store/records';
import type { Reach } from '../store/reach';

export type { ChatMessage } from '../chat/chat-message';

/**
 * Something to tell the person. The UI turns `code` into a sentence (src/ui/messages.ts), with `name` put into
 * it where the sentence names someone; `detail` only for errors without a code. `area` says where it belongs, so
 * it shows next to the control that caused it: the pairing card, the composer, the unlock form, the settings.
 */
export interface Notice {
  readonly kind: 'error' | 'warning' | 'info';
  readonly code?: ErrorCode;
  readonly detail?: string;
  readonly name?: string;
  readonly area: NoticeArea;
  /** For area 'conversation': the conversation it is about (shown there only). */
  readonly conversationId?: string;
}

export type NoticeArea = 'global' | 'pairing' | 'composer' | 'welcome' | 'settings' | 'conversation';

/** 'relay': not connected, but reached through relays (chat/relay-presence.ts): messages go by relay. */
export type ConnectionState = 'online' | 'offline' | 'connecting' | 'relay';

export interface ConversationView {
  /** The contact's id (a two-person conversation is stored under it). */
  readonly id: string;
  readonly name: string;
  readonly verified: boolean;
  /** A new key whose name equals or looks like this known contact's (warn until the person decides). */
  readonly lookalikeOf?: { readonly id: string; readonly name: string };
  /** The person moved this contact to a new device key at this time (ms since epoch): verify again. */
  readonly keyChangedAt?: number;
  /** This contact's record was restored from an older copy (it may have lost "verified" or a key change). */
  readonly restoredOlder?: boolean;
  readonly unread: number;
  readonly lastText?: string;
  /** Time of the last message, or of the last connection when there is none (ms since epoch). */
  readonly lastAt?: number;
  /** When the contact was last connected (ms since epoch). */
  readonly lastSeen: number;
  readonly connection: ConnectionState;
  /** How the live connection runs (same network, through NAT, relayed), when online. */
  readonly path?: string;
  readonly typing: boolean;
  /** The contact closed its chat on purpose (rather than the link being lost). */
  readonly closedByPeer?: boolean;
  /** With closedByPeer: the contact's page went away (closed, reloaded, navigated from), as its bye said. */
  readonly pageClosed?: boolean;
  /** Why the last connection ended, when there is something to say (shown in the conversation header). */
  readonly endCode?: ErrorCode;
  /** Messages written here that the contact has not acknowledged yet. */
  readonly waiting: number;
  /** "Reconnect" can make a one-code invite (the contact's device certificate is pinned, this browser can). */
  readonly oneCodeReconnect: boolean;
  /** What the contact's frames cost: dropped and rejected counts (connection details). */
  readonly dropped: number;
  /** Both turned relays on (docs/relays.md): "Use relays with …" can be ticked. */
  readonly relaysAvailable: boolean;
  /** Messages to this contact also go to its relays while it is not connected. */
  readonly useRelays: boolean;
  /** "Let <name> use my mailbox" (docs/mailbox.md §5): this contact may be told the own mailbox and use it. */
  readonly mailboxShared: boolean;
  /** A group (chat/group/): its members; absent for two people. */
  readonly group?: GroupInfoView;
}

export interface GroupMemberInfo {
  readonly key: string;
  readonly name: string;
  readonly isSelf: boolean;
  readonly online: boolean;
  /** Not linked here, but its messages come and go through this member (its name in the group): "via Cat". */
  readonly via?: string;
  /** The rules let this device remove it (docs/groups.md). */
  readonly canRemove: boolean;
  readonly addedByName: string;
  /** This device verified this member's key: the verified mark of the contact with this very key (never by name). */
  readonly verified: boolean;
  /** The contact with this key moved to it from an earlier key at this time (ms since epoch), as in its 1:1. */
  readonly keyChangedAt?: number;
  /** This key is one a contact left for a new key ("on a new device"): that contact's name and when. */
  readonly replacedKeyOf?: { readonly name: string; readonly changedAt: number };
  /** A member who left or was removed had this very name with another key. */
  readonly nameHadOtherKey: boolean;
}

export interface GroupInfoView {
  /** Every member, this device included, in the order they joined. */
  readonly members: readonly GroupMemberInfo[];
  /** False once this device left or was removed. */
  readonly isMember: boolean;
  /** The group has the most members a mesh takes (16). */
  readonly isFull: boolean;
  /** More members than a group call takes (maxGroupCallMembers, 4): the call buttons say so. */
  readonly tooBigToCall: boolean;
  /** Who is typing, by name (typing is per member in a group). */
  readonly typingName?: string;
}

/** The conversation on screen: a window of its log, never all of it. */
export interface OpenConversation {
  readonly id: string;
  /** Oldest first; at most a window (app/ trims it), loaded page by page as the person scrolls. */
  readonly messages: readonly ChatMessage[];
  readonly hasOlder: boolean;
  /** The window was moved up into the past: newer messages exist below it (scrolling down loads them). */
  readonly hasNewer: boolean;
  /** 12 groups of 5 digits. */
  readonly safetyNumber?: readonly string[];
  /** A group's senders' names by identity key (incoming messages carry the key). */
  readonly senders?: Readonly<Record<string, string>>;
}

/** An invite or answer in progress, as the pairing card shows it. */
export interface ExchangeView {
  readonly id: string;
  readonly kind: ExchangeKind;
  readonly state: LinkState;
  readonly code?: string;
  /** The page link that carries the code (`<page>#<code>`). */
  readonly link?: string;
  readonly contactName?: string;
  readonly createdAt: number;
  readonly validUntil?: number;
  readonly inviterUnreachable?: boolean;
  readonly showFallback?: boolean;
  readonly oneCodeUnavailable?: boolean;
  /** Inviter: the answer may come back through this device's relays by itself. */
  readonly awaitsRelay?: boolean;
  /** Answerer: the answer also goes to the inviter's relays (chat/pairing.ts). */
  readonly answerByRelay?: 'sending' | 'sent' | 'unreachable';
}

/** A file transfer as the conversation shows it (chat/files/): offered, moving, done or failed. */
export interface FileTransferView {
  readonly fileId: string;
  /** The contact (a two-person conversation's id). */
  readonly conversationId: string;
  readonly direction: 'in' | 'out';
  /** Sanitised by the protocol (no paths, no control characters). */
  readonly name: string;
  readonly size: number;
  /** As the sender stated it: never a reason to render anything (previews sniff the bytes). */
  readonly mime: string;
  readonly state: TransferState;
  readonly bytes: number;
  readonly bytesPerSecond?: number;
  readonly secondsLeft?: number;
  /** Why it failed, ended or waits. */
  readonly code?: ErrorCode;
  /** Receiver, when done: where the finished file is kept (platform/file-sink.ts opens it). */
  readonly finishedRef?: string;
  /** Sender: bytes this page handed to the connection, chunks sent again included (the e2e tests read it). */
  readonly sentBytes?: number;
  /** Receiver: taken without asking as a picture; its first bytes were one, and the page checks that it decodes. */
  readonly asPicture?: true;
  readonly createdAt: number;
  /** Sent to a group (conversationId is the group's): the card says so. */
  readonly inGroup?: true;
  /** Received in a group: the identity key of the member who sent it (the log names them). */
  readonly from?: string;
}

/** A code that arrived by link, waiting for the person's consent before anything is sent anywhere. */
export interface Invitation {
  readonly code: string;
  readonly kind: 'invite' | 'reconnect';
  /** The contact whose device the code claims to come from (unauthenticated until the handshake). */
  readonly contactName?: string;
  /** A pasted ordinary invite from this contact's device: maybe one answered before, so "Reconnect" is offered. */
  readonly knownContactId?: string;
  /** A code from the device of a contact the person removed (at `removedAt`): "Accept" or "Refuse", never unasked. */
  readonly removedAt?: number;
  /** The relays the answer also goes back through (an invite naming its inviter's relays). */
  readonly relays?: readonly string[];
}

/** How far invites reach (store/reach.ts reads it from the saved ICE servers). */
export type { Reach } from '../store/reach';

export type Screen = 'loading' | 'setup' | 'unlock' | 'main' | 'unavailable' | 'elsewhere';

export interface VaultHealthView {
  /** The whole vault is older than the last one this browser saw (restored from an older copy). */
  readonly restoredOlder: boolean;
  /** Records that could not be read and were skipped. */
  readonly damagedRecords: number;
}

export interface AppState {
  readonly screen: Screen;
  /** A long operation is running (unlocking: Argon2id takes a moment). */
  readonly busy: boolean;
  readonly profileName?: string;
  /** Newest activity first. */
  readonly conversations: readonly ConversationView[];
  readonly activeId?: string;
  readonly open?: OpenConversation;
  /** Exchanges in progress, newest first. */
  readonly exchanges: readonly ExchangeView[];
  readonly invitation?: Invitation;
  readonly notice?: Notice;
  readonly iceServers: readonly StoredIceServer[];
  readonly reach: Reach;
  /** Whether the person chose a reach yet (first run asks once). */
  readonly reachChosen: boolean;
  readonly vaultHealth?: VaultHealthView;
  /** Unread messages in every conversation (title count, app badge). */
  readonly unreadTotal: number;
  /** File transfers of every conversation, oldest first (the chat shows its conversation's). */
  readonly transfers: readonly FileTransferView[];
  /** Offered pictures (PNG, JPEG, GIF, WebP as the sender states it) up to this size are accepted without asking;
   * 0: never. */
  readonly autoAcceptImageBytes: number;
  /** What the browser says this origin uses of what it may use (received files included), when it says. */
  readonly storage?: StorageView;
  /** This person's mailbox (docs/mailbox.md), once added: whether this page is connected to it now. */
  readonly mailbox?: 'connected' | 'offline';
  /** The call going on (chat/calls.ts), ringing or connected: one at a time. */
  readonly call?: CallView;
  /** The group call going on (chat/group-calls.ts), ringing or connected: one at a time with `call`. */
  readonly groupCall?: GroupCallView;
  /** Group calls going on that this device is not in (it left, declined, missed them, or came back): the group's
   * screen offers "Join call". */
  readonly groupCallsGoingOn?: readonly GroupCallGoingOn[];
  /** This device's Nostr relays (none: relays are off) and how each is doing. */
  readonly relays: readonly RelayView[];
}

export interface RelayView {
  readonly url: string;
  readonly status: RelayStatus;
}

/** The call going on, with the contact's name as shown. */
export interface CallView extends CallState {
  readonly name: string;
}

/** The group call going on, with the group's name and each member's name as the group's member list has it (by key). */
export interface GroupCallView extends Omit<GroupCallState, 'members'> {
  readonly name: string;
  readonly members: readonly GroupCallMemberView[];
}

export interface GroupCallMemberView extends GroupCallMember {
  readonly name: string;
}

export interface StorageView {
  readonly usageBytes: number;
  readonly quotaBytes: number;
}

export const initialState: AppState = {
  screen: 'loading',
  busy: false,
  conversations: [],
  exchanges: [],
  iceServers: [],
  reach: 'local',
  reachChosen: false,
  unreadTotal: 0,
  transfers: [],
  autoAcceptImageBytes: 0,
  relays: [],
};

/** What Settings says about pictures accepted without asking (chat/files/file-acceptance.ts holds the policy). */
export { defaultAutoAcceptBudgetBytes } from '../chat/files/file-acceptance';
