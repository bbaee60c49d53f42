/**
 * Flow analytics services: path explorer, step details, step edges
 * (CONTRACT §2 Flow/DROPOFF, §4, §7). Conversation metrics: conversations of
 * the bot+version that started in range, filtered on their first event, with
 * all their steps (also those after end_time).
 */
import type { AnalyticsReader } from '../store/clickhouse/reader.ts';
import { FIRST_EVENT_FILTER_COLS } from './conversation-facts.ts';
import { flowStepDetailsSql, flowStepEdgesSql, flowStepsSql, flowsSql } from './flows-sql.ts';
import { defineQuery, num, str } from './query.ts';
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

const DETAILS = { message_count: num, drop_off_count: num, conversation_count: num };

const flowNodes = defineQuery({
  build: ({ scope, path }: { scope: FlowScope; path: readonly string[] }) => {
    const { where, params } = common(scope);
    return { sql: flowsSql(where), params: { ...params, path, path_len: path.length } };
  },
  columns: { occurrences: num, id: str },
});

const stepDetails = defineQuery({
  build: ({ scope, step }: { scope: FlowScope; step: string }) => {
    const { where, params } = common(scope);
    return { sql: flowStepDetailsSql(where), params: { ...params, step } };
  },
  columns: DETAILS,
});

const stepEdges = defineQuery({
  build: ({ scope, step, direction }: { scope: FlowScope; step: string; direction: EdgeDirection }) => {
    const { where, params } = common(scope);
    return { sql: flowStepEdgesSql(where, direction), params: { ...params, step } };
  },
  columns: { count: num, id: str, type: str, self_type: str },
});

const stepSummaries = defineQuery({
  build: (scope: FlowScope) => {
    const { where, params } = common(scope);
    return { sql: flowStepsSql(where), params };
  },
  columns: { id: str, type: str, ...DETAILS },
});

export async function getFlows(
  reader: AnalyticsReader,
  scope: FlowScope,
  path: readonly string[],
  signal: AbortSignal | undefined,
): Promise<{ nodes: FlowNode[] }> {
  return { nodes: await flowNodes(reader, { scope, path }, signal) };
}

export async function getFlowStepDetails(
  reader: AnalyticsReader,
  scope: FlowScope,
  step: string,
  signal: AbortSignal | undefined,
): Promise<FlowStepDetails> {
  const [r] = await stepDetails(reader, { scope, step }, signal);
  return r ?? { message_count: 0, drop_off_count: 0, conversation_count: 0 };
}

export async function getFlowStepEdges(
  reader: AnalyticsReader,
  scope: FlowScope,
  step: string,
  direction: EdgeDirection,
  signal: AbortSignal | undefined,
): Promise<{ edges: FlowEdge[] }> {
  const edges = await stepEdges(reader, { scope, step, direction }, signal);
  return {
    edges: edges.map((e) => {
      const neighbour = { id: e.id, type: e.type };
      const self = { id: step, type: e.self_type };
      return {
        count: e.count,
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
  return { steps: await stepSummaries(reader, scope, signal) };
}
