// What a conversation's history keeps of a call (chat/calls.ts writes it as a log entry's meta.call), and how many
// people a group call takes: small and import-free, so the views that read them (app/views.ts) do not load the call
// machinery with the first screen.

/**
 * At most this many people in a group call (chat/group-calls.ts), this device included: every device sends its
 * microphone (and camera) once per other member, so a fifth would mean four uplinks per phone. A group with more
 * members gets call buttons that say the limit; docs/calls.md says why the call does not take "the first four".
 */
export const maxGroupCallMembers = 4;

export type CallOutcome = 'answered' | 'declined' | 'missed' | 'unanswered' | 'busy' | 'failed';
export const callOutcomes: readonly CallOutcome[] = ['answered', 'declined', 'missed', 'unanswered', 'busy', 'failed'];

/** What the conversation's history keeps of a call (a log entry's meta.call). */
export interface CallRecord {
  readonly video: boolean;
  readonly outcome: CallOutcome;
  /** Answered calls: from media flowing both ways to the end. */
  readonly durationMs?: number;
}

/** A stored entry's call record, when it has a well-formed one (records are read back from the vault). */
export function callRecordOf(meta: { readonly [key: string]: unknown } | undefined): CallRecord | undefined {
  const call = meta?.call;
  if (typeof call !== 'object' || call === null) return undefined;
  const { video, outcome, durationMs } = call as Record<string, unknown>;
  if (typeof video !== 'boolean' || !callOutcomes.includes(outcome as CallOutcome)) return undefined;
  const hasDuration = typeof durationMs === 'number' && Number.isFinite(durationMs) && durationMs >= 0;
  return { video, outcome: outcome as CallOutcome, ...(hasDuration ? { durationMs } : {}) };
}

