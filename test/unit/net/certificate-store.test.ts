// This device's DTLS certificate in real IndexedDB: kept across store instances (a reload), renewed before it
// expires with the old one still found by its fingerprint, forgotten on request, and a page-only fallback when
// IndexedDB refuses.
import { expect } from '@esm-bundle/chai';
import { CertificateStore, maxCertificateLifetimeMs } from '../../../src/net/certificate-store';
import { PeerLink } from '../../../src/net/peer-link';

let stores = 0;
/** A store name no other test uses. */
const freshName = () => `tincan-test-${Date.now()}-${stores++}`;
const sleepUntil = async (time: number) => {
  while (Date.now() < time) await new Promise((resolve) => setTimeout(resolve, Math.min(200, time - Date.now() + 1)));
};

describe('CertificateStore', () => {
  it('keeps one certificate across store instances, and PeerLink offers with its fingerprint', async () => {
    const name = freshName();
    const first = await new CertificateStore(name).current();
    expect(first.isStored).to.equal(true);
    expect(first.fingerprint).to.have.length(32);
    // Both browsers clamp expiry to 365 days: the store asks for that much.
    expect(first.expires).to.be.greaterThan(Date.now() + maxCertificateLifetimeMs - 60_000);
    const reloaded = new CertificateStore(name); // what a reload does: a new instance over the same database
    const again = await reloaded.current();
    expect(again.fingerprint).to.deep.equal(first.fingerprint);
    expect(again.certificate).to.be.instanceOf(RTCCertificate);
    const link = await PeerLink.invite({ certificate: again.certificate });
    expect(link.localFields!.fingerprint).to.deep.equal(first.fingerprint);
    link.close();
    expect((await reloaded.all()).map((c) => c.fingerprint)).to.deep.equal([first.fingerprint]);
    await reloaded.forget();
  });

  it('two tabs starting at once make one certificate, not two', async () => {
    const name = freshName();
    const [a, b] = await Promise.all([new CertificateStore(name).current(), new CertificateStore(name).current()]);
    expect(a.fingerprint).to.deep.equal(b.fingerprint);
    await new CertificateStore(name).forget();
  });

  it('renews when little time remains, keeps the old one findable until it expires, then drops it', async () => {
    const name = freshName();
    // Real certificates with a lifetime of seconds: renewal is due 2 s after making one.
    const options = { lifetimeMs: 8000, renewBeforeMs: 6000 };
    const old = await new CertificateStore(name, options).current();
    expect(await new CertificateStore(name, options).current()).to.have.property('expires', old.expires); // not yet due
    await sleepUntil(old.expires - options.renewBeforeMs + 50);
    const store = new CertificateStore(name, options);
    const renewed = await store.current();
    expect(renewed.fingerprint).not.to.deep.equal(old.fingerprint);
    expect((await store.all()).map((c) => c.fingerprint)).to.deep.equal([renewed.fingerprint, old.fingerprint]);
    // A contact who pinned the old certificate sends a reconnect code naming its first 4 bytes.
    expect((await store.find(old.fingerprint.slice(0, 4)))?.fingerprint).to.deep.equal(old.fingerprint);
    expect((await store.find(renewed.fingerprint.slice(0, 4)))?.fingerprint).to.deep.equal(renewed.fingerprint);
    await sleepUntil(old.expires + 50);
    expect((await store.all()).map((c) => c.fingerprint)).to.deep.equal([renewed.fingerprint]);
    expect(await store.find(old.fingerprint.slice(0, 4))).to.equal(undefined);
    await store.forget();
  });

  it('forgets: the next certificate is a new one', async () => {
    const name = freshName();
    const store = new CertificateStore(name);
    const before = await store.current();
    await store.forget();
    const after = await new CertificateStore(name).current();
    expect(after.fingerprint).not.to.deep.equal(before.fingerprint);
    expect(await new CertificateStore(name).find(before.fingerprint.slice(0, 4))).to.equal(undefined);
    await store.forget();
  });

  it('falls back to a page-only certificate (isStored false) when IndexedDB refuses, the same one each time', async () => {
    const name = freshName();
    // A newer database version than the store knows: every open fails with VersionError, as a broken profile would.
    await new Promise<void>((resolve, reject) => {
      const opening = indexedDB.open(`${name}-certificates`, 7);
      opening.onsuccess = () => (opening.result.close(), resolve());
      opening.onerror = () => reject(opening.error);
    });
    const store = new CertificateStore(name);
    const first = await store.current();
    const second = await store.current();
    expect(first.isStored).to.equal(false);
    expect(second.fingerprint).to.deep.equal(first.fingerprint);
    expect((await store.find(first.fingerprint.slice(0, 4)))?.fingerprint).to.deep.equal(first.fingerprint);
    await store.forget();
  });
});
