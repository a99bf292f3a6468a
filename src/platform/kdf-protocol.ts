// Messages between the page and platform/kdf-worker.ts.
import type { KdfLimits } from '../crypto/vault';

export interface KdfRequest {
  readonly password: Uint8Array;
  readonly salt: Uint8Array;
  readonly limits: KdfLimits;
}

export type KdfResponse = { readonly ok: true; readonly key: Uint8Array } | { readonly ok: false; readonly detail: string };
