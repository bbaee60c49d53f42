/**
 * Parse at the edge (DESIGN.md "House style"): the one place that reads a request's query
 * values and turns them into the typed inputs services take (BotVersion, TimeRange,
 * Filters, group-by fields, flow paths). Services never see a query string; their
 * domain rules (time zones, buckets) throw src/errors.ts errors that name the parameter.
 */
import type { EdgeDirection } from '../analytics/flows.ts';
import type { BotScope } from '../analytics/query.ts';
import type { Filters } from '../analytics/sql.ts';
import { TEAM_GROUP_FIELDS, type TeamGroupField } from '../analytics/team-group-by.ts';
import { parseTimeRange, type RangeOptions, type TimeRange } from '../analytics/time-range.ts';
import type { BotVersion } from '../ingest/event.ts';
import { badField, badParam } from './errors.ts';
import { firstParam } from './querystring.ts';

export type Query = Record<string, unknown>;

/** One value of a query parameter as text (a repeated parameter takes its first value). */
export function textParam(value: unknown): string | undefined {
  const v = firstParam(value);
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : String(v);
}

export function versionParam(value: unknown, name = 'version'): BotVersion {
  const v = textParam(value);
  if (v === 'DRAFT' || v === 'LIVE') return v;
  if (v === undefined || v === '') throw badParam(name, 'is required (DRAFT or LIVE)');
  throw badParam(name, 'must be DRAFT or LIVE');
}

/** Comma-separated OR list (channel_type, language); empty → no filter. */
export function listParam(value: unknown): string[] {
  const raw = Array.isArray(value) ? value.join(',') : typeof value === 'string' ? value : '';
  return [
    ...new Set(
      raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    ),
  ];
}

export function filtersParam(query: Query): Filters {
  return { channelTypes: listParam(query.channel_type), languages: listParam(query.language) };
}

/** start_time, end_time, timezone and bucket, given their meaning by analytics/time-range.ts. */
export function rangeParam(query: Query, opts: RangeOptions = {}): TimeRange {
  return parseTimeRange(
    {
      start_time: textParam(query.start_time),
      end_time: textParam(query.end_time),
      timezone: textParam(query.timezone),
      bucket: textParam(query.bucket),
    },
    opts,
  );
}

/** Tenant, bot, version, time range (+ timezone, bucket) and filters of a bot analytics request. */
export function botScopeParam(
  teamId: string,
  botId: string,
  query: Query,
  opts: RangeOptions = {},
  version: unknown = query.version,
): BotScope {
  return {
    teamId,
    botId,
    version: versionParam(version),
    range: rangeParam(query, opts),
    filters: filtersParam(query),
  };
}

/**
 * `group_by` of the team conversations: a comma list of distinct known fields, in the order
 * that labels join them. Items are trimmed and empty items dropped (`group_by=` = no
 * grouping). An unknown or repeated field is a 400 naming `group_by` (issue 6): a repeated
 * field would only duplicate label parts, so it is taken as a client mistake.
 */
export function teamGroupByParam(value: unknown): TeamGroupField[] {
  const raw = textParam(value);
  if (raw === undefined) return [];
  const fields: TeamGroupField[] = [];
  for (const item of raw.split(',')) {
    const name = item.trim();
    if (name === '') continue;
    const field = TEAM_GROUP_FIELDS.find((f) => f === name);
    if (field === undefined) {
      throw badParam('group_by', `unknown field "${name}"; allowed: ${TEAM_GROUP_FIELDS.join(', ')}`);
    }
    if (fields.includes(field)) throw badParam('group_by', `field "${name}" is listed more than once`);
    fields.push(field);
  }
  return fields;
}

/** Longest `path` prefix accepted (a flow diagram deeper than this is not a UI case). */
export const MAX_PATH_STEPS = 50;

/**
 * The flows `path` prefix. The query parser already turns both `path=a&path=b` and
 * `path[0]=a&path[1]=b` into one ordered string[]; a single value may still arrive as a
 * string. An empty element is rejected rather than matched as a step id '' (no dialog
 * state has an empty id; it is almost surely a client bug).
 */
export function pathParam(value: unknown): string[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  if (list.length > MAX_PATH_STEPS) throw badParam('path', `at most ${MAX_PATH_STEPS} steps`);
  return list.map((v, i) => {
    if (typeof v !== 'string' || v === '') throw badParam('path', `element ${i} is empty`);
    return v;
  });
}

export function edgeDirectionParam(value: unknown): EdgeDirection {
  const v = textParam(value);
  if (v === 'sources' || v === 'targets') return v;
  if (v === undefined || v === '') throw badParam('type', 'is required (sources or targets)');
  throw badParam('type', 'must be sources or targets');
}

/** A JSON request body that must be an object (else a 400 naming `body`). */
export function jsonObjectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badField('body', 'must be a JSON object');
  return body as Record<string, unknown>;
}
