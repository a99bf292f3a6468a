// Plain-text and Markdown transcripts of a conversation, for the user to keep or share. Unencrypted by nature:
// the UI says so before saving one. Times are UTC ("2024-05-01 13:45 UTC") so a transcript reads the same
// wherever it is opened.
import type { LoggedMessage } from './records';

export type TranscriptFormat = 'text' | 'markdown';

export interface TranscriptInput {
  readonly title: string;
  readonly ownName: string;
  /** Name for an incoming message (by its `from`, or the conversation's peer). */
  readonly nameOf: (message: LoggedMessage) => string;
  readonly messages: readonly LoggedMessage[];
  /** Messages that could not be read (damaged records): mentioned, not hidden. */
  readonly unreadableMessages: number;
  readonly exportedAt: number;
}

export function formatUtc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Backslash-escapes what Markdown would otherwise interpret, so a message shows as typed. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, '\\$&');
}

export function formatTranscript(input: TranscriptInput, format: TranscriptFormat): string {
  const lines: string[] = [];
  const sender = (message: LoggedMessage): string => (message.direction === 'out' ? input.ownName : input.nameOf(message));
  const lostNote =
    input.unreadableMessages > 0 ? `${input.unreadableMessages} message(s) could not be read and are missing.` : '';
  if (format === 'text') {
    lines.push(`${input.title}`, `Exported ${formatUtc(input.exportedAt)}`);
    if (lostNote) lines.push(lostNote);
    lines.push('');
    for (const message of input.messages) {
      const [first = '', ...rest] = message.text.split('\n');
      lines.push(`[${formatUtc(message.sentAt)}] ${sender(message)}: ${first}`);
      for (const line of rest) lines.push(`    ${line}`);
    }
  } else {
    lines.push(`# ${escapeMarkdown(input.title)}`, '', `_Exported ${formatUtc(input.exportedAt)}_`);
    if (lostNote) lines.push('', `> ${lostNote}`);
    for (const message of input.messages) {
      lines.push('', `**${escapeMarkdown(sender(message))}** · ${formatUtc(message.sentAt)}  `);
      // Two trailing spaces keep the sender's line breaks as Markdown hard breaks.
      lines.push(message.text.split('\n').map(escapeMarkdown).join('  \n'));
    }
  }
  return `${lines.join('\n')}\n`;
}
