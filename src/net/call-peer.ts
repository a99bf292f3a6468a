// A call's own RTCPeerConnection (net/call-link.ts), beside the data link and made with the data link's DTLS
// certificate and ICE servers, so its fingerprint is the one the Hello signed (docs/calls.md). Browser only.
//
// - Full SDP, non-trickle: gathering is awaited, bounded by the link's gather timeout (the offer and answer travel
//   as sealed frames; no code has to stay short).
// - The camera and microphone are asked for here, only when a call is started or accepted.
// - "Receiving": inbound RTP packets counted from getStats every receivingCheckMs; they rise while the peer's media
//   arrives. A muted microphone still sends (silence), so a muted call stays "In call".
// - Camera off replaces the video sender's track with none, makes its encodings inactive and stops the camera: no
//   frame is sent (a disabled track would still send black frames).
// - The legs of a group call share one capture (net/call-capture.ts, options.capture): the same tracks on each
//   leg, stopped when the group call releases it rather than when this connection closes.
// - Switch camera (net/camera-choice.ts) puts the new camera's track on the same sender with replaceTrack: no new
//   negotiation. The camera in use is released first, as phones open one camera at a time.
// - A lost path is waited for while ICE is `disconnected`: consent brings back a path whose addresses did not
//   change (an outage of about 11 s, test/e2e/calls.test.mjs). Only `failed` for callRestartAfterMs makes the caller
//   restart ICE (the offer goes out as a `signal` over the chat link), and only within callLostMs: a path that merely
//   stops carrying packets leaves ICE `disconnected` that long (still so 8.8 s into the trial runs), so the restart
//   is for a path ICE itself gives up on sooner (an interface gone). A restart's answer waits for a candidate
//   (`gathered`: Firefox's first went out with none and its ICE failed 5 s later; docs/calls.md "ICE restart"). A
//   call whose path is not back after callLostMs fails with CALL_CONNECTION_LOST (chat/calls.ts then sets the call up
//   anew over the chat link: `suspend` keeps the capture for the next connection, `takeMedia` hands it over).
import { TincanError, type ErrorCode } from '../errors';
import { Emitter } from '../events';
import { SharedCapture } from './call-capture';
import { cameraChoices, canSwitchCamera } from './camera-choice';
import { callLostMs, type CallConnection, type CallConnectionEvents, type CallConnectionState, type CallMediaOptions } from './call-link';
import type { LinkSignal } from './link';

export const receivingCheckMs = 500;
/** How long ICE may stay failed before the caller restarts it (a disconnected path is waited for: docs/calls.md). */
export const callRestartAfterMs = 3000;

export interface CallPeerOptions extends CallMediaOptions {
  readonly certificate: RTCCertificate;
  readonly iceServers: RTCIceServer[];
  readonly gatherTimeoutMs: number;
}

function mediaError(error: unknown): TincanError {
  const name = error instanceof Error || (typeof DOMException !== 'undefined' && error instanceof DOMException) ? (error as Error).name : '';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return new TincanError('MEDIA_MISSING', name);
  return new TincanError('MEDIA_DENIED', name || String(error));
}

export class CallPeer extends Emitter<CallConnectionEvents> implements CallConnection {
  state: CallConnectionState = 'new';
  failure?: ErrorCode;
  localMedia?: MediaStream;
  remoteMedia?: MediaStream;
  canSwitchCamera = false;
  private readonly pc: RTCPeerConnection;
  private statsTimer?: ReturnType<typeof setInterval>;
  private restartTimer?: ReturnType<typeof setTimeout>;
  private lostTimer?: ReturnType<typeof setTimeout>;
  private packetsSeen = 0;
  private receiving = false;
  private isMuted = false;
  /** suspend(): the capture outlives the connection until taken or closed. */
  private keepsMedia = false;

  constructor(private readonly options: CallPeerOptions) {
    super();
    this.pc = new RTCPeerConnection({ iceServers: options.iceServers, certificates: [options.certificate] });
    // One stream of every received track, made anew when one arrives (a voice call's video transceiver has no
    // stream of its own): the UI plays whatever object it gets.
    this.pc.ontrack = () => {
      this.remoteMedia = new MediaStream(this.pc.getReceivers().map((receiver) => receiver.track));
      this.emit('media', undefined);
    };
    this.pc.onconnectionstatechange = () => this.handleConnectionState();
    this.pc.oniceconnectionstatechange = () => this.handleIceState();
  }

  async offer(): Promise<string> {
    await this.capture();
    try {
      // Both kinds always: a voice call (or a group call's leg made while its camera is off) can have its camera
      // turned on later without a new negotiation.
      if (!this.localMedia?.getVideoTracks().length) this.pc.addTransceiver('video', { direction: 'sendrecv' });
      await this.pc.setLocalDescription(await this.pc.createOffer());
    } catch (error) {
      throw this.fail(new TincanError('OFFER_FAILED', String(error)));
    }
    await this.gathered();
    this.throwIfEnded();
    this.setState('connecting');
    return this.pc.localDescription!.sdp;
  }

  async answer(offerSdp: string): Promise<string> {
    try {
      await this.pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    } catch (error) {
      throw this.fail(new TincanError('CODE_REFUSED', String(error)));
    }
    await this.capture();
    try {
      await this.pc.setLocalDescription(await this.pc.createAnswer());
    } catch (error) {
      throw this.fail(new TincanError('ANSWER_FAILED', String(error)));
    }
    await this.gathered();
    this.throwIfEnded();
    this.setState('connecting');
    return this.pc.localDescription!.sdp;
  }

  async accept(answerSdp: string): Promise<void> {
    if (this.pc.signalingState !== 'have-local-offer') return;
    try {
      await this.pc.setRemoteDescription({ type: 'answer', sdp: answerSdp });
    } catch (error) {
      throw this.fail(new TincanError('CODE_REFUSED', String(error)));
    }
  }

  async applySignal(signal: LinkSignal): Promise<void> {
    if (this.state === 'closed' || this.state === 'failed') return;
    if (signal.kind === 'offer' && this.options.role === 'callee') {
      await this.pc.setRemoteDescription({ type: 'offer', sdp: signal.sdp });
      await this.pc.setLocalDescription(await this.pc.createAnswer());
      await this.gathered();
      this.emitSignal('answer');
    } else if (signal.kind === 'answer' && this.options.role === 'caller' && this.pc.signalingState === 'have-local-offer') {
      await this.pc.setRemoteDescription({ type: 'answer', sdp: signal.sdp });
    }
  }

  setMuted(muted: boolean): void {
    this.isMuted = muted;
    for (const track of this.localMedia?.getAudioTracks() ?? []) track.enabled = !muted;
  }

  async setCameraOff(off: boolean): Promise<void> {
    const sender = this.videoSender();
    const stream = this.localMedia;
    if (!sender || !stream) return;
    if (off) {
      if (this.shared) await this.shared.cameraOff();
      for (const track of stream.getVideoTracks()) {
        track.stop();
        stream.removeTrack(track);
      }
      await sender.replaceTrack(null);
      await this.setSending(sender, false);
    } else {
      const track = await this.cameraTrack(stream);
      if (this.state === 'closed' || this.state === 'failed') return;
      if (track && sender.track !== track) {
        await sender.replaceTrack(track);
        await this.setSending(sender, true);
        void this.countCameras();
      }
    }
    this.emit('media', undefined);
  }

  /** The camera's track to send as it comes on: the shared capture's (one for every leg), or one of this connection's
   * own; undefined when its own camera is on already (or the call ended while it was asked for). */
  private async cameraTrack(stream: MediaStream): Promise<MediaStreamTrack | undefined> {
    try {
      if (this.shared) return await this.shared.cameraOn();
      if (stream.getVideoTracks().length > 0) return undefined;
      const track = (await navigator.mediaDevices.getUserMedia({ video: true })).getVideoTracks()[0]!;
      if (this.state === 'closed' || this.state === 'failed') {
        track.stop();
        return undefined;
      }
      stream.addTrack(track);
      return track;
    } catch (error) {
      throw mediaError(error);
    }
  }

  /** The group call's capture this connection shares, if it does. */
  private get shared(): SharedCapture | undefined {
    return this.options.capture instanceof SharedCapture ? this.options.capture : undefined;
  }

  async switchCamera(): Promise<void> {
    const sender = this.videoSender();
    const stream = this.localMedia;
    const current = stream?.getVideoTracks()[0];
    // A group call has no "Switch camera" (its legs share one camera track).
    if (!sender || !stream || !current || this.shared) return;
    const cameras = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
    const { deviceId, facingMode } = current.getSettings();
    const choices = cameraChoices({ ...(deviceId ? { deviceId } : {}), ...(facingMode ? { facingMode } : {}) }, cameras);
    if (choices.length === 0) return;
    current.stop();
    stream.removeTrack(current);
    let track: MediaStreamTrack | undefined;
    let failure: unknown;
    for (const video of choices) {
      try {
        track = (await navigator.mediaDevices.getUserMedia({ video })).getVideoTracks()[0];
        if (track) break;
      } catch (error) {
        failure = error;
      }
    }
    if (this.state === 'closed' || this.state === 'failed') return track?.stop();
    if (track) {
      stream.addTrack(track);
      await sender.replaceTrack(track);
    } else {
      // No camera came back, not even the one in use: the call goes on with the camera off.
      await sender.replaceTrack(null);
      await this.setSending(sender, false);
    }
    this.emit('media', undefined);
    if (!track) throw mediaError(failure);
  }

  close(): void {
    this.keepsMedia = false;
    if (this.state === 'closed' || this.state === 'failed') this.stopOwnTracks();
    else this.end('closed');
  }

  suspend(): void {
    this.keepsMedia = true;
    this.end('closed');
  }

  takeMedia(): unknown {
    const media = this.localMedia;
    this.localMedia = undefined;
    return media;
  }

  /** The capture this connection owns (not a group call's shared one, not one suspended for the next connection). */
  private stopOwnTracks(): void {
    if (this.shared || this.keepsMedia) return;
    for (const track of this.localMedia?.getTracks() ?? []) track.stop();
  }

  /**
   * Whether the sender's encodings go out at all. Without a track Firefox 153 kept sending frames (the far side's
   * framesDecoded kept rising, test/e2e/calls.test.mjs); an inactive encoding sends nothing in both engines.
   */
  private async setSending(sender: RTCRtpSender, active: boolean): Promise<void> {
    const parameters = sender.getParameters();
    if (!parameters.encodings?.length) return;
    for (const encoding of parameters.encodings) encoding.active = active;
    await sender.setParameters(parameters).catch(() => undefined);
  }

  private end(state: 'closed' | 'failed', failure?: ErrorCode): void {
    if (this.state === 'closed' || this.state === 'failed') return;
    if (failure) this.failure = failure;
    clearInterval(this.statsTimer);
    clearTimeout(this.restartTimer);
    clearTimeout(this.lostTimer);
    // A shared capture's tracks go on for the other legs: the group call stops them when it releases it. A failed
    // connection keeps its own until close() or takeMedia(): the call may be set up anew with it (chat/calls.ts).
    if (state === 'closed') this.stopOwnTracks();
    this.pc.ontrack = this.pc.onconnectionstatechange = this.pc.oniceconnectionstatechange = null;
    try {
      this.pc.close();
    } catch {
      // closed by the browser already
    }
    this.setState(state);
  }

  /** Closed (or suspended) while its SDP was being made: the SDP is of no use any more. */
  private throwIfEnded(): void {
    if (this.state === 'closed' || this.state === 'failed') throw new TincanError('CHANNEL_CLOSED', 'the call connection closed while its SDP was made');
  }

  private fail(error: TincanError): TincanError {
    this.end('failed', error.code);
    return error;
  }

  private async capture(): Promise<void> {
    let stream: MediaStream;
    try {
      // A call connected anew takes over its previous connection's capture: nothing is asked again.
      const given = this.options.media instanceof MediaStream ? this.options.media : undefined;
      stream = await (given ?? this.shared?.media() ?? navigator.mediaDevices.getUserMedia({ audio: true, video: this.options.video }));
    } catch (error) {
      throw this.fail(mediaError(error));
    }
    if (this.state === 'closed' || this.state === 'failed') {
      // Kept for takeMedia when this connection was suspended meanwhile; stopped otherwise.
      this.localMedia = stream;
      this.stopOwnTracks();
      throw new TincanError('CHANNEL_CLOSED', 'the call ended while the camera or microphone was asked for');
    }
    this.localMedia = stream;
    // Both directions for every kind the offer carries: the camera can come on later without a new negotiation.
    for (const transceiver of this.pc.getTransceivers()) transceiver.direction = 'sendrecv';
    for (const track of stream.getTracks()) {
      // The callee's transceivers came with the offer: its tracks go onto them (one audio, one video).
      const transceiver = this.pc.getTransceivers().find((t) => t.receiver.track.kind === track.kind && !t.sender.track);
      if (transceiver) {
        await transceiver.sender.replaceTrack(track);
        transceiver.sender.setStreams?.(stream);
      } else {
        this.pc.addTrack(track, stream);
      }
    }
    this.setMuted(this.isMuted);
    this.emit('media', undefined);
    if (this.options.video) void this.countCameras();
  }

  /** Cameras are listed fully only once one is allowed: counted after each capture. */
  private async countCameras(): Promise<void> {
    let can = false;
    try {
      can = canSwitchCamera((await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput'));
    } catch {
      // no list: no switching
    }
    if (can === this.canSwitchCamera || this.state === 'closed' || this.state === 'failed') return;
    this.canSwitchCamera = can;
    this.emit('media', undefined);
  }

  private videoSender(): RTCRtpSender | undefined {
    return this.pc.getTransceivers().find((t) => t.receiver.track.kind === 'video')?.sender;
  }

  /**
   * Gathering is over and the description carries candidates, or gatherTimeoutMs passed. "complete" alone is not
   * enough after an ICE restart: Firefox 153 still read `complete` (the previous generation's) right after
   * setLocalDescription of a restart's answer, and that answer then went out with no candidate at all, so the
   * restart's new pairs never formed and its ICE failed 5 s later (docs/calls.md "ICE restart").
   */
  private gathered(): Promise<void> {
    const pc = this.pc;
    return new Promise((resolve) => {
      const isDone = () => pc.iceGatheringState === 'complete' && /^a=candidate:/m.test(pc.localDescription?.sdp ?? '');
      if (isDone()) return resolve();
      const done = () => {
        clearTimeout(bound);
        pc.removeEventListener('icegatheringstatechange', check);
        pc.removeEventListener('icecandidate', check);
        resolve();
      };
      const check = () => isDone() && done();
      const bound = setTimeout(done, this.options.gatherTimeoutMs);
      pc.addEventListener('icegatheringstatechange', check);
      pc.addEventListener('icecandidate', check);
    });
  }

  private emitSignal(kind: LinkSignal['kind']): void {
    const sdp = this.pc.localDescription?.sdp;
    if (sdp && this.state !== 'closed' && this.state !== 'failed') this.emit('signal', { kind, sdp });
  }

  private handleConnectionState(): void {
    const s = this.pc.connectionState;
    if (s === 'connected') {
      if (this.lostTimer !== undefined) this.emit('path', true);
      clearTimeout(this.lostTimer);
      this.lostTimer = undefined;
      this.setState('connected');
      this.statsTimer ??= setInterval(() => void this.checkReceiving(), receivingCheckMs);
    } else if (s === 'disconnected' || s === 'failed') {
      if (this.lostTimer === undefined) this.emit('path', false);
      this.lostTimer ??= setTimeout(() => this.end('failed', 'CALL_CONNECTION_LOST'), callLostMs);
    } else if (s === 'closed') {
      this.end('failed', 'CALL_CONNECTION_LOST');
    }
  }

  private handleIceState(): void {
    const s = this.pc.iceConnectionState;
    if (s === 'failed' && this.options.role === 'caller') {
      this.restartTimer ??= setTimeout(() => {
        this.restartTimer = undefined;
        void this.restartIce();
      }, callRestartAfterMs);
    } else if (s === 'connected' || s === 'completed') {
      clearTimeout(this.restartTimer);
      this.restartTimer = undefined;
    }
  }

  private async restartIce(): Promise<void> {
    const s = this.pc.iceConnectionState;
    if (s !== 'failed' || this.pc.signalingState !== 'stable') return;
    try {
      await this.pc.setLocalDescription(await this.pc.createOffer({ iceRestart: true }));
      await this.gathered();
      this.emitSignal('offer');
    } catch {
      // the lost timer ends the call if the path never comes back
    }
  }

  private async checkReceiving(): Promise<void> {
    let packets = 0;
    try {
      (await this.pc.getStats()).forEach((s) => {
        if (s.type === 'inbound-rtp') packets += s.packetsReceived ?? 0;
      });
    } catch {
      return; // closed meanwhile
    }
    // Fewer inbound packets than last time are counted as new ones: after an ICE restart Chromium 156's total read
    // lower than before it in two trial runs (a counter started again, inferred from those totals, not traced).
    const receiving = packets > this.packetsSeen || (packets < this.packetsSeen && packets > 0);
    this.packetsSeen = packets;
    if (receiving !== this.receiving && this.state === 'connected') {
      this.receiving = receiving;
      this.emit('receiving', receiving);
    }
  }

  private setState(state: CallConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
  }
}
