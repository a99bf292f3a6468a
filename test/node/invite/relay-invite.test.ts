// An invite's relay records (invite-code.ts ids 2 relay-alias and 3 relay; docs/relays.md "One code for a first
// contact"): what the inviter puts in comes back exactly, an invite without them is byte for byte what it was, a
// version-1 decoder that knows neither id still reads the rest, and hostile records get CODE_NOT_TINCAN.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isTincanError, type ErrorCode } from '../../../src/errors';
import { codeBits, codeBytes, decodeCode, encodeCode, maxCodeChars, type DecodedCode } from '../../../src/invite/invite-code';
import type { SessionFields } from '../../../src/invite/sdp';
import { bitsOf, payloadOf, seal } from '../../unit/invite/code-bits';

const fields: SessionFields = {
  fingerprint: Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff),
  candidates: [{ type: 'host', address: '192.168.1.20', port: 51234 }],
};
const alias = Uint8Array.from({ length: 32 }, (_, i) => 255 - i * 3);
const invite = (addresses: string[], key = alias): DecodedCode => ({ kind: 'invite', fields, relay: { alias: key, addresses } });

/** The TincanError code `run` throws, if any. */
const errorCode = (run: () => unknown): ErrorCode | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    if (isTincanError(error)) return error.code;
    throw error;
  }
};
const errorOf = (text: string) => errorCode(() => decodeCode(text));
const encodeError = (code: DecodedCode) => errorCode(() => encodeCode(code));

// Records written by hand after the layout in invite-code.ts's header.
const header = () => payloadOf({ kind: 'invite', fields }).slice(0, 260);
const host = () => payloadOf({ kind: 'invite', fields }).slice(260);
const bytesBits = (bytes: ArrayLike<number>) => Array.from(bytes).flatMap((b) => bitsOf(b, 8));
const record = (id: number, payload: number[]) => [1, 0, 1, 1, ...bitsOf(id, 4), ...bitsOf(payload.length, 8), ...payload];
const aliasRecords = (key: ArrayLike<number> = alias) => [...record(2, bytesBits(Array.from(key).slice(0, 31))), ...record(2, bytesBits(Array.from(key).slice(31)))];
const relayRecord = (text: string) => record(3, bytesBits(new TextEncoder().encode(text)));

describe('invite relay records', () => {
  it('give back the alias and the addresses; wss:// is left out of the code and put back', () => {
    for (const addresses of [['wss://relay.damus.io'], ['ws://127.0.0.1:40000', 'wss://nos.lol/path?x=1'], ['WSS://Upper.example']]) {
      assert.deepEqual(decodeCode(encodeCode(invite(addresses))), invite(addresses));
    }
    assert.ok(codeBits(invite(['wss://relay.damus.io'])) < codeBits(invite(['ws://relay.damus.io'])), 'the implied scheme costs nothing');
  });

  it('cost what the header says: 93 B / 149 characters with wss://relay.damus.io, 99 B / 159 with the tests\' relay', () => {
    const plain: DecodedCode = { kind: 'invite', fields };
    assert.deepEqual([codeBytes(plain), encodeCode(plain).length], [41, 66]);
    assert.equal(codeBits(invite(['wss://relay.damus.io'])) - codeBits(plain), 288 + 16 + 8 * 'relay.damus.io'.length);
    assert.deepEqual([codeBits(invite(['wss://relay.damus.io'])), codeBytes(invite(['wss://relay.damus.io'])), encodeCode(invite(['wss://relay.damus.io'])).length], [744, 93, 149]);
    assert.deepEqual([codeBits(invite(['ws://127.0.0.1:40000'])), codeBytes(invite(['ws://127.0.0.1:40000'])), encodeCode(invite(['ws://127.0.0.1:40000'])).length], [792, 99, 159]);
  });

  it('carry addresses longer than one record (31 bytes), and exactly 31 with an empty record after', () => {
    for (const host of ['a'.repeat(25), 'b'.repeat(31), 'c'.repeat(62), 'd'.repeat(70)]) {
      const addresses = [`wss://${host}`];
      assert.deepEqual(decodeCode(encodeCode(invite(addresses))).relay, invite(addresses).relay, host.length.toString());
    }
  });

  it('leave an invite without relays as it was, and are skipped by a decoder that knows neither id', () => {
    const plain: DecodedCode = { kind: 'invite', fields };
    assert.deepEqual(payloadOf(plain), [...header(), ...bitsOf(0, 4), ...bitsOf(0xc0a80114, 32), ...bitsOf(51234, 16)], 'header and the candidate, nothing else');
    assert.equal('relay' in decodeCode(encodeCode(plain)), false);
    // A version-1 decoder from before these ids skips them as it skips any unassigned id: renumbered to 9 and 10,
    // this decoder reads the code exactly as that one does.
    const renumbered = [...header(), ...record(9, bytesBits(alias.slice(0, 31))), ...record(9, bytesBits(alias.slice(31))), ...record(10, bytesBits(new TextEncoder().encode('relay.damus.io'))), ...host()];
    assert.deepEqual(decodeCode(seal(renumbered)), plain);
    // And the records are where the encoder puts them: right after the header, before the candidates.
    assert.deepEqual(payloadOf(invite(['wss://relay.damus.io'])), [...header(), ...aliasRecords(), ...relayRecord('relay.damus.io'), ...host()]);
  });

  it('CODE_NOT_TINCAN for relay records no encoder makes', () => {
    const hostile: [string, number[]][] = [
      ['an alias without a relay', [...header(), ...aliasRecords(), ...host()]],
      ['a relay without an alias', [...header(), ...relayRecord('relay.damus.io'), ...host()]],
      ['two aliases', [...header(), ...aliasRecords(), ...aliasRecords(), ...relayRecord('r.example'), ...host()]],
      ['a 31-byte alias', [...header(), ...record(2, bytesBits(alias.slice(0, 31))), ...record(2, []), ...relayRecord('r.example'), ...host()]],
      ['a 33-byte alias', [...header(), ...record(2, bytesBits(alias.slice(0, 31))), ...record(2, bytesBits([1, 2])), ...relayRecord('r.example'), ...host()]],
      ['a full chunk not continued', [...header(), ...record(2, bytesBits(alias.slice(0, 31))), ...host()]],
      ['a chunk continued by another id', [...header(), ...record(2, bytesBits(alias.slice(0, 31))), ...record(3, bytesBits([1])), ...relayRecord('r.example'), ...host()]],
      ['a value not in whole bytes', [...header(), ...aliasRecords(), ...record(3, [...bytesBits(new TextEncoder().encode('r.example')), 1]), ...host()]],
      ['an empty address', [...header(), ...aliasRecords(), ...record(3, []), ...host()]],
      ['a space in an address', [...header(), ...aliasRecords(), ...relayRecord('r .example'), ...host()]],
      ['a control character', [...header(), ...aliasRecords(), ...relayRecord('r\u0000.example'), ...host()]],
      ['UTF-8 bytes', [...header(), ...aliasRecords(), ...relayRecord('rélay.example'), ...host()]],
      ['three relays', [...header(), ...aliasRecords(), ...relayRecord('a.example'), ...relayRecord('b.example'), ...relayRecord('c.example'), ...host()]],
      ['relay records in an answer', [...payloadOf({ kind: 'answer', fields }).slice(0, 260), ...aliasRecords(), ...relayRecord('r.example'), ...host()]],
    ];
    for (const [what, bits] of hostile) assert.equal(errorOf(seal(bits)), 'CODE_NOT_TINCAN', what);
    // Records cut off by the checksum: truncated, as any record.
    assert.equal(errorOf(seal([...header(), ...host(), ...record(2, bytesBits(alias.slice(0, 31))).slice(0, 100)])), 'CODE_TRUNCATED');
    // Anywhere in the code, as the other skippable records.
    assert.deepEqual(decodeCode(seal([...header(), ...host(), ...relayRecord('r.example'), ...aliasRecords()])).relay, { alias, addresses: ['wss://r.example'] });
  });

  it('are refused by the encoder when wrong, and a code too long for a QR code is refused as any', () => {
    assert.equal(encodeError({ kind: 'answer', fields, relay: { alias, addresses: ['wss://r.example'] } }), 'SDP_UNSUPPORTED');
    assert.equal(encodeError(invite(['wss://r.example'], alias.slice(1))), 'SDP_UNSUPPORTED');
    assert.equal(encodeError(invite([])), 'SDP_UNSUPPORTED');
    assert.equal(encodeError(invite(['wss://a.example', 'wss://b.example', 'wss://c.example'])), 'SDP_UNSUPPORTED');
    for (const bad of ['', 'wss://', 'wss://a b', 'wss://x://y', 'relay.example', 'wss://rélay.example']) {
      assert.equal(encodeError(invite([bad])), 'SDP_UNSUPPORTED', bad);
    }
    assert.equal(encodeError(invite([`wss://${'x'.repeat(maxCodeChars)}`])), 'CODE_TOO_LONG');
  });
});
