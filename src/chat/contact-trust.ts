// Who a verified peer is. Identity is the key, never the name:
// - a known identity key is that contact, whatever name it now shows;
// - an unknown key is ALWAYS a new contact. When its name equals or looks like a known contact's
//   (confusable-names.ts), the new contact is marked `lookalikeOf` that contact, so the app says so prominently
//   ("Another person calls themselves Bob…") until the person decides;
// - "This is Bob on a new device" is an explicit act (moveToNewDevice): Bob's contact takes the new key, keeps its
//   history, loses "verified", and records the change; nothing is ever merged silently.
// The DTLS fingerprint a contact's device used last is kept too: one-code reconnects pin it (net/, docs/lab.md §8).
import { fromBase64Url, toBase64Url } from '../crypto/bytes';
import { identityKeyId } from '../crypto/identity';
import { normalizeDisplayName } from '../crypto/handshake';
import type { Contact } from '../store/records';
import { namesLookAlike } from './confusable-names';
import type { PeerIdentity } from './secure-channel';

/** What trust needs from the contact book (store/contact-book.ts): every contact in memory, written through. */
export interface ContactBookPort {
  all(): readonly Contact[];
  get(contactId: string): Contact | undefined;
  findByKey(identityKeyId: string): Contact | undefined;
  put(contact: Contact): Promise<unknown>;
}

export interface Identified {
  readonly contact: Contact;
  readonly isNew: boolean;
}

export class ContactTrust {
  constructor(
    private readonly contacts: ContactBookPort,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The contact for a peer that proved `peer.identityKey` on a connection whose peer certificate has
   * `dtlsFingerprint`. Known key: that contact, name, last seen and certificate refreshed. Unknown key: a new
   * contact, marked as a look-alike when its name resembles a known contact's. A known contact never linked to
   * (filed from a group's log, whose name nobody proved) or showing another name now gets the same check.
   */
  async identify(peer: PeerIdentity, dtlsFingerprint: Uint8Array): Promise<Identified> {
    const keyId = identityKeyId(peer.identityKey);
    // A device that sent no name gets none here (the UI shows its word for it): the store keeps what was said.
    const displayName = normalizeDisplayName(peer.displayName);
    const fingerprint = toBase64Url(dtlsFingerprint);
    const now = this.now();
    const before = this.holderOf(keyId);
    const unchecked = !before || before.lastSeen === 0 || before.displayName !== displayName;
    const lookalike = unchecked ? await this.findLookalike(displayName, before?.id) : undefined;
    // Read again after the wait: contactForKey may have filed this key meanwhile, or the record changed.
    const known = this.holderOf(keyId);
    if (known) {
      const warn = lookalike && lookalike.id !== known.id && lookalike.id !== known.distinctFrom && !known.lookalikeOf;
      const contact: Contact = {
        ...known,
        displayName,
        lastSeen: now,
        dtlsFingerprint: fingerprint,
        ...(warn ? { lookalikeOf: lookalike.id } : {}),
      };
      await this.contacts.put(contact);
      return { contact, isNew: false };
    }
    const contact: Contact = {
      id: keyId,
      pinnedKey: keyId,
      displayName,
      verified: false,
      firstSeen: now,
      lastSeen: now,
      dtlsFingerprint: fingerprint,
      ...(lookalike ? { lookalikeOf: lookalike.id } : {}),
    };
    await this.contacts.put(contact);
    return { contact, isNew: true };
  }

  /**
   * The contact whose current key is `keyId` (a key moved to an earlier contact resolves to that contact), made now
   * when there is none: a group member known only from the signed membership log, whose safety number this device
   * wants to compare before any link to it opened. Its verified mark then lives where a link would find it (the
   * contact is keyed by the key); it was never seen, so lastSeen is 0, and it may not use this device's mailbox
   * (`mailboxShared` false, docs/mailbox.md §5) until the person lets it: a mailbox serves no key its owner never
   * connected to. A key a contact left for a new one ("on a new device") is no contact's any more and cannot get a
   * record of its own (that contact's id is that key): undefined. `isNew`: the record was made now (the caller files
   * it in the directory and tells who lists contacts).
   */
  async contactForKey(keyId: string, displayName: string): Promise<Identified | undefined> {
    const existing = this.existingFor(keyId);
    if (existing !== 'none') return existing;
    const name = normalizeDisplayName(displayName);
    const lookalike = await this.findLookalike(name);
    // Read again after the wait: a link identified this key meanwhile (identify), and its record is the one to keep.
    const filed = this.existingFor(keyId);
    if (filed !== 'none') return filed;
    const contact: Contact = {
      id: keyId,
      pinnedKey: keyId,
      displayName: name,
      verified: false,
      firstSeen: this.now(),
      lastSeen: 0,
      mailboxShared: false,
      ...(lookalike ? { lookalikeOf: lookalike.id } : {}),
    };
    await this.contacts.put(contact);
    return { contact, isNew: true };
  }

  /** The contact holding `keyId` now: the one it was moved to, else the one filed under it. */
  private holderOf(keyId: string): Contact | undefined {
    const found = this.contacts.findByKey(keyId);
    return found?.movedTo ? (this.contacts.get(found.movedTo) ?? found) : found;
  }

  /** contactForKey's answer from the book alone: that contact, undefined for a key left behind, 'none' to make one. */
  private existingFor(keyId: string): Identified | undefined | 'none' {
    const found = this.contacts.findByKey(keyId);
    const known = found?.movedTo ? this.contacts.get(found.movedTo) : found;
    if (known) return known.pinnedKey === keyId ? { contact: known, isNew: false } : undefined;
    return this.contacts.get(keyId) ? undefined : 'none';
  }

  /** The known contact (another key) whose name this name equals or looks like; verified ones first. */
  async findLookalike(displayName: string, exceptId?: string): Promise<Contact | undefined> {
    const candidates = this.contacts.all().filter((c) => c.id !== exceptId && !c.movedTo);
    const matches: Contact[] = [];
    for (const contact of candidates) if (await namesLookAlike(contact.displayName, displayName)) matches.push(contact);
    return matches.sort((a, b) => Number(b.verified) - Number(a.verified) || a.firstSeen - b.firstSeen)[0];
  }

  /** The person says the look-alike is someone else: the warning goes, the two stay separate. */
  async confirmDifferentPerson(contactId: string): Promise<Contact | undefined> {
    const contact = this.contacts.get(contactId);
    if (!contact?.lookalikeOf) return contact;
    const { lookalikeOf: _dropped, ...rest } = contact;
    const updated: Contact = { ...rest, distinctFrom: contact.lookalikeOf };
    await this.contacts.put(updated);
    return updated;
  }

  /**
   * "This is Bob on a new device": Bob's contact (`previousId`) takes the new contact's key, name and certificate;
   * "verified" is cleared and the key change recorded (acknowledged: the person did it). The new contact is
   * marked as moved, so its key now resolves to Bob. The caller moves the conversation's messages.
   */
  async moveToNewDevice(newId: string, previousId: string): Promise<Contact> {
    const fresh = this.contacts.get(newId);
    const previous = this.contacts.get(previousId);
    if (!fresh || !previous || fresh.id === previous.id) throw new RangeError('moveToNewDevice: unknown contacts');
    const moved: Contact = {
      ...previous,
      pinnedKey: fresh.pinnedKey,
      displayName: fresh.displayName,
      verified: false,
      lastSeen: Math.max(previous.lastSeen, fresh.lastSeen),
      keyChange: { previousKey: previous.pinnedKey, changedAt: this.now(), acknowledged: true },
      ...(fresh.dtlsFingerprint ? { dtlsFingerprint: fresh.dtlsFingerprint } : {}),
    };
    await this.contacts.put(moved);
    const { lookalikeOf: _dropped, ...rest } = fresh;
    await this.contacts.put({ ...rest, movedTo: previous.id });
    return moved;
  }

  /** The contact's pinned DTLS certificate fingerprint (for a one-code reconnect), if known. */
  pinnedFingerprint(contactId: string): Uint8Array | undefined {
    const value = this.contacts.get(contactId)?.dtlsFingerprint;
    if (!value) return undefined;
    try {
      const bytes = fromBase64Url(value);
      return bytes.length === 32 ? bytes : undefined;
    } catch {
      return undefined;
    }
  }
}
