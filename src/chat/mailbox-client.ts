// A page's (or any peer's) side of a mailbox visit (docs/mailbox.md §3): over a direct channel it dialed, the signed
// Hello both ways (secure-channel.ts; the dialer takes the inviter role), a check that the mailbox's identity key is
// the one its code names, then the requests of mailbox-protocol.ts. DOM-free: the channel comes from
// net/direct-dial.ts in a page or node/direct-dial-node.ts in Node.
import { TincanError, type ErrorCode } from '../errors';
import { Emitter } from '../events';
import { bytesEqual, toBase64Url } from '../crypto/bytes';
import type { Identity } from '../crypto/identity';
import type { DirectChannel } from '../net/direct-channel';
import type { CarriedItem } from './frames';
import {
  decodeMailboxReply,
  encodeMailboxFrame,
  maxTakenIds,
  type DepositRefusal,
  type HeldItem,
  type MailboxReply,
  type MailboxRequest,
} from './mailbox-protocol';
import { SecureChannel, type PeerIdentity } from './secure-channel';

export type MailboxWelcome = Extract<MailboxReply, { t: 'welcome' }>;

export interface MailboxClientOptions {
  readonly identity: Identity;
  readonly displayName: string;
  /** The mailbox's identity key, from its code: a Hello signed by any other key ends the visit. */
  readonly mailboxKey: Uint8Array;
  /** The owner's first visit: the code's claim secret. */
  readonly claim?: Uint8Array;
}

export type MailboxClientEvents = {
  /** Items the mailbox pushed while this page visits (left for it just now): store them, then `taken`. */
  held: readonly HeldItem[];
  /** Who this page may signal that is visiting the mailbox right now (told after each welcome). */
  present: readonly string[];
  /** A signal forwarded from `from` (the key the mailbox saw prove itself); its payload is untrusted. */
  signal: { readonly from: string; readonly payload: string };
  /** The visit ended: `code` says why when it was not this side's close. */
  closed: { readonly code?: ErrorCode };
};

/**
 * The sealed channel over a direct channel: the dialer is the inviter, the listener the answerer; the Hello binds
 * both DTLS fingerprints of this connection (the listener's is the one the dialer's DTLS checked, the dialer's is the
 * one the listener's DTLS saw).
 */
export function secureDirectChannel(channel: DirectChannel, identity: Identity, displayName: string, role: 'inviter' | 'answerer'): SecureChannel {
  const secure = new SecureChannel({
    identity,
    displayName,
    role,
    ownFingerprint: channel.localFingerprint,
    peerFingerprint: channel.remoteFingerprint,
    send: (bytes) => channel.send(bytes),
  });
  channel.on('message', (bytes) => void secure.receive(bytes).catch(() => channel.close()));
  channel.on('closed', () => secure.close());
  secure.on('failed', () => channel.close());
  secure.start().catch(() => channel.close());
  return secure;
}

export class MailboxClient extends Emitter<MailboxClientEvents> {
  /** Set once the mailbox welcomed this page. */
  welcome?: MailboxWelcome;
  /** The last `present` the mailbox told (undefined before the first). */
  present?: readonly string[];
  private readonly secure: SecureChannel;
  private readonly ready: Promise<MailboxWelcome>;
  private nextDeposit = 0;
  private readonly deposits = new Map<number, (result: { ok: boolean; reason?: DepositRefusal }) => void>();
  private collecting?: { items: HeldItem[]; resolve: (items: HeldItem[]) => void };
  private readonly statusWaiters: ((status: MailboxWelcome | undefined) => void)[] = [];
  private isClosed = false;
  private endCode?: ErrorCode;

  constructor(
    private readonly channel: DirectChannel,
    private readonly options: MailboxClientOptions,
  ) {
    super();
    this.secure = secureDirectChannel(channel, options.identity, options.displayName, 'inviter');
    this.ready = new Promise<MailboxWelcome>((resolve, reject) => {
      this.secure.on('ready', (peer) => this.handleReady(peer));
      this.secure.on('failed', () => this.end('MAILBOX_WRONG_KEY'));
      this.secure.on('frame', (bytes) => {
        const reply = decodeMailboxReply(bytes);
        if (reply?.t === 'welcome') {
          // The first one opens the visit; later ones answer `contacts` with the new status.
          if (this.welcome) this.settleStatus(reply);
          this.welcome = reply;
          resolve(reply);
        } else if (reply) this.handleReply(reply);
      });
      channel.on('closed', () => {
        reject(new TincanError(this.endCode ?? 'MAILBOX_UNREACHABLE', 'mailbox channel closed'));
        this.end(this.endCode ?? (this.welcome ? 'CHANNEL_CLOSED' : 'MAILBOX_UNREACHABLE'));
      });
    });
    this.ready.catch(() => undefined);
  }

  get isOpen(): boolean {
    return !this.isClosed && !!this.welcome && this.channel.isOpen;
  }

  /** Resolves with the mailbox's welcome; rejects MAILBOX_WRONG_KEY, MAILBOX_REFUSED or MAILBOX_UNREACHABLE. */
  whenReady(): Promise<MailboxWelcome> {
    return this.ready;
  }

  /** Owner only: the contacts the mailbox serves from now on; resolves with its status once it has them. */
  setContacts(keys: readonly string[]): Promise<MailboxWelcome | undefined> {
    return new Promise((resolve) => {
      this.statusWaiters.push(resolve);
      if (!this.request({ t: 'contacts', keys: [...keys] })) this.settleStatus(undefined);
    });
  }

  /** Leaves an item (signed by this page's identity) for `to`; resolves with the mailbox's answer. */
  deposit(to: string, item: CarriedItem): Promise<{ ok: boolean; reason?: DepositRefusal }> {
    const n = this.nextDeposit++;
    return new Promise((resolve) => {
      this.deposits.set(n, resolve);
      if (!this.request({ t: 'deposit', n, to, item })) {
        this.deposits.delete(n);
        resolve({ ok: false });
      }
    });
  }

  /** Everything the mailbox holds for this page, oldest first (call `taken` once they are stored). */
  collect(): Promise<HeldItem[]> {
    if (this.collecting) return Promise.reject(new TincanError('UNEXPECTED', 'one collect at a time'));
    return new Promise((resolve) => {
      this.collecting = { items: [], resolve };
      if (!this.request({ t: 'collect' })) this.finishCollect();
    });
  }

  /** Forwards `payload` to `to` if it is visiting now (the mailbox drops it otherwise; nothing is stored). */
  signal(to: string, payload: string): boolean {
    return this.request({ t: 'signal', to, payload });
  }

  /** These items are stored here: the mailbox removes them. */
  taken(ids: readonly string[]): void {
    for (let i = 0; i < ids.length; i += maxTakenIds) this.request({ t: 'taken', ids: ids.slice(i, i + maxTakenIds) });
  }

  close(): void {
    this.end();
  }

  private handleReady(peer: PeerIdentity): void {
    if (!bytesEqual(peer.identityKey, this.options.mailboxKey)) return this.end('MAILBOX_WRONG_KEY');
    if (this.options.claim) this.request({ t: 'claim', secret: toBase64Url(this.options.claim) });
  }

  private handleReply(reply: MailboxReply): void {
    switch (reply.t) {
      case 'deposited': {
        const settle = this.deposits.get(reply.n);
        this.deposits.delete(reply.n);
        return settle?.(reply.reason ? { ok: reply.ok, reason: reply.reason } : { ok: reply.ok });
      }
      case 'held':
        if (!this.collecting) return this.emit('held', reply.items);
        this.collecting.items.push(...reply.items);
        if (!reply.more) this.finishCollect();
        return;
      case 'present':
        this.present = reply.keys;
        return this.emit('present', reply.keys);
      case 'signal':
        return this.emit('signal', { from: reply.from, payload: reply.payload });
      case 'refused':
        return this.end('MAILBOX_REFUSED');
    }
  }

  private settleStatus(status: MailboxWelcome | undefined): void {
    this.statusWaiters.shift()?.(status);
  }

  private finishCollect(): void {
    const collecting = this.collecting;
    this.collecting = undefined;
    collecting?.resolve(collecting.items);
  }

  private request(frame: MailboxRequest): boolean {
    if (this.isClosed || !this.secure.isReady) return false;
    try {
      this.secure.send(encodeMailboxFrame(frame));
      return true;
    } catch {
      return false;
    }
  }

  private end(code?: ErrorCode): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.endCode = code;
    for (const settle of this.deposits.values()) settle({ ok: false });
    this.deposits.clear();
    while (this.statusWaiters.length) this.settleStatus(undefined);
    this.finishCollect();
    this.channel.close();
    this.emit('closed', code ? { code } : {});
    this.removeAllListeners();
  }
}
