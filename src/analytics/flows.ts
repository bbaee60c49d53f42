/**
 * Flow analytics services: path explorer, step details, step edges
 * (CONTRACT §2 Flow/DROPOFF, §4, §7). Conversation metrics: conversations of
 * the bot+version that started in range, filtered on their first event, with
 * all their steps (also those after end_time).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { badParam } from '../api/errors.ts';
import { firstParam } from '../api/querystring.ts';
import { FIRST_EVENT_FILTER_COLS } from './conversation-facts.ts';
import { flowStepDetailsSql, flowStepEdgesSql, flowsSql } from './flows-sql.ts';
import { type BotVersion, filterSql, parseFilters, rangeParams } from './sql.ts';
import { parseTimeRange } from './time-range.ts';

/** Longest `path` prefix accepted (a flow diagram deeper than this is not a UI case). */
export const MAX_PATH_STEPS = 50;

export interface FlowScope {
  team: string;
  bot: string;
  version: BotVersion;
}

export interface FlowNode {
  occurrences: number;
  id: string;
}
export interface FlowStepDetails {
  message_count: number;
  drop_off_count: number;
  conversation_count: number;
}
export interface FlowEdge {
  count: number;
  id: string;
  type: string;
}
export type EdgeDirection = 'sources' | 'targets';

/**
 * The `path` prefix. The query parser already turns both `path=a&path=b` and
 * `path[0]=a&path[1]=b` into one ordered string[]; a single value may still
 * arrive as a string. An empty element is rejected rather than matched as a
 * step id '' (no dialog state has an empty id; it is almost surely a client bug).
 */
export function parsePath(value: unknown): string[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  if (list.length > MAX_PATH_STEPS) throw badParam('path', `at most ${MAX_PATH_STEPS} steps`);
  return list.map((v, i) => {
    if (typeof v !== 'string' || v === '') throw badParam('path', `element ${i} is empty`);
    return v;
  });
}

export function parseEdgeDirection(value: unknown): EdgeDirection {
  const v = firstParam(value);
  if (v === 'sources' || v === 'targets') return v;
  if (v === undefined || v === '') throw badParam('type', 'is required (sources or targets)');
  throw badParam('type', 'must be sources or targets');
}

/** Shared parameters of the three endpoints: range (with timezone) and first-event filters. */
function common(scope: FlowScope, query: Record<string, unknown>): { where: string; params: Record<string, unknown> } {
  const range = parseTimeRange(query);
  const filters = filterSql(parseFilters(query), FIRST_EVENT_FILTER_COLS);
  return {
    where: filters.sql,
    params: { ...rangeParams(range), ...filters.params, team: scope.team, bot: scope.bot, version: scope.version },
  };
}

async function rows<T>(ch: ClickHouseClient, query: string, params: Record<string, unknown>, signal?: AbortSignal) {
  const rs = await ch.query({ query, query_params: params, format: 'JSONEachRow', abort_signal: signal });
  return rs.json<T>();
}

export async function getFlows(
  ch: ClickHouseClient,
  scope: FlowScope,
  query: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<{ nodes: FlowNode[] }> {
  const path = parsePath(query.path);
  const { where, params } = common(scope, query);
  const nodes = await rows<FlowNode>(ch, flowsSql(where), { ...params, path, path_len: path.length }, signal);
  return { nodes: nodes.map((n) => ({ occurrences: Number(n.occurrences), id: n.id })) };
}

export async function getFlowStepDetails(
  ch: ClickHouseClient,
  scope: FlowScope,
  step: string,
  query: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<FlowStepDetails> {
  const { where, params } = common(scope, query);
  const [r] = await rows<FlowStepDetails>(ch, flowStepDetailsSql(where), { ...params, step }, signal);
  return {
    message_count: Number(r?.message_count ?? 0),
    drop_off_count: Number(r?.drop_off_count ?? 0),
    conversation_count: Number(r?.conversation_count ?? 0),
  };
}

export async function getFlowStepEdges(
  ch: ClickHouseClient,
  scope: FlowScope,
  step: string,
  query: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<{ edges: FlowEdge[] }> {
  const direction = parseEdgeDirection(query.type);
  const { where, params } = common(scope, query);
  const edges = await rows<FlowEdge>(ch, flowStepEdgesSql(where, direction), { ...params, step }, signal);
  return { edges: edges.map((e) => ({ count: Number(e.count), id: e.id, type: e.type })) };
}
