/**
 * Funnels (CONTRACT-LIVE-API §3) on small hand-computed data sets: each expected answer
 * below was worked out by hand from the contract (and the reference must agree, so the
 * reference is checked too). Plus the 400s naming the field and tenancy.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { definitionId } from '../../src/analytics/event-definitions.ts';
import { assertMatchesSchema } from '../helpers/openapi-validate.ts';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';
import type { RefEvent } from '../reference/events.ts';
import {
  type RefFunnelBody,
  computeEventsFunnel as refEvents,
  computeFlowFunnel as refFlows,
} from '../reference/funnels.ts';
import { buildModel } from '../reference/model.ts';

let srv: TestServer;
let token: string;
const BOT = 'funnel-bot';
const FLOW_BOT = 'funnel-flow-bot';
const T = (min: number) => new Date(Date.parse('2026-10-05T10:00:00Z') + min * 60_000).toISOString();

const track = (user: string, event: string, min: number, attributes: Record<string, string> = {}): RefEvent => ({
  type: 'tracking',
  timestamp: T(min),
  team_id: 'tf',
  bot_id: BOT,
  version: 'LIVE',
  user_id: user,
  conversation_id: `c-${user}`,
  event,
  attributes,
});
// u3's signup and view share a timestamp: ingest order (signup first) decides.
// u4's view is before the range. u5 is the strict case whose deepest run is not its first.
const EVENTS: RefEvent[] = [
  track('u1', 'view', 0, { plan: 'pro' }),
  track('u1', 'signup', 1),
  track('u1', 'view', 2, { plan: 'free' }),
  track('u1', 'buy', 3),
  track('u2', 'signup', 0),
  track('u2', 'view', 1, { plan: 'free' }),
  track('u2', 'buy', 2),
  track('u3', 'signup', 5),
  track('u3', 'view', 5),
  track('u4', 'view', -24 * 60),
  track('u4', 'signup', 1),
  track('u4', 'buy', 2),
  track('u5', 'view', 0, { plan: 'a' }),
  track('u5', 'buy', 1),
  track('u5', 'view', 2, { plan: 'b' }),
  track('u5', 'signup', 3),
  // u6: two strict runs of depth 2; the earliest one (plan x) carries the breakdown.
  track('u6', 'view', 10, { plan: 'x' }),
  track('u6', 'signup', 11),
  track('u6', 'view', 12, { plan: 'y' }),
  track('u6', 'signup', 13),
];

const step = (conv: string, id: string, min: number, channel = 'web', extra: Partial<RefEvent> = {}): RefEvent => ({
  type: 'step',
  timestamp: T(min),
  team_id: 'tf',
  bot_id: FLOW_BOT,
  version: 'LIVE',
  user_id: `user-${conv}`,
  conversation_id: conv,
  channel_type: channel,
  step_id: id,
  step_type: 'bot_dialog',
  ...extra,
});
// c3 starts the day before the range (its later steps are in range but it did not start there).
const FLOW_EVENTS: RefEvent[] = [
  step('c1', 'A', 0, 'web', { campaign_id: 'spring' }),
  step('c1', 'B', 1),
  step('c1', 'C', 2),
  step('c2', 'A', 0, 'whatsapp'),
  step('c2', 'C', 1, 'whatsapp'),
  step('c2', 'B', 2, 'whatsapp'),
  step('c3', 'A', -24 * 60),
  step('c3', 'A', 0),
  step('c3', 'B', 1),
  step('c4', 'B', 0),
  step('c4', 'A', 1),
  step('c4', 'B', 2),
];

const RANGE = { version: 'LIVE', start_time: '2026-10-05', end_time: '2026-10-06' } as const;
const defs = new Map([[definitionId(BOT, 'buy'), 'buy']]);

async function post(path: string, body: unknown, tok = token) {
  return api(`${srv.url}${path}`, tok, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
}

async function funnel(kind: 'events' | 'flows', body: RefFunnelBody) {
  const bot = kind === 'events' ? BOT : FLOW_BOT;
  const res = await post(`/v1/bots/${bot}/${kind}/funnel`, body);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assertMatchesSchema(kind === 'events' ? 'Analytics_ComputeEventsFunnel' : 'Analytics_ComputeFlowFunnel', res.body);
  const model = buildModel(kind === 'events' ? EVENTS : FLOW_EVENTS);
  const want = kind === 'events' ? refEvents(model, BOT, body, defs) : refFlows(model, FLOW_BOT, body);
  assert.deepEqual(want, res.body, 'the reference agrees with the service');
  return res.body;
}

/** counts per breakdown value, as [[value, c1, c2, …], …]. */
function table(body: unknown): (string | number)[][] {
  const b = body as { result: { values: { count: number; breakdown_value: string }[] }[] };
  return b.result.map((r) => [r.values[0]?.breakdown_value ?? '?', ...r.values.map((v) => v.count)]);
}

before(async () => {
  srv = await startTestServer();
  token = await srv.token('tf');
  for (const batch of [EVENTS, FLOW_EVENTS]) {
    const res = await ingest(srv.url, token, batch);
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
});
after(async () => {
  await srv?.close();
});

const VSB = [
  { order: 1, event_id: 'view' },
  { order: 2, event_id: 'signup' },
  { order: 3, event_id: 'buy' },
];

describe('events funnel', () => {
  test('sequential: u1 reaches 3, u5 and u6 2, u2 and u3 1 (u3 by ingest order), u4 none (view out of range)', async () => {
    assert.deepEqual(table(await funnel('events', { ...RANGE, steps: VSB })), [['', 5, 3, 1]]);
  });

  test('strict: consecutive events only', async () => {
    assert.deepEqual(table(await funnel('events', { ...RANGE, steps: VSB, order_type: 'strict' })), [['', 5, 3, 0]]);
  });

  test('steps by ascending order, ties in the order given; values echo order and event_id', async () => {
    const body = await funnel('events', {
      ...RANGE,
      steps: [
        { order: 5, event_id: 'buy' },
        { order: 1, event_id: 'view' },
        { order: 2, event_id: 'signup' },
      ],
    });
    const values = (body as { result: { values: { order: number; event_id: string }[] }[] }).result[0]?.values;
    assert.deepEqual(
      values?.map((v) => [v.order, v.event_id]),
      [
        [1, 'view'],
        [2, 'signup'],
        [5, 'buy'],
      ],
    );
  });

  test('a definition id names its event; an unknown id counts zero; a repeated step needs two events', async () => {
    const id = definitionId(BOT, 'buy');
    const steps = [
      { order: 1, event_id: 'view' },
      { order: 2, event_id: id },
    ];
    assert.deepEqual(table(await funnel('events', { ...RANGE, steps })), [['', 5, 3]]);
    assert.deepEqual(table(await funnel('events', { ...RANGE, steps: [...VSB, { order: 4, event_id: 'nope' }] })), [
      ['', 5, 3, 1, 0],
    ]);
    const twice = [
      { order: 1, event_id: 'view' },
      { order: 1, event_id: 'view' },
    ];
    assert.deepEqual(table(await funnel('events', { ...RANGE, steps: twice })), [['', 5, 3]]);
  });

  test('breakdown: sequential reads the first step-1 event; strict the deepest, earliest run', async () => {
    const seq = await funnel('events', { ...RANGE, steps: VSB, breakdown_property: 'plan' });
    assert.deepEqual(table(seq), [
      ['', 1, 0, 0],
      ['a', 1, 1, 0],
      ['free', 1, 0, 0],
      ['pro', 1, 1, 1],
      ['x', 1, 1, 0],
    ]);
    const strict = await funnel('events', { ...RANGE, steps: VSB, breakdown_property: 'plan', order_type: 'strict' });
    assert.deepEqual(table(strict), [
      ['', 1, 0, 0],
      ['b', 1, 1, 0],
      ['free', 1, 0, 0],
      ['pro', 1, 1, 0],
      ['x', 1, 1, 0],
    ]);
  });

  test('strict: a numeric step filter after the last event of a run reaches nothing (regression)', async () => {
    // Found by the property test (seed -1970171011): a gt filter made the step bitmask
    // Nullable, the strict walk read NULL past the end of a sequence and counted the next
    // step as reached. Every user's last event ends their runs here.
    const steps = [
      { order: 1, event_id: 'buy' },
      { order: 2, event_id: 'view', properties: [{ key: 'n', operator: 'gt', value: ['1'] }] },
    ];
    const body = await funnel('events', { ...RANGE, steps, order_type: 'strict' });
    const counts = table(body)[0] ?? [];
    assert.equal(counts[2], 0, JSON.stringify(body));
  });

  test('step and top-level filters; no actors: one zero entry, or [] with a breakdown', async () => {
    const steps = [
      { order: 1, event_id: 'view', properties: [{ key: 'plan', operator: 'eq', value: ['free'] }] },
      { order: 2, event_id: 'buy' },
    ];
    // u1's second view (free) then buy; u2's view (free) then buy.
    assert.deepEqual(table(await funnel('events', { ...RANGE, steps })), [['', 2, 2]]);
    const onlyU5 = [{ key: '$user_id', operator: 'eq', value: ['u5'] }];
    assert.deepEqual(table(await funnel('events', { ...RANGE, steps: VSB, properties: onlyU5 })), [['', 1, 1, 0]]);
    const none = { ...RANGE, start_time: '2027-01-01', end_time: '2027-01-02', steps: VSB };
    assert.deepEqual(table(await funnel('events', none)), [['', 0, 0, 0]]);
    assert.deepEqual((await funnel('events', { ...none, breakdown_property: 'plan' })) as unknown, { result: [] });
  });
});

describe('flow funnel', () => {
  const AB = [
    { order: 1, event_id: 'A' },
    { order: 2, event_id: 'B' },
  ];
  test('conversations that started in range; sequential and strict', async () => {
    assert.deepEqual(table(await funnel('flows', { ...RANGE, steps: AB })), [['', 3, 3]]);
    assert.deepEqual(table(await funnel('flows', { ...RANGE, steps: AB, order_type: 'strict' })), [['', 3, 2]]);
  });
  test('breakdown and filters on the first event fields, with or without $', async () => {
    assert.deepEqual(table(await funnel('flows', { ...RANGE, steps: AB, breakdown_property: 'channel_type' })), [
      ['web', 2, 2],
      ['whatsapp', 1, 1],
    ]);
    assert.deepEqual(table(await funnel('flows', { ...RANGE, steps: AB, breakdown_property: '$campaign_id' })), [
      ['', 2, 2],
      ['spring', 1, 1],
    ]);
    const web = [{ key: '$channel_type', operator: 'eq', value: ['web'] }];
    assert.deepEqual(table(await funnel('flows', { ...RANGE, steps: AB, properties: web })), [['', 2, 2]]);
    const stepB = [{ order: 2, event_id: 'B', properties: [{ key: 'channel_type', operator: 'neq', value: ['web'] }] }];
    assert.deepEqual(table(await funnel('flows', { ...RANGE, steps: [AB[0] as (typeof AB)[0], ...stepB] })), [
      ['', 3, 1],
    ]);
  });
});

describe('bad input and tenancy', () => {
  const good = { ...RANGE, steps: VSB };
  const cases: [string, Record<string, unknown>, string][] = [
    ['events', { ...good, version: 'v1' }, 'version'],
    ['events', { ...good, start_time: 'yesterday' }, 'start_time'],
    ['events', { ...good, end_time: '2026-10-01' }, 'end_time'],
    ['events', { ...good, timezone: 'Mars/Base' }, 'timezone'],
    ['events', { ...good, steps: [] }, 'steps'],
    ['events', { ...good, steps: Array.from({ length: 21 }, (_, i) => ({ order: i, event_id: 'v' })) }, 'steps'],
    ['events', { ...good, steps: [{ order: 1, event_id: 'a' }, { order: 2 }] }, 'steps[1].event_id'],
    ['events', { ...good, steps: [{ order: 1, event_id: '' }] }, 'steps[0].event_id'],
    ['events', { ...good, steps: [{ order: 1.5, event_id: 'a' }] }, 'steps[0].order'],
    [
      'events',
      { ...good, steps: [{ order: 1, event_id: 'a', properties: [{ key: 'k', operator: 'is', value: [] }] }] },
      'steps[0].properties[0].operator',
    ],
    ['events', { ...good, order_type: 'loose' }, 'order_type'],
    ['events', { ...good, breakdown_property: '$nope' }, 'breakdown_property'],
    ['events', { ...good, properties: [{ key: 'k', operator: 'eq', value: [] }] }, 'properties[0].value'],
    [
      'events',
      { ...good, properties: [{ key: 'k', operator: 'eq', type: 'date', value: ['1'] }] },
      'properties[0].type',
    ],
    ['flows', { ...good, properties: [{ key: 'plan', operator: 'is_set' }] }, 'properties[0].key'],
    ['flows', { ...good, breakdown_property: '$user_id' }, 'breakdown_property'],
  ];
  for (const [kind, body, field] of cases) {
    test(`${kind}: 400 naming ${field}`, async () => {
      const res = await post(`/v1/bots/${kind === 'events' ? BOT : FLOW_BOT}/${kind}/funnel`, body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      const details = (res.body as { details: { field?: string }[] }).details;
      assert.equal(details[0]?.field, field, JSON.stringify(res.body));
    });
  }

  test("another team's bot is 404", async () => {
    const other = await srv.token('someone-else');
    for (const kind of ['events', 'flows']) {
      const res = await post(`/v1/bots/${BOT}/${kind}/funnel`, good, other);
      assert.equal(res.status, 404, JSON.stringify(res.body));
    }
  });
});
