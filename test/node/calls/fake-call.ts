// A scripted stand-in for a call's own connection (net/call-link.ts) in Node: it makes SDPs naming its link's own
// fingerprint and does what the test tells it (media arrives, the path is lost). For the calls' state machines
// (calls.test.ts, group-calls.test.ts); real connections are the e2e tests'.
import type { ErrorCode } from '../../../src/errors';
import { Emitter } from '../../../src/events';
import type { CallCapture, CallConnection, CallConnectionEvents, CallConnectionState, CallMediaOptions } from '../../../src/net/call-link';
import type { Link, LinkSignal } from '../../../src/net/link';
import type { Person } from '../chat/people';

export const hexOf = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
export const sdpWith = (fingerprint: Uint8Array, algorithm = 'sha-256') =>
  `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=fingerprint:${algorithm} ${hexOf(fingerprint)}\r\n`;

/** A call connection that makes SDPs with its link's own fingerprint and does what the test tells it. */
export class FakeCall extends Emitter<CallConnectionEvents> implements CallConnection {
  state: CallConnectionState = 'new';
  muted = false;
  /** The call-signal SDPs applied to this connection. */
  readonly signals: LinkSignal[] = [];
  /** Set: answer() waits for it (a microphone prompt still open). */
  answering?: Promise<void>;
  constructor(readonly link: Link, readonly options: CallMediaOptions) {
    super();
    if (options.media) this.localMedia = options.media as object;
  }
  async offer() {
    this.state = 'connecting';
    return sdpWith(this.link.localFields!.fingerprint);
  }
  async answer() {
    await this.answering;
    this.state = 'connecting';
    return sdpWith(this.link.localFields!.fingerprint);
  }
  async accept() {}
  async applySignal(signal: LinkSignal) {
    this.signals.push(signal);
  }
  setMuted(muted: boolean) {
    this.muted = muted;
  }
  canSwitchCamera = false;
  /** What setCameraOff was asked, in order. */
  readonly cameraCalls: boolean[] = [];
  /** Set: setCameraOff waits for it (a camera still coming on). */
  cameraHold?: Promise<void>;
  async setCameraOff(off: boolean) {
    this.cameraCalls.push(off);
    await this.cameraHold;
  }
  async switchCamera() {}
  /** The capture (an opaque token here): handed to the call's next connection on a reconnect. */
  localMedia?: object = { capture: true };
  /** Whether the capture was stopped (close, not suspend). */
  mediaStopped = false;
  suspend() {
    this.state = 'closed';
  }
  takeMedia() {
    const media = this.localMedia;
    this.localMedia = undefined;
    return media;
  }
  close() {
    this.state = 'closed';
    if (this.localMedia) this.mediaStopped = true;
  }
  /** Media from the peer starts arriving (what getStats would show). */
  receive() {
    this.state = 'connected';
    this.emit('receiving', true);
  }
  failure?: ErrorCode;
  /** The path is gone and did not come back (net/call-peer.ts callLostMs). */
  lose() {
    this.state = 'failed';
    this.failure = 'CALL_CONNECTION_LOST';
    this.emit('state', 'failed');
  }
}

/** A group call's shared capture (net/call-capture.ts in a browser): it counts how often it was released. */
export class FakeCapture implements CallCapture {
  released = 0;
  constructor(readonly video: boolean) {}
  release() {
    this.released++;
  }
}

/** Gives every link of `who`, those made later too (a reconnect), a FakeCall maker; returns the calls made, newest
 * last. */
export function fakeCallsOnEveryLink(who: Person): FakeCall[] {
  const made: FakeCall[] = [];
  const give = (link: Link) => {
    link.makeCall = (options) => {
      const call = new FakeCall(link, options);
      made.push(call);
      return call;
    };
  };
  who.device.links.forEach(give);
  const push = who.device.links.push.bind(who.device.links);
  who.device.links.push = (...links) => {
    links.forEach(give);
    return push(...links);
  };
  return made;
}

/** Gives every open session of `who` a FakeCall maker; returns the calls made, newest last. */
export function fakeCalls(who: Person, contactId: string): FakeCall[] {
  const made: FakeCall[] = [];
  const link = who.messenger.peers.get(contactId)!.link;
  link.makeCall = (options) => {
    const call = new FakeCall(link, options);
    made.push(call);
    return call;
  };
  return made;
}
