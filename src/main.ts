// Entry point: builds the app, mounts the shell, and takes a code from the page's fragment (#CODE), which
// never reaches the host. The fragment is cleared at once so a reload does not reuse the code.
import { TincanApp } from './app/tincan-app';
import { registerServiceWorker } from './pwa/register-sw';
import './ui/tincan-shell';

const pageUrl = location.href.split('#')[0]!;
const app = new TincanApp({ pageUrl, isVisible: () => !document.hidden });
const shell = document.createElement('tc-app');
shell.app = app;
document.body.append(shell);

function takeCodeFromFragment(): void {
  const fragment = decodeURIComponent(location.hash.slice(1)).trim();
  if (!fragment) return;
  history.replaceState(null, '', pageUrl);
  void app.submitCode(fragment);
}

takeCodeFromFragment();
void app.start();
document.addEventListener('visibilitychange', () => app.setVisible(!document.hidden));
// A link opened while the page is already open (same document, new fragment).
addEventListener('hashchange', takeCodeFromFragment);

void registerServiceWorker();
