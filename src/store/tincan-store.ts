// The encrypted store, composed: vault and profile, contacts, settings, conversation log, outbox, backup and
// transcript, over one RecordBackend (records and keys: records.ts).
//
// Invariants
// - Locked means no key in memory: lock() flushes, then zeroes the master key, the keys derived from it and the
//   identity's secret key, and drops every decrypted cache. Everything but state / changePassphrase /
//   forgetDevice / importBackup then throws VAULT_LOCKED.
// - A vault is made in one atomic batch (profile, manifest and wrapped key together), forgetDevice removes every
//   record in one batch, and an import replaces the store in one batch: no half-made or half-erased vault.
// - All operations run one at a time, in call order (StoreContext.exclusive). The synchronous reads (contacts,
//   summaries, outbox) and in-memory changes (markRead, acknowledge) work on the unlocked state directly.
// - Deferred work (heads, states, outbox removals) is written by flush(): after flushDelayMs, at lock (again while
//   acks arrive during its writes), before a backup, or when asked. A failed flush puts back what it took: memory
//   keeps saying what is not yet on disk. A failed scheduled flush is reported as 'flush-failed' and retried by the
//   next one; so are the repairs an unlock writes (a full device never keeps the person out of their history).
// - One tab should own a store (issue 8's Web Locks work guards that); two writers would each keep their own
//   summaries and counters.
import { TincanError, isTincanError } from '../errors';
import { SealedCollection } from './sealed-collection';
import { Emitter } from '../events';
import { normalizeDisplayName } from '../crypto/handshake';
import { createIdentity } from '../crypto/identity';
import { getSodium, type Sodium } from '../crypto/sodium';
import { createVaultKey, defaultKdfLimits, rewrapMasterKey, unwrapMasterKey, type KdfLimits } from '../crypto/vault';
import { collectBackup, prepareImport } from './backup';
import { ContactBook } from './contact-book';
import { ConversationLog } from './conversation-log';
import { Outbox } from './outbox';
import { ProfileStore, openProfile, sealProfile, type Profile } from './profile-store';
import { toStorageError, type RecordBackend } from './record-backend';
import { isManifestRecord, manifestRecordKey, profileRecordKey, settingsRecordKey, wrappedKeyRecordKey } from './records';
import { HealthReport, RollbackGuard, type RollbackWitness, type VaultHealth } from './rollback';
import { OpenVault, type SkippedRecord } from './sealed-records';
import { SettingsStore } from './settings-store';
import { StoreContext } from './store-context';
import { formatTranscript, type TranscriptFormat, type TranscriptLabels } from './transcript';

export type StoreState = 'empty' | 'locked' | 'unlocked';

/** Default delay before deferred summaries and states are written. */
export const defaultFlushDelayMs = 300;
/** Flushes lock() runs at most, while acks keep arriving during its writes. */
const lockFlushRounds = 3;

export interface StoreOptions {
  readonly backend: RecordBackend;
  /** Clock in ms since the Unix epoch (tests pass their own). */
  readonly now?: () => number;
  /** Argon2id limits for new vaults and passphrase changes (tests pass cheap ones; the app keeps the default). */
  readonly kdfLimits?: KdfLimits;
  /** Keeps the rollback counter outside the backend (browser: localStorage). Without one, whole-vault restores go unnoticed. */
  readonly witness?: RollbackWitness;
  readonly flushDelayMs?: number;
}

export interface UnlockResult {
  readonly profile: Profile;
  readonly health: VaultHealth;
}

export interface ImportResult extends UnlockResult {
  /** Records in the file that did not open; they were not imported. */
  readonly skipped: readonly SkippedRecord[];
}

export type StoreEvents = {
  /** A scheduled flush failed (STORAGE_QUOTA, STORAGE_UNAVAILABLE); what it held stays pending for the next one. */
  'flush-failed': TincanError;
};

function isStorageFailure(thrown: unknown): thrown is TincanError {
  return isTincanError(thrown, 'STORAGE_QUOTA') || isTincanError(thrown, 'STORAGE_UNAVAILABLE');
}

export async function openStore(options: StoreOptions): Promise<TincanStore> {
  return new TincanStore(await getSodium(), options);
}

export class TincanStore extends Emitter<StoreEvents> {
  readonly contacts: ContactBook;
  readonly settings: SettingsStore;
  readonly log: ConversationLog;
  readonly outbox: Outbox;
  private readonly context: StoreContext;
  private readonly profiles: ProfileStore;
  private readonly now: () => number;
  private readonly kdfLimits: KdfLimits;
  private readonly witness: RollbackWitness | undefined;
  private readonly flushDelayMs: number;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private lastHealth: VaultHealth | undefined;
  private lastReport: HealthReport | undefined;
  private readonly collections = new Map<string, SealedCollection>();

  /** Use openStore. */
  constructor(
    private readonly sodium: Sodium,
    options: StoreOptions,
  ) {
    super();
    this.now = options.now ?? (() => Date.now());
    this.kdfLimits = options.kdfLimits ?? defaultKdfLimits;
    this.witness = options.witness;
    this.flushDelayMs = options.flushDelayMs ?? defaultFlushDelayMs;
    this.context = new StoreContext(options.backend, this.now, () => this.scheduleFlush());
    this.profiles = new ProfileStore(this.context);
    this.contacts = new ContactBook(this.context);
    this.settings = new SettingsStore(this.context);
    this.outbox = new Outbox(this.context, (entry) => this.log.delivered(entry));
    this.log = new ConversationLog(this.context, this.outbox);
  }

  /** The sealed records of another part of the app, by collection name (sealed-collection.ts). */
  collection(name: string): SealedCollection {
    let collection = this.collections.get(name);
    if (!collection) this.collections.set(name, (collection = new SealedCollection(this.context, name)));
    return collection;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Vault and profile

  state(): Promise<StoreState> {
    return this.context.exclusive(async () => {
      if (this.context.isUnlocked) return 'unlocked';
      return (await this.context.backend.get(wrappedKeyRecordKey)) instanceof Uint8Array ? 'locked' : 'empty';
    });
  }

  /** Makes the vault, identity and profile on an empty store (one atomic batch), and leaves it unlocked. */
  createProfile(name: string, passphrase: string): Promise<Profile> {
    return this.context.exclusive(async () => {
      if ((await this.context.backend.get(wrappedKeyRecordKey)) instanceof Uint8Array) {
        // No dedicated code: the UI reads state() first; reaching this is a bug, never a person's doing.
        throw new TincanError('VAULT_LOCKED', 'a profile already exists on this device');
      }
      const { masterKey, wrappedKey } = await createVaultKey(passphrase, this.kdfLimits);
      const vault = new OpenVault(this.sodium, masterKey);
      const guard = RollbackGuard.fresh(this.witness, this.now);
      const profile: Profile = Object.freeze({ name: normalizeDisplayName(name), identity: await createIdentity(), createdAt: this.now() });
      const stamp = guard.nextStamp();
      try {
        await this.context.backend.write([
          // No wrapped key means no vault: whatever else is here (an interrupted old version's leftovers) goes.
          { prefix: '', removePrefix: true },
          { key: profileRecordKey, value: await sealProfile(vault, profile) },
          guard.manifestWrite(vault, stamp, [], []),
          { key: wrappedKeyRecordKey, value: wrappedKey },
        ]);
      } catch (thrown) {
        vault.wipe();
        this.sodium.memzero(profile.identity.secretKey);
        throw thrown;
      }
      guard.committed(stamp, [], []);
      this.context.unlocked(vault, guard);
      this.profiles.loaded(profile);
      const report = new HealthReport();
      this.lastReport = report;
      this.lastHealth = report.finish(guard);
      return profile;
    });
  }

  /**
   * Opens the vault and loads contacts, summaries, outbox and settings into memory, repairing what a crash left
   * (heads behind their messages), migrating conversations of the chunked format (legacy-log.ts) and reporting
   * what it cannot repair (VaultHealth). Wrong passphrase ->
   * WRONG_PASSPHRASE and a damaged wrapped key -> VAULT_DAMAGED, nothing changed; no profile on this device ->
   * VAULT_LOCKED; a damaged profile record -> RECORD_TAMPERED. Unlocking an unlocked store returns its state.
   */
  unlock(passphrase: string): Promise<UnlockResult> {
    return this.context.exclusive(async () => {
      if (this.context.isUnlocked && this.lastHealth) return { profile: this.profiles.current(), health: this.lastHealth };
      const wrappedKey = await this.context.backend.get(wrappedKeyRecordKey);
      if (!(wrappedKey instanceof Uint8Array)) throw new TincanError('VAULT_LOCKED', 'no profile on this device');
      const vault = new OpenVault(this.sodium, await unwrapMasterKey(wrappedKey, passphrase));
      return this.loadNow(vault);
    });
  }

  /** Flushes, then forgets every key and decrypted cache (after any operation already under way). */
  lock(): Promise<void> {
    return this.context.exclusive(async () => {
      if (!this.context.isUnlocked) return;
      let failure: unknown;
      try {
        // An ack or a read that arrives while a flush is being written is left for the next flush: flush again
        // until nothing is left (bounded, in case the network keeps acknowledging while this runs).
        for (let round = 0; round < lockFlushRounds && this.hasDeferredWrites; round++) await this.flushNow();
      } catch (thrown) {
        failure = thrown; // what was pending is lost as in a crash: harmless (see conversation-log.ts)
      }
      this.lockNow();
      if (failure !== undefined) throw toStorageError(failure);
    });
  }

  /** Re-wraps the master key under a new passphrase (and the current KDF limits). No record is re-encrypted. */
  changePassphrase(oldPassphrase: string, newPassphrase: string): Promise<void> {
    return this.context.exclusive(async () => {
      const wrappedKey = await this.context.backend.get(wrappedKeyRecordKey);
      if (!(wrappedKey instanceof Uint8Array)) throw new TincanError('VAULT_LOCKED', 'no profile on this device');
      const rewrapped = await rewrapMasterKey(wrappedKey, oldPassphrase, newPassphrase, this.kdfLimits);
      await this.context.backend.write([{ key: wrappedKeyRecordKey, value: rewrapped }]);
    });
  }

  /** Removes every record of this store in one batch, the wrapped key included. Works locked (a forgotten passphrase). */
  forgetDevice(): Promise<void> {
    return this.context.exclusive(async () => {
      this.lockNow();
      await this.context.backend.write([{ prefix: '', removePrefix: true }]);
    });
  }

  profile(): Profile {
    return this.profiles.current();
  }

  renameProfile(name: string): Promise<Profile> {
    return this.context.exclusive(() => this.profiles.renameNow(name));
  }

  /** What the last unlock (or import) found; undefined while locked. */
  health(): VaultHealth | undefined {
    return this.context.isUnlocked ? this.lastHealth : undefined;
  }

  /**
   * After the person saw the rollback notice: what is stored now becomes the baseline (the manifest takes the
   * stamps found, the whole-vault notice is cleared). Damaged records stay reported until they are rewritten.
   */
  acceptRestoredState(): Promise<void> {
    return this.context.exclusive(async () => {
      const guard = this.context.rollback();
      guard.rebaseline();
      await this.flushNow();
      const report = this.lastReport ?? new HealthReport();
      report.rolledBack.length = 0;
      report.missing.length = 0;
      this.lastHealth = report.finish(guard);
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Deferred writes

  /** Writes the deferred summaries, states and outbox removals now, in one transaction. */
  flush(): Promise<void> {
    return this.context.exclusive(() => this.flushNow());
  }

  // -------------------------------------------------------------------------------------------------------------
  // Backup and transcript

  /** Every record as stored (still sealed; the master key still wrapped), as one file. Flushes first. */
  exportBackup(): Promise<Uint8Array> {
    return this.context.exclusive(async () => {
      this.context.vault();
      await this.flushNow();
      return collectBackup(this.context.backend);
    });
  }

  /**
   * Replaces this store's contents with a backup and unlocks it. Every check happens before anything is written:
   * a damaged or foreign file -> BACKUP_INVALID, wrong passphrase -> WRONG_PASSPHRASE, and in both cases this
   * store is unchanged. The replacement is one atomic batch. The imported state becomes the rollback baseline.
   */
  importBackup(file: Uint8Array, passphrase: string): Promise<ImportResult> {
    return this.context.exclusive(async () => {
      const prepared = await prepareImport(file, passphrase);
      this.lockNow();
      try {
        await this.context.backend.write([
          { prefix: '', removePrefix: true },
          ...prepared.records.map((record) => ({ key: record.key, value: record.value })),
        ]);
      } catch (thrown) {
        prepared.vault.wipe();
        this.sodium.memzero(prepared.profile.identity.secretKey);
        throw thrown;
      }
      this.sodium.memzero(prepared.profile.identity.secretKey);
      const { profile } = await this.loadNow(prepared.vault);
      this.context.rollback().rebaseline();
      await this.flushNow();
      const report = this.lastReport ?? new HealthReport();
      report.rolledBack.length = 0;
      report.missing.length = 0;
      this.lastHealth = report.finish(this.context.rollback());
      return { profile, health: this.lastHealth, skipped: prepared.skipped };
    });
  }

  /**
   * The whole conversation as text or Markdown, in the caller's words (`labels`: title, sender names, notes).
   * Unreadable messages are counted in the transcript, never thrown.
   */
  exportTranscript(conversationId: string, format: TranscriptFormat, labels: TranscriptLabels): Promise<string> {
    return this.context.exclusive(async () => {
      const entries = await this.log.readAllNow(conversationId);
      return formatTranscript({ ownName: this.profiles.current().name, entries, exportedAt: this.now(), labels }, format);
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Internals (inside exclusive tasks)

  /** Loads everything for an opened vault; on any failure the vault is wiped and nothing stays in memory. */
  private async loadNow(vault: OpenVault): Promise<UnlockResult> {
    try {
      const [profileValue, manifestValue, settingsValue] = await this.context.backend.getMany([profileRecordKey, manifestRecordKey, settingsRecordKey]);
      const profile = await openProfile(vault, profileValue);
      const report = new HealthReport();
      const guard = RollbackGuard.fromManifest(vault.open(manifestRecordKey, manifestValue, isManifestRecord), this.witness, this.now, report);
      this.context.unlocked(vault, guard);
      this.profiles.loaded(profile);
      this.settings.load(settingsValue, report);
      await this.contacts.load(report);
      await this.log.load(report);
      await this.outbox.load(report);
      guard.finishChecks();
      // After the checks (a migration's stamps must not hide a rollback) and the outbox (entries continue its seqs).
      await this.log.migrateLegacy(report);
      // Repairs (corrected heads, a rebuilt manifest) are written now if the device lets us. A full device must not
      // keep the person out of their history: what failed stays pending, is reported and retried like any flush.
      let repairFailure: TincanError | undefined;
      try {
        await this.flushNow();
      } catch (thrown) {
        if (!isStorageFailure(thrown)) throw thrown;
        repairFailure = thrown;
      }
      this.lastReport = report;
      this.lastHealth = report.finish(guard);
      if (repairFailure) {
        this.emit('flush-failed', repairFailure);
        this.scheduleFlush();
      }
      return { profile, health: this.lastHealth };
    } catch (thrown) {
      this.lockNow();
      vault.wipe();
      throw thrown;
    }
  }

  private async flushNow(): Promise<void> {
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    if (!this.hasDeferredWrites) return;
    const guard = this.context.rollback();
    const vault = this.context.vault();
    const stamp = guard.nextStamp();
    const logPart = await this.log.takeFlush(stamp);
    const outboxPart = this.outbox.takeFlush();
    const stamps = logPart.stamped.length > 0 || guard.dirty;
    const writes = [...logPart.writes, ...outboxPart.writes];
    if (writes.length === 0 && !stamps) {
      logPart.done(); // the states it looked at were already stored: settled, not pending forever
      return;
    }
    try {
      await this.context.backend.write(stamps ? [...writes, guard.manifestWrite(vault, stamp, logPart.stamped, [])] : writes);
    } catch (thrown) {
      logPart.failed();
      outboxPart.failed();
      throw thrown;
    }
    if (stamps) guard.committed(stamp, logPart.stamped, []);
    logPart.done();
  }

  private get hasDeferredWrites(): boolean {
    return this.context.isUnlocked && (this.log.hasPendingFlush || this.context.rollback().dirty || this.outbox.hasPendingRemovals);
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== undefined || !this.context.isUnlocked) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush().catch((thrown: unknown) => {
        if (isTincanError(thrown, 'VAULT_LOCKED')) return;
        this.emit('flush-failed', toStorageError(thrown));
      });
    }, this.flushDelayMs);
  }

  private lockNow(): void {
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    this.profiles.wipe(this.sodium);
    this.context.locked();
    this.contacts.clear();
    this.settings.clear();
    this.log.clear();
    this.outbox.clear();
    this.lastHealth = undefined;
    this.lastReport = undefined;
  }
}
