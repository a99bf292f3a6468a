// What a page and its mailbox say inside the sealed channel (docs/mailbox.md §3). The channel is a SecureChannel
// (secure-channel.ts): the page's Hello and the mailbox's, each signed over both DTLS fingerprints, so the mailbox
// knows which identity key dialed and the page knows it reached the key its mailbox code names. Each frame below is
// one sealed message: UTF-8 JSON `{ t, … }`, validated where decoded; unknown fields are not carried along.
//
// Page -> mailbox
//   claim     { secret }            the owner's first visit: the claim secret of the code the mailbox printed
//   contacts  { keys }              owner only: the identity keys (base64url) the mailbox serves from now on
//   deposit   { n, to, item }       an envelope or ack signed by the depositor, for `to`: a contact leaves items for
//                                   the owner, the owner for a contact (its acks, and messages while it is away)
//   collect   {}                    sends what is held for the page's key, oldest first
//   taken     { ids }               the page stored these: they are removed (each item is handed over once)
//   signal    { to, payload }       for a page visiting right now (never stored): a reconnect code sealed to `to`'s
//                                   identity key (chat/mailbox-signal.ts), between the owner and a contact only;
//                                   anything else, or past the sender's signal budget, is dropped
// Mailbox -> page
//   welcome   { role, held, usedBytes, quotaBytes, contacts }   after the Hello (or a good claim), and again as the
//                                   answer to `contacts` once they are stored
//   deposited { n, ok, reason? }    reason: 'quota' (no room) | 'not-allowed' (not signed by the depositor, or
//                                   addressed to someone the mailbox does not serve for it)
//   held      { items: [{ id, item }], more }                   answers collect, in frames below maxMailboxFrameBytes;
//                                   also pushed, unasked, when an item is left for a page that is visiting
//   present   { keys }              after each welcome: who this page may signal that is visiting right now (the
//                                   owner: its contacts; a contact: the owner)
//   signal    { from, payload }     a signal forwarded from `from` (the identity key the mailbox saw prove itself)
//   refused   { reason }            'stranger' (not the owner nor a contact) | 'claimed' (wrong or used claim); the
//                                   mailbox then closes the channel
import { validateItem, type CarriedItem } from './frames';

export type MailboxRole = 'owner' | 'contact';

export type MailboxRequest =
  | { readonly t: 'claim'; readonly secret: string }
  | { readonly t: 'contacts'; readonly keys: readonly string[] }
  | { readonly t: 'deposit'; readonly n: number; readonly to: string; readonly item: CarriedItem }
  | { readonly t: 'collect' }
  | { readonly t: 'taken'; readonly ids: readonly string[] }
  | { readonly t: 'signal'; readonly to: string; readonly payload: string }
  /** Not sent: what decodeMailboxRequest makes of a deposit whose item or address does not validate (refused). */
  | { readonly t: 'malformed-deposit'; readonly n: number };

export type MailboxRefusal = 'stranger' | 'claimed';
export type DepositRefusal = 'quota' | 'not-allowed';

export interface HeldItem {
  readonly id: string;
  readonly item: CarriedItem;
}

export type MailboxReply =
  | { readonly t: 'welcome'; readonly role: MailboxRole; readonly held: number; readonly usedBytes: number; readonly quotaBytes: number; readonly contacts: number }
  | { readonly t: 'deposited'; readonly n: number; readonly ok: boolean; readonly reason?: DepositRefusal }
  | { readonly t: 'held'; readonly items: readonly HeldItem[]; readonly more: boolean }
  | { readonly t: 'present'; readonly keys: readonly string[] }
  | { readonly t: 'signal'; readonly from: string; readonly payload: string }
  | { readonly t: 'refused'; readonly reason: MailboxRefusal };

/** Frames stay below this (a sealed chat frame's limit too), so any channel carries them. */
export const maxMailboxFrameBytes = 60 * 1024;
/** Contacts the owner may name at once. */
export const maxMailboxContacts = 1_000;
/** Ids one `taken` may name. */
export const maxTakenIds = 512;

/** A signal's sealed payload (base64url characters): a reconnect code sealed is far below it. */
export const maxSignalPayloadChars = 2_048;

const keyPattern = /^[A-Za-z0-9_-]{43}$/;
const claimPattern = /^[A-Za-z0-9_-]{22}$/;
const heldIdPattern = /^[0-9]{1,16}$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeMailboxFrame(frame: MailboxRequest | MailboxReply): Uint8Array {
  return encoder.encode(JSON.stringify(frame));
}

function parse(bytes: Uint8Array): Readonly<Record<string, unknown>> | undefined {
  if (bytes.length > maxMailboxFrameBytes) return undefined;
  try {
    const value: unknown = JSON.parse(decoder.decode(bytes));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function itemOf(value: unknown): CarriedItem | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Readonly<Record<string, unknown>>;
  return validateItem(record.type, record);
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isKey = (value: unknown): value is string => typeof value === 'string' && keyPattern.test(value);
const isPayload = (value: unknown): value is string => typeof value === 'string' && value.length <= maxSignalPayloadChars && /^[A-Za-z0-9_-]+$/.test(value);

/** A page's request, or undefined for anything malformed (the mailbox ignores it). */
export function decodeMailboxRequest(bytes: Uint8Array): MailboxRequest | undefined {
  const b = parse(bytes);
  switch (b?.t) {
    case 'claim':
      return typeof b.secret === 'string' && claimPattern.test(b.secret) ? { t: 'claim', secret: b.secret } : undefined;
    case 'contacts':
      return Array.isArray(b.keys) && b.keys.length <= maxMailboxContacts && b.keys.every(isKey) ? { t: 'contacts', keys: [...new Set(b.keys as string[])] } : undefined;
    case 'deposit': {
      const item = itemOf(b.item);
      if (!isCount(b.n)) return undefined;
      return isKey(b.to) && item ? { t: 'deposit', n: b.n, to: b.to, item } : { t: 'malformed-deposit', n: b.n };
    }
    case 'collect':
      return { t: 'collect' };
    case 'taken':
      return Array.isArray(b.ids) && b.ids.length > 0 && b.ids.length <= maxTakenIds && b.ids.every((id) => typeof id === 'string' && heldIdPattern.test(id))
        ? { t: 'taken', ids: [...(b.ids as string[])] }
        : undefined;
    case 'signal':
      return isKey(b.to) && isPayload(b.payload) ? { t: 'signal', to: b.to, payload: b.payload } : undefined;
  }
  return undefined;
}

/** The mailbox's reply, or undefined for anything malformed (the page ignores it). */
export function decodeMailboxReply(bytes: Uint8Array): MailboxReply | undefined {
  const b = parse(bytes);
  switch (b?.t) {
    case 'welcome':
      return (b.role === 'owner' || b.role === 'contact') && isCount(b.held) && isCount(b.usedBytes) && isCount(b.quotaBytes) && isCount(b.contacts)
        ? { t: 'welcome', role: b.role, held: b.held, usedBytes: b.usedBytes, quotaBytes: b.quotaBytes, contacts: b.contacts }
        : undefined;
    case 'deposited':
      if (!isCount(b.n) || typeof b.ok !== 'boolean') return undefined;
      if (b.ok) return { t: 'deposited', n: b.n, ok: true };
      return b.reason === 'quota' || b.reason === 'not-allowed' ? { t: 'deposited', n: b.n, ok: false, reason: b.reason } : undefined;
    case 'held': {
      if (!Array.isArray(b.items) || typeof b.more !== 'boolean') return undefined;
      const items: HeldItem[] = [];
      for (const entry of b.items as unknown[]) {
        const e = entry as Readonly<Record<string, unknown>> | null;
        const item = e && typeof e === 'object' ? itemOf(e.item) : undefined;
        if (!item || typeof e!.id !== 'string' || !heldIdPattern.test(e!.id)) return undefined;
        items.push({ id: e!.id, item });
      }
      return { t: 'held', items, more: b.more };
    }
    case 'present':
      return Array.isArray(b.keys) && b.keys.length <= maxMailboxContacts && b.keys.every(isKey) ? { t: 'present', keys: [...(b.keys as string[])] } : undefined;
    case 'signal':
      return isKey(b.from) && isPayload(b.payload) ? { t: 'signal', from: b.from, payload: b.payload } : undefined;
    case 'refused':
      return b.reason === 'stranger' || b.reason === 'claimed' ? { t: 'refused', reason: b.reason } : undefined;
  }
  return undefined;
}

/** The signer of an envelope or ack: who may deposit it (items are only ever deposited by who signed them). */
export function signerOf(item: CarriedItem): string {
  return item.type === 'envelope' ? item.from : item.by;
}
