// The page bench/node-peer.mjs loads for "mailbox dial -> open" (issue 20): the page's own WebRTC-direct dialer
// (net/direct-dial.ts, what the app's mailbox keeper calls) and the mailbox code decoder, and nothing else, so the
// figure is the dial alone: offer, the locally built answer, ICE, DTLS and SCTP up to the channel's open.
import { decodeMailboxCode } from '../src/invite/mailbox-code';
import { dialDirect } from '../src/net/direct-dial';

export interface DialResult {
  /** `performance.now()` from the dial's start (before createOffer) to the channel's open, ms. */
  readonly openMs: number;
}

async function dialMailbox(code: string): Promise<DialResult> {
  const fields = decodeMailboxCode(code);
  const startedAt = performance.now();
  const channel = await dialDirect({ address: fields.address, port: fields.port, fingerprint: fields.fingerprint });
  const openMs = performance.now() - startedAt;
  channel.close();
  return { openMs };
}

(globalThis as unknown as { tcDialMailbox: typeof dialMailbox }).tcDialMailbox = dialMailbox;
