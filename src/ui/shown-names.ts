// A contact whose device sent no name is stored without one (chat/contact-trust.ts invents none): the UI shows its
// own word instead wherever the state names a contact. The shell reads the state through this, so every component
// and every sentence made from a name gets the shown one; a state with no nameless contact passes unchanged.
import type { AppState, ConversationView } from '../app/app-state';
import { conversationText } from './messages';

const shownStates = new WeakMap<AppState, AppState>();

const isNameless = (c: ConversationView): boolean => !c.name || c.lookalikeOf?.name === '';

export function withShownNames(state: AppState): AppState {
  if (!state.conversations.some(isNameless)) return state;
  let shown = shownStates.get(state);
  if (!shown) {
    const conversations = state.conversations.map((c) =>
      isNameless(c)
        ? {
            ...c,
            name: c.name || conversationText.unnamed,
            ...(c.lookalikeOf ? { lookalikeOf: { ...c.lookalikeOf, name: c.lookalikeOf.name || conversationText.unnamed } } : {}),
          }
        : c,
    );
    shown = { ...state, conversations };
    shownStates.set(state, shown);
  }
  return shown;
}
