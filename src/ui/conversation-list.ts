// <tc-conversation-list>: the list "Conversations": one button per conversation, newest activity first. Each
// button's accessible name starts with the contact's name, then what is new (unread count, typing, connection,
// messages waiting to be sent), then the last message, so a screen reader user hears the name first (UI contract,
// issue 9). The name comes from the button's own text (visually hidden where the screen shows marks instead), so
// what is seen and what is read agree.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { guard } from 'lit/directives/guard.js';
import { repeat } from 'lit/directives/repeat.js';
import type { ConversationView } from '../app/app-state';
import { emit } from './events';
import { connectionText, conversationText, homeText } from './messages';
import { controlStyles } from './shared-styles';

/** What a conversation's button says besides the name (read after it; the screen shows it as marks). */
export function conversationStateText(c: ConversationView): string {
  const parts: string[] = [];
  if (c.unread > 0) parts.push(conversationText.unread(c.unread));
  if (c.lookalikeOf) parts.push(conversationText.lookalike);
  if (c.verified) parts.push(conversationText.verified);
  parts.push(c.typing ? conversationText.typing(c.group?.typingName ?? c.name) : connectionText[c.connection]);
  if (c.waiting > 0) parts.push(conversationText.waiting(c.waiting));
  return parts.join(', ');
}

/** The accessible name of a conversation's button: the name first, then its state, then the last message. */
export function conversationLabel(c: ConversationView): string {
  return [c.name, conversationStateText(c), c.typing ? '' : lastTextOf(c)].filter(Boolean).join(', ');
}

function lastTextOf(c: ConversationView): string {
  return typeof c.lastText === 'string' ? c.lastText.slice(0, 200) : '';
}

/**
 * @fires tc-select-conversation - { conversationId }
 */
@customElement('tc-conversation-list')
export class ConversationList extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: block; }
      ul { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 0.35rem; }
      button.item {
        width: 100%; display: grid; grid-template-columns: auto minmax(0, 1fr) auto; grid-template-rows: auto auto;
        gap: 0.1rem 0.6rem; align-items: center; text-align: left; justify-content: stretch;
        padding: 0.55rem 0.75rem; min-height: 60px; border-radius: 12px; background: var(--tc-card); border-color: var(--tc-card-border);
      }
      button.item[aria-current='true'] { border: 2px solid var(--tc-accent); }
      .dot { grid-row: 1 / 3; width: 0.7rem; height: 0.7rem; border-radius: 50%; border: 2px solid var(--tc-muted); }
      .dot.online { background: var(--tc-ok); border-color: var(--tc-ok); }
      .dot.connecting, .dot.relay { border-color: var(--tc-accent); }
      .name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
      .marks { font-weight: 500; font-size: 0.85rem; }
      .mark-ok { color: var(--tc-ok-text); }
      .mark-warn { color: var(--tc-warn-text); }
      .last { grid-column: 2 / 4; font-size: 0.88rem; color: var(--tc-muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
      .unread {
        background: var(--tc-accent); color: var(--tc-on-accent); border-radius: 999px; padding: 0.05rem 0.5rem;
        font-size: 0.8rem; font-weight: 700; min-width: 1.5rem; text-align: center;
      }
      .waiting { color: var(--tc-warn-text); }
    `,
  ];

  @property({ attribute: false }) conversations: readonly ConversationView[] = [];
  @property() activeId = '';

  /** Puts the focus on a conversation's button (back from that conversation on a phone). */
  focusConversation(conversationId: string): boolean {
    const button = [...this.renderRoot.querySelectorAll<HTMLButtonElement>('button.item')].find((b) => b.dataset['id'] === conversationId);
    button?.focus();
    return !!button;
  }

  private renderSecondLine(c: ConversationView) {
    // Typing and waiting are in the state text already: shown here, not read twice.
    if (c.typing) return html`<span aria-hidden="true">${conversationText.typing(c.group?.typingName ?? c.name)}</span>`;
    const last = lastTextOf(c);
    const waiting = c.waiting > 0 ? html`<span aria-hidden="true">${conversationText.waiting(c.waiting)}${last ? ' · ' : ''}</span>` : nothing;
    // Offline (or via relay) is said in words too, not by a hollow dot alone (read in the state text already).
    const offline = c.connection === 'offline' || c.connection === 'relay'
      ? html`<span aria-hidden="true">${connectionText[c.connection]}${c.waiting > 0 || last ? ' · ' : ''}</span>`
      : nothing;
    return html`${offline}${waiting}${last ? html`<span class="sr-only">, </span>${last}` : nothing}`;
  }

  protected override render() {
    return html`
      <ul aria-label=${homeText.listHeading}>
        ${repeat(
          this.conversations,
          // Keyed: when a new message moves a conversation up, its button moves with it. Unkeyed, the focused button
          // would start naming another contact, and Enter (or a click already under way) would open that one.
          (c) => c.id,
          // An entry renders again only when its view changes (the app keeps the others' objects: issue 17).
          (c) => guard([c, c.id === this.activeId], () => html`<li>
            <button type="button" class="item" data-id=${c.id} aria-current=${c.id === this.activeId ? 'true' : 'false'}
              @click=${() => emit(this, 'tc-select-conversation', { conversationId: c.id })}>
              <span class="dot ${c.connection}" aria-hidden="true"></span>
              <span class="name">${c.name}<span class="sr-only">, ${conversationStateText(c)}</span>
                ${c.verified ? html`<span class="marks mark-ok" aria-hidden="true">✓ ${conversationText.verified}</span>` : nothing}
                ${c.lookalikeOf ? html`<span class="marks mark-warn" aria-hidden="true">⚠</span>` : nothing}</span>
              ${c.unread > 0 ? html`<span class="unread" aria-hidden="true">${c.unread > 99 ? '99+' : c.unread}</span>` : html`<span></span>`}
              <span class="last ${c.waiting > 0 ? 'waiting' : ''}">${this.renderSecondLine(c)}</span>
            </button>
          </li>`),
        )}
      </ul>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-conversation-list': ConversationList;
  }
}
