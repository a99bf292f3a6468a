// A call's own connection as chat/calls.ts sees it: a second RTCPeerConnection beside the data link, made with
// the link's certificate so its DTLS fingerprint is the one the Hello signed (docs/calls.md). DOM-free:
// tsconfig.core.json type-checks this file; the browser's is net/call-peer.ts.
//
// Lifecycle: new -> (offer | answer) -> connecting -> connected -> closed | failed. `closed` and `failed` are final.
// Media reach the UI as opaque handles (a MediaStream in a browser): the core never looks inside them.
import type { ErrorCode } from '../errors';
import type { Unsubscribe } from '../events';
import type { LinkSignal } from './link';

/** How long a call's connection may go without its path (an ICE restart included) before it fails as lost. */
export const callLostMs = 12_000;

export type CallConnectionState = 'new' | 'connecting' | 'connected' | 'closed' | 'failed';

export type CallConnectionEvents = {
  state: CallConnectionState;
  /** Media from the peer arrives (packets keep coming in), or stopped arriving. */
  receiving: boolean;
  /** An ICE restart's offer or answer, for the peer (carried as a call-signal frame). */
  signal: LinkSignal;
  /** The local or remote media changed (a track came, the camera went off): the UI plays them again. */
  media: undefined;
  /** The call's own path went (ICE disconnected or failed: false) or is back (connected: true). */
  path: boolean;
};

export interface CallMediaOptions {
  readonly video: boolean;
  /** The caller offers and restarts ICE; the callee answers. */
  readonly role: 'caller' | 'callee';
  /** The legs of one group call share one capture (makeCapture): none, each connection captures for itself. */
  readonly capture?: CallCapture;
  /**
   * The capture of this call's previous connection (`takeMedia`), when the call is connected anew (chat/calls.ts,
   * "Reconnecting"): nothing is asked for, the same microphone and camera go on.
   */
  readonly media?: unknown;
}

/**
 * One capture of the microphone (and camera) shared by every leg of a group call (net/call-capture.ts in a browser):
 * asked for once, the same tracks sent on each leg, so mute and camera off are one state for all of them. Opaque to
 * the core, which makes one per call and releases it when its part of the call ends (the tracks stop then, not when
 * one leg closes).
 */
export interface CallCapture {
  release(): void;
}

export interface CallConnection {
  readonly state: CallConnectionState;
  /** Why it failed, when it did. */
  readonly failure?: ErrorCode;
  /** This device's microphone (and camera), once captured. */
  readonly localMedia?: unknown;
  /** What the peer sends, once it arrives. */
  readonly remoteMedia?: unknown;
  /** More than one camera is listed (known once one was captured). */
  readonly canSwitchCamera: boolean;
  /** Caller: captures the microphone (and camera) and makes the offer's SDP. Throws MEDIA_DENIED, OFFER_FAILED. */
  offer(): Promise<string>;
  /** Callee: captures, applies the caller's offer and makes the answer's SDP. Throws MEDIA_DENIED, ANSWER_FAILED. */
  answer(offerSdp: string): Promise<string>;
  /** Caller: applies the callee's answer. */
  accept(answerSdp: string): Promise<void>;
  /** An ICE restart's offer or answer from the peer. */
  applySignal(signal: LinkSignal): Promise<void>;
  /** The microphone sends silence while muted. */
  setMuted(muted: boolean): void;
  /** The camera is released while off (nothing is sent); on again, it is captured again. */
  setCameraOff(off: boolean): Promise<void>;
  /**
   * The next camera (the other side's on a phone) on the same sender, no new negotiation. Throws MEDIA_DENIED /
   * MEDIA_MISSING when no camera came back, not even the one in use: the camera is then off.
   */
  switchCamera(): Promise<void>;
  /**
   * The connection ends but its capture stays, for the call's next connection (`takeMedia`): the path is gone and
   * the call is set up anew over the chat link. `close` afterwards stops the capture if it was not taken.
   */
  suspend(): void;
  /** The capture, handed to the call's next connection (options.media): this one no longer stops it. */
  takeMedia(): unknown;
  /** Idempotent; stops every captured track (unless taken or shared). */
  close(): void;
  on<K extends keyof CallConnectionEvents>(name: K, listener: (payload: CallConnectionEvents[K]) => void): Unsubscribe;
}
