// fast-check arbitraries for invite/answer codes: valid DecodedCodes (anything encodeCode takes) and the
// hostile text, links and fragments the properties throw at the decoder.
import fc from 'fast-check';
import { formatIPv4, formatIPv6, formatMdnsName, uuidRandomBits } from '../../../src/invite/address';
import { codeChars, type DecodedCode, encodeCode, fingerprintPrefixBytes, maxCodeChars, maxInviteRelays, relayAliasBytes } from '../../../src/invite/invite-code';
import { type Candidate, candidateProblem, candidateTypes, type IceCredentials, type SessionFields } from '../../../src/invite/sdp';

const ipv4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map(formatIPv4);
const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map(formatIPv6);
const mdns = fc.bigInt({ min: 0n, max: (1n << BigInt(uuidRandomBits)) - 1n }).map(formatMdnsName);
/** Any address a code can hold; a few that matter for the usability rules come up often. */
export const anyAddress = fc.oneof(
  ipv4,
  ipv6,
  mdns,
  fc.constantFrom('0.0.0.0', '::', '127.0.0.1', '::1', '224.0.0.251', 'ff02::fb', '255.255.255.255', '10.0.0.1', 'fe80::1'),
);

const base64Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const iceString = (minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...base64Alphabet), minLength, maxLength });
// fc.record makes objects without a prototype; codes decode to plain ones, so rebuild plain objects.
const iceCredentials: fc.Arbitrary<IceCredentials> = fc
  .record({ ufrag: iceString(4, 40), pwd: iceString(22, 64) })
  .map(({ ufrag, pwd }) => ({ ufrag, pwd }));

const candidate: fc.Arbitrary<Candidate> = fc
  .record({
    type: fc.constantFrom(...candidateTypes),
    address: anyAddress,
    port: fc.integer({ min: 1, max: 0xffff }),
    related: fc.option(fc.record({ address: anyAddress, port: fc.integer({ min: 0, max: 0xffff }) }), { nil: undefined }),
  })
  .filter(({ type, address, port }) => candidateProblem({ type, address, port }) === undefined)
  .map(({ type, address, port, related }) =>
    type !== 'host' && related ? { type, address, port, relatedAddress: related.address, relatedPort: related.port } : { type, address, port },
  );

export const sessionFields: fc.Arbitrary<SessionFields> = fc
  .record({
    fingerprint: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    candidates: fc.array(candidate, { minLength: 1, maxLength: 4 }),
    ice: fc.option(iceCredentials, { nil: undefined }),
  })
  .map(({ ice, ...fields }) => (ice ? { ...fields, ice } : fields));

const prefix = fc.uint8Array({ minLength: fingerprintPrefixBytes, maxLength: fingerprintPrefixBytes });

/** An invite's relay records: an alias and one or two addresses (any printable ASCII after the scheme). */
const relayAddress = fc
  .tuple(fc.constantFrom('wss://', 'ws://', 'WSS://'), fc.string({ unit: fc.constantFrom(...'ab.-:/?=%~0129XZ'), minLength: 1, maxLength: 70 }))
  .filter(([, rest]) => !rest.includes('://'))
  .map(([scheme, rest]) => scheme + rest);
const inviteRelay = fc
  .record({ alias: fc.uint8Array({ minLength: relayAliasBytes, maxLength: relayAliasBytes }), addresses: fc.array(relayAddress, { minLength: 1, maxLength: maxInviteRelays }) })
  .map(({ alias, addresses }) => ({ alias, addresses }));

/** Every DecodedCode encodeCode takes (its text fits in maxCodeChars), extensions included. */
export const decodedCode: fc.Arbitrary<DecodedCode> = fc
  .record({
    fields: sessionFields,
    kind: fc.constantFrom('invite' as const, 'answer' as const),
    extension: fc.option(prefix, { nil: undefined }),
    relay: fc.option(inviteRelay, { nil: undefined }),
  })
  .map(({ fields, kind, extension, relay }): DecodedCode => {
    const withRelay = kind === 'invite' && relay ? { relay } : {};
    if (!extension) return { kind, fields, ...withRelay };
    return kind === 'answer' ? { kind, fields, inReplyTo: extension } : { kind, fields, reconnectFor: extension, ...withRelay };
  })
  .filter((code) => codeChars(code) <= maxCodeChars);

/** Characters that mean something to normalizeCode, codeFromFragment or decodeCode, and some that mean nothing. */
const telling = [
  ..."0123456789ABCDEFGHJKMNPQRSTVWXYZabcxyzILOUilou#:%/.,;!?…'\"`<>()[]{}«»“”‘’- \n\t\u00a0\u200b\u200d\ufeff\u2212",
  '%E0', '%A4', '%2', '%25', '%23', '%3A', '%22', '%20', '%E2%80%8B', '%FF', '%C3%A9', 'ß', 'ı', 'ǅ', 'ﬁ', '😀', '\ud800', '\udc00',
  'https://x.example/t/#', 'Code: ',
];
const tellingText = (maxLength: number) => fc.string({ unit: fc.constantFrom(...telling), maxLength });

/** One piece repeated up to `maxTimes`: the shape of inputs built to make a scanner slow. */
const runOf = (maxTimes: number) =>
  fc.tuple(fc.constantFrom(...telling, "''", '#:', ' -', "'x"), fc.integer({ min: 0, max: maxTimes })).map(([piece, times]) => piece.repeat(times));

/**
 * Hostile text: arbitrary Unicode (lone surrogates included), telling characters, long runs around and past
 * maxPastedChars, and a valid code with any of these around it.
 */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  tellingText(600),
  fc.tuple(runOf(6000), tellingText(20), runOf(6000)).map((parts) => parts.join('')),
  fc.tuple(tellingText(30), decodedCode, tellingText(30)).map(([before, code, after]) => before + encodeCode(code) + after),
);
