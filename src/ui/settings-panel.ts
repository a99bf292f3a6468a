// <tc-settings-panel>: which STUN/TURN servers Tincan uses, with each choice's privacy trade-off in one sentence.
// Renders `iceServers` (the saved ones, from the shell); fires tc-save-settings with the checked, canonical list.
// Parsing and checking live in net/ice-servers.ts; this file only shows them.
//
// Accessible names (the e2e tests use them): heading "Network settings"; radios "None — same network only",
// "STUN", "STUN + TURN"; textboxes "STUN server", "TURN server", "TURN username", "TURN password"; button
// "Save settings". A problem is shown under its field (role alert, tied by aria-describedby, aria-invalid).
//
// @fires tc-save-settings - CustomEvent<SaveSettingsDetail> ({ iceServers: one-URL RTCIceServer entries }), bubbles, composed.
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import {
  exampleStunUrl,
  formFromIceServers,
  parseIceSettingsForm,
  type IcePreset,
  type IceServerEntry,
  type IceSettingsField,
  type IceSettingsForm,
} from '../net/ice-servers';
import type { ErrorCode } from '../errors';
import { errorMessages } from './messages';
import { controlStyles } from './shared-styles';

/** One URL per entry, canonical and checked: a valid RTCIceServer[] and what the vault stores. */
export interface SaveSettingsDetail {
  iceServers: IceServerEntry[];
}

const presets: readonly { value: IcePreset; label: string; tradeOff: string }[] = [
  {
    value: 'none',
    label: 'None — same network only',
    tradeOff: 'No server learns anything about you, but you can only connect to people on your own network (same Wi-Fi).',
  },
  {
    value: 'stun',
    label: 'STUN',
    tradeOff: 'Connects across most networks; the STUN server learns your IP address, but never sees your messages.',
  },
  {
    value: 'stun-turn',
    label: 'STUN + TURN',
    tradeOff: 'Connects even through strict networks; the TURN server relays your encrypted messages and learns both of your IP addresses.',
  },
];

@customElement('tc-settings-panel')
export class SettingsPanel extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: block; }
      fieldset { border: 1px solid var(--tc-border); border-radius: 8px; margin: 0.75rem 0; padding: 0.5rem 0.75rem; }
      legend { font-weight: 600; padding: 0 0.25rem; }
      .choice { display: grid; grid-template-columns: auto 1fr; column-gap: 0.5rem; align-items: start; padding: 0.4rem 0; }
      .choice input { width: 1.25rem; height: 1.25rem; min-height: 0; margin: 0.15rem 0 0; accent-color: var(--tc-accent); }
      .choice label { margin: 0; }
      .choice .hint { grid-column: 2; margin: 0.1rem 0 0; }
      .field { margin-top: 0.75rem; }
      .field .hint { margin-top: 0.25rem; }
      .problem { color: var(--tc-error); font-weight: 600; margin: 0.25rem 0 0; }
      .problem:empty { display: none; }
      input[aria-invalid='true'] { border-color: var(--tc-error); }
    `,
  ];

  /** The saved servers. The form follows them until the person starts editing. */
  @property({ attribute: false }) iceServers: readonly RTCIceServer[] = [];
  @state() private form: IceSettingsForm = formFromIceServers([]);
  @state() private problems: Partial<Record<IceSettingsField, ErrorCode>> = {};
  @state() private isDirty = false;
  @state() private isSaved = false;
  /** Fields whose problem is shown: checked again on every keystroke so a fixed problem goes away at once. */
  private shownFields = new Set<IceSettingsField>();

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('iceServers') && !this.isDirty) this.form = formFromIceServers(this.iceServers);
  }

  private edit(patch: Partial<IceSettingsForm>): void {
    this.form = { ...this.form, ...patch };
    this.isDirty = true;
    this.isSaved = false;
    if (this.shownFields.size) this.check([...this.shownFields]);
  }

  /** Checks the form and shows the problems of these fields. */
  private check(fields: IceSettingsField[]): ReturnType<typeof parseIceSettingsForm> {
    const result = parseIceSettingsForm(this.form);
    for (const field of fields) this.shownFields.add(field);
    const shown: Partial<Record<IceSettingsField, ErrorCode>> = {};
    for (const field of this.shownFields) if (result.problems[field]) shown[field] = result.problems[field];
    this.problems = shown;
    return result;
  }

  private handleSave(event: Event): void {
    event.preventDefault();
    const result = this.check(['stun', 'turn', 'username', 'password']);
    const first = (['stun', 'turn', 'username', 'password'] as const).find((f) => result.problems[f]);
    if (first) {
      this.renderRoot.querySelector<HTMLInputElement>(`#${first}`)?.focus();
      return;
    }
    const iceServers = result.servers.map((s) => ({ ...s }));
    this.dispatchEvent(new CustomEvent<SaveSettingsDetail>('tc-save-settings', { detail: { iceServers }, bubbles: true, composed: true }));
    this.form = formFromIceServers(iceServers);
    this.isDirty = false;
    this.isSaved = true;
    this.shownFields.clear();
  }

  private renderField(field: IceSettingsField, label: string, options: { type?: string; hint?: string; autocomplete?: string; placeholder?: string } = {}) {
    const problem = this.problems[field];
    const describedBy = [options.hint ? `${field}-hint` : '', problem ? `${field}-problem` : ''].filter(Boolean).join(' ');
    return html`<div class="field">
      <label for=${field}>${label}</label>
      <input id=${field} name=${field} type=${options.type ?? 'text'} .value=${this.form[field]}
        autocomplete=${options.autocomplete ?? 'off'} autocapitalize="off" spellcheck="false"
        placeholder=${options.placeholder ?? ''} aria-invalid=${problem ? 'true' : 'false'}
        aria-describedby=${describedBy || nothing}
        @input=${(e: Event) => this.edit({ [field]: (e.target as HTMLInputElement).value })}
        @change=${() => this.check([field])} />
      ${options.hint ? html`<p class="hint" id="${field}-hint">${options.hint}</p>` : nothing}
      ${problem ? html`<p class="problem" id="${field}-problem" role="alert">${errorMessages[problem]}</p>` : nothing}
    </div>`;
  }

  protected override render() {
    const preset = this.form.preset;
    return html`
      <section aria-labelledby="network-heading">
        <h2 id="network-heading">Network settings</h2>
        <p class="hint">Tincan connects you straight to your contact. To find each other across different networks,
          you both need a server that you choose here; your messages stay end-to-end encrypted either way.</p>
        <form novalidate @submit=${this.handleSave}>
          <fieldset>
            <legend>Servers to use</legend>
            ${presets.map(
              (p) => html`<div class="choice">
                <input type="radio" name="preset" id="preset-${p.value}" value=${p.value} .checked=${preset === p.value}
                  aria-describedby="preset-${p.value}-hint" @change=${() => this.edit({ preset: p.value })} />
                <label for="preset-${p.value}">${p.label}</label>
                <p class="hint" id="preset-${p.value}-hint">${p.tradeOff}</p>
              </div>`,
            )}
          </fieldset>
          ${preset === 'none'
            ? nothing
            : this.renderField('stun', 'STUN server', {
                placeholder: 'stun:stun.example.org:3478',
                hint: `For example ${exampleStunUrl} (a free public server). Your contact should choose STUN too.${
                  preset === 'stun-turn' ? ' Optional when you have a TURN server.' : ''
                }`,
              })}
          ${preset === 'stun-turn'
            ? html`${this.renderField('turn', 'TURN server', {
                placeholder: 'turn:turn.example.org:3478',
                hint: 'From your TURN provider. Several addresses may be separated by commas.',
              })}
              ${this.renderField('username', 'TURN username', { autocomplete: 'username' })}
              ${this.renderField('password', 'TURN password', { type: 'password', autocomplete: 'current-password' })}`
            : nothing}
          <div class="row">
            <button type="submit" class="primary">Save settings</button>
            <span role="status">${this.isSaved ? 'Saved. New invites and answers use these servers.' : ''}</span>
          </div>
        </form>
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-settings-panel': SettingsPanel;
  }
}
