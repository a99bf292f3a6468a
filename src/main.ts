// Entry point: refuses to run inside a frame, builds the app over the browser's platform, mounts the shell, and
// takes a code from the page's fragment (#CODE), which never reaches the host. The fragment is cleared at once so a
// reload does not reuse the code, and a code that came by link is never answered before the person agrees.
import { TincanApp } from './app/tincan-app';
import { codeFromFragment } from './invite/code-link';
import { browserPlatform } from './platform/browser-platform';
import { workerPasswordHasher } from './platform/worker-password-hasher';
import { usePasswordHasher } from './crypto/vault';
import { registerServiceWorker } from './pwa/register-sw';
import { refuseToRunInFrame } from './ui/frame-guard';
import './ui/tincan-shell';

function startApp(): void {
  usePasswordHasher(workerPasswordHasher());
  const pageUrl = location.href.split('#')[0]!;
  const app = new TincanApp({ pageUrl, platform: browserPlatform() });
  const shell = document.createElement('tc-tincan-shell');
  shell.app = app;
  document.body.append(shell);

  const takeCodeFromFragment = (): void => {
    const taken = codeFromFragment(location.hash);
    if (taken.kind === 'none') return;
    history.replaceState(null, '', pageUrl);
    if (taken.kind === 'code') void app.submitCode(taken.code, 'link');
    else app.showError(taken.error, 'global');
  };

  takeCodeFromFragment();
  void app.start();
  document.addEventListener('visibilitychange', () => app.setVisible(!document.hidden));
  // The end of the page, also where `unload` never fires (phones) and whether or not the page is kept in the
  // back/forward cache (`persisted`): either way its links stop answering, so its contacts are told now. An unlocked
  // page holds the vault's Web Lock and open RTCPeerConnections, which keep it out of that cache in the first place
  // (WPT: back-forward-cache-with-open-webrtc-connection, not-restored-reasons "lock").
  addEventListener('pagehide', () => app.leavePage());
  // A link opened while the page is already open (same document, new fragment).
  addEventListener('hashchange', takeCodeFromFragment);
  void registerServiceWorker();
}

if (!refuseToRunInFrame()) startApp();
