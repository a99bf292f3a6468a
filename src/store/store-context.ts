// What the parts of the store (profile, contacts, settings, log, outbox) share: the backend, the clock, the one
// operation queue, the open vault and the rollback guard. TincanStore makes it; each part receives it.
import { TincanError } from '../errors';
import type { RecordBackend, RecordWrite } from './record-backend';
import type { RollbackGuard } from './rollback';
import type { OpenVault } from './sealed-records';

/** What a batch that writes stamped records (heads, contacts) returns to commitStamped. */
export interface StampedBatch {
  readonly writes: readonly RecordWrite[];
  /** Keys of the head and contact records the batch writes (each sealed with the stamp it was given). */
  readonly stamped: readonly string[];
  /** Keys of head and contact records the batch removes. */
  readonly unstamped?: readonly string[];
}

export class StoreContext {
  private queue: Promise<unknown> = Promise.resolve();
  private openVault: OpenVault | undefined;
  private guard: RollbackGuard | undefined;

  constructor(
    readonly backend: RecordBackend,
    readonly now: () => number,
    readonly scheduleFlush: () => void,
  ) {}

  /**
   * Runs `task` after every operation already queued, one at a time in call order: two appends can never take the
   * same index, and lock never wipes the key under a write in flight. A task must not await another exclusive task
   * (it would wait for itself): public methods queue, internal `...Now` methods do not.
   */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The open vault; VAULT_LOCKED while locked. */
  vault(): OpenVault {
    if (!this.openVault) throw new TincanError('VAULT_LOCKED');
    return this.openVault;
  }

  get isUnlocked(): boolean {
    return this.openVault !== undefined;
  }

  rollback(): RollbackGuard {
    if (!this.guard) throw new TincanError('VAULT_LOCKED');
    return this.guard;
  }

  unlocked(vault: OpenVault, guard: RollbackGuard): void {
    this.openVault = vault;
    this.guard = guard;
  }

  /** Wipes the vault's keys and forgets the guard. */
  locked(): void {
    this.openVault?.wipe();
    this.openVault = undefined;
    this.guard = undefined;
  }

  /**
   * Writes one atomic batch that stamps head/contact records, with the manifest in the same batch; the guard and
   * witness learn the new counter only once it committed. `build` seals its records with the stamp it is given.
   */
  async commitStamped(build: (stamp: number) => StampedBatch): Promise<void> {
    const vault = this.vault();
    const guard = this.rollback();
    const stamp = guard.nextStamp();
    const batch = build(stamp);
    const unstamped = batch.unstamped ?? [];
    const manifest = guard.manifestWrite(vault, stamp, batch.stamped, unstamped);
    await this.backend.write([...batch.writes, manifest]);
    guard.committed(stamp, batch.stamped, unstamped);
  }
}
