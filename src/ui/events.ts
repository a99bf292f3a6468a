// Typed events that components send up to the shell. One prefix (tc-) for all of them.
import type { ScanErrorCode } from '../scan/scan-errors';

export interface TincanEventMap {
  'tc-scan-error': CustomEvent<{ code: ScanErrorCode }>;
  'tc-new-invite': CustomEvent<void>;
  'tc-submit-code': CustomEvent<string>;
  'tc-send-message': CustomEvent<string>;
  'tc-typing': CustomEvent<boolean>;
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
