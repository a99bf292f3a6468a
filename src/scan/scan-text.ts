// What a scanned QR code must look like to be handed to the app: a bare Tincan code, or a Tincan link
// (`<page URL>#<CODE>`). The app's own decoder does the real checking (checksum, kind); this only keeps
// unrelated QR codes (a shop's URL, a Wi-Fi login) from reaching it.

const codeShape = /^[0-9A-Za-z]+$/;

/** True when the part after the last '#' (or the whole text without one) is letters and digits only. */
export function looksLikeTincanText(text: string): boolean {
  const trimmed = text.trim();
  const code = trimmed.slice(trimmed.lastIndexOf('#') + 1);
  return codeShape.test(code);
}
