// Candidate addresses as text and as bytes: IPv4 dotted quads, IPv6 in RFC 5952 canonical form, and the
// `<uuid>.local` mDNS names browsers use to hide host addresses (a version-4 UUID, lower case).
//
// The parsers return undefined for anything they do not accept; callers decide which error that is.
// addressProblem says which canonical addresses no peer can be reached at (see there for the list and why).

export type AddressFamily = 'ipv4' | 'ipv6' | 'mdns';

/** The 4 bytes of a dotted-quad IPv4 address, or undefined. Leading zeros ("010") are refused as ambiguous. */
export function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (const [i, part] of parts.entries()) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    bytes[i] = value;
  }
  return bytes;
}

export function formatIPv4(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 4)).join('.');
}

/** The 16 bytes of an IPv6 address (with `::` and an optional dotted IPv4 tail), or undefined. No zone ids. */
export function parseIPv6(text: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const toGroups = (half: string): number[] | undefined => {
    if (half === '') return [];
    const groups: number[] = [];
    const pieces = half.split(':');
    for (const [i, piece] of pieces.entries()) {
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIPv4(piece);
        if (!v4) return undefined;
        groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return undefined;
        groups.push(parseInt(piece, 16));
      }
    }
    return groups;
  };
  const head = toGroups(halves[0]!);
  const tail = halves.length === 2 ? toGroups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}

/** RFC 5952 text: lower case, no leading zeros, the longest run (>= 2) of zero groups as `::`, first on a tie. */
export function formatIPv6(bytes: Uint8Array): string {
  const groups = Array.from({ length: 8 }, (_, i) => (bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; ) {
    if (groups[start] !== 0) { start++; continue; }
    let end = start;
    while (end < 8 && groups[end] === 0) end++;
    if (end - start > bestLength) { bestStart = start; bestLength = end - start; }
    start = end;
  }
  const hex = (from: number, to: number) => groups.slice(from, to).map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

/** Number of random bits in a version-4 UUID: 128 minus the 4 version bits and the 2 variant bits. */
export const uuidRandomBits = 122;

const mdnsNamePattern = /^([0-9a-f]{8})-([0-9a-f]{4})-4([0-9a-f]{3})-([89ab][0-9a-f]{3})-([0-9a-f]{12})\.local$/;

/**
 * The 122 random bits of an mDNS name `<v4 uuid>.local` (case-insensitive), as a bigint, or undefined when the
 * name is not a canonical version-4 UUID (those cannot be rebuilt from 122 bits).
 */
export function parseMdnsName(name: string): bigint | undefined {
  const match = mdnsNamePattern.exec(name.toLowerCase());
  if (!match) return undefined;
  const [, a, b, c, d, e] = match as unknown as [string, string, string, string, string, string];
  // d = variant (2 bits, always 0b10) + 14 random bits.
  const variantFree = (parseInt(d, 16) & 0x3fff).toString(16).padStart(4, '0');
  // 32 + 16 + 12 + 14 + 48 = 122 bits; the 14-bit piece is shifted in separately below.
  let bits = BigInt(`0x${a}${b}${c}`); // 60 bits
  bits = (bits << 14n) | BigInt(`0x${variantFree}`);
  bits = (bits << 48n) | BigInt(`0x${e}`);
  return bits;
}

/** The mDNS name `<v4 uuid>.local` (lower case) whose 122 random bits these are. */
export function formatMdnsName(bits: bigint): string {
  const e = bits & ((1n << 48n) - 1n);
  const d = (bits >> 48n) & 0x3fffn;
  const abc = bits >> 62n; // 60 bits: a (32) b (16) c (12)
  const abcHex = abc.toString(16).padStart(15, '0');
  const dHex = (0x8000n | d).toString(16);
  return `${abcHex.slice(0, 8)}-${abcHex.slice(8, 12)}-4${abcHex.slice(12, 15)}-${dHex}-${e.toString(16).padStart(12, '0')}.local`;
}

/** Which family an address in canonical text form belongs to, or undefined. */
export function familyOf(address: string): AddressFamily | undefined {
  if (parseIPv4(address)) return 'ipv4';
  if (address.includes(':') && parseIPv6(address)) return 'ipv6';
  if (parseMdnsName(address) !== undefined) return 'mdns';
  return undefined;
}

/**
 * The canonical text of a candidate address as the code rebuilds it (dotted IPv4, RFC 5952 IPv6, lower-case
 * mDNS name), or undefined when it is none of those.
 */
export function canonicalAddress(address: string): string | undefined {
  const v4 = parseIPv4(address);
  if (v4) return formatIPv4(v4);
  if (address.includes(':')) {
    const v6 = parseIPv6(address);
    return v6 ? formatIPv6(v6) : undefined;
  }
  const mdns = parseMdnsName(address);
  return mdns === undefined ? undefined : formatMdnsName(mdns);
}

/**
 * Why no peer can reach a device at this address, or undefined when one might. Only addresses that are
 * unreachable wherever the two peers sit are listed; private, link-local, CGNAT and documentation ranges stay
 * (a LAN, an ad-hoc link or the test lab use them):
 *   unspecified  0.0.0.0, ::                     "any address": a source, never a destination (RFC 1122 3.2.1.3)
 *   loopback     127.0.0.0/8, ::1                the answering device itself, never the other one. A code goes
 *                                                from one device to another, so a loopback candidate can only
 *                                                make the reader's browser probe its own local ports. Browsers
 *                                                gather none unless started with a test flag
 *                                                (--allow-loopback-in-peer-connection); no Tincan test uses it.
 *   multicast    224.0.0.0/4, ff00::/8           a group, not a peer: ICE checks are unicast (RFC 8445)
 *   broadcast    255.255.255.255                 the limited broadcast (RFC 919); subnet broadcasts such as
 *                                                192.168.1.255 cannot be told apart without the netmask
 *   reserved     0.0.0.0/8 (but 0.0.0.0)         "this network", a source only (RFC 1122 3.2.1.3)
 *                240.0.0.0/4 (but broadcast)     reserved since RFC 1112; no host may hold one
 *                ::/96 (but :: and ::1)          deprecated IPv4-compatible addresses (RFC 4291 2.5.5.1)
 * An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is judged by its IPv4 address, so ::ffff:127.0.0.1 is loopback.
 * mDNS names are judged by the peer that resolves them: always undefined here.
 */
export type AddressProblem = 'unspecified' | 'loopback' | 'multicast' | 'broadcast' | 'reserved';

export function addressProblem(address: string): AddressProblem | undefined {
  const v4 = parseIPv4(address);
  if (v4) return ipv4Problem(v4);
  const v6 = address.includes(':') ? parseIPv6(address) : undefined;
  return v6 ? ipv6Problem(v6) : undefined;
}

function ipv4Problem(bytes: Uint8Array): AddressProblem | undefined {
  const first = bytes[0]!;
  if (bytes.every((byte) => byte === 0)) return 'unspecified';
  if (bytes.every((byte) => byte === 255)) return 'broadcast';
  if (first === 127) return 'loopback';
  if (first >= 224 && first <= 239) return 'multicast';
  if (first === 0 || first >= 240) return 'reserved';
  return undefined;
}

function ipv6Problem(bytes: Uint8Array): AddressProblem | undefined {
  if (bytes[0] === 0xff) return 'multicast';
  const firstTen = bytes.subarray(0, 10).every((byte) => byte === 0);
  if (firstTen && bytes[10] === 0xff && bytes[11] === 0xff) return ipv4Problem(bytes.subarray(12, 16));
  if (!firstTen || bytes[10] !== 0 || bytes[11] !== 0) return undefined;
  // ::/96
  if (bytes.subarray(12, 15).every((byte) => byte === 0) && bytes[15]! <= 1) {
    return bytes[15] === 0 ? 'unspecified' : 'loopback';
  }
  return 'reserved';
}
