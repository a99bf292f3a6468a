// How one device makes connections, whatever carries them: the interface chat/ pairs and reconnects through
// (LinkFactory), the same with this device's certificates (DeviceLinks: what the app and a Node program hand to
// chat/chat-core.ts), and `certifiedLinks`, which builds DeviceLinks from any certificate store and any link maker
// (the browser's PeerLinks in platform/browser-platform.ts; a Node transport later). DOM-free: tsconfig.core.json
// type-checks this file.
import type { SessionFields } from '../invite/sdp';
import type { Link } from './link';

export interface LinkFactory {
  /** Inviter: an offer, waiting for `acceptAnswer`. */
  invite(): Promise<InviterLink>;
  /** Answerer: applies the invite and makes the answer. `certificatePrefix` picks which own certificate to use. */
  answer(invite: SessionFields, options?: { readonly certificatePrefix?: Uint8Array }): Promise<Link>;
  /** Inviter of a one-code reconnect: the contact's answer is set from its pinned fingerprint. */
  reconnect(contactFingerprint: Uint8Array): Promise<InviterLink>;
  /** Whether this browser can keep a one-code invite open (Chromium and Firefox can: docs/one-code-reconnect.md). */
  readonly supportsOneCodeReconnect: boolean;
  /** Whether these bytes start the fingerprint of one of this device's certificates (current or previous). */
  isOwnCertificatePrefix(prefix: Uint8Array): boolean;
}

export interface InviterLink extends Link {
  acceptAnswer(answer: SessionFields): Promise<void>;
  /** One-code reconnect fallback: the contact's answer code arrived after all; try its candidates too. */
  addRemoteCandidates(answer: SessionFields): Promise<void>;
}

/** The connection factory for one profile: links made with this device's persistent DTLS certificate. */
export interface DeviceLinks extends LinkFactory {
  /** SHA-256 fingerprint of the current certificate (a contact pins it for one-code reconnects). */
  readonly certificateFingerprint?: Uint8Array;
  /** Erases this device's certificates ("Forget this device"). */
  forget(): Promise<void>;
}

/** A certificate as far as codes go: its SHA-256 fingerprint (what codes carry and contacts pin). */
export interface Certified {
  readonly fingerprint: Uint8Array;
}

/** Where a device keeps its certificates (net/certificate-store.ts in a browser). */
export interface CertificateKeeper<C extends Certified> {
  /** The certificate new links use (made or renewed when it runs short). */
  current(): Promise<C>;
  /** Every certificate still kept: a reconnect code may name an older one a contact still pins. */
  all(): Promise<C[]>;
  /** The kept certificate whose fingerprint starts with these bytes. */
  find(fingerprintPrefix: Uint8Array): Promise<C | undefined>;
  forget(): Promise<void>;
}

/** Makes links with a given certificate (PeerLink in a browser). */
export interface CertifiedLinkMaker<C extends Certified> {
  readonly supportsOneCodeReconnect: boolean;
  invite(certificate: C): Promise<InviterLink>;
  reconnect(certificate: C, contactFingerprint: Uint8Array): Promise<InviterLink>;
  answer(invite: SessionFields, certificate: C): Promise<Link>;
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return prefix.length <= bytes.length && prefix.every((byte, i) => bytes[i] === byte);
}

/** DeviceLinks over a certificate keeper: every link is made with the current certificate, read again before
 * each (the keeper renews it when it runs short), and an answer to a reconnect code uses the certificate it names. */
export async function certifiedLinks<C extends Certified>(certificates: CertificateKeeper<C>, maker: CertifiedLinkMaker<C>): Promise<DeviceLinks> {
  let current = await certificates.current();
  /** Fingerprints of every kept certificate (isOwnCertificatePrefix must answer at once). */
  let kept: Uint8Array[] = (await certificates.all().catch(() => [current])).map((c) => c.fingerprint);
  const refresh = async (): Promise<C> => {
    current = await certificates.current();
    kept = (await certificates.all().catch(() => [current])).map((c) => c.fingerprint);
    return current;
  };
  return {
    get certificateFingerprint() {
      return current.fingerprint;
    },
    supportsOneCodeReconnect: maker.supportsOneCodeReconnect,
    invite: async () => maker.invite(await refresh()),
    reconnect: async (contactFingerprint) => maker.reconnect(await refresh(), contactFingerprint),
    async answer(invite, { certificatePrefix } = {}) {
      const fresh = await refresh();
      const chosen = certificatePrefix ? ((await certificates.find(certificatePrefix)) ?? fresh) : fresh;
      return maker.answer(invite, chosen);
    },
    isOwnCertificatePrefix: (prefix) => kept.some((fingerprint) => startsWith(fingerprint, prefix)),
    forget: () => certificates.forget(),
  };
}
