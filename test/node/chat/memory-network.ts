// Devices joined by in-memory links, each with a persistent "certificate" fingerprint, behind the same
// LinkFactory interface as the browser's PeerLinks: lets Node tests run the real pairing (codes), handshake,
// trust, delivery and store of several devices at once. Not WebRTC (test/unit/net and test/e2e are).
import type { LinkFactory, InviterLink } from '../../../src/net/device-links';
import type { SessionFields } from '../../../src/invite/sdp';
import { MemoryLink } from './memory-link';

let nextPort = 1000;

class MemoryInviterLink extends MemoryLink implements InviterLink {
  constructor(
    readonly device: MemoryDevice,
    fingerprint: Uint8Array,
    readonly pinned?: Uint8Array,
  ) {
    super('inviter', fingerprint);
    this.localFields = { fingerprint, candidates: [{ type: 'host', address: '10.0.0.1', port: nextPort++ }] };
    this.state = 'waiting-for-answer';
  }

  async acceptAnswer(answer: SessionFields): Promise<void> {
    this.connectTo(answer);
  }

  async addRemoteCandidates(answer: SessionFields): Promise<void> {
    this.connectTo(answer);
  }

  connectTo(answer: SessionFields): void {
    const answerer = network.byPort.get(answer.candidates[0]!.port);
    if (!answerer || answerer.state !== 'waiting-for-inviter' || this.device.isDirectBlocked || network.deviceOf.get(answerer)?.isDirectBlocked) return;
    this.join(answerer);
  }

  join(answerer: MemoryLink): void {
    this.peer = answerer;
    answerer.peer = this;
    this.remoteFields = answerer.localFields;
    answerer.remoteFields = this.localFields;
    this.setState('connecting');
    queueMicrotask(() => {
      this.setState('connected');
      answerer.setState('connected');
    });
  }
}

const network = {
  byPort: new Map<number, MemoryLink>(),
  deviceOf: new WeakMap<MemoryLink, MemoryDevice>(),
};

/** One device's links: its certificates (current first) and whether it can do one-code reconnects. */
export class MemoryDevice implements LinkFactory {
  readonly certificates: Uint8Array[];
  supportsOneCodeReconnect = true;
  /** No direct link forms to or from this device (symmetric NATs and no TURN): a link made waits and never connects. */
  isDirectBlocked = false;
  readonly links: MemoryLink[] = [];

  constructor(seed: number) {
    this.certificates = [new Uint8Array(32).fill(seed)];
  }

  get certificateFingerprint(): Uint8Array {
    return this.certificates[0]!;
  }

  /** A new certificate (renewal): the old one is kept for codes pinned to it. */
  renew(seed: number): void {
    this.certificates.unshift(new Uint8Array(32).fill(seed));
  }

  async invite(): Promise<InviterLink> {
    const link = new MemoryInviterLink(this, this.certificateFingerprint);
    this.register(link);
    return link;
  }

  async reconnect(contactFingerprint: Uint8Array): Promise<InviterLink> {
    const link = new MemoryInviterLink(this, this.certificateFingerprint, contactFingerprint);
    this.register(link);
    return link;
  }

  async answer(invite: SessionFields, options: { certificatePrefix?: Uint8Array } = {}): Promise<MemoryLink> {
    const prefix = options.certificatePrefix;
    const certificate = prefix ? this.certificates.find((c) => startsWith(c, prefix)) : this.certificateFingerprint;
    const link = new MemoryLink('answerer', certificate ?? this.certificateFingerprint);
    link.localFields = { fingerprint: link.localFields.fingerprint, candidates: [{ type: 'host', address: '10.0.0.2', port: nextPort++ }] };
    link.state = 'waiting-for-inviter';
    this.register(link);
    const inviter = network.byPort.get(invite.candidates[0]!.port);
    // One-code: the inviter pinned this certificate and waits for this device's checks.
    if (inviter instanceof MemoryInviterLink && inviter.pinned && sameBytes(inviter.pinned, link.localFields.fingerprint) && inviter.state === 'waiting-for-answer' && !this.isDirectBlocked && !inviter.device.isDirectBlocked) {
      inviter.join(link);
    }
    return link;
  }

  isOwnCertificatePrefix(prefix: Uint8Array): boolean {
    return this.certificates.some((c) => startsWith(c, prefix));
  }

  async forget(): Promise<void> {}

  private register(link: MemoryLink): void {
    network.byPort.set(link.localFields.candidates[0]!.port, link);
    network.deviceOf.set(link, this);
    this.links.push(link);
  }
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && startsWith(a, b);
}
