/**
 * Analytics_GetFlows, Analytics_GetFlowStepDetails, Analytics_GetFlowStepEdges
 * (CONTRACT §2 Flow/DROPOFF, §4, §7).
 *
 * All three are conversation metrics: conversations of the bot+version that
 * started in range, filtered on their first event, with ALL their steps
 * (also those after end_time). A flow is the conversation's `step` events in
 * timestamp order, ties by ingest order, taken as is: repeats (A→A) and
 * cycles (A→B→A) are not collapsed, each visit is a node of the sequence.
 */
import type { Conversation, Model } from './model.js';
import { byCountDescThenText } from './order.js';
import { all, botConversations, filtersOf, type PathParams, type Query, rangeOf, required } from './params.js';

export const DROPOFF = 'DROPOFF';

export interface FlowStep {
  occurrences: number;
  id: string;
}

export interface RefStep {
  id: string;
  type: string;
}

export interface Edge {
  count: number;
  id: string;
  type: string;
  /** CONTRACT-LIVE-API §6: sources = neighbour → step, targets = step → neighbour. */
  from_step: RefStep;
  to_step: RefStep;
}

function flowConversations(model: Model, path: PathParams, q: Query, version: string): Conversation[] {
  return botConversations(model, required(path, 'bot_id'), version, rangeOf(q), filtersOf(q));
}

/**
 * The `path` prefix: repeated `path=` values, then `path[0]=`, `path[1]=`…
 * in index order (the OpenAPI description shows both spellings).
 * Decision: values are used literally (an empty `path=` is a step id '').
 */
export function pathOf(q: Query): string[] {
  const indexed = Object.keys(q)
    .map((k) => /^path\[(\d+)\]$/.exec(k))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .flatMap((m) => all(q, m[0]));
  return [...all(q, 'path'), ...indexed];
}

/**
 * Path explorer: for each conversation whose step sequence STARTS with the
 * prefix, the node right after it, or DROPOFF when the sequence ends there.
 * Decision: conversations without any step are not part of flows at all
 * (they are not a DROPOFF of the empty prefix): a flow diagram starts at the
 * first step, and a conversation that never entered a step has no flow.
 */
export function getFlows(model: Model, path: PathParams, q: Query): { nodes: FlowStep[] } {
  const prefix = pathOf(q);
  const counts = new Map<string, number>();
  for (const c of flowConversations(model, path, q, required(q, 'version'))) {
    const ids = c.steps.map((s) => s.step_id);
    if (ids.length === 0 || ids.length < prefix.length) continue;
    if (!prefix.every((p, i) => ids[i] === p)) continue;
    const next = ids[prefix.length] ?? DROPOFF;
    counts.set(next, (counts.get(next) ?? 0) + 1);
  }
  const nodes = [...counts.entries()].map(([id, occurrences]) => ({ occurrences, id }));
  nodes.sort(
    byCountDescThenText(
      (n) => n.occurrences,
      (n) => n.id,
    ),
  );
  return { nodes };
}

export interface FlowStepDetails {
  message_count: number;
  drop_off_count: number;
  conversation_count: number;
}

/** Times the step ran, distinct conversations with it, conversations whose last step it is. */
export function getFlowStepDetails(model: Model, path: PathParams, q: Query): FlowStepDetails {
  const step = required(path, 'step_id');
  let message_count = 0;
  let conversation_count = 0;
  let drop_off_count = 0;
  for (const c of flowConversations(model, path, q, required(q, 'version'))) {
    const hits = c.steps.filter((s) => s.step_id === step).length;
    message_count += hits;
    if (hits > 0) conversation_count += 1;
    if (c.steps[c.steps.length - 1]?.step_id === step) drop_off_count += 1;
  }
  return { message_count, drop_off_count, conversation_count };
}

/**
 * Edges of a step, counted per transition (a conversation visiting A→B twice
 * counts 2). `sources`: the step right before each visit (a first step has
 * none); `targets`: the step right after each visit, or DROPOFF (type
 * DROPOFF) after the last step. The seed's path has the version as a PATH
 * parameter; the published path (CONTRACT-LIVE-API §6) has it in the query.
 *
 * Decision: an edge is keyed by the neighbour's (step_id, step_type) as
 * recorded on that neighbour's event, so one id seen with two step_types
 * gives two edges; ties on count and id are then ordered by type ascending
 * so the output is deterministic. A step event without step_type has type ''.
 *
 * CONTRACT-LIVE-API §6: `from_step`/`to_step` name both ends, each with its
 * step_type "on that traversal". For the requested step that is the type of
 * ITS event on that transition, so (decision) visits of the requested step
 * recorded with different types are different edges too; they are ordered
 * last by the requested step's type ascending.
 */
export function getFlowStepEdges(model: Model, path: PathParams, q: Query): { edges: Edge[] } {
  const step = required(path, 'step_id');
  const type = required(q, 'type');
  if (type !== 'sources' && type !== 'targets') throw new Error(`bad edge type ${type}`);
  const version = path.version ?? required(q, 'version');
  const counts = new Map<string, Edge>();
  const add = (neighbour: RefStep, self: RefStep): void => {
    const k = JSON.stringify([neighbour.id, neighbour.type, self.type]);
    const e = counts.get(k);
    if (e !== undefined) {
      e.count += 1;
      return;
    }
    const ends = type === 'sources' ? { from_step: neighbour, to_step: self } : { from_step: self, to_step: neighbour };
    counts.set(k, { count: 1, id: neighbour.id, type: neighbour.type, ...ends });
  };
  for (const c of flowConversations(model, path, q, version)) {
    c.steps.forEach((s, i) => {
      if (s.step_id !== step) return;
      const self = { id: s.step_id, type: s.step_type };
      if (type === 'sources') {
        const prev = c.steps[i - 1];
        if (prev !== undefined) add({ id: prev.step_id, type: prev.step_type }, self);
      } else {
        const next = c.steps[i + 1];
        if (next === undefined) add({ id: DROPOFF, type: DROPOFF }, self);
        else add({ id: next.step_id, type: next.step_type }, self);
      }
    });
  }
  const edges = [...counts.values()];
  const byCountId = byCountDescThenText<Edge>(
    (e) => e.count,
    (e) => e.id,
  );
  const byText = (f: (e: Edge) => string) =>
    byCountDescThenText<Edge>(
      () => 0,
      (e) => f(e),
    );
  const byType = byText((e) => e.type);
  const bySelfType = byText((e) => (type === 'sources' ? e.to_step.type : e.from_step.type));
  edges.sort((a, b) => byCountId(a, b) || byType(a, b) || bySelfType(a, b));
  return { edges };
}
