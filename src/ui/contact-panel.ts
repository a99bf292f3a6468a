// <tc-contact-panel>: who this conversation is with, whether that is proven (safety number, verified mark),
// a key-change warning that pauses sending until accepted, and the conversation's own actions.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { ContactView } from '../app/app-state';
import { controlStyles } from './shared-styles';
import './qr-code';

function lastSeenText(at: number): string {
  const date = new Date(at);
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay
    ? `at ${date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`
    : `on ${date.toLocaleDateString([], { day: 'numeric', month: 'short' })}`;
}

@customElement('tc-contact-panel')
export class ContactPanel extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: block; }
      .head { display: flex; align-items: center; justify-content: space-between; gap: 0.5rem; flex-wrap: wrap; }
      h2 { margin: 0; overflow-wrap: anywhere; }
      .verified { color: var(--tc-ok); font-weight: 600; }
      .keychange { border: 2px solid var(--tc-error); background: var(--tc-error-bg); border-radius: 8px; padding: 0.75rem; margin: 0.5rem 0; }
      .digits { font: 1.1rem/1.6 ui-monospace, monospace; display: grid; grid-template-columns: repeat(4, auto); gap: 0 1rem; justify-content: start; margin: 0.5rem 0; }
      tc-qr-code { max-width: 200px; }
      section { margin-top: 0.5rem; }
    `,
  ];

  @property({ attribute: false }) contact?: ContactView;
  @property({ attribute: false }) safetyNumber?: string[];
  @property() path = '';
  @state() private isVerifyOpen = false;
  @state() private isOptionsOpen = false;

  private fire(type: string, detail?: unknown): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  protected override render() {
    const c = this.contact;
    if (!c) return nothing;
    const number = this.safetyNumber ?? [];
    return html`
      <div class="head">
        <h2>${c.name}</h2>
        <span>${c.verified ? html`<span class="verified">✓ Verified</span>` : 'Not verified'} · ${c.online ? `online${this.path ? `, ${this.path}` : ''}` : `last seen ${lastSeenText(c.lastSeen)}`}</span>
      </div>
      ${c.keyChangePending
        ? html`<div class="keychange" role="alert">
            <strong>${c.name}'s identity key has changed.</strong> It may be a new device or browser, or someone pretending to
            be ${c.name}. Compare the new safety number in person or on a call before you continue. Sending is paused.
            <div class="row">
              <button type="button" @click=${() => this.fire('tc-acknowledge-key')}>Accept new key</button>
            </div>
          </div>`
        : nothing}
      <div class="row">
        <button type="button" aria-expanded=${this.isVerifyOpen} @click=${() => (this.isVerifyOpen = !this.isVerifyOpen)}>Safety number</button>
        <button type="button" aria-expanded=${this.isOptionsOpen} @click=${() => (this.isOptionsOpen = !this.isOptionsOpen)}>Conversation options</button>
      </div>
      ${this.isVerifyOpen
        ? html`<section role="region" aria-label="Safety number">
            <p>Compare these numbers with ${c.name}'s screen, in person or on a call. If they match, nobody is in the middle.</p>
            <div class="digits">${number.map((group) => html`<span>${group}</span>`)}</div>
            <tc-qr-code .text=${number.join('')} label="Safety number QR code"></tc-qr-code>
            <p class="hint">Or scan ${c.name}'s safety number QR code with "Scan QR code".</p>
            <div class="row">
              ${c.verified
                ? html`<button type="button" @click=${() => this.fire('tc-set-verified', false)}>Clear verification</button>`
                : html`<button type="button" class="primary" @click=${() => this.fire('tc-set-verified', true)}>Mark as verified</button>`}
            </div>
          </section>`
        : nothing}
      ${this.isOptionsOpen
        ? html`<div class="row">
            <button type="button" @click=${() => this.fire('tc-export-transcript', 'markdown')}>Export transcript</button>
            <button type="button" @click=${() => this.fire('tc-delete-conversation', c.id)}>Delete conversation</button>
          </div>`
        : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-contact-panel': ContactPanel;
  }
}
