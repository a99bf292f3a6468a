// Steps the PeerLink tests share: waiting for a state, codes through their text, a connected pair, one echo.
import { decodeCode, encodeCode } from '../../../src/invite/invite-code';
import type { SessionFields } from '../../../src/invite/sdp';
import type { LinkState } from '../../../src/net/link';
import { PeerLink } from '../../../src/net/peer-link';

export function waitFor(link: PeerLink, state: LinkState, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (link.state === state) return resolve();
    const timer = setTimeout(() => reject(new Error(`still ${link.state}, not ${state}`)), timeoutMs);
    const stop = link.on('state', (now) => {
      if (now !== state) return;
      clearTimeout(timer);
      stop();
      resolve();
    });
  });
}

/** Fields as they arrive on the other side: through the text of a code. */
export const throughCode = (kind: 'invite' | 'answer', fields: SessionFields): SessionFields =>
  decodeCode(encodeCode({ kind, fields })).fields;

/** Inviter and answerer through both codes, connected. */
export async function connectedPair(): Promise<{ inviter: PeerLink; answerer: PeerLink }> {
  const inviter = await PeerLink.invite();
  const answerer = await PeerLink.answer(throughCode('invite', inviter.localFields!));
  await inviter.acceptAnswer(throughCode('answer', answerer.localFields!));
  await Promise.all([waitFor(inviter, 'connected'), waitFor(answerer, 'connected')]);
  return { inviter, answerer };
}

/** The next message `link` receives, as text. */
export function nextMessage(link: PeerLink): Promise<string> {
  return new Promise((resolve) => {
    const stop = link.on('message', (bytes) => {
      stop();
      resolve(new TextDecoder().decode(bytes));
    });
  });
}

/** Sends `text` from one link and returns what the other received. */
export async function echo(from: PeerLink, to: PeerLink, text: string): Promise<string> {
  const got = nextMessage(to);
  from.send(new TextEncoder().encode(text));
  return got;
}
