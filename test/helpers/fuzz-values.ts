/**
 * Catalogues of bad values for the document-driven fuzz (test/hardening/fuzz-operations.test.ts).
 *
 * Each bad value carries what the contract lets the service answer:
 * - `reject`: the value is invalid → a 4xx with the envelope, nothing stored;
 * - `accept`: the contract says the value is coerced/ignored (page_size > 100, a repeated
 *   scalar whose first value is valid, an unknown query parameter) → a 2xx;
 * - `either`: the contract is silent (free text filters, unicode in a description) → a 2xx
 *   matching the response schema, or a 4xx with the envelope; never a 5xx.
 */
import fc from 'fast-check';
import { IANAZone } from 'luxon';

export type Expect = 'reject' | 'accept' | 'either';

/** What a parameter or body field means, which decides which values are bad. */
export type Kind =
  | { t: 'enum'; values: readonly string[] }
  | { t: 'time' }
  | { t: 'timezone' }
  | { t: 'int' }
  | { t: 'token' }
  | { t: 'list' }
  | { t: 'text' }
  | { t: 'teamGroup'; values: readonly string[] }
  | { t: 'pathId' }
  | { t: 'steps' };

/** A query or path value: already percent-encoded text (so invalid UTF-8 can be sent). */
export interface RawBad {
  label: string;
  /** One value, or several for a repeated parameter. */
  raw: string | string[];
  /** Sent as `name[0]=…` (the indexed array form the flows route accepts). */
  indexed?: boolean;
  expect: Expect;
}

const enc = encodeURIComponent;
const HUGE = 'x'.repeat(10_000);

/** Values that are wrong for any typed parameter, encoded for a URL. */
const GENERIC_RAW: readonly { label: string; raw: string }[] = [
  { label: 'huge', raw: HUGE },
  { label: 'control chars', raw: '%00%01%07%0A%1B%7F' },
  { label: 'unicode', raw: enc('ünï😀\u202e') },
  { label: 'lone surrogate (as UTF-8)', raw: '%ED%A0%80' },
  { label: 'invalid UTF-8', raw: '%FF%FE%C0%AF' },
  { label: 'broken escape', raw: '%zz%' },
  { label: 'NaN', raw: 'NaN' },
  { label: 'Infinity', raw: 'Infinity' },
  { label: '-Infinity', raw: '-Infinity' },
  { label: 'negative', raw: '-1' },
  { label: 'overflow', raw: '1e309' },
  { label: 'int64 overflow', raw: '9223372036854775808' },
  { label: 'fraction', raw: '1.5' },
  { label: 'json object', raw: enc('{"a":1}') },
  { label: 'json array', raw: enc('[1,2]') },
  { label: 'sql', raw: enc("' OR 1=1 --") },
  { label: 'ch param', raw: enc('{bot:String}') },
  { label: 'blank', raw: '%20' },
];

const looksNumeric = (text: string): boolean => {
  const decoded = safeDecode(text);
  return decoded !== undefined && decoded.trim() !== '' && Number.isFinite(Number(decoded));
};

function safeDecode(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** Expectation of a generic value for a parameter of `kind` (required or not). */
function genericExpect(kind: Kind, raw: string, required: boolean): Expect {
  switch (kind.t) {
    case 'list':
    case 'text':
    case 'steps':
      return 'either';
    case 'int':
      // Ajv coerces numeric spellings ('0x10', '9223372036854775808'); only
      // non-numbers, negatives and fractions are certainly wrong.
      // A blank value is coerced like an empty one (absent / 0): the contract does not say.
      if (safeDecode(raw)?.trim() === '') return 'either';
      if (!looksNumeric(raw)) return 'reject';
      return Number(safeDecode(raw)) < 0 || !Number.isInteger(Number(safeDecode(raw))) ? 'reject' : 'either';
    case 'teamGroup':
      // Items are trimmed and empty ones dropped: a blank list is no grouping (reading 20).
      return safeDecode(raw)?.trim() === '' ? 'accept' : 'reject';
    case 'token':
    case 'enum':
    case 'time':
    case 'timezone':
    case 'pathId':
      return 'reject';
  }
  return required ? 'reject' : 'either';
}

function specificRaw(kind: Kind): RawBad[] {
  switch (kind.t) {
    case 'enum': {
      const v = kind.values[0] ?? 'x';
      return [
        {
          label: 'enum lower case',
          raw: enc(v.toLowerCase() === v ? v.toUpperCase() : v.toLowerCase()),
          expect: 'reject',
        },
        { label: 'enum padded', raw: enc(` ${v} `), expect: 'reject' },
        { label: 'enum list', raw: enc(kind.values.join(',')), expect: kind.values.length > 1 ? 'reject' : 'accept' },
        { label: 'enum unknown', raw: 'NOPE', expect: 'reject' },
        { label: 'enum 1m', raw: '1m', expect: kind.values.includes('1m') ? 'either' : 'reject' },
        { label: 'enum 2h', raw: '2h', expect: 'reject' },
        { label: 'enum NUL suffix', raw: `${enc(v)}%00`, expect: 'reject' },
      ];
    }
    case 'time':
      return [
        ...[
          '2026-02-30',
          '2026-13-01',
          '2026-11-01T25:00:00Z',
          '2026-11-01T00:00:00',
          '2026-11-01T00:00:60Z',
          '2026-11-01T00:00:00+25:00',
          '+275760-09-13T00:00:00Z',
          '1730000000',
          'yesterday',
          '2026-11-01T00:00:00Z/P1D',
          '2026-W44',
          '2026-11',
          '01/11/2026',
          '2026-11-01T00:00:00.1234567890Z',
        ].map((t) => ({ label: `bad date ${t}`, raw: enc(t), expect: 'reject' as const })),
        // Valid spellings whose range may be empty, reversed or too long: 4xx or 2xx.
        ...[
          '0000-01-01',
          '1970-01-01T00:00:00Z',
          '9999-12-31',
          '2026-11-01t00:00:00z',
          '2026-11-01 00:00:00+14:00',
        ].map((t) => ({ label: `edge date ${t}`, raw: enc(t), expect: 'either' as const })),
      ];
    case 'timezone':
      return [
        ...[
          'america/new_york',
          'EUROPE/PARIS',
          'UtC',
          'US/Pacific-New',
          'Mars/Olympus',
          'UTC+1',
          'UTC+25',
          '+25:00',
          'Etc/GMT+99',
          '../../etc/passwd',
          'Europe/Paris%00',
          'Local',
          'system',
        ].map((z) => ({ label: `bad zone ${z}`, raw: z.includes('%') ? z : enc(z), expect: 'reject' as const })),
        ...['Europe/Brussels', 'Asia/Kathmandu', 'Etc/GMT-14', 'Pacific/Chatham', 'UTC', 'Etc/UTC'].map((z) => ({
          label: `zone ${z}`,
          raw: enc(z),
          expect: 'accept' as const,
        })),
      ];
    case 'int':
      return [
        { label: 'above max', raw: '101', expect: 'accept' },
        { label: 'far above max', raw: '2147483648', expect: 'accept' },
        { label: 'beyond 2^53', raw: '9007199254740993', expect: 'accept' },
        { label: 'zero', raw: '0', expect: 'accept' },
        { label: 'minus zero', raw: '-0', expect: 'either' },
        { label: 'hex', raw: '0x10', expect: 'either' },
        { label: 'exponent', raw: '1e2', expect: 'either' },
        { label: 'trailing junk', raw: '10abc', expect: 'reject' },
        { label: 'int64 min', raw: '-9223372036854775808', expect: 'reject' },
      ];
    case 'token':
      return [
        { label: 'forged token', raw: 'eyJzIjoieCIsInAiOjF9.AAAA', expect: 'reject' },
        { label: 'dotted', raw: 'a.b.c', expect: 'reject' },
        { label: 'base64 json', raw: enc(Buffer.from('{"v":1,"rank":0}').toString('base64url')), expect: 'reject' },
        { label: 'cursor rank huge', raw: Buffer.from('{"v":1,"rank":1e400}').toString('base64url'), expect: 'reject' },
        { label: 'cursor rank float', raw: Buffer.from('{"v":1,"rank":1.5}').toString('base64url'), expect: 'reject' },
        { label: 'cursor neg', raw: Buffer.from('{"v":1,"rank":-1}').toString('base64url'), expect: 'reject' },
        {
          label: 'cursor proto',
          raw: Buffer.from('{"__proto__":{"v":1},"rank":1}').toString('base64url'),
          expect: 'reject',
        },
      ];
    case 'teamGroup':
      return [
        { label: 'field twice', raw: enc(`${kind.values[0]},${kind.values[0]}`), expect: 'reject' },
        { label: 'unknown field', raw: 'nope', expect: 'reject' },
        { label: 'all fields', raw: enc(kind.values.join(',')), expect: 'accept' },
        { label: 'padded fields', raw: enc(` ${kind.values[0]} , ${kind.values[1] ?? ''} `), expect: 'accept' },
        { label: 'only commas', raw: enc(',,,'), expect: 'accept' },
        { label: 'case', raw: enc((kind.values[0] ?? '').toUpperCase()), expect: 'reject' },
      ];
    case 'pathId':
      return [
        { label: 'dot dot', raw: '..', expect: 'reject' },
        { label: 'encoded slash', raw: '%2F', expect: 'reject' },
        { label: 'id 101 chars', raw: 'b'.repeat(101), expect: 'reject' },
        { label: 'id 128 chars', raw: 'b'.repeat(128), expect: 'reject' },
        { label: 'emoji', raw: enc('🤖'), expect: 'reject' },
        { label: 'percent', raw: '%', expect: 'reject' },
      ];
    case 'steps':
      return [
        { label: 'deep path', raw: Array.from({ length: 60 }, () => 'A'), expect: 'either' },
        { label: 'indexed path', raw: ['A', 'B'], indexed: true, expect: 'accept' },
        { label: 'empty step', raw: ['A', ''], expect: 'either' },
      ];
    case 'list':
      return [
        { label: 'many items', raw: enc(Array.from({ length: 2000 }, (_, i) => `c${i}`).join(',')), expect: 'accept' },
        { label: 'commas only', raw: enc(',,, ,'), expect: 'accept' },
      ];
    case 'text':
      return [];
  }
}

/** Random text, judged by a loose plausibility rule so a lucky valid value is not a failure. */
function randomRaw(kind: Kind, required: boolean): fc.Arbitrary<RawBad> {
  return fc.string({ unit: 'binary', maxLength: 40 }).map((s) => {
    const raw = enc(s.replace(/[\ud800-\udfff]/g, '?'));
    let expect: Expect = genericExpect(kind, raw, required);
    if (kind.t === 'enum' && kind.values.includes(s)) expect = 'accept';
    if (kind.t === 'timezone' && (s === '' || IANAZone.isValidZone(s))) expect = 'either';
    if (kind.t === 'time' && /\d{4}/.test(s)) expect = 'either';
    if (kind.t === 'token' && s === '') expect = 'either';
    if (kind.t === 'teamGroup') expect = 'either';
    if (s === '' && kind.t !== 'pathId') expect = required && kind.t !== 'text' ? 'reject' : 'either';
    return { label: 'random text', raw, expect };
  });
}

/** Every bad value for a parameter: generic, kind-specific, random, repeated forms. */
export function badRawValues(kind: Kind, required: boolean, valid: string | undefined): fc.Arbitrary<RawBad> {
  const fixed: RawBad[] = [
    ...GENERIC_RAW.map((g) => ({ ...g, expect: genericExpect(kind, g.raw, required) })),
    // An empty free-text path segment (a step id "") names nothing: zeros or a 4xx.
    { label: 'empty', raw: '', expect: kind.t === 'pathId' || (required && kind.t !== 'text') ? 'reject' : 'either' },
    ...specificRaw(kind),
  ];
  if (kind.t === 'pathId') return fc.oneof(fc.constantFrom(...fixed), randomRaw(kind, required));
  const repeated = fc.constantFrom(...fixed).chain((bad) => {
    if (Array.isArray(bad.raw) || valid === undefined) return fc.constant(bad);
    const scalar = bad.raw;
    // CONTRACT reading 11 (test/reference/README.md): a repeated scalar takes its first value;
    // filters (channel_type/language) take the union, so there only "either" is known.
    const listLike = kind.t === 'list' || kind.t === 'steps' || kind.t === 'text';
    return fc.constantFrom<RawBad>(
      { label: `repeated, bad first (${bad.label})`, raw: [scalar, valid], expect: listLike ? 'either' : bad.expect },
      { label: `repeated, valid first (${bad.label})`, raw: [valid, scalar], expect: listLike ? 'either' : 'accept' },
    );
  });
  return fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...fixed) },
    { weight: 2, arbitrary: randomRaw(kind, required) },
    { weight: 2, arbitrary: repeated },
  );
}

// ---- JSON body values ----

/** What a JSON body field is, which decides which values are bad. */
export type FieldKind =
  | 'string' // required, non-empty, capped string
  | 'optString' // optional capped string (null = absent)
  | 'freeString' // anything goes (echo's message) but the type
  | 'enum'
  | 'url'
  | 'secret'
  | 'stringList'
  | 'identifier'
  | 'timestamp'
  | 'unit' // number 0..1
  | 'duration' // number >= 0, bounded
  | 'bool'
  | 'attributes'
  | 'intent' // string or null, capped
  // Live-API bodies (CONTRACT-LIVE-API §2, §3):
  | 'rangeTime' // start_time / end_time in a body: RFC 3339 or a date
  | 'pageSize' // integer >= 0 (above the maximum is coerced)
  | 'timezone' // optional IANA name
  | 'breakdown' // optional key; "" = none
  | 'funnelSteps' // 1–20 {order, event_id, properties?}
  | 'filterList'; // optional list of Filter (CONTRACT-LIVE-API "Shared types")

export interface JsonBad {
  label: string;
  value: unknown;
  expect: Expect;
  /** Replace the whole field by removing it (value ignored). */
  remove?: boolean;
}

const nested = (depth: number): unknown => {
  let v: unknown = 'x';
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
};

const WRONG_TYPES: readonly { label: string; value: unknown }[] = [
  { label: 'number', value: 42 },
  { label: 'negative number', value: -1 },
  { label: 'fraction', value: 1.5 },
  { label: 'huge number', value: 1e308 },
  { label: 'true', value: true },
  { label: 'false', value: false },
  { label: 'empty array', value: [] },
  { label: 'empty object', value: {} },
  { label: 'nested object', value: nested(200) },
  { label: 'deep array', value: JSON.parse(`${'['.repeat(500)}${']'.repeat(500)}`) },
];

const STRINGS: readonly { label: string; value: string }[] = [
  { label: 'empty string', value: '' },
  { label: 'huge string', value: HUGE },
  { label: 'control chars', value: '\u0000\u0001\u0007\n\u001b\u007f-ctl' },
  { label: 'unicode', value: 'ünï😀\u202e\u0301' },
  { label: 'lone high surrogate', value: '\ud800' },
  { label: 'lone low surrogate', value: 'a\udc00b' },
  { label: 'NaN text', value: 'NaN' },
  { label: 'Infinity text', value: 'Infinity' },
  { label: 'sql text', value: "' OR 1=1 --" },
];

const isStringField = (k: FieldKind) =>
  k === 'string' || k === 'optString' || k === 'freeString' || k === 'intent' || k === 'secret';

/** Expectation of a wrong-typed or odd string value for a field of `kind`. */
function jsonExpect(kind: FieldKind, label: string, value: unknown, required: boolean): Expect {
  if (value === null) return required && kind !== 'intent' ? 'reject' : 'either';
  if (typeof value === 'string') {
    if (kind === 'freeString') return 'either';
    // Lone surrogates cannot be stored as UTF-8: accepting them would silently change the text.
    if (/[\ud800-\udfff]/.test(value.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))) return 'reject';
    if (value.length > 4096) return 'reject';
    if (value === '') return kind === 'string' || kind === 'identifier' || required ? 'reject' : 'either';
    if (kind === 'string' || kind === 'optString' || kind === 'intent' || kind === 'secret') return 'either';
    // A random text may happen to be a valid zone or key: judged by the service alone.
    if (kind === 'timezone' || kind === 'breakdown') return 'either';
    return 'reject';
  }
  // A JSON number/boolean/array/object where text is expected is a type error, not text.
  if (isStringField(kind)) return 'reject';
  if (kind === 'bool') return typeof value === 'boolean' ? 'either' : 'reject';
  if (kind === 'unit') return typeof value === 'number' && value >= 0 && value <= 1 ? 'either' : 'reject';
  if (kind === 'duration') return typeof value === 'number' && value >= 0 && value <= 86_400 ? 'either' : 'reject';
  if (kind === 'attributes' && label === 'empty object') return 'either';
  if (kind === 'pageSize')
    return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? 'either' : 'reject';
  if (kind === 'filterList' && label === 'empty array') return 'either';
  if (kind === 'stringList' && label === 'empty array') return 'either';
  return 'reject';
}

function specificJson(kind: FieldKind): JsonBad[] {
  switch (kind) {
    case 'funnelSteps':
      return [
        { label: 'step without event_id', value: [{ order: 1 }] },
        { label: 'step without order', value: [{ event_id: 'a' }] },
        { label: 'order as text', value: [{ order: '1', event_id: 'a' }] },
        { label: 'fractional order', value: [{ order: 1.5, event_id: 'a' }] },
        { label: 'empty event_id', value: [{ order: 1, event_id: '' }] },
        { label: 'huge event_id', value: [{ order: 1, event_id: HUGE }] },
        { label: 'step not object', value: ['a'] },
        { label: '21 steps', value: Array.from({ length: 21 }, (_, i) => ({ order: i, event_id: 'a' })) },
        { label: 'bad step filter', value: [{ order: 1, event_id: 'a', properties: [{ key: 'k', operator: 'is' }] }] },
      ].map((b) => ({ ...b, expect: 'reject' as const }));
    case 'url':
      return [
        'ftp://127.0.0.1/hook',
        'http://[::1',
        'https://user:pw@127.0.0.1/hook',
        'javascript:alert(1)',
        '//127.0.0.1/hook',
        'https://',
        `https://127.0.0.1/${'p'.repeat(2100)}`,
      ].map((value) => ({ label: `bad url ${value.slice(0, 30)}`, value, expect: 'reject' as const }));
    case 'secret':
      return [
        { label: 'short secret', value: 'short', expect: 'reject' },
        { label: 'whsec bad base64', value: 'whsec_!!!!', expect: 'reject' },
        { label: 'whsec too short', value: 'whsec_AAAA', expect: 'reject' },
      ];
    case 'stringList':
      return [
        { label: 'list of numbers', value: [1, 2], expect: 'reject' },
        { label: 'list with empty', value: ['a', ''], expect: 'reject' },
        { label: 'list with null', value: ['a', null], expect: 'reject' },
        { label: 'list with lone surrogate', value: ['\ud800'], expect: 'reject' },
        { label: 'list with huge', value: [HUGE], expect: 'reject' },
        { label: 'list too long', value: Array.from({ length: 1001 }, (_, i) => `n${i}`), expect: 'reject' },
        { label: 'string not list', value: 'signup', expect: 'reject' },
        { label: 'nested list', value: [['a']], expect: 'reject' },
      ];
    case 'identifier':
      return ['bad bot', '..x/', 'b'.repeat(129), '🤖', 'a\u0000b', 'tab\tid'].map((value) => ({
        label: `bad id ${value.slice(0, 12)}`,
        value,
        expect: 'reject' as const,
      }));
    case 'timestamp':
      return [
        '2026-02-30T00:00:00Z',
        '2026-11-01',
        '2026-11-01T00:00:00',
        '2999-01-01T00:00:00Z',
        '1969-12-31T23:59:59Z',
        '+275760-09-13T00:00:00Z',
        '2026-11-01T24:00:00Z',
      ].map((value) => ({ label: `bad timestamp ${value}`, value, expect: 'reject' as const }));
    case 'unit':
      return [
        { label: 'above 1', value: 1.0000001, expect: 'reject' },
        { label: 'below 0', value: -0.1, expect: 'reject' },
      ];
    case 'duration':
      return [
        { label: 'too long call', value: 1e308, expect: 'reject' },
        { label: 'a year', value: 31_536_000, expect: 'reject' },
        { label: 'max safe', value: Number.MAX_SAFE_INTEGER, expect: 'reject' },
        { label: 'an hour', value: 3600, expect: 'either' },
      ];
    case 'attributes':
      return [
        { label: 'nested attributes', value: { a: { b: 1 } }, expect: 'reject' },
        { label: 'array attribute', value: { a: [1] }, expect: 'reject' },
        { label: 'null attribute', value: { a: null }, expect: 'reject' },
        { label: 'huge attribute', value: { a: 'v'.repeat(20_000) }, expect: 'reject' },
        {
          label: 'many attributes',
          value: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])),
          expect: 'reject',
        },
        { label: 'huge key', value: { ['k'.repeat(5000)]: 1 }, expect: 'reject' },
        { label: 'lone surrogate key', value: { '\ud800': 1 }, expect: 'reject' },
        { label: 'proto key', value: JSON.parse('{"__proto__":{"x":1}}'), expect: 'reject' },
      ];
    case 'intent':
      return [{ label: 'huge intent', value: 'i'.repeat(100_000), expect: 'reject' }];
    case 'rangeTime':
      return ['2026-02-30T00:00:00Z', '2026-11-01T00:00:00', '2026-11-01T24:00:00Z', '2026-13-01', 'tomorrow'].map(
        (value) => ({ label: `bad time ${value}`, value, expect: 'reject' as const }),
      );
    case 'pageSize':
      return [
        { label: 'page size above max', value: 1000, expect: 'either' },
        { label: 'page size zero', value: 0, expect: 'either' },
        { label: 'page size text', value: '5', expect: 'reject' },
      ];
    case 'filterList': {
      const one = (f: Record<string, unknown>) => [f];
      return [
        { label: 'filter not object', value: ['x'], expect: 'reject' },
        { label: 'unknown operator', value: one({ key: 'a', operator: 'like', value: ['x'] }), expect: 'reject' },
        {
          label: 'unknown type',
          value: one({ key: 'a', operator: 'eq', type: 'date', value: ['x'] }),
          expect: 'reject',
        },
        { label: 'no value', value: one({ key: 'a', operator: 'eq' }), expect: 'reject' },
        { label: 'number value', value: one({ key: 'a', operator: 'eq', value: [1] }), expect: 'reject' },
        { label: 'no key', value: one({ operator: 'is_set' }), expect: 'reject' },
        { label: 'unknown $ key', value: one({ key: '$x', operator: 'is_set' }), expect: 'reject' },
        {
          label: 'lone surrogate value',
          value: one({ key: 'a', operator: 'eq', value: ['\ud800'] }),
          expect: 'reject',
        },
        { label: 'huge value', value: one({ key: 'a', operator: 'eq', value: [HUGE] }), expect: 'reject' },
        {
          label: '21 filters',
          value: Array.from({ length: 21 }, () => ({ key: 'a', operator: 'is_set' })),
          expect: 'reject',
        },
        {
          label: 'valid filter',
          value: one({ key: 'a', operator: 'gt', type: 'number', value: ['1'] }),
          expect: 'either',
        },
      ];
    }
    default:
      return [];
  }
}

/** Bad values for a JSON body field of `kind` (enum values give the valid set). */
export function badJsonValues(
  kind: FieldKind,
  required: boolean,
  enumValues: readonly string[] = [],
): fc.Arbitrary<JsonBad> {
  const fixed: JsonBad[] = [
    ...WRONG_TYPES.map((w) => ({ ...w, expect: jsonExpect(kind, w.label, w.value, required) })),
    ...STRINGS.map((s) => ({ ...s, expect: jsonExpect(kind, s.label, s.value, required) })),
    { label: 'null', value: null, expect: jsonExpect(kind, 'null', null, required) },
    { label: 'missing', value: undefined, remove: true, expect: required ? 'reject' : 'either' },
    ...specificJson(kind),
  ];
  if (kind === 'enum') {
    // The first value with letters: changing the case of "" (bot_version's "unset") is "" again.
    const v = enumValues.find((e) => e.toLowerCase() !== e.toUpperCase()) ?? 'x';
    fixed.push(
      { label: 'enum lower', value: v.toLowerCase() === v ? v.toUpperCase() : v.toLowerCase(), expect: 'reject' },
      { label: 'enum padded', value: ` ${v}`, expect: 'reject' },
      { label: 'enum in array', value: [v], expect: 'reject' },
    );
  }
  const random = fc.string({ unit: 'grapheme', maxLength: 30 }).map((s): JsonBad => {
    let expect = jsonExpect(kind, 'random', s, required);
    if (kind === 'enum' && enumValues.includes(s)) expect = 'accept';
    if (kind === 'secret' && s.length < 8 && s !== '') expect = 'reject';
    return { label: 'random text', value: s, expect };
  });
  return fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...fixed) }, { weight: 1, arbitrary: random });
}
