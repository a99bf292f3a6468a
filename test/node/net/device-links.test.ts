// DeviceLinks over a certificate keeper (net/device-links.ts), the DOM-free part of the browser's links: which
// certificate each link is made with, and which fingerprint prefixes count as this device's.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { certifiedLinks, type CertificateKeeper, type InviterLink } from '../../../src/net/device-links';
import type { Link } from '../../../src/net/link';
import type { SessionFields } from '../../../src/invite/sdp';

interface TestCertificate {
  readonly name: string;
  readonly fingerprint: Uint8Array;
}

const certificate = (name: string, first: number): TestCertificate => ({ name, fingerprint: new Uint8Array(32).fill(first) });

describe('certified links', () => {
  it('makes each link with the current certificate, and answers a reconnect code with the one it names', async () => {
    const old = certificate('old', 1);
    let current = certificate('current', 2);
    let kept = [old, current];
    let forgotten = false;
    const keeper: CertificateKeeper<TestCertificate> = {
      current: async () => current,
      all: async () => kept,
      find: async (prefix) => kept.find((c) => prefix.every((b, i) => c.fingerprint[i] === b)),
      forget: async () => void (forgotten = true),
    };
    const used: string[] = [];
    const made = (what: string, c: TestCertificate) => {
      used.push(`${what}:${c.name}`);
      return {} as InviterLink & Link;
    };
    const links = await certifiedLinks(keeper, {
      supportsOneCodeReconnect: true,
      invite: async (c) => made('invite', c),
      reconnect: async (c) => made('reconnect', c),
      answer: async (_invite, c) => made('answer', c),
    });
    assert.deepEqual(links.certificateFingerprint, current.fingerprint);
    assert.equal(links.isOwnCertificatePrefix(new Uint8Array([1, 1])), true);
    assert.equal(links.isOwnCertificatePrefix(new Uint8Array([3])), false);

    await links.invite();
    await links.answer({} as SessionFields, { certificatePrefix: new Uint8Array([1, 1, 1]) });
    await links.answer({} as SessionFields, { certificatePrefix: new Uint8Array([9]) });
    // Renewed: the old certificate expired and is no longer kept.
    current = certificate('renewed', 3);
    kept = [current];
    await links.reconnect(new Uint8Array(32));
    assert.deepEqual(used, ['invite:current', 'answer:old', 'answer:current', 'reconnect:renewed']);
    assert.deepEqual(links.certificateFingerprint, current.fingerprint);
    assert.equal(links.isOwnCertificatePrefix(new Uint8Array([1])), false, 'an expired certificate is no longer ours');
    await links.forget();
    assert.equal(forgotten, true);
  });
});
