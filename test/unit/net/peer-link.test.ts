// PeerLink between two real RTCPeerConnections in one page, through codes only (as two people would).
import { expect } from '@esm-bundle/chai';
import { PeerLink, type LinkSignal } from '../../../src/net/peer-link';
import { decodeCode, encodeCode } from '../../../src/invite/invite-code';

function waitFor(link: PeerLink, state: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (link.state === state) return resolve();
    const timer = setTimeout(() => reject(new Error(`still ${link.state}, not ${state}`)), 15_000);
    link.addEventListener('state', () => {
      if (link.state === state) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

function nextMessage(link: PeerLink): Promise<string> {
  return new Promise((resolve) =>
    link.addEventListener('message', (e) => resolve(new TextDecoder().decode((e as CustomEvent<Uint8Array>).detail)), { once: true }),
  );
}

const ufragOf = (sdp: string | undefined) => /a=ice-ufrag:(\S+)/.exec(sdp ?? '')?.[1];

async function connectedPair() {
  const inviter = await PeerLink.invite();
  const invite = decodeCode(encodeCode({ kind: 'invite', fields: inviter.localFields! }));
  const answerer = await PeerLink.answer(invite.fields);
  const answer = decodeCode(encodeCode({ kind: 'answer', fields: answerer.localFields! }));
  await inviter.acceptAnswer(answer.fields);
  await Promise.all([waitFor(inviter, 'connected'), waitFor(answerer, 'connected')]);
  return { inviter, answerer };
}

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
  });

  it('restarts ICE through signals carried over the open channel, with new credentials, and keeps working', async () => {
    const { inviter, answerer } = await connectedPair();
    const pcOf = (link: PeerLink) => (link as unknown as { pc: RTCPeerConnection }).pc;
    const before = ufragOf(pcOf(inviter).localDescription?.sdp);
    // What the app does: each side's signal goes to the other over the channel (here, directly).
    const answered = new Promise<void>((resolve) => {
      answerer.addEventListener('signal', (e) => {
        void inviter.applySignal((e as CustomEvent<LinkSignal>).detail).then(resolve);
      });
    });
    inviter.addEventListener('signal', (e) => void answerer.applySignal((e as CustomEvent<LinkSignal>).detail));
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
});
