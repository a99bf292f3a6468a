// What two pages say to each other through a mailbox both visit (docs/mailbox.md §6): a one-code reconnect code
// (chat/pairing.ts), sealed with crypto_box from the sender's identity key to the recipient's (both Ed25519 keys,
// turned into X25519 ones), so the mailbox that forwards it cannot read it nor make one. The sealed text names both
// keys, so a mailbox cannot hand a page its own signal back as someone else's.
//
// payload = base64url( nonce (24 bytes) || crypto_box_easy(version 2 || from key (32) || to key (32)
//                                                          || sentAt (u64 ms since 1970, big-endian) || code UTF-8) )
//
// Freshness (version 2, 2026-12-07): a mailbox (or anyone who recorded the traffic) could replay an old signal. Its
// code names a link long closed and connects nothing, but it was accepted and tried. `sentAt` is sealed with the code
// (only the two keys' holders can make or change it), and SignalFreshness refuses a signal sent more than
// signalMaxAgeMs ago or more than signalMaxAheadMs ahead of this device's clock (another device's clock may be off),
// and one whose nonce it already saw within that window: a replay cannot pass. A version 1 signal (no time) is refused
// too, so a page that was not updated cannot reconnect through a mailbox with one that was (it still reconnects by
// code). The seen nonces survive a reload: the page keeps them sealed in its vault (app/mailbox-keeper.ts, pruned as
// each one's window ends), so a replay within the window after a reload is refused too.
import { bytesEqual, concatBytes, fromBase64Url, toBase64Url, u64, view } from '../crypto/bytes';
import type { Identity } from '../crypto/identity';
import type { Sodium } from '../crypto/sodium';
import { maxSignalPayloadChars } from './mailbox-protocol';

const signalVersion = 2;
const keyBytes = 32;
const timeBytes = 8;
/** Offsets inside the sealed text. */
const fromOffset = 1;
const toOffset = fromOffset + keyBytes;
const sentAtOffset = toOffset + keyBytes;
const codeOffset = sentAtOffset + timeBytes;
/** A signal is forwarded at once and never stored: its age is the network's delay plus the clocks' difference. */
export const signalMaxAgeMs = 120_000;
/** How far ahead of this device's clock a sender's may be. */
export const signalMaxAheadMs = 120_000;

/** The most seen nonces a page keeps across a reload (the newest; a contact sends one per reconnect). */
export const maxRememberedSignals = 256;
/** Longer than a nonce in base64url (24 bytes: 32 characters). */
const maxSignalIdChars = 64;

/** Why a signal was refused (counted by the page, never shown). */
export type SignalRefusal = 'unsealed' | 'stale' | 'replayed';

export interface OpenedSignal {
  readonly code: string;
  /** When the sender sealed it (its clock). */
  readonly sentAt: number;
  /** Its nonce (base64url): what SignalFreshness remembers. */
  readonly id: string;
}
/** The longest code a signal carries: its payload stays below maxSignalPayloadChars. */
export const maxSignalCodeChars = 1_200;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function boxKeys(sodium: Sodium, own: Identity, other: Uint8Array): { publicKey: Uint8Array; secretKey: Uint8Array } {
  return { publicKey: sodium.crypto_sign_ed25519_pk_to_curve25519(other), secretKey: sodium.crypto_sign_ed25519_sk_to_curve25519(own.secretKey) };
}

/**
 * `code` sealed from `identity` to the identity key `to`, stamped `sentAt` (ms); undefined when the code is longer
 * than a signal carries.
 */
export function sealSignal(sodium: Sodium, identity: Identity, to: Uint8Array, code: string, sentAt: number): string | undefined {
  if (code.length > maxSignalCodeChars || !Number.isSafeInteger(sentAt) || sentAt < 0) return undefined;
  const { publicKey, secretKey } = boxKeys(sodium, identity, to);
  try {
    const nonce = sodium.randombytes_buf(sodium.crypto_box_NONCEBYTES);
    const plain = concatBytes(new Uint8Array([signalVersion]), identity.publicKey, to, u64(sentAt), encoder.encode(code));
    return toBase64Url(concatBytes(nonce, sodium.crypto_box_easy(plain, nonce, publicKey, secretKey)));
  } finally {
    sodium.memzero(secretKey);
  }
}

/**
 * What a signal from the identity key `from` carries, or undefined for anything else (untrusted input; a version 1
 * signal, which carries no time, included). Its time is not checked here: SignalFreshness does.
 */
export function openSignal(sodium: Sodium, identity: Identity, from: Uint8Array, payload: string): OpenedSignal | undefined {
  if (payload.length > maxSignalPayloadChars || from.length !== keyBytes) return undefined;
  let secretKey: Uint8Array | undefined;
  try {
    const bytes = fromBase64Url(payload);
    const nonceBytes = sodium.crypto_box_NONCEBYTES;
    if (bytes.length < nonceBytes + sodium.crypto_box_MACBYTES + codeOffset) return undefined;
    const keys = boxKeys(sodium, identity, from);
    secretKey = keys.secretKey;
    const nonce = bytes.subarray(0, nonceBytes);
    const plain = sodium.crypto_box_open_easy(bytes.subarray(nonceBytes), nonce, keys.publicKey, secretKey);
    if (plain.length < codeOffset || plain[0] !== signalVersion) return undefined;
    if (!bytesEqual(plain.subarray(fromOffset, toOffset), from) || !bytesEqual(plain.subarray(toOffset, sentAtOffset), identity.publicKey)) return undefined;
    const sentAt = Number(view(plain).getBigUint64(sentAtOffset));
    if (!Number.isSafeInteger(sentAt)) return undefined;
    return { code: decoder.decode(plain.subarray(codeOffset)), sentAt, id: toBase64Url(nonce) };
  } catch {
    return undefined; // not base64url, not sealed between these two keys, or not UTF-8
  } finally {
    if (secretKey) sodium.memzero(secretKey);
  }
}

/**
 * Which opened signals may be used: sent within signalMaxAgeMs before now (or signalMaxAheadMs after it), and never
 * seen before. Remembers each accepted nonce for as long as its signal would pass the time check, so a replay within
 * the window is refused too. One per page (every mailbox it visits).
 */
export class SignalFreshness {
  /** Nonce -> the time after which its signal is stale anyway; oldest first. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** undefined: fresh, remembered from now on; otherwise why it is refused. */
  accept(signal: OpenedSignal): SignalRefusal | undefined {
    const now = this.now();
    for (const [id, until] of this.seen) {
      if (until > now) break;
      this.seen.delete(id);
    }
    if (signal.sentAt < now - signalMaxAgeMs || signal.sentAt > now + signalMaxAheadMs) return 'stale';
    if (this.seen.has(signal.id)) return 'replayed';
    // Kept while it would still pass the time check (a later one may expire sooner: pruning then waits for it).
    this.seen.set(signal.id, signal.sentAt + signalMaxAgeMs);
    return undefined;
  }

  /** The nonces to keep across a reload, the newest maxRememberedSignals still within their window: [nonce, until]. */
  remembered(): [string, number][] {
    const now = this.now();
    return [...this.seen].filter(([, until]) => until > now).slice(-maxRememberedSignals);
  }

  /** Takes back what remembered() gave before a reload (untrusted: stored data); those past their window are dropped. */
  restore(stored: unknown): void {
    if (!Array.isArray(stored)) return;
    const now = this.now();
    const entries = stored
      .filter((e): e is [string, number] => Array.isArray(e) && typeof e[0] === 'string' && e[0].length <= maxSignalIdChars && Number.isSafeInteger(e[1]) && e[1] > now)
      .slice(-maxRememberedSignals);
    // Oldest first, as accept() prunes: the restored ones before any seen since.
    const since = [...this.seen];
    this.seen.clear();
    for (const [id, until] of [...entries, ...since].sort((a, b) => a[1] - b[1])) this.seen.set(id, until);
  }
}
