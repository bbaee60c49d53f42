/**
 * Reading the event-stream requests (CONTRACT-LIVE-API §2) into typed inputs: the exact
 * match parameters of the GET, the body of the POST (each problem a 400 naming the body
 * field), and the attribute-values body.
 */
import type { StreamMatch } from '../analytics/event-stream.ts';
import { parseTimezone, type TimeRange } from '../analytics/time-range.ts';
import type { BotVersion } from '../ingest/event.ts';
import { FIELD_MAX_CHARS } from '../ingest/limits.ts';
import { badField, badParam, ServiceError } from './errors.ts';
import { filtersField } from './filter-body.ts';
import { parsePageSize } from './page-tokens.ts';
import { jsonObjectBody, type Query, rangeParam, textParam, versionParam } from './params.ts';
import { assertStorableText } from './routes/well-formed.ts';

/** The exact-match fields and the cap of each (an id's, an event name's, a campaign's). */
const EXACT_FIELDS = [
  ['event', 'event', FIELD_MAX_CHARS.event],
  ['conversation_id', 'conversationId', FIELD_MAX_CHARS.conversation_id],
  ['user_id', 'userId', FIELD_MAX_CHARS.user_id],
  ['campaign_id', 'campaignId', FIELD_MAX_CHARS.campaign_id],
] as const;

/**
 * One exact-match value: '' or absent = no condition (as for the other optional query
 * parameters); longer than the ingest cap = 400, since no stored event can hold it.
 */
function exactValue(v: string | undefined, max: number, fail: (reason: string) => ServiceError): string | undefined {
  if (v === undefined || v === '') return undefined;
  if (v.length > max) throw fail(`must be at most ${max} characters`);
  return v;
}

/** `event`, `conversation_id`, `user_id`, `campaign_id` of the GET stream. */
export function streamMatchParams(query: Query): StreamMatch {
  const m: StreamMatch = { filters: [] };
  for (const [name, prop, max] of EXACT_FIELDS) {
    m[prop] = exactValue(textParam(query[name]), max, (r) => badParam(name, r));
  }
  return m;
}

/** A query-parameter 400 (badParam) turned into the same 400 naming a body field. */
function toField(err: unknown): unknown {
  if (!(err instanceof ServiceError)) return err;
  const d = err.details[0] as { parameter?: unknown; reason?: unknown } | undefined;
  if (typeof d?.parameter !== 'string') return err;
  return badField(d.parameter, typeof d.reason === 'string' ? d.reason : err.message);
}

/** Runs a query-parameter reader on a body value: its 400 then names the body field. */
export function asField<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw toField(err);
  }
}

/**
 * The body as an object whose text is well-formed: a lone surrogate or a NUL can be in no
 * stored event, so a filter holding one is a client bug (400 naming the field).
 */
export function bodyObject(body: unknown): Record<string, unknown> {
  const b = jsonObjectBody(body);
  asField(() => assertStorableText(b));
  return b;
}

/** An optional string field (the document types it, so a wrong type rarely gets here). */
function stringField(b: Record<string, unknown>, name: string): string | undefined {
  const v = b[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badField(name, 'must be a string');
  return v;
}

export interface StreamBody {
  version: BotVersion;
  range: TimeRange;
  pageSize: number;
  pageToken: string | undefined;
  match: StreamMatch;
}

/**
 * The POST stream body. `timezone` is a body field, or the query parameter when the body
 * has none (a body timezone wins over the query's); a bad query timezone is a 400 naming
 * the parameter even when the body has one.
 */
export function streamBody(body: unknown, query: Query): StreamBody {
  const b = bodyObject(body);
  const version = asField(() => versionParam(b.version));
  const bodyTz = stringField(b, 'timezone');
  const queryTz = textParam(query.timezone);
  // The body's zone wins, but a bad query zone is still bad input.
  if (queryTz !== undefined) parseTimezone({ timezone: queryTz });
  const tz = bodyTz ?? queryTz;
  const rangeInput = {
    start_time: stringField(b, 'start_time'),
    end_time: stringField(b, 'end_time'),
    timezone: tz,
  };
  const range = asField(() => rangeParam(rangeInput));
  const pageSize = asField(() => parsePageSize(b.page_size ?? undefined));
  const match: StreamMatch = { filters: filtersField(b.filters, 'filters') };
  for (const [name, prop, max] of EXACT_FIELDS) {
    match[prop] = exactValue(stringField(b, name), max, (r) => badField(name, r));
  }
  return { version, range, pageSize, pageToken: stringField(b, 'page_token'), match };
}

export interface AttributeValuesBody {
  query: string;
  event: string | undefined;
  version: BotVersion | undefined;
}

/**
 * `{query, event?, version?}`. An absent `query` is taken as '' (every value):
 * the published API sends it always, and refusing a missing one would help no one.
 */
export function attributeValuesBody(body: unknown): AttributeValuesBody {
  const b = bodyObject(body);
  const query = stringField(b, 'query') ?? '';
  if (query.length > 1024) throw badField('query', 'must be at most 1024 characters');
  const event = exactValue(stringField(b, 'event'), FIELD_MAX_CHARS.event, (r) => badField('event', r));
  const v = stringField(b, 'version');
  const version = v === undefined || v === '' ? undefined : asField(() => versionParam(v));
  return { query, event, version };
}
