// ICE server settings as a person types them: parsing and checking STUN/TURN addresses, the settings form's
// presets, which path a connection took, and why a connection across networks failed. Pure: no DOM.
//
// Address grammar (RFC 7064 for STUN, RFC 7065 for TURN; the scheme is case-insensitive):
//   stun:host[:port]   stuns:host[:port]   turn:host[:port][?transport=udp|tcp]   turns:host[:port][?transport=…]
//   host = DNS name | dotted IPv4 | [IPv6]; port = 1..65535 (3478 by default, 5349 for stuns/turns).
// We are as strict as the browsers where it matters (both refuse `stun://host`, ports 0 and 65536, a query on
// stun:, a transport other than udp/tcp; Firefox refuses `?transport=UDP` and `1.2.3.999`) and friendlier where
// it costs nothing: `stun://host` and a missing scheme (in a box that says which kind it wants) are rewritten,
// scheme and transport are lower-cased. What this module returns is always accepted by both browsers' own parser
// (test/unit/net/ice-servers.test.ts checks that against the real RTCPeerConnection).
import type { ErrorCode } from '../errors';
import { TincanError } from '../errors';
import { parseIPv4, parseIPv6 } from '../invite/address';

/** RTCIceServer's shape (without the DOM type: this module is DOM-free and also runs in Node). */
export interface IceServerLike {
  readonly urls: string | readonly string[];
  readonly username?: string;
  readonly credential?: unknown;
}

/** One server as the settings store it and RTCIceServer takes it, with one URL per entry. */
export interface IceServerEntry {
  urls: string;
  username?: string;
  credential?: string;
}

export type IceScheme = 'stun' | 'stuns' | 'turn' | 'turns';
export type IceServerKind = 'stun' | 'turn';

export interface IceServerUrl {
  scheme: IceScheme;
  /** As typed, lower-cased; IPv6 without brackets. */
  host: string;
  /** The port written in the URL, if any (the default is not filled in, so the URL stays as the person wrote it). */
  port?: number;
  transport?: 'udp' | 'tcp';
  /** The canonical text: lower-case scheme and transport, no `//`. */
  url: string;
}

/** A problem with one field of one entry. `code` has a sentence in src/ui/messages.ts. */
export interface IceServerProblem {
  index: number;
  field: 'urls' | 'username' | 'credential';
  code: ErrorCode;
}

/**
 * The default: no STUN or TURN server, so Tincan sends nothing to any third party and connects people on the
 * same network only.
 *
 * Why not a public STUN server by default: a STUN server learns the IP address of everyone who uses it and when,
 * and "serverless" should mean no server hears from you unless you chose it. The cost is real: people on
 * different networks cannot connect until both of them choose STUN in Settings (Chromium and Firefox hide host
 * addresses behind mDNS names, so without STUN there is nothing the other network can reach). Tincan makes that
 * cost visible instead of hiding it: the settings panel names the trade-off, suggests a well-known public server,
 * and a failed connection is explained by `explainIceFailure` (ICE_NO_SERVERS: "both of you: choose STUN").
 */
export const defaultIceServers: readonly IceServerEntry[] = [];

export const defaultStunPort = 3478;
export const defaultStunsPort = 5349;
/** A well-known public STUN server (no account), offered as an example in the settings panel, never by default. */
export const exampleStunUrl = 'stun:stun.l.google.com:19302';

const schemes: readonly IceScheme[] = ['stun', 'stuns', 'turn', 'turns'];

export function kindOfScheme(scheme: IceScheme): IceServerKind {
  return scheme.startsWith('turn') ? 'turn' : 'stun';
}

/** A DNS name: dot-separated labels of letters, digits, `-` and `_` (both browsers accept `_`), 253 chars at
 * most, an optional final dot. All-numeric names must be IPv4 addresses instead. */
function isHostName(host: string): boolean {
  if (host.length === 0 || host.length > 254) return false;
  const labels = (host.endsWith('.') ? host.slice(0, -1) : host).split('.');
  if (!labels.every((label) => /^[a-z0-9_-]{1,63}$/i.test(label))) return false;
  return !labels.every((label) => /^[0-9]+$/.test(label));
}

/**
 * Parses one server address. `defaultKind` is the kind of box it was typed in: it supplies a missing scheme
 * (`stun.example.org` in the STUN box means `stun:stun.example.org`) and refuses the other kind.
 */
export function parseIceServerUrl(
  text: string,
  { defaultKind }: { defaultKind?: IceServerKind } = {},
): { ok: true; value: IceServerUrl } | { ok: false; code: ErrorCode } {
  const typed = text.trim();
  if (!typed) return { ok: false, code: 'ICE_URL_MISSING' };
  const colon = typed.indexOf(':');
  let scheme = colon > 0 ? (typed.slice(0, colon).toLowerCase() as IceScheme) : undefined;
  let rest: string;
  if (scheme && schemes.includes(scheme)) {
    rest = typed.slice(colon + 1);
  } else if (defaultKind && !/^[a-z][a-z0-9+.-]*:\/\//i.test(typed) && !/^[a-z][a-z0-9+.-]*:(?![0-9])/i.test(typed)) {
    // No scheme (`host`, `host:3478`, `[::1]:3478`): the box says which kind. `http://…` or `turn2:` are not.
    scheme = defaultKind;
    rest = typed;
  } else {
    return { ok: false, code: 'ICE_URL_SCHEME' };
  }
  if (defaultKind && kindOfScheme(scheme) !== defaultKind) return { ok: false, code: 'ICE_URL_WRONG_BOX' };
  if (rest.startsWith('//')) rest = rest.slice(2); // URL habit; both browsers refuse it, so we drop it
  if (rest.endsWith('/')) rest = rest.slice(0, -1);
  if (/[\s@#/]/.test(rest)) return { ok: false, code: /@/.test(rest) ? 'ICE_URL_USERINFO' : 'ICE_URL_HOST' };

  let query: string | undefined;
  const question = rest.indexOf('?');
  if (question >= 0) {
    query = rest.slice(question + 1);
    rest = rest.slice(0, question);
  }

  let host: string;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return { ok: false, code: 'ICE_URL_HOST' };
    host = rest.slice(1, close);
    if (!host.includes(':') || !parseIPv6(host)) return { ok: false, code: 'ICE_URL_HOST' };
    const after = rest.slice(close + 1);
    if (after && !after.startsWith(':')) return { ok: false, code: 'ICE_URL_HOST' };
    portText = after ? after.slice(1) : undefined;
  } else {
    const parts = rest.split(':');
    if (parts.length > 2) return { ok: false, code: 'ICE_URL_HOST' }; // a bare IPv6 address needs brackets
    host = parts[0]!;
    portText = parts[1];
    if (!parseIPv4(host) && !isHostName(host)) return { ok: false, code: 'ICE_URL_HOST' };
  }
  host = host.toLowerCase();

  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^[0-9]{1,5}$/.test(portText)) return { ok: false, code: 'ICE_URL_PORT' };
    port = Number(portText);
    if (port < 1 || port > 65535) return { ok: false, code: 'ICE_URL_PORT' };
  }

  let transport: 'udp' | 'tcp' | undefined;
  if (query !== undefined) {
    const match = /^transport=(udp|tcp)$/i.exec(query);
    if (kindOfScheme(scheme) !== 'turn' || !match) return { ok: false, code: 'ICE_URL_TRANSPORT' };
    transport = match[1]!.toLowerCase() as 'udp' | 'tcp';
  }

  const hostText = host.includes(':') ? `[${host}]` : host;
  const url = `${scheme}:${hostText}${port === undefined ? '' : `:${port}`}${transport ? `?transport=${transport}` : ''}`;
  return { ok: true, value: { scheme, host, ...(port === undefined ? {} : { port }), ...(transport ? { transport } : {}), url } };
}

/** Checks a list of entries; blank entries (nothing typed at all) are skipped. */
export function parseIceServers(
  entries: readonly IceServerEntry[],
  options: { defaultKind?: IceServerKind } = {},
): { servers: IceServerEntry[]; problems: IceServerProblem[] } {
  const servers: IceServerEntry[] = [];
  const problems: IceServerProblem[] = [];
  entries.forEach((entry, index) => {
    const username = entry.username ?? '';
    const credential = entry.credential ?? '';
    if (!entry.urls.trim() && !username && !credential) return;
    const parsed = parseIceServerUrl(entry.urls, options);
    if (!parsed.ok) {
      problems.push({ index, field: 'urls', code: parsed.code });
      return;
    }
    const { url, scheme } = parsed.value;
    if (kindOfScheme(scheme) === 'stun') {
      // Browsers ignore them, but a STUN server with a password is almost always a TURN server in the wrong box.
      if (username) problems.push({ index, field: 'username', code: 'ICE_STUN_CREDENTIALS' });
      else if (credential) problems.push({ index, field: 'credential', code: 'ICE_STUN_CREDENTIALS' });
      else servers.push({ urls: url });
      return;
    }
    // A password may be anything, even spaces; it only has to be there. A username is trimmed (copy-paste).
    const name = username.trim();
    if (!name) problems.push({ index, field: 'username', code: 'ICE_TURN_CREDENTIALS' });
    if (!credential) problems.push({ index, field: 'credential', code: 'ICE_TURN_CREDENTIALS' });
    if (name && credential) servers.push({ urls: url, username: name, credential });
  });
  return { servers, problems };
}

/** The entries as RTCPeerConnection takes them, canonical. Throws TincanError with the first problem's code. */
export function toRtcIceServers(entries: readonly IceServerEntry[]): IceServerLike[] {
  const { servers, problems } = parseIceServers(entries);
  if (problems[0]) throw new TincanError(problems[0].code, `ICE server ${problems[0].index + 1}, ${problems[0].field}`);
  return servers.map((s) => ({ ...s }));
}

// ---------------------------------------------------------------------------------------------------------------
// The settings form: a preset and four boxes. Each box may hold several addresses separated by spaces or commas
// (a TURN provider often gives a UDP and a TCP address with one username and password).

export type IcePreset = 'none' | 'stun' | 'stun-turn';

export interface IceSettingsForm {
  preset: IcePreset;
  stun: string;
  turn: string;
  username: string;
  password: string;
}

export type IceSettingsField = 'stun' | 'turn' | 'username' | 'password';

const splitUrls = (text: string) => text.split(/[\s,]+/).filter(Boolean);

/** The form that shows these servers (first TURN credentials win: the form saves one pair for all). */
export function formFromIceServers(servers: readonly IceServerLike[]): IceSettingsForm {
  const stun: string[] = [];
  const turn: string[] = [];
  let username = '';
  let password = '';
  for (const server of servers) {
    for (const url of typeof server.urls === 'string' ? [server.urls] : server.urls) {
      if (/^turns?:/i.test(url)) {
        turn.push(url);
        if (!username && !password) {
          username = server.username ?? '';
          password = typeof server.credential === 'string' ? server.credential : '';
        }
      } else {
        stun.push(url);
      }
    }
  }
  const preset: IcePreset = turn.length ? 'stun-turn' : stun.length ? 'stun' : 'none';
  return { preset, stun: stun.join(', '), turn: turn.join(', '), username, password };
}

/**
 * The servers a form describes, or the problems to show next to its fields (one per field at most). The STUN box
 * is required with the STUN preset and optional with STUN + TURN (a TURN server is enough to connect).
 */
export function parseIceSettingsForm(form: IceSettingsForm): {
  servers: IceServerEntry[];
  problems: Partial<Record<IceSettingsField, ErrorCode>>;
} {
  const problems: Partial<Record<IceSettingsField, ErrorCode>> = {};
  if (form.preset === 'none') return { servers: [], problems };
  const stunUrls = splitUrls(form.stun);
  const stun = parseIceServers(stunUrls.map((urls) => ({ urls })), { defaultKind: 'stun' });
  if (stun.problems[0]) problems.stun = stun.problems[0].code;
  else if (form.preset === 'stun' && !stunUrls.length) problems.stun = 'ICE_URL_MISSING';
  if (form.preset === 'stun') return { servers: stun.servers, problems };

  const turnUrls = splitUrls(form.turn);
  const turn = parseIceServers(
    (turnUrls.length ? turnUrls : ['']).map((urls) => ({ urls, username: form.username, credential: form.password })),
    { defaultKind: 'turn' },
  );
  for (const problem of turn.problems) {
    const field = problem.field === 'urls' ? 'turn' : problem.field === 'username' ? 'username' : 'password';
    problems[field] ??= problem.code;
  }
  if (!turnUrls.length) problems.turn = 'ICE_URL_MISSING';
  return { servers: [...stun.servers, ...turn.servers], problems };
}

// ---------------------------------------------------------------------------------------------------------------
// The path a connection took, and why one failed.

export type ConnectionPath = 'same network (direct)' | 'through NAT' | 'relayed (TURN)';

/**
 * The path, from the candidate types of the selected pair (RTCIceCandidateStats.candidateType), or undefined
 * when a type is unknown.
 *
 * A remote `prflx` seen from a local `host` is counted as the same network: both browsers hide host addresses
 * behind mDNS names, so a peer on the same LAN usually shows up as peer-reflexive (its check arrives from an
 * address we have not resolved yet). A local `prflx` means the peer saw us at an address we did not know: a NAT.
 */
export function describeCandidatePath(local: string, remote: string): ConnectionPath | undefined {
  const known = ['host', 'srflx', 'prflx', 'relay'];
  if (!known.includes(local) || !known.includes(remote)) return undefined;
  if (local === 'relay' || remote === 'relay') return 'relayed (TURN)';
  if (local === 'host' && (remote === 'host' || remote === 'prflx')) return 'same network (direct)';
  return 'through NAT';
}

export interface IceFailureContext {
  /** The servers this side used. */
  iceServers: readonly IceServerLike[];
  /** Types of the candidates this side gathered (its own code's candidates). */
  localCandidateTypes: readonly string[];
  /** Types of the candidates in the code the other side sent. */
  remoteCandidateTypes: readonly string[];
}

/**
 * Why a connection that never opened failed, as an error code with a sentence for the person (src/ui/messages.ts)
 * and a technical detail for logs. The candidates say a lot: a `srflx` candidate exists only when a STUN server
 * answered, a `relay` candidate only when a TURN server accepted the username and password.
 *
 * In order: our own servers did not answer; we use no server at all; the other side uses none (its code has
 * host candidates only, which another network cannot reach); a relay existed and still failed (a firewall);
 * both sides were found by STUN and still failed: strict (symmetric) NATs, which only TURN gets through.
 */
export function explainIceFailure(context: IceFailureContext): { code: ErrorCode; detail: string } {
  const urls = context.iceServers.flatMap((s) => (typeof s.urls === 'string' ? [s.urls] : s.urls));
  const hasStun = urls.some((u) => /^stuns?:/i.test(u));
  const hasTurn = urls.some((u) => /^turns?:/i.test(u));
  const local = new Set(context.localCandidateTypes);
  const remote = new Set(context.remoteCandidateTypes);
  const list = (types: Set<string>) => [...types].join(', ') || 'none';
  const seen = `local candidates: ${list(local)}; remote candidates: ${list(remote)}`;
  if (hasTurn && !local.has('relay')) {
    return { code: 'ICE_TURN_UNREACHABLE', detail: `TURN configured but no relay candidate gathered; ${seen}` };
  }
  if (hasStun && !local.has('srflx') && !local.has('relay')) {
    return { code: 'ICE_STUN_UNREACHABLE', detail: `STUN configured but no server-reflexive candidate gathered; ${seen}` };
  }
  if (!hasStun && !hasTurn) {
    return { code: 'ICE_NO_SERVERS', detail: `no STUN or TURN server configured; ${seen}` };
  }
  if (!remote.has('srflx') && !remote.has('relay')) {
    return { code: 'ICE_PEER_NO_SERVERS', detail: `the other side offered no reflexive or relay candidate; ${seen}` };
  }
  if (local.has('relay') || remote.has('relay')) {
    return { code: 'ICE_FAILED', detail: `failed although a relay candidate existed; ${seen}` };
  }
  return { code: 'ICE_NAT_BLOCKED', detail: `both sides found by STUN, no pair worked (symmetric NAT?); ${seen}` };
}
