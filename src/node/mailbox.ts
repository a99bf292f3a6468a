// The mailbox role (docs/mailbox.md): a long-running Node peer that belongs to one owner and holds the sealed
// envelopes and signed acks the owner's contacts and the owner leave for each other, reached by pages with no code
// (net/direct-listener.ts). runMailbox is what `tincan mailbox --listen ADDRESS:PORT [--public ADDRESS:PORT]` calls.
//
// Who is served, decided after the Hello (chat/mailbox-client.ts secureDirectChannel) by the identity key it proved:
//   the owner      may name the contacts, collect what is held for it, leave items for its contacts;
//   a contact      may leave items for the owner and collect what the owner left for it;
//   anyone else    gets `refused` and the channel closes: it learns nothing (not even whether anything is held) and
//                  can store nothing. Before the mailbox has an owner, a dialer may present the claim secret of the
//                  code the mailbox printed (once): it becomes the owner.
// Only a served dialer is `prove`d to the listener; anyone else stays a stranger (capped, closed after 8 s).
// Every item deposited must be signed by the depositor itself (no one leaves others' items), and is kept as it
// came: the mailbox never holds plaintext (envelopes are sealed end to end, acks only name message ids).
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TokenBucket } from '../chat/budget';
import { secureDirectChannel } from '../chat/mailbox-client';
import type { SecureChannel } from '../chat/secure-channel';
import { decodeMailboxRequest, encodeMailboxFrame, maxMailboxFrameBytes, signerOf, type HeldItem, type MailboxReply, type MailboxRequest, type MailboxRole } from '../chat/mailbox-protocol';
import { fromBase64Url, toBase64Url } from '../crypto/bytes';
import { DirectListener, type DirectListenerOptions, type ListenerChannel } from '../net/direct-listener';
import { encodeMailboxCode, mailboxLink } from '../invite/mailbox-code';
import { makePemCertificate, pemFingerprint } from './certificate-pem';
import { openFileBackend } from './file-backend';
import { MailboxStore } from './mailbox-store';

export const mailboxDisplayName = 'Mailbox';
/** Requests one served dialer may make: far above a page's outbox being handed over, and a flood is dropped. */
const requestBudget = { perSecond: 200, burst: 2_000 };
/**
 * Signals one served dialer may send (forwarded, never stored): a page sends one per contact it finds present, so a
 * burst the size of a large contact list passes and a flood is dropped.
 */
const signalBudget = { perSecond: 1, burst: 64 };
const expiryCheckMs = 3600_000;

export interface HostPort {
  readonly address: string;
  readonly port: number;
}

export interface MailboxOptions {
  /** The profile folder: the mailbox keeps its records and certificate in `<home>/mailbox/`. */
  readonly home: string;
  readonly listen: HostPort;
  /** The address and port pages dial when it differs from `listen` (a forwarded port, a public address). */
  readonly publicAddress?: HostPort;
  readonly quotaBytes?: number;
  /** Passed to the listener (tests shorten its deadlines). */
  readonly listener?: Partial<DirectListenerOptions>;
  readonly now?: () => number;
}

export interface MailboxStatus {
  /** The owner's identity key (base64url), once claimed. */
  readonly owner?: string;
  readonly contacts: number;
  readonly held: number;
  readonly usedBytes: number;
  readonly quotaBytes: number;
}

export interface RunningMailbox {
  /** The code to give the owner: with the claim secret until the mailbox is claimed. */
  readonly code: string;
  /** The code without the claim (what contacts get from the owner's page). */
  readonly codeForContacts: string;
  /** `<page>#mailbox=<code>`. */
  link(pageUrl: string): string;
  status(): MailboxStatus;
  readonly listener: DirectListener;
  stop(): Promise<void>;
}

/** "ADDRESS:PORT" or "[v6]:PORT" -> HostPort; undefined when it is not one. */
export function parseHostPort(text: string): HostPort | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : 0;
  if (!match || port < 1 || port > 65_535) return undefined;
  return { address: (match[1] ?? match[2])!, port };
}

async function certificateIn(directory: string): Promise<{ certificatePemFile: string; keyPemFile: string; fingerprint: Uint8Array }> {
  const certificatePemFile = path.join(directory, 'certificate.pem');
  const keyPemFile = path.join(directory, 'key.pem');
  let certificatePem: string;
  try {
    certificatePem = await readFile(certificatePemFile, 'utf8');
    await readFile(keyPemFile, 'utf8');
  } catch {
    // The fingerprint is in the mailbox code: made once, kept (a new one would need a new code).
    const made = makePemCertificate();
    await writeFile(keyPemFile, made.keyPem, { mode: 0o600 });
    await chmod(keyPemFile, 0o600);
    await writeFile(certificatePemFile, made.certificatePem);
    certificatePem = made.certificatePem;
  }
  return { certificatePemFile, keyPemFile, fingerprint: pemFingerprint(certificatePem) };
}

export async function runMailbox(options: MailboxOptions): Promise<RunningMailbox> {
  const directory = path.join(options.home, 'mailbox');
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const certificate = await certificateIn(directory);
  const store = await MailboxStore.open(await openFileBackend(path.join(directory, 'records')), {
    ...(options.quotaBytes ? { quotaBytes: options.quotaBytes } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const listener = new DirectListener({ host: options.listen.address, port: options.listen.port, ...certificate, ...options.listener });
  const visits = new Set<MailboxVisit>();
  listener.on('connection', (channel) => {
    const visit = new MailboxVisit(channel, store, visits, () => visits.delete(visit), options.now);
    visits.add(visit);
  });
  const expiry = setInterval(() => void store.expire().catch(() => undefined), expiryCheckMs);
  expiry.unref();
  const reach = options.publicAddress ?? options.listen;
  const codeFields = { address: reach.address, port: reach.port, fingerprint: certificate.fingerprint, identityKey: store.identity.publicKey };
  const codeForContacts = encodeMailboxCode(codeFields);
  const claim = store.config.claim;
  const code = claim ? encodeMailboxCode({ ...codeFields, claim: fromBase64Url(claim) }) : codeForContacts;
  return {
    code,
    codeForContacts,
    link: (pageUrl) => mailboxLink(pageUrl, code),
    status: () => ({
      ...(store.config.owner ? { owner: store.config.owner } : {}),
      contacts: store.config.contacts.length,
      held: store.heldCount,
      usedBytes: store.usedBytes,
      quotaBytes: store.quotaBytes,
    }),
    listener,
    async stop() {
      clearInterval(expiry);
      for (const visit of [...visits]) visit.close();
      listener.stop();
    },
  };
}

/** One dialer's visit: the Hello, then its requests in order. */
class MailboxVisit {
  key?: string;
  private isAwaitingClaim = false;
  private queue: Promise<void> = Promise.resolve();
  private readonly budget: TokenBucket;
  private readonly signals: TokenBucket;
  private readonly secure: SecureChannel;

  constructor(
    private readonly channel: ListenerChannel,
    private readonly store: MailboxStore,
    /** Every visit open now (this one too). */
    private readonly visits: ReadonlySet<MailboxVisit>,
    private readonly onEnd: () => void,
    now: () => number = Date.now,
  ) {
    this.budget = new TokenBucket(requestBudget, now);
    this.signals = new TokenBucket(signalBudget, now);
    this.secure = secureDirectChannel(channel, store.identity, mailboxDisplayName, 'answerer');
    this.secure.on('ready', (peer) => this.identify(toBase64Url(peer.identityKey)));
    this.secure.on('frame', (bytes) => {
      if (!this.key || !this.budget.take()) return;
      const request = decodeMailboxRequest(bytes);
      if (!request) return;
      this.queue = this.queue.then(() => this.handle(request)).catch(() => this.close());
    });
    channel.on('closed', () => this.onEnd());
  }

  close(): void {
    this.channel.close();
  }

  /** An item just left for this visitor. */
  push(held: HeldItem): void {
    if (this.key && this.roleOf(this.key)) this.reply({ t: 'held', items: [held], more: false });
  }

  /** A signal for this visitor, from a key the mailbox saw prove itself. */
  forward(from: string, payload: string): void {
    if (this.key && this.roleOf(this.key)) this.reply({ t: 'signal', from, payload });
  }

  /** The served visits of `key` open now. */
  private visitsOf(key: string): MailboxVisit[] {
    return [...this.visits].filter((v) => v !== this && v.key === key && !!v.roleOf(key));
  }

  /** Whom `key` (served as `role`) may signal: the owner its contacts, a contact the owner. */
  private maySignal(role: MailboxRole, to: string): boolean {
    const { owner, contacts } = this.store.config;
    return role === 'owner' ? contacts.includes(to) : to === owner;
  }

  roleOf(key: string): MailboxRole | undefined {
    const { owner, contacts } = this.store.config;
    if (owner === key) return 'owner';
    return owner && contacts.includes(key) ? 'contact' : undefined;
  }

  private identify(key: string): void {
    this.key = key;
    if (this.roleOf(key)) return this.welcome();
    // No owner yet: this dialer may claim the mailbox with the code's secret (and only that).
    if (!this.store.config.owner) {
      this.isAwaitingClaim = true;
      return;
    }
    this.refuse('stranger');
  }

  private welcome(): void {
    const role = this.roleOf(this.key!);
    if (!role) return this.refuse('stranger');
    this.channel.prove();
    this.reply({
      t: 'welcome',
      role,
      held: this.store.heldFor(this.key!),
      usedBytes: this.store.usedBytes,
      quotaBytes: this.store.quotaBytes,
      contacts: this.store.config.contacts.length,
    });
    const present = new Set([...this.visits].filter((v) => v !== this && v.key && v.roleOf(v.key) && this.maySignal(role, v.key)).map((v) => v.key!));
    this.reply({ t: 'present', keys: [...present] });
  }

  private refuse(reason: 'stranger' | 'claimed'): void {
    this.reply({ t: 'refused', reason });
    this.close();
  }

  private async handle(request: MailboxRequest): Promise<void> {
    const key = this.key!;
    if (request.t === 'claim') {
      const { owner, claim, contacts } = this.store.config;
      if (!this.isAwaitingClaim || owner || !claim || request.secret !== claim) return this.refuse('claimed');
      this.isAwaitingClaim = false;
      await this.store.setConfig({ owner: key, contacts });
      return this.welcome();
    }
    const role = this.roleOf(key);
    if (!role) return this.refuse('stranger');
    switch (request.t) {
      case 'contacts':
        if (role !== 'owner') return;
        await this.store.setConfig({ ...this.store.config, contacts: request.keys.filter((k) => k !== key) });
        return this.welcome();
      case 'deposit': {
        const { owner, contacts } = this.store.config;
        const allowed = signerOf(request.item) === key && (role === 'contact' ? request.to === owner : contacts.includes(request.to));
        if (!allowed) return this.reply({ t: 'deposited', n: request.n, ok: false, reason: 'not-allowed' });
        const stored = await this.store.deposit(key, request.to, request.item);
        if (stored.outcome === 'quota') return this.reply({ t: 'deposited', n: request.n, ok: false, reason: 'quota' });
        this.reply({ t: 'deposited', n: request.n, ok: true });
        // Left for someone visiting now: pushed at once (they take it as from a collect).
        if (stored.outcome === 'stored') for (const other of this.visitsOf(request.to)) other.push({ id: stored.id, item: request.item });
        return;
      }
      case 'signal':
        // Only to a page visiting now, only between the owner and a contact, within the budget; never stored.
        if (!this.maySignal(role, request.to) || !this.signals.take()) return;
        for (const other of this.visitsOf(request.to)) other.forward(key, request.payload);
        return;
      case 'malformed-deposit':
        return this.reply({ t: 'deposited', n: request.n, ok: false, reason: 'not-allowed' });
      case 'collect':
        return this.sendHeld(await this.store.itemsFor(key));
      case 'taken':
        return this.store.take(key, request.ids);
    }
  }

  /** What is held, in frames that stay below maxMailboxFrameBytes (an item is at most a chat frame's size). */
  private sendHeld(items: readonly HeldItem[]): void {
    let batch: HeldItem[] = [];
    let bytes = 0;
    for (const item of items) {
      const size = encodeMailboxFrame({ t: 'held', items: [item], more: true }).length;
      if (batch.length && bytes + size > maxMailboxFrameBytes - 1024) {
        this.reply({ t: 'held', items: batch, more: true });
        batch = [];
        bytes = 0;
      }
      batch.push(item);
      bytes += size;
    }
    this.reply({ t: 'held', items: batch, more: false });
  }

  private reply(frame: MailboxReply): void {
    try {
      this.secure.send(encodeMailboxFrame(frame));
    } catch {
      // the channel went away: the visit ends with it
    }
  }
}
