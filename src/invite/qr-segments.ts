// How a Tincan link is drawn as a QR code (the page's <tc-qr-code> and the terminal's): two segments, byte mode for
// the page URL and alphanumeric mode for the code, which QR encodes at 5.5 bits a character instead of 8.
export interface QrSegment {
  readonly data: Uint8Array | string;
  readonly mode: 'byte' | 'alphanumeric';
}

const alphanumeric = /^[0-9A-Z $%*+\-./:]+$/;

export function qrSegments(text: string): QrSegment[] {
  const hash = text.lastIndexOf('#');
  const code = text.slice(hash + 1);
  if (hash >= 0 && alphanumeric.test(code)) {
    return [
      { data: new TextEncoder().encode(text.slice(0, hash + 1)), mode: 'byte' },
      { data: code, mode: 'alphanumeric' },
    ];
  }
  return alphanumeric.test(text) ? [{ data: text, mode: 'alphanumeric' }] : [{ data: new TextEncoder().encode(text), mode: 'byte' }];
}
