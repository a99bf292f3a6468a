// Invites (and one-code reconnects) this device answered and connected with, kept sealed in the vault so opening
// one again after a reload is told at once ("you already used this code") instead of tried for nothing: such a code
// cannot connect again (its inviter's page ended that invite). The newest maxAnsweredCodes are kept.
import type { SealedCollection } from './sealed-collection';

export const answeredCodesCollectionName = 'answered-codes';
export const maxAnsweredCodes = 64;
/** Longer than any code this version makes (a one-code reconnect is 76 characters). */
const maxCodeChars = 512;

interface AnsweredCode {
  readonly code: string;
  readonly at: number;
}

async function loadAll(collection: SealedCollection): Promise<{ id: string; value: AnsweredCode }[]> {
  const { records } = await collection.loadAll();
  return records
    .filter((r): r is { id: string; value: AnsweredCode } => {
      const v = r.value as Partial<AnsweredCode> | null;
      return typeof v === 'object' && v !== null && typeof v.code === 'string' && v.code.length <= maxCodeChars && Number.isSafeInteger(v.at);
    })
    .sort((a, b) => a.value.at - b.value.at);
}

/** The canonical texts of the codes answered before (oldest first). */
export async function loadAnsweredCodes(collection: SealedCollection): Promise<string[]> {
  return (await loadAll(collection)).map((r) => r.value.code);
}

/** Keeps `code` (canonical text) as answered at `at`; the oldest beyond maxAnsweredCodes go. */
export async function rememberAnsweredCode(collection: SealedCollection, code: string, at: number): Promise<void> {
  if (code.length > maxCodeChars) return;
  await collection.put(code, { code, at });
  const all = await loadAll(collection);
  for (const old of all.slice(0, Math.max(0, all.length - maxAnsweredCodes))) await collection.remove(old.id);
}
