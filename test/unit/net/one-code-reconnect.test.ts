// One-code reconnect between two real PeerLinks in one page, each with its own persistent-style certificate: the
// inviter sets the contact's answer itself; the contact only answers; no answer code travels back.
import { expect } from '@esm-bundle/chai';
import { isTincanError } from '../../../src/errors';
import type { SessionFields } from '../../../src/invite/sdp';
import { certificateFingerprint, generateDtlsCertificate } from '../../../src/net/certificate-store';
import type { LinkState } from '../../../src/net/link';
import { PeerLink } from '../../../src/net/peer-link';
import { echo, throughCode, waitFor } from './link-helpers';

async function device() {
  const certificate = await generateDtlsCertificate();
  return { certificate, fingerprint: certificateFingerprint(certificate) };
}

/** Resolves when the answering link says none of its checks got a reply (net/peer-link.ts inviterSilentMs): the
 * event that proves the inviter took nothing from it, instead of a fixed wait. */
function noReplyTo(answerer: PeerLink): Promise<void> {
  return new Promise((resolve) => {
    const stop = answerer.on('peer-unreachable', () => {
      stop();
      resolve();
    });
  });
}

/** Alice and Bob, each with a certificate, and Alice's reconnect link pinned to Bob's. */
async function aliceReconnectsBob(options: { placeholderCandidates?: boolean; peerWaitMs?: number } = {}) {
  const alice = await device();
  const bob = await device();
  const inviter = await PeerLink.reconnect({ contactFingerprint: bob.fingerprint, certificate: alice.certificate, ...options });
  return { alice, bob, inviter };
}

describe('one-code reconnect', () => {
  it('opens with no answer applied: the contact only answers the invite', async () => {
    const { alice, bob, inviter } = await aliceReconnectsBob();
    const states: LinkState[] = [inviter.state];
    inviter.on('state', (state) => states.push(state));
    expect(inviter.state).to.equal('waiting-for-peer');
    expect(inviter.localFields!.fingerprint).to.deep.equal(alice.fingerprint);
    const answerValidMs = 500;
    const invitee = await PeerLink.answer(throughCode('invite', inviter.localFields!), { certificate: bob.certificate, answerValidMs });
    expect(invitee.localFields!.fingerprint).to.deep.equal(bob.fingerprint);
    await Promise.all([waitFor(inviter, 'connected'), waitFor(invitee, 'connected')]);
    expect(states).to.deep.equal(['waiting-for-peer', 'connected']);
    // Connected while it was still gathering or after: either way no answer deadline may end it later.
    await new Promise((resolve) => setTimeout(resolve, answerValidMs * 2));
    expect(invitee.state).to.equal('connected');
    expect(inviter.remoteFields!.fingerprint).to.deep.equal(bob.fingerprint);
    // The inviter learned the contact from its checks alone: a peer-reflexive candidate.
    expect((await inviter.selectedCandidateTypes())?.remote).to.equal('prflx');
    expect(await echo(inviter, invitee, 'hello again')).to.equal('hello again');
    expect(await echo(invitee, inviter, 'hi')).to.equal('hi');
    inviter.close();
    invitee.close();
  });

  it('an invitee connected while still gathering stays connected once its answer is made', async () => {
    const { bob, inviter } = await aliceReconnectsBob();
    // As with a STUN server that never answers (gathering then lasts the whole gatherTimeoutMs, docs/lab.md §3): the
    // real connection's gathering state reads `gathering` until then, while its checks reach the inviter at once.
    const answerValidMs = 500;
    const answering = PeerLink.answer(throughCode('invite', inviter.localFields!), {
      certificate: bob.certificate,
      gatherTimeoutMs: 2000,
      answerValidMs,
      createPeerConnection: (config) => {
        const pc = new RTCPeerConnection(config);
        Object.defineProperty(pc, 'iceGatheringState', { get: () => 'gathering' });
        return pc;
      },
    });
    await waitFor(inviter, 'connected');
    const invitee = await answering;
    expect(invitee.state).to.equal('connected');
    await new Promise((resolve) => setTimeout(resolve, answerValidMs * 2));
    expect(invitee.state).to.equal('connected');
    inviter.close();
    invitee.close();
  });

  it('also opens with placeholder candidates holding the inviter (what a Firefox inviter does)', async () => {
    const { bob, inviter } = await aliceReconnectsBob({ placeholderCandidates: true });
    const invitee = await PeerLink.answer(throughCode('invite', inviter.localFields!), { certificate: bob.certificate });
    await Promise.all([waitFor(inviter, 'connected'), waitFor(invitee, 'connected')]);
    expect(await echo(invitee, inviter, 'through the placeholders')).to.equal('through the placeholders');
    inviter.close();
    invitee.close();
  });

  it('does not open for a device without the pinned certificate', async () => {
    const { inviter } = await aliceReconnectsBob();
    const mallory = await device();
    const impostor = await PeerLink.answer(throughCode('invite', inviter.localFields!), { certificate: mallory.certificate });
    // Mallory's checks carry credentials derived from her fingerprint, not Bob's, so the inviter does not take
    // them (and DTLS would refuse her certificate anyway).
    // Three seconds is far beyond the 0.5 s a real one-code connection takes here; nothing must open meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(inviter.state).to.equal('waiting-for-peer');
    expect(impostor.state).to.equal('waiting-for-inviter');
    inviter.close();
    impostor.close();
  });

  it("falls back to the contact's answer code when its checks cannot reach the inviter", async () => {
    const { bob, inviter } = await aliceReconnectsBob();
    // As across a NAT that filters by address: the contact's checks never reach the inviter. Here the contact
    // gets the invite without its addresses, so it has nowhere to send them.
    const unreachable: SessionFields = { ...throughCode('invite', inviter.localFields!), candidates: [] };
    const inviterStates: LinkState[] = [inviter.state];
    inviter.on('state', (state) => inviterStates.push(state));
    const invitee = await PeerLink.answer(unreachable, { certificate: bob.certificate });
    await noReplyTo(invitee);
    expect(inviterStates).to.deep.equal(['waiting-for-peer']);
    await inviter.addRemoteCandidates(throughCode('answer', invitee.localFields!));
    expect(inviter.state).to.equal('connecting');
    await Promise.all([waitFor(inviter, 'connected'), waitFor(invitee, 'connected')]);
    expect(await echo(inviter, invitee, 'found you')).to.equal('found you');
    inviter.close();
    invitee.close();
  });

  it('acceptAnswer on a reconnect link adds the candidates the same way', async () => {
    const { bob, inviter } = await aliceReconnectsBob();
    const invitee = await PeerLink.answer({ ...throughCode('invite', inviter.localFields!), candidates: [] }, { certificate: bob.certificate });
    await inviter.acceptAnswer(throughCode('answer', invitee.localFields!));
    await Promise.all([waitFor(inviter, 'connected'), waitFor(invitee, 'connected')]);
    inviter.close();
    invitee.close();
  });

  it("refuses an answer from anyone but the pinned contact, and keeps waiting for the right one", async () => {
    const { bob, inviter } = await aliceReconnectsBob();
    const mallory = await device();
    const invite = throughCode('invite', inviter.localFields!);
    const impostor = await PeerLink.answer({ ...invite, candidates: [] }, { certificate: mallory.certificate });
    for (const attempt of [inviter.addRemoteCandidates(throughCode('answer', impostor.localFields!)), inviter.acceptAnswer(throughCode('answer', impostor.localFields!))]) {
      try {
        await attempt;
        expect.fail('an impostor answer was accepted');
      } catch (error) {
        expect(isTincanError(error, 'RECONNECT_WRONG_CONTACT'), String(error)).to.equal(true);
      }
    }
    expect(inviter.state).to.equal('waiting-for-peer');
    const invitee = await PeerLink.answer(invite, { certificate: bob.certificate });
    await Promise.all([waitFor(inviter, 'connected'), waitFor(invitee, 'connected')]);
    inviter.close();
    invitee.close();
    impostor.close();
  });

  it('gives up after peerWaitMs with CONNECT_TIMEOUT', async () => {
    const { inviter } = await aliceReconnectsBob({ peerWaitMs: 300 });
    await waitFor(inviter, 'failed');
    expect(inviter.ended?.code).to.equal('CONNECT_TIMEOUT');
  });

  it('refuses answer candidates the browser cannot use with CANDIDATES_REFUSED', async () => {
    const { bob, inviter } = await aliceReconnectsBob();
    const bogus: SessionFields = { fingerprint: bob.fingerprint, candidates: [{ type: 'host', address: '10.0.0.1', port: 70_000 }] };
    try {
      await inviter.addRemoteCandidates(bogus);
      expect.fail('a port beyond 65535 was accepted');
    } catch (error) {
      expect(isTincanError(error, 'CANDIDATES_REFUSED'), String(error)).to.equal(true);
    }
    expect(inviter.state).to.equal('waiting-for-peer');
    inviter.close();
  });
});
