// The state's views as pure functions: what the conversation list, the pairing card and the transfer list show,
// made from fixed facts (no store, no links).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { conversationView, conversationViews, exchangeView, withConversationView, toChatMessage, transferView, withProgress, withTransfer, type ConversationFacts } from '../../../src/app/views';
import type { GroupMemberView, GroupView } from '../../../src/chat/group/groups';
import type { PeerStatus } from '../../../src/chat/messenger';
import type { ConversationSummary } from '../../../src/store/conversation-log';
import type { Contact } from '../../../src/store/records';
import type { TransferView } from '../../../src/chat/files/transfer-events';

function contact(id: string, name: string, extra: Partial<Contact> = {}): Contact {
  return { id, pinnedKey: id, displayName: name, verified: false, firstSeen: 1_000, lastSeen: 2_000, ...extra };
}

function facts(patch: Partial<ConversationFacts> = {}): ConversationFacts {
  return {
    contacts: [],
    summary: () => undefined,
    status: () => undefined,
    isOnline: () => false,
    isTyping: () => false,
    waiting: () => 0,
    restored: new Set(),
    supportsOneCodeReconnect: true,
    ...patch,
  };
}

const noDrops = { 'too-large': 0, 'other-version': 0, 'unknown-type': 0, malformed: 0, 'over-budget': 0, 'held-overflow': 0 };

describe('conversation list view', () => {
  it('lists contacts newest activity first, sums unread, and leaves moved contacts out', () => {
    const summaries = new Map<string, ConversationSummary>([
      ['bob', { id: 'bob', count: 3, unread: 2, usageBytes: 0, createdAt: 0, updatedAt: 0, lastMessage: { index: 2, id: 'm3', direction: 'in', text: 'hi', sentAt: 9_000, state: 'delivered' } }],
      ['carol', { id: 'carol', count: 1, unread: 1, usageBytes: 0, createdAt: 0, updatedAt: 0 }],
    ]);
    const { conversations, unreadTotal } = conversationViews(
      facts({
        contacts: [contact('carol', 'Carol', { lastSeen: 5_000 }), contact('bob', 'Bob'), contact('old-bob', 'Bob', { movedTo: 'bob' })],
        summary: (id) => summaries.get(id),
      }),
    );
    assert.deepEqual(
      conversations.map((c) => [c.name, c.lastAt, c.lastText, c.unread]),
      [
        ['Bob', 9_000, 'hi', 2],
        ['Carol', 5_000, undefined, 1],
      ],
    );
    assert.equal(unreadTotal, 3);
  });

  it('shows typing, path and one-code reconnect only while online; how it ended only while offline', () => {
    const status: PeerStatus = {
      contactId: 'bob',
      online: true,
      path: { local: 'host', remote: 'host' },
      closedByPeer: true,
      pageClosed: true,
      endCode: 'CHANNEL_CLOSED',
      counters: { dropped: { ...noDrops, malformed: 2, 'over-budget': 3 }, rejected: 1, received: 10, sent: 10 },
    };
    const bob = contact('bob', 'Bob', { dtlsFingerprint: 'AAAA', verified: true });
    const online = conversationViews(
      facts({ contacts: [bob], status: () => status, isOnline: () => true, isTyping: () => true, waiting: () => 4, describePath: (l, r) => `${l}-${r}` }),
    ).conversations[0]!;
    assert.deepEqual(
      { connection: online.connection, typing: online.typing, path: online.path, closedByPeer: online.closedByPeer, pageClosed: online.pageClosed, endCode: online.endCode },
      { connection: 'online', typing: true, path: 'host-host', closedByPeer: undefined, pageClosed: undefined, endCode: undefined },
    );
    assert.equal(online.dropped, 6);
    assert.equal(online.waiting, 4);
    assert.equal(online.oneCodeReconnect, true);
    assert.equal(online.verified, true);

    const offline = conversationViews(facts({ contacts: [bob], status: () => ({ ...status, online: false }), isTyping: () => true, supportsOneCodeReconnect: false })).conversations[0]!;
    assert.deepEqual(
      { connection: offline.connection, typing: offline.typing, path: offline.path, closedByPeer: offline.closedByPeer, pageClosed: offline.pageClosed, endCode: offline.endCode },
      { connection: 'offline', typing: false, path: undefined, closedByPeer: true, pageClosed: true, endCode: 'CHANNEL_CLOSED' },
    );
    assert.equal(offline.oneCodeReconnect, false, 'this device cannot keep a one-code invite open');
  });

  it('names the look-alike, the key change, and a restored contact as not verified', () => {
    const { conversations } = conversationViews(
      facts({
        contacts: [contact('bob', 'Bob', { lastSeen: 3_000 }), contact('b0b', 'B0b', { lookalikeOf: 'bob', verified: true, keyChange: { previousKey: 'old', changedAt: 7_000, acknowledged: true } })],
        restored: new Set(['b0b']),
      }),
    );
    const b0b = conversations.find((c) => c.id === 'b0b')!;
    assert.deepEqual(b0b.lookalikeOf, { id: 'bob', name: 'Bob' });
    assert.equal(b0b.keyChangedAt, 7_000);
    assert.equal(b0b.restoredOlder, true);
    assert.equal(b0b.verified, false);
    assert.equal(conversations.find((c) => c.id === 'bob')!.restoredOlder, undefined);
  });
});

describe('one conversation made again', () => {
  it('leaves the state alone when the entry says the same, keeps the others\' objects, re-sorts only when activity moved', () => {
    const contacts = [contact('bob', 'Bob', { lastSeen: 3_000 }), contact('carol', 'Carol', { lastSeen: 5_000 })];
    let unreadOfBob = 0;
    let typing = false;
    const f = facts({ contacts, isTyping: () => typing, isOnline: () => true, summary: (id) => (id === 'bob' ? { id, count: 1, unread: unreadOfBob, usageBytes: 0, createdAt: 0, updatedAt: 0 } : undefined) });
    const shown = conversationViews(f);
    const bobView = () => conversationView(contacts[0]!, f, (id) => contacts.find((c) => c.id === id));
    assert.equal(withConversationView(shown.conversations, shown.unreadTotal, bobView()), undefined, 'nothing changed: no new state');
    typing = true;
    unreadOfBob = 2;
    const next = withConversationView(shown.conversations, shown.unreadTotal, bobView())!;
    assert.deepEqual(next.conversations.map((v) => [v.name, v.typing, v.unread]), [['Carol', false, 0], ['Bob', true, 2]]);
    assert.equal(next.conversations[0], shown.conversations[0], "Carol's entry is the same object");
    assert.equal(next.unreadTotal, 2);
    const moved = withConversationView(next.conversations, next.unreadTotal, { ...bobView(), lastAt: 9_000 })!;
    assert.deepEqual(moved.conversations.map((v) => v.name), ['Bob', 'Carol'], 'newest activity first again');
  });
});

describe('exchange view', () => {
  it('carries the code, its page link and the contact, and no flag that is not set', () => {
    const view = exchangeView({ id: 'x', kind: 'reconnect', state: 'waiting-for-answer', code: 'ABCD', createdAt: 5, showFallback: false }, 'https://example.test/tincan/', 'Bob');
    assert.deepEqual(view, { id: 'x', kind: 'reconnect', state: 'waiting-for-answer', code: 'ABCD', link: 'https://example.test/tincan/#ABCD', contactName: 'Bob', createdAt: 5 });
  });
});

describe('transfer views', () => {
  const offered: TransferView = { fileId: 'f1', direction: 'in', peerId: 'bob', conversation: 'dm:x', name: 'a.png', size: 10, mime: 'image/png', state: 'offered', createdAt: 20, bytes: 0 };

  it('keys a transfer by its contact and keeps the list oldest first, one entry per file', () => {
    const first = transferView(offered);
    assert.equal(first.conversationId, 'bob');
    const earlier = transferView({ ...offered, fileId: 'f0', createdAt: 10 });
    const list = withTransfer(withTransfer([first], earlier), { ...first, state: 'transferring' });
    assert.deepEqual(
      list.map((t) => [t.fileId, t.state]),
      [
        ['f0', 'offered'],
        ['f1', 'transferring'],
      ],
    );
  });

  it('drops the time left once the speed no longer gives one', () => {
    const moving = withProgress(transferView(offered), { bytes: 4, bytesPerSecond: 2, secondsLeft: 3 });
    assert.deepEqual([moving.bytes, moving.bytesPerSecond, moving.secondsLeft], [4, 2, 3]);
    const stalled = withProgress(moving, { bytes: 4, bytesPerSecond: 0, secondsLeft: undefined });
    assert.equal('secondsLeft' in stalled, false);
  });
});

describe('messages from the log', () => {
  it('shows a damaged record as an unreadable message at its place', () => {
    assert.deepEqual(toChatMessage({ index: 4, unreadable: true, reason: 'tampered' }), {
      id: 'unreadable-4',
      direction: 'in',
      text: '',
      sentAt: 0,
      state: 'delivered',
      index: 4,
      unreadable: true,
    });
    assert.deepEqual(toChatMessage({ index: 1, id: 'm', direction: 'out', text: 'hello', sentAt: 3, state: 'sent', meta: { x: 1 } }), {
      id: 'm',
      direction: 'out',
      text: 'hello',
      sentAt: 3,
      state: 'sent',
      index: 1,
    });
  });
});

describe('group entries', () => {
  it('lists a group by its name with its unread count, members online, who typed, and what this device may do', () => {
    const group = {
      id: 'g:AAAAAAAAAAAAAAAAAAAAAA',
      name: 'Climbers',
      isMember: true,
      isFull: false,
      members: [
        { key: 'ka', contactId: 'ka', name: 'Ann', isSelf: true, canRemove: false, addedByName: 'Ann', nameHadOtherKey: false },
        { key: 'kb', contactId: 'bob', name: 'Ben', isSelf: false, canRemove: true, addedByName: 'Ann', nameHadOtherKey: false },
        { key: 'kc', contactId: 'kc', name: 'Cat', isSelf: false, canRemove: false, addedByName: 'Ben', nameHadOtherKey: false },
      ],
    };
    const summary: ConversationSummary = { id: group.id, count: 4, unread: 3, usageBytes: 0, createdAt: 0, updatedAt: 0, lastMessage: { index: 3, id: 'm4', direction: 'in', text: 'on my way', sentAt: 9_000, state: 'delivered' } };
    const { conversations, unreadTotal } = conversationViews(
      facts({ contacts: [contact('bob', 'Ben')], groups: [group], summary: (id) => (id === group.id ? summary : undefined), isOnline: (id) => id === 'bob', typingIn: () => 'Ben' }),
    );
    const entry = conversations.find((c) => c.id === group.id)!;
    assert.equal(conversations[0]!.id, group.id, 'newest activity first');
    assert.equal(unreadTotal, 3);
    assert.deepEqual(
      { name: entry.name, unread: entry.unread, lastText: entry.lastText, connection: entry.connection, typing: entry.typing },
      { name: 'Climbers', unread: 3, lastText: 'on my way', connection: 'online', typing: true },
    );
    assert.deepEqual(entry.group, {
      isMember: true,
      isFull: false,
      tooBigToCall: false,
      typingName: 'Ben',
      members: [
        { key: 'ka', name: 'Ann', isSelf: true, online: false, canRemove: false, addedByName: 'Ann', verified: false, nameHadOtherKey: false },
        { key: 'kb', name: 'Ben', isSelf: false, online: true, canRemove: true, addedByName: 'Ann', verified: false, nameHadOtherKey: false },
        { key: 'kc', name: 'Cat', isSelf: false, online: false, canRemove: false, addedByName: 'Ben', verified: false, nameHadOtherKey: false },
      ],
    });
  });

  it("shows each member's verified mark and key change found by key, never by name", () => {
    const member = (key: string, contactId: string, name: string, patch: Partial<GroupMemberView> = {}): GroupMemberView => ({
      key, contactId, name, isSelf: false, canRemove: false, addedByName: 'Ann', nameHadOtherKey: false, ...patch,
    });
    const group: GroupView = {
      id: 'g:BBBBBBBBBBBBBBBBBBBBBB',
      name: 'Two Bobs',
      isMember: true,
      isFull: false,
      members: [
        { ...member('ka', 'ka', 'Ann'), isSelf: true },
        member('kbob1', 'kbob1', 'Bob'),
        member('kbob2', 'kbob2', 'Bob'),
        member('kcat-new', 'kcat', 'Cat'),
        member('kcat', 'kcat', 'Cat'),
        member('kdan2', 'kdan2', 'Dan', { nameHadOtherKey: true }),
        member('kemma', 'kemma', 'Emma'),
      ],
    };
    const contacts = [
      contact('kbob1', 'Bob'),
      contact('kbob2', 'Bob', { verified: true }),
      // Cat moved to a new device and was verified again: her record (first seen with kcat) holds kcat-new, the new
      // key's record points to it; the old key, still a member, is no one's and not verified.
      contact('kcat', 'Cat', { pinnedKey: 'kcat-new', verified: true, keyChange: { previousKey: 'kcat', changedAt: 5_000, acknowledged: true } }),
      contact('kcat-new', 'Cat', { movedTo: 'kcat' }),
      contact('kdan2', 'Dan'),
      contact('kemma', 'Emma', { verified: true }),
    ];
    const entry = conversationViews(facts({ contacts, groups: [group], restored: new Set(['kemma']) })).conversations.find((c) => c.id === group.id)!;
    const shown = entry.group!.members.map(({ key, verified, keyChangedAt, replacedKeyOf, nameHadOtherKey }) => ({ key, verified, keyChangedAt, replacedKeyOf, nameHadOtherKey }));
    assert.deepEqual(shown, [
      { key: 'ka', verified: false, keyChangedAt: undefined, replacedKeyOf: undefined, nameHadOtherKey: false },
      { key: 'kbob1', verified: false, keyChangedAt: undefined, replacedKeyOf: undefined, nameHadOtherKey: false },
      { key: 'kbob2', verified: true, keyChangedAt: undefined, replacedKeyOf: undefined, nameHadOtherKey: false },
      { key: 'kcat-new', verified: true, keyChangedAt: 5_000, replacedKeyOf: undefined, nameHadOtherKey: false },
      { key: 'kcat', verified: false, keyChangedAt: undefined, replacedKeyOf: { name: 'Cat', changedAt: 5_000 }, nameHadOtherKey: false },
      { key: 'kdan2', verified: false, keyChangedAt: undefined, replacedKeyOf: undefined, nameHadOtherKey: true },
      // Restored from an older copy: unverified until the person decides, as in its 1:1.
      { key: 'kemma', verified: false, keyChangedAt: undefined, replacedKeyOf: undefined, nameHadOtherKey: false },
    ]);
  });

  it('says a group of more than four people is too big to call (the buttons say the limit), and one of four is not', () => {
    const memberOf = (n: number) => ({ key: `k${n}`, contactId: `k${n}`, name: `M${n}`, isSelf: n === 0, canRemove: false, addedByName: 'M0', nameHadOtherKey: false });
    const groupOf = (size: number) => ({ id: `g:${String(size).repeat(22)}`, name: `Of ${size}`, isMember: true, isFull: false, members: Array.from({ length: size }, (_, n) => memberOf(n)) });
    const { conversations } = conversationViews(facts({ groups: [groupOf(4), groupOf(5)] }));
    assert.deepEqual(conversations.map((c) => [c.name, c.group?.tooBigToCall]).sort(), [['Of 4', false], ['Of 5', true]]);
  });
});
