// Sealed records that belong to other parts of the app (file transfers, and later group state), kept in the vault
// like everything else: `x/<collection>/<id>`, each sealed under the master key with its storage key as associated
// data, included in backups, erased by "Forget this device". The store does not know their shape: `loadAll`
// returns what opened, and the owner validates it (everything from storage is untrusted); records that do not
// open are skipped and counted. Writes go through the store's one operation queue.
import type { JsonValue } from '../crypto/vault';
import type { WriteOptions } from './record-backend';
import { collectionPrefix, collectionRecordKey } from './records';
import type { StoreContext } from './store-context';

export interface CollectionLoad {
  /** Records that opened, by id; their values are unchecked JSON. */
  readonly records: readonly { readonly id: string; readonly value: unknown }[];
  /** Records that did not open (damaged or swapped). */
  readonly skipped: number;
}

export class SealedCollection {
  constructor(
    private readonly context: StoreContext,
    readonly name: string,
  ) {}

  loadAll(): Promise<CollectionLoad> {
    return this.context.exclusive(async () => {
      const vault = this.context.vault();
      const prefix = collectionPrefix(this.name);
      const keys = await this.context.backend.keys(prefix);
      const values = await this.context.backend.getMany(keys);
      const records: { id: string; value: unknown }[] = [];
      let skipped = 0;
      keys.forEach((key, i) => {
        const opened = vault.open(key, values[i], (value): value is unknown => value !== undefined);
        let id: string;
        try {
          id = decodeURIComponent(key.slice(prefix.length));
        } catch {
          skipped++;
          return;
        }
        if (opened.ok) records.push({ id, value: opened.value });
        else skipped++;
      });
      return { records, skipped };
    });
  }

  /** One record's unchecked JSON; undefined when there is none or it does not open. */
  get(id: string): Promise<unknown> {
    return this.context.exclusive(async () => {
      const key = collectionRecordKey(this.name, id);
      const [value] = await this.context.backend.getMany([key]);
      if (value === undefined) return undefined;
      const opened = this.context.vault().open(key, value, (v): v is unknown => v !== undefined);
      return opened.ok ? opened.value : undefined;
    });
  }

  put(id: string, value: JsonValue, options?: WriteOptions): Promise<void> {
    return this.context.exclusive(async () => {
      const key = collectionRecordKey(this.name, id);
      await this.context.backend.write([{ key, value: this.context.vault().seal(key, value) }], options);
    });
  }

  /** Several records written and removed in one transaction (`value` undefined: removed). */
  writeMany(changes: readonly { readonly id: string; readonly value?: JsonValue }[]): Promise<void> {
    return this.context.exclusive(async () => {
      const vault = this.context.vault();
      await this.context.backend.write(
        changes.map(({ id, value }) => {
          const key = collectionRecordKey(this.name, id);
          return value === undefined ? { key, remove: true as const } : { key, value: vault.seal(key, value) };
        }),
      );
    });
  }

  remove(id: string): Promise<void> {
    return this.context.exclusive(async () => {
      this.context.vault();
      await this.context.backend.write([{ key: collectionRecordKey(this.name, id), remove: true }]);
    });
  }
}
