// Codes in page links: linkForCode(pageUrl, code) -> `${page}#${code}`; codeFromFragment(hash) -> the code, none,
// or the coded error that says why not. It never throws, whatever the fragment holds.
//
// The code travels in the fragment because a browser never sends the fragment to the host. A fragment comes
// from anyone who can make a link, so it is hostile input: it may be huge (a 1 MB fragment), hold broken
// percent-escapes (`#%`, `#%E0%A4%A`, on which decodeURIComponent throws), or be built to make normalisation slow
// (200k quotes). codeFromFragment bounds it first (maxPastedChars, before decoding anything), decodes the
// percent-escapes a browser or a chat app may have added (a quote as %22, a space as %20), and then takes the
// code exactly as a paste would be taken (normalizeCode, decodeCode), so a link gives the same result and the
// same error as pasting it.
import { type ErrorCode, isTincanError } from '../errors';
import { type DecodedCode, decodeCode, maxPastedChars, normalizeCode } from './invite-code';

export type FragmentCode =
  /** No fragment, or nothing in it once normalised ("#", "#%20"): nothing to do. */
  | { readonly kind: 'none' }
  /** A code that decodes: `code` is its canonical text (what to hand on), `decoded` what it holds. */
  | { readonly kind: 'code'; readonly code: string; readonly decoded: DecodedCode }
  /** Not a usable code: the reason, as for a pasted code (CODE_NOT_TINCAN, CODE_TOO_LONG, CODE_CHECKSUM, ...). */
  | { readonly kind: 'error'; readonly error: ErrorCode };

/**
 * The code in a link's fragment. Takes `location.hash` (with or without its leading '#') or a whole link.
 * Never throws: anything that is not a usable code comes back as `{ kind: 'error' }` with the code decodeCode
 * would have thrown for it, or CODE_NOT_TINCAN for percent-escapes that are not UTF-8.
 */
export function codeFromFragment(hash: string): FragmentCode {
  if (hash.length > maxPastedChars) return { kind: 'error', error: 'CODE_TOO_LONG' };
  let text: string;
  try {
    text = decodeURIComponent(hash);
  } catch (error) {
    if (error instanceof URIError) return { kind: 'error', error: 'CODE_NOT_TINCAN' };
    throw error;
  }
  try {
    const code = normalizeCode(text);
    if (code === '') return { kind: 'none' };
    return { kind: 'code', code, decoded: decodeCode(code) };
  } catch (error) {
    if (isTincanError(error)) return { kind: 'error', error: error.code };
    throw error;
  }
}

/**
 * The link that opens `pageUrl` with `code` (encodeCode's text, which needs no escaping) in its fragment; any
 * fragment pageUrl already has is replaced.
 */
export function linkForCode(pageUrl: string, code: string): string {
  const hash = pageUrl.indexOf('#');
  return `${hash < 0 ? pageUrl : pageUrl.slice(0, hash)}#${code}`;
}
