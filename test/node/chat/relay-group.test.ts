// A group of three by relay (issue 21, docs/relays.md "Groups: one gift wrap per member"), in Node with a published
// Nostr relay (test/fixtures/nostr-relay.mjs) and the real chat stack: Ann, Ben and Cat, all with relays on, form a
// group by codes; Ben and Cat close Tincan; Ann writes three messages; both come back with no direct connection to
// anyone. Each gets the three once, in order, through the relay, which stored one gift wrap per member and message,
// each addressed to that member's own alias (no alias for the group); Ann's page reads them delivered to both.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startNostrRelay, type TestRelay } from '../../fixtures/nostr-relay.mjs';
import { closeApp, joinGroup, person, texts, unlockAgain, until, type Person } from './people';

const relays: TestRelay[] = [];
after(async () => {
  for (const relay of relays) await relay.stop();
});

const contactIn = (who: Person, groupId: string, name: string) => who.messenger.groups.view(groupId).members.find((m) => m.name === name)!.contactId;

describe('relays and groups', () => {
  it('a group of three: what Ann writes while Ben and Cat are away reaches each by relay once, in order, one wrap per member, and reads delivered', { timeout: 60_000 }, async () => {
    const relay = await startNostrRelay();
    relays.push(relay);
    const [ann, ben, cat] = await Promise.all(['Ann', 'Ben', 'Cat'].map((name) => person(name, { relaySocket: WebSocket })));
    for (const who of [ann!, ben!, cat!]) await who.messenger.setRelays([relay.url]);
    const group = await ann!.messenger.groups.create('Climbers');
    await joinGroup(ann!, ben!, group.id);
    await joinGroup(ann!, cat!, group.id);
    const people = [ann!, ben!, cat!];
    const others = (who: Person) => people.filter((p) => p !== who);
    // The mesh of three, and each pair's aliases swapped over its direct session.
    await until(
      () => people.every((who) => others(who).every((o) => who.messenger.isOnline(contactIn(who, group.id, o.name)) && !!who.messenger.relays?.contactView(contactIn(who, group.id, o.name)).use)),
      'the mesh of three, relays swapped',
      20_000,
    );
    // One message while everyone is there: Ann's chain is theirs before they go.
    await ann!.messenger.send(group.id, 'before');
    for (const who of [ben!, cat!]) await until(async () => (await texts(who, group.id)).includes('before'), `"before" at ${who.name}`);

    // The alias each of them gave Ann (wraps for them are addressed to it).
    const aliasOf = async (who: Person) => (await who.messenger.relays!.offerFor(contactIn(who, group.id, 'Ann')))!.alias!;
    const [benAlias, catAlias] = [await aliasOf(ben!), await aliasOf(cat!)];
    assert.notEqual(benAlias, catAlias, 'one alias per pair, none for the group');
    for (const who of [ben!, cat!]) {
      await closeApp(who);
      // No automatic reconnect when they come back: what reaches them comes by relay only.
      who.device.supportsOneCodeReconnect = false;
    }
    await until(() => [ben!, cat!].every((o) => !ann!.messenger.isOnline(contactIn(ann!, group.id, o.name))), 'Ben and Cat away');
    const sent = ['rope', 'snacks', 'six sharp'];
    for (const text of sent) await ann!.messenger.send(group.id, text);
    // One wrap per member and message, each to that member's own alias.
    const wrapsFor = (alias: string) => relay.stored({ kinds: [1059], '#p': [alias] });
    await until(async () => (await wrapsFor(benAlias)).length === 3 && (await wrapsFor(catAlias)).length === 3, 'three wraps for each, by alias');

    for (const who of [ben!, cat!]) await unlockAgain(who);
    for (const who of [ben!, cat!]) {
      await until(async () => (await texts(who, group.id)).length === 4, `three more at ${who.name}`, 30_000);
      assert.deepEqual(await texts(who, group.id), ['before', ...sent], `${who.name}: once each, in the order written`);
      assert.ok(!who.messenger.isOnline(contactIn(who, group.id, 'Ann')), `${who.name}: no direct connection to Ann`);
    }
    await until(
      async () => (await ann!.store.log.loadNewest(group.id, 10)).entries.every((e) => !e.unreadable && e.state === 'delivered'),
      'Delivered to both at Ann (acks by relay)',
      30_000,
    );
    for (const who of people) who.messenger.close();
  });
});
