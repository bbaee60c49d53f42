/**
 * The attribute filters' SQL (src/analytics/attribute-filters.ts) against the reference
 * matcher (test/reference/filters.ts, written from the contract): random attribute
 * objects and event fields, random filters of every operator and type, whole result sets
 * compared. Runs on the embedded engine without ingest, so many cases stay cheap.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import {
  type AttributeFilter,
  eventValueResolver,
  FILTER_OPERATORS,
  FILTER_TYPES,
  filtersSql,
} from '../../src/analytics/attribute-filters.ts';
import { createAnalyticsClient } from '../../src/store/clickhouse/client.ts';
import { tempDir } from '../helpers/server.ts';
import type { RefAttributes } from '../reference/events.ts';
import { attributeText, matchesAll } from '../reference/filters.ts';

const ch = createAnalyticsClient({ dataDir: tempDir('cla-filters-'), queryTimeoutSeconds: 30 });
after(async () => {
  await ch.close();
});
before(async () => {
  await ch.query({ query: 'SELECT 1' });
});

const KEYS = ['plan', 'amount', 'paid', 'näme', 'a.b'];
const FIELD_KEYS = ['$channel_type', '$language', '$campaign_id', '$user_id', '$conversation_id', '$campaign_source'];
// Texts chosen to meet at the rules' edges: numbers written two ways, case, empty, signs.
const TEXTS = [
  '',
  '1',
  '1.0',
  '01',
  '+1',
  '-2',
  '1.5',
  '1e3',
  'abc',
  'ABC',
  'Abc d',
  'true',
  'True',
  'FALSE',
  'é',
  '.5',
  '1.',
  'x1',
];
const attrValue = fc.oneof(
  fc.constantFrom(...TEXTS),
  fc.constantFrom(0, 1, -2, 1.5, 1000, 0.5, 1e15, -1e-7),
  fc.boolean(),
);

interface Row {
  attributes: RefAttributes;
  fields: Record<string, string>;
}
const row: fc.Arbitrary<Row> = fc.record({
  attributes: fc.dictionary(fc.constantFrom(...KEYS), attrValue, { maxKeys: 4 }),
  fields: fc.record({
    $channel_type: fc.constantFrom('web', 'WEB', 'whatsapp'),
    $language: fc.constantFrom('en', 'nl'),
    $campaign_id: fc.constantFrom('', 'c1', 'C1'),
    $campaign_source: fc.constantFrom('', 'mail'),
    $user_id: fc.constantFrom('u1', 'u2'),
    $conversation_id: fc.constantFrom('', 'conv-1'),
  }),
});
const filter: fc.Arbitrary<AttributeFilter> = fc.record({
  key: fc.constantFrom(...KEYS, ...KEYS, ...FIELD_KEYS, 'missing'),
  operator: fc.constantFrom(...FILTER_OPERATORS),
  type: fc.constantFrom(...FILTER_TYPES),
  value: fc.array(fc.constantFrom(...TEXTS, 'web', 'c1', 'u1', 'conv-1', 'mail', 'en'), { minLength: 1, maxLength: 3 }),
});

async function sqlMatches(rows: Row[], filters: AttributeFilter[]): Promise<number[]> {
  const where = filtersSql(filters, 'f', eventValueResolver);
  const col = (name: string) => rows.map((r) => r.fields[name] ?? '');
  const rs = await ch.query({
    query: `SELECT i FROM (
              SELECT arrayJoin(range(length({docs:Array(String)}))) AS i,
                     {docs:Array(String)}[i + 1] AS attributes,
                     {ch:Array(String)}[i + 1] AS channel_type, {lang:Array(String)}[i + 1] AS language,
                     {cid:Array(String)}[i + 1] AS campaign_id, {csrc:Array(String)}[i + 1] AS campaign_source,
                     {uid:Array(String)}[i + 1] AS user_id, {conv:Array(String)}[i + 1] AS conversation_id)
            WHERE ${where.sql} ORDER BY i`,
    query_params: {
      ...where.params,
      docs: rows.map((r) => JSON.stringify(r.attributes)),
      ch: col('$channel_type'),
      lang: col('$language'),
      cid: col('$campaign_id'),
      csrc: col('$campaign_source'),
      uid: col('$user_id'),
      conv: col('$conversation_id'),
    },
    format: 'JSONEachRow',
  });
  return (await rs.json<{ i: number }>()).map((r) => Number(r.i));
}

function refMatches(rows: Row[], filters: AttributeFilter[]): number[] {
  const out: number[] = [];
  rows.forEach((r, i) => {
    const textOf = (key: string) => (key.startsWith('$') ? (r.fields[key] ?? '') : attributeText(r.attributes, key));
    if (matchesAll(textOf, filters)) out.push(i);
  });
  return out;
}

test('filters in SQL select exactly the rows the reference selects', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(row, { minLength: 1, maxLength: 25 }),
      fc.array(filter, { minLength: 0, maxLength: 3 }),
      async (rows, filters) => {
        assert.deepEqual(await sqlMatches(rows, filters), refMatches(rows, filters));
      },
    ),
    { numRuns: 300 },
  );
});

test('hand-picked cases of the contract', async () => {
  const rows: Row[] = [
    { attributes: { n: 1 }, fields: {} },
    { attributes: { n: '1.0' }, fields: {} },
    { attributes: { n: '' }, fields: {} },
    { attributes: {}, fields: {} },
    { attributes: { n: true }, fields: {} },
    { attributes: { n: 'ABC' }, fields: {} },
  ];
  const f = (operator: string, type: string, value: string[]) =>
    ({ key: 'n', operator, type, value }) as AttributeFilter;
  // string: exact JSON text, so the number 1 equals "1" but not "1.0".
  assert.deepEqual(await sqlMatches(rows, [f('eq', 'string', ['1'])]), [0]);
  // number: "1.0" equals "1".
  assert.deepEqual(await sqlMatches(rows, [f('eq', 'number', ['1'])]), [0, 1]);
  // not set ('' or absent) matches only neq / not_contains / is_not_set.
  assert.deepEqual(await sqlMatches(rows, [f('neq', 'string', ['1'])]), [1, 2, 3, 4, 5]);
  assert.deepEqual(await sqlMatches(rows, [f('is_not_set', 'string', [])]), [2, 3]);
  assert.deepEqual(await sqlMatches(rows, [f('contains', 'string', ['b'])]), [5]);
  assert.deepEqual(await sqlMatches(rows, [f('eq', 'boolean', ['TRUE'])]), [4]);
  assert.deepEqual(await sqlMatches(rows, [f('gte', 'number', ['1'])]), [0, 1]);
  // A bound that is not a number never matches.
  assert.deepEqual(await sqlMatches(rows, [f('gt', 'number', ['abc'])]), []);
});
