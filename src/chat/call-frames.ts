// The frames of a call (docs/calls.md), inside the sealed session like every chat frame (frames.ts):
//   call-offer   { call, video, sdp }       the caller's offer: the callee's page rings
//   call-answer  { call, sdp }              the callee accepted: its answer
//   call-end     { call, reason }           either side ends the call, or refuses it, and why
//   call-signal  { call, kind, sdp }        an ICE restart's offer (caller) or answer (callee)
//   call-media   { call, receiving }        "your media reaches me" (or no longer does)
//   call-resume  { call }                   the callee's connection for an answered call was lost: "offer anew" (the
//                                           caller's new offer is a call-offer with the same id: calls.ts "Reconnecting")
//   group-call   { call, group, video, sdp } a group call's offer for this pair's leg (docs/calls.md "Group calls"):
//                                           the other frames then name the group call's id on this pair's session
//   group-call-state { call, group, video, present } a member in a group call tells a member of the group that has
//                                           no leg in it that it is in it (present) or no longer (docs/calls.md "Joining")
// A call id is 128 random bits in base64url. SDPs are bounded; what an SDP may contain (its fingerprint) is
// checked by calls.ts against the session before it is used. Decoding never throws: a frame that fails here is
// dropped and counted like any malformed frame.

import { groupIdPattern } from './group/membership-log';

export const callFrameTypes = {
  'call-offer': 21,
  'call-answer': 22,
  'call-end': 23,
  'call-signal': 24,
  'call-media': 25,
  'call-resume': 32,
  // Group calls (group-calls.ts): one leg per pair of members, each offered with this frame.
  'group-call': 30,
  // "I am in (or no longer in) this group call", to a member of the group not in it: its page offers "Join call".
  'group-call-state': 31,
} as const;

export type CallFrameType = keyof typeof callFrameTypes;

/** Longest call SDP: an audio and a video section with every codec both browsers offer is about 10 KB. */
export const maxCallSdpChars = 32 * 1024;
/** Call ids: 128 bits in base64url. */
export const callIdPattern = /^[A-Za-z0-9_-]{22}$/;

/** Why a call ended, as the peer says it. */
export const callEndReasons = ['hang-up', 'declined', 'unanswered', 'busy', 'failed', 'refused'] as const;
export type CallEndReason = (typeof callEndReasons)[number];

export type CallFrame =
  | { type: 'call-offer'; call: string; video: boolean; sdp: string }
  | { type: 'call-answer'; call: string; sdp: string }
  | { type: 'call-end'; call: string; reason: CallEndReason }
  | { type: 'call-signal'; call: string; kind: 'offer' | 'answer'; sdp: string }
  | { type: 'call-media'; call: string; receiving: boolean }
  | { type: 'call-resume'; call: string }
  | { type: 'group-call'; call: string; group: string; video: boolean; sdp: string }
  | { type: 'group-call-state'; call: string; group: string; video: boolean; present: boolean };

export function isCallId(value: unknown): value is string {
  return typeof value === 'string' && callIdPattern.test(value);
}

function isSdp(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= maxCallSdpChars;
}

/** Builds the frame from the body's known fields only; undefined when any field is not as it must be. */
export function validateCallFrame(type: CallFrameType, b: Readonly<Record<string, unknown>>): CallFrame | undefined {
  if (!isCallId(b.call)) return undefined;
  const call = b.call;
  switch (type) {
    case 'call-offer':
      return typeof b.video === 'boolean' && isSdp(b.sdp) ? { type, call, video: b.video, sdp: b.sdp } : undefined;
    case 'call-answer':
      return isSdp(b.sdp) ? { type, call, sdp: b.sdp } : undefined;
    case 'call-end':
      return callEndReasons.includes(b.reason as CallEndReason) ? { type, call, reason: b.reason as CallEndReason } : undefined;
    case 'call-signal':
      return (b.kind === 'offer' || b.kind === 'answer') && isSdp(b.sdp) ? { type, call, kind: b.kind, sdp: b.sdp } : undefined;
    case 'call-media':
      return typeof b.receiving === 'boolean' ? { type, call, receiving: b.receiving } : undefined;
    case 'call-resume':
      return { type, call };
    case 'group-call':
      return typeof b.group === 'string' && groupIdPattern.test(b.group) && typeof b.video === 'boolean' && isSdp(b.sdp)
        ? { type, call, group: b.group, video: b.video, sdp: b.sdp }
        : undefined;
    case 'group-call-state':
      return typeof b.group === 'string' && groupIdPattern.test(b.group) && typeof b.video === 'boolean' && typeof b.present === 'boolean'
        ? { type, call, group: b.group, video: b.video, present: b.present }
        : undefined;
  }
}
