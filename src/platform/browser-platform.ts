// The app's platform in a browser (app/app-platform.ts): IndexedDB records, PeerLinks with this device's
// persistent DTLS certificate, the tab lock, the rollback witness, visibility and storage persistence.
import type { AppPlatform, DeviceLinks } from '../app/app-platform';
import type { InviterLink } from '../chat/pairing';
import type { SessionFields } from '../invite/sdp';
import { CertificateStore, type DeviceCertificate } from '../net/certificate-store';
import { PeerLink, supportsOneCodeReconnect, type PeerLinkOptions } from '../net/peer-link';
import { openIndexedDbBackend } from '../store/indexeddb-backend';
import { requestPersistence } from '../store/persistence';
import type { StoredIceServer } from '../store/records';
import { localStorageWitness } from './rollback-witness';
import { OpfsFileStore, removeFinishedFile } from './file-sink';
import { createTabLock } from './tab-lock';

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return prefix.length <= bytes.length && prefix.every((byte, i) => bytes[i] === byte);
}

/** PeerLinks for one profile, all made with its current certificate (renewed by the store when it runs short). */
export async function browserLinks(storeName: string, iceServers: () => readonly StoredIceServer[]): Promise<DeviceLinks> {
  const certificates = new CertificateStore(storeName);
  let current: DeviceCertificate = await certificates.current();
  /** Fingerprints of every kept certificate: a reconnect code may name an older one a contact still pins. */
  let kept: Uint8Array[] = (await certificates.all().catch(() => [current])).map((c) => c.fingerprint);
  const refresh = async (): Promise<void> => {
    current = await certificates.current();
    kept = (await certificates.all().catch(() => [current])).map((c) => c.fingerprint);
  };
  const options = (certificate: RTCCertificate = current.certificate): PeerLinkOptions => ({
    iceServers: iceServers().map((s) => ({ ...s })),
    certificate,
  });
  return {
    get certificateFingerprint() {
      return current.fingerprint;
    },
    supportsOneCodeReconnect: supportsOneCodeReconnect(),
    async invite(): Promise<InviterLink> {
      await refresh();
      return PeerLink.invite(options());
    },
    async reconnect(contactFingerprint: Uint8Array): Promise<InviterLink> {
      await refresh();
      return PeerLink.reconnect({ ...options(), contactFingerprint });
    },
    async answer(invite: SessionFields, { certificatePrefix }: { certificatePrefix?: Uint8Array } = {}) {
      await refresh();
      const chosen = certificatePrefix ? ((await certificates.find(certificatePrefix)) ?? current) : current;
      return PeerLink.answer(invite, options(chosen.certificate));
    },
    isOwnCertificatePrefix(prefix: Uint8Array): boolean {
      return kept.some((fingerprint) => startsWith(fingerprint, prefix));
    },
    forget: () => certificates.forget(),
  };
}

// Set by build.mjs (the file sink's worker is its own file); tests that import this module unbuilt get the plain name.
declare const __TC_FILE_SINK_WORKER_URL__: string | undefined;
const fileSinkWorkerPath = typeof __TC_FILE_SINK_WORKER_URL__ === 'string' ? __TC_FILE_SINK_WORKER_URL__ : './file-sink-worker.js';

export function browserPlatform(): AppPlatform {
  let sinks: OpfsFileStore | undefined;
  return {
    openBackend: (storeName) => openIndexedDbBackend(storeName),
    witness: (storeName) => localStorageWitness(storeName),
    links: (storeName, iceServers) => browserLinks(storeName, iceServers),
    tabLock: (storeName) => createTabLock(storeName),
    isVisible: () => !document.hidden,
    requestPersistence: () => requestPersistence(),
    // One worker per page, made when the first transfer needs it (OPFS is per origin; file ids keep profiles apart).
    fileSinks: () => (sinks ??= new OpfsFileStore(new URL(fileSinkWorkerPath, document.baseURI))),
    removeFinishedFile: (ref) => removeFinishedFile(ref),
  };
}
