// Invite and answer codes: SessionFields <-> a bit-packed binary <-> Crockford base32 text (and back).
//
// encodeCode({ kind, fields, inReplyTo?, reconnectFor? }) -> text    decodeCode(text) -> the same
// expectKind(decoded, kind)   normalizeCode(pasted) -> canonical text   fingerprintPrefix / startsFingerprint
// codeBits / codeBytes / codeChars: sizes, for benches and tests
//
// TEXT: Crockford base32, 5 bits per character, most significant first, alphabet 0-9 A-Z without I L O U,
// upper case (QR alphanumeric mode holds it at 5.5 bits per character), no padding characters, no separators:
// the code is one word to select and copy. normalizeCode accepts what people paste, in time linear in its
// length, after refusing anything over maxPastedChars (CODE_TOO_LONG, before any other work):
//   - a link, alone or inside a sentence: everything up to the last '#' is dropped, and the fragment ends at
//     the first white space after it (a URL holds none), so "open https://x/#CODE please" gives CODE;
//   - a label: everything up to the last ':' is dropped ("Code: CODE", "Tincan invite from Bob: CODE");
//     no code holds a ':' or a '#';
//   - spaces, newlines, dashes and zero-width characters anywhere;
//   - quotes, brackets and trailing punctuation (. , ! ? ; …) around it;
//   - lower case (ASCII only: every code is ASCII), and Crockford's confusables I, L -> 1 and O -> 0.
// Words after a bare code ("CODE thanks") are not told apart from a code grouped by spaces, so they are kept
// (and the checksum refuses the result).
//
// BINARY, version 1 (widths in bits; offsets from the start of the code):
//   offset 0      version       3   1 (0 is never issued)
//   offset 3      kind          1   0 invite (offer), 1 answer
//   offset 4      fingerprint 256   SHA-256 DTLS certificate fingerprint (ICE ufrag/pwd derive from it: sdp.ts)
//   offset 260    records       *   until fewer than 5 bits remain before the checksum
//                 padding     0-4   zero bits, so that the whole code is a multiple of 5 bits
//   end - 16      checksum     16   CRC-16/CCITT-FALSE over every bit before it (padding included)
//
//   Every record starts with a 4-bit tag = [type: 2][family: 2].
//     family 0 IPv4   address 32, port 16                        type: 0 host, 1 srflx, 2 prflx, 3 relay
//     family 1 IPv6   address 128, port 16
//     family 2 mDNS   the 122 random bits of the v4 UUID in `<uuid>.local`, port 16
//     family 3 extension record; its type bits say which:
//       0 (tag 0011) related address of the previous (non-host) candidate:
//                    family 2 (0 IPv4, 1 IPv6, 2 mDNS), address as above, port 16
//       1 (tag 0111) explicit ICE credentials (a browser that kept its own): ufrag length 8, ufrag 6 x length,
//                    pwd length 8, pwd 6 x length; each character is its index in the base64 alphabet
//                    A-Z a-z 0-9 + / (which is the ICE character set)
//       2 (tag 1011) skippable extension: id 4, payload length in bits 8, payload. Version-1 decoders skip
//                    it, so a later Tincan can add optional fields without a new version. Ids:
//                      0 in-reply-to    answers only, 32 bits naming the invite answered, so an inviter with
//                                       several open invites finds the one. Not a fingerprint prefix: a device
//                                       keeps one certificate, so all its invites share a fingerprint; the
//                                       token is a hash of the invite's text (chat/pairing.ts inviteToken)
//                      1 reconnect-for  invites only, 32 bits: the first 4 bytes of the DTLS fingerprint the
//                                       inviter pinned for the contact it invites back; the invitee whose own
//                                       certificate has that fingerprint connects without an answer code
//                      2 relay-alias    invites only, 32 bytes: a Nostr public key (x-only secp256k1) made for
//                                       this invite alone; the invitee's page gift-wraps its answer to it
//                                       (docs/relays.md "One code for a first contact")
//                      3 relay          invites only, one of the inviter's relay addresses, where that answer
//                                       goes: ASCII 0x21-0x7e, with a leading `wss://` left out (a value
//                                       without "://" is read as wss://<value>); at most maxInviteRelays.
//                                       relay-alias and relay come together or not at all
//                      4-15             unassigned: skipped
//                    A payload is at most 255 bits, so a value of bytes (ids 2 and 3) longer than 31 bytes
//                    spans records: a record of exactly 248 bits is continued by the record right after it,
//                    which has the same tag and id; a shorter one (0 bits too) ends the value. A version-1
//                    decoder that knows neither id skips each record by itself.
//                    A known id with another payload length, twice, or in the other kind of code is a
//                    structure no encoder makes (CODE_NOT_TINCAN). The encoder writes them after the ICE
//                    credentials record, before the candidates; decoders take them anywhere.
//       3 (tag 1111) reserved: a record a version-1 decoder cannot skip (reported as CODE_NEWER_VERSION).
//   There is no end-of-records record: the records end where the padding starts (at most 4 bits, while the
//   shortest record is 16), which saves the 4 bits that keep one IPv4 host candidate within 41 bytes.
//
// SIZES: an invite with one IPv4 host candidate is 3+1+256+52 = 312 bits + 16 checksum = 328 bits = 41 bytes,
// 66 characters. That is the size of QWBP, the smallest published scheme (41 bytes for the same connection,
// with no checksum); in the same 41 bytes this code also carries a 16-bit checksum and the kind bit. Room for
// them comes from the ICE credentials, which are derived from the fingerprint instead of carried (sdp.ts).
// An mDNS candidate costs 142 bits (its name is 122 random bits: nothing shorter can be resolved by the
// peer), so two of them make 260 + 2 x 142 + 16 = 560 bits = 70 bytes, 112 characters. Measured for every
// fixture: bench/codec-sizes.mjs. An in-reply-to or a reconnect-for record costs 4 + 4 + 8 + 32 = 48 bits
// (6 bytes, 9 or 10 characters depending on the padding): the one-IPv4-candidate invite with reconnect-for is
// 376 bits = 47 bytes, 76 characters; an answer with one mDNS candidate and in-reply-to is 466 bits = 59 bytes,
// 94 characters (84 without). Asserted in test/unit/invite/invite-code.test.ts. A relay-alias costs
// 2 x (4 + 4 + 8) + 256 = 288 bits and a relay 16 + 8 x its bytes (`wss://` left out): the one-IPv4-candidate
// invite with an alias and the relay wss://relay.damus.io is 744 bits = 93 bytes, 149 characters; with
// ws://127.0.0.1:40000 (the tests') 792 bits = 99 bytes, 159 characters (test/node/invite/relay-invite.test.ts,
// QR versions in docs/relays.md).
//
// CHECKSUM: CRC-16/CCITT rather than a truncated hash because it is synchronous, tiny, and *guarantees* what
// matters for typed codes: every error burst of up to 16 bits is caught, so every single mistyped character
// (5 bits) and every swap of two neighbouring characters (10 bits) is detected, not merely with probability
// 1 - 2^-16. A cut-off code moves the checksum's position, which is caught with probability 1 - 2^-16.
// The padding sits before the checksum (not after it) so the checksum is always the code's last 16 bits and
// can be checked before anything is parsed.
//
// DECODING never throws anything but TincanError, and names the most truthful code:
//   CODE_EMPTY          nothing left after normalisation
//   CODE_NOT_TINCAN     characters outside the alphabet; fewer than 8 characters; a short text that does not
//                       start like a version-1 code; a checksum-valid code with a structure no encoder makes
//   CODE_TOO_LONG       pasted text over maxPastedChars (checked before normalising), or a normalised code over
//                       maxCodeChars characters (checked before decoding)
//   CODE_TRUNCATED      starts like a version-1 code but ends before its fingerprint and checksum could (so the
//                       checksum cannot be checked); or a checksum-valid code whose header or a record is cut
//   CODE_CHECKSUM       long enough, but the checksum does not match: cut off or mistyped
//   CODE_NEWER_VERSION  the checksum matches and the version is above 1, or a record only a newer Tincan makes
// and then, for a code that parses but cannot work (so nothing is answered or waited on for it):
//   CODE_ICE_CREDENTIALS     ICE credentials a browser refuses (ufrag under 4 or pwd under 22 characters)
//   CODE_PORT_ZERO           a candidate on port 0
//   CODE_ADDRESS_UNSPECIFIED a candidate at 0.0.0.0 or ::
//   CODE_ADDRESS_LOOPBACK    a candidate at 127.0.0.0/8 or ::1 (the reader's own device)
//   CODE_ADDRESS_UNREACHABLE a multicast, broadcast or reserved candidate address (address.ts addressProblem)
//   CODE_NO_CANDIDATES       no candidate at all
// Why the checksum is checked before the version: every version keeps this frame (version in the first 3
// bits, CRC-16/CCITT over all before it in the last 16; a RULE FOR LATER VERSIONS, or version-1 pages report
// their codes as mistyped). Then a newer code passes the checksum and is named as newer, while a typo that hit
// the version bits, or random text, fails it and is named as mistyped, never as "update Tincan".
import { type ErrorCode, TincanError } from '../errors';
import {
  type AddressProblem,
  formatIPv4,
  formatIPv6,
  formatMdnsName,
  parseIPv4,
  parseIPv6,
  parseMdnsName,
  uuidRandomBits,
} from './address';
import { BitReader, BitWriter, crc16, EndOfBits } from './bit-stream';
import {
  type Candidate,
  candidateProblem,
  type CandidateType,
  candidateTypes,
  fingerprintBytes,
  type IceCredentials,
  iceCredentialsProblem,
  type SessionFields,
} from './sdp';

export type CodeKind = 'invite' | 'answer';

export interface DecodedCode {
  kind: CodeKind;
  fields: SessionFields;
  /** Answers only: the 4-byte token of the invite answered (chat/pairing.ts inviteToken; skippable record id 0). */
  inReplyTo?: Uint8Array;
  /** Invites only: fingerprintPrefix of the certificate the inviter pinned for this contact (record id 1). */
  reconnectFor?: Uint8Array;
  /** Invites only: where the invitee may send its answer back by itself (records 2 and 3; docs/relays.md). */
  relay?: InviteRelay;
}

/** An invite's relay rendezvous: a Nostr key made for this invite alone, and relays the inviter reads. */
export interface InviteRelay {
  /** x-only secp256k1 public key, 32 bytes. */
  readonly alias: Uint8Array;
  /** Relay addresses as the inviter saved them (checked by the reader: net/relay-address.ts isRelayAddress). */
  readonly addresses: readonly string[];
}

export const codeVersion = 1;
export const crockfordAlphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Longer codes are refused before decoding; the encoder refuses to make them (the net layer drops candidates). */
export const maxCodeChars = 400;
/**
 * Longer pasted text (or link fragment) is refused as CODE_TOO_LONG before it is looked at: ten codes' worth
 * leaves room for a link and a sentence around it, and bounds every later step.
 */
export const maxPastedChars = 4096;
/** Bytes of a fingerprint that in-reply-to and reconnect-for carry. */
export const fingerprintPrefixBytes = 4;
/** Relays one invite names at most (one that answers is enough; each costs about 20 bytes). */
export const maxInviteRelays = 2;
/** Bytes of a relay-alias (an x-only public key). */
export const relayAliasBytes = 32;
/** Fewer characters than this cannot be the start of any code worth naming as one. */
const minRecognisableChars = 8;

const bitsPerChar = 5;
const versionBits = 3;
const kindBits = 1;
const tagBits = 4;
const portBits = 16;
const checksumBits = 16;
const headerBits = versionBits + kindBits + fingerprintBytes * 8; // 260
const credentialLengthBits = 8;
const iceCharBits = 6;
const skippableIdBits = 4;
const skippableLengthBits = 8;
const fingerprintPrefixBits = fingerprintPrefixBytes * 8;
/** Padding is 0-4 bits; every record is longer, so fewer than 5 remaining bits can only be padding. */
const paddingLimitBits = bitsPerChar;

const family = { ipv4: 0, ipv6: 1, mdns: 2, extension: 3 } as const;
const extension = { relatedAddress: 0, iceCredentials: 1, skippable: 2, reserved: 3 } as const;
const skippableId = { inReplyTo: 0, reconnectFor: 1, relayAlias: 2, relay: 3 } as const;
/** The longest payload a skippable record holds in whole bytes (its length field is 8 bits: 255). */
const maxChunkBytes = 31;
const impliedRelayScheme = 'wss://';
const addressBits = { [family.ipv4]: 32, [family.ipv6]: 128, [family.mdns]: uuidRandomBits } as const;
const base64Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** The shortest complete code: header and checksum, no records. */
const minCodeChars = Math.ceil((headerBits + checksumBits) / bitsPerChar); // 56

// ---- encoding -------------------------------------------------------------------------------------------

function writeAddress(writer: BitWriter, address: string, port: number): void {
  const v4 = parseIPv4(address);
  const v6 = v4 ? undefined : address.includes(':') ? parseIPv6(address) : undefined;
  const mdns = v4 || v6 ? undefined : parseMdnsName(address);
  if (v4) {
    writer.write(family.ipv4, 2);
    writer.writeBytes(v4);
  } else if (v6) {
    writer.write(family.ipv6, 2);
    writer.writeBytes(v6);
  } else if (mdns !== undefined) {
    writer.write(family.mdns, 2);
    writer.writeBigInt(mdns, uuidRandomBits);
  } else {
    throw new TincanError('SDP_UNSUPPORTED', `address ${address} (only IPv4, IPv6 and <v4 uuid>.local)`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new TincanError('SDP_UNSUPPORTED', `port ${port}`);
  writer.write(port, portBits);
}

function writeIceString(writer: BitWriter, text: string): void {
  writer.write(text.length, credentialLengthBits);
  for (const char of text) writer.write(base64Alphabet.indexOf(char), iceCharBits);
}

function writeIceCredentials(writer: BitWriter, ice: IceCredentials): void {
  const tooLong = ice.ufrag.length >= 2 ** credentialLengthBits || ice.pwd.length >= 2 ** credentialLengthBits;
  if (tooLong || iceCredentialsProblem(ice) !== undefined) {
    throw new TincanError('SDP_UNSUPPORTED', 'ICE credential length or characters');
  }
  writer.write((extension.iceCredentials << 2) | family.extension, tagBits);
  writeIceString(writer, ice.ufrag);
  writeIceString(writer, ice.pwd);
}

function writeFingerprintPrefix(writer: BitWriter, id: number, prefix: Uint8Array): void {
  if (prefix.length !== fingerprintPrefixBytes) {
    throw new TincanError('SDP_UNSUPPORTED', `fingerprint prefix of ${prefix.length} bytes`);
  }
  writer.write((extension.skippable << 2) | family.extension, tagBits);
  writer.write(id, skippableIdBits);
  writer.write(fingerprintPrefixBits, skippableLengthBits);
  writer.writeBytes(prefix);
}

/** A value of bytes in skippable records of one id: 31-byte chunks, the last shorter (empty when it would be 31). */
function writeLongValue(writer: BitWriter, id: number, value: Uint8Array): void {
  for (let at = 0; ; at += maxChunkBytes) {
    const chunk = value.subarray(at, at + maxChunkBytes);
    writer.write((extension.skippable << 2) | family.extension, tagBits);
    writer.write(id, skippableIdBits);
    writer.write(chunk.length * 8, skippableLengthBits);
    writer.writeBytes(chunk);
    if (chunk.length < maxChunkBytes) return;
  }
}

function isRelayText(text: string): boolean {
  return text.length > 0 && /^[\x21-\x7e]+$/.test(text);
}

function writeRelay(writer: BitWriter, relay: InviteRelay): void {
  if (relay.alias.length !== relayAliasBytes) throw new TincanError('SDP_UNSUPPORTED', `relay alias of ${relay.alias.length} bytes`);
  if (relay.addresses.length === 0 || relay.addresses.length > maxInviteRelays) {
    throw new TincanError('SDP_UNSUPPORTED', `${relay.addresses.length} relays`);
  }
  writeLongValue(writer, skippableId.relayAlias, relay.alias);
  for (const address of relay.addresses) {
    const short = address.startsWith(impliedRelayScheme) ? address.slice(impliedRelayScheme.length) : address;
    if (!isRelayText(address) || !isRelayText(short) || (short !== address) === short.includes('://')) {
      throw new TincanError('SDP_UNSUPPORTED', 'relay address');
    }
    writeLongValue(writer, skippableId.relay, new TextEncoder().encode(short));
  }
}

/** The payload bits (everything before padding and checksum). */
function payloadBits(code: DecodedCode): BitWriter {
  const { fields } = code;
  if (fields.fingerprint.length !== fingerprintBytes) {
    throw new TincanError('SDP_UNSUPPORTED', 'fingerprint is not 32 bytes');
  }
  // A code the encoder makes is one its decoder takes: refuse here what decodeCode would refuse as unusable.
  if (fields.candidates.length === 0) throw new TincanError('NO_LOCAL_ADDRESS');
  for (const candidate of fields.candidates) {
    const problem = candidateProblem(candidate);
    if (problem) throw new TincanError('SDP_UNSUPPORTED', `candidate ${candidate.address} ${candidate.port}: ${problem}`);
  }
  if (code.inReplyTo && code.kind !== 'answer') throw new TincanError('SDP_UNSUPPORTED', 'in-reply-to in an invite');
  if (code.reconnectFor && code.kind !== 'invite') throw new TincanError('SDP_UNSUPPORTED', 'reconnect-for in an answer');
  if (code.relay && code.kind !== 'invite') throw new TincanError('SDP_UNSUPPORTED', 'relay in an answer');
  const writer = new BitWriter();
  writer.write(codeVersion, versionBits);
  writer.write(code.kind === 'answer' ? 1 : 0, kindBits);
  writer.writeBytes(fields.fingerprint);
  if (fields.ice) writeIceCredentials(writer, fields.ice);
  if (code.inReplyTo) writeFingerprintPrefix(writer, skippableId.inReplyTo, code.inReplyTo);
  if (code.reconnectFor) writeFingerprintPrefix(writer, skippableId.reconnectFor, code.reconnectFor);
  if (code.relay) writeRelay(writer, code.relay);
  for (const candidate of fields.candidates) {
    // The tag's family bits come from writeAddress: write the type bits first, then the address with its family.
    writer.write(candidateTypes.indexOf(candidate.type), 2);
    writeAddress(writer, candidate.address, candidate.port);
    if (candidate.relatedAddress !== undefined && candidate.type !== 'host') {
      writer.write((extension.relatedAddress << 2) | family.extension, tagBits);
      writeAddress(writer, candidate.relatedAddress, candidate.relatedPort ?? 0);
    }
  }
  return writer;
}

/** Bits of the packed binary: payload plus checksum, without the text's 0-4 padding bits. */
export function codeBits(code: DecodedCode): number {
  return payloadBits(code).length + checksumBits;
}

/** Bytes of the packed binary (codeBits rounded up to whole bytes). */
export function codeBytes(code: DecodedCode): number {
  return Math.ceil(codeBits(code) / 8);
}

/** Characters of the text form. */
export function codeChars(code: DecodedCode): number {
  return Math.ceil(codeBits(code) / bitsPerChar);
}

/** Crockford base32 text of a bit string whose length is a multiple of 5 (bitsPerChar). */
export function bitsToCrockford(bits: readonly number[]): string {
  let text = '';
  for (let i = 0; i < bits.length; i += bitsPerChar) {
    let value = 0;
    for (let j = 0; j < bitsPerChar; j++) value = value * 2 + bits[i + j]!;
    text += crockfordAlphabet[value];
  }
  return text;
}

/** The bits of normalised Crockford base32 text (every character in crockfordAlphabet). */
export function crockfordToBits(text: string): number[] {
  const bits: number[] = [];
  for (const char of text) {
    const value = crockfordAlphabet.indexOf(char);
    for (let shift = bitsPerChar - 1; shift >= 0; shift--) bits.push((value >> shift) & 1);
  }
  return bits;
}

/**
 * The text of a code. Throws TincanError SDP_UNSUPPORTED for fields no code can hold or no peer can use (a
 * candidate address that is not IPv4, IPv6 or `<v4 uuid>.local`, or one candidateProblem names; a fingerprint
 * not 32 bytes; ICE credentials a browser refuses; an extension of the wrong size or in the other kind of
 * code), NO_LOCAL_ADDRESS for no candidate at all, and CODE_TOO_LONG beyond maxCodeChars.
 */
export function encodeCode(code: DecodedCode): string {
  const writer = payloadBits(code);
  const padding = (bitsPerChar - ((writer.length + checksumBits) % bitsPerChar)) % bitsPerChar;
  writer.write(0, padding);
  writer.write(crc16(writer.bits), checksumBits);
  const text = bitsToCrockford(writer.bits);
  if (text.length > maxCodeChars) {
    throw new TincanError('CODE_TOO_LONG', `${text.length} characters with ${code.fields.candidates.length} candidates`);
  }
  return text;
}

// ---- text normalisation ----------------------------------------------------------------------------------

// Every step below is linear in the text's length: lastIndexOf, single-character classes (a run of them is
// matched once and never re-scanned), and index loops for the ends. (A pattern like /["']+$/ is not: on a run of
// quotes that does not reach the end it restarts at every quote, which froze a tab for 23 s on 200k quotes.)
const separators = /[\s\u00ad\u200b-\u200d\u2060\ufeff\-\u2010-\u2015\u2212]+/g;
const whiteSpace = /\s/;
/** Quotes, brackets and punctuation that surround a code in a sentence; stripped from both ends. */
const wrapperChars = new Set('"\'`<>()[]{}«»“”‘’„‚‹›.,;!?…');

/**
 * The canonical text of a pasted code: see the module header for what is tolerated. It does not validate
 * (decodeCode does), except that text longer than maxPastedChars throws TincanError CODE_TOO_LONG before any
 * other work. Idempotent, and never longer than its input.
 */
export function normalizeCode(text: string): string {
  if (text.length > maxPastedChars) throw new TincanError('CODE_TOO_LONG', `${text.length} characters pasted`);
  let start = 0;
  let end = text.length;
  const hash = text.lastIndexOf('#');
  if (hash >= 0) {
    start = hash + 1;
    for (let i = start; i < end; i++) {
      if (whiteSpace.test(text[i]!)) {
        end = i;
        break;
      }
    }
  }
  const colon = end > start ? text.lastIndexOf(':', end - 1) : -1;
  if (colon >= start) start = colon + 1;
  const code = text.slice(start, end).replace(separators, '');
  let from = 0;
  let to = code.length;
  while (from < to && wrapperChars.has(code[from]!)) from++;
  while (to > from && wrapperChars.has(code[to - 1]!)) to--;
  return code
    .slice(from, to)
    .replace(/[a-z]+/g, (letters) => letters.toUpperCase())
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');
}

// ---- decoding --------------------------------------------------------------------------------------------

function readAddress(reader: BitReader, familyBits: number): string {
  if (familyBits === family.ipv4) return formatIPv4(reader.readBytes(4));
  if (familyBits === family.ipv6) return formatIPv6(reader.readBytes(16));
  if (familyBits === family.mdns) return formatMdnsName(reader.readBigInt(addressBits[family.mdns]));
  throw new TincanError('CODE_NOT_TINCAN', `address family ${familyBits}`);
}

function readIceString(reader: BitReader): string {
  const length = reader.read(credentialLengthBits);
  let text = '';
  for (let i = 0; i < length; i++) text += base64Alphabet[reader.read(iceCharBits)];
  return text;
}

function readFingerprintPrefix(reader: BitReader, length: number): Uint8Array {
  if (length !== fingerprintPrefixBits) throw new TincanError('CODE_NOT_TINCAN', `fingerprint prefix of ${length} bits`);
  return reader.readBytes(fingerprintPrefixBytes);
}

/** A value of bytes from its first record's payload on (`length` bits) and any records continuing it. */
function readLongValue(reader: BitReader, id: number, length: number): Uint8Array {
  const value: number[] = [];
  for (let bits = length; ; ) {
    if (bits % 8 !== 0) throw new TincanError('CODE_NOT_TINCAN', `a value of ${bits} bits`);
    const chunk = reader.readBytes(bits / 8);
    value.push(...chunk);
    if (chunk.length < maxChunkBytes) return Uint8Array.from(value);
    const tag = reader.read(tagBits);
    if (tag !== ((extension.skippable << 2) | family.extension) || reader.read(skippableIdBits) !== id) {
      throw new TincanError('CODE_NOT_TINCAN', 'a value of 31 bytes not continued');
    }
    bits = reader.read(skippableLengthBits);
  }
}

function readRelayRecord(reader: BitReader, code: DecodedCode, id: number, length: number): void {
  if (code.kind !== 'invite') throw new TincanError('CODE_NOT_TINCAN', 'relay records in an answer');
  const value = readLongValue(reader, id, length);
  const relay = code.relay ?? { alias: new Uint8Array(0), addresses: [] };
  if (id === skippableId.relayAlias) {
    if (relay.alias.length || value.length !== relayAliasBytes) throw new TincanError('CODE_NOT_TINCAN', 'relay alias');
    code.relay = { ...relay, alias: value };
    return;
  }
  // Bytes outside 0x21-0x7e (so no UTF-8 sequence either) are no address any encoder wrote.
  const short = String.fromCharCode(...value);
  if (!isRelayText(short) || relay.addresses.length >= maxInviteRelays) throw new TincanError('CODE_NOT_TINCAN', 'relay address');
  code.relay = { ...relay, addresses: [...relay.addresses, short.includes('://') ? short : impliedRelayScheme + short] };
}

function readSkippable(reader: BitReader, code: DecodedCode): void {
  const id = reader.read(skippableIdBits);
  const length = reader.read(skippableLengthBits);
  if (id === skippableId.relayAlias || id === skippableId.relay) return readRelayRecord(reader, code, id, length);
  if (id === skippableId.inReplyTo) {
    if (code.kind !== 'answer' || code.inReplyTo) throw new TincanError('CODE_NOT_TINCAN', 'misplaced in-reply-to');
    code.inReplyTo = readFingerprintPrefix(reader, length);
  } else if (id === skippableId.reconnectFor) {
    if (code.kind !== 'invite' || code.reconnectFor) throw new TincanError('CODE_NOT_TINCAN', 'misplaced reconnect-for');
    code.reconnectFor = readFingerprintPrefix(reader, length);
  } else {
    for (let i = 0; i < length; i++) reader.read(1);
  }
}

function readRecords(reader: BitReader, code: DecodedCode): void {
  const { fields } = code;
  let previous: Candidate | undefined;
  while (reader.remaining >= paddingLimitBits) {
    const tag = reader.read(tagBits);
    const typeBits = tag >> 2;
    const familyBits = tag & 3;
    if (familyBits !== family.extension) {
      const candidate: Candidate = {
        type: candidateTypes[typeBits] as CandidateType,
        address: readAddress(reader, familyBits),
        port: reader.read(portBits),
      };
      fields.candidates.push(candidate);
      previous = candidate;
      continue;
    }
    switch (typeBits) {
      case extension.relatedAddress: {
        if (!previous || previous.type === 'host' || previous.relatedAddress !== undefined) {
          throw new TincanError('CODE_NOT_TINCAN', 'related address without a non-host candidate before it');
        }
        previous.relatedAddress = readAddress(reader, reader.read(2));
        previous.relatedPort = reader.read(portBits);
        break;
      }
      case extension.iceCredentials: {
        if (fields.ice) throw new TincanError('CODE_NOT_TINCAN', 'two ICE credential records');
        fields.ice = { ufrag: readIceString(reader), pwd: readIceString(reader) };
        break;
      }
      case extension.skippable:
        readSkippable(reader, code);
        break;
      default:
        throw new TincanError('CODE_NEWER_VERSION', 'a record this version cannot read');
    }
  }
  if (reader.remaining > 0 && reader.read(reader.remaining) !== 0) {
    throw new TincanError('CODE_NOT_TINCAN', 'non-zero padding');
  }
  if (code.relay && (code.relay.alias.length === 0 || code.relay.addresses.length === 0)) {
    throw new TincanError('CODE_NOT_TINCAN', 'a relay alias without a relay, or the reverse');
  }
}

const addressErrors: Record<AddressProblem, ErrorCode> = {
  unspecified: 'CODE_ADDRESS_UNSPECIFIED',
  loopback: 'CODE_ADDRESS_LOOPBACK',
  multicast: 'CODE_ADDRESS_UNREACHABLE',
  broadcast: 'CODE_ADDRESS_UNREACHABLE',
  reserved: 'CODE_ADDRESS_UNREACHABLE',
};

/** Refuses a parsed code that cannot work, with the codes listed in the module header. */
function checkUsable(fields: SessionFields): void {
  if (fields.ice && iceCredentialsProblem(fields.ice) !== undefined) {
    throw new TincanError('CODE_ICE_CREDENTIALS', `ufrag ${fields.ice.ufrag.length}, pwd ${fields.ice.pwd.length} characters`);
  }
  for (const candidate of fields.candidates) {
    const problem = candidateProblem(candidate);
    if (problem === 'port-zero') throw new TincanError('CODE_PORT_ZERO', candidate.address);
    if (problem) throw new TincanError(addressErrors[problem], `${problem} ${candidate.address}`);
  }
  if (fields.candidates.length === 0) throw new TincanError('CODE_NO_CANDIDATES');
}

/**
 * The kind, fields and extensions of a pasted code (anything normalizeCode accepts). Throws only TincanError,
 * with the codes listed in the module header.
 */
export function decodeCode(text: string): DecodedCode {
  const code = normalizeCode(text);
  if (code === '') throw new TincanError('CODE_EMPTY');
  const outside = [...code].find((char) => !crockfordAlphabet.includes(char));
  if (outside !== undefined) throw new TincanError('CODE_NOT_TINCAN', `character "${outside}"`);
  if (code.length > maxCodeChars) throw new TincanError('CODE_TOO_LONG', `${code.length} characters`);
  if (code.length < minRecognisableChars) throw new TincanError('CODE_NOT_TINCAN', `only ${code.length} characters`);

  const bits = crockfordToBits(code);
  const version = new BitReader(bits).read(versionBits);
  const checksumAt = bits.length - checksumBits;
  const checksum = new BitReader(bits.slice(checksumAt)).read(checksumBits);
  if (checksum !== crc16(bits, checksumAt)) {
    if (code.length >= minCodeChars) throw new TincanError('CODE_CHECKSUM');
    // No room for a version-1 fingerprint and checksum: the checksum could not be checked.
    if (version === codeVersion) throw new TincanError('CODE_TRUNCATED', `only ${code.length} characters`);
    throw new TincanError('CODE_NOT_TINCAN', `${code.length} characters that do not start like a code`);
  }
  if (version > codeVersion) throw new TincanError('CODE_NEWER_VERSION', `version ${version}`);
  if (version !== codeVersion) throw new TincanError('CODE_NOT_TINCAN', `version ${version}`);

  const reader = new BitReader(bits, checksumAt);
  try {
    reader.read(versionBits);
    const kind: CodeKind = reader.read(kindBits) === 1 ? 'answer' : 'invite';
    const decoded: DecodedCode = { kind, fields: { fingerprint: reader.readBytes(fingerprintBytes), candidates: [] } };
    readRecords(reader, decoded);
    checkUsable(decoded.fields);
    return decoded;
  } catch (error) {
    if (error instanceof EndOfBits) throw new TincanError('CODE_TRUNCATED', 'ends mid-field');
    throw error;
  }
}

/** Returns the decoded code if it is of the expected kind, else throws CODE_EXPECTED_INVITE / _ANSWER. */
export function expectKind(decoded: DecodedCode, kind: CodeKind): DecodedCode {
  if (decoded.kind === kind) return decoded;
  throw new TincanError(kind === 'invite' ? 'CODE_EXPECTED_INVITE' : 'CODE_EXPECTED_ANSWER');
}

/** The first fingerprintPrefixBytes of a fingerprint (a copy): what in-reply-to and reconnect-for carry. */
export function fingerprintPrefix(fingerprint: Uint8Array): Uint8Array {
  return fingerprint.slice(0, fingerprintPrefixBytes);
}

/** Whether `prefix` (a code's inReplyTo or reconnectFor) is the start of `fingerprint`. */
export function startsFingerprint(prefix: Uint8Array, fingerprint: Uint8Array): boolean {
  return prefix.length === fingerprintPrefixBytes && prefix.every((byte, i) => fingerprint[i] === byte);
}
