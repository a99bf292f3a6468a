// Group calls for small groups (docs/calls.md "Group calls"): a mesh of at most maxGroupCallMembers people, one call
// connection (a "leg") per pair of members in the call, each set up over that pair's own open sealed session exactly
// as a call between two people is (calls.ts): the leg's SDP must name only the DTLS fingerprint that member signed
// for this session's link. One call at a time on this device (a call of two people counts: busyElsewhere).
//
// - Who offers a leg: a member offers to every other member it has a session with when it starts the call or
//   accepts it (`group-call` frames, call-frames.ts); a member ringing holds every offer it gets (one per member
//   already in) and answers them all on "Accept call". So whoever accepts later, or starts later, connects to every
//   member present. Two members offering each other at once: the lower identity key's offer stands (the other
//   drops its own and answers), as introductions decide (group/introduction.ts). A member whose session opens while
//   this device is in the call (back after its link dropped, or online only now) is offered a leg too, unless it
//   declined or left this call.
// - Leaving ends only this device's legs (`call-end` on each); the others stay in the call with whoever remains.
//   A member's call ends when it has no leg left (nobody else in it, nobody ringing).
// - Untrusted: an offer counts only from a member of the group (by its identity key on this session, never by a
//   name), for a group this device is in, of at most maxGroupCallMembers members, within the contact's offer budget;
//   the other frames count only on the session of a leg of the call going on. A member removed from the group
//   loses its leg.
// - Joining a call going on ("Join call"): a member in the call tells each member of the group that has no leg in it
//   (it left, declined, missed the call, or its page came back) that it is in (`group-call-state`, present), when that
//   member's leg ends, when its session opens, and every groupCallNewsEveryMs; and that it is no longer, when its own
//   part ends. A device keeps what members said per group until they all said they left, their sessions closed, or
//   groupCallNewsStaleMs passed without news. Joining offers a leg for that very call id to each member it knows in
//   it; a member in the call answers an offer for its own call at once, without ringing (so do the members still
//   ringing, once they accept). A device that declined or left a call answers a later offer for it "declined"
//   instead of ringing again; "Join call" is how it comes back.
// - History: each device writes one entry into the group's conversation each time its part of the call ends
//   (answered with its length, declined, missed, no answer), none past the quota (call-entries.ts): a member who
//   declined and then joined has "declined" and then the answered part, at the time it joined.
import { TincanError, type ErrorCode } from '../errors';
import { Emitter } from '../events';
import { toBase64Url } from '../crypto/bytes';
import type { CallCapture, CallConnection } from '../net/call-link';
import { defaultConversationQuotaBytes, TokenBucket, type BucketLimits } from './budget';
import { writeCallEntry, type CallLogPort } from './call-entries';
import type { CallEndReason, CallFrame } from './call-frames';
import { maxGroupCallMembers, type CallOutcome, type CallRecord } from './call-record';
import { acceptingMs, callOfferBudget, codeOf, noticeOfEnd, randomCallId, ringGraceMs, ringMs, sdpNamesOnly, type CallPhase } from './calls';
import type { ChatMessage } from './chat-message';
import type { GroupView } from './group/groups';
import type { PeerSession, SessionCallFrame } from './peer-session';

export { maxGroupCallMembers } from './call-record';

/** A member in a group call tells the members of the group with no leg in it that it is in, this often (ms), besides
 * when their leg ends and when their session opens: a frame dropped on the way is made good. */
export const groupCallNewsEveryMs = 20_000;
/** A device not in a group call forgets a member in it after this long without news of it (ms), and the call once no
 * member is left: a member gone silent does not leave "Join call" up for ever. */
export const groupCallNewsStaleMs = 50_000;
/** What a contact's `group-call-state` frames may cost: a few a second; the rest are dropped and counted. */
export const groupCallNewsBudget = { perSecond: 1, burst: 4 } as const satisfies BucketLimits;
/** Calls this device declined or left, the latest few: an offer for one of them is declined instead of ringing. */
const rememberedLeftCalls = 8;

/** A call of a group that this device is not in, as members in it said ("Join call"). */
export interface GroupCallGoingOn {
  readonly groupId: string;
  readonly id: string;
  readonly video: boolean;
  /** The identity keys (base64url) of the members who said they are in it, in key order. */
  readonly members: readonly string[];
}

/** One other member's leg, as the call view shows it. */
export type GroupCallLegPhase = 'ringing' | 'connecting' | 'in-call';

export interface GroupCallMember {
  /** The member's identity key (base64url): the app names the tile from the group's member list by it. */
  readonly key: string;
  readonly contactId: string;
  readonly phase: GroupCallLegPhase;
  /** Opaque to the core (a MediaStream in a browser). */
  readonly remoteMedia?: unknown;
}

/** The group call going on, as the app shows it: a new object on every change. */
export interface GroupCallState {
  readonly id: string;
  readonly groupId: string;
  readonly video: boolean;
  readonly direction: 'out' | 'in';
  /** ringing-in until accepted; then in-call while media flows both ways with at least one member. */
  readonly phase: CallPhase;
  readonly muted: boolean;
  readonly cameraOff: boolean;
  /** When this device's part of the call began (its ring, its start or its joining, ms): joining again is a new part. */
  readonly startedAt: number;
  readonly connectedAt?: number;
  readonly localMedia?: unknown;
  /** The other members with a leg, in key order. */
  readonly members: readonly GroupCallMember[];
}

export interface GroupCallsEvents {
  call: GroupCallState | undefined;
  notice: { groupId: string; code: ErrorCode };
  /** A call's entry was written into the group's history. */
  record: { conversationId: string; message: ChatMessage };
  /** The group calls going on that this device is not in changed (goingOn). */
  'going-on': readonly GroupCallGoingOn[];
}

export interface GroupCallsOptions {
  /** This device's identity key (base64url). */
  readonly ownKey: string;
  /** The group as this device holds it, if it knows it. */
  group(groupId: string): GroupView | undefined;
  /** The open session with a contact, if any. */
  session(contactId: string): PeerSession | undefined;
  readonly log: CallLogPort;
  quotaBytes?: (conversationId: string) => number;
  /** A call of two people is going on (calls.ts). */
  busyElsewhere?: () => boolean;
  now?: () => number;
  ringMs?: number;
  acceptingMs?: number;
  newsEveryMs?: number;
  newsStaleMs?: number;
}

/** What the group calls left out, for the counters (hostile or confused members). */
export interface GroupCallCounters {
  offersOverBudget: number;
  /** Offers from someone not a member of that group (or for a group this device is not in, or too big). */
  notMember: number;
  /** Offers that found this device busy after one "missed" entry for that contact was already written. */
  busyNotWritten: number;
  overQuota: number;
  /** `group-call-state` frames over a contact's groupCallNewsBudget. */
  newsOverBudget: number;
}

interface Leg {
  readonly key: string;
  readonly contactId: string;
  readonly session: PeerSession;
  /** caller: this device offered the leg; callee: the member did. */
  readonly role: 'caller' | 'callee';
  connection?: CallConnection;
  /** callee: the member's offer, until answered. */
  offerSdp?: string;
  /** The answer was sent (callee) or applied (caller). */
  answered: boolean;
  /** caller: the member said it is accepting (its prompt may be open). */
  accepting?: boolean;
  receiving: boolean;
  peerReceiving: boolean;
  timer?: ReturnType<typeof setTimeout>;
  readonly undo: (() => void)[];
}

interface Active {
  readonly id: string;
  readonly groupId: string;
  readonly video: boolean;
  readonly direction: 'out' | 'in';
  readonly startedAt: number;
  /** This device is in the call (started or accepted it); false while it rings here. */
  joined: boolean;
  muted: boolean;
  cameraOff: boolean;
  connectedAt?: number;
  readonly legs: Map<string, Leg>;
  ringTimer?: ReturnType<typeof setTimeout>;
  /** Why the last leg ended, as the member said it (for the entry when none is left). */
  lastEnd?: CallEndReason;
  /** What to tell the person when the last leg went (a refused or lost leg). */
  lastCode?: ErrorCode;
  readonly busyWritten: Set<string>;
  /** Members who declined or left this call: a reconnection of theirs does not ring them again. */
  readonly leftBy: Set<string>;
  /** The microphone (and camera) every leg sends, captured once (where the links can share one). */
  capture?: CallCapture;
  /** While joined: telling the members with no leg that this device is in, every newsEveryMs. */
  newsTimer?: ReturnType<typeof setInterval>;
}

/** A call going on that this device is not in: who said they are in it, and when they last said so (ms). */
interface KnownCall {
  readonly id: string;
  readonly video: boolean;
  readonly members: Map<string, number>;
  timer?: ReturnType<typeof setTimeout>;
}

type GroupCallOffer = Extract<CallFrame, { type: 'group-call' }>;
type GroupCallNews = Extract<CallFrame, { type: 'group-call-state' }>;

export class GroupCalls extends Emitter<GroupCallsEvents> {
  private active?: Active;
  private readonly now: () => number;
  private readonly ringMs: number;
  private readonly acceptingMs: number;
  private readonly newsEveryMs: number;
  private readonly newsStaleMs: number;
  private readonly quotaBytes: (conversationId: string) => number;
  private readonly offerBudgets = new WeakMap<PeerSession, TokenBucket>();
  private readonly newsBudgets = new WeakMap<PeerSession, TokenBucket>();
  /** Calls going on that this device is not in, by group id. */
  private readonly known = new Map<string, KnownCall>();
  /** The latest calls this device declined or left (ids, oldest first). */
  private readonly leftCalls: string[] = [];
  /** Contacts whose offer found a call of two people going on and already have their "missed" entry. */
  private readonly busyElsewhereWritten = new Set<string>();
  private closed = false;
  readonly counted: GroupCallCounters = { offersOverBudget: 0, notMember: 0, busyNotWritten: 0, overQuota: 0, newsOverBudget: 0 };

  constructor(private readonly options: GroupCallsOptions) {
    super();
    this.now = options.now ?? Date.now;
    this.ringMs = options.ringMs ?? ringMs;
    this.acceptingMs = options.acceptingMs ?? acceptingMs;
    this.newsEveryMs = options.newsEveryMs ?? groupCallNewsEveryMs;
    this.newsStaleMs = options.newsStaleMs ?? groupCallNewsStaleMs;
    this.quotaBytes = options.quotaBytes ?? (() => defaultConversationQuotaBytes);
  }

  get current(): GroupCallState | undefined {
    return this.active && this.snapshot(this.active);
  }

  /** The id of the group call going on (ringing included), for the calls of two people (busy). */
  get currentId(): string | undefined {
    return this.active?.id;
  }

  /** The group calls going on that this device is not in, as members in them said: each group's page offers "Join call". */
  get goingOn(): readonly GroupCallGoingOn[] {
    const now = this.now();
    return [...this.known].map(([groupId, known]) => ({ groupId, id: known.id, video: known.video, members: this.freshMembers(known, now).sort() }));
  }

  /** The members heard of in a known call within newsStaleMs (each says so again every newsEveryMs). */
  private freshMembers(known: KnownCall, now: number): string[] {
    return [...known.members].filter(([, at]) => now - at < this.newsStaleMs).map(([key]) => key);
  }

  /** A session opened with a contact: its group-call frames come here; its leg ends with it. */
  attach(session: PeerSession): void {
    this.offerBudgets.set(session, new TokenBucket(callOfferBudget, this.now));
    this.newsBudgets.set(session, new TokenBucket(groupCallNewsBudget, this.now));
    session.on('call-frame', (frame) => void this.receive(session, frame));
    session.on('closed', () => {
      const call = this.active;
      const leg = call && this.legOn(call, session);
      if (call && leg) this.dropLeg(call, leg, { code: 'CALL_CONNECTION_LOST' });
      this.forgetNewsOn(session);
    });
    this.offerOnConnect(session);
  }

  /** A member connects while this device is in the call (back after its link dropped, or online only now): it is
   * offered a leg, so its page rings, unless it declined or left this call: then it is told the call goes on. */
  private offerOnConnect(session: PeerSession): void {
    const call = this.active;
    if (!call?.joined || !session.peer) return;
    const key = toBase64Url(session.peer.identityKey);
    const member = this.options.group(call.groupId)?.members.find((m) => m.key === key && !m.isSelf);
    if (!member || member.contactId !== session.contactId || call.legs.has(key)) return;
    if (call.leftBy.has(key) || !session.link.makeCall || call.legs.size >= maxGroupCallMembers - 1) return this.tell(call, session, true);
    void this.offerLeg(call, { key, contactId: member.contactId, session });
  }

  /** "Voice call" / "Video call" in a group: rings every member connected now. Throws CALL_BUSY,
   * GROUP_CALL_TOO_BIG, CALL_NEEDS_CONNECTION, CALL_UNAVAILABLE; MEDIA_DENIED when no leg could capture. */
  async start(groupId: string, video: boolean): Promise<void> {
    const callable = this.callableMembers(groupId, () => true);
    const call = this.begin({ id: randomCallId(), groupId, video, direction: 'out', joined: true, cameraOff: !video });
    await Promise.all(callable.map((member) => this.offerLeg(call, member)));
  }

  /** "Join call": this device joins the group's call going on (goingOn): a leg for that call is offered to each member
   * known to be in it, who answers without ringing. Throws GROUP_CALL_OVER when no call of the group is known to go
   * on, and what start() throws. */
  async join(groupId: string): Promise<void> {
    const known = this.known.get(groupId);
    if (!known) throw new TincanError(this.active ? 'CALL_BUSY' : 'GROUP_CALL_OVER');
    const fresh = new Set(this.freshMembers(known, this.now()));
    const callable = this.callableMembers(groupId, (key) => fresh.has(key));
    const { id, video } = known;
    // With the camera off, even in a video call: what the call is comes from what members said, and the person turns
    // the camera on in the call view, where it shows.
    const call = this.begin({ id, groupId, video, direction: 'in', joined: true, cameraOff: true });
    await Promise.all(callable.map((member) => this.offerLeg(call, member)));
  }

  /** The members of the group to offer a leg to (connected, among `wanted`, with a call connection); throws why none. */
  private callableMembers(groupId: string, wanted: (key: string) => boolean): { key: string; contactId: string; session: PeerSession }[] {
    if (this.active || this.options.busyElsewhere?.()) throw new TincanError('CALL_BUSY');
    const group = this.options.group(groupId);
    if (!group?.isMember) throw new TincanError('CALL_NEEDS_CONNECTION');
    if (group.members.length > maxGroupCallMembers) throw new TincanError('GROUP_CALL_TOO_BIG');
    const reachable = this.reachableMembers(group).filter((m) => wanted(m.key));
    if (reachable.length === 0) throw new TincanError('CALL_NEEDS_CONNECTION');
    const callable = reachable.filter(({ session }) => session.link.makeCall);
    if (callable.length === 0) throw new TincanError('CALL_UNAVAILABLE');
    return callable;
  }

  /** "Accept call": answers every member's offer, and offers a leg to every member not in it yet. */
  async accept(): Promise<void> {
    const call = this.active;
    if (!call || call.joined) return;
    call.joined = true;
    clearTimeout(call.ringTimer);
    this.keepTelling(call);
    this.changed();
    const held = [...call.legs.values()];
    // "I am accepting", before the microphone prompt: the offerers stop counting their ring (calls.ts does the same).
    for (const leg of held) leg.session.send({ type: 'call-media', call: call.id, receiving: false });
    const failures = await Promise.all([...held.map((leg) => this.answerLeg(call, leg)), ...this.offerMissingLegs(call)]);
    const media = failures.find((code) => code === 'MEDIA_DENIED' || code === 'MEDIA_MISSING');
    // Without a microphone this device cannot take part: it leaves the call, and says why.
    if (media && this.isCurrent(call)) this.leave(call, 'failed', media);
  }

  /** "Decline call": every member who offered is told. */
  decline(): void {
    const call = this.active;
    if (!call || call.joined) return;
    for (const leg of call.legs.values()) leg.session.send({ type: 'call-end', call: call.id, reason: 'declined' });
    this.rememberLeft(call.id);
    this.finish(call, 'declined');
  }

  /** "End call": this device leaves; the others stay in the call with each other. */
  hangUp(): void {
    const call = this.active;
    if (!call) return;
    if (!call.joined) return this.decline();
    this.rememberLeft(call.id);
    this.leave(call, 'hang-up');
  }

  setMuted(muted: boolean): void {
    const call = this.active;
    if (!call) return;
    call.muted = muted;
    for (const leg of call.legs.values()) leg.connection?.setMuted(muted);
    this.changed();
  }

  /** "Turn camera off" (and on again) on every leg. Throws MEDIA_DENIED / MEDIA_MISSING when it cannot come on. */
  async setCameraOff(off: boolean): Promise<void> {
    const call = this.active;
    if (!call) return;
    // Every leg is asked, whatever one of them answers (a leg that failed is ending anyway): the state says what
    // the person chose, as on the legs that could. It says so at once: a leg made while the camera comes on starts
    // with the choice (it would otherwise turn the shared camera off again), and is then asked like the others.
    call.cameraOff = off;
    const asked = [...call.legs.values()];
    await Promise.allSettled(asked.map((leg) => leg.connection?.setCameraOff(off)));
    if (this.active !== call) return;
    for (const leg of call.legs.values()) if (!asked.includes(leg)) void leg.connection?.setCameraOff(off).catch(() => undefined);
    this.changed();
  }

  /** The group changed (groups.ts): a member no longer in it loses its leg; this device out of it leaves. */
  groupChanged(group: GroupView): void {
    this.forgetNewsOfNonMembers(group);
    const call = this.active;
    if (!call || call.groupId !== group.id) return;
    if (!group.isMember) return call.joined ? this.leave(call, 'hang-up') : this.decline();
    const keys = new Set(group.members.map((m) => m.key));
    for (const leg of [...call.legs.values()]) if (!keys.has(leg.key)) this.endLeg(call, leg, 'hang-up');
  }

  /** Lock, another tab, forget: this device leaves the call. */
  close(): void {
    const call = this.active;
    if (call) {
      for (const leg of call.legs.values()) leg.session.send({ type: 'call-end', call: call.id, reason: 'hang-up' });
      this.finish(call, call.connectedAt !== undefined ? 'answered' : call.joined ? this.unansweredOutcome(call) : 'missed');
    }
    for (const groupId of [...this.known.keys()]) this.forgetKnown(groupId);
    this.closed = true;
    this.removeAllListeners();
  }

  // -----------------------------------------------------------------------------------------------------------

  private async receive(session: PeerSession, frame: SessionCallFrame): Promise<void> {
    if (!session.contactId || this.closed) return;
    if (frame.type === 'group-call') return this.receiveOffer(session, frame);
    if (frame.type === 'group-call-state') return this.receiveNews(session, frame);
    const call = this.active;
    const leg = call?.id === frame.call ? this.legOn(call, session) : undefined;
    if (!call || !leg) return;
    switch (frame.type) {
      case 'call-answer':
        if (leg.role !== 'caller' || leg.answered) return;
        if (!this.isSigned(session, frame.sdp)) return this.endLeg(call, leg, 'refused', 'CALL_REFUSED');
        clearTimeout(leg.timer);
        leg.answered = true;
        this.changed();
        try {
          await leg.connection?.accept(frame.sdp);
        } catch (error) {
          this.endLeg(call, leg, 'failed', codeOf(error));
        }
        return;
      case 'call-end':
        call.lastEnd = frame.reason;
        if (frame.reason === 'declined' || frame.reason === 'hang-up') call.leftBy.add(leg.key);
        return this.dropLeg(call, leg, frame.reason === 'refused' ? { code: 'CALL_REFUSED' } : {});
      case 'call-signal':
        if (!leg.answered) return;
        if (!this.isSigned(session, frame.sdp)) return this.endLeg(call, leg, 'refused', 'CALL_REFUSED');
        await leg.connection?.applySignal({ kind: frame.kind, sdp: frame.sdp }).catch(() => undefined);
        return;
      case 'call-media':
        if (leg.role === 'caller' && !leg.answered) {
          // The member accepts (its prompt may be open): its ring gives way to acceptingMs, once.
          if (!leg.accepting) {
            leg.accepting = true;
            this.ringLeg(call, leg, this.acceptingMs);
          }
          return;
        }
        leg.peerReceiving = frame.receiving;
        return this.updatePhase(call);
      case 'call-offer':
      case 'call-resume':
        return; // a call of two people: calls.ts
    }
  }

  /** The member of the group this session is with, for a group this device is in that is small enough for a call. */
  private memberOn(session: PeerSession, groupId: string): { group: GroupView; key: string } | undefined {
    const key = session.peer ? toBase64Url(session.peer.identityKey) : '';
    const group = this.options.group(groupId);
    const member = group?.members.find((m) => m.key === key && !m.isSelf);
    // Only a member of a group this device is in, on its own session (by its identity key, never a name).
    if (!group?.isMember || !member || member.contactId !== session.contactId || group.members.length > maxGroupCallMembers) return undefined;
    return { group, key };
  }

  private receiveOffer(session: PeerSession, frame: GroupCallOffer): void {
    const contactId = session.contactId!;
    if (!this.offerBudgets.get(session)?.take()) return void this.counted.offersOverBudget++;
    const from = this.memberOn(session, frame.group);
    if (!from) return void this.counted.notMember++;
    const { group, key: peerKey } = from;
    if (!this.isSigned(session, frame.sdp)) {
      session.send({ type: 'call-end', call: frame.call, reason: 'refused' });
      this.emit('notice', { groupId: group.id, code: 'CALL_REFUSED' });
      return;
    }
    const call = this.active;
    // A call this device declined or left does not ring again (a member accepting late offers it a leg): "Join call".
    if (call?.id !== frame.call && this.leftCalls.includes(frame.call)) {
      session.send({ type: 'call-end', call: frame.call, reason: 'declined' });
      return;
    }
    if (this.options.busyElsewhere?.() || (call && (call.id !== frame.call || call.groupId !== group.id))) {
      return this.busy(session, frame, call);
    }
    // Not busy elsewhere any more: the next call of two people may write its one "missed" entry per contact again.
    this.busyElsewhereWritten.clear();
    if (!call) {
      const ringing = this.begin({ id: frame.call, groupId: group.id, video: frame.video, direction: 'in', joined: false, cameraOff: !frame.video });
      ringing.legs.set(peerKey, this.newLeg(peerKey, contactId, session, 'callee', frame.sdp));
      ringing.ringTimer = setTimeout(() => this.finish(ringing, 'missed'), this.ringMs + ringGraceMs);
      return this.changed();
    }
    const existing = call.legs.get(peerKey);
    if (existing) {
      // Both offered each other at once: the lower key's offer stands; the other side drops its own and answers.
      if (existing.role !== 'caller' || existing.answered || this.options.ownKey < peerKey) return;
      this.dropLeg(call, existing, { quietly: true });
    } else if (call.legs.size >= maxGroupCallMembers - 1) {
      session.send({ type: 'call-end', call: frame.call, reason: 'busy' });
      return;
    }
    // A member who left or declined and now joins again: its next reconnection is offered a leg as anyone's.
    call.leftBy.delete(peerKey);
    const leg = this.newLeg(peerKey, contactId, session, 'callee', frame.sdp);
    call.legs.set(peerKey, leg);
    this.changed();
    if (call.joined) void this.answerLeg(call, leg);
  }

  /** A member says it is in (or no longer in) a call of the group that this device is not in. */
  private receiveNews(session: PeerSession, frame: GroupCallNews): void {
    if (!this.newsBudgets.get(session)?.take()) return void this.counted.newsOverBudget++;
    const from = this.memberOn(session, frame.group);
    if (!from) return void this.counted.notMember++;
    // In it, or ringing for it: its legs say who is in.
    if (this.active?.id === frame.call) return;
    const known = this.known.get(frame.group);
    if (!frame.present) {
      if (known?.id !== frame.call || !known.members.delete(from.key)) return;
      if (known.members.size === 0) this.forgetKnown(frame.group);
      return this.goingOnChanged();
    }
    const now = this.now();
    // News of another call of the group replaces what was known only once no other member is heard of in that one: a
    // member cannot take "Join call" away from the call the others are in (to a call of its own, say).
    if (known && known.id !== frame.call && this.freshMembers(known, now).some((key) => key !== from.key)) return;
    const current = known?.id === frame.call ? known : this.knowCall(frame.group, { id: frame.call, video: frame.video, members: new Map() });
    current.members.set(from.key, now);
    for (const [key, at] of current.members) if (now - at >= this.newsStaleMs) current.members.delete(key);
    clearTimeout(current.timer);
    // No news at all for newsStaleMs: the call is forgotten (a member still in it says so again every newsEveryMs).
    current.timer = setTimeout(() => {
      if (this.known.get(frame.group) !== current) return;
      this.forgetKnown(frame.group);
      this.goingOnChanged();
    }, this.newsStaleMs);
    this.goingOnChanged();
  }

  private knowCall(groupId: string, known: KnownCall): KnownCall {
    this.forgetKnown(groupId);
    this.known.set(groupId, known);
    return known;
  }

  private forgetKnown(groupId: string): boolean {
    const known = this.known.get(groupId);
    if (!known) return false;
    clearTimeout(known.timer);
    return this.known.delete(groupId);
  }

  /** A session closed: what its member said can no longer be kept up to date (unless its newer session is open). */
  private forgetNewsOn(session: PeerSession): void {
    if (!session.peer || !session.contactId) return;
    const current = this.options.session(session.contactId);
    if (current && current !== session && current.state === 'open') return;
    this.forgetMembers((_groupId, key) => key === toBase64Url(session.peer!.identityKey));
  }

  /** The group changed: news from members no longer in it, or of a group this device left, is forgotten. */
  private forgetNewsOfNonMembers(group: GroupView): void {
    const keys = new Set(group.isMember ? group.members.map((m) => m.key) : []);
    this.forgetMembers((groupId, key) => groupId === group.id && !keys.has(key));
  }

  private forgetMembers(gone: (groupId: string, key: string) => boolean): void {
    let changed = false;
    for (const [groupId, known] of [...this.known]) {
      for (const key of [...known.members.keys()]) if (gone(groupId, key)) changed = known.members.delete(key) || changed;
      if (known.members.size === 0) this.forgetKnown(groupId);
    }
    if (changed) this.goingOnChanged();
  }

  private goingOnChanged(): void {
    if (!this.closed) this.emit('going-on', this.goingOn);
  }

  /** Tells a member with no leg in the call that this device is in it (or no longer). */
  private tell(call: Active, session: PeerSession, present: boolean): void {
    session.send({ type: 'group-call-state', call: call.id, group: call.groupId, video: call.video, present });
  }

  /** Tells every member of the group connected now that has no leg in the call. */
  private tellOutsiders(call: Active, present: boolean): void {
    const group = this.options.group(call.groupId);
    if (!group?.isMember) return;
    for (const member of this.reachableMembers(group)) if (!call.legs.has(member.key)) this.tell(call, member.session, present);
  }

  /** While this device is in the call, the members with no leg in it hear so every newsEveryMs. */
  private keepTelling(call: Active): void {
    clearInterval(call.newsTimer);
    call.newsTimer = setInterval(() => this.isCurrent(call) && this.tellOutsiders(call, true), this.newsEveryMs);
  }

  private rememberLeft(id: string): void {
    if (this.leftCalls.includes(id)) return;
    this.leftCalls.push(id);
    if (this.leftCalls.length > rememberedLeftCalls) this.leftCalls.shift();
  }

  /** An offer that finds this device in another call: "busy", and one "missed" entry per contact meanwhile. */
  private busy(session: PeerSession, frame: GroupCallOffer, call: Active | undefined): void {
    session.send({ type: 'call-end', call: frame.call, reason: 'busy' });
    const written = call ? call.busyWritten : this.busyElsewhereWritten;
    if (written.has(session.contactId!)) return void this.counted.busyNotWritten++;
    written.add(session.contactId!);
    void this.record(frame.group, 'in', this.now(), { video: frame.video, outcome: 'missed' });
  }

  /** Members of the group (not this device) with an open session now. */
  private reachableMembers(group: GroupView): { key: string; contactId: string; session: PeerSession }[] {
    return group.members.flatMap((m) => {
      const session = m.isSelf ? undefined : this.options.session(m.contactId);
      return session?.state === 'open' ? [{ key: m.key, contactId: m.contactId, session }] : [];
    });
  }

  /** After accepting: a leg offered to each member connected now that has none (they may be ringing too). */
  private offerMissingLegs(call: Active): Promise<ErrorCode | undefined>[] {
    const group = this.options.group(call.groupId);
    if (!group) return [];
    const room = maxGroupCallMembers - 1 - call.legs.size;
    const missing = this.reachableMembers(group).filter((m) => !call.legs.has(m.key) && m.session.link.makeCall);
    return missing.slice(0, Math.max(0, room)).map((m) => this.offerLeg(call, m));
  }

  private async offerLeg(call: Active, member: { key: string; contactId: string; session: PeerSession }): Promise<ErrorCode | undefined> {
    const leg = this.newLeg(member.key, member.contactId, member.session, 'caller');
    call.legs.set(member.key, leg);
    this.changed();
    const connection = this.connect(call, leg);
    let sdp: string;
    try {
      sdp = await connection.offer();
    } catch (error) {
      // No entry for a leg that never rang; a call left with no leg ends (start() says why when none rang).
      this.dropLeg(call, leg, { quietly: true });
      if (this.isCurrent(call) && call.legs.size === 0) this.finish(call, call.connectedAt !== undefined ? 'answered' : undefined, codeOf(error));
      return codeOf(error);
    }
    if (!this.isLeg(call, leg)) return undefined;
    if (call.cameraOff && call.video) void connection.setCameraOff(true).catch(() => undefined);
    if (!leg.session.send({ type: 'group-call', call: call.id, group: call.groupId, video: call.video, sdp })) {
      this.dropLeg(call, leg, { code: 'CALL_CONNECTION_LOST' });
      return 'CALL_CONNECTION_LOST';
    }
    this.ringLeg(call, leg, this.ringMs);
    return undefined;
  }

  private async answerLeg(call: Active, leg: Leg): Promise<ErrorCode | undefined> {
    const offer = leg.offerSdp;
    if (!offer || leg.connection) return undefined;
    const connection = this.connect(call, leg);
    let sdp: string;
    try {
      sdp = await connection.answer(offer);
    } catch (error) {
      this.endLeg(call, leg, 'failed', codeOf(error));
      return codeOf(error);
    }
    if (!this.isLeg(call, leg)) return undefined;
    if (call.cameraOff && call.video) void connection.setCameraOff(true).catch(() => undefined);
    if (!leg.session.send({ type: 'call-answer', call: call.id, sdp })) {
      this.dropLeg(call, leg, { code: 'CALL_CONNECTION_LOST' });
      return 'CALL_CONNECTION_LOST';
    }
    leg.answered = true;
    leg.offerSdp = undefined;
    this.changed();
    return undefined;
  }

  /** A leg this device offered is given up ("unanswered") after `ms` more. */
  private ringLeg(call: Active, leg: Leg, ms: number): void {
    clearTimeout(leg.timer);
    leg.timer = setTimeout(() => {
      call.lastEnd = 'unanswered';
      this.endLeg(call, leg, 'unanswered');
    }, ms);
  }

  private newLeg(key: string, contactId: string, session: PeerSession, role: Leg['role'], offerSdp?: string): Leg {
    return { key, contactId, session, role, answered: false, receiving: false, peerReceiving: false, undo: [], ...(offerSdp ? { offerSdp } : {}) };
  }

  private connect(call: Active, leg: Leg): CallConnection {
    // One capture for every leg: asked for once, one mute and camera state, stopped when this device's part ends.
    // A part that starts with the camera off ("Join call") captures the microphone only; the camera comes when turned on.
    call.capture ??= leg.session.link.makeCapture?.(call.video && !call.cameraOff);
    const connection = leg.session.link.makeCall!({ video: call.video, role: leg.role, ...(call.capture ? { capture: call.capture } : {}) });
    leg.connection = connection;
    connection.setMuted(call.muted);
    leg.undo.push(
      connection.on('media', () => this.isLeg(call, leg) && this.changed()),
      connection.on('receiving', (receiving) => {
        leg.receiving = receiving;
        leg.session.send({ type: 'call-media', call: call.id, receiving });
        this.updatePhase(call);
      }),
      connection.on('signal', (signal) => leg.session.send({ type: 'call-signal', call: call.id, kind: signal.kind, sdp: signal.sdp })),
      connection.on('state', (state) => {
        if (state === 'failed') this.endLeg(call, leg, 'failed', connection.failure ?? 'CALL_CONNECTION_LOST');
      }),
    );
    return connection;
  }

  /** Whether `call` is still the call going on (an await may have seen it end). */
  private isCurrent(call: Active): boolean {
    return this.active === call;
  }

  private legOn(call: Active, session: PeerSession): Leg | undefined {
    for (const leg of call.legs.values()) if (leg.session === session) return leg;
    return undefined;
  }

  private isLeg(call: Active, leg: Leg): boolean {
    return this.active === call && call.legs.get(leg.key) === leg;
  }

  private isSigned(session: PeerSession, sdp: string): boolean {
    const signed = session.link.remoteFields?.fingerprint;
    return !!signed && sdpNamesOnly(sdp, signed);
  }

  /** Tells the member why, then drops its leg here. */
  private endLeg(call: Active, leg: Leg, reason: CallEndReason, code?: ErrorCode): void {
    if (!this.isLeg(call, leg)) return;
    leg.session.send({ type: 'call-end', call: call.id, reason });
    this.dropLeg(call, leg, code ? { code } : {});
  }

  /** The one way a leg goes: its connection closes; a call with no leg left is over here. */
  private dropLeg(call: Active, leg: Leg, { code, quietly = false }: { code?: ErrorCode; quietly?: boolean }): void {
    if (!this.isLeg(call, leg)) return;
    call.legs.delete(leg.key);
    clearTimeout(leg.timer);
    for (const undo of leg.undo.splice(0)) undo();
    leg.connection?.close();
    if (quietly) return;
    // What to say when this was the last leg: why this one went (an earlier lost leg says nothing once others went on).
    call.lastCode = code;
    if (call.legs.size > 0) {
      // The member (still in the group) may join again: it hears that this device is still in.
      const isMember = this.options.group(call.groupId)?.members.some((m) => m.key === leg.key);
      if (call.joined && isMember && leg.session.state === 'open') this.tell(call, leg.session, true);
      return this.updatePhase(call);
    }
    if (!call.joined) return this.finish(call, 'missed');
    this.finish(call, call.connectedAt !== undefined ? 'answered' : this.unansweredOutcome(call), call.lastCode ?? (call.lastEnd && noticeOfEnd(call.lastEnd)));
  }

  /** This device leaves: every leg is told, then the call ends here. */
  private leave(call: Active, reason: CallEndReason, code?: ErrorCode): void {
    for (const leg of call.legs.values()) leg.session.send({ type: 'call-end', call: call.id, reason });
    // Leaving before anyone's media came: the caller gave up ringing ("No answer"); a callee's setup failed.
    this.finish(call, call.connectedAt !== undefined ? 'answered' : call.direction === 'out' ? 'unanswered' : 'failed', code);
  }

  /** A call that never had media: why, as its members said it. */
  private unansweredOutcome(call: Active): CallOutcome {
    if (call.direction === 'in') return 'failed';
    return call.lastEnd === 'declined' ? 'declined' : call.lastEnd === 'busy' ? 'busy' : 'unanswered';
  }

  private begin(fields: Pick<Active, 'id' | 'groupId' | 'video' | 'direction' | 'joined' | 'cameraOff'>): Active {
    const call: Active = { ...fields, startedAt: this.now(), muted: false, legs: new Map(), busyWritten: new Set(), leftBy: new Set() };
    this.active = call;
    if (call.joined) this.keepTelling(call);
    // In it (or ringing for it) now: its legs say who is in; what was known of it is news no more.
    if (this.known.get(call.groupId)?.id === call.id && this.forgetKnown(call.groupId)) this.goingOnChanged();
    this.changed();
    return call;
  }

  private updatePhase(call: Active): void {
    if (this.active !== call) return;
    const flowing = [...call.legs.values()].some((leg) => leg.receiving && leg.peerReceiving);
    if (flowing && call.connectedAt === undefined) call.connectedAt = this.now();
    this.changed();
  }

  /** The one way a call ends here: once. `outcome` undefined: nothing to write. */
  private finish(call: Active, outcome: CallOutcome | undefined, code?: ErrorCode): void {
    if (this.active !== call) return;
    this.active = undefined;
    clearTimeout(call.ringTimer);
    clearInterval(call.newsTimer);
    // The members with no leg (who left, declined, missed it) hear that this device is no longer in it; an offer for
    // this call that comes later (a member pressing "Join call" just now) is declined rather than ringing here.
    if (call.joined) {
      this.tellOutsiders(call, false);
      this.rememberLeft(call.id);
    }
    for (const leg of call.legs.values()) {
      clearTimeout(leg.timer);
      for (const undo of leg.undo.splice(0)) undo();
      leg.connection?.close();
    }
    call.legs.clear();
    call.capture?.release();
    this.emit('call', undefined);
    if (code) this.emit('notice', { groupId: call.groupId, code });
    if (!outcome) return;
    const durationMs = outcome === 'answered' && call.connectedAt !== undefined ? Math.max(0, this.now() - call.connectedAt) : undefined;
    void this.record(call.groupId, call.direction, call.startedAt, { video: call.video, outcome, ...(durationMs !== undefined ? { durationMs } : {}) });
  }

  private async record(groupId: string, direction: 'in' | 'out', at: number, record: CallRecord): Promise<void> {
    const written = await writeCallEntry(this.options.log, this.quotaBytes(groupId), { conversationId: groupId, direction, at, record });
    if (written === 'over-quota') this.counted.overQuota++;
    else if (written && !this.closed) this.emit('record', { conversationId: groupId, message: written });
  }

  private changed(): void {
    this.emit('call', this.current);
  }

  private snapshot(call: Active): GroupCallState {
    const legs = [...call.legs.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
    const members = legs.map((leg) => ({
      key: leg.key,
      contactId: leg.contactId,
      phase: legPhase(call, leg),
      ...(leg.connection?.remoteMedia ? { remoteMedia: leg.connection.remoteMedia } : {}),
    }));
    const localMedia = legs.find((leg) => leg.connection?.localMedia)?.connection?.localMedia;
    return {
      id: call.id,
      groupId: call.groupId,
      video: call.video,
      direction: call.direction,
      phase: callPhase(call, members),
      muted: call.muted,
      cameraOff: call.cameraOff,
      startedAt: call.startedAt,
      ...(call.connectedAt !== undefined ? { connectedAt: call.connectedAt } : {}),
      ...(localMedia ? { localMedia } : {}),
      members,
    };
  }
}

function legPhase(call: Active, leg: Leg): GroupCallLegPhase {
  if (leg.receiving && leg.peerReceiving) return 'in-call';
  return !leg.answered && (leg.role === 'caller' || !call.joined) ? 'ringing' : 'connecting';
}

function callPhase(call: Active, members: readonly GroupCallMember[]): CallPhase {
  if (!call.joined) return 'ringing-in';
  if (members.some((m) => m.phase === 'in-call')) return 'in-call';
  if (members.some((m) => m.phase === 'connecting')) return 'connecting';
  return call.direction === 'out' ? 'ringing-out' : 'connecting';
}
