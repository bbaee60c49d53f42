/**
 * Funnels (CONTRACT-LIVE-API §3): Analytics_ComputeEventsFunnel (actors are users, steps
 * are tracking events) and Analytics_ComputeFlowFunnel (actors are conversations that
 * started in range, steps are flow steps). The engine computes each actor's depth
 * (funnels-sql.ts); this file builds the step conditions and shapes the answer.
 */
import type { AnalyticsReader } from '../store/clickhouse/reader.ts';
import {
  type AttributeFilter,
  eventValueResolver,
  filtersSql,
  type SqlPart,
  type ValueResolver,
} from './attribute-filters.ts';
import { definitionId } from './event-definitions.ts';
import { eventsFunnelSql, type FunnelOrderType, flowFunnelSql } from './funnels-sql.ts';
import { BOT_KEY, nums, type RowOf, scopeParams, selectRows, str } from './query.ts';
import type { BotVersion } from './sql.ts';
import type { TimeRange } from './time-range.ts';

export type { FunnelOrderType };

export interface FunnelStep {
  order: number;
  event_id: string;
  properties: AttributeFilter[];
}

/** A funnel request as the HTTP edge parsed it: steps already in funnel order. */
export interface FunnelRequest {
  teamId: string;
  botId: string;
  version: BotVersion;
  range: TimeRange;
  steps: FunnelStep[];
  orderType: FunnelOrderType;
  /** Attribute key or `$` field (events), conversation field (flows); undefined = no breakdown. */
  breakdown: string | undefined;
  properties: AttributeFilter[];
}

export interface FunnelValue {
  event_id: string;
  count: number;
  order: number;
  breakdown_value: string;
}
export interface FunnelAnswer {
  result: { values: FunnelValue[] }[];
}

/**
 * Conversation fields a flow funnel filters and breaks down on, with or without `$`:
 * the conversation's first-event columns of conversation-facts.ts (fixed names, the only
 * ones spliced into SQL).
 */
export const FLOW_FUNNEL_FIELDS: Readonly<Record<string, string>> = {
  channel_type: 'first_channel',
  language: 'first_language',
  campaign_id: 'first_campaign_id',
  campaign_source: 'first_campaign_source',
};

export const flowFieldColumn = (key: string): string | undefined =>
  FLOW_FUNNEL_FIELDS[key.startsWith('$') ? key.slice(1) : key];

const flowResolver: ValueResolver = (key) => {
  const col = flowFieldColumn(key);
  // The HTTP edge admits only these keys; reaching here with another is a programming error.
  if (col === undefined) throw new Error(`flow funnel: unknown field ${key}`);
  return { sql: `toString(${col})`, params: {} };
};

/** A definition id as definitionId() writes it. */
const DEFINITION_ID = /^evd_[0-9a-f]{24}$/;

/**
 * Event names each step matches: the event_id itself (an event name) and, when it has the
 * shape of a definition id, the name whose definition id it is. Definition ids derive from
 * (bot, name) (event-definitions.ts), so the names of the bot's events in range are hashed
 * and compared; a name that occurs in no event in range could match nothing anyway.
 */
async function stepNames(
  reader: AnalyticsReader,
  req: FunnelRequest,
  signal: AbortSignal | undefined,
): Promise<string[][]> {
  const byId = new Map<string, string>();
  if (req.steps.some((s) => DEFINITION_ID.test(s.event_id))) {
    const rows = await selectRows(
      reader,
      `SELECT DISTINCT toString(event_name) AS name FROM events
       WHERE ${BOT_KEY} AND type = 'tracking'
         AND ts >= fromUnixTimestamp64Milli({start_ms:Int64}) AND ts < fromUnixTimestamp64Milli({end_ms:Int64})`,
      scopeParams(req),
      { name: str },
      signal,
    );
    for (const r of rows) byId.set(definitionId(req.botId, r.name), r.name);
  }
  return req.steps.map((s) => {
    const named = byId.get(s.event_id);
    return named === undefined || named === s.event_id ? [s.event_id] : [s.event_id, named];
  });
}

const COUNTS_ROW = { bval: str, counts: nums };
type CountsRow = RowOf<typeof COUNTS_ROW>;

/** Code-point order (= UTF-8 byte order, what the engine's ORDER BY on text uses). */
function compareCodePoints(a: string, b: string): number {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return Buffer.compare(x, y);
}

/**
 * Rows (one per breakdown value) → the answer: entries by step-1 count descending, then
 * value; every step listed. Without a breakdown exactly one entry, zeros when no actor.
 */
function shape(req: FunnelRequest, rows: CountsRow[]): FunnelAnswer {
  const entry = (bval: string, counts: readonly number[]) => ({
    values: req.steps.map((s, k) => ({
      event_id: s.event_id,
      count: counts[k] ?? 0,
      order: s.order,
      breakdown_value: bval,
    })),
  });
  if (req.breakdown === undefined) return { result: [entry('', rows[0]?.counts ?? [])] };
  const sorted = [...rows].sort((a, b) => (b.counts[0] ?? 0) - (a.counts[0] ?? 0) || compareCodePoints(a.bval, b.bval));
  return { result: sorted.map((r) => entry(r.bval, r.counts)) };
}

/**
 * The step filters, top-level filters and breakdown of a funnel as SQL over one row (an
 * event for events funnels, a conversation for flow funnels), with every parameter they use.
 */
function funnelConditions(req: FunnelRequest, resolve: ValueResolver) {
  const steps = req.steps.map((s, k) => filtersSql(s.properties, `s${k}_`, resolve));
  const global = filtersSql(req.properties, 'g', resolve);
  const breakdown = req.breakdown === undefined ? undefined : resolve(req.breakdown, 'bk');
  const parts: SqlPart[] = [...steps, global, ...(breakdown ? [breakdown] : [])];
  const params: Record<string, unknown> = Object.assign({}, ...parts.map((p) => p.params));
  return { steps: steps.map((f) => f.sql), global: global.sql, breakdown: breakdown?.sql, params };
}

/** The SQL and parameters of an events funnel whose step names are known (also used by the benchmark). */
export function eventsFunnelQuery(
  req: FunnelRequest,
  names: readonly string[][],
): { query: string; params: Record<string, unknown> } {
  const c = funnelConditions(req, eventValueResolver);
  const stepConds = c.steps.map((f, k) => `(has({sn${k}:Array(String)}, toString(event_name)) AND ${f})`);
  const query = eventsFunnelSql({
    orderType: req.orderType,
    stepConds,
    globalWhere: c.global,
    breakdown: c.breakdown,
    sequentialPrefilter: 'has({all_names:Array(String)}, toString(event_name))',
  });
  return {
    query,
    params: {
      ...scopeParams(req),
      all_names: [...new Set(names.flat())],
      ...Object.fromEntries(names.map((n, k) => [`sn${k}`, n])),
      ...c.params,
    },
  };
}

// POST /v1/bots/{bot_id}/events/funnel
export async function computeEventsFunnel(
  reader: AnalyticsReader,
  req: FunnelRequest,
  signal: AbortSignal | undefined,
): Promise<FunnelAnswer> {
  const names = await stepNames(reader, req, signal);
  const { query, params } = eventsFunnelQuery(req, names);
  return shape(req, await selectRows(reader, query, params, COUNTS_ROW, signal));
}

/** The SQL and parameters of a flow funnel (also used by the benchmark). */
export function flowFunnelQuery(req: FunnelRequest): { query: string; params: Record<string, unknown> } {
  const c = funnelConditions(req, flowResolver);
  const query = flowFunnelSql({
    orderType: req.orderType,
    stepCount: req.steps.length,
    stepFilters: c.steps,
    globalWhere: c.global,
    breakdown: c.breakdown,
    keyWhere: BOT_KEY,
  });
  return {
    query,
    params: {
      ...scopeParams(req),
      ...Object.fromEntries(req.steps.map((s, k) => [`sid${k}`, s.event_id])),
      ...c.params,
    },
  };
}

// POST /v1/bots/{bot_id}/flows/funnel
export async function computeFlowFunnel(
  reader: AnalyticsReader,
  req: FunnelRequest,
  signal: AbortSignal | undefined,
): Promise<FunnelAnswer> {
  const { query, params } = flowFunnelQuery(req);
  return shape(req, await selectRows(reader, query, params, COUNTS_ROW, signal));
}
