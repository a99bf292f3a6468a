// Settings kept in the vault: the ICE servers the person chose (validated by net/ice-servers.ts before saving).
import { isSettingsRecord, recordFormatVersion, settingsRecordKey, type SettingsRecord, type StoredIceServer } from './records';
import type { HealthReport } from './rollback';
import type { StoreContext } from './store-context';

export class SettingsStore {
  private iceServersValue: readonly StoredIceServer[] | undefined;

  constructor(private readonly context: StoreContext) {}

  /** The saved ICE servers, or undefined when none were ever saved (or the record is unreadable). */
  iceServers(): readonly StoredIceServer[] | undefined {
    this.context.vault();
    return this.iceServersValue;
  }

  saveIceServers(iceServers: readonly StoredIceServer[]): Promise<void> {
    return this.context.exclusive(async () => {
      const copy = Object.freeze(iceServers.map((server) => Object.freeze({ ...server })));
      const record: SettingsRecord = { v: recordFormatVersion, iceServers: copy };
      if (!isSettingsRecord(record)) throw new TypeError('not a list of ICE servers');
      const vault = this.context.vault();
      await this.context.backend.write([{ key: settingsRecordKey, value: vault.seal(settingsRecordKey, record) }]);
      this.iceServersValue = copy;
    });
  }

  /** At unlock, with what was read from `settings`. */
  load(stored: unknown, report: HealthReport): void {
    const opened = this.context.vault().open(settingsRecordKey, stored, isSettingsRecord);
    if (opened.ok) this.iceServersValue = Object.freeze(opened.value.iceServers.map((server) => Object.freeze({ ...server })));
    else if (opened.reason !== 'missing') report.skipped({ key: settingsRecordKey, reason: opened.reason });
  }

  clear(): void {
    this.iceServersValue = undefined;
  }
}
