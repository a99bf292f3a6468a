// <tc-group-call-view>: the group call going on (AppState.groupCall). Ringing here: a dialog over everything else,
// named "Incoming call", that names the group and who calls, with "Accept call" and "Decline call". Otherwise the
// call, full-screen on a phone and `docked` at the top of the conversation's pane on a wide screen (call-view.ts):
// one tile per other member in it (their muted video, their voice in an <audio> of its own as in call-view.ts, and
// their name as the group's member list has it, found by key), the own camera small, the controls "Mute", "Turn
// camera off", "End call", and a status named "Call" that reads "In call" while media flows with at least one
// member. It renders the state only: the call lives in chat/group-calls.ts.
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { GroupCallView as GroupCallViewState } from '../app/app-state';
import { callStyles, focusCallStep, playMedia } from './call-media';
import { emit } from './events';
import { callText, conversationText, groupText } from './messages';
import { controlStyles } from './shared-styles';

/**
 * @fires tc-accept-call
 * @fires tc-decline-call
 * @fires tc-end-call
 * @fires tc-set-muted - { muted }
 * @fires tc-set-camera-off - { off }
 */
@customElement('tc-group-call-view')
export class GroupCallView extends LitElement {
  static override styles = [
    controlStyles,
    callStyles,
    css`
      :host([docked]) .call { height: min(50vh, 30rem); }
      .title { padding: 0.75rem 1rem 0.25rem; text-align: center; }
      .title h2 { margin: 0; font-size: 1.2rem; }
      .title p { margin: 0.25rem 0 0; }
      /* The tiles share what the title and the controls leave; never more: in a small window's docked call (800 x
         600: a 300 px call) tiles of at least 8rem overflowed onto the controls, and the positioned tiles' videos
         (a voice call's invisible one too) took the clicks meant for "End call" and "Turn camera off". Narrow
         columns put three tiles in one row there; if even that is too tight, the tiles scroll inside their area. */
      .tiles {
        flex: 1; min-height: 0; overflow: auto; list-style: none; margin: 0; padding: 0.5rem; display: grid; gap: 0.5rem;
        grid-template-columns: repeat(auto-fit, minmax(min(100%, 8rem), 1fr)); grid-auto-rows: minmax(4rem, 1fr);
      }
      .tile { position: relative; background: #222; border-radius: 10px; overflow: hidden; display: grid; place-items: center; }
      .tile video { position: absolute; inset: 0; width: 100%; height: 100%; object-fit: cover; }
      .tile video.voice { opacity: 0; }
      .initial { font-size: 3rem; }
      .tile p { position: absolute; left: 0; right: 0; bottom: 0; margin: 0; padding: 0.35rem 0.6rem; background: rgb(0 0 0 / 0.55); }
      .own { width: 22vw; max-width: 8rem; }
    `,
  ];

  @property({ attribute: false }) call?: GroupCallViewState;
  /** Wide screens: a block at the top of the conversation's pane (the composer stays usable); else over the page. */
  @property({ type: Boolean, reflect: true }) docked = false;

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    const call = this.call;
    for (const member of call?.members ?? []) {
      const key = CSS.escape(member.key);
      playMedia(this.renderRoot.querySelector(`video[data-key="${key}"]`), member.remoteMedia);
      playMedia(this.renderRoot.querySelector(`audio[data-key="${key}"]`), member.remoteMedia);
    }
    playMedia(this.renderRoot.querySelector('.own'), call?.localMedia);
    // Each part of this device in the call is a step of its own: joining again after leaving takes focus again.
    focusCallStep(this.renderRoot, call && { id: `${call.id} ${call.startedAt}`, phase: call.phase });
  }

  protected override render() {
    const call = this.call;
    if (!call) return nothing;
    const group = call.name || conversationText.unnamed;
    if (call.phase === 'ringing-in') {
      const callers = call.members.map((m) => m.name).filter((name) => name);
      return html`<section class="ring" role="dialog" aria-labelledby="ringing-title" aria-describedby="ringing-who">
        <h2 id="ringing-title">${callText.incoming}</h2>
        <p id="ringing-who">${groupText.incomingGroupCall(group, callers, call.video)}</p>
        <div class="row">
          <button type="button" class="primary accept" @click=${() => emit(this, 'tc-accept-call')}>${callText.accept}</button>
          <button type="button" @click=${() => emit(this, 'tc-decline-call')}>${callText.decline}</button>
        </div>
      </section>`;
    }
    const status = call.phase === 'in-call' ? callText.inCall : call.phase === 'ringing-out' ? groupText.ringingOutGroup(group) : callText.connecting;
    const showVideo = call.video;
    return html`<section class="call" aria-label=${callText.view}>
      <div class="title">
        <h2>${group}</h2>
        <p role="status" aria-label=${callText.status}>${status}</p>
      </div>
      <ul class="tiles" aria-label=${groupText.callMembers}>
        ${call.members.map((m) => {
          const name = m.name || conversationText.unnamed;
          return html`<li class="tile">
            ${showVideo ? nothing : html`<span class="initial" aria-hidden="true">${name.slice(0, 1).toUpperCase()}</span>`}
            <video class=${showVideo ? '' : 'voice'} autoplay playsinline muted .muted=${true} data-key=${m.key} aria-label=${callText.theirVideo(name)}></video>
            <audio autoplay data-key=${m.key}></audio>
            <p>${groupText.memberOnCall(name, groupText.memberCallState[m.phase])}</p>
          </li>`;
        })}
      </ul>
      ${call.cameraOff ? nothing : html`<video class="own" autoplay playsinline muted aria-label=${callText.ownVideo}></video>`}
      <div class="controls">
        <button type="button" aria-pressed=${call.muted ? 'true' : 'false'}
          @click=${() => emit(this, 'tc-set-muted', { muted: !call.muted })}>${callText.mute}</button>
        <button type="button" aria-pressed=${call.cameraOff ? 'true' : 'false'}
          @click=${() => emit(this, 'tc-set-camera-off', { off: !call.cameraOff })}>${callText.cameraOff}</button>
        <button type="button" class="end" @click=${() => emit(this, 'tc-end-call')}>${callText.end}</button>
      </div>
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-group-call-view': GroupCallView;
  }
}
