// <tc-conversation-list>: every contact with its last message and unread count; picking one opens it.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { ContactView } from '../app/app-state';
import { controlStyles } from './shared-styles';

@customElement('tc-conversation-list')
export class ConversationList extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: block; }
      ul { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 0.25rem; }
      button.item {
        width: 100%; text-align: left; display: grid; grid-template-columns: 1fr auto; gap: 0.1rem 0.5rem;
        padding: 0.5rem 0.75rem; min-height: 52px;
      }
      button.item[aria-current='true'] { border-color: var(--tc-accent); border-width: 2px; }
      .name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
      .last { grid-column: 1 / -1; font-size: 0.85rem; opacity: 0.8; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
      .unread { background: var(--tc-accent); color: var(--tc-on-accent); border-radius: 999px; padding: 0 0.5rem; font-size: 0.8rem; }
      .tag { font-size: 0.8rem; }
    `,
  ];

  @property({ attribute: false }) contacts: ContactView[] = [];
  @property() activeId = '';

  protected override render() {
    if (!this.contacts.length) return html`<p class="hint">Your conversations will be listed here.</p>`;
    return html`
      <ul aria-label="Conversations">
        ${this.contacts.map(
          (c) => html`<li>
            <button type="button" class="item" aria-current=${c.id === this.activeId ? 'true' : 'false'}
              aria-label=${`${c.name}${c.unread ? `, ${c.unread} unread` : ''}${c.online ? ', online' : ''}`}
              @click=${() => this.dispatchEvent(new CustomEvent('tc-select-contact', { detail: c.id, bubbles: true, composed: true }))}>
              <span class="name">${c.online ? '● ' : ''}${c.name}${c.verified ? html` <span class="tag">✓ verified</span>` : nothing}${c.keyChangePending
                ? html` <span class="tag">⚠ key changed</span>`
                : nothing}</span>
              ${c.unread ? html`<span class="unread">${c.unread}</span>` : html`<span></span>`}
              <span class="last">${c.lastText ?? ''}</span>
            </button>
          </li>`,
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
