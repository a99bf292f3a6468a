// <tc-call-view>: the call going on (AppState.call). Ringing here: a dialog named "Incoming call" over everything
// else, with "Accept call" and "Decline call". Otherwise the call, full-screen on a phone and `docked` at the top of
// the conversation's pane on a wide screen (the composer stays in reach under it): the other person's video
// fills it (muted: their voice plays in an <audio> element of its own, which browsers keep playing in the background
// where a video may be paused: docs/calls.md, "With the screen locked"), the own camera is a small preview, large controls at the bottom ("Mute",
// "Turn camera off": toggles with aria-pressed; "Switch camera" while the camera is on and the device lists more
// than one; "End call"), and a status named "Call" that reads "In call" once media flows both ways ("Reconnecting…" while
// the call is set up anew after its path or its chat link was lost). It renders the
// state only: the call itself lives in chat/calls.ts.
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { CallView as CallViewState } from '../app/app-state';
import { callStyles, focusCallStep, playMedia } from './call-media';
import { emit } from './events';
import { callText, conversationText } from './messages';
import { controlStyles } from './shared-styles';

/**
 * @fires tc-accept-call
 * @fires tc-decline-call
 * @fires tc-end-call
 * @fires tc-set-muted - { muted }
 * @fires tc-set-camera-off - { off }
 * @fires tc-switch-camera
 */
@customElement('tc-call-view')
export class CallView extends LitElement {
  static override styles = [
    controlStyles,
    callStyles,
    css`
      :host([docked]) .call { height: min(45vh, 26rem); }
      .remote { flex: 1; min-height: 0; width: 100%; object-fit: cover; background: #111; }
      .remote.voice { opacity: 0; flex: 0 0 1px; }
      .who { padding: 1rem; text-align: center; }
      .who h2 { margin: 0; font-size: 1.3rem; }
      .voice-face { flex: 1; display: grid; place-items: center; font-size: 4rem; }
      .own { width: 28vw; max-width: 10rem; }
      [role='status'] { margin: 0.25rem 0 0; }
    `,
  ];

  @property({ attribute: false }) call?: CallViewState;
  /** Wide screens: a block at the top of the conversation's pane (the composer stays usable); else over the page. */
  @property({ type: Boolean, reflect: true }) docked = false;

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    const call = this.call;
    playMedia(this.renderRoot.querySelector('.remote'), call?.remoteMedia);
    playMedia(this.renderRoot.querySelector('.voice-out'), call?.remoteMedia);
    playMedia(this.renderRoot.querySelector('.own'), call?.localMedia);
    focusCallStep(this.renderRoot, call);
  }

  protected override render() {
    const call = this.call;
    if (!call) return nothing;
    const name = call.name || conversationText.unnamed;
    if (call.phase === 'ringing-in') {
      return html`<section class="ring" role="dialog" aria-labelledby="incoming-title" aria-describedby="incoming-who">
        <h2 id="incoming-title">${callText.incoming}</h2>
        <p id="incoming-who">${callText.incomingFrom(name, call.video)}</p>
        <div class="row">
          <button type="button" class="primary accept" @click=${() => emit(this, 'tc-accept-call')}>${callText.accept}</button>
          <button type="button" class="decline" @click=${() => emit(this, 'tc-decline-call')}>${callText.decline}</button>
        </div>
      </section>`;
    }
    const status =
      call.phase === 'in-call' ? callText.inCall
      : call.phase === 'ringing-out' ? callText.ringingOut(name)
      : call.phase === 'reconnecting' ? callText.reconnecting
      : callText.connecting;
    const showVideo = call.video || !call.cameraOff;
    return html`<section class="call" aria-label=${callText.view}>
      <div class="who">
        <h2>${name}</h2>
        <p role="status" aria-label=${callText.status}>${status}</p>
      </div>
      ${showVideo ? nothing : html`<div class="voice-face" aria-hidden="true">${name.slice(0, 1).toUpperCase()}</div>`}
      <video class="remote ${showVideo ? '' : 'voice'}" autoplay playsinline muted .muted=${true} data-remote aria-label=${callText.theirVideo(name)}></video>
      <audio class="voice-out" autoplay></audio>
      ${call.cameraOff ? nothing : html`<video class="own" autoplay playsinline muted aria-label=${callText.ownVideo}></video>`}
      <div class="controls">
        <button type="button" aria-pressed=${call.muted ? 'true' : 'false'}
          @click=${() => emit(this, 'tc-set-muted', { muted: !call.muted })}>${callText.mute}</button>
        <button type="button" aria-pressed=${call.cameraOff ? 'true' : 'false'}
          @click=${() => emit(this, 'tc-set-camera-off', { off: !call.cameraOff })}>${callText.cameraOff}</button>
        ${call.canSwitchCamera && !call.cameraOff
          ? html`<button type="button" @click=${() => emit(this, 'tc-switch-camera')}>${callText.switchCamera}</button>`
          : nothing}
        <button type="button" class="end" @click=${() => emit(this, 'tc-end-call')}>${callText.end}</button>
      </div>
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-call-view': CallView;
  }
}
