// Alerts for messages that arrive while the person looks elsewhere: the title count, the app badge, and
// notifications (only when allowed, and without the message's text unless the person chose to show it).
import { expect } from '@esm-bundle/chai';
import { UnreadAlerts, type AlertEnvironment } from '../../../src/platform/unread-alerts';
import { alertText, pageTitle } from '../../../src/ui/messages';

const words = { pageTitle, alertText };

function environment(permission: NotificationPermission = 'granted') {
  const badges: (number | 'cleared')[] = [];
  const shown: { title: string; options?: NotificationOptions }[] = [];
  const doc = { title: 'Tincan', defaultView: null } as unknown as Document;
  const nav = {
    setAppBadge: async (n: number) => void badges.push(n),
    clearAppBadge: async () => void badges.push('cleared'),
  } as unknown as Navigator;
  class FakeNotification {
    static permission: NotificationPermission = permission;
    static requestPermission = async () => FakeNotification.permission;
    onclick: (() => void) | null = null;
    constructor(title: string, options?: NotificationOptions) {
      shown.push({ title, ...(options ? { options } : {}) });
    }
    close() {}
  }
  const store = new Map<string, string>();
  const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) } as Storage;
  const env: AlertEnvironment = { document: doc, navigator: nav, storage, Notification: FakeNotification as unknown as typeof Notification };
  return { env, badges, shown, doc };
}

describe('UnreadAlerts', () => {
  it('puts the unread count in the title and on the badge, and clears both', () => {
    const { env, badges, doc } = environment();
    const alerts = new UnreadAlerts(words, env);
    alerts.showUnread(2);
    expect(doc.title).to.equal('(2) Tincan');
    alerts.showUnread(2);
    alerts.showUnread(0);
    expect(doc.title).to.equal('Tincan');
    expect(badges).to.deep.equal([2, 'cleared']);
  });

  it('notifies without the message text unless the person allowed it', async () => {
    const { env, shown } = environment();
    const alerts = new UnreadAlerts(words, env);
    await alerts.notify({ conversationId: 'bob', name: 'Bob', count: 1, lastText: 'the secret' });
    expect(shown[0]!.title).to.equal('Bob');
    expect(shown[0]!.options!.body).to.equal('New message');
    expect(shown[0]!.options!.tag).to.equal('tincan-bob');
    alerts.setPreferences({ showContent: true });
    await alerts.notify({ conversationId: 'bob', name: 'Bob', count: 2, lastText: 'the secret' });
    expect(shown[1]!.options!.body).to.equal('the secret');
  });

  it('shows nothing without permission', async () => {
    const { env, shown } = environment('default');
    await new UnreadAlerts(words, env).notify({ conversationId: 'bob', name: 'Bob', count: 1 });
    expect(shown).to.deep.equal([]);
  });

  it('keeps its preferences', () => {
    const { env } = environment();
    new UnreadAlerts(words, env).setPreferences({ promptDismissed: true });
    expect(new UnreadAlerts(words, env).preferences()).to.deep.equal({ showContent: false, promptDismissed: true });
  });
});
