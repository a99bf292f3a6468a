// A group's membership: a signed, hash-linked log of entries (create, add, remove), merged by union, from which
// every member computes the same member list once they hold the same entries (docs/groups.md).
//
// Entry (every field travels in `group` frames; isMembershipEntry checks their shapes):
//   kind    'create' | 'add' | 'remove'
//   group   the group's wire id ('' in the create entry: the id is derived from that entry)
//   member  the identity key (base64url) the entry is about (the creator itself in `create`)
//   name    the member's name as its author knows it ('' in `remove`)
//   by      the author's identity key      prev  hashes of the entries the author had with no successor (sorted)
//   at      the author's clock (ms; shown, never trusted for order)
//   title   the group's name (create only)  nonce 128 random bits (create only: two groups never share an id)
//   sig     Ed25519 by `by` over the signed bytes below
// signed bytes = "tincan/group-entry/v1" 0x00 kind 0x00 group 0x00 member 0x00 name 0x00 by 0x00 prev joined by ","
//                0x00 decimal(at) 0x00 title 0x00 nonce (no field may hold 0x00)
// hash = base64url(BLAKE2b-256(signed bytes)); the group's wire id = "g:" + base64url(BLAKE2b-128("tincan/group/v1"
// 0x00 hash of the create entry)).
//
// Merging takes any entry that is well-formed, signed by its `by`, names this group, and whose `prev` are all
// known (so a log is always closed under its links); nothing else. Which entries COUNT is decided by replaying them
// in one deterministic order (a topological order of the links, ties broken by hash), applying the rules:
//   - create: its author is the first member (and the group's creator);
//   - add: by a member, of someone not in, while the group has fewer than maxGroupMembers;
//   - remove: of a member, by that member itself (leaving), by the creator while a member, or by whoever added it.
// The same set of entries gives the same members on every device, whatever order they arrived in.
import { concatBytes, fromBase64Url, toBase64Url, utf8 } from '../../crypto/bytes';
import type { Identity } from '../../crypto/identity';
import type { Sodium } from '../../crypto/sodium';

/** Members of a group, this device included (a full mesh: every pair keeps its own link). */
export const maxGroupMembers = 16;
/** Entries a group's log may hold: it travels whole in one frame (about 500 bytes an entry). */
export const maxLogEntries = 100;
export const maxGroupTitleChars = 64;
const maxNameChars = 256;
const entryDomain = 'tincan/group-entry/v1';
const groupDomain = 'tincan/group/v1';
const keyPattern = /^[A-Za-z0-9_-]{43}$/;
const signaturePattern = /^[A-Za-z0-9_-]{86}$/;
const noncePattern = /^[A-Za-z0-9_-]{22}$/;
export const groupIdPattern = /^g:[A-Za-z0-9_-]{22}$/;

export type EntryKind = 'create' | 'add' | 'remove';

export interface MembershipEntry {
  readonly kind: EntryKind;
  readonly group: string;
  readonly member: string;
  readonly name: string;
  readonly by: string;
  readonly prev: readonly string[];
  readonly at: number;
  readonly title?: string;
  readonly nonce?: string;
  readonly sig: string;
}

export interface GroupMember {
  readonly key: string;
  readonly name: string;
  /** Who added it (the creator added itself). */
  readonly addedBy: string;
}

/** What the log says now. */
export interface Membership {
  readonly title: string;
  readonly creator: string;
  /** In the order they joined. */
  readonly members: readonly GroupMember[];
  /** Who was a member and is not any more (left or removed), in the order they went; a key once per departure. */
  readonly former: readonly GroupMember[];
}

/** Whether `by` may remove `member` (docs/groups.md): itself, or anyone as the creator, or whom it added. */
export function mayRemove(membership: Membership, by: string, member: string): boolean {
  const target = membership.members.find((m) => m.key === member);
  if (!target || !membership.members.some((m) => m.key === by)) return false;
  return by === member || by === membership.creator || target.addedBy === by;
}

/** The shape of an entry as it arrives (from a frame or a record): fields of the right kind and size only. */
export function isMembershipEntry(value: unknown): value is MembershipEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const e = value as Partial<Record<keyof MembershipEntry, unknown>>;
  const isText = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max && !v.includes('\u0000');
  if (e.kind !== 'create' && e.kind !== 'add' && e.kind !== 'remove') return false;
  if (!isText(e.member, 43) || !keyPattern.test(e.member) || !isText(e.by, 43) || !keyPattern.test(e.by)) return false;
  if (!isText(e.name, maxNameChars) || typeof e.sig !== 'string' || !signaturePattern.test(e.sig)) return false;
  if (typeof e.at !== 'number' || !Number.isSafeInteger(e.at)) return false;
  if (!Array.isArray(e.prev) || e.prev.length > maxLogEntries || !e.prev.every((p) => typeof p === 'string' && keyPattern.test(p)) || new Set(e.prev).size !== e.prev.length) return false;
  if (e.kind === 'create') {
    return e.group === '' && e.prev.length === 0 && isText(e.title, maxGroupTitleChars) && typeof e.nonce === 'string' && noncePattern.test(e.nonce);
  }
  return typeof e.group === 'string' && groupIdPattern.test(e.group) && e.prev.length > 0 && e.title === undefined && e.nonce === undefined;
}

/** Only an entry's own fields (a frame or a record may carry more). */
export function entryFields(e: MembershipEntry): MembershipEntry {
  return {
    kind: e.kind,
    group: e.group,
    member: e.member,
    name: e.name,
    by: e.by,
    prev: [...e.prev],
    at: e.at,
    ...(e.title !== undefined ? { title: e.title } : {}),
    ...(e.nonce !== undefined ? { nonce: e.nonce } : {}),
    sig: e.sig,
  };
}

function signedBytes(e: Omit<MembershipEntry, 'sig'>): Uint8Array {
  return utf8([entryDomain, e.kind, e.group, e.member, e.name, e.by, e.prev.join(','), String(e.at), e.title ?? '', e.nonce ?? ''].join('\u0000'));
}

export function entryHash(sodium: Sodium, e: MembershipEntry): string {
  return toBase64Url(sodium.crypto_generichash(32, signedBytes(e), null));
}

/** The wire id of the group a create entry starts. */
export function groupIdOf(sodium: Sodium, create: MembershipEntry): string {
  return `g:${toBase64Url(sodium.crypto_generichash(16, concatBytes(utf8(groupDomain), new Uint8Array([0]), utf8(entryHash(sodium, create))), null))}`;
}

function verifyEntry(sodium: Sodium, e: MembershipEntry): boolean {
  try {
    return sodium.crypto_sign_verify_detached(fromBase64Url(e.sig), signedBytes(e), fromBase64Url(e.by));
  } catch {
    return false;
  }
}

function signEntry(sodium: Sodium, identity: Identity, fields: Omit<MembershipEntry, 'sig' | 'by'>): MembershipEntry {
  const unsigned = { ...fields, by: toBase64Url(identity.publicKey) };
  return { ...unsigned, sig: toBase64Url(sodium.crypto_sign_detached(signedBytes(unsigned), identity.secretKey)) };
}

export interface MergeResult {
  /** Entries new to this log. */
  readonly added: number;
  /** Entries refused: malformed, forged, of another group, with unknown links, or over the log's size. */
  readonly refused: number;
}

export class MembershipLog {
  /** Entries by hash. */
  private readonly entries = new Map<string, MembershipEntry>();
  private cached?: Membership;

  private constructor(
    private readonly sodium: Sodium,
    /** The group's wire id. */
    readonly groupId: string,
    create: MembershipEntry,
  ) {
    this.entries.set(entryHash(sodium, create), create);
  }

  /** A new group, with this device's identity as its creator and first member. */
  static create(sodium: Sodium, identity: Identity, ownName: string, title: string, now: number): MembershipLog {
    const entry = signEntry(sodium, identity, {
      kind: 'create',
      group: '',
      member: toBase64Url(identity.publicKey),
      name: ownName,
      prev: [],
      at: now,
      title: Array.from(title).slice(0, maxGroupTitleChars).join(''),
      nonce: toBase64Url(sodium.randombytes_buf(16)),
    });
    return new MembershipLog(sodium, groupIdOf(sodium, entry), entry);
  }

  /** The log of `groupId` from entries as they arrived (untrusted): undefined without its signed create entry. */
  static from(sodium: Sodium, groupId: string, entries: readonly unknown[]): { log: MembershipLog; refused: number } | undefined {
    const create = entries.find((e): e is MembershipEntry => isMembershipEntry(e) && e.kind === 'create' && groupIdOf(sodium, e) === groupId && verifyEntry(sodium, e));
    if (!create) return undefined;
    const log = new MembershipLog(sodium, groupId, entryFields(create));
    const { refused } = log.merge(entries);
    return { log, refused };
  }

  /** Every entry, in the order they are replayed (a copy, for a frame or a record). */
  all(): MembershipEntry[] {
    return this.ordered().map(entryFields);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Takes in what another member has (the union); refuses what does not check out. */
  merge(incoming: readonly unknown[]): MergeResult {
    const waiting = new Map<string, MembershipEntry>();
    let refused = 0;
    for (const value of incoming) {
      if (!isMembershipEntry(value)) {
        refused++;
        continue;
      }
      const e = entryFields(value);
      const hash = entryHash(this.sodium, e);
      if (this.entries.has(hash) || waiting.has(hash)) continue;
      if (e.kind === 'create' || e.group !== this.groupId || !verifyEntry(this.sodium, e)) {
        // The one create entry is already here (another one starts another group).
        if (!(e.kind === 'create' && groupIdOf(this.sodium, e) === this.groupId)) refused++;
        continue;
      }
      waiting.set(hash, e);
    }
    let added = 0;
    // Entries whose links are all known join, until no more can (a link to nothing known is refused).
    for (let progress = true; progress; ) {
      progress = false;
      for (const [hash, e] of waiting) {
        if (!e.prev.every((p) => this.entries.has(p))) continue;
        waiting.delete(hash);
        if (this.entries.size >= maxLogEntries) {
          refused++;
          continue;
        }
        this.entries.set(hash, e);
        added++;
        progress = true;
      }
    }
    refused += waiting.size;
    if (added) this.cached = undefined;
    return { added, refused };
  }

  /** Appends this device's own entry (linked to every entry without a successor) and returns it. */
  append(identity: Identity, fields: { kind: 'add' | 'remove'; member: string; name: string }, now: number): MembershipEntry | undefined {
    if (this.entries.size >= maxLogEntries) return undefined;
    const entry = signEntry(this.sodium, identity, { ...fields, group: this.groupId, prev: this.heads(), at: now });
    this.merge([entry]);
    return entry;
  }

  /** The members, by replaying every entry in the one order all devices share. */
  membership(): Membership {
    if (this.cached) return this.cached;
    const members = new Map<string, GroupMember>();
    const former: GroupMember[] = [];
    let title = '';
    let creator = '';
    for (const e of this.ordered()) {
      if (e.kind === 'create') {
        title = e.title ?? '';
        creator = e.by;
        members.set(e.by, { key: e.by, name: e.name, addedBy: e.by });
        continue;
      }
      const state: Membership = { title, creator, members: [...members.values()], former };
      if (e.kind === 'add' && members.has(e.by) && !members.has(e.member) && members.size < maxGroupMembers) {
        members.set(e.member, { key: e.member, name: e.name, addedBy: e.by });
      } else if (e.kind === 'remove' && mayRemove(state, e.by, e.member)) {
        former.push(members.get(e.member)!);
        members.delete(e.member);
      }
    }
    this.cached = { title, creator, members: [...members.values()], former };
    return this.cached;
  }

  /** Hashes of the entries nothing links to yet, sorted. */
  private heads(): string[] {
    const linked = new Set<string>();
    for (const e of this.entries.values()) for (const p of e.prev) linked.add(p);
    return [...this.entries.keys()].filter((h) => !linked.has(h)).sort();
  }

  /** A topological order of the links; among entries ready at the same time, the smaller hash first. */
  private ordered(): MembershipEntry[] {
    const children = new Map<string, string[]>();
    const missing = new Map<string, number>();
    for (const [hash, e] of this.entries) {
      missing.set(hash, e.prev.length);
      for (const p of e.prev) children.set(p, [...(children.get(p) ?? []), hash]);
    }
    const ready = [...missing].filter(([, n]) => n === 0).map(([h]) => h);
    const order: MembershipEntry[] = [];
    while (ready.length) {
      ready.sort();
      const hash = ready.shift()!;
      order.push(this.entries.get(hash)!);
      for (const child of children.get(hash) ?? []) {
        const left = missing.get(child)! - 1;
        missing.set(child, left);
        if (left === 0) ready.push(child);
      }
    }
    return order;
  }
}
