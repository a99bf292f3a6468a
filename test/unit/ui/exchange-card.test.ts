// <tc-exchange-card> says where an exchange stands in every link state it can get, for every kind of exchange: a
// live code never reads "This code has ended." (a fresh one-code reconnect did, in `waiting-for-peer`).
import { expect } from '@esm-bundle/chai';
import type { ExchangeView } from '../../../src/app/app-state';
import type { ExchangeKind } from '../../../src/chat/pairing';
import type { LinkState } from '../../../src/net/link';
import { noOneCameAfterMs, type ExchangeCard } from '../../../src/ui/exchange-card';
import { pairingText, relayText } from '../../../src/ui/messages';

/** Every link state; a Record, so a new LinkState fails to compile here until the test covers it. */
const everyState: Record<LinkState, true> = {
  gathering: true,
  'waiting-for-answer': true,
  'waiting-for-peer': true,
  'waiting-for-inviter': true,
  connecting: true,
  connected: true,
  closed: true,
  failed: true,
};
const everyKind: Record<ExchangeKind, true> = { invite: true, answer: true, reconnect: true, 'reconnect-answer': true };

/** The sentence a person should read, per kind, in the states that kind gets (net/link.ts's lifecycle). */
const expected: Record<ExchangeKind, Partial<Record<LinkState, string>>> = {
  invite: {
    gathering: pairingText.gathering,
    'waiting-for-answer': pairingText.waitingForAnswer('Bob'),
    connecting: pairingText.connecting,
    connected: pairingText.connected,
  },
  reconnect: {
    gathering: pairingText.gathering,
    'waiting-for-peer': pairingText.waitingForReconnect('Bob'),
    'waiting-for-answer': pairingText.waitingForReconnect('Bob'),
    connecting: pairingText.connecting,
    connected: pairingText.connected,
  },
  answer: {
    gathering: pairingText.gathering,
    'waiting-for-inviter': pairingText.waitingForInviter('Bob'),
    connected: pairingText.connected,
  },
  'reconnect-answer': {
    gathering: pairingText.gathering,
    'waiting-for-inviter': pairingText.waitingForInviter('Bob'),
    connecting: pairingText.reconnectAnswering('Bob'),
    connected: pairingText.connected,
  },
};

async function statusOf(exchange: ExchangeView): Promise<string> {
  const card = document.createElement('tc-exchange-card') as ExchangeCard;
  card.exchange = exchange;
  document.body.append(card);
  await card.updateComplete;
  const status = card.shadowRoot?.querySelector('[role=status]')?.textContent?.trim() ?? '';
  card.remove();
  return status;
}

function exchange(kind: ExchangeKind, state: LinkState): ExchangeView {
  return { id: `x-${kind}-${state}`, kind, state, code: 'TC1-CODE', contactName: 'Bob', createdAt: Date.now(), validUntil: Date.now() + 600_000 };
}

describe('tc-exchange-card: the sentence for each link state', () => {
  for (const kind of Object.keys(everyKind) as ExchangeKind[]) {
    for (const state of Object.keys(everyState) as LinkState[]) {
      const ended = state === 'closed' || state === 'failed';
      it(`${kind} in ${state} says ${ended ? 'it has ended' : 'where it stands'}`, async () => {
        const status = await statusOf(exchange(kind, state));
        const sentence = expected[kind][state];
        if (ended) expect(status).to.equal(pairingText.ended);
        else if (sentence !== undefined) expect(status).to.equal(sentence);
        else expect(status, 'a state this kind does not get still is not "ended"').to.not.equal(pairingText.ended);
        if (!ended) expect(status).to.not.equal('');
      });
    }
  }
});

/** Everything the card says, in one line. */
async function textOf(view: ExchangeView): Promise<string> {
  const card = document.createElement('tc-exchange-card') as ExchangeCard;
  card.exchange = view;
  document.body.append(card);
  await card.updateComplete;
  const text = (card.shadowRoot?.textContent ?? '').replace(/\s+/g, ' ');
  card.remove();
  return text;
}

describe('tc-exchange-card: one code for a first contact (relays)', () => {
  it('an answer sent by relay too still shows its code, and says where it went, or that no relay took it', async () => {
    for (const [byRelay, sentence] of [['sending', relayText.answerSending], ['sent', relayText.answerSent], ['unreachable', relayText.answerUnreachable]] as const) {
      const text = await textOf({ ...exchange('answer', 'waiting-for-inviter'), answerByRelay: byRelay });
      expect(text).to.include(pairingText.answerHeading).and.include(sentence);
    }
    expect(await textOf(exchange('answer', 'waiting-for-inviter'))).to.not.include('relay');
  });

  it('an invite naming the relays says the answer may come back by itself', async () => {
    expect(await textOf({ ...exchange('invite', 'waiting-for-answer'), awaitsRelay: true })).to.include(relayText.inviteAwaits);
    expect(await textOf(exchange('invite', 'waiting-for-answer'))).to.not.include(relayText.inviteAwaits);
  });
});

describe('tc-exchange-card: an answer no one came for', () => {
  it('says after a while that the invite may have been used by someone else', async () => {
    const textOfCreated = (createdAt: number) => textOf({ ...exchange('answer', 'waiting-for-inviter'), createdAt });
    expect(await textOfCreated(Date.now() - noOneCameAfterMs - 1000)).to.include(pairingText.noOneCame('Bob'));
    expect(await textOfCreated(Date.now())).to.not.include('No one has connected');
  });
});
