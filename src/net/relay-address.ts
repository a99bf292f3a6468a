// Which relay addresses this device may use, checked without loading the relay client (frames and the settings
// form need it): wss:// anywhere; ws:// only to this machine's loopback, which is where the tests run their relay
// (docs/relays.md). A relay address is at most 200 characters and carries no user, password or fragment.
export const maxRelayAddressChars = 200;
/** Relays one person lists (theirs, and what a contact may hand over). */
export const maxRelays = 8;

export function isRelayAddress(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > maxRelayAddressChars) return false;
  const match = /^(wss?):\/\/([^/?#@\s]+)(\/[^#\s]*)?$/i.exec(value);
  if (!match) return false;
  const host = match[2]!.toLowerCase().replace(/:\d{1,5}$/, '');
  if (match[1]!.toLowerCase() === 'wss') return host.length > 0;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}

/**
 * A relay named in an invite (untrusted: whoever made the code chose it), which the invitee's page contacts: as
 * isRelayAddress, but a wss:// host must be a public-looking name, never an IP literal, `localhost`, a name with no
 * dot, or a local-only suffix, so an invite cannot point the page at a device of its own network. ws:// to loopback
 * stays allowed only because the tests run their relay there (docs/relays.md says what that still allows).
 */
export function isInviteRelayAddress(value: unknown): value is string {
  if (!isRelayAddress(value)) return false;
  const match = /^(wss?):\/\/([^/?#@\s]+)/i.exec(value)!;
  if (match[1]!.toLowerCase() === 'ws') return true;
  const host = match[2]!.toLowerCase().replace(/:\d{1,5}$/, '').replace(/\.$/, '');
  if (host.startsWith('[') || /^[\d.]+$/.test(host) || /^0x/.test(host)) return false;
  if (!host.includes('.') || /^[\d]+$/.test(host.split('.').pop()!)) return false;
  return !/(^|\.)(localhost|local|internal|lan|home|arpa|intranet|corp|localdomain|home\.arpa)$/.test(host);
}

/** The addresses in a text (one a line, blanks skipped, duplicates once); `bad` holds lines that are not addresses. */
export function parseRelayList(text: string): { readonly relays: readonly string[]; readonly bad: readonly string[] } {
  const relays: string[] = [];
  const bad: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const value = line.trim();
    if (!value) continue;
    if (!isRelayAddress(value)) bad.push(value);
    else if (!relays.includes(value)) relays.push(value);
  }
  return { relays, bad };
}
