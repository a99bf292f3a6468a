// <tc-relay-settings>: Settings → Relays (docs/relays.md). The person's relay addresses, one a line (none by default:
// relays are strictly opt-in), what a relay learns in plain words, and a status per relay. The component keeps no
// protocol state: it shows `relays` and fires what the person typed.
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { RelayView } from '../app/app-state';
import { emit } from './events';
import { relayText } from './messages';
import { controlStyles } from './shared-styles';

/** @fires tc-save-relays - { text } (the box as typed) */
@customElement('tc-relay-settings')
export class RelaySettings extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: block; min-width: 0; }
      textarea { width: 100%; box-sizing: border-box; min-height: 4.5rem; font-family: monospace; }
      ul { padding-left: 1.25rem; margin: 0.25rem 0; }
      li { overflow-wrap: anywhere; }
      .status { font-weight: 600; }
    `,
  ];

  @property({ attribute: false }) relays: readonly RelayView[] = [];

  private save(): void {
    const box = this.renderRoot.querySelector('textarea');
    emit(this, 'tc-save-relays', { text: box?.value ?? '' });
  }

  protected override render() {
    return html`<section aria-labelledby="relays-heading">
      <h2 id="relays-heading">${relayText.heading}</h2>
      <p>${relayText.intro}</p>
      <p class="hint" id="relays-learn">${relayText.learns}</p>
      <label for="relay-addresses">${relayText.addresses}</label>
      <textarea id="relay-addresses" spellcheck="false" autocomplete="off" aria-describedby="relays-hint relays-learn"
        .value=${this.relays.map((r) => r.url).join('\n')}></textarea>
      <p class="hint" id="relays-hint">${relayText.addressesHint}</p>
      <button type="button" class="primary" @click=${() => this.save()}>${relayText.save}</button>
      ${this.relays.length
        ? html`<ul aria-label=${relayText.list}>
            ${this.relays.map((r) => html`<li>${r.url}: <span class="status">${relayText.status[r.status]}</span></li>`)}
          </ul>`
        : html`<p class="hint">${relayText.none}</p>`}
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-relay-settings': RelaySettings;
  }
}
