// One connection to one peer as the chat layer sees it, whatever carries it (a browser RTCPeerConnection in
// peer-link.ts, later a node-datachannel peer). DOM-free: tsconfig.core.json type-checks this file.
//
// Lifecycle (LinkState), per role:
//   inviter    gathering -> waiting-for-answer -> connecting -> connected -> closed | failed   (two codes)
//              gathering -> waiting-for-peer ------------------> connected -> closed | failed   (one code)
//              waiting-for-peer -> connecting  when the invitee's answer code is pasted after all (fallback)
//   answerer   gathering -> waiting-for-inviter -> connected -> closed | failed
// `closed` and `failed` are final, and `ended` says why (set once, before the last `state` event).
//
// Back-pressure: `send` never blocks and never drops; it queues in the transport. A sender that can outrun the
// network (file chunks, a flood budget) watches `bufferedAmount` and waits for `buffered-low` (or
// `whenBufferedLow()`), which comes when the queue falls to `bufferedAmountLowThreshold` bytes or below.
import { TincanError, type ErrorCode } from '../errors';
import type { Unsubscribe } from '../events';
import type { SessionFields } from '../invite/sdp';
import type { CallCapture, CallConnection, CallMediaOptions } from './call-link';

export type LinkRole = 'inviter' | 'answerer';

export type LinkState =
  | 'gathering' // making our code
  | 'waiting-for-answer' // inviter: code made, waiting for the answer code
  | 'waiting-for-peer' // inviter, one-code reconnect: the contact's answer is set already; waiting for its checks
  | 'waiting-for-inviter' // answerer: answer made, waiting for the inviter to apply it (or to hear our checks)
  | 'connecting' // inviter: answer applied, ICE/DTLS running
  | 'connected' // main data channel open
  | 'closed' // ended by either side
  | 'failed'; // could not connect, or lost

export interface LinkEnded {
  readonly state: 'closed' | 'failed';
  readonly code?: ErrorCode;
  readonly detail?: string;
}

/** A renegotiation (ICE restart) message, carried by the chat layer over the sealed channel. */
export interface LinkSignal {
  readonly kind: 'offer' | 'answer';
  readonly sdp: string;
}

/** The candidate types (host, srflx, prflx, relay) of the selected pair, as getStats reports them. */
export interface CandidatePairTypes {
  readonly local: string;
  readonly remote: string;
}

/** Events of a Link, by name and payload (for the core's Emitter). */
export type LinkEvents = {
  state: LinkState;
  /** One binary message from the peer on the main channel (text messages are not part of the protocol). */
  message: Uint8Array;
  /** A renegotiation message for the peer, to carry over the open channel. */
  signal: LinkSignal;
  /** Answerer: none of the inviter's candidates answered yet (said once; the answer must go back quickly). */
  'peer-unreachable': undefined;
  /** Connected, the path went (ICE `disconnected`): it may come back by itself, or be dead (a change of address). */
  'path-lost': undefined;
  /** The main channel's bufferedAmount fell to bufferedAmountLowThreshold or below. */
  'buffered-low': undefined;
};

/** Something that queues bytes and says when its queue is short again: a Link's main channel, or a LinkChannel. */
export interface BufferedSender {
  send(bytes: Uint8Array): void;
  /** Bytes queued by `send` and not yet handed to the network. */
  readonly bufferedAmount: number;
  /** `buffered-low` fires when bufferedAmount falls from above this to this or below. Default 0. */
  bufferedAmountLowThreshold: number;
  /**
   * Resolves at once when bufferedAmount is at or below the threshold, else at the next `buffered-low`.
   * Rejects with TincanError CHANNEL_CLOSED when the sender closes first.
   */
  whenBufferedLow(): Promise<void>;
}

export interface Link extends BufferedSender {
  readonly role: LinkRole;
  readonly state: LinkState;
  /** Why the link ended; undefined while it lives. */
  readonly ended?: LinkEnded;
  /** Our own code's fields (set once gathering is done). */
  readonly localFields?: SessionFields;
  /** The peer's fields: its code's, or for a one-code reconnect its pinned fingerprint until its checks arrive. */
  readonly remoteFields?: SessionFields;
  /**
   * Throws TincanError CHANNEL_CLOSED unless connected, FRAME_TOO_LARGE above maxMessageSize, SEND_QUEUE_FULL
   * when the queue is at its limit (wait for `buffered-low`; nothing was sent).
   */
  send(bytes: Uint8Array): void;
  /** The largest message `send` takes on any of this link's channels: the peer's limit (65536 with Tincan codes). */
  readonly maxMessageSize: number;
  /** The one way a link ends. Idempotent: the first reason wins. */
  close(ended?: LinkEnded): void;
  selectedCandidateTypes(): Promise<CandidatePairTypes | undefined>;
  /** A renegotiation message from the peer. */
  applySignal(signal: LinkSignal): Promise<void>;
  /**
   * Another data channel on the same connection, negotiated out of band: both sides open it with the same id
   * (1..1023; 0 is the main channel) and options, no round trip. For bulk transfer beside the chat.
   */
  openChannel(id: number, options?: LinkChannelOptions): LinkChannel;
  /**
   * A call's connection beside this link, made with this link's certificate and ICE servers (docs/calls.md); absent
   * where the link cannot carry calls (a Node peer, a link without a kept certificate).
   */
  makeCall?(options: CallMediaOptions): CallConnection;
  /** A capture the calls made by links of this kind can share (a group call's legs), where they can. */
  makeCapture?(video: boolean): CallCapture;
  on<K extends keyof LinkEvents>(name: K, listener: (payload: LinkEvents[K]) => void): Unsubscribe;
}

export interface LinkChannelOptions {
  /** Default true. Unordered channels stay reliable (no maxRetransmits): only head-of-line blocking goes. */
  readonly ordered?: boolean;
}

export type LinkChannelState = 'connecting' | 'open' | 'closed';

export type LinkChannelEvents = {
  open: undefined;
  message: Uint8Array;
  'buffered-low': undefined;
  close: undefined;
};

/** An additional channel of a Link (see Link.openChannel). It closes with its link. */
export interface LinkChannel extends BufferedSender {
  readonly id: number;
  readonly state: LinkChannelState;
  /** Throws as Link.send does: CHANNEL_CLOSED unless open, FRAME_TOO_LARGE, SEND_QUEUE_FULL. */
  send(bytes: Uint8Array): void;
  close(): void;
  on<K extends keyof LinkChannelEvents>(name: K, listener: (payload: LinkChannelEvents[K]) => void): Unsubscribe;
}

/** How long an answer code stays usable: answers applied up to 1800 s late opened on one network (docs/lab.md
 * §3); we promise 20 minutes. A one-code reconnect invite waits as long for its contact. */
export const defaultAnswerValidMs = 20 * 60_000;

/** The main channel's negotiated id; additional channels take ids from 1 to maxChannelId. */
export const mainChannelId = 0;
/** SCTP streams: browsers open 1024 each way by default (RFC 8831 leaves it to the implementation). */
export const maxChannelId = 1023;

/**
 * `send` refuses (SEND_QUEUE_FULL) rather than queue past this: Chromium closes a data channel whose send queue
 * passes 16 MiB (docs/lab.md §7), which would end the whole chat for one hasty sender. Half of that leaves margin.
 */
export const sendQueueLimitBytes = 8 * 1024 * 1024;

/**
 * What every channel's `send` checks before its transport sees the bytes: FRAME_TOO_LARGE above the peer's limit
 * (where a browser would throw a TypeError), SEND_QUEUE_FULL past sendQueueLimitBytes.
 */
export function checkSendable(bytes: Uint8Array, maxMessageSize: number, bufferedAmount: number): void {
  if (bytes.byteLength > maxMessageSize) throw new TincanError('FRAME_TOO_LARGE', `${bytes.byteLength} bytes, at most ${maxMessageSize}`);
  if (bufferedAmount + bytes.byteLength > sendQueueLimitBytes) throw new TincanError('SEND_QUEUE_FULL', `${bufferedAmount} bytes queued`);
}

/** Throws unless `id` may be opened as an extra channel (Link.openChannel): 1..maxChannelId, not open, link alive. */
export function checkChannelId(id: number, isOpen: boolean, isEnded: boolean): void {
  if (!Number.isInteger(id) || id < 1 || id > maxChannelId) throw new RangeError(`channel id ${id} outside 1..${maxChannelId}`);
  if (isOpen) throw new RangeError(`channel ${id} is open already`);
  if (isEnded) throw new TincanError('CHANNEL_CLOSED');
}

/** BufferedSender.whenBufferedLow for a channel that says `buffered-low` and `close` (see BufferedSender). */
export function whenBufferedLow(channel: BufferedSender & { readonly state: LinkChannelState } & Pick<LinkChannel, 'on'>): Promise<void> {
  if (channel.state === 'closed') return Promise.reject(new TincanError('CHANNEL_CLOSED'));
  if (channel.bufferedAmount <= channel.bufferedAmountLowThreshold) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const stops = [
      channel.on('buffered-low', () => {
        stops.forEach((stop) => stop());
        resolve();
      }),
      channel.on('close', () => {
        stops.forEach((stop) => stop());
        reject(new TincanError('CHANNEL_CLOSED'));
      }),
    ];
  });
}
