// Noticing a vault restored from an older copy: a monotonic counter, a sealed manifest of the stamp each head and
// contact record must carry, and a witness that keeps the latest counter outside the vault's storage.
//
// Invariants
// - Every batch that writes a head or contact record takes a new stamp (counter + 1), seals it into each record it
//   writes, and writes the manifest (counter = stamp, stamps[key] = stamp) in the SAME atomic batch. After the
//   batch commits, the witness is told the counter. So: a record whose stamp is below the manifest's is an older
//   copy of that record; a manifest counter below the witness is an older copy of the whole vault (the witness is
//   written after the commit, so it is never ahead of a committed manifest by accident).
// - Nothing is truncated, deleted or rewritten because of a rollback: it is reported (VaultHealth) and stays
//   reported on every unlock until the person accepts it (acceptRestoredState) or the record is written again.
//   The manifest keeps the expected stamp of a rolled-back record, and a whole-vault restore is remembered in the
//   manifest (restoredFrom), so the report survives the writes that follow.
// - New stamps are above both the manifest counter and the witness, so the counter never goes backwards.
import type { RecordWrite } from './record-backend';
import { manifestRecordKey, parseContactKey, parseHeadKey, recordFormatVersion, type ManifestRecord } from './records';
import type { OpenVault, Opened, SkippedRecord } from './sealed-records';

/** Keeps the latest counter outside IndexedDB (the app gives localStorage; tests give an object). */
export interface RollbackWitness {
  read(): number | undefined;
  write(counter: number): void;
}

export type StampedKind = 'contact' | 'head';

/** A head or contact record older than the manifest says: a restored copy of that one record. */
export interface RolledBackRecord {
  readonly key: string;
  readonly kind: StampedKind;
  /** Contact id or conversation id. */
  readonly id: string;
  readonly expectedStamp: number;
  readonly foundStamp: number;
}

/** A head or contact record the manifest names that is gone. (A head is rebuilt; a contact cannot be.) */
export interface MissingRecord {
  readonly key: string;
  readonly kind: StampedKind;
  readonly id: string;
  readonly expectedStamp: number;
}

/** What unlock found. `ok` = nothing to tell the person (heads corrected after a crash are routine). */
export interface VaultHealth {
  readonly ok: boolean;
  /** The whole vault is older than the witness: restored from an older copy (a backup, a synced profile). */
  readonly restoredFromOlderCopy: boolean;
  readonly counters: { readonly witness: number | undefined; readonly manifest: number };
  /** older: some record is newer than the manifest (the manifest alone was restored); rebuilt from the records. */
  readonly manifest: 'ok' | 'missing' | 'damaged' | 'older';
  readonly rolledBack: readonly RolledBackRecord[];
  /** Contact ids among rolledBack and missing: the app clears `verified` on these and warns. */
  readonly rolledBackContacts: readonly string[];
  readonly missing: readonly MissingRecord[];
  /** Records skipped because they did not open or had the wrong shape (heads among them were rebuilt). */
  readonly damaged: readonly SkippedRecord[];
  /** Conversations whose head was missing or damaged and was rebuilt from the message records. */
  readonly rebuiltHeads: readonly string[];
  /** Conversations whose head was behind its message records (a crash before a flush) and was corrected. */
  readonly correctedHeads: readonly string[];
  /** Conversations of the chunked format (Tincan's first version) moved into this one by this unlock. */
  readonly migratedConversations: readonly MigratedConversation[];
  /**
   * Conversations still in the chunked format (conv/<cid>/<epoch>/<n>) because their migration could not be written
   * (a full device): kept as they are, not shown, tried again at the next unlock or write to them.
   */
  readonly legacyConversations: readonly string[];
}

/** A conversation of the chunked format moved into one record per message (legacy-log.ts, conversation-log.ts). */
export interface MigratedConversation {
  /** The conversation id (the contact id, as before). */
  readonly id: string;
  /** Messages now stored in the new format. */
  readonly messages: number;
  /** Messages lost to damaged chunks or unusable values: shown as unreadable entries where they were. */
  readonly unreadable: number;
  /** Outgoing messages the contact never acknowledged (waiting or sent), now in the outbox to be sent again. */
  readonly queued: number;
}

function stampedKind(key: string): { kind: StampedKind; id: string } | undefined {
  const conversationId = parseHeadKey(key);
  if (conversationId !== undefined) return { kind: 'head', id: conversationId };
  const contactId = parseContactKey(key);
  return contactId !== undefined ? { kind: 'contact', id: contactId } : undefined;
}

/** Collects what unlock finds, then freezes it into a VaultHealth. */
export class HealthReport {
  readonly rolledBack: RolledBackRecord[] = [];
  readonly missing: MissingRecord[] = [];
  readonly damaged: SkippedRecord[] = [];
  readonly rebuiltHeads: string[] = [];
  readonly correctedHeads: string[] = [];
  readonly migrated: MigratedConversation[] = [];

  skipped(record: SkippedRecord): void {
    this.damaged.push(Object.freeze({ ...record }));
  }

  finish(guard: RollbackGuard): VaultHealth {
    const legacyConversations = guard.legacyConversations();
    const restoredFromOlderCopy = guard.restoredFrom !== undefined;
    const contacts = new Set<string>();
    for (const record of [...this.rolledBack, ...this.missing]) if (record.kind === 'contact') contacts.add(record.id);
    return Object.freeze({
      ok:
        !restoredFromOlderCopy &&
        guard.manifestStatus === 'ok' &&
        this.rolledBack.length === 0 &&
        this.missing.length === 0 &&
        this.damaged.length === 0 &&
        this.rebuiltHeads.length === 0 &&
        legacyConversations.length === 0,
      restoredFromOlderCopy,
      counters: Object.freeze({ witness: guard.witnessCounter, manifest: guard.manifestCounterAtUnlock }),
      manifest: guard.manifestStatus,
      rolledBack: Object.freeze([...this.rolledBack]),
      rolledBackContacts: Object.freeze([...contacts]),
      missing: Object.freeze([...this.missing]),
      damaged: Object.freeze([...this.damaged]),
      rebuiltHeads: Object.freeze([...this.rebuiltHeads]),
      correctedHeads: Object.freeze([...this.correctedHeads]),
      migratedConversations: Object.freeze(this.migrated.map((m) => Object.freeze({ ...m }))),
      legacyConversations: Object.freeze(legacyConversations),
    });
  }
}

/** The counter and manifest while the vault is unlocked (see the header). */
export class RollbackGuard {
  private counter = 0;
  private readonly stamps = new Map<string, number>();
  /** Stamps found on records at unlock, for acceptRestoredState. */
  private readonly found = new Map<string, number | undefined>();
  private highestFoundStamp = 0;
  private readonly legacy = new Set<string>();
  restoredFrom: ManifestRecord['restoredFrom'];
  manifestStatus: VaultHealth['manifest'] = 'ok';
  manifestCounterAtUnlock = 0;
  witnessCounter: number | undefined;
  /** The manifest must be written even if no head or contact is (it was rebuilt, or a restore was detected). */
  dirty = false;

  constructor(
    private readonly witness: RollbackWitness | undefined,
    private readonly now: () => number,
  ) {
    this.witnessCounter = readWitness(witness);
  }

  /** A guard for a vault that is being made: nothing to compare yet. */
  static fresh(witness: RollbackWitness | undefined, now: () => number): RollbackGuard {
    return new RollbackGuard(witness, now);
  }

  /** Reads the manifest as opened at unlock; records are then checked one by one with checkRecord. */
  static fromManifest(opened: Opened<ManifestRecord>, witness: RollbackWitness | undefined, now: () => number, report: HealthReport): RollbackGuard {
    const guard = new RollbackGuard(witness, now);
    if (opened.ok) {
      guard.counter = opened.value.counter;
      for (const [key, stamp] of Object.entries(opened.value.stamps)) guard.stamps.set(key, stamp);
      guard.restoredFrom = opened.value.restoredFrom;
      for (const id of opened.value.legacy ?? []) guard.legacy.add(id);
    } else {
      guard.manifestStatus = opened.reason === 'missing' ? 'missing' : 'damaged';
      if (opened.reason !== 'missing') report.skipped({ key: manifestRecordKey, reason: opened.reason });
      guard.dirty = true;
    }
    guard.manifestCounterAtUnlock = guard.counter;
    return guard;
  }

  /** Head and contact keys the manifest names (how unlock finds conversations without listing every key). */
  stampedKeys(): string[] {
    return [...this.stamps.keys()];
  }

  /** A conversation in the chunked format was found (remembered in the manifest until it is migrated or removed). */
  noteLegacy(conversationId: string): void {
    if (this.legacy.has(conversationId)) return;
    this.legacy.add(conversationId);
    this.dirty = true;
  }

  /** It was migrated or removed: the manifest of that batch no longer names it (noteLegacy again if it failed). */
  forgetLegacy(conversationId: string): void {
    if (this.legacy.delete(conversationId)) this.dirty = true;
  }

  legacyConversations(): string[] {
    return [...this.legacy];
  }

  get manifestUsable(): boolean {
    return this.manifestStatus === 'ok';
  }

  /**
   * Compares a record read at unlock with the manifest. `stamp` undefined = the record is missing. A record newer
   * than the manifest (or one the manifest does not name, when the manifest was lost) is adopted.
   */
  checkRecord(key: string, stamp: number | undefined, report: HealthReport): void {
    const expected = this.stamps.get(key);
    const described = stampedKind(key);
    if (!described) return;
    this.found.set(key, stamp);
    this.highestFoundStamp = Math.max(this.highestFoundStamp, stamp ?? 0);
    if (stamp === undefined) {
      if (expected !== undefined) report.missing.push(Object.freeze({ key, ...described, expectedStamp: expected }));
      return;
    }
    if (expected === undefined || stamp > expected) {
      if (this.manifestStatus === 'ok' && stamp > this.counter) this.manifestStatus = 'older';
      if (this.manifestStatus === 'ok' && expected === undefined && stamp > 0) this.manifestStatus = 'older';
      this.stamps.set(key, stamp);
      this.counter = Math.max(this.counter, stamp);
      this.dirty = true;
      return;
    }
    if (stamp < expected) report.rolledBack.push(Object.freeze({ key, ...described, expectedStamp: expected, foundStamp: stamp }));
  }

  /**
   * After every record was checked: is the whole vault older than the witness? And a missing manifest with no
   * stamped record at all is a vault made before manifests existed (or one with nothing to protect): not a loss.
   */
  finishChecks(): void {
    if (this.manifestStatus === 'missing' && this.highestFoundStamp === 0) this.manifestStatus = 'ok';
    const witness = this.witnessCounter;
    if (this.restoredFrom === undefined && witness !== undefined && witness > this.counter) {
      this.restoredFrom = { witnessCounter: witness, manifestCounter: this.counter, detectedAt: this.now() };
      this.dirty = true;
    }
  }

  /** The stamp the next batch will use (taken only when that batch commits). */
  nextStamp(): number {
    return Math.max(this.counter, readWitness(this.witness) ?? 0) + 1;
  }

  /** The manifest after a batch with `stamp` that writes `written` and removes `removed` (not applied yet). */
  manifestWrite(vault: OpenVault, stamp: number, written: readonly string[], removed: readonly string[]): RecordWrite {
    const stamps = new Map(this.stamps);
    for (const key of written) stamps.set(key, stamp);
    for (const key of removed) stamps.delete(key);
    const record: ManifestRecord = {
      v: recordFormatVersion,
      counter: stamp,
      stamps: Object.fromEntries(stamps),
      ...(this.restoredFrom ? { restoredFrom: this.restoredFrom } : {}),
      ...(this.legacy.size > 0 ? { legacy: [...this.legacy] } : {}),
    };
    return { key: manifestRecordKey, value: vault.seal(manifestRecordKey, record) };
  }

  /** Applies a committed batch (see manifestWrite) and tells the witness. */
  committed(stamp: number, written: readonly string[], removed: readonly string[]): void {
    this.counter = stamp;
    for (const key of written) this.stamps.set(key, stamp);
    for (const key of removed) this.stamps.delete(key);
    this.dirty = false;
    try {
      this.witness?.write(stamp);
    } catch {
      // A witness that cannot be written (storage blocked) only stops witnessing; the vault itself is written.
    }
    this.witnessCounter = stamp;
  }

  /**
   * acceptRestoredState (and an import): what is stored now becomes the baseline. Expected stamps of rolled-back
   * records become the ones found, missing records leave the manifest, and the whole-vault notice is cleared.
   * The caller then writes the manifest (dirty).
   */
  rebaseline(): void {
    for (const [key, stamp] of this.found) {
      if (stamp === undefined) this.stamps.delete(key);
      else this.stamps.set(key, stamp);
    }
    this.restoredFrom = undefined;
    this.manifestStatus = 'ok';
    this.dirty = true;
  }
}

function readWitness(witness: RollbackWitness | undefined): number | undefined {
  let value: unknown;
  try {
    value = witness?.read();
  } catch {
    return undefined; // a witness that cannot be read (storage blocked) is no witness
  }
  return Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : undefined;
}
