// The chat layer put together for one unlocked profile: pairing makes sessions, trust says who each peer is,
// peers keeps the live ones by contact, delivery moves messages over them. The app facade (app/tincan-app.ts)
// calls these actions and turns the events into what the UI shows; a Node peer can drive the same object.
import { isTincanError, TincanError, type ErrorCode } from '../errors';
import { Emitter } from '../events';
import { bytesEqual, fromBase64Url, toBase64Url } from '../crypto/bytes';
import type { Identity } from '../crypto/identity';
import type { DecodedCode } from '../invite/invite-code';
import type { Link } from '../net/link';
import type { Contact } from '../store/records';
import { getSodium } from '../crypto/sodium';
import { Calls, type CallsOptions } from './calls';
import { MemberCarrier } from './carrier';
import { ChainKeeper, type ChainRecordsPort } from './chain-keeper';
import type { ChatMessage } from './chat-message';
import { ContactTrust, type ContactBookPort } from './contact-trust';
import { ConversationDirectory } from './conversation-directory';
import { GroupSync, type SyncRecordsPort } from './group-sync';
import { Delivery, type DeliveryEvents, type LogPort, type OutboxPort } from './delivery';
import { bulkChannelId, bulkChannelOf } from './files/bulk-channel';
import type { FileSource } from './files/file-io';
import type { FileTransfers } from './files/file-transfers';
import { groupFileOf } from './files/group-file';
import type { TransferView } from './files/transfer-events';
import { Groups, type GroupRecordsPort } from './group/groups';
import { GroupCalls } from './group-calls';
import { Pairing, type Exchange, type LinkFactory } from './pairing';
import { PeerSession, type PeerCounters } from './peer-session';
import { Peers } from './peers';
import type { RelayCarrier } from './relay-carrier';
import { RelayPresence } from './relay-presence';
import { RelayReconnect } from './relay-reconnect';
import { decodeCode } from '../invite/invite-code';

/**
 * How long a link whose path went has to answer a ping when a relay can make it again (handleOpened). A live link
 * answers in milliseconds; one that does not within this is closed and made again by relay.
 */
export const pathLostCheckMs = 3_000;

export interface MessengerOptions {
  identity: Identity;
  displayName: string;
  contacts: ContactBookPort;
  log: LogPort;
  outbox: OutboxPort;
  /** Where the sender chains are kept (store.collection(chainsCollectionName)). */
  chains: ChainRecordsPort;
  /** The vault was restored from an older copy of itself: no own sender chain resumes (chain-keeper.ts). */
  chainsFromOlderCopy?: boolean;
  /** Where numbering and what is held for away members are kept (store.collection(syncCollectionName)). */
  sync: SyncRecordsPort;
  links: LinkFactory & { readonly certificateFingerprint?: Uint8Array };
  answerValidMs: number;
  now?: () => number;
  randomId?: () => string;
  quotaBytes?: (conversationId: string) => number;
  /** File transfers over each open session's bulk channel (files/), when this device takes part in them. */
  files?: FileTransfers;
  /** Where the groups' membership logs are kept (store.collection(groupsCollectionName)); in memory without. */
  groups?: GroupRecordsPort;
  /** Nostr relays as one more carrier (relay-carrier.ts): it sends nothing unless relays were turned on. */
  relays?: RelayCarrier;
  /** How long a call may read "Reconnecting…" (calls.ts callHandoverMs), and whether it waits: tests. */
  callOptions?: Pick<CallsOptions, 'handoverMs' | 'canReconnect'>;
}

/** A contact's connection as the app shows it. */
export interface PeerStatus {
  readonly contactId: string;
  readonly online: boolean;
  /** Candidate types of the selected pair (net/ describes them as a path). */
  readonly path?: { readonly local: string; readonly remote: string };
  /** The peer closed its chat on purpose (rather than the link being lost). */
  readonly closedByPeer?: boolean;
  /** With closedByPeer: the peer's page went away (closed, reloaded, navigated from), so it may come back. */
  readonly pageClosed?: boolean;
  /** Why the connection ended, when there is something to say. */
  readonly endCode?: ErrorCode;
  readonly counters?: PeerCounters;
  /** Not connected, but reached through relays: its page is reading now (relay-presence.ts), messages go by relay. */
  readonly viaRelay?: boolean;
}

export interface MessengerEvents extends DeliveryEvents {
  /** A contact was added or changed (name, certificate, look-alike mark, move). */
  contact: { contact: Contact; isNew: boolean };
  /** A contact came online, changed path, or went offline. */
  status: PeerStatus;
  /** A peer was identified on an exchange: the app opens its conversation (the group, for "Invite to group"); an
   * automatic reconnect (relay-reconnect.ts) does not open it. */
  connected: { contactId: string; exchangeId?: string; groupId?: string; automatic?: boolean };
  exchanges: readonly Exchange[];
  /** An exchange ended before anyone was identified. */
  'exchange-failed': { exchange: Exchange; code?: ErrorCode; link: Link };
  /** What came by relay for a waiting invite was not a usable answer to it (pairing.ts): ignored. */
  'relay-answer-refused': { exchangeId: string; code?: ErrorCode; tell: boolean };
}

export class Messenger extends Emitter<MessengerEvents> {
  readonly peers = new Peers();
  readonly pairing: Pairing;
  readonly delivery: Delivery;
  readonly trust: ContactTrust;
  /** Every conversation and its members (a two-person one per contact; groups join it). */
  readonly directory: ConversationDirectory;
  /** Voice and video calls with connected contacts (calls.ts). */
  readonly calls: Calls;
  /** The groups this device is in: membership logs and introductions (group/groups.ts). */
  readonly groups: Groups;
  /** Calls in groups of up to four (group-calls.ts): one at a time with `calls`. */
  readonly groupCalls: GroupCalls;
  /** Exchanges made by "Invite to group": whoever answers joins that group. */
  private readonly groupInvites = new Map<string, string>();
  private readonly now: () => number;
  /** Automatic reconnect through relays (relay-reconnect.ts), with a relay carrier. */
  private readonly relayReconnect?: RelayReconnect;
  /** Whether a contact is reached through relays only (relay-presence.ts), with a relay carrier. */
  private readonly relayPresence?: RelayPresence;
  /** The path each open session runs on, once known (every status of that session repeats it). */
  private readonly paths = new WeakMap<PeerSession, NonNullable<PeerStatus['path']>>();

  constructor(private readonly options: MessengerOptions) {
    super();
    this.now = options.now ?? Date.now;
    this.trust = new ContactTrust(options.contacts, this.now);
    this.directory = new ConversationDirectory(options.identity.publicKey);
    const known = Promise.all(
      options.contacts.all().filter((c) => !c.movedTo).map((c) => this.directory.addDirect(c.id, fromBase64Url(c.pinnedKey)).catch(() => undefined)),
    );
    const chains = Promise.all([getSodium(), known]).then(([sodium]) => ChainKeeper.open(sodium, options.chains, this.now, { olderCopy: !!options.chainsFromOlderCopy }));
    this.delivery = new Delivery({
      identity: options.identity,
      log: options.log,
      outbox: options.outbox,
      directory: this.directory,
      chains,
      sync: chains.then(() => GroupSync.open(options.sync, this.now)),
      contactOfKey: (keyId) => this.contactOfKey(keyId) ?? this.unfiledMember(keyId),
      keyOfContact: (contactId) => options.contacts.get(contactId)?.pinnedKey ?? this.unfiledMember(contactId),
      now: this.now,
      ...(options.randomId ? { randomId: options.randomId } : {}),
      ...(options.quotaBytes ? { quotaBytes: options.quotaBytes } : {}),
    });
    this.calls = new Calls({
      session: (contactId) => this.peers.get(contactId),
      log: options.log,
      now: this.now,
      ...(options.quotaBytes ? { quotaBytes: options.quotaBytes } : {}),
      busyElsewhere: () => this.groupCalls.currentId,
      canReconnect: (contactId) => this.reconnectsByItself(contactId),
      ...options.callOptions,
    });
    this.groupCalls = new GroupCalls({
      ownKey: toBase64Url(options.identity.publicKey),
      group: (groupId) => this.groups.views().find((g) => g.id === groupId),
      session: (contactId) => this.peers.get(contactId),
      log: options.log,
      now: this.now,
      ...(options.quotaBytes ? { quotaBytes: options.quotaBytes } : {}),
      busyElsewhere: () => this.calls.current !== undefined,
    });
    this.groups = new Groups({
      identity: options.identity,
      displayName: options.displayName,
      sodium: getSodium(),
      directory: this.directory,
      ...(options.groups ? { records: options.groups } : {}),
      links: options.links,
      contactOfKey: (keyId) => this.contactOfKey(keyId),
      sessionOf: (contactId) => this.peers.get(contactId),
      adopt: (link, expectedKey) => this.track(this.pairing.createSession(link), '', expectedKey),
      now: this.now,
    });
    this.groups.on('changed', (view) => this.groupCalls.groupChanged(view));
    this.pairing = new Pairing({
      links: options.links,
      answerValidMs: options.answerValidMs,
      now: this.now,
      ...(options.relays ? { rendezvous: options.relays.rendezvous } : {}),
      createSession: (link) => new PeerSession({ link, identity: options.identity, displayName: options.displayName, now: this.now }),
    });
    this.pairing.on('changed', (exchanges) => this.emit('exchanges', exchanges));
    this.pairing.on('failed', (failure) => this.emit('exchange-failed', failure));
    this.pairing.on('relay-answer-refused', (refusal) => this.emit('relay-answer-refused', refusal));
    this.pairing.on('session', ({ session, exchangeId }) => {
      // An automatic reconnect must reach the contact it was made with or taken from, no one else.
      const exchange = this.pairing.exchanges().find((e) => e.id === exchangeId);
      const expected = exchange?.automatic && exchange.contactId ? options.contacts.get(exchange.contactId)?.pinnedKey ?? '' : undefined;
      this.track(session, exchangeId, expected, { automatic: expected !== undefined });
    });
    this.peers.on('opened', (session) => this.handleOpened(session));
    this.peers.on('closed', ({ session, wasOpen }) => {
      if (!wasOpen || !session.contactId || this.peers.isOnline(session.contactId)) return;
      const ended = session.ended;
      this.emit('status', {
        contactId: session.contactId,
        online: false,
        ...(ended?.byPeer ? { closedByPeer: true } : {}),
        ...(ended?.pageClosed ? { pageClosed: true } : {}),
        ...(ended?.code ? { endCode: ended.code } : {}),
        counters: session.counters,
      });
      // Lost rather than ended by someone (the contact said bye, or this page disconnected or locked): reconnect by
      // relay while this page stays open. A contact whose page closed (its bye said so) may be back in a moment with a
      // reload: offered to as for a lost link, as before it said bye (its link then timed out as lost).
      const isLost = ended?.byPeer ? !!ended.pageClosed : ended?.state === 'failed' || ended?.code !== undefined;
      if (isLost) this.relayReconnect?.lost(session.contactId);
    });
    for (const name of ['added', 'states', 'typing', 'refused', 'quota-reached', 'error', 'reach'] as const) {
      this.delivery.on(name, (payload) => this.emit(name, payload as never));
    }
    this.delivery.on('certificate', ({ contactId, fingerprint }) => void this.pinCertificate(contactId, fingerprint));
    const files = options.files;
    if (files) {
      files.useGroups({
        isMember: (group, peerId) => {
          const conversation = this.directory.get(group);
          return conversation?.kind === 'group' && conversation.members.includes(peerId);
        },
        contactOfKey: (key) => this.contactOfKey(key) ?? this.unfiledMember(key),
      });
      this.delivery.on('group-file', ({ conversationId, from, fromKey, offer }) => files.receiveGroupOffer({ group: conversationId, from, fromKey, offer }));
    }
    const relays = options.relays;
    if (relays) {
      const ownKey = toBase64Url(options.identity.publicKey);
      const reconnect = new RelayReconnect({
        contacts: () => relays.reconnectable(),
        isOnline: (id) => this.peers.isOnline(id),
        isAlive: (id) => this.peers.get(id)?.checkAlive() ?? Promise.resolve(false),
        canOffer: (id) => !!this.trust.pinnedFingerprint(id) && options.links.supportsOneCodeReconnect,
        offer: (id) => this.pairing.reconnect(id, this.trust.pinnedFingerprint(id), { automatic: true }),
        send: (id, code) => relays.sendReconnect(id, code),
        take: (id, code) => this.pairing.useCode(decodeCode(code), code, { automatic: true, contactId: id }),
        answer: (exchangeId, code) => this.pairing.answerAutomatic(exchangeId, code),
        cancel: (exchangeId) => this.pairing.cancel(exchangeId),
        keepsOwnOffer: (id) => ownKey < (options.contacts.get(id)?.pinnedKey ?? ''),
      });
      this.relayReconnect = reconnect;
      const presence = new RelayPresence({
        isOnline: (id) => this.peers.isOnline(id),
        reaches: (id) => relays.reaches(id),
        changed: (contactId, viaRelay) => this.emit('status', { contactId, online: false, ...(viaRelay ? { viaRelay } : {}) }),
        now: this.now,
      });
      this.relayPresence = presence;
      relays.on('heard', ({ contactId }) => presence.heard(contactId));
      relays.on('contact', () => presence.recheck());
      relays.on('relays', ({ statuses }) => {
        presence.recheck();
        reconnect.relaysChanged(statuses);
      });
      relays.on('reconnect', ({ contactId, code }) => {
        const contact = options.contacts.get(contactId);
        if (contact && !contact.movedTo) void reconnect.received(contactId, code).catch(() => undefined);
      });
      void this.delivery.ready.then(() => {
        this.delivery.addCarrier(relays);
        reconnect.start();
      }, () => undefined);
    }
  }

  // Relays ----------------------------------------------------------------------------------------------------

  get relays(): RelayCarrier | undefined {
    return this.options.relays;
  }

  /** Saves this device's relays and tells every connected contact (an empty list: relays off). */
  async setRelays(relays: readonly string[]): Promise<void> {
    await this.options.relays?.setRelays(relays);
    for (const session of this.peers.open()) void this.offerRelays(session);
  }

  /** "Use relays with …": the contact is told at once when connected (off: our alias is taken back). */
  async setUseRelays(contactId: string, use: boolean): Promise<void> {
    await this.options.relays?.setUse(contactId, use);
    const session = this.peers.get(contactId);
    if (session) await this.offerRelays(session);
  }

  private async offerRelays(session: PeerSession): Promise<void> {
    const relays = this.options.relays;
    const contactId = session.contactId;
    if (!relays || !contactId) return;
    const frame = await relays.offerFor(contactId).catch(() => undefined);
    if (frame && session.state === 'open') session.send(frame);
  }

  // Pairing ---------------------------------------------------------------------------------------------------

  newInvite(): Promise<Exchange> {
    return this.pairing.newInvite();
  }

  /** "Invite to group": an ordinary invite whose answerer joins the group. */
  async inviteToGroup(groupId: string): Promise<Exchange> {
    // Never through relays: an answer by relay is applied by itself, and whoever saw the invite would join the group
    // with nobody approving; a group invite's answer is pasted by the inviter.
    const exchange = await this.pairing.newInvite({ relay: false });
    this.groupInvites.set(exchange.id, groupId);
    return exchange;
  }

  reconnect(contactId: string): Promise<Exchange> {
    return this.pairing.reconnect(contactId, this.trust.pinnedFingerprint(contactId));
  }

  /** `relayConsented`: the person pressed "Answer" on a card saying the answer also goes to the inviter's relays. */
  useCode(decoded: DecodedCode, canonicalText: string, { relayConsented = false } = {}): Promise<Exchange | undefined> {
    return this.pairing.useCode(decoded, canonicalText, { relayConsented });
  }

  // Conversations ---------------------------------------------------------------------------------------------

  /** Sends a text in a conversation (a contact's id for two people). */
  send(conversationId: string, text: string): Promise<ChatMessage> {
    return this.delivery.send(conversationId, text);
  }

  /**
   * Sends a file to a group (files/group-file.ts): hashed, then offered in one group message (its text the file's
   * name), which every member gets as any message, now or when it comes back; each then pulls the chunks from a
   * member who has the file. Resolves with the sender's transfer once the message is sent.
   */
  async sendFileToGroup(groupId: string, source: FileSource, name: string, mime: string): Promise<TransferView> {
    const files = this.options.files;
    const conversation = this.directory.get(groupId);
    if (!files || conversation?.kind !== 'group') throw new TincanError('NO_CONVERSATION', groupId);
    const { view, offer } = await files.offerToGroup({ group: groupId, wireId: conversation.wireId, source, name, mime });
    try {
      await this.delivery.send(groupId, offer.name, groupFileOf(offer));
    } catch (error) {
      files.groupOffered(view.fileId, false);
      throw error;
    }
    files.groupOffered(view.fileId, true);
    return files.get(view.fileId) ?? view;
  }

  setTyping(conversationId: string, active: boolean): void {
    this.delivery.setTyping(conversationId, active);
  }

  /** Tells a connected contact this person's mailbox (docs/mailbox.md), or with no code to forget the one it was told;
   * false when it is not connected. */
  tellMailbox(contactId: string, code: string | undefined): boolean {
    return this.peers.get(contactId)?.send(code === undefined ? { type: 'mailbox' } : { type: 'mailbox', code }) ?? false;
  }

  /** "Let <name> use my mailbox" (docs/mailbox.md §5), kept with the contact (sealed in the vault). */
  async setMailboxShared(contactId: string, shared: boolean): Promise<void> {
    const contact = this.options.contacts.get(contactId);
    if (!contact || contact.mailboxShared === shared) return;
    const updated: Contact = { ...contact, mailboxShared: shared };
    await this.options.contacts.put(updated);
    this.emit('contact', { contact: updated, isNew: false });
  }

  /**
   * Lets the contact `carrierId` carry messages and acks to `members` (contact ids) while they are not connected
   * here: sealed end to end, so it can neither read nor fake them (carrier.ts).
   */
  carryVia(carrierId: string, members: readonly string[]): () => void {
    const targets = new Map<string, string>();
    for (const member of members) {
      const key = this.options.contacts.get(member)?.pinnedKey;
      if (key && member !== carrierId) targets.set(member, key);
    }
    return this.delivery.addCarrier(new MemberCarrier(carrierId, (id) => this.peers.get(id), (member) => targets.get(member)));
  }

  /**
   * Whether a member of a group this device shares with `contactId` may hold this device's messages to that contact
   * while the contact is away (sealed: the member cannot read them). Off unless the person turns it on.
   */
  heldViaMembers(contactId: string): boolean {
    return this.delivery.heldViaMembers(contactId);
  }

  setHeldViaMembers(contactId: string, on: boolean): Promise<void> {
    return this.delivery.setHeldViaMembers(contactId, on);
  }

  /** Writes what is kept in memory only for a moment (the sender chains' positions): before a lock. */
  flush(): Promise<void> {
    return this.delivery.flush();
  }

  /** Ends a contact's live chat on purpose (the peer is told). */
  disconnect(contactId: string): void {
    this.peers.get(contactId)?.close({ state: 'closed' }, { sayBye: true });
  }

  /**
   * This page is going away (closed, reloaded, navigated from: the platform's `pagehide`): every session ends now, and
   * each open one says bye with that reason, so the contact's page says so at once instead of when the link times out,
   * and keeps offering a reconnect by relay for when this page comes back. Nothing else stops: the page is gone
   * (docs/architecture.md, "When the page goes", on the back/forward cache).
   */
  closeSessionsOnPageExit(): void {
    this.peers.closeAll({ sayBye: true, byeReason: 'page-closed' });
  }

  /** The page came back to the front: every live link is checked at once (one found dead ends, and its contact is
   * offered a reconnect by relay: relay-reconnect.ts lost). A link that carries a call is left to the call's own
   * watch, which rides out a short outage on unchanged addresses (calls.ts checks it within callLostMs): checked here, it would end
   * the call after pongWaitMs. */
  pingAll(): void {
    const inCall = new Set<string>();
    const call = this.calls.current;
    if (call) inCall.add(call.contactId);
    for (const member of this.groupCalls.current?.members ?? []) inCall.add(member.contactId);
    for (const session of this.peers.open()) if (!session.contactId || !inCall.has(session.contactId)) void session.checkAlive();
  }

  /** Whether a lost link with the contact is made again with no code (relays in use with it: relay-reconnect.ts). */
  private reconnectsByItself(contactId: string): boolean {
    const relays = this.options.relays;
    return !!relays && !!this.relayReconnect && relays.reconnectable().includes(contactId) && !!this.trust.pinnedFingerprint(contactId) && this.options.links.supportsOneCodeReconnect;
  }

  /** Not connected, but reached through relays (relay-presence.ts): the status says "via relay". */
  isViaRelay(contactId: string): boolean {
    return !this.peers.isOnline(contactId) && !!this.relayPresence?.isViaRelay(contactId);
  }

  /** The wire id of the conversation with a contact while it is online (file offers need it). */
  conversationIdOf(contactId: string): string | undefined {
    return this.peers.get(contactId)?.conversationId;
  }

  isOnline(contactId: string): boolean {
    return this.peers.isOnline(contactId);
  }

  /** The member (contact id) that carries `contactId`'s messages here while the two cannot link (delivery.ts). */
  reachedVia(contactId: string): string | undefined {
    return this.delivery.reachedVia(contactId);
  }

  /**
   * "This is Bob on a new device": see contact-trust.ts. The caller moved the conversation's records first
   * (store ConversationLog.moveConversation); a live session of the new key now files into Bob.
   */
  async moveToNewDevice(newId: string, previousId: string): Promise<Contact> {
    const moved = await this.trust.moveToNewDevice(newId, previousId);
    this.directory.remove(newId);
    await this.directory.addDirect(previousId, fromBase64Url(moved.pinnedKey));
    this.delivery.reassign(newId, previousId);
    const session = this.peers.get(newId);
    if (session) session.reassign(previousId);
    this.emit('contact', { contact: moved, isNew: false });
    const fresh = this.options.contacts.get(newId);
    if (fresh) this.emit('contact', { contact: fresh, isNew: false });
    return moved;
  }

  async confirmDifferentPerson(contactId: string): Promise<void> {
    const contact = await this.trust.confirmDifferentPerson(contactId);
    if (contact) this.emit('contact', { contact, isNew: false });
  }

  /** Ends everything (lock, forget, another tab took over). */
  close({ sayBye = false } = {}): void {
    this.relayReconnect?.stop();
    this.relayPresence?.dispose();
    this.calls.close();
    this.groupCalls.close();
    this.pairing.closeAll();
    this.groups.dispose();
    this.peers.closeAll({ sayBye });
    this.delivery.dispose();
    this.options.relays?.dispose();
    this.removeAllListeners();
  }

  // Sessions --------------------------------------------------------------------------------------------------

  /** `expectedKey`: a link an introduction made, which must reach that member (anyone else: closed). */
  private track(session: PeerSession, exchangeId: string, expectedKey?: string, { automatic = false } = {}): void {
    this.peers.add(session);
    session.on('identified', (peer) => {
      if (expectedKey !== undefined && toBase64Url(peer.identityKey) !== expectedKey) return session.close({ state: 'failed', code: 'HANDSHAKE_FAILED' });
      void this.identify(session, peer, exchangeId, { introduced: expectedKey !== undefined && !automatic, automatic });
    });
    // Frames dropped or rejected while the chat runs: the contact's details say so now, not when it ends.
    session.on('counters', (counters) => {
      const contactId = session.contactId;
      if (contactId && this.peers.get(contactId) === session) this.emitOnline(session, contactId, counters);
    });
  }

  private emitOnline(session: PeerSession, contactId: string, counters: PeerCounters = session.counters): void {
    const path = this.paths.get(session);
    this.emit('status', { contactId, online: true, ...(path ? { path } : {}), counters });
  }

  /**
   * A peer proved its key but could not be filed: the pairing exchange is over (identified), so without this error
   * nothing would say why the connection closed (a CLI whose look-alike check could not load closed every pairing
   * after its first in silence: docs/node-peer.md §5).
   */
  private identifyFailed(session: PeerSession, error: unknown): void {
    const code: ErrorCode = isTincanError(error) ? error.code : 'STORAGE_UNAVAILABLE';
    session.close({ state: 'failed', code });
    this.emit('error', { code });
  }

  private async identify(
    session: PeerSession,
    peer: { identityKey: Uint8Array; displayName: string },
    exchangeId: string,
    { introduced = false, automatic = false } = {},
  ): Promise<void> {
    const remote = session.link.remoteFields;
    if (!remote) return session.close({ state: 'failed', code: 'HANDSHAKE_FAILED' });
    let contact: Contact;
    let isNew: boolean;
    try {
      ({ contact, isNew } = await this.trust.identify(peer, remote.fingerprint));
    } catch (error) {
      return this.identifyFailed(session, error);
    }
    if (session.state !== 'identifying') return;
    let conversationId: string;
    try {
      // Frames may follow the handshake at once: the chains and the conversation must be there to take them.
      await this.delivery.ready;
      ({ wireId: conversationId } = await this.directory.addDirect(contact.id, fromBase64Url(contact.pinnedKey)));
    } catch (error) {
      return this.identifyFailed(session, error);
    }
    if (session.state !== 'identifying') return;
    this.emit('contact', { contact, isNew });
    session.open(contact.id, conversationId);
    // A member an introduction linked: its conversation is not opened on screen.
    if (introduced) return;
    const groupId = this.groupInvites.get(exchangeId);
    this.groupInvites.delete(exchangeId);
    if (groupId) await this.groups.addMember(groupId, contact.id, contact.pinnedKey, contact.displayName);
    this.emit('connected', { contactId: contact.id, exchangeId, ...(groupId ? { groupId } : {}), ...(automatic ? { automatic } : {}) });
  }

  private handleOpened(session: PeerSession): void {
    const contactId = session.contactId!;
    this.relayReconnect?.connected(contactId);
    this.relayPresence?.connected(contactId);
    this.delivery.attach(session);
    this.calls.attach(session);
    this.groupCalls.attach(session);
    this.groups.attach(session);
    this.attachFiles(session, contactId);
    // The link's path went: with a way back by relay it is checked at once, so a dead one (a change of address) is
    // closed and made again by relay now, rather than once ICE fails and its grace ends (40 s in Chromium:
    // relay-reconnect.ts). With no way back, it is left to come back by itself.
    session.on('path-lost', () => {
      if (this.reconnectsByItself(contactId)) void session.checkAlive(pathLostCheckMs);
    });
    const relays = this.options.relays;
    if (relays) {
      session.on('frame', (frame) => {
        if (frame.type === 'relays') void relays.accept(session.contactId!, frame).catch(() => undefined);
      });
      void this.offerRelays(session);
    }
    this.emitOnline(session, contactId);
    // A connection made with an older certificate of ours (a reconnect code pinned it): name the current one.
    const current = this.options.links.certificateFingerprint;
    const local = session.link.localFields?.fingerprint;
    if (current && local && !bytesEqual(current, local) && session.conversationId) {
      session.send({ type: 'cert', fingerprint: toBase64Url(current) });
    }
    void session.link.selectedCandidateTypes().then(
      (path) => {
        if (!path || this.peers.get(contactId) !== session) return;
        this.paths.set(session, path);
        this.emitOnline(session, contactId);
      },
      () => undefined,
    );
  }

  /** Both sides open the bulk channel when a session opens (it is negotiated: no round trip), before any offer. */
  private attachFiles(session: PeerSession, contactId: string): void {
    const files = this.options.files;
    const conversation = session.conversationId;
    if (!files || !conversation) return;
    let bulk;
    try {
      bulk = bulkChannelOf(session.link.openChannel(bulkChannelId, { ordered: true }), session.link.maxMessageSize);
    } catch {
      return; // a link without extra channels (a peer that cannot carry files): chat goes on
    }
    files.attach({ peerId: contactId, conversation, sendControl: (frame) => session.send(frame), bulk });
    session.on('file-frame', (frame) => files.receive(session.contactId!, frame));
    session.on('closed', () => files.detach(contactId));
  }

  /**
   * The contact holding a group member's key, to compare its safety number and mark it verified: the same record
   * as a 1:1 with that key, made from the log's name when there is none yet (contact-trust.ts contactForKey). A new
   * one is filed in the directory as a link files its contact, so its 1:1 takes messages at once (they wait), and
   * told as a new contact (the list, the mailbox keeper).
   */
  async contactForMember(groupId: string, memberKey: string): Promise<Contact | undefined> {
    const group = this.groups.views().find((g) => g.id === groupId);
    const member = group?.members.find((m) => m.key === memberKey && !m.isSelf);
    const found = member ? await this.trust.contactForKey(memberKey, member.name) : undefined;
    if (!found?.isNew) return found?.contact;
    await this.delivery.ready;
    await this.directory.addDirect(found.contact.id, fromBase64Url(found.contact.pinnedKey));
    this.emit('contact', found);
    return found.contact;
  }

  /**
   * A group member this device never linked to (two NATs between them) has no contact record: the directory names it
   * by its key (group/groups.ts contactIdOf), and delivery uses that key as its id, so its messages and acks can go
   * and come through other members. Not a key a contact left behind (that one is known, and refused).
   */
  private unfiledMember(keyId: string): string | undefined {
    if (this.options.contacts.get(keyId) || this.options.contacts.findByKey(keyId)) return undefined;
    return this.directory.ofMember(keyId).some((c) => c.kind === 'group') ? keyId : undefined;
  }

  /** The contact whose current key is `keyId` (a key moved to an earlier contact resolves to that contact). */
  private contactOfKey(keyId: string): string | undefined {
    const found = this.options.contacts.findByKey(keyId);
    if (!found) return undefined;
    const contact = found.movedTo ? this.options.contacts.get(found.movedTo) : found;
    return contact && contact.pinnedKey === keyId ? contact.id : undefined;
  }

  private async pinCertificate(contactId: string, fingerprint: string): Promise<void> {
    const contact = this.options.contacts.get(contactId);
    if (!contact || contact.dtlsFingerprint === fingerprint || fromBase64Url(fingerprint).length !== 32) return;
    const updated: Contact = { ...contact, dtlsFingerprint: fingerprint };
    await this.options.contacts.put(updated).catch(() => undefined);
    this.emit('contact', { contact: updated, isNew: false });
  }
}
