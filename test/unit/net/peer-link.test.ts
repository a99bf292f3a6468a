// PeerLink between two real RTCPeerConnections in one page, through codes only (as two people would).
import { expect } from '@esm-bundle/chai';
import { isTincanError, type ErrorCode } from '../../../src/errors';
import type { SessionFields } from '../../../src/invite/sdp';
import { PeerLink } from '../../../src/net/peer-link';
import { connectedPair, nextMessage, waitFor } from './link-helpers';

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect(isTincanError(error, code), String(error)).to.equal(true);
    return;
  }
  expect.fail(`should have thrown ${code}`);
}

const ufragOf = (sdp: string | undefined) => /a=ice-ufrag:(\S+)/.exec(sdp ?? '')?.[1];
const pcOf = (link: PeerLink) => (link as unknown as { pc: RTCPeerConnection }).pc;

describe('PeerLink', () => {
  it('connects through encoded codes and carries binary messages both ways', async () => {
    const { inviter, answerer } = await connectedPair();
    const got = nextMessage(answerer);
    inviter.send(new TextEncoder().encode('over the wire'));
    expect(await got).to.equal('over the wire');
    const back = nextMessage(inviter);
    answerer.send(new TextEncoder().encode('and back'));
    expect(await back).to.equal('and back');
    inviter.close();
    await waitFor(answerer, 'closed');
    expect(answerer.ended?.code).to.equal('CHANNEL_CLOSED');
    expect(() => answerer.send(new Uint8Array(1))).to.throw().that.has.property('code', 'CHANNEL_CLOSED');
  });

  it('restarts ICE through signals carried over the open channel, with new credentials, and keeps working', async () => {
    const { inviter, answerer } = await connectedPair();
    const before = ufragOf(pcOf(inviter).localDescription?.sdp);
    // What the app does: each side's signal goes to the other over the channel (here, directly).
    const answered = new Promise<void>((resolve) => {
      answerer.on('signal', (signal) => void inviter.applySignal(signal).then(resolve));
    });
    inviter.on('signal', (signal) => void answerer.applySignal(signal));
    await inviter.restartIce();
    await answered;
    expect(pcOf(inviter).signalingState).to.equal('stable');
    expect(ufragOf(pcOf(inviter).localDescription?.sdp)).not.to.equal(before);
    expect([inviter.restarts, answerer.restarts]).to.deep.equal([1, 1]);
    const got = nextMessage(answerer);
    inviter.send(new TextEncoder().encode('after the restart'));
    expect(await got).to.equal('after the restart');
    expect(inviter.state).to.equal('connected');
    inviter.close();
    answerer.close();
  });

  it('makes the answerer wait no longer than the answer stays valid', async () => {
    const inviter = await PeerLink.invite();
    const answerer = await PeerLink.answer(inviter.localFields!, { answerValidMs: 300 });
    await waitFor(answerer, 'failed');
    expect(answerer.ended?.code).to.equal('CONNECT_TIMEOUT');
    inviter.close();
  });

  it('uses the certificate it is given: its fingerprint is the one in the code', async () => {
    const certificate = await RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' } as AlgorithmIdentifier);
    const hex = certificate.getFingerprints().find((f) => f.algorithm === 'sha-256')!.value!.replace(/:/g, '').toLowerCase();
    const inviter = await PeerLink.invite({ certificate });
    const answerer = await PeerLink.answer(inviter.localFields!, { certificate });
    const hexOf = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    expect(hexOf(inviter.localFields!.fingerprint)).to.equal(hex);
    expect(hexOf(answerer.localFields!.fingerprint)).to.equal(hex);
    inviter.close();
    answerer.close();
  });
});

describe('PeerLink errors reach the caller as coded TincanErrors', () => {
  it('an invite whose ICE credentials the browser refuses: CODE_REFUSED, and the link is closed', async () => {
    const inviter = await PeerLink.invite();
    const fields: SessionFields = { ...inviter.localFields!, ice: { ufrag: 'ab', pwd: 'abcdefghijklmnopqrstuvwxyz' } };
    await expectCode(PeerLink.answer(fields), 'CODE_REFUSED');
    inviter.close();
  });

  it('an expired certificate: CERTIFICATE_FAILED', async () => {
    const certificate = await RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256', expires: 1 } as AlgorithmIdentifier);
    while (certificate.expires >= Date.now()) await new Promise((resolve) => setTimeout(resolve, 5));
    await expectCode(PeerLink.invite({ certificate }), 'CERTIFICATE_FAILED');
  });

  it('no RTCPeerConnection (WebRTC turned off): WEBRTC_UNAVAILABLE', async () => {
    const createPeerConnection = () => {
      throw new ReferenceError('RTCPeerConnection is not defined');
    };
    await expectCode(PeerLink.invite({ createPeerConnection }), 'WEBRTC_UNAVAILABLE');
  });
});
