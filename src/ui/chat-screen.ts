// <tc-chat-screen>: one conversation, the full height of a phone: a header (back, name, verified mark, the status
// named "Connection", Reconnect or Disconnect, details), the look-alike warning when this contact's name looks
// like another's, the message log (with the conversation's files among the messages, each at its time), and the
// composer pinned at the bottom (above the keyboard: the viewport's
// interactive-widget=resizes-content shrinks the page, not the log). Connection states are said plainly: "Bob
// closed Tincan or went offline — Reconnect", why the last connection ended, how many messages wait. On a phone
// (`compact`) the header says only "Offline" (the reason is in the contact's details) and the back button shows how
// many messages are unread in the other conversations.
import { LitElement, css, html, nothing, svg } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import type { ChatMessage, ConversationView, FileTransferView, GroupInfoView, GroupMemberInfo, Notice, OpenConversation } from '../app/app-state';
import { inClockOrder } from '../app/message-window';
import type { Composer } from './composer';
import { emit } from './events';
import type { MessageLog } from './message-log';
import { whenText } from './message-format';
import { callText, chatText, connectionText, conversationText, endedText, fileText, groupText } from './messages';
import { controlStyles } from './shared-styles';
import './composer';
import './inline-notice';
import './message-log';

/** One empty list for every render with no window, so the log's property does not change for nothing. */
const noMessages: readonly ChatMessage[] = [];
/** Files show with the window they fall in: none before it is loaded. */
const noTransfers: readonly FileTransferView[] = [];
/** "Contact details": an i in a circle (drawn, since not every font has ⓘ). */
const infoIcon = html`<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">${svg`
  <circle cx="12" cy="12" r="9.5" fill="none" stroke="currentColor" stroke-width="2"/>
  <circle cx="12" cy="7.6" r="1.4" fill="currentColor"/>
  <path d="M12 11v6.5" stroke="currentColor" stroke-width="2.2" stroke-linecap="round"/>`}</svg>`;

/** "Voice call": a handset. */
const voiceIcon = html`<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">${svg`
  <path d="M6.6 3h3l1.5 4.5-2 1.5a11 11 0 0 0 5.9 5.9l1.5-2 4.5 1.5v3a2 2 0 0 1-2 2A16 16 0 0 1 4.6 5a2 2 0 0 1 2-2z"
    fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/>`}</svg>`;
/** "Video call": a camera. */
const videoIcon = html`<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">${svg`
  <rect x="2.5" y="6" width="13" height="12" rx="2" fill="none" stroke="currentColor" stroke-width="2"/>
  <path d="M15.5 10.5l6-3.5v10l-6-3.5z" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/>`}</svg>`;
/** "Attach file": a paperclip. */
const attachIcon = html`<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">${svg`
  <path d="M16.5 6.5l-7.8 7.8a2 2 0 0 0 2.8 2.8l8-8a4 4 0 0 0-5.7-5.7l-8.2 8.2a6 6 0 0 0 8.5 8.5l7-7" fill="none"
    stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/>`}</svg>`;

/** Whether a drag carries files (not text or a link being dragged around the page). */
function hasFiles(event: DragEvent): boolean {
  return !!event.dataTransfer && [...event.dataTransfer.types].includes('Files');
}

/** The status text for a conversation: exactly "Connected" while its peer is live (UI contract). `isShort`: one
 * word for a phone's header ("Offline"), without the reason. */
export function connectionStatusText(c: ConversationView, isShort = false): string {
  if (c.connection !== 'offline' || isShort) return connectionText[c.connection];
  if (c.closedByPeer) return c.pageClosed ? conversationText.closedPage(c.name) : conversationText.closedByPeer(c.name);
  if (c.endCode) return endedText(c.name, c.endCode);
  const seen = whenText(c.lastSeen);
  return seen ? `${connectionText.offline}, ${conversationText.lastSeen(seen)}` : connectionText.offline;
}

/**
 * @fires tc-back - back to the conversation list (phones)
 * @fires tc-reconnect - { conversationId }
 * @fires tc-disconnect - { conversationId }
 * @fires tc-start-call - { video }
 * @fires tc-join-call - "Join voice call" / "Join video call": the group's call going on
 * @fires tc-navigate - { view: 'contact' } ("Contact details")
 * @fires tc-move-to-new-device / tc-confirm-different-person - the look-alike warning's answers
 * @fires tc-send-files - { files } picked with "Attach file" or dropped on the conversation (pasted: tc-composer)
 * @fires tc-file-error - { code: 'FILE_NEEDS_CONNECTION' } "Attach file" while the contact is not connected
 * @fires tc-invite-to-group / tc-leave-group - { conversationId } (a group)
 * @fires tc-remove-member - { conversationId, memberKey } ("Remove <name>", where the rules allow it)
 * @fires tc-member-safety-number - { conversationId, memberKey } ("Safety number with <name>": the member's contact)
 */
@customElement('tc-chat-screen')
export class ChatScreen extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: flex; flex-direction: column; min-height: 0; height: 100%; position: relative; }
      header {
        display: flex; align-items: center; gap: 0.4rem; padding: 0.4rem 0.5rem; border-bottom: 1px solid var(--tc-card-border);
      }
      .who { flex: 1 1 auto; min-width: 0; }
      h2 { margin: 0; font-size: 1.1rem; display: flex; align-items: center; gap: 0.35rem; min-width: 0; }
      h2 .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
      h2:focus { outline: none; }
      h2:focus-visible { outline: 3px solid var(--tc-focus); }
      .verified { color: var(--tc-ok-text); font-size: 0.85rem; font-weight: 600; white-space: nowrap; }
      /* A phone's header keeps to what matters: name, state, Reconnect. Path and Disconnect are in the details. */
      @media (max-width: 719.98px) {
        .path, .disconnect { display: none; }
        .verified .word { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
      }
      .status-line { display: flex; flex-wrap: wrap; gap: 0 0.5rem; font-size: 0.85rem; color: var(--tc-muted); }
      .status-line .online { color: var(--tc-ok-text); font-weight: 600; }
      .status-line .offline, .status-line .relay { color: var(--tc-fg); }
      .actions { display: flex; gap: 0.4rem; flex: none; }
      .actions button { padding: 0.5rem 0.75rem; }
      .actions svg { width: 1.4rem; height: 1.4rem; }
      .back { align-items: center; gap: 0.25rem; }
      .back .badge {
        background: var(--tc-accent); color: var(--tc-on-accent); border-radius: 999px; padding: 0 0.35rem;
        font-size: 0.78rem; font-weight: 700; line-height: 1.25rem; min-width: 1.25rem; text-align: center;
      }
      .warning-card { margin: 0.5rem; }
      .warning-card p { margin: 0.35rem 0; }
      tc-message-log { flex: 1; min-height: 0; }
      .bottom { padding: 0.4rem 0.5rem calc(0.5rem + env(safe-area-inset-bottom)); border-top: 1px solid var(--tc-card-border); }
      .typing { min-height: 1.2rem; font-size: 0.85rem; color: var(--tc-muted); margin: 0 0 0.25rem 0.4rem; }
      tc-inline-notice { margin: 0.4rem 0.5rem; }
      .bottom tc-inline-notice { margin: 0 0 0.4rem; }
      /* "Attach file": the file input is the control (named, focusable, role button); its label is what shows. */
      .attach { display: flex; flex: none; }
      .attach label { border-radius: 22px; padding: 0.5rem; }
      .attach svg { width: 1.4rem; height: 1.4rem; }
      header.group { flex-wrap: wrap; }
      header.group .actions { flex-wrap: wrap; }
      @media (max-width: 719.98px) {
        header.group .actions { flex: 1 1 100%; }
        header.group .actions button { flex: 1 1 0; }
      }
      .members { margin: 0; padding: 0.2rem 0.6rem; list-style: none; display: flex; flex-direction: column; gap: 0.15rem;
        font-size: 0.85rem; border-bottom: 1px solid var(--tc-card-border); max-height: 9.5rem; overflow-y: auto; }
      .members li { display: flex; flex: none; flex-wrap: wrap; align-items: center; gap: 0.5rem; min-height: 44px; }
      .members .member-verified { color: var(--tc-ok-text); font-weight: 600; }
      .members .member-warning { display: block; margin-top: 0.2rem; padding-left: 0.5rem; border-left: 3px solid var(--tc-warn); }
      .members .member-text { flex: 1 1 auto; min-width: 0; overflow-wrap: anywhere; }
      .members .member-name { font-weight: 600; }
      .members .on { color: var(--tc-ok-text); }
      .members .hint { color: var(--tc-muted); }
      .members button { flex: none; padding: 0.2rem 0.6rem; font-size: 0.85rem; }
      .group-note { margin: 0.3rem 0.6rem; font-size: 0.85rem; color: var(--tc-muted); }
      .drop {
        position: absolute; inset: 0.5rem; z-index: 2; display: grid; place-items: center; padding: 1rem; text-align: center;
        border: 3px dashed var(--tc-accent); border-radius: 14px; background: var(--tc-card); font-weight: 600;
        pointer-events: none; overflow-wrap: anywhere;
      }
    `,
  ];

  @property({ attribute: false }) conversation?: ConversationView;
  @property({ attribute: false }) open?: OpenConversation;
  /** A notice of area 'conversation' (under the header) or 'composer' (above the message box). */
  @property({ attribute: false }) notice?: Notice;
  /** A call is going on (one at a time): the call buttons wait. */
  @property({ type: Boolean }) isInCall = false;
  /** A call of this group goes on without this device: "Join call" instead of starting one. */
  @property({ type: Boolean }) hasCallToJoin = false;
  /** The call to join is a video call. */
  @property({ type: Boolean }) callToJoinIsVideo = false;
  /** This conversation's file transfers, oldest first: the log shows each at its time, among the messages. */
  @property({ attribute: false }) transfers: readonly FileTransferView[] = [];
  /** A phone's width: short words in the header. */
  @property({ type: Boolean }) compact = false;
  /** Unread messages in the other conversations (shown on the back button). */
  @property({ type: Number }) unreadElsewhere = 0;
  /** Files are being dragged over the conversation. */
  @state() private isDropTarget = false;
  @query('tc-composer') private composer?: Composer;
  @query('tc-message-log') private log?: MessageLog;
  @query('h2') private heading?: HTMLElement;

  /** After connecting: the next thing to do is to write. */
  async focusComposer(): Promise<void> {
    await this.updateComplete;
    await this.composer?.updateComplete;
    this.composer?.focusInput();
  }

  /** On a phone, opening a conversation should not pop up the keyboard: focus lands on its name. */
  async focusHeading(): Promise<void> {
    await this.updateComplete;
    this.heading?.focus();
  }

  focusLog(): void {
    this.log?.focusLog();
  }

  constructor() {
    super();
    // The whole conversation is the drop zone.
    this.addEventListener('dragover', (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      event.dataTransfer!.dropEffect = 'copy';
      this.isDropTarget = true;
    });
    this.addEventListener('dragleave', (event) => {
      // Leaving for a child is not leaving; leaving the screen (or the window) is.
      const to = event.relatedTarget as Node | null;
      if (!to || !(this === to || this.contains(to) || this.renderRoot.contains(to))) this.isDropTarget = false;
    });
    this.addEventListener('drop', (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      this.isDropTarget = false;
      const files = [...(event.dataTransfer?.files ?? [])];
      if (files.length) emit(this, 'tc-send-files', { files });
    });
  }

  /** The picker opens only when the file can go now; otherwise the person is told why instead. */
  private handleAttachClick(event: Event): void {
    // A group's file is offered in a message, which waits like any other: the picker always opens.
    if (this.conversation?.connection === 'online' || this.conversation?.group) return;
    event.preventDefault();
    emit(this, 'tc-file-error', { code: 'FILE_NEEDS_CONNECTION' });
  }

  private handleAttachChange(event: Event): void {
    const input = event.target as HTMLInputElement;
    const files = [...(input.files ?? [])];
    input.value = '';
    if (files.length) emit(this, 'tc-send-files', { files });
  }

  /** "Attach file": the same control in a two-person conversation and in a group. */
  private renderAttach(isDisabled: boolean) {
    return html`<span slot="attach" class="attach">
      <input type="file" class="file-picker sr-only" id="attach-file" multiple aria-label=${fileText.attach} ?disabled=${isDisabled}
        @click=${this.handleAttachClick} @change=${this.handleAttachChange} />
      <label for="attach-file" class="button quiet" title=${fileText.attach} aria-hidden="true">${attachIcon}</label>
    </span>`;
  }

  private renderLookalike(c: ConversationView) {
    const other = c.lookalikeOf;
    if (!other) return nothing;
    return html`<section class="card danger warning-card" aria-labelledby="lookalike-heading">
      <h3 id="lookalike-heading">${chatText.lookalike(other.name)}</h3>
      <p>${chatText.lookalikeExplain(other.name)}</p>
      <div class="row">
        <button type="button" @click=${() => emit(this, 'tc-navigate', { view: 'contact' })}>${chatText.compareFirst}</button>
        <button type="button" @click=${() => emit(this, 'tc-move-to-new-device')}>${chatText.sameDevice(other.name)}</button>
        <button type="button" @click=${() => emit(this, 'tc-confirm-different-person')}>${chatText.someoneElse}</button>
      </div>
    </section>`;
  }

  private renderGroup(c: ConversationView, group: GroupInfoView) {
    const open = this.open?.id === c.id ? this.open : undefined;
    const notice = this.notice;
    const live = group.isMember && group.members.some((m) => m.online);
    return html`
      ${this.renderGroupHeader(c, group)}
      ${notice?.area === 'conversation' && (!notice.conversationId || notice.conversationId === c.id) ? html`<tc-inline-notice .notice=${notice} dismissible></tc-inline-notice>` : nothing}
      <tc-message-log .conversationId=${c.id} .messages=${inClockOrder(open?.messages ?? noMessages)} .transfers=${open ? this.transfers : noTransfers}
        ?hasOlder=${!!open?.hasOlder} ?hasNewer=${!!open?.hasNewer} .peerName=${c.name} .senders=${open?.senders}></tc-message-log>
      <div class="bottom">
        <p class="typing" aria-live="polite">${group.typingName ? conversationText.typing(group.typingName) : ''}</p>
        ${notice?.area === 'composer' ? html`<tc-inline-notice .notice=${notice} dismissible></tc-inline-notice>` : nothing}
        <tc-composer ?connected=${live} ?disabled=${!open || !group.isMember}>${this.renderAttach(!open || !group.isMember)}</tc-composer>
      </div>
      ${this.isDropTarget && group.isMember ? html`<div class="drop" aria-hidden="true">${fileText.dropHere(c.name)}</div>` : nothing}
    `;
  }

  /** "Voice call" and "Video call"; in a group too big to call they are disabled and described by the limit. */
  private renderCallButtons(limitId?: string) {
    const disabled = this.isInCall || !!limitId;
    return html`<button type="button" title=${callText.voiceCall} ?disabled=${disabled} aria-describedby=${limitId ?? nothing}
        @click=${() => emit(this, 'tc-start-call', { video: false })}>${voiceIcon}<span class="sr-only">${callText.voiceCall}</span></button>
      <button type="button" title=${callText.videoCall} ?disabled=${disabled} aria-describedby=${limitId ?? nothing}
        @click=${() => emit(this, 'tc-start-call', { video: true })}>${videoIcon}<span class="sr-only">${callText.videoCall}</span></button>`;
  }

  private renderGroupHeader(c: ConversationView, group: GroupInfoView) {
    const others = group.members.filter((m) => !m.isSelf);
    const online = others.filter((m) => m.online).length;
    return html`<header class="group">
        <button type="button" class="back quiet phone-only" @click=${() => emit(this, 'tc-back')}>
          <span aria-hidden="true">←</span><span class="sr-only">${chatText.back}</span></button>
        <div class="who">
          <h2 tabindex="-1"><span class="name">${c.name}</span></h2>
          <div class="status-line">
            <span role="status" aria-label=${chatText.connection} class=${online ? 'online' : 'offline'}>${group.isMember
              ? groupText.membersOnline(online, others.length)
              : groupText.notMember}</span>
          </div>
        </div>
        <div class="actions">
          ${group.isMember && this.hasCallToJoin
            ? html`<button type="button" class="primary" ?disabled=${this.isInCall} @click=${() => emit(this, 'tc-join-call')}>${groupText.joinCall(this.callToJoinIsVideo)}</button>`
            : group.isMember && online > 0
              ? this.renderCallButtons(group.tooBigToCall ? 'call-limit' : undefined)
              : nothing}
          ${group.isMember && !group.isFull
            ? html`<button type="button" class="primary" @click=${() => emit(this, 'tc-invite-to-group', { conversationId: c.id })}>${groupText.inviteToGroup}</button>`
            : nothing}
          ${group.isMember
            ? html`<button type="button" @click=${() => emit(this, 'tc-leave-group', { conversationId: c.id })}>${groupText.leaveGroup}</button>`
            : nothing}
        </div>
      </header>
      <ul class="members" aria-label=${groupText.members}>
        ${group.members.map(
          (m) => html`<li>
            <span class="member-text"><span class="member-name">${m.name}${m.isSelf ? ` (${groupText.you})` : ''}</span>${m.isSelf
              ? nothing
              : html`, <span class=${m.online ? 'on' : ''}>${m.online ? groupText.online : m.via !== undefined ? groupText.via(m.via) : groupText.offline}</span>`}${m.addedByName && m.addedByName !== m.name
              ? html`, <span class="hint">${groupText.addedBy(m.addedByName)}</span>`
              : nothing}${m.verified
              ? html`, <span class="member-verified"><span aria-hidden="true">✓ </span>${groupText.verified}</span>`
              : nothing}${this.renderKeyWarning(m)}</span>
            ${m.isSelf || m.replacedKeyOf
              ? nothing
              : html`<button type="button" aria-label=${groupText.safetyNumberWith(m.name)}
                  @click=${() => emit(this, 'tc-member-safety-number', { conversationId: c.id, memberKey: m.key })}>${groupText.safetyNumber}</button>`}
            ${m.canRemove
              ? html`<button type="button" @click=${() => emit(this, 'tc-remove-member', { conversationId: c.id, memberKey: m.key })}>${groupText.remove(m.name)}</button>`
              : nothing}
          </li>`,
        )}
      </ul>
      ${group.isFull && group.isMember ? html`<p class="group-note">${groupText.full}</p>` : nothing}
      ${group.tooBigToCall && group.isMember && online > 0 ? html`<p class="group-note" id="call-limit">${groupText.callLimit(group.members.length)}</p>` : nothing}`;
  }

  /**
   * What the group says about a member's key (docs/groups.md): a key some contact left for a new device, always; a
   * contact that moved to this key, or a name a former member had with another key, until this key is verified.
   */
  private renderKeyWarning(m: GroupMemberInfo) {
    const text = m.replacedKeyOf
      ? groupText.replacedKey(m.name, m.replacedKeyOf.name, whenText(m.replacedKeyOf.changedAt))
      : m.verified
        ? undefined
        : m.keyChangedAt !== undefined
          ? groupText.keyChanged(m.name, whenText(m.keyChangedAt))
          : m.nameHadOtherKey
            ? groupText.nameHadOtherKey(m.name)
            : undefined;
    return text ? html`<span class="member-warning">${text}</span>` : nothing;
  }

  protected override render() {
    const c = this.conversation;
    if (!c) return nothing;
    if (c.group) return this.renderGroup(c, c.group);
    const open = this.open?.id === c.id ? this.open : undefined;
    const live = c.connection === 'online';
    const notice = this.notice;
    return html`
      <header>
        <button type="button" class="back quiet phone-only" @click=${() => emit(this, 'tc-back')}>
          <span aria-hidden="true">←</span>${this.unreadElsewhere > 0
            ? html`<span class="badge" aria-hidden="true">${this.unreadElsewhere > 99 ? '99+' : this.unreadElsewhere}</span>`
            : nothing}<span class="sr-only">${this.unreadElsewhere > 0 ? chatText.backUnread(this.unreadElsewhere) : chatText.back}</span></button>
        <div class="who">
          <h2 tabindex="-1"><span class="name">${c.name}</span>${c.verified
            ? html`<span class="verified"><span aria-hidden="true">✓</span> <span class="word">${chatText.verifiedMark}</span></span>`
            : nothing}</h2>
          <div class="status-line">
            <span role="status" aria-label=${chatText.connection} class=${live ? 'online' : c.connection}>${connectionStatusText(c, this.compact)}</span>
            ${live && c.path ? html`<span class="path" role="status" aria-label=${chatText.connectionPath}>${c.path}</span>` : nothing}
            ${c.waiting > 0 ? html`<span>${conversationText.waiting(c.waiting)}</span>` : nothing}
          </div>
        </div>
        <div class="actions">
          ${live ? this.renderCallButtons() : nothing}
          ${live
            ? html`<button type="button" class="disconnect" @click=${() => emit(this, 'tc-disconnect', { conversationId: c.id })}>${chatText.disconnect}</button>`
            : html`<button type="button" class=${c.closedByPeer || c.endCode ? 'primary' : ''}
                @click=${() => emit(this, 'tc-reconnect', { conversationId: c.id })}>${chatText.reconnect}</button>`}
          <button type="button" @click=${() => emit(this, 'tc-navigate', { view: 'contact' })}>
            ${infoIcon}<span class="sr-only">${chatText.details}</span></button>
        </div>
      </header>
      ${this.renderLookalike(c)}
      ${notice?.area === 'conversation' && (!notice.conversationId || notice.conversationId === c.id) ? html`<tc-inline-notice .notice=${notice} dismissible></tc-inline-notice>` : nothing}
      <tc-message-log .conversationId=${c.id} .messages=${open?.messages ?? noMessages} .transfers=${open ? this.transfers : noTransfers}
        ?hasOlder=${!!open?.hasOlder} ?hasNewer=${!!open?.hasNewer} .peerName=${c.name}></tc-message-log>
      <div class="bottom">
        <p class="typing" aria-live="polite">${c.typing ? conversationText.typing(c.name) : live ? '' : c.connection === 'relay' ? chatText.sentViaRelay : chatText.sentOnReconnect}</p>
        ${notice?.area === 'composer' ? html`<tc-inline-notice .notice=${notice} dismissible></tc-inline-notice>` : nothing}
        <tc-composer ?disabled=${!open}>${this.renderAttach(!open)}</tc-composer>
      </div>
      ${this.isDropTarget ? html`<div class="drop" aria-hidden="true">${fileText.dropHere(c.name)}</div>` : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-chat-screen': ChatScreen;
  }
}
