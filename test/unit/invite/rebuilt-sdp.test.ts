// Rebuilt SDPs against the real thing: Chromium's RTCPeerConnection (Firefox: scripts/sdp-interop.mjs).
import { expect } from '@esm-bundle/chai';
import { decodeCode, encodeCode, expectKind } from '../../../src/invite/invite-code';
import { applyIceCredentials, buildSdp, deriveIceCredentials, extractFields } from '../../../src/invite/sdp';
import { answerFixtures, loadSdp, offerFixtures } from './fixtures';

const gatheringTimeoutMs = 5000;
const openTimeoutMs = 10_000;

function gathered(pc: RTCPeerConnection): Promise<void> {
  return new Promise((resolve) => {
    const check = () => pc.iceGatheringState === 'complete' && resolve();
    pc.addEventListener('icegatheringstatechange', check);
    check();
    setTimeout(resolve, gatheringTimeoutMs);
  });
}

/** What the net layer does: create, set ICE credentials to the derived ones, set, gather; then the code. */
async function localCode(pc: RTCPeerConnection, kind: 'invite' | 'answer'): Promise<string> {
  const description = kind === 'invite' ? await pc.createOffer() : await pc.createAnswer();
  const fingerprint = extractFields(description.sdp!, { allowNoCandidates: true }).fingerprint;
  await pc.setLocalDescription({ type: description.type, sdp: applyIceCredentials(description.sdp!, deriveIceCredentials(fingerprint)) });
  await gathered(pc);
  return encodeCode({ kind, fields: extractFields(pc.localDescription!.sdp) });
}

const setupOf = (sdp: string | undefined) => /a=setup:(\w+)/.exec(sdp ?? '')?.[1];

describe('rebuilt SDP in Chromium', () => {
  it('is accepted as a remote offer for every offer fixture; setup active makes the answer passive', async () => {
    for (const name of offerFixtures) {
      const fields = extractFields(await loadSdp(name));
      for (const [setup, answerSetup] of [['actpass', 'active'], ['active', 'passive']] as const) {
        const pc = new RTCPeerConnection();
        try {
          await pc.setRemoteDescription({ type: 'offer', sdp: buildSdp(fields, { type: 'offer', setup }) });
          const answer = await pc.createAnswer();
          await pc.setLocalDescription(answer);
          expect(setupOf(answer.sdp), `${name} ${setup}`).to.equal(answerSetup);
        } finally {
          pc.close();
        }
      }
    }
  });

  it('is accepted as a remote answer (passive and active) for every fixture', async () => {
    for (const name of [...answerFixtures, ...offerFixtures]) {
      const fields = extractFields(await loadSdp(name));
      for (const setup of ['passive', 'active'] as const) {
        const pc = new RTCPeerConnection();
        try {
          pc.createDataChannel('tincan');
          await pc.setLocalDescription(await pc.createOffer());
          await pc.setRemoteDescription({ type: 'answer', sdp: buildSdp(fields, { type: 'answer', setup }) });
          expect(pc.signalingState, `${name} ${setup}`).to.equal('stable');
        } finally {
          pc.close();
        }
      }
    }
  });

  it('accepts ICE credentials at the minimum decodeCode takes (ufrag 4, pwd 22) and throws on shorter ones', async () => {
    const fields = extractFields(await loadSdp('chromium-offer-ipv4'));
    const outcome = async (ufrag: string, pwd: string) => {
      const pc = new RTCPeerConnection();
      try {
        await pc.setRemoteDescription({ type: 'offer', sdp: buildSdp({ ...fields, ice: { ufrag, pwd } }, { type: 'offer', setup: 'active' }) });
        return 'accepted';
      } catch (error) {
        return (error as Error).name;
      } finally {
        pc.close();
      }
    };
    expect(await outcome('abcd', 'a'.repeat(22))).to.equal('accepted');
    // The raw browser errors that CODE_ICE_CREDENTIALS keeps from reaching the UI.
    expect(await outcome('abc', 'a'.repeat(22))).not.to.equal('accepted');
    expect(await outcome('abcd', 'a'.repeat(21))).not.to.equal('accepted');
  });

  it('connects two peers that exchange only codes, the answerer as DTLS server', async () => {
    const inviter = new RTCPeerConnection();
    const answerer = new RTCPeerConnection();
    try {
      const channel = inviter.createDataChannel('tincan');
      const inviteCode = await localCode(inviter, 'invite');
      const invite = expectKind(decodeCode(inviteCode), 'invite');
      expect(invite.fields.ice, 'derived credentials are not carried').to.equal(undefined);

      const received = new Promise<string>((resolve) => {
        answerer.addEventListener('datachannel', ({ channel: remote }) => {
          remote.addEventListener('message', ({ data }) => resolve(String(data)));
        });
      });
      await answerer.setRemoteDescription({ type: 'offer', sdp: buildSdp(invite.fields, { type: 'offer', setup: 'active' }) });
      const answerCode = await localCode(answerer, 'answer');
      expect(setupOf(answerer.localDescription?.sdp)).to.equal('passive');
      const answer = expectKind(decodeCode(answerCode), 'answer');
      await inviter.setRemoteDescription({ type: 'answer', sdp: buildSdp(answer.fields, { type: 'answer', setup: 'passive' }) });

      await new Promise<void>((resolve, reject) => {
        if (channel.readyState === 'open') resolve();
        channel.addEventListener('open', () => resolve());
        setTimeout(() => reject(new Error(`channel not open; ICE ${inviter.iceConnectionState}`)), openTimeoutMs);
      });
      channel.send('hello over a rebuilt SDP');
      expect(await received).to.equal('hello over a rebuilt SDP');
      expect(inviteCode.length).to.be.at.most(200);
    } finally {
      inviter.close();
      answerer.close();
    }
  });
});
