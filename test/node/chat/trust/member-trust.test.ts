// A group member's key in the contact book (contact-trust.ts contactForKey): the verified mark of a member is the
// record of the contact holding its key, made from the membership log's name when there is none yet, and found
// again by the link that opens to that key later; a key a contact left for a new device is no one's.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ContactTrust, type ContactBookPort } from '../../../../src/chat/contact-trust';
import type { Contact } from '../../../../src/store/records';

/** The contact book's lookups as store/contact-book.ts has them: by id, and by the key each contact pins now. */
function book(initial: readonly Contact[] = []): ContactBookPort & { byId: Map<string, Contact> } {
  const byId = new Map(initial.map((c) => [c.id, c]));
  return {
    byId,
    all: () => [...byId.values()],
    get: (id) => byId.get(id),
    findByKey: (key) => [...byId.values()].find((c) => c.pinnedKey === key && !c.movedTo) ?? [...byId.values()].find((c) => c.pinnedKey === key),
    put: async (c) => void byId.set(c.id, c),
  };
}

const keyOf = (fill: number) => Buffer.alloc(32, fill).toString('base64url');
const fingerprint = new Uint8Array(32).fill(9);

describe("a group member's key in the contact book", () => {
  it('makes a never-seen member a contact under its key, which its later link finds with the verified mark kept', async () => {
    const contacts = book();
    const trust = new ContactTrust(contacts, () => 7_000);
    const { contact: made, isNew } = (await trust.contactForKey(keyOf(1), 'Bob'))!;
    assert.equal(isNew, true);
    assert.deepEqual(made, { id: keyOf(1), pinnedKey: keyOf(1), displayName: 'Bob', verified: false, firstSeen: 7_000, lastSeen: 0, mailboxShared: false });
    await contacts.put({ ...made, verified: true });
    const again = await trust.contactForKey(keyOf(1), 'Someone else');
    assert.deepEqual([again?.isNew, again?.contact.verified], [false, true], 'the same record, by key');
    const linked = await trust.identify({ identityKey: Buffer.alloc(32, 1), displayName: 'Bob' }, fingerprint);
    assert.deepEqual([linked.isNew, linked.contact.id, linked.contact.verified], [false, keyOf(1), true]);
    assert.equal(linked.contact.mailboxShared, false, 'linking does not share the mailbox: the person does');
  });

  it('keeps two members of the same name apart, and says when a new one looks like a known contact', async () => {
    const contacts = book();
    const trust = new ContactTrust(contacts, () => 7_000);
    const first = (await trust.contactForKey(keyOf(1), 'Bob'))!.contact;
    await contacts.put({ ...first, verified: true });
    const second = (await trust.contactForKey(keyOf(2), 'Bob'))?.contact;
    assert.deepEqual([second?.id, second?.verified, second?.lookalikeOf], [keyOf(2), false, keyOf(1)]);
  });

  it("a link and a member's record made at once for one key: the link's record (its certificate, last seen) stays", async () => {
    const contacts = book();
    const trust = new ContactTrust(contacts, () => 7_000);
    const [linked, filed] = await Promise.all([
      trust.identify({ identityKey: Buffer.alloc(32, 1), displayName: 'Bob' }, fingerprint),
      trust.contactForKey(keyOf(1), 'Bob'),
    ]);
    assert.deepEqual(contacts.byId.get(keyOf(1)), linked.contact);
    assert.deepEqual([linked.contact.lastSeen, linked.contact.dtlsFingerprint], [7_000, Buffer.from(fingerprint).toString('base64url')]);
    assert.deepEqual([filed?.isNew, filed?.contact.lastSeen], [false, 7_000], 'the member is the linked contact');
  });

  it("checks the name a member filed from the log says when it first links, and a known contact's new name", async () => {
    const bob: Contact = { id: keyOf(1), pinnedKey: keyOf(1), displayName: 'Bob', verified: true, firstSeen: 1, lastSeen: 2 };
    const contacts = book([bob]);
    const trust = new ContactTrust(contacts, () => 7_000);
    await trust.contactForKey(keyOf(2), 'Dave');
    const linked = await trust.identify({ identityKey: Buffer.alloc(32, 2), displayName: 'Bob' }, fingerprint);
    assert.deepEqual([linked.isNew, linked.contact.lookalikeOf], [false, keyOf(1)], 'the log said Dave, the device says Bob');
    const erin: Contact = { id: keyOf(3), pinnedKey: keyOf(3), displayName: 'Erin', verified: false, firstSeen: 3, lastSeen: 4 };
    await contacts.put(erin);
    const renamed = await trust.identify({ identityKey: Buffer.alloc(32, 3), displayName: 'B0b' }, fingerprint);
    assert.equal(renamed.contact.lookalikeOf, keyOf(1), 'Erin now calls herself B0b');
    await contacts.put({ ...erin, displayName: 'Bob', distinctFrom: keyOf(1) });
    const told = await trust.identify({ identityKey: Buffer.alloc(32, 3), displayName: 'Bob' }, fingerprint);
    assert.equal(told.contact.lookalikeOf, undefined, 'the person said she is someone else than Bob');
  });

  it('resolves a key moved to an earlier contact to that contact, and gives the key it left to no one', async () => {
    const cat: Contact = {
      id: keyOf(3), pinnedKey: keyOf(4), displayName: 'Cat', verified: true, firstSeen: 1, lastSeen: 2,
      keyChange: { previousKey: keyOf(3), changedAt: 5, acknowledged: true },
    };
    const contacts = book([cat, { id: keyOf(4), pinnedKey: keyOf(4), displayName: 'Cat', verified: false, firstSeen: 3, lastSeen: 3, movedTo: keyOf(3) }]);
    const trust = new ContactTrust(contacts);
    assert.equal((await trust.contactForKey(keyOf(4), 'Cat'))?.contact.id, keyOf(3));
    assert.equal(await trust.contactForKey(keyOf(3), 'Cat'), undefined);
    assert.deepEqual(contacts.byId.get(keyOf(3)), cat, "Cat's record untouched");
  });
});
