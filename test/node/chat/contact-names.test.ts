// What the contact book stores as a peer's name: exactly what its device said (normalised), and nothing invented
// for a device that said none (the UI shows its own word for that).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { person } from './people';

describe('contact names', () => {
  it('stores a nameless peer without a name, and its later name once it sends one', async () => {
    const alice = await person('Alice');
    const key = new Uint8Array(32).fill(7);
    const fingerprint = new Uint8Array(32).fill(9);
    const first = await alice.messenger.trust.identify({ identityKey: key, displayName: '' }, fingerprint);
    assert.equal(first.isNew, true);
    assert.equal(first.contact.displayName, '');
    assert.equal(alice.store.contacts.get(first.contact.id)?.displayName, '');
    const again = await alice.messenger.trust.identify({ identityKey: key, displayName: 'Bob' }, fingerprint);
    assert.equal(again.contact.id, first.contact.id);
    assert.equal(alice.store.contacts.get(first.contact.id)?.displayName, 'Bob');
  });
});
