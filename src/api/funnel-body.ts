/**
 * The body of the two funnel operations (CONTRACT-LIVE-API §3), read into a typed
 * FunnelRequest at the edge. Every problem is a 400 naming the field as the client wrote
 * it: `steps[1].event_id`, `steps[0].properties[2].operator`, `order_type`,
 * `breakdown_property`, `properties[0].key`.
 */
import { type AttributeFilter, EVENT_FIELD_COLUMNS, isEventFieldKey } from '../analytics/attribute-filters.ts';
import { type FunnelOrderType, type FunnelRequest, type FunnelStep, flowFieldColumn } from '../analytics/funnels.ts';
import { MAX_FUNNEL_STEPS } from '../analytics/funnels-sql.ts';
import { parseTimeRange, parseTimezone } from '../analytics/time-range.ts';
import { ATTRIBUTE_KEY_MAX_CHARS, FIELD_MAX_CHARS } from '../ingest/limits.ts';
import { badField, ServiceError } from './errors.ts';
import { filtersField } from './filter-body.ts';
import { jsonObjectBody, type Query, textParam } from './params.ts';

export type FunnelKind = 'events' | 'flows';

const ORDER_TYPES: readonly FunnelOrderType[] = ['sequential', 'strict'];

/** Longest `event_id`: an event name (or a definition id, shorter) / a step id, as ingest caps them. */
const EVENT_ID_MAX: Record<FunnelKind, number> = { events: FIELD_MAX_CHARS.event, flows: FIELD_MAX_CHARS.step_id };

const FLOW_KEYS = 'channel_type, language, campaign_id, campaign_source (with or without $)';

function optionalText(o: Record<string, unknown>, field: string): string | undefined {
  const v = o[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badField(field, 'must be a string');
  return v;
}

/**
 * start_time, end_time and timezone (body field, else the `timezone` query parameter),
 * with the meaning every range has (analytics/time-range.ts); its parameter errors are
 * re-labelled as body-field errors.
 */
function rangeField(o: Record<string, unknown>, query: Query) {
  const start = optionalText(o, 'start_time');
  const end = optionalText(o, 'end_time');
  // The query parameter is checked even when the body's field wins: a bad value is a 400.
  const queryTz = textParam(query.timezone);
  if (queryTz !== undefined) parseTimezone({ timezone: queryTz });
  const tz = optionalText(o, 'timezone') ?? queryTz;
  try {
    return parseTimeRange({ start_time: start, end_time: end, timezone: tz });
  } catch (e) {
    const d =
      e instanceof ServiceError ? (e.details[0] as { parameter?: string; reason?: string } | undefined) : undefined;
    if (d?.parameter !== undefined) throw badField(d.parameter, d.reason ?? 'is invalid');
    throw e;
  }
}

/** Flow funnels read conversation fields only: any other key is a 400 naming it. */
function checkFlowKeys(filters: AttributeFilter[], field: string): void {
  filters.forEach((f, i) => {
    if (flowFieldColumn(f.key) === undefined)
      throw badField(`${field}[${i}].key`, `a flow funnel filters on ${FLOW_KEYS}; got "${f.key}"`);
  });
}

function filters(raw: unknown, field: string, kind: FunnelKind): AttributeFilter[] {
  const list = filtersField(raw, field);
  if (kind === 'flows') checkFlowKeys(list, field);
  return list;
}

function stepField(raw: unknown, i: number, kind: FunnelKind): FunnelStep {
  const at = `steps[${i}]`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw badField(at, 'must be an object');
  const s = raw as Record<string, unknown>;
  const order = s.order;
  if (typeof order !== 'number' || !Number.isSafeInteger(order))
    throw badField(`${at}.order`, 'is required (an integer)');
  const id = s.event_id;
  const what = kind === 'events' ? 'an event definition id or an event name' : 'a step id';
  if (typeof id !== 'string' || id === '') throw badField(`${at}.event_id`, `is required (${what})`);
  if (id.length > EVENT_ID_MAX[kind])
    throw badField(`${at}.event_id`, `must be at most ${EVENT_ID_MAX[kind]} characters`);
  return { order, event_id: id, properties: filters(s.properties, `${at}.properties`, kind) };
}

/** The whole body of a funnel request, for the token's team and the path's bot. */
export function funnelBody(
  body: unknown,
  query: Query,
  kind: FunnelKind,
  teamId: string,
  botId: string,
): FunnelRequest {
  const o = jsonObjectBody(body);

  const version = o.version;
  if (version !== 'DRAFT' && version !== 'LIVE')
    throw badField('version', version === undefined ? 'is required (DRAFT or LIVE)' : 'must be DRAFT or LIVE');
  const range = rangeField(o, query);

  const rawSteps = o.steps;
  if (!Array.isArray(rawSteps) || rawSteps.length === 0)
    throw badField('steps', `is required (a list of 1 to ${MAX_FUNNEL_STEPS} steps)`);
  if (rawSteps.length > MAX_FUNNEL_STEPS) throw badField('steps', `at most ${MAX_FUNNEL_STEPS} steps`);
  // Ascending `order`; Array.prototype.sort is stable, so ties keep the order given.
  const steps = rawSteps.map((s, i) => stepField(s, i, kind)).sort((a, b) => a.order - b.order);

  const orderType = o.order_type ?? 'sequential';
  if (typeof orderType !== 'string' || !(ORDER_TYPES as readonly string[]).includes(orderType))
    throw badField('order_type', 'must be sequential or strict');

  // '' is taken as "no breakdown" (what a form with an empty selector sends).
  const rawBreakdown = optionalText(o, 'breakdown_property');
  const breakdown = rawBreakdown === '' ? undefined : rawBreakdown;
  if (breakdown !== undefined) checkBreakdown(breakdown, kind);

  return {
    teamId,
    botId,
    version,
    range,
    steps,
    orderType: orderType as FunnelOrderType,
    breakdown,
    properties: filters(o.properties, 'properties', kind),
  };
}

function checkBreakdown(key: string, kind: FunnelKind): void {
  if (kind === 'flows') {
    if (flowFieldColumn(key) === undefined)
      throw badField('breakdown_property', `a flow funnel breaks down on ${FLOW_KEYS}; got "${key}"`);
    return;
  }
  if (key.length > ATTRIBUTE_KEY_MAX_CHARS)
    throw badField('breakdown_property', `must be at most ${ATTRIBUTE_KEY_MAX_CHARS} characters`);
  // The same rule as a filter key: a `$` key must name a known event field.
  if (key.startsWith('$') && !isEventFieldKey(key))
    throw badField(
      'breakdown_property',
      `unknown event field "${key}"; $ fields: ${Object.keys(EVENT_FIELD_COLUMNS).join(', ')}`,
    );
}
