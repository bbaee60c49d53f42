/**
 * Hand-computed examples for the reference of CONTRACT-LIVE-API §2 (event-streams.ts).
 * If one fails, the reference (not the service) is wrong.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildModel,
  getEventAttributeValues,
  getTeamEventsAll,
  listEventsAll,
  listEventsWithFiltersAll,
} from './endpoints.js';
import type { RefEvent } from './events.js';

const t = (min: number) => new Date(Date.UTC(2026, 10, 2, 10, min)).toISOString();

function tr(id: string, min: number, p: Partial<RefEvent> = {}): RefEvent {
  return {
    id,
    type: 'tracking',
    team_id: 't1',
    bot_id: 'b1',
    version: 'LIVE',
    user_id: 'u1',
    conversation_id: 'c1',
    event: 'buy',
    timestamp: t(min),
    ...p,
  };
}

const events: RefEvent[] = [
  tr('e2', 0, { attributes: { amount: 1, plan: 'Gold' } }),
  tr('e1', 0, { attributes: { amount: '1.0', plan: 'gold' }, user_id: 'u2', conversation_id: 'c2' }),
  tr('e3', 5, { event: 'view', attributes: { amount: 3, ok: true }, campaign_id: 'spring' }),
  tr('e4', 6, { version: 'DRAFT', attributes: { plan: '' } }),
  tr('e5', 7, { bot_id: 'b2', attributes: { plan: 'silver' } }),
  tr('e6', 8, { team_id: 't2', bot_id: 'x9', attributes: { plan: 'gold' } }),
  { type: 'message', team_id: 't1', bot_id: 'b1', version: 'LIVE', user_id: 'u1', direction: 'bot', timestamp: t(1) },
];
const model = buildModel(events);
const range = { start_time: t(0), end_time: t(60) };
const ids = (list: { id: string }[]) => list.map((e) => e.id);

test('stream: tracking only, bot and version, ordered by timestamp then id', () => {
  assert.deepEqual(ids(listEventsAll(model, { bot_id: 'b1' }, { version: 'LIVE', ...range })), ['e1', 'e2', 'e3']);
  assert.deepEqual(ids(listEventsAll(model, { bot_id: 'b1' }, { version: 'DRAFT', ...range })), ['e4']);
  // end_time is exclusive
  assert.deepEqual(ids(listEventsAll(model, { bot_id: 'b1' }, { version: 'LIVE', start_time: t(0), end_time: t(5) })), [
    'e1',
    'e2',
  ]);
});

test('stream: exact matches are ANDed; an empty value is no condition', () => {
  const q = { version: 'LIVE', ...range };
  assert.deepEqual(ids(listEventsAll(model, { bot_id: 'b1' }, { ...q, user_id: 'u1' })), ['e2', 'e3']);
  assert.deepEqual(ids(listEventsAll(model, { bot_id: 'b1' }, { ...q, user_id: 'u1', event: 'buy' })), ['e2']);
  assert.deepEqual(ids(listEventsAll(model, { bot_id: 'b1' }, { ...q, conversation_id: 'c2' })), ['e1']);
  assert.deepEqual(ids(listEventsAll(model, { bot_id: 'b1' }, { ...q, campaign_id: 'spring' })), ['e3']);
  assert.deepEqual(ids(listEventsAll(model, { bot_id: 'b1' }, { ...q, user_id: '' })), ['e1', 'e2', 'e3']);
  assert.deepEqual(ids(listEventsAll(model, { bot_id: 'b1' }, { ...q, event: 'Buy' })), []);
});

test('stream body: filters by type; 1 and "1.0" are equal numbers, not equal strings', () => {
  const b = { version: 'LIVE', ...range };
  const f = (filters: NonNullable<Parameters<typeof listEventsWithFiltersAll>[2]['filters']>) =>
    ids(listEventsWithFiltersAll(model, { bot_id: 'b1' }, { ...b, filters }));
  assert.deepEqual(f([{ key: 'amount', operator: 'eq', type: 'number', value: ['1'] }]), ['e1', 'e2']);
  assert.deepEqual(f([{ key: 'amount', operator: 'eq', value: ['1'] }]), ['e2']);
  assert.deepEqual(f([{ key: 'amount', operator: 'gt', value: ['1'] }]), ['e3']);
  assert.deepEqual(f([{ key: 'plan', operator: 'contains', value: ['OL'] }]), ['e1', 'e2']);
  assert.deepEqual(f([{ key: 'plan', operator: 'is_not_set', value: [] }]), ['e3']);
  assert.deepEqual(f([{ key: 'ok', operator: 'eq', type: 'boolean', value: ['TRUE'] }]), ['e3']);
  assert.deepEqual(f([{ key: '$user_id', operator: 'neq', value: ['u1'] }]), ['e1']);
  assert.deepEqual(f([{ key: '$campaign_id', operator: 'is_set', value: [] }]), ['e3']);
  // Exact matches and filters are ANDed.
  assert.deepEqual(
    ids(
      listEventsWithFiltersAll(
        model,
        { bot_id: 'b1' },
        { ...b, user_id: 'u1', filters: [{ key: 'amount', operator: 'lte', value: ['3'] }] },
      ),
    ),
    ['e2', 'e3'],
  );
});

test('stream body: the answer fields', () => {
  const [first] = listEventsWithFiltersAll(model, { bot_id: 'b1' }, { version: 'LIVE', ...range, user_id: 'u2' });
  assert.deepEqual(first, {
    id: 'e1',
    event: 'buy',
    bot_id: 'b1',
    version: 'LIVE',
    user_id: 'u2',
    channel_id: '',
    channel_type: 'unknown',
    conversation_id: 'c2',
    attributes: '{"amount":"1.0","plan":"gold"}',
    timestamp: '2026-11-02T10:00:00.000Z',
  });
});

test('team events: every bot and version of the team, not another team', () => {
  assert.deepEqual(ids(getTeamEventsAll(model, { team_id: 't1' }, range)), ['e1', 'e2', 'e3', 'e4', 'e5']);
  assert.deepEqual(ids(getTeamEventsAll(model, { team_id: 't1' }, { ...range, user_id: 'u2' })), ['e1']);
  assert.deepEqual(ids(getTeamEventsAll(model, { team_id: 't2' }, range)), ['e6']);
});

test('attribute values: occurrences desc then value, not-set skipped, window (now − 30 d, now]', () => {
  const now = Date.parse(t(6));
  const v = (key: string, body: Parameters<typeof getEventAttributeValues>[2] = {}, at = now) =>
    getEventAttributeValues(model, { bot_id: 'b1', attribute_key: key }, body, at).attributes.map((a) => a.value);
  // e4's plan is '' (not set); e5 is another bot.
  assert.deepEqual(v('plan'), ['Gold', 'gold']);
  assert.deepEqual(v('amount'), ['1', '1.0', '3']);
  assert.deepEqual(v('amount', { event: 'view' }), ['3']);
  assert.deepEqual(v('plan', { query: 'GOL', version: 'LIVE' }), ['Gold', 'gold']);
  assert.deepEqual(v('plan', { query: 'x' }), []);
  assert.deepEqual(v('ok'), ['true']);
  assert.deepEqual(v('$user_id'), ['u1', 'u2']);
  // now is inclusive, now − 30 d exclusive.
  assert.deepEqual(v('amount', {}, Date.parse(t(0))), ['1', '1.0']);
  assert.deepEqual(v('amount', {}, Date.parse(t(0)) + 30 * 86_400_000), ['3']);
  const counted = getEventAttributeValues(
    buildModel([...events, tr('e7', 9, { attributes: { plan: 'gold' } })]),
    { bot_id: 'b1', attribute_key: 'plan' },
    {},
    Date.parse(t(10)),
  );
  assert.deepEqual(counted.attributes, [
    { key: 'plan', value: 'gold' },
    { key: 'plan', value: 'Gold' },
  ]);
});
