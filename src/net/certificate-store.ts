// This device's DTLS certificates, kept in IndexedDB across reloads and restarts, so its fingerprint stays the
// same and known contacts can reconnect with one code (docs/lab.md §8, peer-link.ts PeerLink.reconnect).
//
// An RTCCertificate's private key cannot be exported, so it cannot be sealed under the vault key like other
// records: the RTCCertificate object itself is stored (IndexedDB clones it; both browsers keep the key and the
// fingerprint, docs/lab.md §8). Layout, one database per store name:
//   database `<storeName>-certificates`, version 1, object store `certificates`
//   key   = the certificate's SHA-256 fingerprint as 64 lower-case hex digits
//   value = { certificate: RTCCertificate, createdAt: number (ms since the epoch) }
//
// Lifetime (docs/one-code-reconnect.md): Chromium 156 and Firefox 153 both clamp `expires` to 365 days without an
// error, and refuse an expired certificate in `new RTCPeerConnection` (InvalidAccessError). So a certificate is
// made for 365 days and renewed when less than `renewBeforeMs` (30 days) remain. The previous one is kept until it
// expires: a contact that pinned it (and has not yet heard of the new one over the sealed channel) can still send
// a reconnect code for it, which `find` resolves by the code's fingerprint prefix. Expired ones are deleted.
//
// Several tabs: making or renewing a certificate holds a Web Lock named after the database, so two tabs never make
// two "current" certificates at once.
import { TincanError, toError } from '../errors';

export interface DeviceCertificate {
  readonly certificate: RTCCertificate;
  /** SHA-256 fingerprint, 32 bytes: what codes carry and contacts pin. */
  readonly fingerprint: Uint8Array;
  /** When browsers stop accepting it (ms since the epoch). */
  readonly expires: number;
  readonly createdAt: number;
  /** False when it could not be stored (it works for this page only: CERTIFICATE_NOT_KEPT). */
  readonly isStored: boolean;
}

export interface CertificateStoreOptions {
  /** How long a new certificate lasts; browsers clamp it to maxCertificateLifetimeMs. */
  lifetimeMs?: number;
  /** Renew when less than this remains. */
  renewBeforeMs?: number;
  /** How long one IndexedDB read or write may take before the fallback (see readKept). */
  storageTimeoutMs?: number;
}

const dayMs = 24 * 60 * 60 * 1000;
/** Measured: both browsers clamp `expires` to exactly 365 days (docs/one-code-reconnect.md). */
export const maxCertificateLifetimeMs = 365 * dayMs;
export const defaultRenewBeforeMs = 30 * dayMs;
export const defaultStorageTimeoutMs = 3000;
const databaseVersion = 1;
const objectStoreName = 'certificates';
const fingerprintBytes = 32;

interface StoredRecord {
  certificate: RTCCertificate;
  createdAt: number;
}

/** A new ECDSA P-256 certificate (the curve both browsers use by default and every WebRTC stack accepts). */
export async function generateDtlsCertificate(lifetimeMs = maxCertificateLifetimeMs): Promise<RTCCertificate> {
  try {
    return await RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256', expires: lifetimeMs } as AlgorithmIdentifier);
  } catch (error) {
    const thrown = toError(error);
    // No RTCPeerConnection at all is a ReferenceError: WebRTC is missing, not the certificate.
    throw new TincanError(thrown.name === 'ReferenceError' ? 'WEBRTC_UNAVAILABLE' : 'CERTIFICATE_FAILED', `${thrown.name}: ${thrown.message}`);
  }
}

/** The certificate's SHA-256 fingerprint bytes, as they appear in the SDP and in codes. */
export function certificateFingerprint(certificate: RTCCertificate): Uint8Array {
  const hex = certificate.getFingerprints().find((f) => f.algorithm?.toLowerCase() === 'sha-256')?.value ?? '';
  const pairs = hex.split(':');
  if (pairs.length !== fingerprintBytes || !pairs.every((pair) => /^[0-9a-fA-F]{2}$/.test(pair))) {
    throw new TincanError('CERTIFICATE_FAILED', 'no SHA-256 fingerprint');
  }
  return Uint8Array.from(pairs, (pair) => parseInt(pair, 16));
}

let cryptoWarmed: Promise<unknown> | undefined;
/** Makes one throwaway certificate per page before the first read (see CertificateStore.readKept). */
function warmCrypto(): Promise<unknown> {
  return (cryptoWarmed ??= generateDtlsCertificate(dayMs).catch(() => undefined));
}

function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return prefix.length <= bytes.length && prefix.every((byte, i) => bytes[i] === byte);
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TincanError('STORAGE_UNAVAILABLE', `${what}: no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class CertificateStore {
  readonly databaseName: string;
  private readonly lifetimeMs: number;
  private readonly renewBeforeMs: number;
  private readonly storageTimeoutMs: number;
  /** A certificate made when storage failed: reused for the page's life, so the fingerprint holds until reload. */
  private unstored?: DeviceCertificate;

  constructor(storeName: string, options: CertificateStoreOptions = {}) {
    this.databaseName = `${storeName}-certificates`;
    this.lifetimeMs = Math.min(options.lifetimeMs ?? maxCertificateLifetimeMs, maxCertificateLifetimeMs);
    this.renewBeforeMs = options.renewBeforeMs ?? defaultRenewBeforeMs;
    this.storageTimeoutMs = options.storageTimeoutMs ?? defaultStorageTimeoutMs;
  }

  /**
   * The certificate to connect with: the newest kept one, or a new one (stored) when none is kept or the newest
   * has less than renewBeforeMs left. Expired ones are deleted on the way. When storage fails, a new certificate
   * that lives only in this page is returned with isStored false (show CERTIFICATE_NOT_KEPT).
   */
  async current(): Promise<DeviceCertificate> {
    return this.exclusively(async () => {
      let kept: DeviceCertificate[];
      try {
        kept = await this.readKept();
      } catch {
        return (this.unstored ??= this.describe(await generateDtlsCertificate(this.lifetimeMs), Date.now(), false));
      }
      const newest = kept[0];
      if (newest && newest.expires - Date.now() >= this.renewBeforeMs) return newest;
      const fresh = this.describe(await generateDtlsCertificate(this.lifetimeMs), Date.now(), true);
      try {
        await this.write((store) => store.put({ certificate: fresh.certificate, createdAt: fresh.createdAt } satisfies StoredRecord, hexOf(fresh.fingerprint)));
        return fresh;
      } catch {
        // Keep using the newest stored one while it is valid: its fingerprint is the one contacts know.
        return newest ?? (this.unstored ??= { ...fresh, isStored: false });
      }
    });
  }

  /** Every kept certificate that has not expired, newest first. */
  async all(): Promise<DeviceCertificate[]> {
    return this.readKept();
  }

  /**
   * The kept certificate whose fingerprint starts with these bytes (a reconnect code names the invitee's
   * certificate by its first 4 bytes), or undefined.
   */
  async find(fingerprintPrefix: Uint8Array): Promise<DeviceCertificate | undefined> {
    const kept = await this.readKept().catch(() => [] as DeviceCertificate[]);
    const candidates = this.unstored ? [...kept, this.unstored] : kept;
    return candidates.find((c) => startsWith(c.fingerprint, fingerprintPrefix));
  }

  /** "Forget this device": deletes every kept certificate (the whole database). */
  async forget(): Promise<void> {
    this.unstored = undefined;
    const deletion = indexedDB.deleteDatabase(this.databaseName);
    await withTimeout(request(deletion), this.storageTimeoutMs * 5, 'deleting certificates');
  }

  private describe(certificate: RTCCertificate, createdAt: number, isStored: boolean): DeviceCertificate {
    return { certificate, fingerprint: certificateFingerprint(certificate), expires: certificate.expires, createdAt, isStored };
  }

  /**
   * Reads every record, drops (and deletes) expired ones, newest first.
   *
   * HACK: Firefox, first document after a browser restart: reading an RTCCertificate back sometimes throws
   * InvalidStateError (docs/lab.md §3) or never answers at all (docs/one-code-reconnect.md §2: bench/certificate-lab.mjs
   * saw 7 of 8 first reads hang; no tracker entry found). Making any certificate first, which initialises Gecko's
   * crypto in the page, avoided it in 8 of 8 (`warmCrypto`, once per page); should a read still fail or stay
   * silent, the same step and one more read recovered it every time it was tried.
   */
  private async readKept(): Promise<DeviceCertificate[]> {
    await warmCrypto();
    let records: [string, StoredRecord][];
    try {
      records = await this.readRecords();
    } catch {
      await generateDtlsCertificate(dayMs);
      records = await this.readRecords();
    }
    const now = Date.now();
    const expired = records.filter(([, r]) => r.certificate.expires <= now).map(([key]) => key);
    if (expired.length) await this.write((store) => expired.forEach((key) => store.delete(key))).catch(() => {});
    return records
      .filter(([, r]) => r.certificate.expires > now)
      .map(([, r]) => this.describe(r.certificate, r.createdAt, true))
      .sort((a, b) => b.expires - a.expires);
  }

  private async readRecords(): Promise<[string, StoredRecord][]> {
    const db = await this.open();
    try {
      const tx = db.transaction(objectStoreName, 'readonly');
      const store = tx.objectStore(objectStoreName);
      const [keys, values] = await withTimeout(
        Promise.all([request(store.getAllKeys()), request(store.getAll())]),
        this.storageTimeoutMs,
        'reading certificates',
      );
      return keys.map((key, i) => [String(key), values[i] as StoredRecord]);
    } finally {
      db.close();
    }
  }

  private async write(change: (store: IDBObjectStore) => void): Promise<void> {
    const db = await this.open();
    try {
      const tx = db.transaction(objectStoreName, 'readwrite');
      change(tx.objectStore(objectStoreName));
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          tx.oncomplete = () => resolve();
          tx.onerror = tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
        }),
        this.storageTimeoutMs,
        'writing a certificate',
      );
    } finally {
      db.close();
    }
  }

  private open(): Promise<IDBDatabase> {
    if (typeof indexedDB === 'undefined') return Promise.reject(new TincanError('STORAGE_UNAVAILABLE', 'no IndexedDB'));
    const opening = indexedDB.open(this.databaseName, databaseVersion);
    opening.onupgradeneeded = () => opening.result.createObjectStore(objectStoreName);
    const opened = request(opening).then((db) => {
      db.onversionchange = () => db.close(); // another tab forgets this device: let it
      return db;
    });
    return withTimeout(opened, this.storageTimeoutMs, 'opening the certificate database').catch((error: unknown) => {
      opened.then((db) => db.close(), () => {}); // opened after all, too late: do not hold it open
      throw error;
    });
  }

  /** Runs `task` under a Web Lock named after the database, where the browser has Web Locks. */
  private exclusively<T>(task: () => Promise<T>): Promise<T> {
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    return locks ? (locks.request(this.databaseName, task) as Promise<T>) : task();
  }
}
