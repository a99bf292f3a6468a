// What browserLinks needs once a profile is unlocked, in one chunk: PeerLink and the device's certificate store.
// Imported dynamically, so the first screen does not download them (bench/size.mjs).
export { PeerLink, supportsOneCodeReconnect } from '../net/peer-link';
export { CertificateStore } from '../net/certificate-store';
