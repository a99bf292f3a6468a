// Where Alice's DOM nodes are: Alice (Chromium) pairs through the UI with --peers peers, one after another, as
// bench/peers.mjs does; after each pairing, garbage collected, the renderer's DOM node count (Memory.getDOMCounters)
// next to the nodes in the composed tree (the document and every shadow root). At the end a heap snapshot: how many
// DOM nodes are detached and what retains the top of each detached subtree (bench/heap-retainers.mjs), and the
// remote objects (handles) puppeteer made in Alice's page and never released, by the call that made them.
//
//   npm run build && flock /tmp/tincan-browser.lock bash scripts/in-netns.sh node bench/dom-census.mjs [--peers 3] [--snapshot alice.heapsnapshot]
import fs from 'node:fs';
import { openPerson, pair } from '../test/e2e/helpers.mjs';
import { launchBrowser } from '../test/e2e/browsers.mjs';
import { analyseDetached, takeHeapSnapshot } from './heap-retainers.mjs';
import { argValue, benchBrowserOptions, composedNodeCount, heapAndNodes, machineLine, openPeer, printTable, serveDistSnapshot, warnOutsideNamespace } from './lib.mjs';

const peerCount = Number(argValue('--peers', '3'));
const snapshotFile = argValue('--snapshot', '');
Error.stackTraceLimit = 30; // the protocol call's puppeteer frames (traceRemoteObjects)

warnOutsideNamespace();
const dist = await serveDistSnapshot();
console.log(`DOM census ${machineLine()}; build ${dist.buildId}`);

/**
 * Counts the remote objects (handles) puppeteer's session makes in the page and never releases, by the protocol call
 * that made them and the puppeteer frames that called it. Wraps the session's send (puppeteer internals, a bench only).
 */
function traceRemoteObjects(page) {
  const session = page._client();
  const live = new Map();
  const send = session.send.bind(session);
  session.send = async (method, params, ...rest) => {
    const frames = new Error().stack.split('\n').slice(2).filter((line) => line.includes('puppeteer/')).slice(0, 6);
    const where = frames.map((line) => line.replace(/^.*puppeteer\/(.*?)(:\d+)+\)?$/, '$1').replace(/^\s*at (async )?/, '')).join(' < ');
    const result = await send(method, params, ...rest);
    if (method === 'Runtime.releaseObject') live.delete(params.objectId);
    const object = result?.result ?? result?.object;
    if (object?.objectId) live.set(object.objectId, `${method} -> ${object.className ?? object.type} (${where})`);
    return result;
  };
  return () => {
    const counts = new Map();
    for (const what of live.values()) counts.set(what, (counts.get(what) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1]);
  };
}

async function census(page, label) {
  const { nodes, heapBytes, listeners } = await heapAndNodes(page);
  return [label, String(nodes), String(await page.evaluate(composedNodeCount)), String(listeners), `${(heapBytes / 1024 / 1024).toFixed(1)} MiB`];
}

const alice = await openPerson('chromium', dist.url, { name: 'Alice', ...benchBrowserOptions('chromium') });
const peersBrowser = await launchBrowser('chromium', benchBrowserOptions('chromium'));
let failed = false;
const unreleased = traceRemoteObjects(alice.page);
try {
  const rows = [await census(alice.page, '0 peers')];
  for (let k = 1; k <= peerCount; k++) {
    await pair(alice, await openPeer(peersBrowser, dist.url, k));
    rows.push(await census(alice.page, `${k} paired`));
  }
  const snapshot = await takeHeapSnapshot(alice.page);
  if (snapshotFile) fs.writeFileSync(snapshotFile, JSON.stringify(snapshot));
  const report = analyseDetached(snapshot);
  console.log(`\nAlice's renderer after each pairing (garbage collected)`);
  printTable(['after', 'DOM nodes (renderer)', 'composed tree', 'JS listeners', 'JS heap'], rows);
  console.log(`\nremote objects puppeteer made in Alice's page (after she was past the profile screen) and never released:`);
  for (const [where, n] of unreleased()) console.log(`  ${n} x ${where}`);
  console.log(`\nheap snapshot after ${peerCount} pairings: ${report.attached} attached and ${report.detached} detached DOM nodes (${report.unreachable} unreachable), ${report.tops} detached subtrees`);
  for (const group of report.groups) console.log(`\n${group.count} subtree(s) holding ${group.nodes} detached nodes, e.g. @${group.ids.join(' @')}:\n  ${group.path.join('\n  ')}`);
} catch (error) {
  failed = true;
  console.log(`FAILED: ${error.stack ?? error}`);
} finally {
  await alice.close();
  await peersBrowser.close();
  dist.close();
}
process.exitCode = failed ? 1 : 0;
