/**
 * Issue 11, "CSV": every series and row-list read answers `text/csv` for `Accept: text/csv`,
 * and the CSV equals the JSON answer of the same request, cell for cell. Requests come from
 * the served document (the fuzz's valid request of each operation) plus richer variants.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { derefSchema, HTTP_METHODS, type OpenApiDocument } from '../../src/api/openapi.ts';
import { parseCsvStrict } from '../helpers/csv.ts';
import { validRequest } from '../helpers/fuzz-cases.ts';
import { type FuzzOperation, fuzzOperations } from '../helpers/fuzz-doc.ts';
import { type SeededTeam, seedTeam } from '../helpers/fuzz-seed.ts';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';

const TEAM = 'csv-team';
const BOT = 'csv-bot';
/** Values that need quoting in CSV: a comma, quotes, a line break. */
const TRICKY_INTENT = 'say "hi", then\r\nbye';
const TRICKY_PLAN = 'pro, "gold"\nplus';

let srv: TestServer;
let seed: SeededTeam;
let doc: OpenApiDocument;

type Obj = Record<string, unknown>;
interface Req {
  method: string;
  url: string;
  body?: string;
}

before(async () => {
  // Private targets allowed: the subscription's challenge to a closed loopback port is
  // attempted (and fails), so its deliveries list has a row.
  srv = await startTestServer({ webhookAllowPrivateTargets: true });
  seed = await seedTeam(srv, TEAM, BOT);
  const at = new Date(Date.parse(seed.start) + 86_400_000 + 3_600_000).toISOString();
  const common = { team_id: TEAM, bot_id: BOT, version: 'LIVE', user_id: 'u9', channel_type: 'web', timestamp: at };
  const res = await ingest(srv.url, seed.token, [
    { type: 'message', ...common, direction: 'user', kind: 'text', intent: TRICKY_INTENT },
    { type: 'tracking', ...common, event: 'signup', attributes: { plan: TRICKY_PLAN, seats: 1 } },
    { type: 'kb_query', ...common, answered: true, tags: ['billing', 'card, "gold"'] },
  ]);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const served = await api(`${srv.url}/openapi.json`, undefined);
  doc = served.body as OpenApiDocument;
  // Wait for the challenge attempt of the seeded subscription (the deliveries' row).
  const deliveries = `${srv.url}/v1/bots/${BOT}/subscriptions/${seed.subscriptionId}/deliveries`;
  for (let i = 0; i < 100; i++) {
    const d = await api(deliveries, seed.token);
    if (((d.body as { attempts?: unknown[] }).attempts ?? []).length > 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
});
after(async () => {
  await srv?.close();
});

async function send(req: Req, accept?: string): Promise<Response> {
  return fetch(`${srv.url}${req.url}`, {
    method: req.method,
    headers: {
      authorization: `Bearer ${seed.token}`,
      ...(accept === undefined ? {} : { accept }),
      ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(req.body === undefined ? {} : { body: req.body }),
  });
}

/** Operations whose served 200 response lists text/csv. */
function csvOperationIds(d: OpenApiDocument): Set<string> {
  const ids = new Set<string>();
  for (const ops of Object.values(d.paths))
    for (const op of Object.values(ops)) if (op.responses['200']?.content?.['text/csv']) ids.add(op.operationId);
  return ids;
}

function jsonSchemaOf(d: OpenApiDocument, operationId: string): Obj {
  for (const ops of Object.values(d.paths))
    for (const op of Object.values(ops))
      if (op.operationId === operationId)
        return derefSchema(d, op.responses['200']?.content?.['application/json']?.schema ?? {}) as Obj;
  throw new Error(`no operation ${operationId}`);
}

const props = (s: unknown): [string, Obj][] =>
  Object.entries(((s as Obj | undefined)?.properties ?? {}) as Record<string, Obj>);
const isRowList = (s: Obj): boolean => s.type === 'array' && props(s.items).length > 0;

/** Where the rows are in the answer (test's own reading of the schema). */
function rowsOf(schema: Obj, body: Obj): { rows: unknown[]; item: Obj } {
  const lists = props(schema).filter(([, s]) => isRowList(s));
  if (lists.length === 0) return { rows: [body], item: schema };
  assert.equal(lists.length, 1, 'one array of objects per answer');
  const [key, list] = lists[0] as [string, Obj];
  const item = list.items as Obj;
  const inner = props(item);
  const [innerKey, innerList] = inner[0] ?? [];
  if (inner.length === 1 && innerKey && innerList && isRowList(innerList)) {
    const rows = ((body[key] ?? []) as Obj[]).flatMap((g) => (g[innerKey] ?? []) as unknown[]);
    return { rows, item: innerList.items as Obj };
  }
  return { rows: (body[key] ?? []) as unknown[], item };
}

/** Field paths of a row schema in order, objects with fields flattened. */
function leafPaths(item: Obj, prefix: string[] = []): string[][] {
  return props(item).flatMap(([k, s]) => (props(s).length > 0 ? leafPaths(s, [...prefix, k]) : [[...prefix, k]]));
}

const text = (v: unknown): string =>
  v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
const at = (row: unknown, path: string[]): unknown => path.reduce<unknown>((n, k) => (n as Obj | undefined)?.[k], row);

/** The leaves present in a JSON row (plain objects descended into), as dotted names. */
function presentLeaves(row: unknown, prefix = ''): string[] {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) return [prefix];
  const entries = Object.entries(row as Obj);
  return entries.flatMap(([k, v]) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length > 0
      ? presentLeaves(v, `${prefix}${k}.`)
      : [`${prefix}${k}`],
  );
}

/** The CSV table the JSON answer must give (from the test's reading of the schema). */
function expectedTable(operationId: string, body: Obj): string[][] {
  const schema = jsonSchemaOf(doc, operationId);
  const data = body.data as Obj | undefined;
  if (data && Array.isArray(data.series)) {
    const series = data.series as { values: number[] }[];
    const labels = data.series_labels as string[];
    assert.equal(labels.length, series.length);
    return [
      ['x', ...labels],
      ...(data.x_values as string[]).map((x, i) => [x, ...series.map((s) => text(s.values[i]))]),
    ];
  }
  const { rows, item } = rowsOf(schema, body);
  const paths = leafPaths(item);
  const header = paths.map((p) => p.join('.'));
  for (const row of rows)
    for (const leaf of presentLeaves(row)) assert.ok(header.includes(leaf), `${operationId}: ${leaf} has no column`);
  return [header, ...rows.map((row) => paths.map((p) => text(at(row, p))))];
}

/** Richer requests than the fuzz's valid one: groups, breakdowns, a tricky value. */
function variants(op: FuzzOperation): Req[] {
  const range = { start_time: seed.start, end_time: seed.end };
  const q = (extra: Record<string, string>) => new URLSearchParams({ version: 'LIVE', ...range, ...extra }).toString();
  const base = `/v1/bots/${BOT}`;
  const funnel = (steps: string[], breakdown?: string) =>
    JSON.stringify({
      version: 'LIVE',
      ...range,
      steps: steps.map((event_id, i) => ({ order: i + 1, event_id })),
      ...(breakdown ? { breakdown_property: breakdown } : {}),
    });
  switch (op.operationId) {
    case 'Analytics_GetConversations':
      return [{ method: 'GET', url: `${base}/conversations?${q({ group_by: 'channel_type', time_bucket: 'DAY' })}` }];
    case 'Analytics_GetMessages':
      return [{ method: 'GET', url: `${base}/messages?${q({ time_bucket: 'DAY' })}` }];
    case 'Analytics_GetFlowStepEdges':
      return [{ method: 'GET', url: `/v1/bots/${BOT}/LIVE/flows/A/edges?${q({ type: 'targets' })}` }];
    case 'Analytics_GetFlowStepEdgesV2':
      return [{ method: 'GET', url: `${base}/flows/B/edges?${q({ type: 'sources' })}` }];
    case 'Analytics_ListEvents':
      return [{ method: 'GET', url: `${base}/events/stream?${q({ event: 'signup', page_size: '50' })}` }];
    case 'Analytics_ListEventsWithFilters': {
      const filters = [{ key: 'plan', operator: 'is_set' }];
      const body = JSON.stringify({ version: 'LIVE', ...range, event: 'signup', filters });
      return [{ method: 'POST', url: `${base}/events/stream`, body }];
    }
    case 'Analytics_GetIntents':
      return [{ method: 'GET', url: `${base}/intents?${q({ page_size: '50' })}` }];
    case 'Analytics_ComputeEventsFunnel':
      return [{ method: 'POST', url: `${base}/events/funnel`, body: funnel(['signup', 'signup'], 'plan') }];
    case 'Analytics_ComputeFlowFunnel':
      return [{ method: 'POST', url: `${base}/flows/funnel`, body: funnel(['A', 'B', 'C'], 'channel_type') }];
    case 'Analytics_GetEventAttributeValues':
      return [
        { method: 'POST', url: `${base}/events/attributes/plan/values`, body: JSON.stringify({ event: 'signup' }) },
      ];
    default:
      return [];
  }
}

function requestsOf(op: FuzzOperation): Req[] {
  const valid = validRequest(op, seed);
  return [
    { method: valid.method, url: valid.url, ...(valid.body === undefined ? {} : { body: valid.body.toString() }) },
    ...variants(op),
  ];
}

describe('CSV answers equal the JSON answers', () => {
  test('every operation of the CSV set, cell for cell', async () => {
    const ids = csvOperationIds(doc);
    const ops = fuzzOperations(doc).filter((o) => ids.has(o.operationId));
    assert.equal(ops.length, ids.size, 'every CSV operation has a request');
    const rowsSeen = new Map<string, number>();
    for (const op of ops) {
      for (const req of requestsOf(op)) {
        const label = `${op.operationId} ${req.method} ${req.url}`;
        const jsonRes = await send(req, 'application/json');
        assert.equal(jsonRes.status, 200, `${label}: ${await jsonRes.clone().text()}`);
        const body = (await jsonRes.json()) as Obj;
        const csvRes = await send(req, 'text/csv');
        assert.equal(csvRes.status, 200, label);
        assert.equal(csvRes.headers.get('content-type'), 'text/csv; charset=utf-8', label);
        assert.match(csvRes.headers.get('content-disposition') ?? '', /^attachment; filename="[A-Za-z0-9._-]+\.csv"$/);
        assert.match(csvRes.headers.get('vary') ?? '', /\bAccept\b/);
        const bytes = new Uint8Array(await csvRes.arrayBuffer());
        assert.notDeepEqual([...bytes.slice(0, 3)], [0xef, 0xbb, 0xbf], `${label}: no BOM`);
        const csv = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        const table = parseCsvStrict(csv);
        const expected = expectedTable(op.operationId, body);
        assert.deepEqual(table, expected, label);
        rowsSeen.set(op.operationId, (rowsSeen.get(op.operationId) ?? 0) + expected.length - 1);
      }
    }
    // The comparisons are not all header-only: every operation has rows in the seeded data.
    const empty = [...rowsSeen].filter(([, n]) => n === 0).map(([id]) => id);
    assert.deepEqual(empty, [], 'operations compared on no row');
  });

  test('the funnel with a breakdown: one row per (breakdown value, step)', async () => {
    const req = variants({ operationId: 'Analytics_ComputeEventsFunnel' } as FuzzOperation)[0] as Req;
    const table = parseCsvStrict(await (await send(req, 'text/csv')).text());
    assert.deepEqual(table[0], ['event_id', 'count', 'order', 'breakdown_value']);
    const values = new Set(table.slice(1).map((r) => r[3]));
    assert.ok(values.has('pro') && values.has(TRICKY_PLAN), [...values].join('|'));
    assert.equal(table.length - 1, values.size * 2, 'two steps per breakdown value');
  });
});

describe('quoting (RFC 4180)', () => {
  test('an intent with a comma, quotes and CRLF is one quoted field, quotes doubled', async () => {
    const url = `/v1/bots/${BOT}/intents?${new URLSearchParams({ version: 'LIVE', start_time: seed.start, end_time: seed.end, page_size: '100' })}`;
    const csv = await (await send({ method: 'GET', url }, 'text/csv')).text();
    assert.ok(csv.includes('"say ""hi"", then\r\nbye"'), csv);
    assert.ok(csv.endsWith('\r\n'));
    assert.ok(!/[^\r]\n/.test(csv.replace('then\r\nbye', '')), 'records end with CRLF');
    const rows = parseCsvStrict(csv);
    assert.ok(rows.some((r) => r[0] === TRICKY_INTENT));
  });

  test('an attribute value with a comma, quotes and LF round-trips', async () => {
    const req = { method: 'POST', url: `/v1/bots/${BOT}/events/attributes/plan/values`, body: '{}' };
    const csv = await (await send(req, 'text/csv')).text();
    assert.ok(csv.includes('"pro, ""gold""\nplus"'), csv);
    assert.ok(parseCsvStrict(csv).some((r) => r[0] === 'plan' && r[1] === TRICKY_PLAN));
  });

  test('values are not altered (no formula escaping): the file equals the JSON', async () => {
    const at = new Date(Date.parse(seed.start) + 86_400_000 + 7_200_000).toISOString();
    const res = await ingest(srv.url, seed.token, [
      {
        type: 'message',
        team_id: TEAM,
        bot_id: BOT,
        version: 'DRAFT',
        user_id: 'u8',
        timestamp: at,
        direction: 'user',
        kind: 'text',
        intent: '=1+2',
      },
    ]);
    assert.equal(res.status, 200);
    const url = `/v1/bots/${BOT}/intents?${new URLSearchParams({ version: 'DRAFT', start_time: seed.start, end_time: seed.end })}`;
    const rows = parseCsvStrict(await (await send({ method: 'GET', url }, 'text/csv')).text());
    assert.deepEqual(rows.slice(1), [['=1+2', '1', '1']]);
  });
});

describe('negotiation', () => {
  const url = () =>
    `/v1/bots/${BOT}/flows?${new URLSearchParams({ version: 'LIVE', start_time: seed.start, end_time: seed.end })}`;
  const cases: [accept: string | undefined, csv: boolean][] = [
    [undefined, false],
    ['*/*', false],
    ['application/json', false],
    ['text/csv', true],
    ['text/*', true],
    ['TEXT/CSV; charset=utf-8', true],
    ['text/csv;q=0.9, application/json;q=0.5', true],
    ['application/json, text/csv;q=0.1', false],
    ['text/csv, application/json', false],
    ['text/csv;q=0', false],
    ['text/csv;q=0.5, */*;q=0.1', true],
    ['text/html', false],
    ['text/csv;q=abc', false],
  ];
  for (const [accept, csv] of cases) {
    test(`Accept: ${accept ?? '(none)'} → ${csv ? 'CSV' : 'JSON'}`, async () => {
      const res = await send({ method: 'GET', url: url() }, accept);
      assert.equal(res.status, 200);
      const type = res.headers.get('content-type') ?? '';
      assert.equal(type, csv ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
      const body = await res.text();
      if (csv) assert.equal(parseCsvStrict(body)[0]?.join(','), 'occurrences,id');
      else assert.ok(Array.isArray((JSON.parse(body) as Obj).nodes));
    });
  }
});

describe('errors and writes stay JSON', () => {
  const envelope = async (res: Response, status: number) => {
    assert.equal(res.status, status);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(res.headers.get('content-disposition'), null);
    const body = (await res.json()) as Obj;
    assert.deepEqual(Object.keys(body).sort(), ['code', 'details', 'message']);
  };

  test('a bad parameter with Accept: text/csv is the 400 envelope', async () => {
    const url = `/v1/bots/${BOT}/conversations?version=LIVE&start_time=yesterday&end_time=${seed.end}`;
    await envelope(await send({ method: 'GET', url }, 'text/csv'), 400);
  });

  test('a bad funnel body with Accept: text/csv is the 400 envelope', async () => {
    const body = JSON.stringify({ version: 'LIVE', start_time: seed.start, end_time: seed.end, steps: [] });
    await envelope(await send({ method: 'POST', url: `/v1/bots/${BOT}/events/funnel`, body }, 'text/csv'), 400);
  });

  test("another team's bot with Accept: text/csv is the 404 envelope", async () => {
    const url = `/v1/bots/nobody-bot/intents?version=LIVE&start_time=${seed.start}&end_time=${seed.end}`;
    await envelope(await send({ method: 'GET', url }, 'text/csv'), 404);
  });

  test('writes answer JSON whatever the Accept header', async () => {
    const create = {
      method: 'POST',
      url: `/v1/bots/${BOT}/events/definitions`,
      body: JSON.stringify({ event: 'csv_def' }),
    };
    const res = await send(create, 'text/csv');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.ok((await res.json()) as Obj);
    const echo = await send({ method: 'POST', url: '/v1/echo', body: JSON.stringify({ message: 'a,b' }) }, 'text/csv');
    assert.deepEqual(await echo.json(), { message: 'a,b' });
  });
});

describe('the served OpenAPI document', () => {
  /** Writes: never CSV (their answers are acknowledgements, not data to export). */
  const WRITES = new Set([
    'Analytics_Ingest',
    'Analytics_TrackEvent',
    'Analytics_Echo',
    'Analytics_CreateEventDefinition',
    'Analytics_CreateSubscription',
    'Analytics_DeleteSubscription',
  ]);

  /** POST operations that only read (filters or steps too large for a query string). */
  const POST_READS = new Set([
    'Analytics_ListEventsWithFilters',
    'Analytics_ComputeEventsFunnel',
    'Analytics_ComputeFlowFunnel',
    'Analytics_GetEventAttributeValues',
  ]);

  /** Series, or a top-level array of objects (the test's own reading of the schema). */
  const isSeriesOrRows = (schema: Obj): boolean => {
    const data = props(schema).find(([k]) => k === 'data')?.[1];
    if (data && props(data).some(([k]) => k === 'series')) return true;
    return props(schema).some(([, s]) => isRowList(s));
  };

  test('text/csv on exactly the series and row-list reads (and GetFlowStepDetails)', () => {
    const ids = csvOperationIds(doc);
    const missing: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of HTTP_METHODS) {
        const op = ops[method];
        if (!op) continue;
        const id = op.operationId;
        if (WRITES.has(id)) {
          assert.ok(!ids.has(id), `${id} is a write and must not answer CSV`);
          continue;
        }
        // A new POST must be classified here: a read (CSV) or a write (no CSV).
        if (method !== 'get')
          assert.ok(POST_READS.has(id), `${method} ${path} (${id}): add it to WRITES or POST_READS`);
        if (isSeriesOrRows(jsonSchemaOf(doc, id)) && !ids.has(id)) missing.push(id);
      }
    }
    assert.deepEqual(missing, [], 'series/row-list reads without text/csv');
    // The single-object read, and nothing that is neither rows nor series beyond it.
    assert.ok(ids.has('Analytics_GetFlowStepDetails'));
    const others = [...ids].filter((id) => !isSeriesOrRows(jsonSchemaOf(doc, id)));
    assert.deepEqual(others, ['Analytics_GetFlowStepDetails']);
    assert.ok(!ids.has('Analytics_GetTokenInfo'));
  });

  test('the CSV set includes the reads the dashboard downloads', () => {
    const ids = csvOperationIds(doc);
    for (const id of [
      'Analytics_GetConversations',
      'Analytics_GetIntents',
      'Analytics_GetKnowledgeBaseTagsInsights',
      'Analytics_GetFlows',
      'Analytics_GetFlowStepEdgesV2',
      'Analytics_ListFlowSteps',
      'Analytics_ComputeEventsFunnel',
      'Analytics_ComputeFlowFunnel',
      'Analytics_ListEvents',
      'Analytics_ListEventsWithFilters',
      'Analytics_GetTeamEvents',
      'Analytics_ListEventDefinitions',
      'Analytics_GetEventAttributeValues',
      'Analytics_GetConversationFlow',
      'Analytics_ListDeliveries',
      'Analytics_GetTeamConversationsUsage',
      'Analytics_GetVoiceAnalytics',
    ])
      assert.ok(ids.has(id), id);
  });

  test('each text/csv entry is a string schema describing its columns', () => {
    for (const ops of Object.values(doc.paths)) {
      for (const op of Object.values(ops)) {
        const csv = op.responses['200']?.content?.['text/csv'];
        if (!csv) continue;
        const schema = csv.schema as Obj;
        assert.equal(schema.type, 'string', op.operationId);
        assert.match(String(schema.description), /CSV \(RFC 4180/, op.operationId);
        // The JSON entry is still first: clients that take the first content get JSON.
        assert.equal(Object.keys(op.responses['200']?.content ?? {})[0], 'application/json');
      }
    }
  });
});
