// What keeps detached DOM alive in a Chromium page: takes a V8 heap snapshot over the DevTools protocol and, for
// every detached DOM node that no other detached node retains (the top of each detached subtree), its shortest
// strong retainer path from the snapshot's root. Paths are grouped by their shape (node and edge names, no ids).
//
//   const report = await detachedRetainers(page);  // { detached, tops, groups: [{ path, count, sample }] }

/** The snapshot's JSON, streamed in chunks by HeapProfiler. Garbage is collected first. */
export async function takeHeapSnapshot(page) {
  const cdp = await page.createCDPSession();
  const chunks = [];
  try {
    cdp.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => chunks.push(chunk));
    await cdp.send('HeapProfiler.enable');
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  } finally {
    await cdp.detach().catch(() => undefined);
  }
  return JSON.parse(chunks.join(''));
}

/** Detached DOM nodes in the snapshot and what retains them. */
export function analyseDetached(snapshot, { maxGroups = 8 } = {}) {
  const { meta } = snapshot.snapshot;
  const nf = meta.node_fields;
  const ef = meta.edge_fields;
  const F = nf.length;
  const E = ef.length;
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const { nodes, edges, strings } = snapshot;
  const at = (name) => nf.indexOf(name);
  const [TYPE, NAME, ID, EDGES, DETACHED] = [at('type'), at('name'), at('id'), at('edge_count'), at('detachedness')];
  const [ETYPE, ENAME, ETO] = [ef.indexOf('type'), ef.indexOf('name_or_index'), ef.indexOf('to_node')];
  const count = nodes.length / F;
  const firstEdge = new Uint32Array(count + 1);
  for (let i = 0; i < count; i++) firstEdge[i + 1] = firstEdge[i] + nodes[i * F + EDGES] * E;

  const nodeName = (i) => strings[nodes[i * F + NAME]];
  const nodeType = (i) => nodeTypes[nodes[i * F + TYPE]];
  const edgeName = (e) => {
    const type = edgeTypes[edges[e + ETYPE]];
    const raw = edges[e + ENAME];
    return type === 'element' || type === 'hidden' ? `[${raw}]` : String(strings[raw]);
  };
  // Detachedness 2 = detached (Chromium marks DOM wrappers and native nodes); older builds prefix the name.
  const isDetached = (i) => (DETACHED >= 0 ? nodes[i * F + DETACHED] === 2 : /^Detached /.test(nodeName(i)));

  // Breadth-first from the root over strong edges: each node's first (shortest) retainer.
  const parentNode = new Int32Array(count).fill(-1);
  const parentEdge = new Int32Array(count).fill(-1);
  const seen = new Uint8Array(count);
  seen[0] = 1;
  let frontier = [0];
  while (frontier.length) {
    const next = [];
    for (const i of frontier) {
      for (let e = firstEdge[i]; e < firstEdge[i + 1]; e += E) {
        const type = edgeTypes[edges[e + ETYPE]];
        if (type === 'weak' || type === 'shortcut') continue;
        const to = edges[e + ETO] / F;
        if (seen[to]) continue;
        seen[to] = 1;
        parentNode[to] = i;
        parentEdge[to] = e;
        next.push(to);
      }
    }
    frontier = next;
  }

  const detached = [];
  for (let i = 0; i < count; i++) if (isDetached(i) && nodeType(i) === 'native') detached.push(i);
  // The tops: no detached DOM node on their own retainer path (what holds them holds a whole detached subtree).
  const underDetached = (i) => {
    for (let n = parentNode[i]; n > 0; n = parentNode[n]) if (isDetached(n) && nodeType(n) === 'native') return true;
    return false;
  };
  const tops = detached.filter((i) => seen[i] && !underDetached(i));
  // Each detached node counts for the top whose subtree holds it (the first detached node on its path).
  const topOf = (i) => {
    let top = i;
    for (let n = parentNode[i]; n > 0; n = parentNode[n]) if (isDetached(n) && nodeType(n) === 'native') top = n;
    return top;
  };
  const held = new Map();
  for (const i of detached) if (seen[i]) held.set(topOf(i), (held.get(topOf(i)) ?? 0) + 1);
  const describe = (i) => `${nodeType(i)} ${nodeName(i).slice(0, 60)}`;
  const pathOf = (i) => {
    const steps = [];
    for (let n = i; n > 0; n = parentNode[n]) steps.unshift(`--${edgeName(parentEdge[n])}--> ${describe(n)}${isDetached(n) ? ' (detached)' : ''}`);
    return steps;
  };
  const groups = new Map();
  for (const i of tops) {
    const steps = pathOf(i);
    // The shape: names without @ids and numbers in element edges.
    const key = steps.map((s) => s.replace(/\[\d+\]/g, '[n]').replace(/@\d+/g, '')).join('\n');
    const group = groups.get(key) ?? { count: 0, nodes: 0, path: steps, ids: [] };
    group.count++;
    group.nodes += held.get(i) ?? 0;
    if (group.ids.length < 3) group.ids.push(nodes[i * F + ID]);
    groups.set(key, group);
  }
  return {
    detached: detached.length,
    unreachable: detached.filter((i) => !seen[i]).length,
    tops: tops.length,
    attached: DETACHED >= 0 ? nodes.filter((v, k) => k % F === DETACHED && v === 1).length : NaN,
    groups: [...groups.values()].sort((a, b) => b.nodes - a.nodes).slice(0, maxGroups),
  };
}
