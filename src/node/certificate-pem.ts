// A self-signed ECDSA P-256 certificate in PEM, made with node:crypto alone (no openssl), for a Node peer that must
// keep one DTLS certificate: node-datachannel takes it as files (certificatePemFile/keyPemFile), and a listener that
// browsers dial with no signaling must keep the fingerprint its mailbox code names (docs/mailbox.md §1).
//
// The X.509 encoding is pem-certificate.ts's (one writer of DER in the project); only the lifetime differs.
import { createHash, X509Certificate } from 'node:crypto';
import { makeSelfSignedCertificate } from './pem-certificate';

export interface PemCertificate {
  readonly certificatePem: string;
  readonly keyPem: string;
}

/** The mailbox's certificate lasts this long: its fingerprint is in the mailbox code the owner's contacts keep. */
const certificateValidDays = 3650;
const dayMs = 24 * 3600_000;

/** A new key pair and its self-signed certificate (made as the CLI's is: pem-certificate.ts), for certificateValidDays. */
export function makePemCertificate(now = new Date()): PemCertificate {
  return makeSelfSignedCertificate(now.getTime(), certificateValidDays * dayMs);
}

/** SHA-256 of the certificate's DER: the DTLS fingerprint both ends put in their SDP (32 bytes). */
export function pemFingerprint(certificatePem: string): Uint8Array {
  const raw = new X509Certificate(certificatePem).raw;
  return new Uint8Array(createHash('sha256').update(raw).digest());
}
