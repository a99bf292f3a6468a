// Turning values into what a person reads, safely: message text split into plain text and http(s) links, and
// times. Nothing here throws on any value a peer or a damaged record can produce (a sentAt of 1e16, NaN, a
// negative number, a megabyte of text): `Date` and `Intl` throw RangeError outside ±8.64e15 ms, so every time
// goes through `isShowableTime` first. The words are in messages.ts.
import { timeText } from './messages';

/** The largest time a JavaScript Date can hold (ms from the epoch, either way): ECMA-262 §21.4.1.22. */
const maxDateMs = 8.64e15;

export function isShowableTime(ms: unknown): ms is number {
  return typeof ms === 'number' && Number.isFinite(ms) && Math.abs(ms) <= maxDateMs;
}

// One formatter each: building a formatter per message made long conversations render slowly (bench/chat.mjs).
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayTimeFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
const yearDayTimeFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

/** "14:05" today, "3 May, 14:05" this year, "3 May 2031, 14:05" otherwise; '' for a time no clock can show. */
export function messageTime(ms: unknown, now: number = Date.now()): string {
  if (!isShowableTime(ms)) return '';
  const date = new Date(ms);
  const today = new Date(now);
  if (date.toDateString() === today.toDateString()) return timeFormat.format(date);
  return date.getFullYear() === today.getFullYear() ? dayTimeFormat.format(date) : yearDayTimeFormat.format(date);
}

/** The machine-readable form for <time datetime>, or undefined. */
export function isoTime(ms: unknown): string | undefined {
  return isShowableTime(ms) ? new Date(ms).toISOString() : undefined;
}

/** "at 14:05" today, "on 3 May" otherwise; '' for an unshowable time. */
export function whenText(ms: unknown, now: number = Date.now()): string {
  if (!isShowableTime(ms) || ms <= 0) return '';
  const date = new Date(ms);
  return date.toDateString() === new Date(now).toDateString() ? timeText.atTime(timeFormat.format(date)) : timeText.onDay(dayFormat.format(date));
}

/** "19 min" / "45 s" until `until`; '' once it has passed or when it is not a time. */
export function timeLeftText(until: unknown, now: number = Date.now()): string {
  if (!isShowableTime(until)) return '';
  const leftS = Math.ceil((until - now) / 1000);
  if (leftS <= 0) return '';
  if (leftS < 60) return timeText.seconds(leftS);
  const leftMin = Math.ceil(leftS / 60);
  return leftMin < 120 ? timeText.minutes(leftMin) : timeText.hours(Math.round(leftMin / 60));
}

export type TextPart = { readonly text: string } | { readonly href: string; readonly text: string };

/**
 * Candidate links: http:// or https:// up to white space or a character that never belongs to a URL in prose.
 * The class is a negated set with no nesting, so matching is linear in the text's length.
 */
const linkPattern = /\bhttps?:\/\/[^\s<>"'`\u0000-\u001f\u007f]+/giu;
/** Punctuation that ends a sentence rather than the link ("see https://example.org."). */
const trailingPunctuation = '.,;:!?)]}';

/** The longest message text that is searched for links; longer texts are shown as plain text. */
const maxLinkifyChars = 20_000;

/**
 * Splits text into plain parts and links. A link is only ever http: or https: (checked again by the URL parser,
 * so `javascript:` or a mangled scheme cannot get through), shown exactly as written.
 */
export function splitLinks(text: string): TextPart[] {
  if (typeof text !== 'string') return [{ text: '' }];
  if (text.length > maxLinkifyChars || !/https?:\/\//i.test(text)) return [{ text }];
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(linkPattern)) {
    const candidate = trimLinkEnd(match[0]);
    const href = safeHref(candidate);
    if (!href) continue;
    const start = match.index ?? 0;
    if (start > last) parts.push({ text: text.slice(last, start) });
    parts.push({ href, text: candidate });
    last = start + candidate.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts.length ? parts : [{ text }];
}

/**
 * The link without the sentence's punctuation after it. A closing bracket stays when the link opened one itself
 * (https://en.wikipedia.org/wiki/Tin_(element)). Counts are kept as it goes, so this is linear too.
 */
function trimLinkEnd(candidate: string): string {
  let opens = 0;
  let closes = 0;
  for (const ch of candidate) {
    if (ch === '(') opens++;
    else if (ch === ')') closes++;
  }
  let end = candidate.length;
  while (end > 0 && trailingPunctuation.includes(candidate[end - 1]!)) {
    if (candidate[end - 1] === ')') {
      if (opens >= closes) break;
      closes--;
    }
    end--;
  }
  return candidate.slice(0, end);
}

/** The URL to put in href, or undefined when it is not a valid http(s) URL. */
export function safeHref(candidate: string): string | undefined {
  try {
    const url = new URL(candidate);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}
