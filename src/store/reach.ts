// How far invites reach, as the settings hold it: the ICE servers saved in the vault, read as a reach ("same
// network only", "anywhere" through the public STUN server, or the person's own list), and ICE server lists as the
// settings form gives them flattened to what is stored (one URL each, credentials only when set).
import { exampleStunUrl } from '../net/public-stun';
import type { StoredIceServer } from './records';

/** How far invites reach: same network only (no server at all), or anywhere (a public STUN server), or custom. */
export type Reach = 'local' | 'anywhere' | 'custom';

/** The STUN server "Anywhere" uses: a public one that learns the IP address of whoever makes an invite. */
export const publicStunServer: StoredIceServer = { urls: exampleStunUrl };

/** What a saved list of ICE servers amounts to. */
export function reachOf(iceServers: readonly StoredIceServer[]): Reach {
  if (iceServers.length === 0) return 'local';
  if (iceServers.length === 1 && iceServers[0]!.urls === publicStunServer.urls && !iceServers[0]!.username) return 'anywhere';
  return 'custom';
}

/** The ICE servers to save for a reach the person chose ('custom' has no list of its own: none). */
export function iceServersFor(reach: Reach): StoredIceServer[] {
  return reach === 'anywhere' ? [publicStunServer] : [];
}

/** RTCIceServer's shape, without the DOM type (the core touches no browser API). */
export interface RTCIceServerLike {
  readonly urls: string | readonly string[];
  readonly username?: string;
  readonly credential?: unknown;
}

/** Servers as the settings form gives them (checked by net/ice-servers.ts), one stored server per URL; a
 * credential is kept only when it is a non-empty string. */
export function toStoredIceServers(servers: readonly RTCIceServerLike[]): StoredIceServer[] {
  return servers.flatMap((s) =>
    (typeof s.urls === 'string' ? [s.urls] : s.urls).map((urls) => ({
      urls,
      ...(s.username ? { username: s.username } : {}),
      ...(typeof s.credential === 'string' && s.credential ? { credential: s.credential } : {}),
    })),
  );
}
