// A Tincan peer in Node.js: one profile folder, the same vault and chat core as the browser (store/, chat/chat-core.ts)
// over the file-backed RecordBackend, links on node-datachannel (net/node-link.ts). The command line (node/cli.ts)
// and bots (`import { openTincan } from 'tincan/node'`) both drive this object. docs/node-peer.md describes it.
//
// The profile folder (`home`):
//   records/records.journal        the sealed records, the browser's vault format (node/file-backend.ts)
//   rollback-counter               the rollback witness (the browser keeps it in localStorage; store/rollback.ts)
//   dtls-certificate.pem, dtls-key.pem   the persistent DTLS certificate (node/pem-certificate.ts)
//   lock                           the pid of the process that has the profile open: one writer per vault
//   downloads/                     files contacts sent, as plain files (node/download-folder.ts; `files.directory`)
//
// Identity is a key: a contact is named by its id (base64url of its identity key) or by its name only when exactly
// one listed contact has that name (`findContact`); two contacts with one name are an error, never a guess.
import { closeSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { mkdir, open as openFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isTincanError, TincanError, type ErrorCode } from '../errors';
import { Emitter } from '../events';
import { openChatCore, type ChatCore } from '../chat/chat-core';
import { MemorySinkFactory } from '../chat/files/memory-file';
import type { FileSource } from '../chat/files/file-io';
import type { TransferView } from '../chat/files/transfer-events';
import type { Exchange } from '../chat/pairing';
import { fromBase64Url, toBase64Url } from '../crypto/bytes';
import { normalizeDisplayName } from '../crypto/display-name';
import { safetyNumber } from '../crypto/safety-number';
import type { KdfLimits } from '../crypto/vault';
import { linkForCode } from '../invite/code-link';
import { decodeCode, normalizeCode } from '../invite/invite-code';
import { certifiedLinks, type DeviceLinks } from '../net/device-links';
import { nodeLinkMaker, stopNodeLinks } from '../net/node-link';
import { iceServersFor, type Reach } from '../store/reach';
import type { Contact, MessageState } from '../store/records';
import type { RollbackWitness } from '../store/rollback';
import { openStore, type TincanStore } from '../store/tincan-store';
import {
  defaultKeepFreeBytes, defaultMaxReceivedFileBytes, downloadRefusal, downloadsTag, DownloadFileSink, removeLeftoverParts, type DownloadLimits, type DownloadRefusal,
} from './download-folder';
import { openFileBackend } from './file-backend';
import { PemCertificateKeeper } from './pem-certificate';

export interface OpenTincanOptions {
  /** The profile folder (made when missing). */
  readonly home: string;
  readonly passphrase: string;
  /** Makes a profile with this name when the folder has none (else PROFILE_MISSING). */
  readonly create?: { readonly name: string; readonly reach?: Exclude<Reach, 'custom'> };
  /** Restores a browser's encrypted backup into an empty folder (its passphrase is `passphrase`). */
  readonly importBackup?: Uint8Array;
  /** The page links point to: `${pageUrl}#${code}`. */
  readonly pageUrl?: string;
  /** Bind ICE to one local address. */
  readonly bindAddress?: string;
  readonly kdfLimits?: KdfLimits;
  /**
   * Files contacts send: each is accepted when it is at most `maxBytes` (default 100 MiB) and saved in `directory`
   * (default `<home>/downloads`) under a safe name of its own (node/download-folder.ts); larger ones are declined, and
   * so is one that would leave its filesystem less than `keepFreeBytes` free (default 1 GiB) or make the folder and
   * the files being received pass `maxTotalBytes` (no budget by default), counting the files being received.
   * `false`: every file is declined.
   */
  readonly files?: false | { readonly directory?: string; readonly maxBytes?: number; readonly maxTotalBytes?: number; readonly keepFreeBytes?: number };
  readonly now?: () => number;
}

/** A contact as a Node program sees it. */
export interface ContactInfo {
  readonly id: string;
  readonly name: string;
  readonly online: boolean;
  readonly verified: boolean;
  /** Messages of ours waiting for this contact's acknowledgement. */
  readonly waiting: number;
  /** Another contact's name equals or looks like this one's. */
  readonly lookalike: boolean;
}

export interface HistoryMessage {
  readonly id: string;
  readonly direction: 'in' | 'out';
  readonly text: string;
  readonly sentAt: number;
  readonly state: MessageState;
}

export type TincanNodeEvents = {
  /** A peer proved its identity key on a new connection. */
  connected: { readonly contactId: string; readonly name: string };
  disconnected: { readonly contactId: string; readonly name: string; readonly code?: ErrorCode };
  message: { readonly contactId: string; readonly from: string; readonly id: string; readonly text: string; readonly sentAt: number };
  /** The contact acknowledged it stored our message. */
  delivered: { readonly contactId: string; readonly id: string };
  /** A contact's file is saved, whole and checked against the hash its offer named, at `path`. */
  file: { readonly contactId: string; readonly from: string; readonly name: string; readonly path: string; readonly size: number };
  /** A contact's file was declined: larger than the limit, no room for it (the disk's free space or the folder's
   * budget), or files are refused (OpenTincanOptions.files). */
  'file-refused': { readonly contactId: string; readonly from: string; readonly name: string; readonly size: number; readonly reason: DownloadRefusal | 'refused' };
  /** Something went wrong that no call can throw (a connection that failed, a frame refused). */
  error: { readonly code: ErrorCode; readonly contactId?: string };
};

export const defaultPageUrl = 'http://localhost:8080/';
const witnessFileName = 'rollback-counter';
const lockFileName = 'lock';

/** The rollback counter in a file of its own, written whole (temporary file, then rename). */
function fileWitness(home: string): RollbackWitness {
  const file = path.join(home, witnessFileName);
  return {
    read() {
      try {
        const value = Number(readFileSync(file, 'utf8').trim());
        return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
      } catch {
        return undefined;
      }
    },
    write(counter) {
      writeFileSync(`${file}.tmp`, String(counter), { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
    },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Profile folders this process has open. */
const heldHomes = new Set<string>();

/** One process per profile folder: a lock file with our pid, taken over only from a process that is gone. */
function takeLock(home: string): () => void {
  if (heldHomes.has(home)) throw new TincanError('PROFILE_IN_USE', 'this process');
  const file = path.join(home, lockFileName);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      heldHomes.add(home);
      return () => {
        heldHomes.delete(home);
        rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new TincanError('PROFILE_IN_USE', `process ${holder}`);
      }
      rmSync(file, { force: true }); // left by a process that died (a kill, a crash)
    }
  }
  throw new TincanError('PROFILE_IN_USE');
}

/** The states a received file is over in (nothing more happens to it). */
const finalStates: readonly string[] = ['done', 'declined', 'cancelled', 'failed'];

export class TincanNode extends Emitter<TincanNodeEvents> {
  /** Received files being written, by file id. */
  private readonly downloads = new Map<string, DownloadFileSink>();
  /** Offers are decided one after the other: each counts the room the ones accepted before it take. */
  private offersDecided: Promise<void> = Promise.resolve();
  /** This home's tag in the downloads folder's temporary names (download-folder.ts downloadsTag). */
  private readonly downloadsTag: string;

  private constructor(
    readonly home: string,
    private readonly store: TincanStore,
    private readonly core: ChatCore,
    private readonly links: DeviceLinks,
    private readonly ownKey: Uint8Array,
    /** This profile's name, as its contacts see it. */
    readonly name: string,
    private readonly pageUrl: string,
    private readonly unlock: () => void,
    private readonly fileOptions: DownloadLimits | undefined,
  ) {
    super();
    this.downloadsTag = downloadsTag(home);
    this.receiveFiles();
    const messenger = core.messenger;
    messenger.on('connected', ({ contactId }) => this.emit('connected', { contactId, name: this.nameOf(contactId) }));
    messenger.on('status', (status) => {
      if (!status.online) this.emit('disconnected', { contactId: status.contactId, name: this.nameOf(status.contactId), ...(status.endCode ? { code: status.endCode } : {}) });
    });
    messenger.on('added', ({ conversationId, message }) => {
      if (message.direction !== 'in') return;
      this.emit('message', { contactId: conversationId, from: this.nameOf(conversationId), id: message.id, text: message.text, sentAt: message.sentAt });
    });
    messenger.on('states', ({ conversationId, updates }) => {
      for (const update of updates) if (update.state === 'delivered') this.emit('delivered', { contactId: conversationId, id: update.id });
    });
    messenger.on('exchange-failed', ({ code }) => {
      if (code && code !== 'CHANNEL_CLOSED') this.emit('error', { code });
    });
    messenger.on('error', ({ code, conversationId }) => this.emit('error', { code, ...(conversationId ? { contactId: conversationId } : {}) }));
    messenger.on('refused', ({ conversationId }) => this.emit('error', { code: 'PEER_STORAGE_FULL', contactId: conversationId }));
    messenger.on('quota-reached', ({ conversationId }) => this.emit('error', { code: 'CONVERSATION_FULL', contactId: conversationId }));
  }

  /** Opens (or makes, or restores) the profile in `options.home`. Throws TincanError: WRONG_PASSPHRASE, PROFILE_MISSING, PROFILE_EXISTS, PROFILE_IN_USE, BACKUP_INVALID... */
  static async open(options: OpenTincanOptions): Promise<TincanNode> {
    const home = path.resolve(options.home);
    await mkdir(home, { recursive: true, mode: 0o700 });
    const unlock = takeLock(home);
    try {
      const store = await openStore({
        backend: await openFileBackend(path.join(home, 'records')),
        witness: fileWitness(home),
        ...(options.kdfLimits ? { kdfLimits: options.kdfLimits } : {}),
        ...(options.now ? { now: options.now } : {}),
      });
      const state = await store.state();
      let profile;
      if (options.importBackup) {
        if (state !== 'empty') throw new TincanError('PROFILE_EXISTS');
        profile = (await store.importBackup(options.importBackup, options.passphrase)).profile;
      } else if (state === 'empty') {
        if (!options.create) throw new TincanError('PROFILE_MISSING');
        if (!normalizeDisplayName(options.create.name) || !options.passphrase) throw new TincanError('PROFILE_INCOMPLETE');
        profile = await store.createProfile(options.create.name, options.passphrase);
        await store.settings.saveIceServers(iceServersFor(options.create.reach ?? 'local'));
      } else {
        if (options.create) throw new TincanError('PROFILE_EXISTS');
        profile = (await store.unlock(options.passphrase)).profile;
      }
      const iceServers = () => store.settings.iceServers() ?? [];
      const links = await certifiedLinks(
        new PemCertificateKeeper(home),
        nodeLinkMaker(() => ({ iceServers: iceServers(), ...(options.bindAddress ? { bindAddress: options.bindAddress } : {}) })),
      );
      const core = await openChatCore({ store, profile, links, fileSinks: new MemorySinkFactory(), ...(options.now ? { now: options.now } : {}) });
      const files: DownloadLimits | undefined =
        options.files === false
          ? undefined
          : {
              directory: path.resolve(options.files?.directory ?? path.join(home, 'downloads')),
              maxBytes: options.files?.maxBytes ?? defaultMaxReceivedFileBytes,
              ...(options.files?.maxTotalBytes !== undefined ? { maxTotalBytes: options.files.maxTotalBytes } : {}),
              keepFreeBytes: options.files?.keepFreeBytes ?? defaultKeepFreeBytes,
            };
      if (files) await removeLeftoverParts(files.directory, downloadsTag(home));
      return new TincanNode(home, store, core, links, profile.identity.publicKey, profile.name, options.pageUrl ?? defaultPageUrl, unlock, files);
    } catch (error) {
      unlock();
      throw error;
    }
  }

  /** A new invite: its code and link, for the other person to open. Their answer goes to `useCode`. */
  async invite(): Promise<{ readonly code: string; readonly link: string; readonly exchangeId: string }> {
    return this.described(await this.core.messenger.newInvite());
  }

  /**
   * Reconnects a known contact: one code their page connects from with no answer (when their certificate is
   * pinned), else an ordinary invite. Their answer, if one comes, goes to `useCode`.
   */
  async reconnect(contact: string): Promise<{ readonly code: string; readonly link: string; readonly exchangeId: string }> {
    return this.described(await this.core.messenger.reconnect(this.findContact(contact).id));
  }

  /**
   * A code from someone: an invite is answered (the answer code comes back: send it to them), an answer is applied
   * to our invite it names (`answer` undefined). Accepts a bare code or a link. Throws TincanError for a code that
   * cannot be used (CODE_CHECKSUM, CODE_OWN_INVITE, CODE_EXPECTED_INVITE...).
   */
  async useCode(text: string): Promise<{ readonly answer?: string; readonly exchangeId?: string }> {
    const canonical = normalizeCode(text);
    const decoded = decodeCode(canonical);
    const exchange = await this.core.messenger.useCode(decoded, canonical);
    if (decoded.kind === 'answer' || !exchange) return {};
    return { ...(exchange.code ? { answer: exchange.code } : {}), exchangeId: exchange.id };
  }

  /** Sends a message to a contact (a name or id: see findContact). Resolves once it is stored, with its id; it
   * leaves now if the contact is connected, else on the next connection ('delivered' says when it arrived). */
  async send(contact: string, text: string): Promise<{ readonly id: string; readonly contactId: string }> {
    const { id } = this.findContact(contact);
    const message = await this.core.messenger.send(id, text);
    return { id: message.id, contactId: id };
  }

  contacts(): ContactInfo[] {
    return this.listed().map((c) => ({
      id: c.id,
      name: c.displayName,
      online: this.core.messenger.isOnline(c.id),
      verified: c.verified,
      waiting: this.store.outbox.pendingCount(c.id),
      lookalike: !!c.lookalikeOf,
    }));
  }

  /**
   * The contact a person means: an exact id, an id prefix of 6 or more characters, or a name that exactly one
   * listed contact has. Throws CONTACT_UNKNOWN, or CONTACT_AMBIGUOUS when several match (give the id then).
   */
  findContact(query: string): Contact {
    const listed = this.listed();
    const exact = listed.find((c) => c.id === query);
    if (exact) return exact;
    const wanted = normalizeDisplayName(query);
    const byName = listed.filter((c) => c.displayName === wanted);
    const byId = query.length >= 6 ? listed.filter((c) => c.id.startsWith(query)) : [];
    const matches = [...new Set([...byName, ...byId])];
    if (matches.length === 1) return matches[0]!;
    throw new TincanError(matches.length ? 'CONTACT_AMBIGUOUS' : 'CONTACT_UNKNOWN', query);
  }

  /** The safety number with a contact, as 12 groups of 5 digits (the browser shows the same). */
  async safetyNumber(contact: string): Promise<string[]> {
    const number = await safetyNumber(this.ownKey, fromBase64Url(this.findContact(contact).pinnedKey));
    return [...number.groups];
  }

  /** The newest `count` messages with a contact, oldest first. */
  async history(contact: string, count = 50): Promise<HistoryMessage[]> {
    const page = await this.store.log.loadNewest(this.findContact(contact).id, count);
    return page.entries.flatMap((entry) =>
      entry.unreadable ? [] : [{ id: entry.id, direction: entry.direction, text: entry.text, sentAt: entry.sentAt, state: entry.state }],
    );
  }

  isOnline(contact: string): boolean {
    return this.core.messenger.isOnline(this.findContact(contact).id);
  }

  /**
   * Offers a file to a connected contact (a name or id: see findContact); it goes once they accept. `name` is the
   * name they see (default: the file's own). Throws FILE_NEEDS_CONNECTION when the contact is not connected.
   */
  async sendFile(contact: string, filePath: string, options: { readonly name?: string; readonly mime?: string } = {}): Promise<{ readonly fileId: string }> {
    const { id } = this.findContact(contact);
    const files = this.core.files;
    const conversation = this.core.messenger.conversationIdOf(id);
    if (!files) throw new TincanError('STORAGE_UNAVAILABLE', 'file transfers did not open');
    if (!conversation || !this.core.messenger.isOnline(id)) throw new TincanError('FILE_NEEDS_CONNECTION');
    const source = await fileSourceAt(filePath);
    const view = await files.offer({ peerId: id, conversation, source, name: options.name ?? path.basename(filePath), mime: options.mime ?? 'application/octet-stream' });
    return { fileId: view.fileId };
  }

  /** The browser's encrypted backup format (Settings → Export backup): sealed with this profile's passphrase. */
  exportBackup(): Promise<Uint8Array> {
    return this.store.exportBackup();
  }

  /** Ends every connection (peers are told), writes what waits, releases the profile folder. */
  async close(): Promise<void> {
    this.core.close({ sayBye: true });
    this.removeAllListeners();
    try {
      await this.core.messenger.flush().catch(() => undefined);
      await this.store.lock();
    } finally {
      this.unlock();
    }
  }

  /** This profile's identity: the id its contacts know it by (base64url of its identity key). */
  get id(): string {
    return toBase64Url(this.ownKey);
  }

  /** The certificate fingerprint this peer's codes carry. */
  get certificateFingerprint(): Uint8Array | undefined {
    return this.links.certificateFingerprint;
  }

  private described(exchange: Exchange): { code: string; link: string; exchangeId: string } {
    const code = exchange.code!;
    return { code, link: linkForCode(this.pageUrl, code), exchangeId: exchange.id };
  }

  /** Accepts each offered file within the limit into the downloads folder (node/download-folder.ts), declines the
   * rest; a received file a restart interrupted is cancelled (its bytes were not kept: the sender sends it again). */
  private receiveFiles(): void {
    const files = this.core.files;
    if (!files) return;
    for (const view of files.list()) if (view.direction === 'in' && !finalStates.includes(view.state)) files.cancel(view.fileId);
    files.on('offered', (view) => {
      this.offersDecided = this.offersDecided.then(() => this.takeOffer(view));
    });
    files.on('done', (view) => {
      const sink = this.downloads.get(view.fileId);
      this.downloads.delete(view.fileId);
      if (view.direction !== 'in' || !sink?.path) return;
      this.emit('file', { contactId: view.peerId, from: this.nameOf(view.peerId), name: view.name, path: sink.path, size: view.size });
    });
    files.on('failed', ({ transfer, code, resumable }) => {
      if (transfer.direction !== 'in' || resumable) return;
      void this.downloads.get(transfer.fileId)?.discard();
      this.downloads.delete(transfer.fileId);
      this.emit('error', { code, contactId: transfer.peerId });
    });
  }

  /** Accepts an offered file when it fits (download-folder.ts downloadRefusal); its room is taken at once, before the
   * next offer is decided. Never throws: the offers' chain goes on. */
  private async takeOffer(view: TransferView): Promise<void> {
    const files = this.core.files!;
    const limit = this.fileOptions;
    let refusal: DownloadRefusal | 'refused' | undefined = 'refused';
    try {
      if (limit) refusal = await downloadRefusal(limit, view.size, [...this.downloads.values()]);
    } catch (error) {
      // The folder or its filesystem could not be read: nothing is taken that may not fit.
      files.decline(view.fileId);
      this.emit('error', { code: isTincanError(error) ? error.code : 'STORAGE_UNAVAILABLE', contactId: view.peerId });
      return;
    }
    if (refusal || !limit) {
      files.decline(view.fileId);
      this.emit('file-refused', { contactId: view.peerId, from: this.nameOf(view.peerId), name: view.name, size: view.size, reason: refusal ?? 'refused' });
      return;
    }
    // The sender may have cancelled while the folder was read: a sink kept for it would count against the room for
    // good (its failed event came before the sink existed).
    if (files.get(view.fileId)?.state !== 'offered') return;
    const sink = new DownloadFileSink(limit.directory, this.downloadsTag, view.fileId, view.name, view.size);
    this.downloads.set(view.fileId, sink);
    void files.accept(view.fileId, sink).catch((error: unknown) => {
      this.downloads.delete(view.fileId);
      void sink.discard();
      this.emit('error', { code: isTincanError(error) ? error.code : 'STORAGE_UNAVAILABLE', contactId: view.peerId });
    });
  }

  private listed(): Contact[] {
    return this.store.contacts.all().filter((c) => !c.movedTo);
  }

  private nameOf(contactId: string): string {
    return this.store.contacts.get(contactId)?.displayName ?? '';
  }
}

/** A file on disk as a FileSource (read in place, a chunk at a time; FILE_CHANGED when it shrank meanwhile). */
async function fileSourceAt(filePath: string): Promise<FileSource> {
  const info = await stat(filePath).catch(() => undefined);
  if (!info?.isFile()) throw new TincanError('FILE_SOURCE_MISSING', filePath);
  return {
    size: info.size,
    lastModified: info.mtimeMs,
    async read(offset, length) {
      const handle = await openFile(filePath, 'r');
      try {
        const bytes = new Uint8Array(length);
        const { bytesRead } = await handle.read(bytes, 0, length, offset);
        if (bytesRead !== length) throw new TincanError('FILE_CHANGED', filePath);
        return bytes;
      } finally {
        await handle.close();
      }
    },
  };
}

/** Opens a Tincan profile folder for a program: see TincanNode. */
export function openTincan(options: OpenTincanOptions): Promise<TincanNode> {
  return TincanNode.open(options);
}

/** Frees node-datachannel so the process can exit, once every TincanNode is closed. */
export function stopTincan(): void {
  stopNodeLinks();
}

export { isTincanError, TincanError };
