// Calls between two connected contacts (docs/calls.md): one call at a time on this device, set up over the
// contact's open sealed session, carried by a second connection the link makes with its own certificate
// (net/call-link.ts). Everything about a call's state lives here; the app shows it, the UI only renders it.
//
// Phases: ringing-out (caller, offer sent) | ringing-in (callee, its page rings) -> connecting (accepted) ->
// in-call (media flows both ways: this side receives, and the peer says it does) -> over; from connecting or in-call
// to reconnecting and back (below). Every way a call ends
// goes through `finish`, once: timers, connection and listeners go, and each device writes its own entry in the
// conversation's history (answered with its length, declined, missed, no answer, busy, failed).
//
// The binding to the contact (docs/calls.md): a call's offer and answer arrive only on the contact's open session
// (sealed with keys from the signed Hello), and their SDP must name exactly the DTLS fingerprint the contact signed
// for this session's link; any other (or a second, or none) is refused with CALL_REFUSED and the call ends.
//
// Reconnecting (docs/calls.md "A change of address"): an answered call whose own connection was lost (its path did
// not come back within callLostMs, net/call-link.ts), or whose chat link was lost under it, is set up anew rather
// than ended: the connection goes but its capture stays (`suspend`), and over the contact's open chat link (the
// same one, or the next one, made by any carrier: a relay, a mailbox) the caller sends a new `call-offer` for the
// same call id, which the callee answers without ringing; its `call-resume` asks the caller for one. The new
// connection is made by that link, with its certificate, and its SDP is checked against the fingerprint signed for
// it, as the first one was. The call reads "Reconnecting…" until media flows both ways again, for at most
// callHandoverMs. A chat link lost when nothing can bring it back by itself (no relay in use with the contact) ends
// the call at once, as before; so does a link the peer closed on purpose (a bye, Disconnect).
import { isTincanError, TincanError, type ErrorCode } from '../errors';
import { Emitter } from '../events';
import { toBase64Url } from '../crypto/bytes';
import { callLostMs, type CallConnection } from '../net/call-link';
import type { CallEndReason, CallFrame } from './call-frames';
import type { CallOutcome, CallRecord } from './call-record';
import { defaultConversationQuotaBytes, TokenBucket, type BucketLimits } from './budget';
import type { ChatMessage } from './chat-message';
import { writeCallEntry, type CallLogPort } from './call-entries';
import type { PeerSession, SessionCallFrame, SessionEnd } from './peer-session';

/** How long the caller's offer rings before it is "no answer" (the callee gives it ringGraceMs more). */
export const ringMs = 45_000;
export const ringGraceMs = 5_000;
/**
 * How long the caller waits for the answer once the callee said it accepts (its microphone or camera prompt may
 * still be open): an accept pressed late in the ring does not end as "No answer".
 */
export const acceptingMs = 60_000;
/**
 * How long a call may read "Reconnecting…" before it ends with CALL_CONNECTION_LOST. A change of address brought the
 * chat link back by relay in about 21 s (Chromium with Firefox) and 41 s (two Chromiums) when nothing checked it
 * (test/e2e/address-change.test.mjs); a call checks it as soon as its own path goes (callChatCheckMs).
 */
export const callHandoverMs = 45_000;
/**
 * How long the chat link under a call has to answer a ping once the call's own path went, when a relay could bring
 * the link back; and once the call's connection was lost, in any case. A live link answers in milliseconds.
 */
export const callChatCheckMs = 3_000;
/** How many ended calls are remembered (rememberEnd): one or two a contact is all an honest peer needs. */
export const maxEndedCalls = 16;

/**
 * What a contact's call offers may cost this device: a person rings again a few times at most, so a burst of 3 and
 * one a second pass untouched; the rest are dropped unanswered (each offer that rings or is "busy" writes an entry).
 */
export const callOfferBudget = { perSecond: 1, burst: 3 } as const satisfies BucketLimits;

export type CallPhase = 'ringing-out' | 'ringing-in' | 'connecting' | 'in-call' | 'reconnecting';

/** The call going on, as the app shows it: a new object on every change. */
export interface CallState {
  readonly id: string;
  readonly contactId: string;
  readonly video: boolean;
  readonly direction: 'out' | 'in';
  readonly phase: CallPhase;
  readonly muted: boolean;
  readonly cameraOff: boolean;
  /** This device lists more than one camera: "Switch camera" can be offered. */
  readonly canSwitchCamera?: boolean;
  /** When media first flowed both ways (ms since epoch). */
  readonly connectedAt?: number;
  /** Opaque to the core (a MediaStream in a browser): the UI plays them. */
  readonly localMedia?: unknown;
  readonly remoteMedia?: unknown;
}

export type { CallOutcome, CallRecord } from './call-record';

export interface CallsEvents {
  /** The call going on changed, or there is none any more. */
  call: CallState | undefined;
  /** Something to tell the person about a call (refused, lost, busy, the microphone denied). */
  notice: { contactId: string; code: ErrorCode };
  /** A call's entry was written into the conversation's history. */
  record: { contactId: string; message: ChatMessage };
}

export type { CallLogPort } from './call-entries';

/** What the calls left out (a flooding or over-quota contact), for the counters. */
export interface CallCounters {
  /** Offers over the contact's callOfferBudget: dropped unanswered. */
  offersOverBudget: number;
  /** Offers that found this device busy after one "missed" entry for that contact was already written. */
  busyNotWritten: number;
  /** Entries not written: the conversation is over its quota. */
  overQuota: number;
}

export interface CallsOptions {
  /** The contact's open session, if any. */
  session(contactId: string): PeerSession | undefined;
  log: CallLogPort;
  /** The conversation's storage quota (as Delivery's): a call entry past it is not written. */
  quotaBytes?: (conversationId: string) => number;
  now?: () => number;
  ringMs?: number;
  acceptingMs?: number;
  /** The id of the group call going on (group-calls.ts), if any: one call at a time on this device. */
  busyElsewhere?: () => string | undefined;
  /** Whether a lost chat link with the contact is made again by itself (relays in use with it): a call then waits. */
  canReconnect?: (contactId: string) => boolean;
  /** callHandoverMs, shorter in tests. */
  handoverMs?: number;
}

interface Active {
  readonly id: string;
  readonly contactId: string;
  /** The chat session carrying the call's frames: the contact's next one after its link was lost. */
  session: PeerSession;
  readonly video: boolean;
  readonly direction: 'out' | 'in';
  readonly startedAt: number;
  phase: CallPhase;
  muted: boolean;
  cameraOff: boolean;
  connection?: CallConnection;
  /** Reconnecting: the lost connection, suspended, that still holds the capture until the next one takes it. */
  held?: CallConnection;
  /** Caller, reconnecting: the session its new offer went out on (the answer must come on it). */
  reofferedOn?: PeerSession;
  /** Reconnecting: the call ends when this fires (callHandoverMs). */
  handoverTimer?: ReturnType<typeof setTimeout>;
  offerSdp?: string;
  /** The answer was sent (callee) or applied (caller): from then on call-signal frames are this call's. */
  answered: boolean;
  /** Caller: the callee said it accepts. */
  accepting?: boolean;
  /** Contacts whose offer found this call going on and already have their one "missed" entry for it. */
  readonly busyWritten: Set<string>;
  receiving: boolean;
  peerReceiving: boolean;
  connectedAt?: number;
  ringTimer?: ReturnType<typeof setTimeout>;
  readonly undo: (() => void)[];
}

export function randomCallId(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
}

/** The fingerprint as SDP writes it: SHA-256, upper-case hex pairs joined by colons. */
function sdpFingerprint(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
}

/**
 * Whether `sdp` names `expected` and nothing else: every line in which "fingerprint" appears (in any case, anywhere)
 * is exactly `a=fingerprint:sha-256 <expected>`, and there is at least one. A line a parser might trim or read
 * loosely (` a=fingerprint:`, `a =fingerprint:`, `a=fingerprint :`, another hash) refuses the whole SDP, so the only
 * certificate that can finish DTLS for the call is the one the contact signed in the Hello.
 */
export function sdpNamesOnly(sdp: string, expected: Uint8Array): boolean {
  const want = sdpFingerprint(expected);
  let named = 0;
  for (const line of sdp.split(/\r\n|\r|\n/)) {
    if (!/fingerprint/i.test(line)) continue;
    const match = /^a=fingerprint:sha-256 ([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})*)$/.exec(line);
    if (!match || match[1]!.toUpperCase() !== want) return false;
    named++;
  }
  return named > 0;
}

export class Calls extends Emitter<CallsEvents> {
  private active?: Active;
  /** The group call going on elsewhere and the contacts whose offer it already wrote a "missed" entry for. */
  private busyElsewhere?: { readonly id: string; readonly written: Set<string> };
  private readonly now: () => number;
  private readonly ringMs: number;
  private readonly acceptingMs: number;
  private readonly handoverMs: number;
  private readonly quotaBytes: (conversationId: string) => number;
  private readonly offerBudgets = new WeakMap<PeerSession, TokenBucket>();
  /** Answered calls that ended here lately, and why (rememberEnd): their peer may still try to set them up anew. */
  private readonly ended = new Map<string, { readonly contactId: string; readonly reason: CallEndReason }>();
  private closed = false;
  readonly counted: CallCounters = { offersOverBudget: 0, busyNotWritten: 0, overQuota: 0 };

  constructor(private readonly options: CallsOptions) {
    super();
    this.now = options.now ?? Date.now;
    this.ringMs = options.ringMs ?? ringMs;
    this.acceptingMs = options.acceptingMs ?? acceptingMs;
    this.handoverMs = options.handoverMs ?? callHandoverMs;
    this.quotaBytes = options.quotaBytes ?? (() => defaultConversationQuotaBytes);
  }

  get current(): CallState | undefined {
    return this.active && this.snapshot(this.active);
  }

  /** A session opened for a contact: its call frames come here, and a call on it ends with it. */
  attach(session: PeerSession): void {
    this.offerBudgets.set(session, new TokenBucket(callOfferBudget, this.now));
    session.on('call-frame', (frame) => void this.receive(session, frame));
    session.on('closed', (end) => {
      const call = this.active;
      if (call?.session === session) this.sessionLost(call, end);
    });
    // A call whose chat link was lost goes on over the contact's next one.
    const call = this.active;
    if (call?.answered && call.contactId === session.contactId && call.session !== session && call.session.state !== 'open') this.moveTo(call, session);
  }

  /** "Voice call" / "Video call": rings the contact. Throws CALL_BUSY, CALL_NEEDS_CONNECTION, CALL_UNAVAILABLE. */
  async start(contactId: string, video: boolean): Promise<void> {
    if (this.active || this.options.busyElsewhere?.()) throw new TincanError('CALL_BUSY');
    const session = this.options.session(contactId);
    if (!session || session.state !== 'open') throw new TincanError('CALL_NEEDS_CONNECTION');
    if (!session.link.makeCall) throw new TincanError('CALL_UNAVAILABLE');
    const call = this.begin({ id: randomCallId(), contactId, session, video, direction: 'out', phase: 'ringing-out', cameraOff: !video });
    let sdp: string;
    try {
      sdp = await this.connect(call).offer();
    } catch (error) {
      this.finish(call, undefined, codeOf(error));
      return;
    }
    if (!this.isCurrent(call)) return;
    if (!session.send({ type: 'call-offer', call: call.id, video, sdp })) return this.finish(call, 'failed', 'CALL_CONNECTION_LOST');
    this.ringOut(call, this.ringMs);
  }

  /** "Accept call". */
  async accept(): Promise<void> {
    const call = this.active;
    if (!call || call.phase !== 'ringing-in' || !call.offerSdp) return;
    clearTimeout(call.ringTimer);
    call.phase = 'connecting';
    this.changed();
    // "I am accepting": before the microphone prompt, so the caller stops counting its ring (see call-media below).
    call.session.send({ type: 'call-media', call: call.id, receiving: false });
    let sdp: string;
    try {
      sdp = await this.connect(call).answer(call.offerSdp);
    } catch (error) {
      if (this.active === call) this.end(call, 'failed', 'failed', codeOf(error));
      return;
    }
    if (this.active !== call) return;
    if (!call.session.send({ type: 'call-answer', call: call.id, sdp })) return this.finish(call, 'failed', 'CALL_CONNECTION_LOST');
    call.answered = true;
  }

  /** "Decline call". */
  decline(): void {
    const call = this.active;
    if (call?.phase === 'ringing-in') this.end(call, 'declined', 'declined');
  }

  /** "End call" (also cancels a call still ringing on the contact's side). */
  hangUp(): void {
    const call = this.active;
    if (!call) return;
    if (call.phase === 'ringing-in') return this.decline();
    this.end(call, 'hang-up', call.connectedAt !== undefined ? 'answered' : call.direction === 'out' ? 'unanswered' : 'failed');
  }

  setMuted(muted: boolean): void {
    const call = this.active;
    if (!call) return;
    call.muted = muted;
    // While reconnecting the held capture sends nothing; the next connection applies it.
    call.connection?.setMuted(muted);
    this.changed();
  }

  /** "Turn camera off" (and on again). Throws MEDIA_DENIED / MEDIA_MISSING when the camera cannot come on. */
  async setCameraOff(off: boolean): Promise<void> {
    const call = this.active;
    if (!call?.connection) return;
    await call.connection.setCameraOff(off);
    if (this.active !== call) return;
    call.cameraOff = off;
    this.changed();
  }

  /** "Switch camera": the next camera, same call. Throws MEDIA_DENIED / MEDIA_MISSING, the camera then off. */
  async switchCamera(): Promise<void> {
    const call = this.active;
    if (!call?.connection || call.cameraOff) return;
    try {
      await call.connection.switchCamera();
    } catch (error) {
      if (this.active === call) call.cameraOff = true;
      throw error;
    } finally {
      if (this.active === call) this.changed();
    }
  }

  /** Lock, another tab, forget: the call ends without a trace beyond its entry. */
  close(): void {
    const call = this.active;
    if (call) this.end(call, 'hang-up', call.connectedAt !== undefined ? 'answered' : call.direction === 'in' ? 'missed' : 'unanswered');
    this.closed = true;
    this.removeAllListeners();
  }

  // -----------------------------------------------------------------------------------------------------------

  private async receive(session: PeerSession, frame: SessionCallFrame): Promise<void> {
    const contactId = session.contactId;
    if (!contactId || this.closed) return;
    if (frame.type === 'call-offer') return this.ring(session, contactId, frame);
    const call = this.active;
    if (!call || call.id !== frame.call || call.session !== session) {
      // Asked to offer anew a call that ended here while the link was down: its end, said now.
      if (frame.type === 'call-resume') this.endedWith(session, contactId, frame.call);
      return;
    }
    switch (frame.type) {
      case 'call-answer':
        if (call.direction === 'out' && call.reofferedOn === session) return this.takeReanswer(call, session, frame.sdp);
        if (call.direction !== 'out' || call.phase !== 'ringing-out') return;
        if (!this.isSigned(session, frame.sdp)) return this.end(call, 'refused', 'failed', 'CALL_REFUSED');
        clearTimeout(call.ringTimer);
        call.phase = 'connecting';
        call.answered = true;
        this.changed();
        try {
          await call.connection?.accept(frame.sdp);
        } catch (error) {
          if (this.active === call) this.end(call, 'failed', 'failed', codeOf(error));
        }
        return;
      case 'call-end':
        return this.finish(call, this.outcomeOfEnd(call, frame.reason), noticeOfEnd(frame.reason));
      case 'call-signal':
        // Before the answer is through, the call's connection is still being set up (the callee's may be waiting for
        // its microphone): a restart then would break it, and an honest peer does not send one.
        if (!call.answered) return;
        if (!this.isSigned(session, frame.sdp)) return this.end(call, 'refused', call.connectedAt !== undefined ? 'answered' : 'failed', 'CALL_REFUSED');
        await call.connection?.applySignal({ kind: frame.kind, sdp: frame.sdp }).catch(() => undefined);
        return;
      case 'call-media':
        // From a callee still ringing here: it accepted and sets up its side (a prompt may be open): the ring's
        // timer gives way to acceptingMs, once.
        if (call.phase === 'ringing-out' && !call.accepting) {
          call.accepting = true;
          this.ringOut(call, this.acceptingMs);
          return;
        }
        call.peerReceiving = frame.receiving;
        return this.updatePhase(call);
      case 'call-resume':
        // The callee lost its connection: a new offer, unless one is out on this session already. Each costs a
        // connection and its gathering here: within the contact's offer budget.
        if (call.direction !== 'out' || !call.answered || call.reofferedOn === session) return;
        if (!this.offerBudgets.get(session)?.take()) return void this.counted.offersOverBudget++;
        return this.reconnect(call);
    }
  }

  private ring(session: PeerSession, contactId: string, frame: Extract<CallFrame, { type: 'call-offer' }>): void {
    const same = this.active?.id === frame.call ? this.active : undefined;
    // The same call offered again: only by its caller, once it was answered (a new connection, no ringing).
    if (same && (same.contactId !== contactId || same.direction !== 'in' || !same.answered)) return;
    if (!this.offerBudgets.get(session)?.take()) {
      this.counted.offersOverBudget++;
      return;
    }
    // Offered anew, a call that ended here while the link was down does not ring again: its end is said.
    if (this.endedWith(session, contactId, frame.call, { budgetTaken: true })) return;
    if (same) return void this.reanswer(same, session, frame.sdp);
    if (!this.isSigned(session, frame.sdp)) {
      session.send({ type: 'call-end', call: frame.call, reason: 'refused' });
      this.emit('notice', { contactId, code: 'CALL_REFUSED' });
      return;
    }
    const elsewhere = this.options.busyElsewhere?.();
    if (elsewhere !== undefined && !this.active) {
      // A group call goes on: busy, and one "missed" entry per contact for as long as it lasts (as below).
      session.send({ type: 'call-end', call: frame.call, reason: 'busy' });
      if (this.busyElsewhere?.id !== elsewhere) this.busyElsewhere = { id: elsewhere, written: new Set() };
      if (this.busyElsewhere.written.has(contactId)) return void this.counted.busyNotWritten++;
      this.busyElsewhere.written.add(contactId);
      void this.record(contactId, 'in', this.now(), { video: frame.video, outcome: 'missed' });
      return;
    }
    if (this.active) {
      session.send({ type: 'call-end', call: frame.call, reason: 'busy' });
      // One "missed" entry per contact while this call goes on: more would let a contact fill the history.
      if (this.active.busyWritten.has(contactId)) {
        this.counted.busyNotWritten++;
        return;
      }
      this.active.busyWritten.add(contactId);
      void this.record(contactId, 'in', this.now(), { video: frame.video, outcome: 'missed' });
      return;
    }
    const call = this.begin({ id: frame.call, contactId, session, video: frame.video, direction: 'in', phase: 'ringing-in', cameraOff: !frame.video });
    call.offerSdp = frame.sdp;
    call.ringTimer = setTimeout(() => this.finish(call, 'missed'), this.ringMs + ringGraceMs);
  }

  /** The caller's call is "No answer" after `ms` more (from now). */
  private ringOut(call: Active, ms: number): void {
    clearTimeout(call.ringTimer);
    call.ringTimer = setTimeout(() => this.end(call, 'unanswered', 'unanswered'), ms);
  }

  /** Whether `call` is still the call going on (an await may have seen it end). */
  private isCurrent(call: Active): boolean {
    return this.active === call;
  }

  private isSigned(session: PeerSession, sdp: string): boolean {
    const signed = session.link.remoteFields?.fingerprint;
    return !!signed && sdpNamesOnly(sdp, signed);
  }

  private begin(fields: Pick<Active, 'id' | 'contactId' | 'session' | 'video' | 'direction' | 'phase' | 'cameraOff'>): Active {
    const call: Active = { ...fields, startedAt: this.now(), muted: false, answered: false, busyWritten: new Set(), receiving: false, peerReceiving: false, undo: [] };
    this.active = call;
    this.changed();
    return call;
  }

  private connect(call: Active): CallConnection {
    // Connected anew: the held connection's capture goes on in this one (nothing is asked again). Taken only once
    // the new connection exists: a link that cannot make one leaves it with the held connection, which stops it.
    const media = call.held?.localMedia;
    // With nothing handed over (a first connection, or a held one's capture not ready), the camera is asked for only
    // if it is on.
    const connection = call.session.link.makeCall!({ video: call.video && !call.cameraOff, role: call.direction === 'out' ? 'caller' : 'callee', ...(media ? { media } : {}) });
    if (media) call.held?.takeMedia();
    call.connection = connection;
    if (call.muted) connection.setMuted(true);
    call.undo.push(
      connection.on('media', () => this.active === call && this.changed()),
      connection.on('receiving', (receiving) => {
        call.receiving = receiving;
        call.session.send({ type: 'call-media', call: call.id, receiving });
        this.updatePhase(call);
      }),
      connection.on('signal', (signal) => call.session.send({ type: 'call-signal', call: call.id, kind: signal.kind, sdp: signal.sdp })),
      connection.on('state', (state) => {
        if (state !== 'failed') return;
        if (connection.failure === 'CALL_CONNECTION_LOST' && call.answered) return this.connectionLost(call);
        this.end(call, 'failed', this.outcomeWhenCut(call), connection.failure ?? 'CALL_CONNECTION_LOST');
      }),
      connection.on('path', (isUp) => {
        // The path went: the chat link is checked. One a relay could bring back gets callChatCheckMs, so a dead one (a
        // change of address takes both) is closed and made again while the call waits. With no way back it gets as
        // long as the call's own path (callLostMs): a short outage on unchanged addresses is ridden out as before
        // (closing the link would end the call), and a link dead with the path is closed as the call's connection
        // fails, so the call ends then, not a check later.
        if (isUp || !call.answered) return;
        void call.session.checkAlive(this.options.canReconnect?.(call.contactId) ? callChatCheckMs : callLostMs);
      }),
    );
    return connection;
  }

  /**
   * The call's connection was lost (its path did not come back). Over a chat link that still answers, the call is set
   * up anew; a link that does not answer is closed as lost, and sessionLost decides.
   */
  private connectionLost(call: Active): void {
    if (this.active !== call) return;
    const session = call.session;
    this.hold(call);
    void session.checkAlive(callChatCheckMs).then((alive) => {
      if (alive && this.active === call && call.session === session) this.resume(call, session);
    });
  }

  /**
   * The call's chat session closed. A newer one with the contact is open already (it replaced this one): the call
   * goes on over it. Lost (not ended by someone) under an answered call that a relay can bring back: the call waits
   * for the next link. Otherwise the call ends with it.
   */
  private sessionLost(call: Active, end: SessionEnd): void {
    const next = this.options.session(call.contactId);
    if (call.answered && next && next !== call.session && next.state === 'open') return this.moveTo(call, next);
    const isLost = !end.byPeer && (end.state === 'failed' || end.code !== undefined);
    if (!isLost || !call.answered || !this.options.canReconnect?.(call.contactId)) {
      return this.finish(call, this.outcomeWhenCut(call), 'CALL_CONNECTION_LOST');
    }
    // Its own path may still come back (consent rides out a short outage on unchanged addresses): the connection
    // decides (callLostMs, then connectionLost); its frames wait for the contact's next link (attach).
    const state = call.connection?.state;
    if (state && state !== 'failed' && state !== 'closed') return;
    this.hold(call);
  }

  /** The contact's new chat session carries the call: its connection goes on if it still flows, or is made anew. */
  private moveTo(call: Active, session: PeerSession): void {
    call.session = session;
    // Media still arrives: the connection goes on (ICE `disconnected` alone still reads connected: `receiving` tells).
    if (call.phase !== 'reconnecting' && call.connection && call.receiving) {
      session.send({ type: 'call-media', call: call.id, receiving: true });
      return;
    }
    this.reconnect(call);
  }

  /** Sets the call up anew over its contact's open chat link (if any; else the next one, attach). */
  private reconnect(call: Active): void {
    this.hold(call);
    const session = this.options.session(call.contactId);
    if (session?.state === 'open') this.resume(call, session);
  }

  /** "Reconnecting…": the connection goes, its capture stays; the call ends after handoverMs unless it flows again. */
  private hold(call: Active): void {
    if (this.active !== call) return;
    const connection = call.connection;
    if (connection) {
      for (const undo of call.undo.splice(0)) undo();
      connection.suspend();
      // The capture stays with the held connection until a new one takes it (connect): this one, which took it from
      // the one held before (which has nothing left to stop).
      call.held?.close();
      call.held = connection;
      call.connection = undefined;
    }
    call.receiving = call.peerReceiving = false;
    call.reofferedOn = undefined;
    call.handoverTimer ??= setTimeout(() => this.end(call, 'failed', this.outcomeWhenCut(call), 'CALL_CONNECTION_LOST'), this.handoverMs);
    if (call.phase !== 'reconnecting') {
      call.phase = 'reconnecting';
      this.changed();
    }
  }

  /** Over an open chat session: the caller offers anew (same call id), the callee asks it to (call-resume). */
  private resume(call: Active, session: PeerSession): void {
    if (this.active !== call || session.state !== 'open') return;
    call.session = session;
    // A connection is being made already (a second way here: a pong and a call-resume, a link replaced twice).
    if (call.connection) return;
    if (call.direction === 'in') {
      session.send({ type: 'call-resume', call: call.id });
      return;
    }
    call.reofferedOn = session;
    void this.reoffer(call, session);
  }

  private async reoffer(call: Active, session: PeerSession): Promise<void> {
    let connection: CallConnection | undefined;
    let sdp: string;
    try {
      connection = this.connect(call);
      sdp = await connection.offer();
    } catch (error) {
      // Only this connection's failure ends the call: one held meanwhile (a newer offer) fails as it closes.
      if (this.isCurrentConnection(call, connection)) this.end(call, 'failed', this.outcomeWhenCut(call), codeOf(error));
      return;
    }
    if (!this.isCurrentConnection(call, connection) || call.reofferedOn !== session) return;
    session.send({ type: 'call-offer', call: call.id, video: call.video, sdp });
  }

  /** Caller: the answer to its new offer. */
  private async takeReanswer(call: Active, session: PeerSession, sdp: string): Promise<void> {
    if (!this.isSigned(session, sdp)) return this.end(call, 'refused', this.outcomeWhenCut(call), 'CALL_REFUSED');
    call.reofferedOn = undefined;
    const connection = call.connection;
    try {
      await connection?.accept(sdp);
    } catch (error) {
      if (this.isCurrentConnection(call, connection)) this.end(call, 'failed', this.outcomeWhenCut(call), codeOf(error));
    }
  }

  /** Whether `connection` is still the call's (an await may have seen it held and replaced, or the call end). */
  private isCurrentConnection(call: Active, connection: CallConnection | undefined): boolean {
    return this.active === call && call.connection === connection;
  }

  /** Callee: the caller offers the answered call anew: a new connection, answered without ringing. */
  private async reanswer(call: Active, session: PeerSession, offerSdp: string): Promise<void> {
    if (!this.isSigned(session, offerSdp)) return this.end(call, 'refused', this.outcomeWhenCut(call), 'CALL_REFUSED');
    this.hold(call);
    call.session = session;
    let connection: CallConnection | undefined;
    let sdp: string;
    try {
      connection = this.connect(call);
      sdp = await connection.answer(offerSdp);
    } catch (error) {
      if (this.isCurrentConnection(call, connection)) this.end(call, 'failed', this.outcomeWhenCut(call), codeOf(error));
      return;
    }
    if (this.isCurrentConnection(call, connection) && call.session === session) session.send({ type: 'call-answer', call: call.id, sdp });
  }

  private updatePhase(call: Active): void {
    if (this.active !== call || call.phase === 'ringing-in' || call.phase === 'ringing-out') return;
    const flowing = call.receiving && call.peerReceiving;
    if (flowing && call.connectedAt === undefined) call.connectedAt = this.now();
    if (flowing) this.settled(call);
    // Reconnecting until media flows both ways again.
    if (!flowing && call.phase === 'reconnecting') return;
    call.phase = flowing ? 'in-call' : 'connecting';
    this.changed();
  }

  /** Media flows both ways on the call's connection: a held one and the handover's timer are done with. */
  private settled(call: Active): void {
    clearTimeout(call.handoverTimer);
    call.handoverTimer = undefined;
    call.held?.close();
    call.held = undefined;
  }

  /** Tells the peer why, then finishes here. */
  private end(call: Active, reason: CallEndReason, outcome: CallOutcome | undefined, code?: ErrorCode): void {
    if (this.active !== call) return;
    call.session.send({ type: 'call-end', call: call.id, reason });
    // An answered call's peer may not hear this (its link down): its new offer or call-resume is answered with it.
    if (call.answered) this.rememberEnd(call, reason);
    this.finish(call, outcome, code);
  }

  /** The one way a call ends here: once. `outcome` undefined: nothing to write (it never rang anywhere). */
  private finish(call: Active, outcome: CallOutcome | undefined, code?: ErrorCode): void {
    if (this.active !== call) return;
    this.active = undefined;
    clearTimeout(call.ringTimer);
    clearTimeout(call.handoverTimer);
    for (const undo of call.undo.splice(0)) undo();
    call.connection?.close();
    call.held?.close();
    this.emit('call', undefined);
    if (code) this.emit('notice', { contactId: call.contactId, code });
    if (!outcome) return;
    const durationMs = outcome === 'answered' && call.connectedAt !== undefined ? Math.max(0, this.now() - call.connectedAt) : undefined;
    void this.record(call.contactId, call.direction, call.startedAt, { video: call.video, outcome, ...(durationMs !== undefined ? { durationMs } : {}) });
  }

  private rememberEnd(call: Active, reason: CallEndReason): void {
    this.ended.set(call.id, { contactId: call.contactId, reason });
    for (const id of this.ended.keys()) {
      if (this.ended.size <= maxEndedCalls) break;
      this.ended.delete(id);
    }
  }

  /**
   * A frame about a call that ended here (an answered one): its end is said again, within the contact's offer
   * budget, and true. False for any other call.
   */
  private endedWith(session: PeerSession, contactId: string, id: string, { budgetTaken = false } = {}): boolean {
    const over = this.ended.get(id);
    if (over?.contactId !== contactId) return false;
    if (budgetTaken || this.offerBudgets.get(session)?.take()) session.send({ type: 'call-end', call: id, reason: over.reason });
    else this.counted.offersOverBudget++;
    return true;
  }

  private async record(contactId: string, direction: 'in' | 'out', at: number, record: CallRecord): Promise<void> {
    // Over the conversation's quota nothing more is written, as for messages (delivery.ts): the call itself is over.
    const written = await writeCallEntry(this.options.log, this.quotaBytes(contactId), { conversationId: contactId, direction, at, record });
    if (written === 'over-quota') this.counted.overQuota++;
    else if (written && !this.closed) this.emit('record', { contactId, message: written });
  }

  private outcomeWhenCut(call: Active): CallOutcome {
    if (call.connectedAt !== undefined) return 'answered';
    return call.direction === 'in' && call.phase === 'ringing-in' ? 'missed' : call.direction === 'out' && call.phase === 'ringing-out' ? 'unanswered' : 'failed';
  }

  private outcomeOfEnd(call: Active, reason: CallEndReason): CallOutcome {
    if (call.connectedAt !== undefined) return 'answered';
    switch (reason) {
      case 'declined':
        return 'declined';
      case 'busy':
        return 'busy';
      case 'hang-up':
      case 'unanswered':
        return call.direction === 'in' ? 'missed' : 'unanswered';
      case 'failed':
      case 'refused':
        return 'failed';
    }
  }

  private changed(): void {
    this.emit('call', this.current);
  }

  private snapshot(call: Active): CallState {
    return {
      id: call.id,
      contactId: call.contactId,
      video: call.video,
      direction: call.direction,
      phase: call.phase,
      muted: call.muted,
      cameraOff: call.cameraOff,
      ...(call.connection?.canSwitchCamera ? { canSwitchCamera: true } : {}),
      ...(call.connectedAt !== undefined ? { connectedAt: call.connectedAt } : {}),
      ...(call.connection?.localMedia ?? call.held?.localMedia ? { localMedia: call.connection?.localMedia ?? call.held?.localMedia } : {}),
      ...(call.connection?.remoteMedia ? { remoteMedia: call.connection.remoteMedia } : {}),
    };
  }
}

export function noticeOfEnd(reason: CallEndReason): ErrorCode | undefined {
  return reason === 'busy' ? 'CALL_BUSY' : reason === 'refused' ? 'CALL_REFUSED' : reason === 'failed' ? 'CALL_FAILED' : undefined;
}

export function codeOf(error: unknown): ErrorCode {
  return isTincanError(error) ? error.code : 'CALL_FAILED';
}
