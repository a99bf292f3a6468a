// <tc-chat-view>: the conversation (role log "Messages") and the composer (textbox "Message", button "Send").
// Peer text is only ever bound as text (Lit escapes it); nothing a peer sends becomes markup.
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { ChatMessage } from '../app/app-state';
import { maxMessageChars } from '../chat/frames';
import { emit } from './events';
import { controlStyles } from './shared-styles';

const stateLabel: Record<ChatMessage['state'], string> = { waiting: 'waiting', sent: 'sent', delivered: 'delivered' };
const typingRepeatMs = 2500;
/** One formatter for every time stamp: toLocaleTimeString builds a new one per call, which made long
 * conversations render slowly (bench/chat.mjs: a burst of 200 went from ~4.5 to ~18 messages/s with this). */
const timeFormat = new Intl.DateTimeFormat([], { hour: '2-digit', minute: '2-digit' });

@customElement('tc-chat-view')
export class ChatView extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: flex; flex-direction: column; min-height: 0; }
      .log {
        flex: 1; overflow-y: auto; padding: 0.5rem; display: flex; flex-direction: column; gap: 0.4rem;
        min-height: 12rem; border: 1px solid var(--tc-border); border-radius: 8px; background: var(--tc-field);
      }
      .msg { max-width: 85%; padding: 0.4rem 0.6rem; border-radius: 10px; overflow-wrap: anywhere; }
      .msg p { margin: 0; white-space: pre-wrap; }
      .in { align-self: flex-start; background: var(--tc-bubble-in); }
      .out { align-self: flex-end; background: var(--tc-bubble-out); }
      .meta { font-size: 0.75rem; opacity: 0.75; margin-top: 0.15rem; }
      .empty { opacity: 0.7; margin: auto; text-align: center; }
      form { display: flex; gap: 0.5rem; align-items: flex-end; margin-top: 0.5rem; }
      textarea { flex: 1; resize: none; max-height: 8rem; }
      .older { align-self: center; }
      .typing { min-height: 1.2rem; font-size: 0.85rem; opacity: 0.8; margin: 0.25rem 0 0; }
    `,
  ];

  @property({ attribute: false }) messages: ChatMessage[] = [];
  @property() peerName = '';
  @property({ type: Boolean }) peerTyping = false;
  @property({ type: Boolean }) connected = false;
  @property({ type: Boolean }) hasOlder = false;
  /** No conversation is open: the composer is disabled. */
  @property({ type: Boolean }) disabled = false;
  private keepScrollFrom?: number;
  @query('textarea') private field!: HTMLTextAreaElement;
  @query('.log') private log!: HTMLElement;
  private lastTypingSentAt = 0;

  private send(): void {
    const text = this.field.value;
    if (!text.trim()) return;
    emit(this, 'tc-send-message', text);
    this.field.value = '';
    this.lastTypingSentAt = 0;
    emit(this, 'tc-typing', false);
  }

  private handleKey(event: KeyboardEvent): void {
    // Enter sends; Shift+Enter adds a line. IME composition keeps its own Enter.
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.send();
    }
  }

  private handleInput(): void {
    const now = Date.now();
    if (this.field.value && now - this.lastTypingSentAt > typingRepeatMs) {
      this.lastTypingSentAt = now;
      emit(this, 'tc-typing', true);
    }
  }

  private loadOlder(): void {
    // Keep the view on the same message when older ones are put above it.
    this.keepScrollFrom = this.log.scrollHeight - this.log.scrollTop;
    emit(this, 'tc-load-older', undefined);
  }

  private handleScroll(): void {
    if (this.hasOlder && this.log.scrollTop < 40 && this.keepScrollFrom === undefined) this.loadOlder();
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (!changed.has('messages') || !this.log) return;
    const previous = changed.get('messages') as ChatMessage[] | undefined;
    if (this.keepScrollFrom !== undefined && previous && this.messages[0] !== previous[0]) {
      this.log.scrollTop = this.log.scrollHeight - this.keepScrollFrom;
      this.keepScrollFrom = undefined;
    } else {
      this.log.scrollTop = this.log.scrollHeight;
    }
  }

  protected override render() {
    const who = this.peerName || 'Your contact';
    return html`
      <div class="log" role="log" aria-label="Messages" aria-live="polite" tabindex="0" @scroll=${this.handleScroll}>
        ${this.hasOlder ? html`<button type="button" class="older" @click=${this.loadOlder}>Load older messages</button>` : nothing}
        ${this.messages.length === 0 ? html`<p class="empty">${this.disabled ? 'Connect to someone to start a conversation.' : 'No messages yet.'}</p>` : nothing}
        ${repeat(
          this.messages,
          (m) => m.id,
          (m) => html`<div class="msg ${m.direction}">
            <p>${m.text}</p>
            <div class="meta">
              ${m.direction === 'in' ? who : 'You'} · <time datetime=${new Date(m.sentAt).toISOString()}>${timeFormat.format(m.sentAt)}</time>
              ${m.direction === 'out' ? html` · <span class="state">${stateLabel[m.state]}</span>` : nothing}
            </div>
          </div>`,
        )}
      </div>
      <p class="typing" aria-live="polite">${this.peerTyping ? `${who} is typing…` : ''}</p>
      <form @submit=${(e: Event) => (e.preventDefault(), this.send())}>
        <textarea rows="2" aria-label="Message" maxlength=${maxMessageChars} enterkeyhint="send" ?disabled=${this.disabled}
          placeholder=${this.connected ? 'Write a message' : 'Write a message (sent when you reconnect)'}
          @keydown=${this.handleKey} @input=${this.handleInput}></textarea>
        <button type="submit" class="primary" ?disabled=${this.disabled}>Send</button>
      </form>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-chat-view': ChatView;
  }
}
