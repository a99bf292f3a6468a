// The profile record: the person's name and long-term identity (crypto/identity.ts), sealed under the master key.
// While unlocked the identity's secret key is in memory; wipe() zeroes it (lock).
import { TincanError } from '../errors';
import { fromBase64Url, toBase64Url } from '../crypto/bytes';
import { normalizeDisplayName } from '../crypto/display-name';
import { deserializeIdentity, serializeIdentity, type Identity } from '../crypto/identity';
import { isProfileRecord, profileRecordKey, recordFormatVersion, type ProfileRecord } from './records';
import type { OpenVault } from './sealed-records';
import type { StoreContext } from './store-context';

export interface Profile {
  readonly name: string;
  readonly identity: Identity;
  readonly createdAt: number;
}

/** The sealed profile record for `profile` (written by createProfile and renames). */
export async function sealProfile(vault: OpenVault, profile: Profile): Promise<Uint8Array> {
  const record: ProfileRecord = {
    v: recordFormatVersion,
    name: profile.name,
    identity: toBase64Url(await serializeIdentity(profile.identity)),
    createdAt: profile.createdAt,
  };
  return vault.seal(profileRecordKey, record);
}

/** Opens the stored profile; a damaged one -> RECORD_TAMPERED (the one record without which nothing works). */
export async function openProfile(vault: OpenVault, stored: unknown): Promise<Profile> {
  const opened = vault.open(profileRecordKey, stored, isProfileRecord);
  if (!opened.ok) throw new TincanError('RECORD_TAMPERED', `profile: ${opened.reason}`);
  let identityBytes: Uint8Array;
  try {
    identityBytes = fromBase64Url(opened.value.identity);
  } catch {
    throw new TincanError('RECORD_TAMPERED', 'profile: identity is not base64url');
  }
  const identity = await deserializeIdentity(identityBytes);
  vault.sodium.memzero(identityBytes);
  return Object.freeze({ name: normalizeDisplayName(opened.value.name), identity, createdAt: opened.value.createdAt });
}

export class ProfileStore {
  private profile: Profile | undefined;

  constructor(private readonly context: StoreContext) {}

  current(): Profile {
    if (!this.profile || !this.context.isUnlocked) throw new TincanError('VAULT_LOCKED');
    return this.profile;
  }

  loaded(profile: Profile): void {
    this.profile = profile;
  }

  /** Inside an exclusive task. */
  async renameNow(name: string): Promise<Profile> {
    const current = this.current();
    const renamed = Object.freeze({ ...current, name: normalizeDisplayName(name) });
    const vault = this.context.vault();
    await this.context.backend.write([{ key: profileRecordKey, value: await sealProfile(vault, renamed) }]);
    this.profile = renamed;
    return renamed;
  }

  /** Zeroes the identity's secret key (shared with whoever holds the Profile: they see zeros too). */
  wipe(sodium: { memzero(bytes: Uint8Array): void }): void {
    if (this.profile) sodium.memzero(this.profile.identity.secretKey);
    this.profile = undefined;
  }
}
