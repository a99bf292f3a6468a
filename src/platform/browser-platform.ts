// The app's platform in a browser (app/app-platform.ts): what every platform has (IndexedDB records, PeerLinks with
// this device's persistent DTLS certificate, the tab lock, the rollback witness, OPFS file sinks, storage figures)
// and what only a page has (visibility, storage persistence, "Save" downloads).
import type { DevicePlatform, PagePlatform } from '../app/app-platform';
import type { DeviceLinks } from '../net/device-links';
import type { DeviceCertificate } from '../net/certificate-store';
import type { PeerLinkOptions } from '../net/peer-link';
import { openIndexedDbBackend } from '../store/indexeddb-backend';
import { requestPersistence } from '../store/persistence';
import type { StoredIceServer } from '../store/records';
import { localStorageWitness } from './rollback-witness';
import type { FileSinkFactory } from '../chat/files/file-io';
import type { OpfsFileStore } from './file-sink';
import { createTabLock } from './tab-lock';

/** PeerLinks for one profile, all made with its current certificate (renewed by the store when it runs short). */
export async function browserLinks(storeName: string, iceServers: () => readonly StoredIceServer[]): Promise<DeviceLinks> {
  const { PeerLink, supportsOneCodeReconnect, CertificateStore, certifiedLinks } = await import('./link-modules');
  const options = ({ certificate }: DeviceCertificate): PeerLinkOptions => ({
    iceServers: iceServers().map((s) => ({ ...s })),
    certificate,
  });
  return certifiedLinks(new CertificateStore(storeName), {
    supportsOneCodeReconnect: supportsOneCodeReconnect(),
    invite: (certificate) => PeerLink.invite(options(certificate)),
    reconnect: (certificate, contactFingerprint) => PeerLink.reconnect({ ...options(certificate), contactFingerprint }),
    answer: (invite, certificate) => PeerLink.answer(invite, options(certificate)),
  });
}

// Set by build.mjs (the file sink's worker is its own file); tests that import this module unbuilt get the plain name.
declare const __TC_FILE_SINK_WORKER_URL__: string | undefined;
const fileSinkWorkerPath = typeof __TC_FILE_SINK_WORKER_URL__ === 'string' ? __TC_FILE_SINK_WORKER_URL__ : './file-sink-worker.js';

/** Everything a platform can have: a browser page has both parts (app/app-platform.ts). */
export function browserPlatform(): DevicePlatform & PagePlatform {
  // The OPFS sink code is loaded with the first transfer, not with the first screen (bench/size.mjs).
  let store: Promise<OpfsFileStore> | undefined;
  const opfs = (): Promise<OpfsFileStore> =>
    (store ??= import('./file-sink').then(({ OpfsFileStore }) => new OpfsFileStore(new URL(fileSinkWorkerPath, document.baseURI))));
  const sinks: FileSinkFactory = {
    create: async (file) => (await opfs()).create(file),
    reopen: async (ref) => (await opfs()).reopen(ref),
    openFinished: async (ref) => (await opfs()).openFinished(ref),
  };
  /** Download URLs of the temporary copies "Save" made, by file id (revoked with the copy). */
  const exportUrls = new Map<string, string>();
  /** Copies being written, by file id. */
  const exporting = new Map<string, Promise<string>>();
  const revokeExport = (fileId: string) => {
    const url = exportUrls.get(fileId);
    if (url) URL.revokeObjectURL(url);
    exportUrls.delete(fileId);
  };
  return {
    openBackend: (storeName) => openIndexedDbBackend(storeName),
    witness: (storeName) => localStorageWitness(storeName),
    links: (storeName, iceServers) => browserLinks(storeName, iceServers),
    dialDirect: async (target) => (await import('../net/direct-dial')).dialDirect(target),
    tabLock: (storeName) => createTabLock(storeName),
    relaySocket: WebSocket,
    isVisible: () => !document.hidden,
    requestPersistence: () => requestPersistence(),
    // One worker per page, made when the first transfer needs it (OPFS is per origin; file ids keep profiles apart).
    fileSinks: () => sinks,
    removeFinishedFile: async (ref) => (await import('./file-sink')).removeFinishedFile(ref),
    exportFile: (fileId, source) => {
      // One copy of a file at a time: a second "Save" while the first is written gets the same download.
      const running = exporting.get(fileId);
      if (running) return running;
      const made = (async () => {
        const file = await (await opfs()).exportPlain(fileId, source);
        revokeExport(fileId);
        // Typed application/octet-stream whatever the file is: a blob URL has this page's origin, so an HTML or SVG
        // file opened from it (middle click, "open in new tab") would run as Tincan itself; octet-stream is
        // downloaded, never rendered.
        const url = URL.createObjectURL(file.slice(0, file.size, 'application/octet-stream'));
        exportUrls.set(fileId, url);
        return url;
      })().finally(() => exporting.delete(fileId));
      exporting.set(fileId, made);
      return made;
    },
    removeExports: async (fileId) => {
      for (const id of fileId === undefined ? [...exportUrls.keys()] : [fileId]) revokeExport(id);
      if (fileId === undefined) await (await opfs()).removeExports();
      else await (await opfs()).removeExport(fileId);
    },
    forgetFiles: async () => {
      for (const id of [...exportUrls.keys()]) revokeExport(id);
      // The worker holds files open (sync access handles): it lets go and ends first, then the whole folder goes.
      const opened = store;
      store = undefined;
      await (await opened?.catch(() => undefined))?.release();
      await (await import('./file-sink')).removeAllFiles();
    },
    storageEstimate: async () => {
      const estimate = await navigator.storage?.estimate?.();
      return estimate?.quota !== undefined && estimate.usage !== undefined ? { usageBytes: estimate.usage, quotaBytes: estimate.quota } : undefined;
    },
  };
}
