// Plain-text and Markdown transcripts of a conversation, for the person to keep or share. Unencrypted by nature:
// the UI says so before saving one. Times are UTC ("2024-05-01 13:45 UTC") so a transcript reads the same
// wherever it is opened. Every word a person reads comes from the caller (TranscriptLabels; the UI keeps its
// sentences in ui/messages.ts): this module writes none. Never throws for anything the log holds or a label does:
// unreadable messages are counted and mentioned, a time that cannot be formatted reads labels.unknownTime, and a
// label function that throws or returns no string falls back to a plain value (the time, the count, unknownName).
import { maxTimeMs, type LogEntry, type LoggedMessage } from './records';

export type TranscriptFormat = 'text' | 'markdown';

/** The words of a transcript, given by the caller. */
export interface TranscriptLabels {
  /** The first line, e.g. "Tincan conversation with Grace". */
  readonly title: string;
  /** The line under the title, from the export time as formatted here, e.g. (time) => `Exported ${time}`. */
  readonly exportedAt: (time: string) => string;
  /** Sender of an incoming message (by its `from`, or the conversation's peer). */
  readonly nameOf: (message: LoggedMessage) => string;
  /** The sender when nameOf throws or returns no string. */
  readonly unknownName: string;
  /** In place of a time that cannot be formatted. */
  readonly unknownTime: string;
  /** The note on messages that could not be read (count ≥ 1), e.g. (n) => `${n} message(s) could not be read.` */
  readonly unreadable: (count: number) => string;
}

export interface TranscriptInput {
  readonly ownName: string;
  readonly entries: readonly LogEntry[];
  readonly exportedAt: number;
  readonly labels: TranscriptLabels;
}

/** "2024-05-01 13:45 UTC", or `unknownTime` for anything that is not a time a Date can hold. */
export function formatUtc(ms: number, unknownTime: string): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || Math.abs(ms) > maxTimeMs) return unknownTime;
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Backslash-escapes what Markdown would otherwise interpret, so a message shows as typed. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, '\\$&');
}

/** What `produce` returns if it is a string; `fallback` if it throws or returns anything else. */
function safeText(produce: () => unknown, fallback: string): string {
  try {
    const text = produce();
    return typeof text === 'string' ? text : fallback;
  } catch {
    return fallback;
  }
}

export function formatTranscript(input: TranscriptInput, format: TranscriptFormat): string {
  const { labels } = input;
  const markdown = format === 'markdown';
  // Caller's words are escaped for Markdown; formatted times are digits, '-', ':' and "UTC", safe as they are.
  const escape = (text: string): string => (markdown ? escapeMarkdown(text) : text);
  const unknownTime = safeText(() => labels.unknownTime, '');
  const unknownName = safeText(() => labels.unknownName, '');
  const time = (ms: number): string => formatUtc(ms, escape(unknownTime));
  const title = safeText(() => labels.title, '');
  const exportTime = formatUtc(input.exportedAt, unknownTime);
  const exported = safeText(() => labels.exportedAt(exportTime), exportTime);
  const messages = input.entries.filter((entry): entry is LoggedMessage => entry.unreadable === undefined);
  const unreadable = input.entries.length - messages.length;
  const lostNote = unreadable > 0 ? safeText(() => labels.unreadable(unreadable), String(unreadable)) : '';
  const sender = (message: LoggedMessage): string =>
    message.direction === 'out' ? input.ownName : safeText(() => labels.nameOf(message), unknownName);
  const lines: string[] = [];
  if (!markdown) {
    lines.push(title, exported);
    if (lostNote) lines.push(lostNote);
    lines.push('');
    for (const message of messages) {
      const [first = '', ...rest] = message.text.split('\n');
      lines.push(`[${time(message.sentAt)}] ${sender(message)}: ${first}`);
      for (const line of rest) lines.push(`    ${line}`);
    }
  } else {
    lines.push(`# ${escapeMarkdown(title)}`, '', `_${escapeMarkdown(exported)}_`);
    if (lostNote) lines.push('', `> ${escapeMarkdown(lostNote)}`);
    for (const message of messages) {
      lines.push('', `**${escapeMarkdown(sender(message))}** · ${time(message.sentAt)}  `);
      // Two trailing spaces keep the sender's line breaks as Markdown hard breaks.
      lines.push(message.text.split('\n').map(escapeMarkdown).join('  \n'));
    }
  }
  return `${lines.join('\n')}\n`;
}
