// The NAT lab as a test fixture (docs/lab.md §5, adapted from ../shared/lab/netlab.sh): six network namespaces, two NAT
// routers and a real coturn, plus browsers running inside the hosts and driven over JSON lines.
//
//   pub    the "internet" 10.99.0.0/24 (bridge br0), coturn STUN+TURN on 10.99.0.1:3478, user labuser:labpass
//   natA   WAN 10.99.0.2, LAN 10.99.1.0/24 (bridge brlan, gateway 10.99.1.1): alice 10.99.1.2, carol 10.99.1.3
//   natB   WAN 10.99.0.3, LAN 10.99.2.0/24 (gateway 10.99.2.1): bob 10.99.2.2
//   hub    10.99.0.4 on the "internet" itself, behind no NAT (a person both LANs reach, as a home with a public address)
// NAT modes: 'cone' is MASQUERADE (keeps ports), 'sym' MASQUERADE --random-fully (a new port per destination).
// 'lan' is 'cone' (alice and carol share natA's LAN; same-LAN tests use them). Unsolicited inbound on a WAN is
// dropped, as home routers do: without that, early checks leave conntrack entries that change a NAT's mapping.
//
// Namespaces are named `tincan<pid><letter>-<name>` so parallel runs never collide; everything a lab starts runs inside its
// namespaces, and `down()` kills exactly those processes (by PID, from `ip netns pids`) before deleting them.
// Works from the root namespaces and inside scripts/in-netns.sh. There, `ip netns add` alone would bind-mount the
// namespaces inside the private mount namespace but leave their names as empty files in the host's /run/netns, so
// the lab first gives /run/netns a tmpfs of its own in that mount namespace: nothing shows outside, and whatever
// a killed run leaves vanishes with it. Needs root, iproute2, iptables, util-linux and coturn.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const driverPath = path.join(repoRoot, 'test/e2e/netlab-driver.mjs');

export const labServers = {
  stun: { urls: 'stun:10.99.0.1:3478' },
  turn: { urls: 'turn:10.99.0.1:3478', username: 'labuser', credential: 'labpass' },
};

const hosts = {
  alice: { address: '10.99.1.2/24', gateway: '10.99.1.1' },
  carol: { address: '10.99.1.3/24', gateway: '10.99.1.1' },
  bob: { address: '10.99.2.2/24', gateway: '10.99.2.1' },
  hub: { address: '10.99.0.4/24' },
};
const names = ['pub', 'natA', 'natB', 'alice', 'bob', 'carol', 'hub'];

/**
 * A private copy of the built page for one run, so a rebuild of dist/ during a long run cannot break it.
 * Returns its path and a function that removes it.
 */
export function snapshotDist(dist = path.join(repoRoot, 'dist')) {
  if (!fs.existsSync(path.join(dist, 'index.html'))) throw new Error(`no build in ${dist}: run npm run build first`);
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'tincan-netlab-dist-'));
  fs.cpSync(dist, copy, { recursive: true });
  return { dir: copy, remove: () => fs.rmSync(copy, { recursive: true, force: true }) };
}

/** Why the lab cannot run here, or undefined when it can. */
export function labUnavailable() {
  if (process.getuid?.() !== 0) return 'the NAT lab needs root';
  for (const tool of ['ip', 'iptables', 'turnserver', 'unshare', 'setpriv']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `the NAT lab needs ${tool}`;
  }
  return undefined;
}

const run = (args) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const isAlive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
};

// Everything the lab starts gets SIGTERM when this process dies, even by SIGKILL (which skips our exit handler):
// coturn then exits, and a driver closes its browser first.
const diesWithUs = ['setpriv', '--pdeathsig', 'TERM'];

let labCount = 0;
const liveLabs = new Set();
// A test process that dies of an uncaught error or a signal still leaves no namespace behind.
process.once('exit', () => liveLabs.forEach((lab) => lab.downSync()));
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    liveLabs.forEach((lab) => lab.downSync());
    process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  });
}

/**
 * In a mount namespace of our own (scripts/in-netns.sh), a tmpfs on /run/netns for the named network namespaces,
 * once per mount namespace. In the host's mount namespace /run/netns is left alone.
 */
function isolateNetnsDir() {
  // scripts/in-netns.sh marks its private (network and mount) namespace; pid 1's mount namespace, where readable,
  // tells the same for other wrappers.
  let isPrivate = process.env.TINCAN_IN_NETNS === '1';
  try {
    isPrivate ||= fs.readlinkSync('/proc/self/ns/mnt') !== fs.readlinkSync('/proc/1/ns/mnt');
  } catch {
    // not readable in some containers: rely on the marker
  }
  if (!isPrivate) return;
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  if (mounts.some((line) => line.split(' ')[4] === '/run/netns' && line.includes(' - tmpfs '))) return;
  fs.mkdirSync('/run/netns', { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'mode=755,size=1m', 'tincan-netns', '/run/netns']);
}

/** Namespaces left by a run whose process is gone (only possible outside in-netns.sh, after a SIGKILL). */
function sweepStaleLabs() {
  let list = '';
  try {
    list = run(['netns', 'list']);
  } catch {
    return;
  }
  for (const line of list.split('\n')) {
    const match = /^(tincan(\d+)[a-z]-\S+)/.exec(line);
    if (!match || isAlive(Number(match[2]))) continue;
    killNamespace(match[1], 'SIGKILL');
    spawnSync('ip', ['netns', 'del', match[1]]);
  }
}

function pidsIn(ns) {
  const out = spawnSync('ip', ['netns', 'pids', ns]).stdout?.toString() ?? '';
  return out.split(/\s+/).filter(Boolean).map(Number);
}

function killNamespace(ns, signal) {
  for (const pid of pidsIn(ns)) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

export class NetLab {
  constructor() {
    labCount += 1;
    this.prefix = `tincan${process.pid}${String.fromCharCode(96 + (labCount % 26 || 26))}-`;
    this.people = new Set();
    this.isUp = false;
  }

  ns(name) {
    return this.prefix + name;
  }

  /** `ip -n <ns> …` in one of this lab's namespaces. */
  ip(name, ...args) {
    return run(['-n', this.ns(name), ...args]);
  }

  exec(name, command, ...args) {
    return execFileSync('ip', ['netns', 'exec', this.ns(name), command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  }

  /** Builds the topology and starts coturn. mode: 'lan' | 'cone' | 'sym'. */
  async up(mode = 'cone', { firewall = true } = {}) {
    isolateNetnsDir();
    sweepStaleLabs();
    liveLabs.add(this);
    this.isUp = true;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tincan-netlab-'));
    // Browsers look up their vendors' hosts at start: DNS points at loopback inside the hosts (docs/lab.md §1).
    this.resolv = path.join(this.dir, 'resolv.conf');
    fs.writeFileSync(this.resolv, 'nameserver 127.0.0.1\n');
    try {
      for (const n of names) {
        run(['netns', 'add', this.ns(n)]);
        // No IPv6 in the lab (it is IPv4 only): otherwise each new link's IPv6 link-local address finishes its
        // duplicate-address detection a second or two after up() returns, Chromium reads that as a network change,
        // and the page's loads fail with net::ERR_NETWORK_CHANGED (seen: the first screen never showed).
        this.exec(n, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1');
        this.exec(n, 'sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1');
        this.ip(n, 'link', 'set', 'lo', 'up');
      }
      this.ip('pub', 'link', 'add', 'br0', 'type', 'bridge');
      this.ip('pub', 'addr', 'add', '10.99.0.1/24', 'dev', 'br0');
      this.ip('pub', 'link', 'set', 'br0', 'up');
      for (const [nat, wan] of [['natA', '10.99.0.2/24'], ['natB', '10.99.0.3/24']]) {
        run(['link', 'add', 'wan', 'netns', this.ns(nat), 'type', 'veth', 'peer', 'name', `p-${nat}`, 'netns', this.ns('pub')]);
        this.ip('pub', 'link', 'set', `p-${nat}`, 'master', 'br0');
        this.ip('pub', 'link', 'set', `p-${nat}`, 'up');
        this.ip(nat, 'addr', 'add', wan, 'dev', 'wan');
        this.ip(nat, 'link', 'set', 'wan', 'up');
        this.ip(nat, 'route', 'add', 'default', 'via', '10.99.0.1');
        this.exec(nat, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
      }
      // LAN A is a bridge, so alice and carol share a segment; LAN B is a single link to bob.
      this.ip('natA', 'link', 'add', 'brlan', 'type', 'bridge');
      this.ip('natA', 'addr', 'add', '10.99.1.1/24', 'dev', 'brlan');
      this.ip('natA', 'link', 'set', 'brlan', 'up');
      for (const host of ['alice', 'carol']) {
        run(['link', 'add', 'eth0', 'netns', this.ns(host), 'type', 'veth', 'peer', 'name', `l-${host}`, 'netns', this.ns('natA')]);
        this.ip('natA', 'link', 'set', `l-${host}`, 'master', 'brlan');
        this.ip('natA', 'link', 'set', `l-${host}`, 'up');
      }
      run(['link', 'add', 'eth0', 'netns', this.ns('bob'), 'type', 'veth', 'peer', 'name', 'lan', 'netns', this.ns('natB')]);
      run(['link', 'add', 'eth0', 'netns', this.ns('hub'), 'type', 'veth', 'peer', 'name', 'p-hub', 'netns', this.ns('pub')]);
      this.ip('pub', 'link', 'set', 'p-hub', 'master', 'br0');
      this.ip('pub', 'link', 'set', 'p-hub', 'up');
      this.ip('natB', 'addr', 'add', '10.99.2.1/24', 'dev', 'lan');
      this.ip('natB', 'link', 'set', 'lan', 'up');
      for (const [host, h] of Object.entries(hosts)) {
        this.ip(host, 'addr', 'add', h.address, 'dev', 'eth0');
        this.ip(host, 'link', 'set', 'eth0', 'up');
        if (h.gateway) this.ip(host, 'route', 'add', 'default', 'via', h.gateway);
      }
      // pub does not forward and has no route to the private LANs.
      this.setNat(mode, { firewall });
      await this.startTurn();
    } catch (error) {
      await this.down();
      throw error;
    }
    return this;
  }

  /** Sets both NATs' behaviour; takes effect for new mappings. */
  setNat(mode, { firewall = true } = {}) {
    for (const nat of ['natA', 'natB']) {
      const ipt = (...args) => this.exec(nat, 'iptables', ...args);
      ipt('-t', 'nat', '-F', 'POSTROUTING');
      ipt('-F', 'INPUT');
      if (firewall) {
        // Dropped in INPUT, the unsolicited packet's conntrack entry is never confirmed, so it cannot collide
        // with (and move) a later outbound mapping.
        ipt('-A', 'INPUT', '-i', 'wan', '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT');
        ipt('-A', 'INPUT', '-i', 'wan', '-j', 'DROP');
      }
      ipt('-t', 'nat', '-A', 'POSTROUTING', '-o', 'wan', '-j', 'MASQUERADE', ...(mode === 'sym' ? ['--random-fully'] : []));
    }
  }

  async startTurn() {
    const turnDir = path.join(this.dir, 'turn');
    fs.mkdirSync(turnDir);
    const conf = path.join(turnDir, 'turnserver.conf');
    // pidfile and userdb in our own directory: by default coturn writes to /var/run and /var/lib/turn.
    fs.writeFileSync(conf, [
      'listening-ip=10.99.0.1', 'relay-ip=10.99.0.1', 'listening-port=3478', 'min-port=49152', 'max-port=49999',
      'fingerprint', 'lt-cred-mech', 'user=labuser:labpass', 'realm=lab.test', `userdb=${turnDir}/turndb`,
      'no-tls', 'no-dtls', 'no-cli', 'no-software-attribute', `log-file=${turnDir}/turn.log`, 'simple-log',
      `pidfile=${turnDir}/coturn.pid`, '',
    ].join('\n'));
    const out = fs.openSync(path.join(turnDir, 'turn.stdout'), 'w');
    this.turn = spawn('ip', ['netns', 'exec', this.ns('pub'), ...diesWithUs, 'turnserver', '-c', conf], { stdio: ['ignore', out, out] });
    fs.closeSync(out);
    for (let waited = 0; ; waited += 50) {
      const listening = spawnSync('ip', ['netns', 'exec', this.ns('pub'), 'ss', '-Hlnu', 'src', '10.99.0.1:3478']).stdout?.toString() ?? '';
      if (listening.trim()) return;
      if (this.turn.exitCode !== null || waited > 10_000) throw new Error(`coturn did not start (see ${turnDir})`);
      await sleep(50);
    }
  }

  /** The host loses its network (as when Wi-Fi drops): the link goes down and its routes with it. */
  linkDown(host) {
    this.ip(host, 'link', 'set', 'eth0', 'down');
  }

  /** The network comes back: the link, and the default route a DHCP client would restore. */
  linkUp(host) {
    this.ip(host, 'link', 'set', 'eth0', 'up');
    if (hosts[host].gateway) this.ip(host, 'route', 'replace', 'default', 'via', hosts[host].gateway);
  }

  /**
   * A person: a browser of `kind` running inside `host`, with its own static server for `dist` on 127.0.0.1
   * there, past the profile screen. Returns a RemotePerson that sends the driver commands.
   */
  async startPerson(host, kind, { dist = 'dist', name = `${host} (${kind})`, timeoutMs = 90_000 } = {}) {
    if (!hosts[host]) throw new Error(`no host ${host}`);
    const child = spawn(
      'ip',
      ['netns', 'exec', this.ns(host), ...diesWithUs, 'unshare', '-m', 'sh', '-c', 'mount --bind "$0" /etc/resolv.conf && exec "$@"',
        this.resolv, process.execPath, driverPath],
      {
        cwd: repoRoot,
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, TINCAN_DRIVER: JSON.stringify({ kind, dist: path.resolve(repoRoot, dist), name }) },
      },
    );
    const person = new RemotePerson(child, { host, kind, name });
    this.people.add(person);
    await person.ready(timeoutMs);
    return person;
  }

  /** Stops every person and coturn, kills whatever else runs in the namespaces, deletes them. */
  async down() {
    if (!this.isUp) return;
    await Promise.allSettled([...this.people].map((p) => p.close()));
    for (const n of names) killNamespace(this.ns(n), 'SIGTERM');
    for (let waited = 0; waited < 3000 && names.some((n) => pidsIn(this.ns(n)).length); waited += 100) await sleep(100);
    this.downSync();
  }

  /** The synchronous last resort (process exit): SIGKILL, delete, remove the scratch directory. */
  downSync() {
    if (!this.isUp) return;
    for (const n of names) killNamespace(this.ns(n), 'SIGKILL');
    for (const n of names) spawnSync('ip', ['netns', 'del', this.ns(n)]);
    if (!process.env.TINCAN_KEEP_LAB) fs.rmSync(this.dir, { recursive: true, force: true });
    this.isUp = false;
    liveLabs.delete(this);
  }
}

/** The parent's side of a netlab-driver.mjs: one JSON line per command, one per reply (matched by id). */
export class RemotePerson {
  constructor(child, { host, kind, name }) {
    this.child = child;
    this.host = host;
    this.kind = kind;
    this.name = name;
    this.nextId = 1;
    this.pending = new Map();
    this.log = [];
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    this.exited.then(({ code, signal }) => {
      for (const { reject } of this.pending.values()) reject(new Error(`${this.name}: driver exited (${code ?? signal})${this.tail()}`));
      this.pending.clear();
    });
    child.stdin.on('error', () => {}); // the driver may be gone already
    readline.createInterface({ input: child.stdout }).on('line', (line) => this.handleLine(line));
    readline.createInterface({ input: child.stderr }).on('line', (line) => {
      this.log.push(line);
      if (this.log.length > 200) this.log.shift();
      if (process.env.TINCAN_LAB_DEBUG) process.stderr.write(`[${this.name}] ${line}\n`);
    });
  }

  tail() {
    return this.log.length ? `\n  ${this.log.slice(-15).join('\n  ')}` : '';
  }

  handleLine(line) {
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      this.log.push(line);
      return;
    }
    const waiter = this.pending.get(message.id);
    if (!waiter) return;
    this.pending.delete(message.id);
    if (message.error) waiter.reject(new Error(`${this.name}: ${message.error}`));
    else waiter.resolve(message.result);
  }

  /** Sends a command; resolves with its result. */
  command(cmd, args = {}, timeoutMs = 120_000) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: ${cmd} got no reply in ${timeoutMs} ms${this.tail()}`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (value) => (clearTimeout(timer), resolve(value)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      this.child.stdin.write(`${JSON.stringify({ id, cmd, ...args })}\n`);
    });
  }

  ready(timeoutMs) {
    return this.command('ready', {}, timeoutMs);
  }

  /** "New invite"; returns the invite code. */
  invite() {
    return this.command('invite');
  }

  /** Pastes an invite and presses Connect; returns the answer code. */
  answer(invite) {
    return this.command('answer', { code: invite });
  }

  /** Pastes a code (an answer) and presses Connect; resolves with the time of the click (ms since epoch). */
  paste(code) {
    return this.command('paste', { code });
  }

  /** Waits for the status "Connection" to read Connected; resolves with when it first did (ms since epoch). */
  waitConnected(timeoutMs = 30_000) {
    return this.command('waitConnected', { timeoutMs }, timeoutMs + 10_000);
  }

  send(text) {
    return this.command('send', { text });
  }

  waitText(text, timeoutMs = 30_000) {
    return this.command('waitText', { text, timeoutMs }, timeoutMs + 10_000);
  }

  /** The texts in the conversation, in order: [{ direction: 'in'|'out', text }]. */
  messages() {
    return this.command('messages');
  }

  /** Waits for the page's alert; returns its text. */
  alert(timeoutMs = 15_000) {
    return this.command('alert', { timeoutMs }, timeoutMs + 10_000);
  }

  /** The text of the status "Connection path", or null when the page shows none. */
  path(timeoutMs = 5000) {
    return this.command('path', { timeoutMs }, timeoutMs + 10_000);
  }

  /** From the page's latest RTCPeerConnection: states, selected pair and gathered candidate types. */
  stats() {
    return this.command('stats');
  }

  newGroup(name) {
    return this.command('newGroup', { name });
  }

  /** "Invite to group" in `group`; returns the invite code. */
  inviteToGroup(group) {
    return this.command('inviteToGroup', { group });
  }

  /** Waits for a group's page to open by itself (the newcomer's, once its answer connected). */
  waitGroupOpen(timeoutMs = 30_000) {
    return this.command('waitGroupOpen', { timeoutMs }, timeoutMs + 10_000);
  }

  openConversation(name) {
    return this.command('openConversation', { name });
  }

  /** The open group's list "Members": each item's text. */
  members() {
    return this.command('members');
  }

  /** Waits until an item of the open group's "Members" contains `text`. */
  waitMember(text, timeoutMs = 30_000) {
    return this.command('waitMember', { text, timeoutMs }, timeoutMs + 10_000);
  }

  /** Waits for a message of the open conversation to read "Delivered" (to every member, in a group). */
  waitDelivered(timeoutMs = 30_000) {
    return this.command('waitDelivered', { timeoutMs }, timeoutMs + 10_000);
  }

  /** The whole text of the open conversation's log "Messages". */
  logText() {
    return this.command('logText');
  }

  /** Sets STUN/TURN servers through Settings, as a person does. Resolves false when the page has no such panel. */
  setIceServers(servers) {
    return this.command('setIceServers', { servers });
  }

  async close() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await Promise.race([this.command('close', {}, 15_000).catch(() => {}), this.exited]);
    const gone = await Promise.race([this.exited.then(() => true), sleep(5000).then(() => false)]);
    if (!gone) this.child.kill('SIGKILL');
  }
}
