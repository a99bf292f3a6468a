// The backup file: every stored record exactly as stored (sealed records plus the passphrase-wrapped master key),
// so a backup is as safe as the vault itself and opens on another device with the same passphrase. Device-only
// collection records (records.ts deviceOnlyIdPrefix) are left out, and left out of an import too.
//
// Layout v1 (all integers big-endian)
//   offset  size  field
//   0       8     magic "TINCANBK"
//   8       1     version (backupVersion = 1)
//   9       4     record count N (≤ maxBackupRecords)
//   13      ...   N records, each: u16 key length K (1..maxBackupKeyBytes) | K bytes UTF-8 key |
//                                  u32 value length V (≤ maxBackupValueBytes) | V bytes value
//   end-32  32    BLAKE2b-256 of every byte before it
// The checksum only catches truncation and accidental damage (a file cut short by a download, a wrong file): the
// records' own AEAD tags and the wrapped key are what an attacker cannot forge. Keys are unique within a file.
// Anything off -> BACKUP_INVALID, and decodeBackup throws nothing else for any input (property-tested in
// test/node/store/backup-properties.ts).
//
// Importing checks everything before anything is written (prepareImport): the file's checksum, the passphrase
// against its wrapped key, the profile; records that do not open are left out and listed. TincanStore then
// replaces the whole store with the file in ONE atomic batch.
import { TincanError, isTincanError } from '../errors';
import { bytesEqual, concatBytes, fromUtf8, u16, u32, utf8, view } from '../crypto/bytes';
import { getSodium } from '../crypto/sodium';
import { unwrapMasterKey } from '../crypto/vault';
import { openProfile, type Profile } from './profile-store';
import type { RecordBackend } from './record-backend';
import { isDeviceOnlyKey, profileRecordKey, wrappedKeyRecordKey } from './records';
import { OpenVault, type SkippedRecord } from './sealed-records';

export const backupMagic = utf8('TINCANBK');
export const backupVersion = 1;
export const backupChecksumBytes = 32;
export const maxBackupRecords = 1_000_000;
export const maxBackupKeyBytes = 1024;
export const maxBackupValueBytes = 64 * 1024 * 1024;

export interface BackupRecord {
  readonly key: string;
  readonly value: Uint8Array;
}

export async function encodeBackup(records: readonly BackupRecord[]): Promise<Uint8Array> {
  const parts: Uint8Array[] = [backupMagic, new Uint8Array([backupVersion]), u32(records.length)];
  for (const record of records) {
    const key = utf8(record.key);
    parts.push(u16(key.length), key, u32(record.value.length), record.value);
  }
  const body = concatBytes(...parts);
  const sodium = await getSodium();
  return concatBytes(body, sodium.crypto_generichash(backupChecksumBytes, body, null));
}

function invalid(detail: string): TincanError {
  return new TincanError('BACKUP_INVALID', detail);
}

export async function decodeBackup(file: Uint8Array): Promise<BackupRecord[]> {
  const headerBytes = backupMagic.length + 1 + 4;
  if (file.length < headerBytes + backupChecksumBytes || !bytesEqual(file.subarray(0, backupMagic.length), backupMagic)) {
    throw invalid('not a Tincan backup');
  }
  const version = file[backupMagic.length]!;
  if (version !== backupVersion) throw invalid(version > backupVersion ? 'made by a newer Tincan' : 'unknown version');
  const body = file.subarray(0, file.length - backupChecksumBytes);
  const sodium = await getSodium();
  if (!sodium.memcmp(sodium.crypto_generichash(backupChecksumBytes, body, null), file.subarray(body.length))) {
    throw invalid('checksum does not match: the file is damaged or cut short');
  }
  const bodyView = view(body);
  const count = bodyView.getUint32(backupMagic.length + 1);
  if (count > maxBackupRecords) throw invalid(`${count} records`);
  const records: BackupRecord[] = [];
  const seen = new Set<string>();
  let offset = headerBytes;
  for (let i = 0; i < count; i++) {
    if (offset + 2 > body.length) throw invalid('ends inside a record');
    const keyLength = bodyView.getUint16(offset);
    offset += 2;
    if (keyLength === 0 || keyLength > maxBackupKeyBytes || offset + keyLength + 4 > body.length) {
      throw invalid('bad record key');
    }
    let key: string;
    try {
      key = fromUtf8(body.subarray(offset, offset + keyLength));
    } catch {
      throw invalid('record key is not UTF-8');
    }
    offset += keyLength;
    const valueLength = bodyView.getUint32(offset);
    offset += 4;
    if (valueLength > maxBackupValueBytes || offset + valueLength > body.length) throw invalid('bad record value');
    if (seen.has(key)) throw invalid(`duplicate record ${key}`);
    seen.add(key);
    records.push({ key, value: body.slice(offset, offset + valueLength) });
    offset += valueLength;
  }
  if (offset !== body.length) throw invalid('trailing bytes after the last record');
  return records;
}

/** Every record as stored (still sealed; the master key still wrapped by the passphrase), as one file. */
export async function collectBackup(backend: RecordBackend): Promise<Uint8Array> {
  const keys = await backend.keys();
  const values = await backend.getMany(keys);
  const records: BackupRecord[] = [];
  keys.forEach((key, i) => {
    const value = values[i];
    if (value instanceof Uint8Array && !isDeviceOnlyKey(key)) records.push({ key, value });
  });
  return encodeBackup(records);
}

export interface PreparedImport {
  /** The backup's master key, open (the caller owns it: it becomes the store's vault or is wiped). */
  readonly vault: OpenVault;
  readonly profile: Profile;
  /** Records to write, the wrapped key among them. */
  readonly records: readonly BackupRecord[];
  readonly skipped: readonly SkippedRecord[];
}

const anyValue = (value: unknown): value is unknown => value !== undefined;

/**
 * Checks a backup file against `passphrase` without writing anything. A damaged or foreign file (its wrapped key
 * or profile included) -> BACKUP_INVALID; a wrong passphrase -> WRONG_PASSPHRASE.
 */
export async function prepareImport(file: Uint8Array, passphrase: string): Promise<PreparedImport> {
  const records = await decodeBackup(file);
  const wrapped = records.find((r) => r.key === wrappedKeyRecordKey);
  if (!wrapped) throw invalid('no vault key in the file');
  let masterKey: Uint8Array;
  try {
    masterKey = await unwrapMasterKey(wrapped.value, passphrase);
  } catch (thrown) {
    if (isTincanError(thrown, 'VAULT_DAMAGED') || isTincanError(thrown, 'RECORD_TAMPERED')) throw invalid(thrown.message);
    throw thrown;
  }
  const vault = new OpenVault(await getSodium(), masterKey);
  try {
    const profileRecord = records.find((r) => r.key === profileRecordKey);
    if (!profileRecord) throw invalid('no profile in the file');
    const profile = await openProfile(vault, profileRecord.value).catch((thrown: unknown) => {
      throw isTincanError(thrown, 'RECORD_TAMPERED') ? invalid(thrown.message) : thrown;
    });
    const good: BackupRecord[] = [];
    const skipped: SkippedRecord[] = [];
    for (const record of records) {
      // Never written by an export: what only holds on the device that wrote it does not come in from a file.
      if (isDeviceOnlyKey(record.key)) continue;
      if (record.key === wrappedKeyRecordKey) {
        good.push(record);
        continue;
      }
      const opened = vault.open(record.key, record.value, anyValue);
      if (opened.ok) good.push(record);
      else skipped.push({ key: record.key, reason: opened.reason });
    }
    return { vault, profile, records: good, skipped };
  } catch (thrown) {
    vault.wipe();
    throw thrown;
  }
}
