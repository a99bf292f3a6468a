// <tc-settings-panel>: which STUN/TURN servers Tincan uses, with each choice's privacy trade-off in one sentence.
// Renders `iceServers` (the saved ones, from the shell); fires tc-save-settings with the checked, canonical list.
// Parsing and checking live in net/ice-servers.ts; this file only shows them. Loaded lazily with the settings.
//
// Accessible names (the e2e tests use them): heading "Network settings"; radios "Same network only", "Anywhere (a
// STUN server)", "Anywhere, even through strict networks (STUN + TURN)" (the profile screen's words: "Same network
// only", "Anywhere"); textboxes "STUN server", "TURN server", "TURN username", "TURN password"; button
// "Save settings". A problem is shown under its field (role alert, tied by aria-describedby, aria-invalid).
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import {
  exampleStunUrl,
  formFromIceServers,
  parseIceSettingsForm,
  type IcePreset,
  type IceSettingsField,
  type IceSettingsForm,
} from '../net/ice-servers';
import type { ErrorCode } from '../errors';
import { emit } from './events';
import { errorMessages, networkText, turnFieldText } from './messages';
import { controlStyles } from './shared-styles';

const presets: readonly IcePreset[] = ['none', 'stun', 'stun-turn'];

/**
 * @fires tc-save-settings - { iceServers: one-URL RTCIceServer entries }
 */
@customElement('tc-settings-panel')
export class SettingsPanel extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: block; }
      fieldset { border: 1px solid var(--tc-border); border-radius: 12px; margin: 0.75rem 0; padding: 0.5rem; min-width: 0; }
      legend { font-weight: 600; padding: 0 0.25rem; }
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
  /** A save was asked for: "Saved" shows once the saved servers come back from the app (its write is done), never
   * before (a reload right after an early "Saved" lost the setting). */
  private savePending = false;
  /** Fields whose problem is shown: checked again on every keystroke so a fixed problem goes away at once. */
  private shownFields = new Set<IceSettingsField>();

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('iceServers')) return;
    if (this.savePending) {
      this.savePending = false;
      this.isSaved = true;
    }
    if (!this.isDirty) this.form = formFromIceServers(this.iceServers);
  }

  private edit(patch: Partial<IceSettingsForm>): void {
    this.form = { ...this.form, ...patch };
    this.isDirty = true;
    this.isSaved = false;
    this.savePending = false;
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
    this.form = formFromIceServers(iceServers);
    this.isDirty = false;
    this.isSaved = false;
    this.savePending = true;
    this.shownFields.clear();
    emit(this, 'tc-save-settings', { iceServers });
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
      ${problem ? html`<p class="problem" id="${field}-problem" role="alert">${field === 'turn' && problem === 'ICE_URL_MISSING' ? turnFieldText.missing : errorMessages[problem]}</p>` : nothing}
    </div>`;
  }

  protected override render() {
    const preset = this.form.preset;
    return html`
      <section aria-labelledby="network-heading">
        <h2 id="network-heading">${networkText.heading}</h2>
        <p class="hint">${networkText.intro}</p>
        <form novalidate @submit=${this.handleSave}>
          <fieldset>
            <legend>${networkText.legend}</legend>
            ${presets.map(
              (value) => html`<div class="choice">
                <input type="radio" name="preset" id="preset-${value}" value=${value} .checked=${preset === value}
                  aria-describedby="preset-${value}-hint" @change=${() => this.edit({ preset: value })} />
                <label for="preset-${value}">${networkText.presets[value].label}</label>
                <p class="hint" id="preset-${value}-hint">${networkText.presets[value].tradeOff}</p>
              </div>`,
            )}
          </fieldset>
          ${preset === 'none'
            ? nothing
            : this.renderField('stun', networkText.stunServer, {
                placeholder: 'stun:stun.example.org:3478',
                hint: `${networkText.stunHint(exampleStunUrl)}${preset === 'stun-turn' ? networkText.stunOptional : ''}`,
              })}
          ${preset === 'stun-turn'
            ? html`${this.renderField('turn', networkText.turnServer, { placeholder: 'turn:turn.example.org:3478', hint: networkText.turnHint })}
              ${this.renderField('username', networkText.turnUsername, { autocomplete: 'username' })}
              ${this.renderField('password', networkText.turnPassword, { type: 'password', autocomplete: 'current-password' })}`
            : nothing}
          <div class="row">
            <button type="submit" class="primary">${networkText.save}</button>
            <span role="status">${this.isSaved ? networkText.saved : ''}</span>
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
