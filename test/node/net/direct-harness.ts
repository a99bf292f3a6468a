// A WebRTC-direct listener on 127.0.0.1 with a fresh certificate, raw STUN requests as a stranger would send them,
// and a wait for a condition (never a fixed sleep).
import { createHmac, randomBytes } from 'node:crypto';
import nodeDataChannel from 'node-datachannel';
import dgram from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DirectListener, type DirectListenerOptions } from '../../../src/net/direct-listener';
import { makePemCertificate, pemFingerprint } from '../../../src/node/certificate-pem';

export async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

export interface ListenerHarness {
  listener: DirectListener;
  target: { address: string; port: number; fingerprint: Uint8Array };
  certificatePemFile: string;
  keyPemFile: string;
}

export async function startListener(options: Partial<DirectListenerOptions> = {}): Promise<ListenerHarness> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'tincan-direct-'));
  const made = makePemCertificate();
  const certificatePemFile = path.join(directory, 'certificate.pem');
  const keyPemFile = path.join(directory, 'key.pem');
  writeFileSync(certificatePemFile, made.certificatePem);
  writeFileSync(keyPemFile, made.keyPem, { mode: 0o600 });
  const fingerprint = pemFingerprint(made.certificatePem);
  const port = await freeUdpPort();
  const listener = new DirectListener({ host: '127.0.0.1', port, certificatePemFile, keyPemFile, fingerprint, ...options });
  return { listener, target: { address: '127.0.0.1', port, fingerprint }, certificatePemFile, keyPemFile };
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = crcTable[(c ^ byte) & 255]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function attribute(type: number, value: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(value.length, 2);
  return Buffer.concat([header, value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
}

/** An ICE Binding request (RFC 8445/5389) with USERNAME "ufrag:ufrag", integrity keyed with ufrag, FINGERPRINT. */
export function stunBindingRequest(ufrag: string): Buffer {
  const priority = Buffer.alloc(4);
  priority.writeUInt32BE(1_853_824_767);
  let body = Buffer.concat([attribute(0x0006, Buffer.from(`${ufrag}:${ufrag}`)), attribute(0x0024, priority), attribute(0x802a, randomBytes(8))]);
  const header = Buffer.alloc(20);
  header.writeUInt16BE(0x0001, 0);
  header.writeUInt32BE(0x2112a442, 4);
  randomBytes(12).copy(header, 8);
  header.writeUInt16BE(body.length + 24, 2);
  body = Buffer.concat([body, attribute(0x0008, createHmac('sha1', Buffer.from(ufrag)).update(Buffer.concat([header, body])).digest())]);
  header.writeUInt16BE(body.length + 8, 2);
  const fingerprint = Buffer.alloc(4);
  fingerprint.writeUInt32BE((crc32(Buffer.concat([header, body])) ^ 0x5354554e) >>> 0);
  return Buffer.concat([header, body, attribute(0x8028, fingerprint)]);
}

/** A UDP socket that sends raw STUN requests to the listener, as a stranger (or a late retransmission) would. */
export async function stunSender(port: number): Promise<{ send(ufrag: string): void; close(): void }> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return {
    send: (ufrag) => socket.send(stunBindingRequest(ufrag), port, '127.0.0.1'),
    close: () => socket.close(),
  };
}

/** Resolves once `condition` holds (checked every 20 ms); rejects after `timeoutMs` with `what`. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * node-datachannel's cleanup() for a test file's `after`. libdatachannel 0.24.5 (in node-datachannel 0.33.4) can leave
 * its UDP mux listener's thread running after stop() (docs/node-peer.md §1: `mStopped` left uninitialized), and
 * cleanup() then gives up after 10 s with "cleanup timeout (possible deadlock)": about one run in five of the mailbox
 * files since 2026-12-07, also on code before that day's changes. That one error is printed, not failed: the file's
 * tests have asserted what they must by then, and what hangs is the library's own shutdown. Any other error fails.
 */
export function cleanupNodeDataChannel(): void {
  try {
    nodeDataChannel.cleanup();
  } catch (error) {
    if (!/cleanup timeout/.test(String(error))) throw error;
    console.warn(`# ${String(error)} (libdatachannel's listener stop, docs/node-peer.md §1)`);
  }
}
