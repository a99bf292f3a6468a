// Contacts the person removed, kept (sealed, in the vault) so one of them cannot come back unasked: a code from a
// removed contact's device is shown as "<name> wants to reconnect; you removed them on …" with Accept and Refuse, and
// a refusal sticks (later codes from that device are refused with a sentence). Accepting drops the entry.
import type { Contact } from './records';
import type { SealedCollection } from './sealed-collection';

export const removedContactsCollectionName = 'removed-contacts';

export interface RemovedContact {
  /** The contact's record id. */
  readonly id: string;
  readonly name: string;
  /** The device certificate fingerprint its codes carry (base64url), as the contact record pinned it. */
  readonly dtlsFingerprint: string;
  /** ms since the Unix epoch. */
  readonly removedAt: number;
  /** The person refused to reconnect: codes from that device are refused from now on. */
  readonly isRefused: boolean;
}

function isRemovedContact(value: unknown): value is RemovedContact {
  const v = value as Partial<Record<keyof RemovedContact, unknown>> | null;
  return (
    typeof v === 'object' && v !== null && typeof v.id === 'string' && v.id.length <= 64 && typeof v.name === 'string' && v.name.length <= 256 &&
    typeof v.dtlsFingerprint === 'string' && v.dtlsFingerprint.length <= 64 && Number.isSafeInteger(v.removedAt) && typeof v.isRefused === 'boolean'
  );
}

/** The removed contacts that read; others are skipped (stored records are untrusted). */
export async function loadRemovedContacts(collection: SealedCollection): Promise<RemovedContact[]> {
  const { records } = await collection.loadAll();
  return records.map((r) => r.value).filter(isRemovedContact);
}

/** The entry for `contact` removed at `removedAt`; undefined for a contact without a pinned certificate (its codes
 * cannot be told apart, so there is nothing to ask about). */
export function removedContactOf(contact: Contact, removedAt: number): RemovedContact | undefined {
  if (!contact.dtlsFingerprint) return undefined;
  return { id: contact.id, name: contact.displayName, dtlsFingerprint: contact.dtlsFingerprint, removedAt, isRefused: false };
}

export function saveRemovedContact(collection: SealedCollection, removed: RemovedContact): Promise<void> {
  const { id, name, dtlsFingerprint, removedAt, isRefused } = removed;
  return collection.put(id, { id, name, dtlsFingerprint, removedAt, isRefused });
}
