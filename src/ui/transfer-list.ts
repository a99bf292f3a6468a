// <tc-transfer-list>: the open conversation's file transfers (list "Files"), oldest first, between the messages and
// the message box: offers waiting for an answer, transfers moving, and finished ones until the person removes them.
// It scrolls on its own when there are many, and shows the newest when one is added.
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { FileTransferView } from '../app/app-state';
import { fileText } from './messages';
import { controlStyles } from './shared-styles';
import './transfer-card';

@customElement('tc-transfer-list')
export class TransferList extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: block; min-height: 0; }
      ul {
        list-style: none; margin: 0; padding: 0.4rem 0.5rem; display: flex; flex-direction: column; gap: 0.4rem;
        max-height: min(22rem, 40dvh); overflow-y: auto; overscroll-behavior: contain; border-top: 1px solid var(--tc-card-border);
      }
    `,
  ];

  @property({ attribute: false }) transfers: readonly FileTransferView[] = [];
  @property() peerName = '';
  @query('ul') private list?: HTMLUListElement;

  protected override updated(changed: PropertyValues<this>): void {
    const before = changed.get('transfers') as readonly FileTransferView[] | undefined;
    const list = this.list;
    if (list && this.transfers.length > (before?.length ?? 0)) list.scrollTop = list.scrollHeight;
  }

  protected override render() {
    if (!this.transfers.length) return nothing;
    return html`<ul aria-label=${fileText.list} tabindex="-1">
      ${repeat(
        this.transfers,
        (t) => t.fileId,
        (t) => html`<li><tc-transfer-card .transfer=${t} .peerName=${this.peerName}></tc-transfer-card></li>`,
      )}
    </ul>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-transfer-list': TransferList;
  }
}
