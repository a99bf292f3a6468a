// The groups this device is in: their membership logs (membership-log.ts, sealed in the vault), the directory
// entries delivery routes by, the `group` frames that keep every member's log the same, and the introductions that
// give every pair of members its own link (introduction.ts): a full mesh of at most maxGroupMembers.
//
// - A log travels whole on every session with a member when it opens, and to every member connected when it
//   changes; the receiver merges it (union) and sends its own back when it holds more. A device learns it joined a
//   group from a member's log that lists it, over that member's own session.
// - Delivery's chains: the `group` frame goes out before the directory changes, so on the same session the log
//   arrives before the new chain delivery hands over for it (the newcomer knows the group when the chain comes).
// - After a change, a member with no live session to another member and the lower key offers it an introduction
//   through a member connected to both (who added it, else who added this device, else any member online); an
//   offer not answered within introAnswerMs is dropped and made again through another member.
// - A link made by an introduction is closed once the two share no group any more (a removal, leaving): nobody
//   keeps a link to someone they share no conversation with.
import { Emitter } from '../../events';
import { toBase64Url } from '../../crypto/bytes';
import type { Identity } from '../../crypto/identity';
import type { Sodium } from '../../crypto/sodium';
import type { JsonValue } from '../../crypto/vault';
import { decodeCode, encodeCode } from '../../invite/invite-code';
import type { Link } from '../../net/link';
import type { InviterLink, LinkFactory } from '../../net/device-links';
import { loadConfusables, lookAlikeKey } from '../confusable-names';
import type { ConversationDirectory } from '../conversation-directory';
import type { Frame } from '../frames';
import type { PeerSession } from '../peer-session';
import { inviteToken } from '../pairing';
import { offersTo, signIntroduction, verifyIntroduction, type Introduction } from './introduction';
import { mayRemove, maxGroupMembers, MembershipLog, type Membership } from './membership-log';

export const groupsCollectionName = 'groups';
/** An introduction offer not answered by then is given up and made again (through another member if there is one). */
export const introAnswerMs = 20_000;
const groupRecordVersion = 1;

/** Where group records are kept (store.collection(groupsCollectionName)). */
export interface GroupRecordsPort {
  loadAll(): Promise<{ readonly records: readonly { readonly id: string; readonly value: unknown }[] }>;
  put(id: string, value: JsonValue): Promise<void>;
}

export interface GroupMemberView {
  readonly key: string;
  /** The contact id this member's messages and outbox entries are kept under. */
  readonly contactId: string;
  readonly name: string;
  readonly isSelf: boolean;
  /** This device may remove it (docs/groups.md): shown as "Remove <name>". */
  readonly canRemove: boolean;
  /** Who added it (its name as the log has it). */
  readonly addedByName: string;
  /** A member who left or was removed had this very name with another key: maybe the same person on a new device,
   * maybe someone else taking the name. Identity is the key, so the group says so (docs/groups.md). */
  readonly nameHadOtherKey: boolean;
}

export interface GroupView {
  /** The local id, which is also the wire id ("g:…"). */
  readonly id: string;
  readonly name: string;
  readonly members: readonly GroupMemberView[];
  /** False once this device left or was removed (the history stays). */
  readonly isMember: boolean;
  readonly isFull: boolean;
}

export interface GroupsEvents {
  changed: GroupView;
  /** This device was added to a group by `by` (it answered that member's "Invite to group"). */
  joined: { groupId: string; by: string };
  /** An introduction between this device and `name` was changed on the way: that pair does not connect. */
  'introduction-refused': { groupId: string; name: string };
}

export interface GroupsOptions {
  readonly identity: Identity;
  readonly displayName: string;
  readonly sodium: Promise<Sodium>;
  readonly directory: ConversationDirectory;
  readonly records?: GroupRecordsPort;
  readonly links: LinkFactory;
  /** The contact whose current identity key is `keyId`, if any. */
  contactOfKey(keyId: string): string | undefined;
  /** The open session with a contact, if any. */
  sessionOf(contactId: string): PeerSession | undefined;
  /** Hands a link an introduction made to the messenger: a session that must prove `expectedKey`. */
  adopt(link: Link, expectedKey: string): void;
  now?: () => number;
}

interface Group {
  log: MembershipLog;
  /** Members first met through this group (links made by introductions). */
  met: Set<string>;
}

interface PendingOffer {
  readonly link: InviterLink;
  readonly groupId: string;
  readonly middle: string;
  readonly timer: ReturnType<typeof setTimeout>;
}

export class Groups extends Emitter<GroupsEvents> {
  private readonly groups = new Map<string, Group>();
  private readonly pending = new Map<string, PendingOffer>();
  /** Middles an offer to a member already went through without an answer. */
  private readonly tried = new Map<string, Set<string>>();
  private readonly attached = new WeakSet<PeerSession>();
  private readonly ownKey: string;
  private readonly now: () => number;
  private sodium?: Sodium;
  private disposed = false;
  readonly ready: Promise<void>;
  /** What failed a check: counted, never acted on. */
  readonly ignored = { logs: 0, introductions: 0 };

  constructor(private readonly options: GroupsOptions) {
    super();
    this.ownKey = toBase64Url(options.identity.publicKey);
    this.now = options.now ?? Date.now;
    this.ready = this.load();
    this.ready.catch(() => undefined);
  }

  /** The look-alike table being loaded (confusable-names.ts), once a group has a former member. */
  private confusablesLoading?: Promise<void>;

  /** Every group, as the app shows it. */
  views(): GroupView[] {
    return [...this.groups.keys()].map((id) => this.view(id));
  }

  view(groupId: string): GroupView {
    const group = this.groups.get(groupId)!;
    const membership = group.log.membership();
    const names = new Map(membership.members.map((m) => [m.key, m.name]));
    const isMember = names.has(this.ownKey);
    // Former members' names are compared by their look-alike skeleton ("Bеn" with a Cyrillic е is Ben): the table
    // loads on first need, and the view is told again once it has (the fold until then catches case and invisibles).
    if (membership.former.length > 0 && !this.confusablesLoading) {
      this.confusablesLoading = loadConfusables().then(
        () => {
          for (const id of this.groups.keys()) if (this.groups.get(id)!.log.membership().former.length > 0) this.changed(id);
        },
        () => undefined,
      );
    }
    return {
      id: groupId,
      name: membership.title,
      isMember,
      isFull: membership.members.length >= maxGroupMembers,
      members: membership.members.map((m) => ({
        key: m.key,
        contactId: this.contactIdOf(m.key),
        name: m.key === this.ownKey ? this.options.displayName : m.name,
        isSelf: m.key === this.ownKey,
        canRemove: isMember && m.key !== this.ownKey && mayRemove(membership, this.ownKey, m.key),
        addedByName: names.get(m.addedBy) ?? '',
        nameHadOtherKey: m.key !== this.ownKey && membership.former.some((f) => f.key !== m.key && lookAlikeKey(f.name) === lookAlikeKey(m.name)),
      })),
    };
  }

  /** "Create group". */
  async create(title: string): Promise<GroupView> {
    await this.ready;
    const log = MembershipLog.create(this.sodium!, this.options.identity, this.options.displayName, title, this.now());
    this.groups.set(log.groupId, { log, met: new Set() });
    await this.save(log.groupId);
    this.syncDirectory(log.groupId);
    return this.changed(log.groupId);
  }

  /** The contact answered this device's "Invite to group": it becomes a member, and every member learns so. */
  async addMember(groupId: string, contactId: string, key: string, name: string): Promise<void> {
    await this.ready;
    const group = this.groups.get(groupId);
    if (!group || !this.view(groupId).isMember || contactId === this.ownKey) return;
    if (!group.log.append(this.options.identity, { kind: 'add', member: key, name }, this.now())) return;
    await this.afterChange(groupId);
  }

  /** "Remove <name>" (where the rules allow it) or "Leave group" (the own key). */
  async remove(groupId: string, memberKey: string): Promise<void> {
    await this.ready;
    const group = this.groups.get(groupId);
    if (!group || !mayRemove(group.log.membership(), this.ownKey, memberKey)) return;
    const before = this.memberSessions(groupId);
    group.log.append(this.options.identity, { kind: 'remove', member: memberKey, name: '' }, this.now());
    // The one removed learns it too (its page says so), then the links nobody needs any more close.
    await this.afterChange(groupId, { alsoTo: before });
  }

  /** A session opened: the logs of the groups its peer is in go to it, and introductions may go through it. */
  attach(session: PeerSession): void {
    if (this.attached.has(session) || !session.contactId) return;
    this.attached.add(session);
    session.on('frame', (frame) => {
      if (frame.type === 'group') this.receiveLog(session, frame.conversation, frame.entries);
      else if (frame.type === 'intro') void this.receiveIntroduction(session, frame);
    });
    void this.ready.then(() => {
      if (this.disposed || session.state !== 'open') return;
      const peerKey = toBase64Url(session.peer!.identityKey);
      for (const [groupId, group] of this.groups) {
        const keys = group.log.membership().members.map((m) => m.key);
        if (keys.includes(peerKey) && keys.includes(this.ownKey)) this.sendLog(session, groupId);
      }
      for (const groupId of this.groups.keys()) this.introduce(groupId);
      this.closeUnneeded();
    });
  }

  dispose(): void {
    this.disposed = true;
    for (const offer of this.pending.values()) {
      clearTimeout(offer.timer);
      offer.link.close({ state: 'closed' });
    }
    this.pending.clear();
    this.removeAllListeners();
  }

  // ------------------------------------------------------------------------------------------------------------

  private async load(): Promise<void> {
    this.sodium = await this.options.sodium;
    const loaded = await this.options.records?.loadAll();
    for (const { id, value } of loaded?.records ?? []) {
      const record = value as { v?: unknown; entries?: unknown; met?: unknown } | null;
      if (!record || record.v !== groupRecordVersion || !Array.isArray(record.entries)) continue;
      const opened = MembershipLog.from(this.sodium, id, record.entries);
      if (!opened) continue;
      const met = Array.isArray(record.met) ? record.met.filter((k): k is string => typeof k === 'string') : [];
      this.groups.set(id, { log: opened.log, met: new Set(met) });
      this.syncDirectory(id);
    }
  }

  private save(groupId: string): Promise<void> {
    const group = this.groups.get(groupId);
    if (!group || !this.options.records) return Promise.resolve();
    const value = { v: groupRecordVersion, entries: group.log.all() as unknown as JsonValue, met: [...group.met] };
    return this.options.records.put(groupId, value).catch(() => undefined);
  }

  /** The log changed here: saved, sent to every member online (and `alsoTo`), then the directory and the links. */
  private async afterChange(groupId: string, { alsoTo = [] as PeerSession[], except }: { alsoTo?: PeerSession[]; except?: PeerSession } = {}): Promise<void> {
    const targets = new Set([...this.memberSessions(groupId), ...alsoTo]);
    if (except) targets.delete(except);
    for (const session of targets) this.sendLog(session, groupId);
    this.syncDirectory(groupId);
    this.changed(groupId);
    this.introduce(groupId);
    this.closeUnneeded();
    await this.save(groupId);
  }

  private receiveLog(session: PeerSession, groupId: string, entries: readonly unknown[]): void {
    if (!this.sodium || this.disposed) return void this.ignored.logs++;
    const peerKey = toBase64Url(session.peer!.identityKey);
    const group = this.groups.get(groupId);
    if (!group) {
      // A log that lists this device, from a member's own session: this device was added (it answered their invite).
      const opened = MembershipLog.from(this.sodium, groupId, entries);
      const keys = opened?.log.membership().members.map((m) => m.key) ?? [];
      if (!opened || !keys.includes(this.ownKey) || !keys.includes(peerKey)) return void this.ignored.logs++;
      this.groups.set(groupId, { log: opened.log, met: new Set() });
      void this.afterChange(groupId, { except: session });
      this.emit('joined', { groupId, by: session.contactId! });
      return;
    }
    const before = group.log.membership().members.map((m) => m.key);
    if (!before.includes(peerKey)) {
      // Not a member (any more) by what this device holds: what it says could still be news (a removal of this
      // device that it missed), so it is merged only if it lists the sender as a member after the merge.
      const trial = MembershipLog.from(this.sodium, groupId, [...group.log.all(), ...entries]);
      if (!trial?.log.membership().members.some((m) => m.key === peerKey)) return void this.ignored.logs++;
    }
    const incoming = entries.length;
    const { added } = group.log.merge(entries);
    if (added) void this.afterChange(groupId, { except: session, alsoTo: this.memberSessionsOf(before) });
    // It holds less than this device: it gets this device's log back (it then holds the same).
    if (group.log.size > incoming) this.sendLog(session, groupId);
  }

  private sendLog(session: PeerSession, groupId: string): void {
    const group = this.groups.get(groupId);
    if (group) session.send({ type: 'group', conversation: groupId, entries: group.log.all() } as Frame);
  }

  /** The directory routes by it: every member but this device, by contact id; nobody once this device is out. */
  private syncDirectory(groupId: string): void {
    const membership = this.groups.get(groupId)!.log.membership();
    const keys = membership.members.map((m) => m.key);
    const members = keys.includes(this.ownKey) ? keys.filter((k) => k !== this.ownKey).map((k) => this.contactIdOf(k)) : [];
    const current = this.options.directory.get(groupId)?.members;
    if (current && current.length === members.length && members.every((m) => current.includes(m))) return;
    this.options.directory.setGroup(groupId, groupId, members);
  }

  private changed(groupId: string): GroupView {
    const view = this.view(groupId);
    this.emit('changed', view);
    return view;
  }

  private contactIdOf(key: string): string {
    // A member met for the first time becomes a contact under its key (contact-trust.ts) when its link opens.
    return key === this.ownKey ? key : (this.options.contactOfKey(key) ?? key);
  }

  private sessionOfKey(key: string): PeerSession | undefined {
    const session = this.options.sessionOf(this.contactIdOf(key));
    return session?.state === 'open' ? session : undefined;
  }

  private memberSessions(groupId: string): PeerSession[] {
    return this.memberSessionsOf(this.groups.get(groupId)?.log.membership().members.map((m) => m.key) ?? []);
  }

  private memberSessionsOf(keys: readonly string[]): PeerSession[] {
    return keys.filter((k) => k !== this.ownKey).flatMap((k) => this.sessionOfKey(k) ?? []);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Introductions

  /** Offers a link to every member this device has none with and whose key is higher, through a member between. */
  private introduce(groupId: string): void {
    const group = this.groups.get(groupId);
    if (!group || this.disposed) return;
    const membership = group.log.membership();
    if (!membership.members.some((m) => m.key === this.ownKey)) return;
    for (const member of membership.members) {
      if (member.key === this.ownKey || !offersTo(this.ownKey, member.key) || this.pending.has(member.key) || this.sessionOfKey(member.key)) continue;
      const middle = this.middleFor(membership, member.key);
      if (middle) void this.offer(groupId, member.key, middle);
    }
  }

  /** Who added the member, else who added this device, else any member online: one not tried for it yet. */
  private middleFor(membership: Membership, memberKey: string): PeerSession | undefined {
    const tried = this.tried.get(memberKey) ?? new Set();
    const addedBy = (key: string) => membership.members.find((m) => m.key === key)?.addedBy;
    const candidates = [addedBy(memberKey), addedBy(this.ownKey), ...membership.members.map((m) => m.key)];
    for (const key of candidates) {
      if (!key || key === this.ownKey || key === memberKey || tried.has(key)) continue;
      const session = this.sessionOfKey(key);
      if (session) return session;
    }
    // Every member online was tried: start over.
    if (tried.size) {
      this.tried.delete(memberKey);
      return candidates.map((k) => (k && k !== this.ownKey && k !== memberKey ? this.sessionOfKey(k) : undefined)).find(Boolean);
    }
    return undefined;
  }

  private async offer(groupId: string, memberKey: string, middle: PeerSession): Promise<void> {
    const placeholder = { link: undefined as unknown as InviterLink, groupId, middle: middle.contactId!, timer: undefined as unknown as ReturnType<typeof setTimeout> };
    this.pending.set(memberKey, placeholder);
    let link: InviterLink;
    try {
      link = await this.options.links.invite();
    } catch {
      this.pending.delete(memberKey);
      return;
    }
    if (this.disposed || this.pending.get(memberKey) !== placeholder) return link.close({ state: 'closed' });
    const middleKey = toBase64Url(middle.peer!.identityKey);
    const timer = setTimeout(() => {
      if (this.pending.get(memberKey)?.link !== link) return;
      this.pending.delete(memberKey);
      link.close({ state: 'closed' });
      this.tried.set(memberKey, new Set([...(this.tried.get(memberKey) ?? []), middleKey]));
      this.introduce(groupId);
    }, introAnswerMs);
    this.pending.set(memberKey, { link, groupId, middle: middle.contactId!, timer });
    link.on('state', (state) => {
      if (state === 'closed' || state === 'failed') this.dropPending(memberKey, link);
    });
    this.remember(groupId, memberKey);
    this.options.adopt(link, memberKey);
    const code = encodeCode({ kind: 'invite', fields: link.localFields! });
    const intro = signIntroduction(this.sodium!, this.options.identity, { conversation: groupId, to: memberKey, kind: 'offer', code, name: this.options.displayName });
    if (!middle.send({ type: 'intro', ...intro })) this.dropPending(memberKey, link, { close: true });
  }

  private dropPending(memberKey: string, link: Link, { close = false } = {}): void {
    const offer = this.pending.get(memberKey);
    if (offer?.link !== link) return;
    clearTimeout(offer.timer);
    this.pending.delete(memberKey);
    if (close) link.close({ state: 'closed' });
  }

  private async receiveIntroduction(session: PeerSession, intro: Introduction & { type: 'intro' }): Promise<void> {
    await this.ready;
    if (this.disposed) return;
    const group = this.groups.get(intro.conversation);
    const keys = group?.log.membership().members.map((m) => m.key) ?? [];
    const peerKey = toBase64Url(session.peer!.identityKey);
    if (!group || !keys.includes(this.ownKey) || !keys.includes(intro.from) || !keys.includes(intro.to)) return void this.ignored.introductions++;
    if (intro.to !== this.ownKey) {
      // This device is in the middle: it hands on only what the asking member signed itself (it cannot check more:
      // the one it is for checks the signature).
      const target = this.sessionOfKey(intro.to);
      if (intro.from !== peerKey) return void this.ignored.introductions++;
      if (target?.send(intro)) return;
      // No link to that member here: the offerer is told at once, and tries through another member.
      if (intro.kind === 'offer') {
        const notice = signIntroduction(this.sodium!, this.options.identity, { conversation: intro.conversation, to: intro.from, kind: 'unreachable', code: intro.to, name: this.options.displayName });
        session.send({ type: 'intro', ...notice });
      }
      return;
    }
    const name = group.log.membership().members.find((m) => m.key === intro.from)?.name ?? intro.name;
    if (!verifyIntroduction(this.sodium!, intro)) {
      // Changed on the way (a swapped fingerprint): no link, and both are told.
      this.emit('introduction-refused', { groupId: intro.conversation, name });
      const refusal = signIntroduction(this.sodium!, this.options.identity, { conversation: intro.conversation, to: intro.from, kind: 'refused', code: '', name: this.options.displayName });
      session.send({ type: 'intro', ...refusal });
      return;
    }
    if (intro.kind === 'unreachable') {
      const offer = this.pending.get(intro.code);
      if (!offer || this.options.sessionOf(offer.middle) !== session) return void this.ignored.introductions++;
      this.dropPending(intro.code, offer.link, { close: true });
      this.tried.set(intro.code, new Set([...(this.tried.get(intro.code) ?? []), peerKey]));
      this.introduce(intro.conversation);
      return;
    }
    if (intro.kind === 'refused') {
      const offer = this.pending.get(intro.from);
      if (offer) this.dropPending(intro.from, offer.link, { close: true });
      this.emit('introduction-refused', { groupId: intro.conversation, name });
      return;
    }
    if (intro.kind === 'offer') await this.answer(session, intro);
    else await this.applyAnswer(intro);
  }

  private async answer(middle: PeerSession, intro: Introduction): Promise<void> {
    // Only the lower key offers; a member already linked needs no second link.
    if (offersTo(this.ownKey, intro.from) || this.sessionOfKey(intro.from)) return void this.ignored.introductions++;
    let decoded;
    try {
      decoded = decodeCode(intro.code);
    } catch {
      return void this.ignored.introductions++;
    }
    if (decoded.kind !== 'invite' || decoded.reconnectFor) return void this.ignored.introductions++;
    let link: Link;
    try {
      link = await this.options.links.answer(decoded.fields);
    } catch {
      return void this.ignored.introductions++;
    }
    this.remember(intro.conversation, intro.from);
    this.options.adopt(link, intro.from);
    const code = encodeCode({ kind: 'answer', fields: link.localFields!, inReplyTo: await inviteToken(intro.code) });
    const answer = signIntroduction(this.sodium!, this.options.identity, { conversation: intro.conversation, to: intro.from, kind: 'answer', code, name: this.options.displayName });
    middle.send({ type: 'intro', ...answer });
  }

  private async applyAnswer(intro: Introduction): Promise<void> {
    const offer = this.pending.get(intro.from);
    if (!offer || offer.groupId !== intro.conversation) return void this.ignored.introductions++;
    let decoded;
    try {
      decoded = decodeCode(intro.code);
    } catch {
      return void this.ignored.introductions++;
    }
    if (decoded.kind !== 'answer') return void this.ignored.introductions++;
    clearTimeout(offer.timer);
    await offer.link.acceptAnswer(decoded.fields).catch(() => this.dropPending(intro.from, offer.link, { close: true }));
  }

  /** Remembers a member met through a group, so its link closes when no group joins the two any more. */
  private remember(groupId: string, key: string): void {
    const group = this.groups.get(groupId);
    if (!group || group.met.has(key) || this.options.contactOfKey(key)) return;
    group.met.add(key);
    void this.save(groupId);
  }

  /** Closes the links made by introductions to members this device shares no group with now. */
  private closeUnneeded(): void {
    const shared = new Set<string>();
    const met = new Set<string>();
    for (const group of this.groups.values()) {
      for (const key of group.met) met.add(key);
      const keys = group.log.membership().members.map((m) => m.key);
      if (keys.includes(this.ownKey)) for (const key of keys) shared.add(key);
    }
    for (const key of met) {
      if (shared.has(key)) continue;
      this.sessionOfKey(key)?.close({ state: 'closed' }, { sayBye: true });
    }
  }
}

