// The contacts: all in memory while unlocked, written through (record + manifest stamp in one transaction).
// Only storage lives here; who is trusted, renamed or merged is decided by chat/contact-trust.ts.
import { contactFields, contactKeyPrefix, contactRecordKey, isContact, isContactRecord, type Contact, type ContactRecord } from './records';
import type { HealthReport } from './rollback';
import type { StoreContext } from './store-context';

export class ContactBook {
  private readonly byId = new Map<string, Contact>();
  private readonly byKey = new Map<string, string>();

  constructor(private readonly context: StoreContext) {}

  /** Every readable contact, most recently seen first. */
  all(): readonly Contact[] {
    this.context.vault();
    return [...this.byId.values()].sort((a, b) => b.lastSeen - a.lastSeen || (a.id < b.id ? -1 : 1));
  }

  get(id: string): Contact | undefined {
    this.context.vault();
    return this.byId.get(id);
  }

  /** The contact whose pinned key is `identityKeyId` (from memory: no storage scan). */
  findByKey(identityKeyId: string): Contact | undefined {
    this.context.vault();
    const id = this.byKey.get(identityKeyId);
    return id === undefined ? undefined : this.byId.get(id);
  }

  /** Writes `contact` (new or changed) and returns the stored copy. A malformed contact is a bug: TypeError. */
  put(contact: Contact): Promise<Contact> {
    return this.context.exclusive(async () => {
      if (!isContact(contact)) throw new TypeError('not a valid contact');
      const stored = contactFields(contact);
      const vault = this.context.vault();
      const key = contactRecordKey(stored.id);
      await this.context.commitStamped((stamp) => {
        const record: ContactRecord = { ...stored, stamp };
        return { writes: [{ key, value: vault.seal(key, record) }], stamped: [key] };
      });
      this.remember(stored);
      return stored;
    });
  }

  remove(id: string): Promise<void> {
    return this.context.exclusive(async () => {
      this.context.vault();
      const key = contactRecordKey(id);
      await this.context.commitStamped(() => ({ writes: [{ key, remove: true }], stamped: [], unstamped: [key] }));
      this.forget(id);
    });
  }

  /** At unlock: every contact record, checked against the manifest. */
  async load(report: HealthReport): Promise<void> {
    const vault = this.context.vault();
    const guard = this.context.rollback();
    const keys = await this.context.backend.keys(contactKeyPrefix);
    const values = await this.context.backend.getMany(keys);
    const listed = new Set(keys);
    keys.forEach((key, i) => {
      const opened = vault.open(key, values[i], isContactRecord);
      if (!opened.ok) {
        report.skipped({ key, reason: opened.reason });
        return;
      }
      if (contactRecordKey(opened.value.id) !== key) {
        // Authentic but naming another contact: only a bug of ours could write it.
        report.skipped({ key, reason: 'malformed' });
        return;
      }
      guard.checkRecord(key, opened.value.stamp ?? 0, report);
      this.remember(contactFields(opened.value));
    });
    for (const key of guard.stampedKeys()) {
      if (key.startsWith(contactKeyPrefix) && !listed.has(key)) guard.checkRecord(key, undefined, report);
    }
  }

  clear(): void {
    this.byId.clear();
    this.byKey.clear();
  }

  private remember(contact: Contact): void {
    this.forget(contact.id);
    this.byId.set(contact.id, contact);
    this.byKey.set(contact.pinnedKey, contact.id);
  }

  private forget(id: string): void {
    const old = this.byId.get(id);
    if (!old) return;
    this.byId.delete(id);
    if (this.byKey.get(old.pinnedKey) === id) {
      this.byKey.delete(old.pinnedKey);
      // Another contact pinned to the same key (a merge in progress) takes its place in the index.
      for (const other of this.byId.values()) if (other.pinnedKey === old.pinnedKey) this.byKey.set(other.pinnedKey, other.id);
    }
  }
}
