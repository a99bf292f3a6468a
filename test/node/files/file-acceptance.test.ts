// The file-acceptance policy on its own: room checks, the auto-accept rule and its budget, and the person's
// auto-accept setting as a record (read back, or the default when missing or damaged).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  defaultAutoAcceptImageBytes,
  hasRoomFor,
  isAutoAcceptLimit,
  isAutoAccepted,
  keptIncomingBytes,
  loadAutoAcceptImageBytes,
  maxAutoAcceptImageBytes,
  roomMarginBytes,
  saveAutoAcceptImageBytes,
  type KeptTransfer,
} from '../../../src/chat/files/file-acceptance';
import type { CollectionPort } from '../../../src/chat/files/sealed-transfer-store';
import type { JsonValue } from '../../../src/crypto/vault';

function memoryCollection(): CollectionPort & { records: Map<string, unknown> } {
  const records = new Map<string, unknown>();
  return {
    records,
    loadAll: async () => ({ records: [...records].map(([id, value]) => ({ id, value })), skipped: 0 }),
    put: async (id: string, value: JsonValue) => void records.set(id, value),
    remove: async (id: string) => void records.delete(id),
  };
}

describe('file acceptance', () => {
  it('needs room for the file and the vault margin, and trusts a platform that does not say', () => {
    const figures = { usageBytes: 1_000, quotaBytes: 1_000 + 500 + roomMarginBytes };
    assert.equal(hasRoomFor(500, figures), true);
    assert.equal(hasRoomFor(501, figures), false);
    assert.equal(hasRoomFor(10 ** 12, undefined), true);
  });

  it('counts what a conversation keeps: accepted, moving and done files, and offers being auto-accepted', () => {
    const t = (fileId: string, state: KeptTransfer['state'], size: number, direction: 'in' | 'out' = 'in'): KeptTransfer => ({ fileId, state, size, direction });
    const transfers = [t('a', 'done', 1), t('b', 'transferring', 10), t('c', 'offered', 100), t('d', 'offered', 1_000), t('e', 'declined', 10_000), t('f', 'failed', 100_000), t('g', 'done', 1_000_000, 'out')];
    assert.equal(
      keptIncomingBytes(transfers, (id) => id === 'c'),
      111,
    );
  });

  it('accepts without asking only raster pictures within the limit and the budget', () => {
    const limits = { limitBytes: 5_000, keptBytes: 0, budgetBytes: 10_000 };
    assert.equal(isAutoAccepted({ size: 5_000, mime: 'image/png' }, limits), true);
    assert.equal(isAutoAccepted({ size: 5_001, mime: 'image/png' }, limits), false, 'over the limit');
    assert.equal(isAutoAccepted({ size: 10, mime: 'image/svg+xml' }, limits), false, 'never SVG');
    assert.equal(isAutoAccepted({ size: 10, mime: 'application/pdf' }, limits), false);
    assert.equal(isAutoAccepted({ size: 10, mime: 'image/webp' }, { ...limits, limitBytes: 0 }), false, '0: always ask');
    assert.equal(isAutoAccepted({ size: 4_000, mime: 'image/jpeg' }, { ...limits, keptBytes: 6_001 }), false, 'over the budget');
    assert.equal(isAutoAccepted({ size: 4_000, mime: 'image/jpeg' }, { ...limits, keptBytes: 6_000 }), true);
  });

  it('keeps the person\'s limit, and reads the default when none was saved or the record is not a limit', async () => {
    const settings = memoryCollection();
    assert.equal(await loadAutoAcceptImageBytes(settings), defaultAutoAcceptImageBytes);
    await saveAutoAcceptImageBytes(settings, 0);
    assert.equal(await loadAutoAcceptImageBytes(settings), 0);
    for (const bad of [-1, 1.5, maxAutoAcceptImageBytes + 1, '5', null]) {
      settings.records.set('auto-accept-images', { maxBytes: bad });
      assert.equal(await loadAutoAcceptImageBytes(settings), defaultAutoAcceptImageBytes, String(bad));
      assert.equal(isAutoAcceptLimit(bad), false);
    }
    assert.equal(isAutoAcceptLimit(maxAutoAcceptImageBytes), true);
  });
});
