// A contact stored without a name is shown with the UI's word for it, wherever the state names it; a state with
// no nameless contact is passed on as it is.
import { expect } from '@esm-bundle/chai';
import { initialState, type AppState, type ConversationView } from '../../../src/app/app-state';
import { conversationText } from '../../../src/ui/messages';
import { withShownNames } from '../../../src/ui/shown-names';

function conversation(id: string, name: string, extra: Partial<ConversationView> = {}): ConversationView {
  return { id, name, verified: false, unread: 0, lastSeen: 0, connection: 'offline', typing: false, waiting: 0, oneCodeReconnect: false, dropped: 0, relaysAvailable: false, useRelays: false, mailboxShared: true, ...extra };
}

describe('withShownNames', () => {
  it('passes a state with every contact named unchanged', () => {
    const state: AppState = { ...initialState, conversations: [conversation('bob', 'Bob')] };
    expect(withShownNames(state)).to.equal(state);
  });

  it('names a nameless contact and a nameless look-alike with the UI word, once per state', () => {
    const bob = conversation('bob', 'Bob');
    const state: AppState = { ...initialState, conversations: [bob, conversation('x', '', { lookalikeOf: { id: 'y', name: '' } })] };
    const shown = withShownNames(state);
    expect(shown.conversations.map((c) => [c.name, c.lookalikeOf?.name])).to.deep.equal([
      ['Bob', undefined],
      [conversationText.unnamed, conversationText.unnamed],
    ]);
    expect(shown.conversations[0]).to.equal(bob);
    expect(withShownNames(state)).to.equal(shown);
    expect(state.conversations[1]!.name).to.equal('', 'the state itself is not changed');
  });
});
