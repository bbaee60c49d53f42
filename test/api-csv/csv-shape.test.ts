/**
 * The CSV shape is read from a 200 schema, so an operation added to the document gets CSV
 * with no new code: shown here on a made-up document. Also the encoding's edge cases and
 * the Accept parsing, without a server.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toCsv } from '../../src/api/csv.ts';
import { csvFileName, csvOperations, prefersCsv } from '../../src/api/csv-negotiation.ts';
import { addCsvContent, type CsvShape } from '../../src/api/csv-shape.ts';
import type { OpenApiDocument } from '../../src/api/openapi.ts';

const ok = (ref: string) => ({
  '200': { description: 'ok', content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } },
});

function madeUpDocument(): OpenApiDocument {
  return {
    openapi: '3.0.3',
    info: {},
    paths: {
      '/v1/bots/{bot_id}/widgets': {
        get: { operationId: 'Analytics_ListWidgets', responses: ok('Widgets') },
        // A write (its scope in scopes.ts is admin) with a row-list answer.
        post: { operationId: 'Analytics_CreateEventDefinition', responses: ok('Widgets') },
      },
      '/v1/bots/{bot_id}/widget': { get: { operationId: 'Analytics_GetWidget', responses: ok('Widget') } },
      '/v1/who': { get: { operationId: 'Analytics_GetTokenInfo', responses: ok('Who') } },
    },
    components: {
      schemas: {
        Widgets: {
          type: 'object',
          properties: {
            widgets: { type: 'array', items: { $ref: '#/components/schemas/Widget' } },
            next_page_token: { type: 'string' },
          },
        },
        Widget: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            size: { type: 'integer' },
            owner: { type: 'object', properties: { id: { type: 'string' }, admin: { type: 'boolean' } } },
            tags: { type: 'array', items: { type: 'string' } },
            labels: { type: 'object', additionalProperties: { type: 'string' } },
          },
        },
        Who: { type: 'object', properties: { id: { type: 'string' }, scopes: { type: 'array', items: {} } } },
      },
    },
  };
}

describe('shapes from the document', () => {
  test('a new row-list GET gets CSV; a POST write and a non-row answer do not', () => {
    const doc = madeUpDocument();
    const ops = csvOperations(doc);
    // GetWidget answers one object that is not all scalars (tags, owner): no CSV.
    assert.deepEqual([...ops.keys()], ['Analytics_ListWidgets']);
    const list = ops.get('Analytics_ListWidgets');
    assert.equal(list?.kind, 'rows');
    const answer = {
      widgets: [
        { name: 'a,b', size: -3, owner: { id: 'o"1', admin: true }, tags: ['x', 'y'], labels: { k: 'v' } },
        { name: '=SUM(A1)', size: 0.5 },
      ],
      next_page_token: 'ignored',
    };
    assert.equal(
      toCsv(list as NonNullable<typeof list>, answer),
      'name,size,owner.id,owner.admin,tags,labels\r\n' +
        '"a,b",-3,"o""1",true,"[""x"",""y""]","{""k"":""v""}"\r\n' +
        '=SUM(A1),0.5,,,,\r\n',
    );
    addCsvContent(doc);
    const content = doc.paths['/v1/bots/{bot_id}/widgets']?.get?.responses['200']?.content ?? {};
    assert.deepEqual(Object.keys(content), ['application/json', 'text/csv']);
    assert.match(String(content['text/csv']?.schema?.description), /`owner\.id`/);
    assert.equal(doc.paths['/v1/bots/{bot_id}/widgets']?.post?.responses['200']?.content?.['text/csv'], undefined);
  });

  test('series: x then the labels, a row per x value; an empty list is the header alone', () => {
    const series = { kind: 'series' } as const;
    const answer = {
      data: {
        series: [{ values: [1, 2] }, { values: [3, 4] }],
        series_labels: ['web', 'a "b"'],
        x_values: ['2026-12-01T00:00:00+01:00', '2026-12-02T00:00:00+01:00'],
      },
    };
    assert.equal(
      toCsv(series, answer),
      'x,web,"a ""b"""\r\n2026-12-01T00:00:00+01:00,1,3\r\n2026-12-02T00:00:00+01:00,2,4\r\n',
    );
    assert.equal(toCsv(series, { data: { series: [], series_labels: [], x_values: [] } }), 'x\r\n');
    const rows: CsvShape = { kind: 'rows', rows: 'steps', columns: [{ header: 'id', path: ['id'] }] };
    assert.equal(toCsv(rows, { steps: [] }), 'id\r\n');
  });

  test('file names: the operation without its verb, then the path values, safe characters only', () => {
    assert.equal(csvFileName('Analytics_GetConversations', { bot_id: 'b1' }), 'conversations-b1');
    assert.equal(
      csvFileName('Analytics_GetFlowStepEdgesV2', { bot_id: 'b1', step_id: 'a b/"c"' }),
      'flow-step-edges-v2-b1-a_b_c_',
    );
    assert.equal(csvFileName('Analytics_ComputeEventsFunnel', { bot_id: 'b' }), 'events-funnel-b');
  });
});

describe('Accept', () => {
  const cases: [string | undefined, boolean][] = [
    [undefined, false],
    ['', false],
    ['*/*', false],
    ['text/csv', true],
    ['text/csv;q=0.9, application/json;q=0.5', true],
    ['application/json, text/csv;q=0.1', false],
    ['application/*;q=0.2, text/csv;q=0.3', true],
    ['text/csv;q=1.0, application/json;q=1', false],
    ['text/csv;q=0.001', true],
    ['text/csv;q=1.5', false],
    ['text/csv;level=1;q=0.8, */*;q=0.7', true],
    ['text/plain, text/csv;q=0.2, application/json;q=0.1', true],
    [' text/csv ; q=0.6 , application/json ; q=0.4 ', true],
    ['garbage', false],
  ];
  for (const [accept, csv] of cases) {
    test(`${JSON.stringify(accept)} → ${csv ? 'CSV' : 'JSON'}`, () => assert.equal(prefersCsv(accept), csv));
  }
});
