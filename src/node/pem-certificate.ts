// This Node peer's persistent DTLS certificate, in two PEM files beside the vault (the profile folder), which
// node-datachannel reads by path (RtcConfig certificatePemFile / keyPemFile, docs/node-peer.md §2). Its fingerprint
// stays the same across restarts, so contacts can pin it as they pin a browser's (one-code reconnects).
//
// node:crypto makes the ECDSA P-256 key but has no way to issue a certificate (X509Certificate only reads one), and
// no openssl binary is assumed: the self-signed X.509 v3 certificate is written here in DER (RFC 5280 §4.1):
//   Certificate     SEQUENCE { tbsCertificate, signatureAlgorithm ecdsa-with-SHA256, signature BIT STRING }
//   TBSCertificate  SEQUENCE { [0] version 3, serial (16 random bytes, positive), ecdsa-with-SHA256,
//                              issuer CN=tincan, validity { notBefore, notAfter }, subject CN=tincan,
//                              subjectPublicKeyInfo (node:crypto's SPKI DER) }
// ECDSA P-256 is what both browsers make by default and every WebRTC stack accepts (net/certificate-store.ts).
//
// Files (mode 0600): dtls-certificate.pem, dtls-key.pem. A certificate is made for 365 days (browsers clamp theirs
// to that) and replaced when less than 30 days remain; the replaced one is kept as dtls-certificate.previous.pem /
// dtls-key.previous.pem until it expires, so a reconnect code naming it (a contact that still pins it) is answered.
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CertificateKeeper, Certified } from '../net/device-links';

export interface PemCertificate extends Certified {
  readonly certificatePemFile: string;
  readonly keyPemFile: string;
  /** ms since the epoch. */
  readonly expires: number;
}

const currentNames = { certificate: 'dtls-certificate.pem', key: 'dtls-key.pem' } as const;
const previousNames = { certificate: 'dtls-certificate.previous.pem', key: 'dtls-key.previous.pem' } as const;
const dayMs = 24 * 60 * 60 * 1000;
/** As a browser's (net/certificate-store.ts, which needs the DOM): 365 days, renewed when 30 days remain. */
export const maxCertificateLifetimeMs = 365 * dayMs;
const defaultRenewBeforeMs = 30 * dayMs;
/** Backdated so a peer whose clock is a little behind still accepts it. */
const notBeforeSlackMs = dayMs;

// DER ----------------------------------------------------------------------------------------------------------

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function der(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

const sequence = (...items: Buffer[]) => der(0x30, ...items);
/** OID 1.2.840.10045.4.3.2 ecdsa-with-SHA256 (RFC 5758 §3.2: parameters absent). */
const ecdsaWithSha256 = sequence(Buffer.from([0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]));
/** Name ::= CN=tincan (OID 2.5.4.3, UTF8String). */
const tincanName = sequence(der(0x31, sequence(Buffer.from([0x06, 0x03, 0x55, 0x04, 0x03]), der(0x0c, Buffer.from('tincan', 'utf8')))));

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime after; always UTC with seconds. */
function derTime(ms: number): Buffer {
  const iso = new Date(Math.floor(ms / 1000) * 1000).toISOString(); // 2026-12-07T01:02:03.000Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '') + 'Z'; // 20261207010203Z
  const year = Number(iso.slice(0, 4));
  return year < 2050 ? der(0x17, Buffer.from(digits.slice(2), 'ascii')) : der(0x18, Buffer.from(digits, 'ascii'));
}

/** A new self-signed certificate and its key, as PEM text. */
export function makeSelfSignedCertificate(now: number, lifetimeMs = maxCertificateLifetimeMs): { certificatePem: string; keyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x3f) | 0x40; // a positive INTEGER whose first byte is not 0 (DER: minimal encoding)
  const tbs = sequence(
    der(0xa0, der(0x02, Buffer.from([2]))), // [0] EXPLICIT version v3
    der(0x02, serial),
    ecdsaWithSha256,
    tincanName,
    sequence(derTime(now - notBeforeSlackMs), derTime(now + lifetimeMs)),
    tincanName,
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, privateKey); // DER-encoded ECDSA-Sig-Value
  const certificate = sequence(tbs, ecdsaWithSha256, der(0x03, Buffer.from([0]), signature));
  const base64Lines = certificate.toString('base64').match(/.{1,64}/g) ?? [];
  return {
    certificatePem: `-----BEGIN CERTIFICATE-----\n${base64Lines.join('\n')}\n-----END CERTIFICATE-----\n`,
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** Fingerprint and expiry of a PEM certificate, checked against its key; undefined when either is unusable. */
function describe(certificatePem: string, keyPem: string, files: { certificatePemFile: string; keyPemFile: string }): PemCertificate | undefined {
  try {
    const certificate = new X509Certificate(certificatePem);
    if (!certificate.checkPrivateKey(createPrivateKey(keyPem))) return undefined;
    const fingerprint = Uint8Array.from(certificate.fingerprint256.split(':'), (pair) => parseInt(pair, 16));
    return { ...files, fingerprint, expires: Date.parse(certificate.validTo) };
  } catch {
    return undefined;
  }
}

async function readPair(directory: string, names: { certificate: string; key: string }): Promise<PemCertificate | undefined> {
  const files = { certificatePemFile: path.join(directory, names.certificate), keyPemFile: path.join(directory, names.key) };
  try {
    const [certificatePem, keyPem] = await Promise.all([readFile(files.certificatePemFile, 'utf8'), readFile(files.keyPemFile, 'utf8')]);
    return describe(certificatePem, keyPem, files);
  } catch {
    return undefined;
  }
}

/** Writes a file whole or not at all: a temporary file, fsync'd, renamed over the old one. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.tmp`;
  await writeFile(temporary, text, { mode: 0o600, flush: true });
  await rename(temporary, file);
}

/** The certificates kept in `directory` (see the module header). One process at a time uses a profile folder. */
export class PemCertificateKeeper implements CertificateKeeper<PemCertificate> {
  constructor(
    private readonly directory: string,
    private readonly now: () => number = Date.now,
  ) {}

  async current(): Promise<PemCertificate> {
    const kept = await readPair(this.directory, currentNames);
    if (kept && kept.expires - this.now() >= defaultRenewBeforeMs) return kept;
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    if (kept) {
      await rename(kept.certificatePemFile, path.join(this.directory, previousNames.certificate));
      await rename(kept.keyPemFile, path.join(this.directory, previousNames.key));
    }
    const { certificatePem, keyPem } = makeSelfSignedCertificate(this.now());
    // The key first: a crash between the two leaves a certificate that does not match it, which reads as none.
    await writeAtomically(path.join(this.directory, currentNames.key), keyPem);
    await writeAtomically(path.join(this.directory, currentNames.certificate), certificatePem);
    const made = await readPair(this.directory, currentNames);
    if (!made) throw new Error('the new DTLS certificate could not be read back');
    return made;
  }

  async all(): Promise<PemCertificate[]> {
    const pairs = await Promise.all([readPair(this.directory, currentNames), readPair(this.directory, previousNames)]);
    return pairs.filter((pair): pair is PemCertificate => !!pair && pair.expires > this.now());
  }

  async find(fingerprintPrefix: Uint8Array): Promise<PemCertificate | undefined> {
    return (await this.all()).find((c) => fingerprintPrefix.length <= c.fingerprint.length && fingerprintPrefix.every((b, i) => c.fingerprint[i] === b));
  }

  async forget(): Promise<void> {
    await Promise.all(
      [currentNames, previousNames].flatMap((names) => [names.certificate, names.key].map((name) => rm(path.join(this.directory, name), { force: true }))),
    );
  }
}
