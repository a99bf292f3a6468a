// Tincan refuses to run inside another page's frame: a framing page could overlay it, trick clicks (clickjacking)
// or watch what the person types. A CSP meta tag cannot set frame-ancestors (CSP 3 §6.4.2: it is ignored there)
// and GitHub Pages sends no header that could, so the page checks for itself, before anything else runs, and
// shows only a link to open it on its own.
import { frameText } from './messages';

/** Whether this window is inside a frame. A cross-origin parent may make the check throw: that is framed too. */
export function isFramed(win: Window = window): boolean {
  try {
    return win.top !== win.self;
  } catch {
    return true;
  }
}

/**
 * When framed: replaces the page's body with a notice and a link that opens the page in the whole window
 * (target _top), and returns true; the caller then starts nothing. Otherwise returns false and changes nothing.
 * Built with DOM calls and textContent only (no markup from anywhere), styled by public/app.css.
 */
export function refuseToRunInFrame(win: Window = window): boolean {
  if (!isFramed(win)) return false;
  const doc = win.document;
  const main = doc.createElement('main');
  main.className = 'tc-framed';
  const heading = doc.createElement('h1');
  heading.textContent = frameText.heading;
  const body = doc.createElement('p');
  body.textContent = frameText.body;
  const link = doc.createElement('a');
  link.href = win.location.href;
  link.target = '_top';
  link.rel = 'noopener noreferrer';
  link.textContent = frameText.link;
  const address = doc.createElement('p');
  address.className = 'tc-framed-address';
  address.textContent = win.location.href.split('#')[0] ?? '';
  main.append(heading, body, link, address);
  doc.body.replaceChildren(main);
  return true;
}
