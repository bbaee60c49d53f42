/**
 * Flow analytics services: path explorer, step details, step edges
 * (CONTRACT §2 Flow/DROPOFF, §4, §7). Conversation metrics: conversations of
 * the bot+version that started in range, filtered on their first event, with
 * all their steps (also those after end_time).
 */
import type { AnalyticsReader } from '../store/clickhouse/reader.ts';
import { FIRST_EVENT_FILTER_COLS } from './conversation-facts.ts';
import { flowStepDetailsSql, flowStepEdgesSql, flowStepsSql, flowsSql } from './flows-sql.ts';
import { num, selectRows, str } from './query.ts';
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

export async function getFlows(
  reader: AnalyticsReader,
  scope: FlowScope,
  path: readonly string[],
  signal: AbortSignal | undefined,
): Promise<{ nodes: FlowNode[] }> {
  const { where, params } = common(scope);
  const nodes = await selectRows(
    reader,
    flowsSql(where),
    { ...params, path, path_len: path.length },
    { occurrences: num, id: str },
    signal,
  );
  return { nodes: nodes.map((n) => ({ occurrences: n.occurrences, id: n.id })) };
}

export async function getFlowStepDetails(
  reader: AnalyticsReader,
  scope: FlowScope,
  step: string,
  signal: AbortSignal | undefined,
): Promise<FlowStepDetails> {
  const { where, params } = common(scope);
  const [r] = await selectRows(reader, flowStepDetailsSql(where), { ...params, step }, DETAILS, signal);
  return r ?? { message_count: 0, drop_off_count: 0, conversation_count: 0 };
}

export async function getFlowStepEdges(
  reader: AnalyticsReader,
  scope: FlowScope,
  step: string,
  direction: EdgeDirection,
  signal: AbortSignal | undefined,
): Promise<{ edges: FlowEdge[] }> {
  const { where, params } = common(scope);
  const edges = await selectRows(
    reader,
    flowStepEdgesSql(where, direction),
    { ...params, step },
    { count: num, id: str, type: str, self_type: str },
    signal,
  );
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
  const { where, params } = common(scope);
  const steps = await selectRows(reader, flowStepsSql(where), params, { id: str, type: str, ...DETAILS }, signal);
  return {
    steps: steps.map((s) => ({
      id: s.id,
      type: s.type,
      message_count: s.message_count,
      conversation_count: s.conversation_count,
      drop_off_count: s.drop_off_count,
    })),
  };
}
