// <tc-install-advice>: on an iPhone's or iPad's Safari outside the Home Screen, the advice to add Tincan to the
// Home Screen (or the history may be erased after a week away: see storage-advice.ts), with the steps, and a
// reminder of the encrypted backup. Shown at first run and once there is history.
import { LitElement, css, html } from 'lit';
import { customElement } from 'lit/decorators.js';
import { homeScreenText } from './messages';
import { controlStyles } from './shared-styles';

@customElement('tc-install-advice')
export class InstallAdvice extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: block; }
      ol { margin: 0.25rem 0 0; padding-left: 1.4rem; }
    `,
  ];

  protected override render() {
    return html`<section class="card warning" aria-labelledby="install-heading">
      <h2 id="install-heading">${homeScreenText.heading}</h2>
      <p>${homeScreenText.body}</p>
      <ol>${homeScreenText.steps.map((step) => html`<li>${step}</li>`)}</ol>
      <p class="hint">${homeScreenText.backup}</p>
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-install-advice': InstallAdvice;
  }
}
