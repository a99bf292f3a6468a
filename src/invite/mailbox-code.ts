// The mailbox code: what a page needs to dial a Tincan mailbox with no signaling (docs/mailbox.md §2) and to know
// it reached the right one. Pure, no DOM, no I/O; untrusted input, so decoding throws only TincanError.
//
// Layout (bits, most significant first)
//   5    magic 20: the text starts with "M" (an invite or answer code starts with 4..7)
//   3    version (mailboxCodeVersion = 1); a larger one -> MAILBOX_CODE_NEWER
//   1    address family: 0 IPv4 (32 bits follow), 1 IPv6 (128)
//   1    claim: whether a claim secret follows the key
//   32|128  address      16  UDP port (1..65535)
//   256  the listener's DTLS certificate fingerprint (SHA-256): the page's DTLS checks it
//   256  the mailbox's Ed25519 identity key: its signed Hello must name it
//   128  claim secret (only in the code the mailbox prints for its owner; the first page to present it becomes the
//        owner). The codes the owner's page hands to contacts never carry it.
//   0-4  zero padding to a whole character, then a CRC-16 (bit-stream.ts crc16) over everything before it
// Text: Crockford base32 upper case, 118 characters for IPv4 without a claim, 143 with one. Link:
// `<page>#mailbox=<code>`; mailboxCodeFromText takes either, and whatever a paste adds around the code.
import { TincanError } from '../errors';
import { addressProblem, formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './address';
import { BitReader, BitWriter, crc16, EndOfBits } from './bit-stream';
import { bitsToCrockford, crockfordAlphabet, crockfordToBits, decodeCode, maxPastedChars } from './invite-code';

export interface MailboxCode {
  readonly address: string;
  readonly port: number;
  readonly fingerprint: Uint8Array;
  readonly identityKey: Uint8Array;
  /** Only in the owner's code. */
  readonly claim?: Uint8Array;
}

export const mailboxCodeVersion = 1;
export const mailboxClaimBytes = 16;
export const mailboxLinkPrefix = 'mailbox=';
const magic = 20; // "M"
const bitsPerChar = 5;
const checksumBits = 16;
const keyBytes = 32;
const fixedBits = 5 + 3 + 1 + 1 + 16 + 2 * keyBytes * 8;
const minChars = Math.ceil((fixedBits + 32 + checksumBits) / bitsPerChar);
const maxChars = Math.ceil((fixedBits + 128 + mailboxClaimBytes * 8 + checksumBits) / bitsPerChar);

function checkFields(code: MailboxCode): void {
  const problem = addressProblem(code.address);
  // A mailbox on the reader's own machine (127.0.0.1) is fine; addresses that reach no device are not.
  if (problem && problem !== 'loopback') throw new TincanError('MAILBOX_CODE_ADDRESS', `${problem} ${code.address}`);
  if (!Number.isInteger(code.port) || code.port < 1 || code.port > 65_535) throw new TincanError('MAILBOX_CODE_ADDRESS', `port ${code.port}`);
}

/** The text of a mailbox code. Throws MAILBOX_CODE_ADDRESS for an address no page can dial. */
export function encodeMailboxCode(code: MailboxCode): string {
  checkFields(code);
  const v4 = parseIPv4(code.address);
  const v6 = v4 ? undefined : parseIPv6(code.address);
  if (!v4 && !v6) throw new TincanError('MAILBOX_CODE_ADDRESS', code.address);
  if (code.fingerprint.length !== keyBytes || code.identityKey.length !== keyBytes) throw new TypeError('fingerprint and key are 32 bytes');
  if (code.claim && code.claim.length !== mailboxClaimBytes) throw new TypeError(`a claim is ${mailboxClaimBytes} bytes`);
  const writer = new BitWriter();
  writer.write(magic, 5);
  writer.write(mailboxCodeVersion, 3);
  writer.write(v4 ? 0 : 1, 1);
  writer.write(code.claim ? 1 : 0, 1);
  writer.writeBytes(v4 ?? v6!);
  writer.write(code.port, 16);
  writer.writeBytes(code.fingerprint);
  writer.writeBytes(code.identityKey);
  if (code.claim) writer.writeBytes(code.claim);
  writer.write(0, (bitsPerChar - ((writer.length + checksumBits) % bitsPerChar)) % bitsPerChar);
  writer.write(crc16(writer.bits), checksumBits);
  return bitsToCrockford(writer.bits);
}

/** The link that opens `pageUrl` with the mailbox code in its fragment. */
export function mailboxLink(pageUrl: string, code: string): string {
  const hash = pageUrl.indexOf('#');
  return `${hash < 0 ? pageUrl : pageUrl.slice(0, hash)}#${mailboxLinkPrefix}${code}`;
}

/** The canonical code in a paste: the link's fragment or the bare text, separators and case forgiven. */
function normalize(text: string): string {
  if (text.length > maxPastedChars) throw new TincanError('MAILBOX_CODE_INVALID', `${text.length} characters pasted`);
  let code = text.trim();
  const hash = code.lastIndexOf('#');
  if (hash >= 0) code = code.slice(hash + 1);
  if (code.toLowerCase().startsWith(mailboxLinkPrefix)) code = code.slice(mailboxLinkPrefix.length);
  return code
    .replace(/[\s\-\u00ad\u200b-\u200d\u2060\ufeff"'`<>().,;]+/g, '')
    .toUpperCase()
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');
}

/**
 * What a pasted mailbox code (text or link) holds. Throws TincanError: MAILBOX_CODE_EMPTY, MAILBOX_CODE_IS_INVITE (an
 * invite or answer code pasted here), MAILBOX_CODE_INVALID (not a mailbox code), MAILBOX_CODE_CHECKSUM (cut off or
 * mistyped), MAILBOX_CODE_NEWER, MAILBOX_CODE_ADDRESS (an address no page can dial).
 */
export function decodeMailboxCode(text: string): MailboxCode {
  const code = normalize(text);
  if (code === '') throw new TincanError('MAILBOX_CODE_EMPTY');
  if ([...code].some((char) => !crockfordAlphabet.includes(char))) throw new TincanError('MAILBOX_CODE_INVALID', 'characters');
  if (!code.startsWith('M')) {
    if (isInviteCode(text)) throw new TincanError('MAILBOX_CODE_IS_INVITE');
    throw new TincanError('MAILBOX_CODE_INVALID', 'does not start like a mailbox code');
  }
  if (code.length > maxChars) throw new TincanError('MAILBOX_CODE_INVALID', `${code.length} characters`);
  if (code.length < minChars) throw new TincanError('MAILBOX_CODE_CHECKSUM', `only ${code.length} characters`);
  const bits = crockfordToBits(code);
  const checksumAt = bits.length - checksumBits;
  if (new BitReader(bits.slice(checksumAt)).read(checksumBits) !== crc16(bits, checksumAt)) throw new TincanError('MAILBOX_CODE_CHECKSUM');
  const reader = new BitReader(bits, checksumAt);
  try {
    reader.read(5);
    const version = reader.read(3);
    if (version > mailboxCodeVersion) throw new TincanError('MAILBOX_CODE_NEWER', `version ${version}`);
    if (version !== mailboxCodeVersion) throw new TincanError('MAILBOX_CODE_INVALID', `version ${version}`);
    const isV6 = reader.read(1) === 1;
    const hasClaim = reader.read(1) === 1;
    const address = isV6 ? formatIPv6(reader.readBytes(16)) : formatIPv4(reader.readBytes(4));
    const port = reader.read(16);
    const fingerprint = reader.readBytes(keyBytes);
    const identityKey = reader.readBytes(keyBytes);
    const claim = hasClaim ? reader.readBytes(mailboxClaimBytes) : undefined;
    // Only the padding may remain: a longer code with a valid checksum is not one this version made.
    if (reader.remaining >= bitsPerChar) throw new TincanError('MAILBOX_CODE_INVALID', 'trailing data');
    const decoded: MailboxCode = { address, port, fingerprint, identityKey, ...(claim ? { claim } : {}) };
    checkFields(decoded);
    return decoded;
  } catch (error) {
    if (error instanceof EndOfBits) throw new TincanError('MAILBOX_CODE_CHECKSUM', 'ends mid-field');
    throw error;
  }
}

function isInviteCode(text: string): boolean {
  try {
    decodeCode(text);
    return true;
  } catch {
    return false;
  }
}
