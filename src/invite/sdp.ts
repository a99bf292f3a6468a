// Browser SDP <-> the few fields a data-channel connection needs (fingerprint, candidates, maybe ICE credentials).
//
// extractFields(sdp, {allowNoCandidates?})  a real Chromium / Firefox SDP -> SessionFields (or SDP_UNSUPPORTED)
// candidateProblem(candidate)               why no peer can use a candidate (port 0, unreachable address), or undefined
// iceCredentialsProblem(credentials)        why setRemoteDescription would refuse these ICE credentials, or undefined
// buildSdp(fields, {type, setup})           SessionFields -> a minimal SDP both browsers accept as remote
// deriveIceCredentials(fingerprint)         the ICE ufrag/pwd implied by a DTLS fingerprint
// applyIceCredentials(sdp, credentials)     rewrites every a=ice-ufrag / a=ice-pwd line (munging a local SDP)
// candidatePriority(type, localPreference)  the RFC 8445 priority buildSdp writes
//
// ICE credentials are not carried in a code: each side sets its own ufrag and pwd to values derived from its
// DTLS fingerprint before setLocalDescription (both Chromium 156 and Firefox 153 accept that, as offerer and as
// answerer), so the peer can recompute them from the fingerprint it gets anyway:
//   ufrag = base64(fingerprint[0..3))   4 chars  (ICE minimum: 4 chars,  24 bits)
//   pwd   = base64(fingerprint[3..21))  24 chars (ICE minimum: 22 chars, 128 bits; here 144 bits)
// Standard base64 (A-Z a-z 0-9 + /) is exactly the ICE character set, and 3 and 18 bytes need no padding.
// The credentials only authenticate STUN checks between the two peers; they protect nothing the code does not
// already reveal. When a browser's local credentials are not the derived ones, extractFields returns them in
// `ice` and the code carries them (an extension record).
//
// Roles (docs/lab.md §3): the answerer must be the DTLS server. The answerer rebuilds the received offer with
// setup 'active' (so its own createAnswer() says passive); the inviter rebuilds the received answer with
// setup 'passive'. buildSdp does not guess: the caller passes the setup.
//
// A candidate no code can carry or no peer can use costs only itself: extractFields drops it (and its related
// address alone when only that is odd), so one unusual `.local` name does not lose the srflx candidate beside it.
//
// Not carried, because both browsers use the same values: sctp-port (5000; other values are refused), the mid
// ("0"; other values are refused), max-message-size (left out, so the peer assumes 65536 bytes: the chat layer
// keeps frames below it), TCP candidates (dropped: Firefox's "tcptype active" port-9 candidate is useless here).
import { TincanError } from '../errors';
import { addressProblem, type AddressProblem, canonicalAddress } from './address';

export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

export const candidateTypes: readonly CandidateType[] = ['host', 'srflx', 'prflx', 'relay'] as const;

/** A UDP ICE candidate for component 1. Addresses are canonical: dotted IPv4, RFC 5952 IPv6, `<v4 uuid>.local`. */
export interface Candidate {
  type: CandidateType;
  address: string;
  port: number;
  /** The base (srflx/prflx) or mapped (relay) address; absent when the browser hid it (0.0.0.0 / :: / port 0). */
  relatedAddress?: string;
  relatedPort?: number;
}

export interface IceCredentials {
  ufrag: string;
  pwd: string;
}

export interface SessionFields {
  /** SHA-256 DTLS certificate fingerprint, 32 bytes. */
  fingerprint: Uint8Array;
  /** UDP candidates in the SDP's order, without duplicates. */
  candidates: Candidate[];
  /** Only when the SDP's ICE credentials are not deriveIceCredentials(fingerprint). */
  ice?: IceCredentials;
}

export type SdpType = 'offer' | 'answer';
export type DtlsSetup = 'actpass' | 'active' | 'passive';

export const fingerprintBytes = 32;
export const sctpPort = 5000;
const dataChannelMid = '0';

const base64Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** The ICE character set (RFC 8839 ice-char), which is also the standard base64 alphabet. */
export const iceCharPattern = /^[A-Za-z0-9+/]+$/;
/**
 * RFC 8839 5.4 bounds on ice-ufrag and ice-pwd, in characters. Chromium's setRemoteDescription throws a raw
 * "Invalid ICE credentials" error outside them (and Firefox refuses the description too).
 */
export const iceUfragMinChars = 4;
export const icePwdMinChars = 22;
export const iceCredentialMaxChars = 256;

export type IceCredentialsProblem = 'ufrag-length' | 'pwd-length' | 'characters';

/** Why a browser would refuse these ICE credentials in a remote description, or undefined when it would not. */
export function iceCredentialsProblem(credentials: IceCredentials): IceCredentialsProblem | undefined {
  const { ufrag, pwd } = credentials;
  if (ufrag.length < iceUfragMinChars || ufrag.length > iceCredentialMaxChars) return 'ufrag-length';
  if (pwd.length < icePwdMinChars || pwd.length > iceCredentialMaxChars) return 'pwd-length';
  if (!iceCharPattern.test(ufrag) || !iceCharPattern.test(pwd)) return 'characters';
  return undefined;
}

export type CandidateProblem = 'port-zero' | AddressProblem;

/**
 * Why no peer can use this candidate, or undefined when one might: port 0, or an address no peer can reach
 * (addressProblem in address.ts lists them). Only the candidate's own address counts: its related address is
 * informational in ICE and never a destination.
 */
export function candidateProblem(candidate: Candidate): CandidateProblem | undefined {
  if (candidate.port === 0) return 'port-zero';
  return addressProblem(candidate.address);
}

function base64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i + 3 <= bytes.length; i += 3) {
    const triple = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    for (let shift = 18; shift >= 0; shift -= 6) text += base64Alphabet[(triple >> shift) & 63];
  }
  return text; // callers only pass multiples of 3 bytes: no padding needed
}

/** The ICE credentials every Tincan peer uses: see the module header. */
export function deriveIceCredentials(fingerprint: Uint8Array): IceCredentials {
  if (fingerprint.length < 21) throw new TincanError('SDP_UNSUPPORTED', 'fingerprint too short to derive ICE credentials');
  return { ufrag: base64(fingerprint.subarray(0, 3)), pwd: base64(fingerprint.subarray(3, 21)) };
}

/** Rewrites every a=ice-ufrag and a=ice-pwd line (session or media level), keeping the SDP's line endings. */
export function applyIceCredentials(sdp: string, credentials: IceCredentials): string {
  if (!iceCharPattern.test(credentials.ufrag) || !iceCharPattern.test(credentials.pwd)) {
    throw new TincanError('SDP_UNSUPPORTED', 'ICE credentials outside the ICE character set');
  }
  return sdp
    .replace(/^a=ice-ufrag:[^\r\n]*/gm, `a=ice-ufrag:${credentials.ufrag}`)
    .replace(/^a=ice-pwd:[^\r\n]*/gm, `a=ice-pwd:${credentials.pwd}`);
}

/** The first value of `a=<name>:` in these lines, or undefined. */
function attribute(lines: readonly string[], name: string): string | undefined {
  const prefix = `a=${name}:`;
  return lines.find((line) => line.startsWith(prefix))?.slice(prefix.length).trim();
}

function parseFingerprint(value: string): Uint8Array | undefined {
  const [hash, hex] = value.split(/\s+/);
  if (hash?.toLowerCase() !== 'sha-256' || !hex) return undefined;
  const pairs = hex.split(':');
  if (pairs.length !== fingerprintBytes || !pairs.every((pair) => /^[0-9a-fA-F]{2}$/.test(pair))) return undefined;
  return Uint8Array.from(pairs, (pair) => parseInt(pair, 16));
}

function sha256Fingerprint(lines: readonly string[]): Uint8Array | undefined {
  for (const line of lines) {
    if (!line.startsWith('a=fingerprint:')) continue;
    const fingerprint = parseFingerprint(line.slice('a=fingerprint:'.length).trim());
    if (fingerprint) return fingerprint;
  }
  return undefined;
}

function isUnspecified(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

const isPort = (port: number) => Number.isInteger(port) && port >= 1 && port <= 0xffff;

/**
 * One a=candidate line -> Candidate, or undefined for a candidate left out: on purpose (TCP, other components)
 * or because no code can carry it or no peer can use it (an unknown type; an address other than IPv4, IPv6 or
 * `<v4 uuid>.local`; a bad port; candidateProblem). An odd related address is left out alone.
 */
function parseCandidate(value: string): Candidate | undefined {
  // <foundation> <component> <transport> <priority> <address> <port> typ <type> *(<name> <value>)
  const words = value.trim().split(/\s+/);
  const [, component, transport, , rawAddress, rawPort, typ, rawType] = words;
  if (component !== '1' || transport?.toLowerCase() !== 'udp') return undefined;
  if (typ !== 'typ' || !candidateTypes.includes(rawType as CandidateType)) return undefined;
  const address = rawAddress === undefined ? undefined : canonicalAddress(rawAddress);
  const port = Number(rawPort);
  if (address === undefined || !isPort(port)) return undefined;
  const candidate: Candidate = { type: rawType as CandidateType, address, port };
  if (candidateProblem(candidate) !== undefined) return undefined;
  if (candidate.type === 'host') return candidate;
  let related: string | undefined;
  let relatedPort: number | undefined;
  for (let i = 8; i + 1 < words.length; i += 2) {
    if (words[i] === 'raddr') related = words[i + 1];
    if (words[i] === 'rport') relatedPort = Number(words[i + 1]);
  }
  // Browsers hide the base as 0.0.0.0 / :: port 0: nothing to keep then.
  if (related === undefined || relatedPort === undefined || isUnspecified(related) || relatedPort === 0) return candidate;
  const relatedAddress = canonicalAddress(related);
  if (relatedAddress === undefined || !isPort(relatedPort)) return candidate;
  return { ...candidate, relatedAddress, relatedPort };
}

/**
 * The fields of a browser's data-channel SDP. Throws TincanError('SDP_UNSUPPORTED') when the SDP has anything
 * but one data-channel m-section, no sha-256 fingerprint, no usable ICE credentials (iceCredentialsProblem), or
 * another sctp-port or mid; NO_LOCAL_ADDRESS when it has no usable candidate at all, unless `allowNoCandidates`
 * (for a description read before gathering, e.g. to get its fingerprint). A candidate no code can hold (a hostname other than
 * `<v4 uuid>.local`) or no peer can use (candidateProblem) is left out, and costs only itself.
 */
export function extractFields(sdp: string, options: { allowNoCandidates?: boolean } = {}): SessionFields {
  const lines = sdp.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
  const mediaStarts = lines.flatMap((line, i) => (line.startsWith('m=') ? [i] : []));
  if (mediaStarts.length !== 1) {
    throw new TincanError('SDP_UNSUPPORTED', `expected one m-section, found ${mediaStarts.length}`);
  }
  const sessionLines = lines.slice(0, mediaStarts[0]);
  const mediaLines = lines.slice(mediaStarts[0]);
  if (!/^m=application \d+ UDP\/DTLS\/SCTP webrtc-datachannel$/.test(mediaLines[0]!)) {
    throw new TincanError('SDP_UNSUPPORTED', `not a data-channel m-section: ${mediaLines[0]}`);
  }
  const at = (name: string) => attribute(mediaLines, name) ?? attribute(sessionLines, name);

  // Chromium puts the fingerprint in the m-section, Firefox at session level; the m-section's wins.
  const fingerprint = sha256Fingerprint(mediaLines) ?? sha256Fingerprint(sessionLines);
  if (!fingerprint) throw new TincanError('SDP_UNSUPPORTED', 'no sha-256 fingerprint');

  const ufrag = at('ice-ufrag');
  const pwd = at('ice-pwd');
  if (ufrag === undefined || pwd === undefined || iceCredentialsProblem({ ufrag, pwd }) !== undefined) {
    throw new TincanError('SDP_UNSUPPORTED', 'missing or malformed ICE credentials');
  }
  const port = at('sctp-port');
  if (port !== undefined && Number(port) !== sctpPort) throw new TincanError('SDP_UNSUPPORTED', `sctp-port ${port}`);
  const mid = at('mid');
  if (mid !== dataChannelMid) throw new TincanError('SDP_UNSUPPORTED', `mid ${mid ?? '(none)'}`);

  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  for (const line of mediaLines) {
    if (!line.startsWith('a=candidate:')) continue;
    const candidate = parseCandidate(line.slice('a=candidate:'.length));
    if (!candidate) continue;
    const key = `${candidate.type} ${candidate.address} ${candidate.port}`;
    if (seen.has(key)) continue;
    seen.add(key);
    candidates.push(candidate);
  }

  if (candidates.length === 0 && !options.allowNoCandidates) {
    throw new TincanError('NO_LOCAL_ADDRESS', 'no usable UDP candidate');
  }

  const derived = deriveIceCredentials(fingerprint);
  const fields: SessionFields = { fingerprint, candidates };
  if (ufrag !== derived.ufrag || pwd !== derived.pwd) fields.ice = { ufrag, pwd };
  return fields;
}

/** RFC 8445 §5.1.2.2 type preferences (the recommended values). */
const typePreference: Record<CandidateType, number> = { host: 126, prflx: 110, srflx: 100, relay: 0 };

/** RFC 8445 §5.1.2.1: 2^24 * type preference + 2^8 * local preference + (256 - component id). */
export function candidatePriority(type: CandidateType, localPreference: number): number {
  return typePreference[type] * 2 ** 24 + localPreference * 2 ** 8 + (256 - 1);
}

function fingerprintText(fingerprint: Uint8Array): string {
  return Array.from(fingerprint, (byte) => byte.toString(16).toUpperCase().padStart(2, '0')).join(':');
}

/**
 * A minimal data-channel SDP from the fields, for setRemoteDescription. ICE credentials are the derived ones
 * unless fields.ice is set. Candidates keep their order: each gets local preference 65535 minus its index
 * (so the browser's own order survives within a type) and a foundation per type and base (RFC 8445 §5.1.1.3;
 * for a non-host candidate its related address stands in for the base). `type` does not change the text: an
 * offer and an answer differ only in `setup`, which the caller chooses (see the module header).
 */
export function buildSdp(fields: SessionFields, options: { type: SdpType; setup: DtlsSetup }): string {
  if (fields.fingerprint.length !== fingerprintBytes) {
    throw new TincanError('SDP_UNSUPPORTED', 'fingerprint is not 32 bytes');
  }
  const credentials = fields.ice ?? deriveIceCredentials(fields.fingerprint);
  // A session id: any decimal of at most 63 bits. Taking it from the fingerprint keeps rebuilt SDPs stable.
  const sessionId = fields.fingerprint.subarray(0, 6).reduce((id, byte) => id * 256 + byte, 0) + 1;
  const foundations = new Map<string, number>();
  const candidateLines = fields.candidates.map((candidate, index) => {
    const family = candidate.address.includes(':') ? 6 : candidate.address.endsWith('.local') ? 0 : 4;
    const group = `${candidate.type} ${candidate.type === 'host' ? candidate.address : candidate.relatedAddress ?? family}`;
    if (!foundations.has(group)) foundations.set(group, foundations.size + 1);
    const priority = candidatePriority(candidate.type, Math.max(0, 65535 - index));
    let line = `a=candidate:${foundations.get(group)} 1 udp ${priority} ${candidate.address} ${candidate.port} typ ${candidate.type}`;
    if (candidate.type !== 'host') {
      // Browsers write raddr/rport on every non-host candidate, hidden ones as 0.0.0.0 0; do the same.
      const unspecified = family === 6 ? '::' : '0.0.0.0';
      line += ` raddr ${candidate.relatedAddress ?? unspecified} rport ${candidate.relatedPort ?? 0}`;
    }
    return line;
  });
  return [
    'v=0',
    `o=- ${sessionId} 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    `a=group:BUNDLE ${dataChannelMid}`,
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    `a=ice-ufrag:${credentials.ufrag}`,
    `a=ice-pwd:${credentials.pwd}`,
    'a=ice-options:trickle',
    `a=fingerprint:sha-256 ${fingerprintText(fields.fingerprint)}`,
    `a=setup:${options.setup}`,
    `a=mid:${dataChannelMid}`,
    `a=sctp-port:${sctpPort}`,
    ...candidateLines,
    'a=end-of-candidates',
    '',
  ].join('\r\n');
}
