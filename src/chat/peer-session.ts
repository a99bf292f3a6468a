// One peer: its connection (net Link), the encrypted channel over it (secure-channel.ts) and the chat frames
// inside (frames.ts), from the open data channel to the end. Everything about one peer's wire lives here; what the
// frames MEAN for conversations (storing, acknowledging, the outbox) is delivery.ts's job, and who the peer IS
// (which contact) is contact-trust.ts's: the session only reports the verified identity and waits to be `open`ed.
//
// Lifecycle: connecting (link not open yet) → securing (Hello exchange) → identifying (the owner resolves the
// contact) → open (frames flow both ways) → closed. `closed` is reached once, through `close`, whatever ends it
// (a bye, the link failing, a failed handshake, the owner), and says why.
//
// Untrusted input: every frame is decoded and validated (frames.ts) and then charged to the peer's budget
// (budget.ts) before anyone sees it. Frames over budget are dropped and counted; nothing is queued without bound.
// Frames that arrive after the handshake but before `open` wait (bounded) so none is lost to a race.
import type { ErrorCode } from '../errors';
import { Emitter } from '../events';
import type { Identity } from '../crypto/identity';
import type { Link, LinkEnded, LinkState } from '../net/link';
import { floodPenalty, peerBudget, TokenBucket } from './budget';
import { callFrameTypes, type CallFrame } from './call-frames';
import { fileFrameTypes, type FileFrame } from './files/file-frames';
import { decodeFrame, encodeFrame, type ByeReason, type DropReason, type Frame } from './frames';
import { SecureChannel, type PeerIdentity } from './secure-channel';

export type PeerSessionState = 'connecting' | 'securing' | 'identifying' | 'open' | 'closed';

/** Frames held between the handshake and `open`. An honest peer sends at most its outbox in that time. */
const maxHeldFrames = 4_000;
/**
 * How long a link's pong may take before the link counts as dead (`checkAlive`). A live link answers in about a
 * millisecond on one machine (docs/lab.md §3) and well under a second across the Internet; a path that died (an
 * address change, a page suspended while its network moved) never answers, while the channel still reads open and
 * ICE takes 15 s (Chromium) to say `failed`, and the link 25 s more to give up.
 */
export const pongWaitMs = 5_000;
/** Within pongWaitMs, the link is pinged again this often (ms). */
const alivePingEveryMs = 1_000;
/** A change in what was dropped or rejected is reported (`counters`) at most this often: a flood is one report. */
export const countersReportMs = 250;

/** Why frames from this peer were not handed on, counted per reason (shown in the contact's connection details). */
export interface PeerCounters {
  dropped: Record<DropReason | 'over-budget' | 'held-overflow', number>;
  /** Sealed frames that did not open: forged, damaged or replayed. */
  rejected: number;
  received: number;
  sent: number;
}

export interface SessionEnd {
  readonly state: 'closed' | 'failed';
  /** Why, when there is something to tell the person (CHANNEL_CLOSED: the peer's side closed the link); absent when
   * this side closed it. */
  readonly code?: ErrorCode;
  /** The peer said goodbye (closed its chat on purpose). */
  readonly byPeer?: boolean;
  /** With byPeer: its bye said its page is going away (closed, reloaded, navigated from), so it may come back. */
  readonly pageClosed?: boolean;
}

export interface CloseOptions {
  /** Tell the peer (a bye frame) that this side ends it, rather than leave it to find the link gone. */
  readonly sayBye?: boolean;
  /** With sayBye: why, on the wire (frames.ts ByeReason). */
  readonly byeReason?: ByeReason;
}

export type ChatFrame = Extract<Frame, { type: 'envelope' | 'ack' | 'typing' | 'refused' | 'cert' | 'chain' | 'forward' | 'carried' | 'sync' | 'held' | 'synced' | 'mailbox' | 'group' | 'intro' | 'relays' }>;
/** The frames about file transfers (files/file-frames.ts): routed to the transfers, not to delivery. */
export type SessionFileFrame = Extract<Frame, { type: FileFrame['type'] }>;
/** The frames of a call (call-frames.ts): routed to the calls (calls.ts). */
export type SessionCallFrame = Extract<Frame, { type: CallFrame['type'] }>;
type RoutedFrame = ChatFrame | SessionFileFrame | SessionCallFrame;

export interface PeerSessionEvents {
  state: PeerSessionState;
  /** The handshake proved who the peer is: the owner resolves the contact and calls `open` (or `close`). */
  identified: PeerIdentity;
  /** A valid frame about conversations, after the budget. */
  frame: ChatFrame;
  /** A valid frame about a file transfer, after the budget. */
  'file-frame': SessionFileFrame;
  /** A valid frame about a call, after the budget. */
  'call-frame': SessionCallFrame;
  /** Round-trip time of a ping, in ms. */
  rtt: number;
  /** The link's state changed (for "connecting…", the answerer's wait, the path). */
  'link-state': LinkState;
  /** The link's path went (net/link.ts 'path-lost'): the owner may check it (checkAlive). */
  'path-lost': undefined;
  /** Answerer: the inviter's device cannot be reached yet (net/ peer-unreachable). */
  'peer-unreachable': void;
  /** The session now belongs to another contact (the person said "this is Bob on a new device"). */
  reassigned: { from: string; to: string };
  /** Frames were dropped or rejected since the last report (at most every countersReportMs, while not closed). */
  counters: PeerCounters;
  closed: SessionEnd;
}

export interface PeerSessionOptions {
  link: Link;
  identity: Identity;
  displayName: string;
  now?: () => number;
}

export class PeerSession extends Emitter<PeerSessionEvents> {
  readonly link: Link;
  state: PeerSessionState = 'connecting';
  /** Set once the handshake is done. */
  peer?: PeerIdentity;
  /** Set by `open`: the contact this peer is, and the wire id of their two-person conversation. */
  contactId?: string;
  conversationId?: string;
  ended?: SessionEnd;
  private readonly counted = {
    dropped: { 'too-large': 0, 'other-version': 0, 'unknown-type': 0, malformed: 0, 'over-budget': 0, 'held-overflow': 0 },
    received: 0,
    sent: 0,
  };
  private secure?: SecureChannel;
  private readonly held: RoutedFrame[] = [];
  private readonly now: () => number;
  private readonly frameBudget: TokenBucket;
  private readonly byteBudget: TokenBucket;
  private readonly chatterBudget: TokenBucket;
  /** Set while the peer is held to floodPenalty (it went over budget); the end moves on with every drop. */
  private penalty?: { bucket: TokenBucket; until: number };
  private readonly detach: (() => void)[] = [];
  private countersTimer?: ReturnType<typeof setTimeout>;
  /** Rejected frames as last seen, to notice new ones (the secure channel counts them). */
  private rejectedSeen = 0;
  /** The check under way (`checkAlive`): one at a time. */
  private aliveCheck?: Promise<boolean>;

  constructor(private readonly options: PeerSessionOptions) {
    super();
    this.link = options.link;
    this.now = options.now ?? Date.now;
    this.frameBudget = new TokenBucket(peerBudget.frames, this.now);
    this.byteBudget = new TokenBucket(peerBudget.bytes, this.now);
    this.chatterBudget = new TokenBucket(peerBudget.chatter, this.now);
    this.detach.push(
      this.link.on('state', (state) => this.handleLinkState(state)),
      this.link.on('message', (bytes) => void this.secure?.receive(bytes).then(() => this.noticeRejected())),
      this.link.on('signal', (signal) => this.sendFrame({ type: 'signal', kind: signal.kind, sdp: signal.sdp })),
      this.link.on('peer-unreachable', () => this.emit('peer-unreachable', undefined)),
      this.link.on('path-lost', () => this.emit('path-lost', undefined)),
    );
    if (this.link.state === 'connected') this.startHandshake();
    else if (this.link.state === 'closed' || this.link.state === 'failed') this.end(this.link.ended ?? { state: this.link.state });
  }

  /** The owner resolved the peer to a contact: frames flow from now on (held ones first, in order). */
  open(contactId: string, conversationId: string): void {
    if (this.state !== 'identifying') return;
    this.contactId = contactId;
    this.conversationId = conversationId;
    this.setState('open');
    for (const frame of this.held.splice(0)) {
      if (this.ended) return;
      this.hand(frame);
    }
  }

  /** Files this open session under another contact from now on (contact-trust.ts moveToNewDevice). */
  reassign(contactId: string): void {
    const from = this.contactId;
    if (this.state !== 'open' || !from || from === contactId) return;
    this.contactId = contactId;
    this.emit('reassigned', { from, to: contactId });
  }

  /** Sends one frame; false when the session cannot send now (not open, or the channel just went away). */
  send(frame: Frame): boolean {
    if (this.state !== 'open') return false;
    return this.sendFrame(frame);
  }

  /** What this peer's frames came to so far (a copy). */
  get counters(): PeerCounters {
    return {
      dropped: { ...this.counted.dropped },
      rejected: this.secure?.rejectedFrames ?? 0,
      received: this.counted.received,
      sent: this.counted.sent,
    };
  }

  get bufferedAmount(): number {
    return this.link.bufferedAmount;
  }

  private ping(): void {
    this.send({ type: 'ping', sentAt: this.now() });
  }

  /**
   * Checks the link at once (the page came back to the front; the contact offered a reconnect while this side still
   * reads it open): a ping, and true when a pong comes within `withinMs`. None: the session ends as lost
   * (CONNECTION_LOST), so it stops looking open and the reconnects of a lost link start.
   */
  checkAlive(withinMs = pongWaitMs): Promise<boolean> {
    if (this.state !== 'open') return Promise.resolve(false);
    if (this.aliveCheck) return this.aliveCheck;
    const check = new Promise<boolean>((resolve) => {
      const done = (alive: boolean): void => {
        clearTimeout(timer);
        clearInterval(again);
        offPong();
        offClosed();
        if (this.aliveCheck === check) this.aliveCheck = undefined;
        resolve(alive);
      };
      const offPong = this.on('rtt', () => done(true));
      const offClosed = this.on('closed', () => done(false));
      const timer = setTimeout(() => {
        done(false);
        this.end({ state: 'failed', code: 'CONNECTION_LOST' });
      }, withinMs);
      // Asked again every second: one ping lost on the way (or dropped by a peer's budget) is not a dead link.
      const again = setInterval(() => this.ping(), alivePingEveryMs);
    });
    this.aliveCheck = check;
    this.ping();
    return check;
  }

  /**
   * Ends the session once. `sayBye`: tell the peer it was on purpose (the person closed the chat), so its page says
   * "closed" rather than "lost"; `byeReason` says why (the page goes away). The bye is handed to the data channel
   * (RTCDataChannel.send queues it synchronously) before the link closes, and it leaves first: the e2e page-close
   * test sees it arrive from Chromium and Firefox as their pages close.
   */
  close(end: SessionEnd = { state: 'closed' }, { sayBye = false, byeReason }: CloseOptions = {}): void {
    if (this.ended) return;
    if (sayBye) this.sendFrame(byeReason ? { type: 'bye', reason: byeReason } : { type: 'bye' });
    this.end(end);
  }

  private end(end: SessionEnd): void {
    if (this.ended) return;
    this.ended = end;
    clearTimeout(this.countersTimer);
    for (const undo of this.detach.splice(0)) undo();
    this.secure?.close();
    this.held.length = 0;
    const linkEnd: LinkEnded = end.code ? { state: end.state, code: end.code } : { state: end.state };
    this.link.close(linkEnd);
    this.setState('closed');
    this.emit('closed', end);
    this.removeAllListeners();
  }

  private sendFrame(frame: Frame): boolean {
    if (!this.secure?.isReady) return false;
    try {
      this.secure.send(encodeFrame(frame));
      this.counted.sent++;
      return true;
    } catch {
      // The channel closed under us: the link's own close event ends the session.
      return false;
    }
  }

  private handleLinkState(state: LinkState): void {
    this.emit('link-state', state);
    if (state === 'connected' && this.state === 'connecting') this.startHandshake();
    if (state === 'closed' || state === 'failed') {
      // CHANNEL_CLOSED is kept: the link closed under an open session, so the peer's side closed it (its page
      // went away without a goodbye), which the conversation says as "<name> closed Tincan or went offline".
      const ended = this.link.ended;
      this.end({ state, ...(ended?.code ? { code: ended.code } : {}) });
    }
  }

  private startHandshake(): void {
    const link = this.link;
    if (!link.localFields || !link.remoteFields) {
      this.end({ state: 'failed', code: 'HANDSHAKE_FAILED' });
      return;
    }
    const secure = new SecureChannel({
      identity: this.options.identity,
      displayName: this.options.displayName,
      role: link.role,
      ownFingerprint: link.localFields.fingerprint,
      peerFingerprint: link.remoteFields.fingerprint,
      send: (bytes) => link.send(bytes),
    });
    this.secure = secure;
    this.setState('securing');
    secure.on('failed', (code) => this.end({ state: 'failed', code }));
    secure.on('ready', (peer) => {
      this.peer = peer;
      this.setState('identifying');
      this.emit('identified', peer);
    });
    secure.on('frame', (bytes) => this.receiveFrame(bytes));
    secure.start().catch(() => this.end({ state: 'failed', code: 'HANDSHAKE_FAILED' }));
  }

  private receiveFrame(bytes: Uint8Array): void {
    if (!this.isWithinBudget(bytes.length)) return this.drop('over-budget');
    const decoded = decodeFrame(bytes);
    if (!decoded.ok) return this.drop(decoded.reason);
    this.counted.received++;
    const frame = decoded.frame;
    switch (frame.type) {
      case 'ping':
        if (this.chatterBudget.take()) this.sendFrame({ type: 'pong', sentAt: frame.sentAt });
        else this.drop('over-budget');
        return;
      case 'pong':
        this.emit('rtt', Math.max(0, this.now() - frame.sentAt));
        return;
      case 'bye':
        this.end({ state: 'closed', byPeer: true, ...(frame.reason === 'page-closed' ? { pageClosed: true } : {}) });
        return;
      case 'signal':
        void this.link.applySignal({ kind: frame.kind, sdp: frame.sdp }).catch(() => {
          // A restart that fails leaves the link to its own timers.
        });
        return;
      case 'typing':
        if (!this.chatterBudget.take()) return this.drop('over-budget');
        break;
    }
    this.deliver(frame);
  }

  private deliver(frame: RoutedFrame): void {
    if (this.state === 'open') {
      this.hand(frame);
    } else if (this.state === 'identifying' || this.state === 'securing') {
      if (this.held.length < maxHeldFrames) this.held.push(frame);
      else this.drop('held-overflow');
    }
  }

  private hand(frame: RoutedFrame): void {
    if (isFileFrame(frame)) this.emit('file-frame', frame);
    else if (isCallFrame(frame)) this.emit('call-frame', frame);
    else this.emit('frame', frame);
  }

  /** Charges a frame to the peer's budgets; a peer that goes over is held to floodPenalty while it keeps trying. */
  private isWithinBudget(frameBytes: number): boolean {
    const now = this.now();
    if (this.penalty && now >= this.penalty.until) this.penalty = undefined;
    const penalty = this.penalty;
    const isWithin = penalty
      ? penalty.bucket.take(1) && this.byteBudget.take(frameBytes)
      : this.frameBudget.take(1) && this.byteBudget.take(frameBytes);
    if (isWithin) return true;
    // It starts empty: the peer has just used up what it had.
    if (penalty) penalty.until = now + floodPenalty.durationMs;
    else this.penalty = { bucket: new TokenBucket(floodPenalty.frames, this.now, 0), until: now + floodPenalty.durationMs };
    return false;
  }

  private drop(reason: keyof PeerCounters['dropped']): void {
    this.counted.dropped[reason]++;
    this.reportCounters();
  }

  private noticeRejected(): void {
    const rejected = this.secure?.rejectedFrames ?? 0;
    if (rejected === this.rejectedSeen) return;
    this.rejectedSeen = rejected;
    this.reportCounters();
  }

  /** Reports the counters once the current burst of drops is over (so the contact's details stay current). */
  private reportCounters(): void {
    if (this.ended || this.countersTimer) return;
    this.countersTimer = setTimeout(() => {
      this.countersTimer = undefined;
      if (!this.ended) this.emit('counters', this.counters);
    }, countersReportMs);
  }

  private setState(state: PeerSessionState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
  }
}

function isFileFrame(frame: RoutedFrame): frame is SessionFileFrame {
  return frame.type in fileFrameTypes;
}

function isCallFrame(frame: RoutedFrame): frame is SessionCallFrame {
  return frame.type in callFrameTypes;
}
