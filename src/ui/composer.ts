// <tc-composer>: the message box (textbox "Message") and "Send", pinned under the log. Enter sends, Shift+Enter
// starts a new line, an input method's own Enter is left alone. Tells the shell whenever the text changes (the app
// decides which changes the contact hears of: app/typing-signal.ts). The slot "attach" holds the "Attach file" control (tc-chat-screen); a file or
// picture pasted into the message box is sent as a file (issue 12).
import { LitElement, css, html } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import { maxMessageChars } from '../chat/frames';
import { emit } from './events';
import { chatText } from './messages';
import { controlStyles } from './shared-styles';

/**
 * The box grows with its text by CSS alone where the browser can (`field-sizing: content`: no layout is read per
 * keystroke or per send). Firefox has no field-sizing yet (https://bugzilla.mozilla.org/show_bug.cgi?id=1832409):
 * there the box is measured as the person types and set back to one line after a send without measuring.
 */
const sizesByCss = typeof CSS !== 'undefined' && CSS.supports('field-sizing', 'content');

/**
 * @fires tc-send-message - { text }
 * @fires tc-typing - { active } the person changed the text; active: the box holds some
 * @fires tc-send-files - { files } pasted into the message box (text pastes as text)
 * @slot attach - a button placed before the message box
 */
@customElement('tc-composer')
export class Composer extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: block; }
      form { display: flex; gap: 0.5rem; align-items: flex-end; }
      textarea { flex: 1; min-width: 0; resize: none; max-height: 9rem; border-radius: 22px; padding: 0.6rem 0.9rem; field-sizing: content; }
      /* Empty: one line (rows="1"), however long the placeholder; it would otherwise size the box. */
      textarea:placeholder-shown { field-sizing: fixed; }
      button[type='submit'] { border-radius: 22px; }
    `,
  ];

  @property({ type: Boolean }) disabled = false;
  @query('textarea') private field?: HTMLTextAreaElement;

  focusInput(): void {
    this.field?.focus();
  }

  private send(): void {
    const field = this.field;
    if (!field || !field.value.trim()) return;
    emit(this, 'tc-send-message', { text: field.value });
    field.value = '';
    // Back to one line (rows="1"); setting a style reads no layout.
    if (!sizesByCss) field.style.height = '';
  }

  private handleKey(event: KeyboardEvent): void {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.send();
    }
  }

  private handleInput(): void {
    if (!sizesByCss) this.fitHeight();
    emit(this, 'tc-typing', { active: !!this.field?.value });
  }

  private handlePaste(event: ClipboardEvent): void {
    const files = [...(event.clipboardData?.files ?? [])];
    if (!files.length) return;
    event.preventDefault();
    emit(this, 'tc-send-files', { files });
  }

  /** Without field-sizing: the box grows with its text up to its maximum height (then it scrolls). Reads layout. */
  private fitHeight(): void {
    const field = this.field;
    if (!field) return;
    field.style.height = 'auto';
    field.style.height = `${field.scrollHeight + 2}px`;
  }

  protected override render() {
    return html`<form @submit=${(e: Event) => (e.preventDefault(), this.send())}>
      <slot name="attach"></slot>
      <textarea rows="1" aria-label=${chatText.message} maxlength=${maxMessageChars} enterkeyhint="send" ?disabled=${this.disabled}
        placeholder=${chatText.placeholder}
        @keydown=${this.handleKey} @input=${this.handleInput} @paste=${this.handlePaste}></textarea>
      <button type="submit" class="primary" ?disabled=${this.disabled}>${chatText.send}</button>
    </form>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-composer': Composer;
  }
}
