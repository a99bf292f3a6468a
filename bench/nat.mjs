// Across NATs, in the NAT lab (test/e2e/netlab.mjs, LAB.md §5): which setups connect, how fast, by which path;
// and, with --late, how late an answer may be pasted across two cone NATs with STUN.
//
//   npm run build && bash scripts/in-netns.sh node bench/nat.mjs [--runs 2] [--cases lan,cone-stun,...]
//     [--late] [--late-lo 10] [--late-hi 90] [--late-steps 4] [--late-only]
//
// Every run is a fresh pair of browsers (fresh profiles) inside the lab's hosts, driven through the UI; servers
// are set in Settings as a person does. "Connect" is from the inviter's click on Connect (after pasting the
// answer) to both pages' status "Connection" reading Connected (20 ms poll, one machine clock). A run that is
// not connected after --open-timeout seconds (default 45: PeerLink gives up at 30 s) counts as failed, with the
// alert each side shows. Cases expected to fail run once. Timings depend on load: the load average is printed.
//
// --late: binary search over the delay between making the answer and pasting it, between --late-lo (assumed to
// connect) and --late-hi (assumed to fail), --late-steps probes, each with fresh browsers (Chromium both sides).
import os from 'node:os';
import { NetLab, labServers, labUnavailable, snapshotDist } from '../test/e2e/netlab.mjs';

const argValue = (name, fallback) => {
  const at = process.argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (at < 0) return fallback;
  return process.argv[at].includes('=') ? process.argv[at].split('=')[1] : process.argv[at + 1];
};
const runs = Number(argValue('--runs', '2'));
const openTimeoutMs = Number(argValue('--open-timeout', '45')) * 1000;
const late = process.argv.includes('--late') || process.argv.includes('--late-only');
const lateOnly = process.argv.includes('--late-only');
const lateLo = Number(argValue('--late-lo', '10'));
const lateHi = Number(argValue('--late-hi', '90'));
const lateSteps = Number(argValue('--late-steps', '4'));

const none = [];
const stun = [labServers.stun];
const turn = [labServers.stun, labServers.turn];
const allCases = [
  { id: 'lan', mode: 'lan', inviter: ['alice', 'chromium'], answerer: ['carol', 'chromium'], servers: none, expect: true },
  { id: 'lan-ff', mode: 'lan', inviter: ['alice', 'firefox'], answerer: ['carol', 'chromium'], servers: none, expect: true },
  { id: 'cone-none', mode: 'cone', inviter: ['alice', 'chromium'], answerer: ['bob', 'chromium'], servers: none, expect: false },
  { id: 'cone-stun', mode: 'cone', inviter: ['alice', 'chromium'], answerer: ['bob', 'chromium'], servers: stun, expect: true },
  { id: 'cone-stun-ff', mode: 'cone', inviter: ['alice', 'chromium'], answerer: ['bob', 'firefox'], servers: stun, expect: true },
  { id: 'sym-stun', mode: 'sym', inviter: ['alice', 'chromium'], answerer: ['bob', 'chromium'], servers: stun, expect: false },
  { id: 'sym-turn', mode: 'sym', inviter: ['alice', 'chromium'], answerer: ['bob', 'chromium'], servers: turn, expect: true },
  { id: 'sym-turn-ff', mode: 'sym', inviter: ['alice', 'firefox'], answerer: ['bob', 'chromium'], servers: turn, expect: true },
];
const wanted = argValue('--cases', allCases.map((c) => c.id).join(',')).split(',');
const cases = lateOnly ? [] : allCases.filter((c) => wanted.includes(c.id));

const unavailable = labUnavailable();
if (unavailable) {
  console.log(`skipped: ${unavailable}`);
  process.exit(0);
}
if (process.env.TINCAN_IN_NETNS !== '1') console.log('note: not inside scripts/in-netns.sh (the lab is isolated anyway)');
const snapshot = snapshotDist();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const oneLine = (text) => text.replace(/\s+/g, ' ').replace(/ Dismiss$/, '').trim();

/** One attempt: fresh browsers, servers set, invite, answer, (delay), paste; connected or not, and details. */
async function attempt(lab, { inviter, answerer, servers }, { delayMs = 0 } = {}) {
  const [a, b] = await Promise.all([
    lab.startPerson(inviter[0], inviter[1], { dist: snapshot.dir }),
    lab.startPerson(answerer[0], answerer[1], { dist: snapshot.dir }),
  ]);
  try {
    if (servers.length) {
      const set = await Promise.all([a.setIceServers(servers), b.setIceServers(servers)]);
      if (!set.every(Boolean)) return { error: 'no network settings panel in this build' };
    }
    const invite = await a.invite();
    const answer = await b.answer(invite);
    if (delayMs) await sleep(delayMs);
    const pastedAt = await a.paste(answer);
    const connected = Promise.all([a.waitConnected(openTimeoutMs), b.waitConnected(openTimeoutMs)]).then(
      (times) => ({ ok: true, ms: Math.max(...times) - pastedAt, inviterMs: times[0] - pastedAt }),
      () => ({ ok: false }),
    );
    const alerted = a.alert(openTimeoutMs).then((text) => ({ ok: false, alertMs: Date.now() - pastedAt, text }), () => new Promise(() => {}));
    const outcome = await Promise.race([connected, alerted]);
    if (outcome.ok) {
      const [sa, sb] = await Promise.all([a.stats(), b.stats()]);
      const paths = await Promise.all([a.path(2000), b.path(2000)]);
      return { ...outcome, pair: `${sa.local}/${sa.remote}`, answererPair: `${sb.local}/${sb.remote}`, path: paths.join(' | ') };
    }
    await sleep(1000);
    const [atA, atB] = await Promise.all([a.command('alertNow'), b.command('alertNow')]);
    return { ok: false, alertMs: outcome.alertMs, inviterAlert: oneLine(atA), answererAlert: oneLine(atB) };
  } finally {
    await Promise.allSettled([a.close(), b.close()]);
  }
}

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  return Math.round(s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2);
};

console.log(`NAT bench ${new Date().toISOString()}, ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const rows = [];
const failures = [];
try {
  for (const mode of ['lan', 'cone', 'sym']) {
    const modeCases = cases.filter((c) => c.mode === mode);
    if (!modeCases.length) continue;
    const lab = new NetLab();
    await lab.up(mode);
    try {
      for (const c of modeCases) {
        const results = [];
        for (let i = 0; i < (c.expect ? runs : 1); i++) {
          const result = await attempt(lab, c).catch((error) => ({ ok: false, error: String(error.message ?? error).split('\n')[0] }));
          results.push(result);
          process.stderr.write(`${c.id} #${i + 1}: ${JSON.stringify(result)}\n`);
        }
        const ok = results.filter((r) => r.ok);
        rows.push({
          case: c.id,
          who: `${c.inviter[1]}→${c.answerer[1]}`,
          servers: c.servers === none ? 'none' : c.servers === stun ? 'STUN' : 'STUN+TURN',
          connected: `${ok.length}/${results.length}`,
          connectMs: ok.length ? `${median(ok.map((r) => r.ms))} (${Math.min(...ok.map((r) => r.ms))}–${Math.max(...ok.map((r) => r.ms))})` : '-',
          pair: ok[0] ? `${ok[0].pair} | ${ok[0].answererPair}` : '-',
          path: ok[0]?.path ?? (results[0]?.alertMs ? `alert after ${(results[0].alertMs / 1000).toFixed(1)} s` : '-'),
        });
        for (const r of results.filter((r) => !r.ok)) failures.push({ case: c.id, ...r });
      }
    } finally {
      await lab.down();
    }
  }

  if (rows.length) {
    const columns = [['case', 'case'], ['who', 'inviter→answerer'], ['servers', 'servers'], ['connected', 'connected'],
      ['connectMs', 'paste→both Connected, ms median (min–max)'], ['pair', 'pair inviter | answerer'], ['path', 'path shown inviter | answerer, or failure']];
    const width = columns.map(([key, title]) => Math.max(title.length, ...rows.map((r) => String(r[key]).length)));
    const line = (cells) => cells.map((cell, i) => String(cell).padEnd(width[i])).join('  ');
    console.log(`\n${line(columns.map(([, title]) => title))}\n${line(width.map((w) => '-'.repeat(w)))}`);
    for (const r of rows) console.log(line(columns.map(([key]) => r[key])));
    if (failures.length) {
      console.log('\nfailures (alert text as each side shows it):');
      for (const f of failures) {
        console.log(`  ${f.case}: ${f.error ?? `inviter: "${f.inviterAlert}" | answerer: "${f.answererAlert}"`}`);
      }
    }
  }

  if (late) {
    console.log(`\nlate answer across two cone NATs with STUN (Chromium both sides): binary search ${lateLo}–${lateHi} s, ${lateSteps} probes`);
    const lab = new NetLab();
    await lab.up('cone');
    let lo = lateLo;
    let hi = lateHi;
    try {
      for (let step = 0; step < lateSteps; step++) {
        const delayS = Math.round((lo + hi) / 2);
        const result = await attempt(lab, { inviter: ['alice', 'chromium'], answerer: ['bob', 'chromium'], servers: stun }, { delayMs: delayS * 1000 })
          .catch((error) => ({ ok: false, error: String(error.message ?? error).split('\n')[0] }));
        console.log(`  answer pasted ${String(delayS).padStart(3)} s late: ${result.ok ? `connected ${result.ms} ms after the paste` : `failed${result.answererAlert ? ` (answerer: "${result.answererAlert}")` : result.error ? ` (${result.error})` : ''}`}`);
        if (result.ok) lo = delayS;
        else hi = delayS;
      }
    } finally {
      await lab.down();
    }
    console.log(`  limit: connects at ${lo} s, fails at ${hi} s`);
  }
} finally {
  snapshot.remove();
}
