// Sender chains: how a message is sealed once for its conversation, so that any carrier (a live link, another
// member, a mailbox, a relay) can hold it without being able to read it (docs/envelopes.md).
//
// A chain belongs to one sender in one conversation. It starts from 32 random bytes (chain key 0) and moves one step
// per message, with keyed BLAKE2b-256:
//   message key n   = BLAKE2b-256(key = chain key n, "tincan/chain/msg/v1")
//   chain key n + 1 = BLAKE2b-256(key = chain key n, "tincan/chain/next/v1")
// The step is one-way: whoever holds chain key n can derive every later key, never an earlier one. The sender hands
// a chain's starting key to the other members over their direct, authenticated sessions; each member keeps only the
// chain key of the next message it has not opened, plus the message keys of messages skipped over (bounded), and
// erases a message key once its message is stored (`consume`). So a stolen device yields the keys of messages
// that have not arrived yet, never of those it already has.
//
// A message key seals exactly one message (XChaCha20-Poly1305-IETF with a zero nonce: the key is never reused). A
// sender that keeps its chain across a reload can only seal numbers below the reservation on disk (`sealBelow`, raised
// by its keeper once the reservation is written: chat/chain-keeper.ts), and resumes at that reservation, so a crash
// skips numbers but never seals two messages under one key.
import { TincanError } from '../errors';
import { toBase64Url, utf8 } from './bytes';
import type { Sodium } from './sodium';

export const chainKeyBytes = 32;
export const chainIdBytes = 16;
/** Message keys a member keeps for messages it has not received yet in one chain (the sender's resends fill the gap);
 * past that the oldest go, and their messages can no longer be opened (`lost`). */
export const maxSkippedMessageKeys = 2_000;
/** Runs of numbers whose keys went that way, remembered so they are not taken for stored ones. */
export const maxLostRuns = 1_000;
/** Farthest ahead of the next expected number a message may be: each step is a hash, so a larger jump is refused
 * (`lost`) rather than computed. */
export const maxChainJump = 100_000;

const messageKeyDomain = utf8('tincan/chain/msg/v1');
const nextChainKeyDomain = utf8('tincan/chain/next/v1');
const zeroNonce = new Uint8Array(24);

/** A chain as the sender hands it to a member: its id and the chain key of message `n`. */
export interface ChainStart {
  readonly chainId: Uint8Array;
  readonly key: Uint8Array;
  readonly n: number;
}

export function newChainStart(sodium: Sodium): ChainStart {
  return { chainId: sodium.randombytes_buf(chainIdBytes), key: sodium.randombytes_buf(chainKeyBytes), n: 0 };
}

function messageKeyOf(sodium: Sodium, chainKey: Uint8Array): Uint8Array {
  return sodium.crypto_generichash(32, messageKeyDomain, chainKey);
}

function nextChainKey(sodium: Sodium, chainKey: Uint8Array): Uint8Array {
  return sodium.crypto_generichash(32, nextChainKeyDomain, chainKey);
}

/** Opens a box with a message key handed over on its own (a member catching another up), not from a chain. */
export function openWithMessageKey(sodium: Sodium, messageKey: Uint8Array, box: Uint8Array, associatedData: Uint8Array): Uint8Array | undefined {
  try {
    return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, box, associatedData, zeroNonce, messageKey);
  } catch {
    return undefined;
  }
}

/** The chain key of message `n` of a chain, stepped from its start (n hashes): what a member is handed when it needs
 * the chain only from `n` on, so it cannot derive the keys of messages before. */
export function chainKeyAt(sodium: Sodium, start: ChainStart, n: number): Uint8Array {
  let key: Uint8Array = start.key.slice();
  for (let i = start.n; i < n; i++) {
    const next = nextChainKey(sodium, key);
    sodium.memzero(key);
    key = next;
  }
  return key;
}

/** The key of message `n` of a chain, from its start: what a sender hands with one envelope to a fellow group member
 * who cannot be handed the chain itself (n + 1 hashes). */
export function messageKeyAt(sodium: Sodium, start: ChainStart, n: number): Uint8Array {
  const chainKey = chainKeyAt(sodium, start, n);
  const messageKey = messageKeyOf(sodium, chainKey);
  sodium.memzero(chainKey);
  return messageKey;
}

/** The sender's side: seals each message under the next message key, then forgets it. */
export class OutgoingChain {
  private key: Uint8Array;
  private n: number;
  /** Numbers from here on may not be sealed yet (not reserved on disk); unbounded for a chain nobody keeps. */
  private sealBelow: number;

  /** `position.next`: where a kept chain resumes (at its reservation, n hashes from its start); `position.sealBelow`:
   * the first number it may not seal until `allowBelow` raises it. */
  constructor(
    private readonly sodium: Sodium,
    readonly start: ChainStart,
    position: { readonly next?: number; readonly sealBelow?: number } = {},
  ) {
    this.n = Math.max(position.next ?? start.n, start.n);
    this.key = chainKeyAt(sodium, start, this.n);
    this.sealBelow = position.sealBelow ?? Number.POSITIVE_INFINITY;
  }

  get chainId(): string {
    return toBase64Url(this.start.chainId);
  }

  /** The number the next sealed message gets. */
  get next(): number {
    return this.n;
  }

  /** Whether `next` may be sealed now (it is below the reservation on disk). */
  get canSeal(): boolean {
    return this.n < this.sealBelow;
  }

  /** The first number not reserved on disk. */
  get reservedTo(): number {
    return this.sealBelow;
  }

  /** The numbers below `end` are reserved on disk: they may be sealed (a reservation never shrinks). */
  allowBelow(end: number): void {
    this.sealBelow = Math.max(this.sealBelow, end);
  }

  /** Seals `plaintext` as message `next` with `associatedData` (which should name the chain and the number). */
  seal(plaintext: Uint8Array, associatedData: (n: number) => Uint8Array): { n: number; box: Uint8Array } {
    const n = this.n;
    // A bug if it happens: a number past the reservation could be sealed again after a crash.
    if (!this.canSeal) throw new TincanError('UNEXPECTED', `sender chain: number ${n} is not reserved`);
    const messageKey = messageKeyOf(this.sodium, this.key);
    const box = this.sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, associatedData(n), null, zeroNonce, messageKey);
    this.sodium.memzero(messageKey);
    const next = nextChainKey(this.sodium, this.key);
    this.sodium.memzero(this.key);
    this.key = next;
    this.n = n + 1;
    return { n, box };
  }
}

/** What a member keeps of a received chain between sessions (sealed in the vault): no key of an opened message. */
export interface IncomingChainState {
  /** Chain key of message `next` (base64url). */
  readonly key: string;
  readonly next: number;
  /** Message keys of messages skipped over and not received yet, by number (base64url). */
  readonly skipped: Readonly<Record<string, string>>;
  /** Runs [from, to) of numbers whose keys were given up, and below which nothing is known (`lostBelow`). */
  readonly lost?: readonly (readonly [number, number])[];
  readonly lostBelow?: number;
}

export type OpenResult =
  | { readonly ok: true; readonly plaintext: Uint8Array }
  /** `consumed`: this message was opened and stored before (its key is gone): a resend, to acknowledge again.
   *  `lost`: its key was given up (too many skipped, see maxSkippedMessageKeys): it can never be opened.
   *  `invalid`: the box does not open with its key. */
  | { readonly ok: false; readonly reason: 'consumed' | 'lost' | 'invalid' };

/** A member's side of one sender's chain. */
export class IncomingChain {
  private key: Uint8Array;
  private next: number;
  /** Keys of numbers below `next` skipped over and not received yet (bounded by maxSkippedMessageKeys). */
  private readonly skipped = new Map<number, Uint8Array>();
  /** Keys of messages opened and not yet stored (bounded by what the session lets through before a write). */
  private readonly opened = new Map<number, Uint8Array>();
  /** Runs of numbers whose keys were given up, ascending; below `lostBelow` a missing key is taken as lost too. */
  private readonly lost: [number, number][] = [];
  private lostBelow: number;

  constructor(
    private readonly sodium: Sodium,
    start: {
      key: Uint8Array;
      n: number;
      skipped?: ReadonlyMap<number, Uint8Array>;
      lost?: readonly (readonly [number, number])[];
      lostBelow?: number;
    },
  ) {
    this.key = start.key.slice();
    this.next = start.n;
    this.lostBelow = start.lostBelow ?? 0;
    for (const [n, key] of start.skipped ?? []) if (n < this.next) this.skipped.set(n, key.slice());
    for (const [from, to] of start.lost ?? []) if (from < to && to <= this.next) this.lost.push([from, to]);
    this.lost.sort((a, b) => a[0] - b[0]);
  }

  /** The number of the next message this chain has not reached. */
  get position(): number {
    return this.next;
  }

  /**
   * Opens message `n`. Its key stays until `consume(n)` (called once the message is stored): a message that is
   * opened but not stored (a failed write) opens again when it is resent.
   */
  open(n: number, box: Uint8Array, associatedData: Uint8Array): OpenResult {
    if (n - this.next >= maxChainJump) return { ok: false, reason: 'lost' };
    if (n >= this.next) this.advanceTo(n + 1);
    const messageKey = this.opened.get(n) ?? this.skipped.get(n);
    if (!messageKey) return { ok: false, reason: this.isLost(n) ? 'lost' : 'consumed' };
    let plaintext: Uint8Array;
    try {
      plaintext = this.sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, box, associatedData, zeroNonce, messageKey);
    } catch {
      // A box that does not open leaves the key where it was: the genuine message may still come.
      return { ok: false, reason: 'invalid' };
    }
    if (this.skipped.delete(n)) this.opened.set(n, messageKey);
    return { ok: true, plaintext };
  }

  /** A copy of message `n`'s key while it is opened and not consumed (a member holds it with the envelope for a
   * member who is away: chat/group-sync.ts); undefined otherwise. */
  keyOf(n: number): Uint8Array | undefined {
    return this.opened.get(n)?.slice();
  }

  /** Message `n` is stored: its key is erased, and can never be derived again from what this chain keeps. */
  consume(n: number): void {
    const key = this.opened.get(n) ?? this.skipped.get(n);
    if (!key) return;
    this.sodium.memzero(key);
    this.opened.delete(n);
    this.skipped.delete(n);
  }

  /** For the vault: a key opened but not stored yet is kept as skipped (its message is resent if never stored). */
  state(): IncomingChainState {
    const skipped: Record<string, string> = {};
    for (const [n, key] of [...this.skipped, ...this.opened]) skipped[String(n)] = toBase64Url(key);
    return { key: toBase64Url(this.key), next: this.next, skipped, lost: this.lost.map(([a, b]) => [a, b] as const), lostBelow: this.lostBelow };
  }

  private isLost(n: number): boolean {
    return n < this.lostBelow || this.lost.some(([from, to]) => n >= from && n < to);
  }

  private advanceTo(end: number): void {
    // A jump far ahead derives only the keys it will keep: the ones before are lost at once.
    const keepFrom = end - maxSkippedMessageKeys - 1;
    if (this.next < keepFrom) {
      this.markLost(this.next, keepFrom);
      for (let i = this.next; i < keepFrom; i++) this.key = this.step(this.key);
      this.next = keepFrom;
    }
    while (this.next < end) {
      this.skipped.set(this.next, messageKeyOf(this.sodium, this.key));
      this.key = this.step(this.key);
      this.next++;
    }
    while (this.skipped.size > maxSkippedMessageKeys) {
      const [oldest, key] = this.skipped.entries().next().value as [number, Uint8Array];
      this.sodium.memzero(key);
      this.skipped.delete(oldest);
      this.markLost(oldest, oldest + 1);
    }
  }

  private step(chainKey: Uint8Array): Uint8Array {
    const next = nextChainKey(this.sodium, chainKey);
    this.sodium.memzero(chainKey);
    return next;
  }

  /** Adds [from, to) to the lost runs, kept sorted and merged; past maxLostRuns the lowest fold into `lostBelow`. */
  private markLost(from: number, to: number): void {
    let at = this.lost.findIndex(([start]) => start > from);
    if (at < 0) at = this.lost.length;
    this.lost.splice(at, 0, [from, to]);
    for (let i = Math.max(0, at - 1); i < this.lost.length - 1; ) {
      const [a, b] = [this.lost[i]!, this.lost[i + 1]!];
      if (a[1] >= b[0]) {
        a[1] = Math.max(a[1], b[1]);
        this.lost.splice(i + 1, 1);
      } else if (i > at) break;
      else i++;
    }
    while (this.lost.length > maxLostRuns) this.lostBelow = Math.max(this.lostBelow, this.lost.shift()![1]);
  }
}
