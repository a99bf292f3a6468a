// The public STUN server that "Anywhere" (the first run's recommended reach) uses, and Settings shows as an example.
// Its own module so that the first screen does not load the ICE-server parser (net/ice-servers.ts) with it.

/** A well-known public STUN server (no account). It learns the IP address of whoever makes or answers a code. */
export const exampleStunUrl = 'stun:stun.l.google.com:19302';
