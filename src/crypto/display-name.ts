// Display names as they go on the wire and into the store. Its own module so that the first screen (creating a
// profile) does not load the handshake with it.

/** Most code points in a display name. */
export const maxDisplayNameChars = 64;

/** Display names as they go on the wire: NFC, control characters dropped, trimmed, cut to 64 code points. */
export function normalizeDisplayName(name: string): string {
  const cleaned = name.normalize('NFC').replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim();
  return Array.from(cleaned).slice(0, maxDisplayNameChars).join('');
}
