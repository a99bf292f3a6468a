// lookAlikeKey (chat/confusable-names.ts): the synchronous key a group's member list compares names by. Before the
// confusables table loads it folds compatibility forms, invisible code points, case and spacing only; once loaded it
// is the full skeleton, and keys remembered before the load are not used after it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfusables, lookAlikeKey } from '../../../src/chat/confusable-names';

describe('lookAlikeKey', () => {
  it('folds width, case and invisible code points at once, and other scripts\' look-alikes once the table is loaded', async () => {
    const cyrillic = 'B\u043Eb'; // "Bоb" with a Cyrillic о
    assert.equal(lookAlikeKey('\uFF22o\u200Bb'), lookAlikeKey('bob'));
    assert.notEqual(lookAlikeKey(cyrillic), lookAlikeKey('Bob'), 'without the table a Cyrillic о is its own letter');
    await loadConfusables();
    assert.equal(lookAlikeKey(cyrillic), lookAlikeKey('Bob'), 'the key remembered before the load is not used after it');
    assert.equal(lookAlikeKey('\uFF22o\u200Bb'), lookAlikeKey('bob'));
    assert.notEqual(lookAlikeKey('Bob'), lookAlikeKey('Rob'));
  });
});
