// Typed events that components send up to the shell. One prefix (tc-) for all of them.
import type { ScanErrorCode } from '../scan/scan-errors';
import type { TranscriptFormat } from '../store/transcript';
import type { CreateProfileDetail } from './welcome-screen';
import type { ChangePassphraseDetail } from './account-panel';
import type { SaveSettingsDetail } from './settings-panel';

export interface TincanEventMap {
  'tc-scan-error': CustomEvent<{ code: ScanErrorCode }>;
  'tc-new-invite': CustomEvent<void>;
  'tc-submit-code': CustomEvent<string>;
  'tc-send-message': CustomEvent<string>;
  'tc-typing': CustomEvent<boolean>;
  'tc-load-older': CustomEvent<void>;
  'tc-create-profile': CustomEvent<CreateProfileDetail>;
  'tc-unlock': CustomEvent<string>;
  'tc-import-backup': CustomEvent<{ bytes: Uint8Array; passphrase: string }>;
  'tc-select-contact': CustomEvent<string>;
  'tc-set-verified': CustomEvent<boolean>;
  'tc-acknowledge-key': CustomEvent<void>;
  'tc-export-transcript': CustomEvent<TranscriptFormat>;
  'tc-delete-conversation': CustomEvent<string>;
  'tc-export-backup': CustomEvent<void>;
  'tc-change-passphrase': CustomEvent<ChangePassphraseDetail>;
  'tc-lock': CustomEvent<void>;
  'tc-forget-device': CustomEvent<void>;
  'tc-save-settings': CustomEvent<SaveSettingsDetail>;
}

export function emit<K extends keyof TincanEventMap>(
  from: HTMLElement,
  type: K,
  detail: TincanEventMap[K]['detail'],
): void {
  from.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
}

declare global {
  interface HTMLElementEventMap extends TincanEventMap {}
}
