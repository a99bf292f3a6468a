// Plain-text and Markdown transcripts of a conversation, for the person to keep or share. Unencrypted by nature:
// the UI says so before saving one. Times are UTC ("2024-05-01 13:45 UTC") so a transcript reads the same
// wherever it is opened. Never throws for anything the log holds: unreadable messages are counted and mentioned,
// and a time that cannot be formatted reads "unknown time".
import { maxTimeMs, type LogEntry, type LoggedMessage } from './records';

export type TranscriptFormat = 'text' | 'markdown';

export interface TranscriptInput {
  readonly title: string;
  readonly ownName: string;
  /** Name for an incoming message (by its `from`, or the conversation's peer). */
  readonly nameOf: (message: LoggedMessage) => string;
  readonly entries: readonly LogEntry[];
  readonly exportedAt: number;
}

export function formatUtc(ms: number): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || Math.abs(ms) > maxTimeMs) return 'unknown time';
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Backslash-escapes what Markdown would otherwise interpret, so a message shows as typed. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, '\\$&');
}

function safeName(nameOf: (message: LoggedMessage) => string, message: LoggedMessage): string {
  try {
    const name = nameOf(message);
    return typeof name === 'string' ? name : 'Unknown';
  } catch {
    return 'Unknown';
  }
}

export function formatTranscript(input: TranscriptInput, format: TranscriptFormat): string {
  const lines: string[] = [];
  const messages = input.entries.filter((entry): entry is LoggedMessage => entry.unreadable === undefined);
  const unreadable = input.entries.length - messages.length;
  const sender = (message: LoggedMessage): string => (message.direction === 'out' ? input.ownName : safeName(input.nameOf, message));
  const lostNote = unreadable > 0 ? `${unreadable} message(s) could not be read and are missing.` : '';
  if (format === 'text') {
    lines.push(`${input.title}`, `Exported ${formatUtc(input.exportedAt)}`);
    if (lostNote) lines.push(lostNote);
    lines.push('');
    for (const message of messages) {
      const [first = '', ...rest] = message.text.split('\n');
      lines.push(`[${formatUtc(message.sentAt)}] ${sender(message)}: ${first}`);
      for (const line of rest) lines.push(`    ${line}`);
    }
  } else {
    lines.push(`# ${escapeMarkdown(input.title)}`, '', `_Exported ${formatUtc(input.exportedAt)}_`);
    if (lostNote) lines.push('', `> ${lostNote}`);
    for (const message of messages) {
      lines.push('', `**${escapeMarkdown(sender(message))}** · ${formatUtc(message.sentAt)}  `);
      // Two trailing spaces keep the sender's line breaks as Markdown hard breaks.
      lines.push(message.text.split('\n').map(escapeMarkdown).join('  \n'));
    }
  }
  return `${lines.join('\n')}\n`;
}
