// The one set of in-page look-ups the e2e tests and the benches use to see through open shadow roots: every
// element in tree order, the first one that passes a test, an element by tag, the alert's text, the focused element.
//
// It travels with each call instead of being installed once: `inPage(fn)` makes a function that defines the probe
// in the page and then runs `fn(probe, ...args)`, so it is there after every reload and in every page a bench opens
// itself, in Chromium (CDP) and Firefox (WebDriver BiDi) alike, and no page script can replace it. Use the result
// wherever puppeteer takes a page function: page.evaluate, page.evaluateHandle, page.waitForFunction.

/** Runs in the page (sent as source): returns the probe. */
function pageProbe() {
  /**
   * Every element under `root` with the (shadow) root it is in, through open shadow roots: an element, then its
   * shadow tree, then what follows it in its own tree (with `shadowFirst`, the shadow tree before its host).
   */
  function* deep(root = document, { shadowFirst = false } = {}) {
    for (const el of root.querySelectorAll('*')) {
      if (!shadowFirst) yield [el, root];
      if (el.shadowRoot) yield* deep(el.shadowRoot, { shadowFirst });
      if (shadowFirst) yield [el, root];
    }
  }
  /** The first element for which `test(el, root)` is truthy, or null. */
  const find = (test, root = document) => {
    for (const [el, inRoot] of deep(root)) if (test(el, inRoot)) return el;
    return null;
  };
  /** Every element for which `test(el, root)` is truthy, in tree order. */
  const findAll = (test, root = document) => {
    const found = [];
    for (const [el, inRoot] of deep(root)) if (test(el, inRoot)) found.push(el);
    return found;
  };
  /** The first element named `tag` (its localName), or null. */
  const byTag = (tag, root = document) => find((el) => el.localName === tag, root);
  /** The text of the first role=alert with text, trimmed ('' when there is none). */
  const alertText = () => find((el) => el.getAttribute('role') === 'alert' && el.textContent.trim())?.textContent.trim() ?? '';
  /** The element that has the focus, followed into open shadow roots. */
  const activeElement = () => {
    let el = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    return el;
  };
  /** The own text of an element (its text nodes, not its elements': Lit's marks and badges are elements). */
  const ownText = (el) => [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').trim();
  /** The button of the list "Conversations" (tc-conversation-list) whose name (.name's own text) is `contact`. */
  const conversationButton = (contact) =>
    find((el, root) => {
      if (el.localName !== 'button' || root.host?.localName !== 'tc-conversation-list') return false;
      const name = el.querySelector('.name');
      return (name ? ownText(name) : '') === contact;
    });
  return { deep, find, findAll, byTag, alertText, activeElement, ownText, conversationButton };
}

/**
 * A page function that runs `fn(probe, ...args)` in the page, `probe` being what pageProbe returns. `fn` is sent as
 * source, like any page function: it sees only its arguments and the page.
 */
export function inPage(fn) {
  // Made in Node (the page's CSP forbids eval there); puppeteer sends its source like any other page function.
  // eslint-disable-next-line no-new-func
  return new Function('...args', `return (${fn.toString()})((${pageProbe.toString()})(), ...args);`);
}
