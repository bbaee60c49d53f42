/**
 * Flow analytics services: path explorer, step details, step edges
 * (CONTRACT §2 Flow/DROPOFF, §4, §7). Conversation metrics: conversations of
 * the bot+version that started in range, filtered on their first event, with
 * all their steps (also those after end_time).
 */
import type { AnalyticsReader } from '../store/clickhouse/reader.ts';
import { FIRST_EVENT_FILTER_COLS } from './conversation-facts.ts';
import { flowStepDetailsSql, flowStepEdgesSql, flowStepsSql, flowsSql } from './flows-sql.ts';
import { type BotVersion, type Filters, filterSql, rangeParams } from './sql.ts';
import type { TimeRange } from './time-range.ts';

/** Which conversations a flow read looks at: the bot+version's, started in range, filtered on their first event. */
export interface FlowScope {
  team: string;
  bot: string;
  version: BotVersion;
  range: TimeRange;
  filters: Filters;
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
/** A dialog state on one traversal (`Step` of the published API). */
export interface FlowStepRef {
  id: string;
  type: string;
}
export interface FlowEdge {
  count: number;
  /** The neighbour (seed meaning). */
  id: string;
  type: string;
  /** sources: neighbour → requested step; targets: requested step → neighbour. */
  from_step: FlowStepRef;
  to_step: FlowStepRef;
}
export type EdgeDirection = 'sources' | 'targets';
/** One (step id, step type) of the bot with its step-details counts. */
export interface FlowStepSummary extends FlowStepRef, FlowStepDetails {}

/** Shared parameters of the three endpoints: range (with timezone) and first-event filters. */
function common(scope: FlowScope): { where: string; params: Record<string, unknown> } {
  const filters = filterSql(scope.filters, FIRST_EVENT_FILTER_COLS);
  return {
    where: filters.sql,
    params: {
      ...rangeParams(scope.range),
      ...filters.params,
      team: scope.team,
      bot: scope.bot,
      version: scope.version,
    },
  };
}

async function rows<T>(
  reader: AnalyticsReader,
  sql: string,
  params: Record<string, unknown>,
  signal: AbortSignal | undefined,
): Promise<T[]> {
  return (await reader.rows({ sql, params, signal })) as T[];
}

export async function getFlows(
  reader: AnalyticsReader,
  scope: FlowScope,
  path: readonly string[],
  signal: AbortSignal | undefined,
): Promise<{ nodes: FlowNode[] }> {
  const { where, params } = common(scope);
  const nodes = await rows<FlowNode>(reader, flowsSql(where), { ...params, path, path_len: path.length }, signal);
  return { nodes: nodes.map((n) => ({ occurrences: Number(n.occurrences), id: n.id })) };
}

export async function getFlowStepDetails(
  reader: AnalyticsReader,
  scope: FlowScope,
  step: string,
  signal: AbortSignal | undefined,
): Promise<FlowStepDetails> {
  const { where, params } = common(scope);
  const [r] = await rows<FlowStepDetails>(reader, flowStepDetailsSql(where), { ...params, step }, signal);
  return {
    message_count: Number(r?.message_count ?? 0),
    drop_off_count: Number(r?.drop_off_count ?? 0),
    conversation_count: Number(r?.conversation_count ?? 0),
  };
}

export async function getFlowStepEdges(
  reader: AnalyticsReader,
  scope: FlowScope,
  step: string,
  direction: EdgeDirection,
  signal: AbortSignal | undefined,
): Promise<{ edges: FlowEdge[] }> {
  const { where, params } = common(scope);
  const edges = await rows<{ count: string; id: string; type: string; self_type: string }>(
    reader,
    flowStepEdgesSql(where, direction),
    { ...params, step },
    signal,
  );
  return {
    edges: edges.map((e) => {
      const neighbour = { id: e.id, type: e.type };
      const self = { id: step, type: e.self_type };
      return {
        count: Number(e.count),
        id: e.id,
        type: e.type,
        from_step: direction === 'sources' ? neighbour : self,
        to_step: direction === 'sources' ? self : neighbour,
      };
    }),
  };
}

/** The bot's steps with their types and counts (steps of type `handover` = human handovers). */
export async function getFlowSteps(
  reader: AnalyticsReader,
  scope: FlowScope,
  signal: AbortSignal | undefined,
): Promise<{ steps: FlowStepSummary[] }> {
  const { where, params } = common(scope);
  type Row = { id: string; type: string; message_count: string; conversation_count: string; drop_off_count: string };
  const steps = await rows<Row>(reader, flowStepsSql(where), params, signal);
  return {
    steps: steps.map((s) => ({
      id: s.id,
      type: s.type,
      message_count: Number(s.message_count),
      conversation_count: Number(s.conversation_count),
      drop_off_count: Number(s.drop_off_count),
    })),
  };
}
