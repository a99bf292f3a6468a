// Every event a component sends up to the shell, with its detail type. One prefix (tc-) for all of them; they
// bubble and cross shadow roots (composed), and the shell turns each into one app action. Details are plain
// values: components hold no protocol state, so an event says what the person did, never how to do it.
import type { Reach } from '../app/app-state';
import type { ErrorCode } from '../errors';
import type { IceServerEntry } from '../net/ice-servers';
import type { ScanErrorCode } from '../scan/scan-errors';
import type { TranscriptFormat } from '../store/transcript';

/** A screen of the main view; phones show one at a time, each with its own history entry. */
export type MainView = 'home' | 'pair' | 'chat' | 'contact' | 'settings';

export interface CreateProfileDetail {
  readonly name: string;
  readonly passphrase: string;
  readonly repeat: string;
  readonly reach: Exclude<Reach, 'custom'>;
}

export interface ImportBackupDetail {
  readonly bytes: Uint8Array;
  readonly passphrase: string;
}

export interface ChangePassphraseDetail {
  readonly oldPassphrase: string;
  readonly newPassphrase: string;
  readonly repeat: string;
}

/** One URL per entry, canonical and checked: a valid RTCIceServer[] and what the vault stores. */
export interface SaveSettingsDetail {
  readonly iceServers: IceServerEntry[];
}

/** A code typed or pasted into "Paste a code", or read from a QR code. Links arrive through main.ts, not here. */
export interface SubmitCodeDetail {
  readonly text: string;
  readonly source: 'paste' | 'scan';
}

export interface ConversationDetail {
  readonly conversationId: string;
}

export interface FileDetail {
  readonly fileId: string;
}

export interface TincanEventMap {
  // profile and vault
  'tc-create-profile': CustomEvent<CreateProfileDetail>;
  'tc-unlock': CustomEvent<{ readonly passphrase: string }>;
  'tc-import-backup': CustomEvent<ImportBackupDetail>;
  'tc-forget-device': CustomEvent<void>;
  'tc-use-here': CustomEvent<void>;
  'tc-acknowledge-vault-health': CustomEvent<void>;
  'tc-export-backup': CustomEvent<void>;
  'tc-change-passphrase': CustomEvent<ChangePassphraseDetail>;
  'tc-lock': CustomEvent<void>;
  'tc-save-settings': CustomEvent<SaveSettingsDetail>;
  'tc-set-reach': CustomEvent<{ readonly reach: Exclude<Reach, 'custom'> }>;
  'tc-add-mailbox': CustomEvent<{ readonly text: string }>;
  'tc-remove-mailbox': CustomEvent<void>;
  // pairing
  'tc-new-invite': CustomEvent<void>;
  'tc-submit-code': CustomEvent<SubmitCodeDetail>;
  /** A code card's code was copied or shared (the person is sending it on). */
  'tc-code-handed': CustomEvent<{ readonly kind: 'invite' | 'answer' }>;
  'tc-scan-error': CustomEvent<{ readonly code: ScanErrorCode }>;
  'tc-accept-invitation': CustomEvent<void>;
  'tc-decline-invitation': CustomEvent<void>;
  'tc-refuse-invitation': CustomEvent<void>;
  'tc-cancel-exchange': CustomEvent<{ readonly exchangeId: string }>;
  // conversations
  'tc-select-conversation': CustomEvent<ConversationDetail>;
  'tc-create-group': CustomEvent<{ readonly name: string }>;
  'tc-invite-to-group': CustomEvent<ConversationDetail>;
  'tc-leave-group': CustomEvent<ConversationDetail>;
  'tc-remove-member': CustomEvent<ConversationDetail & { readonly memberKey: string }>;
  'tc-member-safety-number': CustomEvent<ConversationDetail & { readonly memberKey: string }>;
  'tc-reconnect': CustomEvent<ConversationDetail>;
  'tc-disconnect': CustomEvent<ConversationDetail>;
  'tc-delete-conversation': CustomEvent<ConversationDetail>;
  'tc-send-message': CustomEvent<{ readonly text: string }>;
  'tc-typing': CustomEvent<{ readonly active: boolean }>;
  'tc-load-older': CustomEvent<void>;
  'tc-load-newer': CustomEvent<void>;
  'tc-set-verified': CustomEvent<{ readonly verified: boolean }>;
  'tc-save-relays': CustomEvent<{ readonly text: string }>;
  'tc-set-use-relays': CustomEvent<{ readonly conversationId: string; readonly use: boolean }>;
  'tc-set-mailbox-shared': CustomEvent<{ readonly conversationId: string; readonly shared: boolean }>;
  'tc-move-to-new-device': CustomEvent<void>;
  'tc-confirm-different-person': CustomEvent<void>;
  'tc-export-transcript': CustomEvent<{ readonly format: TranscriptFormat }>;
  // files
  'tc-send-files': CustomEvent<{ readonly files: readonly File[] }>;
  'tc-accept-file': CustomEvent<FileDetail>;
  'tc-decline-file': CustomEvent<FileDetail>;
  'tc-cancel-transfer': CustomEvent<FileDetail>;
  'tc-discard-file': CustomEvent<FileDetail>;
  'tc-save-file': CustomEvent<FileDetail>;
  'tc-resume-file': CustomEvent<FileDetail & { readonly file: File }>;
  'tc-file-error': CustomEvent<{ readonly code: ErrorCode }>;
  'tc-set-auto-accept-images': CustomEvent<{ readonly maxBytes: number }>;
  // calls (ui/call-view.ts, the conversation's buttons)
  'tc-start-call': CustomEvent<{ readonly video: boolean }>;
  'tc-accept-call': CustomEvent<void>;
  /** "Join call": the open group's call going on. */
  'tc-join-call': CustomEvent<void>;
  'tc-decline-call': CustomEvent<void>;
  'tc-end-call': CustomEvent<void>;
  'tc-set-muted': CustomEvent<{ readonly muted: boolean }>;
  'tc-set-camera-off': CustomEvent<{ readonly off: boolean }>;
  'tc-switch-camera': CustomEvent<void>;
  'tc-set-ring-sound': CustomEvent<{ readonly on: boolean }>;
  // the shell's own: screens, notices, alerts
  'tc-navigate': CustomEvent<{ readonly view: MainView }>;
  'tc-back': CustomEvent<void>;
  'tc-dismiss-notice': CustomEvent<void>;
  'tc-enable-notifications': CustomEvent<void>;
  'tc-dismiss-notifications-prompt': CustomEvent<void>;
  'tc-set-notification-content': CustomEvent<{ readonly show: boolean }>;
}

export type TincanEventName = keyof TincanEventMap;
export type TincanEventDetail<K extends TincanEventName> = TincanEventMap[K]['detail'];

/** Sends a typed event up from a component (bubbles, composed). */
export function emit<K extends TincanEventName>(from: EventTarget, type: K, ...detail: TincanEventDetail<K> extends void ? [] : [TincanEventDetail<K>]): void {
  from.dispatchEvent(new CustomEvent(type, { detail: detail[0], bubbles: true, composed: true }));
}

declare global {
  interface HTMLElementEventMap extends TincanEventMap {}
}
