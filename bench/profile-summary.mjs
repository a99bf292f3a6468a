// Where the main thread's time goes, for the benches' --profile: a V8 CPU profile (DevTools Profiler) of each
// Chromium page and a trace of its browser (puppeteer page.tracing), saved, and summarised as self time (time in
// the thing itself, not in what it called), so the rows add up to the thread's busy time.
import fs from 'node:fs';
import path from 'node:path';

/** Starts a CPU profile (250 us sampling) and a trace for each Chromium person ({ kind, name, page }). */
export async function startProfiling(people) {
  const sessions = [];
  for (const person of people) {
    if (person.kind !== 'chromium') continue;
    const cdp = await person.page.createCDPSession();
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
    await cdp.send('Profiler.start');
    await person.page.tracing.start({ categories: traceCategories });
    sessions.push({ person, cdp });
  }
  return sessions;
}

/** Stops them, saves DIR/<segment>-<name>.cpuprofile and .trace.json, and prints both summaries. */
export async function stopProfiling(sessions, dir, segment) {
  fs.mkdirSync(dir, { recursive: true });
  for (const { person, cdp } of sessions) {
    const { profile } = await cdp.send('Profiler.stop');
    await cdp.detach();
    const trace = JSON.parse(Buffer.from(await person.page.tracing.stop()).toString('utf8'));
    const base = path.join(dir, `${segment}-${person.name.toLowerCase()}`);
    fs.writeFileSync(`${base}.cpuprofile`, JSON.stringify(profile));
    fs.writeFileSync(`${base}.trace.json`, JSON.stringify(trace));
    printSummary(`${segment}, ${person.name} (${person.kind}): JS functions (CPU profile, ${base}.cpuprofile)`, summarizeCpuProfile(profile));
    printSummary(`${segment}, ${person.name} (${person.kind}): renderer main thread (trace, ${base}.trace.json)`, summarizeTrace(trace));
  }
}

/** Self time per function (name + file:line), from the profile's samples and their time deltas. */
export function summarizeCpuProfile(profile, top = 20) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0)));
  const rows = new Map();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id);
    const file = callFrame.url ? callFrame.url.split('/').pop().split('?')[0] : '';
    const key = `${callFrame.functionName || '(anonymous)'}${file ? ` ${file}:${callFrame.lineNumber + 1}` : ''}`;
    rows.set(key, (rows.get(key) ?? 0) + us);
    totalUs += us;
  }
  const idleUs = rows.get('(idle)') ?? 0;
  const busyUs = totalUs - idleUs;
  const sorted = [...rows].filter(([key]) => key !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, top);
  return { totalMs: totalUs / 1000, busyMs: busyUs / 1000, rows: sorted.map(([key, us]) => ({ key, ms: us / 1000, share: us / busyUs })) };
}

/** Self time per trace event name on the renderer main threads of a trace (complete 'X' events), nested events
 * subtracted from their parents; busy = the time covered by outermost events. */
export function summarizeTrace(trace, top = 25) {
  const events = Array.isArray(trace) ? trace : trace.traceEvents;
  const mainThreads = new Set();
  for (const e of events) {
    if (e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain') mainThreads.add(`${e.pid}:${e.tid}`);
  }
  const perThread = new Map();
  for (const e of events) {
    const key = `${e.pid}:${e.tid}`;
    if (!mainThreads.has(key)) continue;
    if (e.ph === 'X' && typeof e.dur === 'number') {
      if (!perThread.has(key)) perThread.set(key, []);
      perThread.get(key).push({ name: e.name, ts: e.ts, end: e.ts + e.dur });
    }
  }
  const selfUs = new Map();
  let busyUs = 0;
  for (const list of perThread.values()) {
    list.sort((a, b) => a.ts - b.ts || b.end - a.end);
    const stack = [];
    const close = (item) => {
      selfUs.set(item.name, (selfUs.get(item.name) ?? 0) + item.self);
      if (!stack.length) busyUs += item.end - item.ts;
    };
    for (const item of list) {
      while (stack.length && stack.at(-1).end <= item.ts) close(stack.pop());
      item.self = item.end - item.ts;
      const parent = stack.at(-1);
      if (parent) parent.self -= Math.min(item.end, parent.end) - item.ts;
      stack.push(item);
    }
    while (stack.length) close(stack.pop());
  }
  const sorted = [...selfUs].sort((a, b) => b[1] - a[1]).slice(0, top);
  return { busyMs: busyUs / 1000, rows: sorted.map(([name, us]) => ({ key: name, ms: us / 1000, share: us / busyUs })) };
}

export const traceCategories = [
  'devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink', 'toplevel', 'v8', 'v8.execute',
  'accessibility', 'disabled-by-default-v8.gc', 'IndexedDB', 'webrtc',
];

export function printSummary(title, summary) {
  console.log(`\n${title}: busy ${summary.busyMs.toFixed(0)} ms; self time, top ${summary.rows.length}`);
  for (const row of summary.rows) console.log(`  ${row.ms.toFixed(1).padStart(9)} ms  ${(row.share * 100).toFixed(1).padStart(5)} %  ${row.key}`);
}
