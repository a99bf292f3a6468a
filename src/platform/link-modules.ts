// What browserLinks needs once a profile is unlocked, in one chunk: PeerLink, the device's certificate store, and
// the DOM-free DeviceLinks over them (net/device-links.ts).
// Imported dynamically, so the first screen does not download them (bench/size.mjs).
export { PeerLink, supportsOneCodeReconnect } from '../net/peer-link';
export { CertificateStore } from '../net/certificate-store';
export { certifiedLinks } from '../net/device-links';
