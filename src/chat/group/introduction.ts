// Introductions: how two members of a group who have no link yet make one through a member connected to both
// (docs/groups.md). The lower identity key (base64url, code-unit order) offers: an ordinary invite code (its DTLS
// fingerprint and candidates); the other answers with an ordinary answer code. Both travel as `intro` frames over
// the sealed sessions through the member in the middle, each SIGNED by its author's identity key, so the middle
// member cannot swap a fingerprint and sit inside the new link: a changed byte fails the signature, the pair does
// not connect, and the one who found it says so to the other (a signed `refused`, through the same member). A
// middle with no link to the member an offer is for says so at once (`unreachable`), so the offer goes another way.
//
// Signed bytes = "tincan/intro/v1" 0x00 conversation 0x00 from 0x00 to 0x00 kind 0x00 code 0x00 name
// (the code is Crockford base32 and the name has no 0x00: frames.ts and this module check both).
import { fromBase64Url, toBase64Url, utf8 } from '../../crypto/bytes';
import type { Identity } from '../../crypto/identity';
import type { Sodium } from '../../crypto/sodium';

/** Longest code an introduction carries (an invite with several candidates is about 120 characters). */
export const maxIntroCodeChars = 512;
const introDomain = 'tincan/intro/v1';

/** `unreachable`: from the member in the middle, which has no link to the member the offer is for (`code` holds
 * that member's key): the offerer tries through another member. */
export type IntroductionKind = 'offer' | 'answer' | 'refused' | 'unreachable';

export interface Introduction {
  /** The group's wire id. */
  readonly conversation: string;
  /** The author's identity key. */
  readonly from: string;
  /** The identity key of the member it is for. */
  readonly to: string;
  readonly kind: IntroductionKind;
  /** The invite code (offer), the answer code (answer), '' (refused), the key it could not reach (unreachable). */
  readonly code: string;
  /** The author's name. */
  readonly name: string;
  readonly sig: string;
}

function signedBytes(i: Omit<Introduction, 'sig'>): Uint8Array {
  return utf8([introDomain, i.conversation, i.from, i.to, i.kind, i.code, i.name].join('\u0000'));
}

export function signIntroduction(sodium: Sodium, identity: Identity, fields: Omit<Introduction, 'from' | 'sig'>): Introduction {
  const unsigned = { ...fields, from: toBase64Url(identity.publicKey) };
  return { ...unsigned, sig: toBase64Url(sodium.crypto_sign_detached(signedBytes(unsigned), identity.secretKey)) };
}

/** Whether `from` signed this introduction as it is (a swapped fingerprint or any other change: false). */
export function verifyIntroduction(sodium: Sodium, intro: Introduction): boolean {
  if (intro.name.includes('\u0000') || intro.code.includes('\u0000')) return false;
  try {
    return sodium.crypto_sign_verify_detached(fromBase64Url(intro.sig), signedBytes(intro), fromBase64Url(intro.from));
  } catch {
    return false;
  }
}

/** Which of two members offers: the lower identity key. */
export function offersTo(ownKey: string, otherKey: string): boolean {
  return ownKey < otherKey;
}
