// Sealing and opening the store's records under the master key (crypto/vault.ts sealRecordSync: XChaCha20-Poly1305
// with the storage key as associated data), and why a record that did not open was skipped.
//
// An OpenVault holds the master key and the keys derived from it while the store is unlocked; wipe() zeroes them
// all (lock). Derived keys: BLAKE2b-256 keyed by the master key over a context string ("tincan/<purpose>/v1"), so
// each purpose has its own key and none reveals the master key.
import { TincanError, isTincanError } from '../errors';
import { utf8 } from '../crypto/bytes';
import type { Sodium } from '../crypto/sodium';
import { openRecordSync, sealRecordSync, type JsonValue } from '../crypto/vault';

/** tampered: does not open (bit flip, swapped key, foreign key); malformed: opens but has the wrong shape. */
export type SkipReason = 'tampered' | 'malformed' | 'missing';

/** A record left out because it could not be read. */
export interface SkippedRecord {
  readonly key: string;
  readonly reason: SkipReason;
}

export type Opened<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: SkipReason };

export const derivedKeyBytes = 32;

export class OpenVault {
  private readonly derived = new Map<string, Uint8Array>();
  private wiped = false;

  constructor(
    readonly sodium: Sodium,
    private readonly masterKey: Uint8Array,
  ) {}

  /** Seals `value` for storage at `key` (a fresh random nonce each time). */
  seal(key: string, value: unknown): Uint8Array {
    return sealRecordSync(this.sodium, this.live(), key, value as JsonValue);
  }

  /** Opens what was read from `key` and checks its shape; never throws for anything storage may hold. */
  open<T>(key: string, stored: unknown, check: (value: unknown) => value is T): Opened<T> {
    if (stored === undefined || stored === null) return { ok: false, reason: 'missing' };
    let value: unknown;
    try {
      value = openRecordSync(this.sodium, this.live(), key, stored);
    } catch (thrown) {
      if (isTincanError(thrown, 'RECORD_TAMPERED')) return { ok: false, reason: 'tampered' };
      throw thrown;
    }
    return check(value) ? { ok: true, value } : { ok: false, reason: 'malformed' };
  }

  /** The key for `purpose`, derived once per unlock. */
  derivedKey(purpose: string): Uint8Array {
    let key = this.derived.get(purpose);
    if (!key) {
      key = this.sodium.crypto_generichash(derivedKeyBytes, utf8(`tincan/${purpose}/v1`), this.live());
      this.derived.set(purpose, key);
    }
    return key;
  }

  /** Zeroes the master key and every derived key; the vault is unusable afterwards (VAULT_LOCKED). */
  wipe(): void {
    if (this.wiped) return;
    this.wiped = true;
    this.sodium.memzero(this.masterKey);
    for (const key of this.derived.values()) this.sodium.memzero(key);
    this.derived.clear();
  }

  private live(): Uint8Array {
    if (this.wiped) throw new TincanError('VAULT_LOCKED');
    return this.masterKey;
  }
}
