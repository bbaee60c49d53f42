/**
 * Attribute filters of the live API (CONTRACT-LIVE-API.md, "Shared types"): one
 * definition of what `{key, operator, type, value}` means, compiled to ClickHouse SQL.
 * Used by the filtered event streams, the funnels (step and global filters) and their
 * breakdowns, so every operation reads an attribute the same way.
 *
 * A value's text: a string attribute is itself; a number or boolean attribute is its
 * JSON text (`1`, `1.5`, `true`). Ingest stores `attributes` as JSON.stringify output and
 * caps numbers at ±1e15, where ClickHouse's JSONExtractRaw renders numbers exactly as
 * JavaScript does (checked for 1e-7, 1.5e-10, 0.1, 1/3, 1e15, 999999999999999.9).
 * An absent key or an empty text is "not set".
 */

export const FILTER_OPERATORS = [
  'eq',
  'neq',
  'contains',
  'not_contains',
  'gt',
  'gte',
  'lt',
  'lte',
  'is_set',
  'is_not_set',
] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export const FILTER_TYPES = ['string', 'number', 'boolean'] as const;
export type FilterType = (typeof FILTER_TYPES)[number];

/** At most this many filters in one list (CONTRACT-LIVE-API: more is a 400). */
export const MAX_FILTERS = 20;

export interface AttributeFilter {
  key: string;
  operator: FilterOperator;
  type: FilterType;
  /** Ignored by is_set / is_not_set; at least one entry for every other operator. */
  value: string[];
}

/** Operators that ignore `value`. */
export const VALUELESS_OPERATORS: ReadonlySet<FilterOperator> = new Set(['is_set', 'is_not_set']);

/**
 * `$` keys name an event field instead of an attribute. The column of each is fixed here;
 * only these names are ever spliced into SQL.
 */
export const EVENT_FIELD_COLUMNS = {
  $channel_type: 'channel_type',
  $language: 'language',
  $campaign_id: 'campaign_id',
  $campaign_source: 'campaign_source',
  $user_id: 'user_id',
  $conversation_id: 'conversation_id',
} as const;
export type EventFieldKey = keyof typeof EVENT_FIELD_COLUMNS;

export const isEventFieldKey = (key: string): key is EventFieldKey => Object.hasOwn(EVENT_FIELD_COLUMNS, key);

/**
 * A number as the filters read one: optional sign, digits with an optional fraction (or a
 * fraction alone), optional exponent; no spaces, no `inf`/`nan`, no hex. The same rule is
 * applied in SQL (NUMBER_RE) so both sides agree on what "is a number".
 */
export const NUMBER_PATTERN = '^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$';
const NUMBER_RE = new RegExp(NUMBER_PATTERN);

/** The number a text holds under NUMBER_PATTERN, or undefined. */
export function numberOf(text: string): number | undefined {
  if (!NUMBER_RE.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

export interface SqlPart {
  sql: string;
  params: Record<string, unknown>;
}

/**
 * SQL for the text of `key` on an events row: a `$` field's column, or the attribute's
 * text read from the JSON column `attributesCol` ('' when absent). The key travels as a
 * parameter named `pname`.
 */
export function eventValueSql(key: string, pname: string, attributesCol = 'attributes'): SqlPart {
  if (isEventFieldKey(key)) return { sql: `toString(${EVENT_FIELD_COLUMNS[key]})`, params: {} };
  const k = `{${pname}:String}`;
  return {
    sql: `if(JSONType(${attributesCol}, ${k}) = 'String', JSONExtractString(${attributesCol}, ${k}), JSONExtractRaw(${attributesCol}, ${k}))`,
    params: { [pname]: key },
  };
}

/** Resolves a filter key to the SQL of its value text on the row being filtered. */
export type ValueResolver = (key: string, pname: string) => SqlPart;

export const eventValueResolver: ValueResolver = (key, pname) => eventValueSql(key, pname);

/**
 * One filter over a value expression `v` (text, '' = not set). Parameters are named
 * `${pname}_*`. Returns a boolean SQL expression.
 */
export function filterOverValue(f: AttributeFilter, v: string, pname: string): SqlPart {
  const isSet = `(${v} != '')`;
  const values = `{${pname}_v:Array(String)}`;
  switch (f.operator) {
    case 'is_set':
      return { sql: isSet, params: {} };
    case 'is_not_set':
      return { sql: `NOT ${isSet}`, params: {} };
    case 'eq':
    case 'neq': {
      const eq = equalsOneOf(f, v, pname);
      return f.operator === 'eq' ? eq : { sql: `NOT (${eq.sql})`, params: eq.params };
    }
    case 'contains':
    case 'not_contains': {
      const sql = `(${isSet} AND arrayExists(x -> positionCaseInsensitiveUTF8(${v}, x) > 0, ${values}))`;
      return { sql: f.operator === 'contains' ? sql : `NOT ${sql}`, params: { [`${pname}_v`]: f.value } };
    }
    default: {
      // gt/gte/lt/lte compare numbers with value[0]; a side that is not a number never matches.
      const bound = numberOf(f.value[0] ?? '');
      if (bound === undefined) return { sql: '0', params: {} };
      const op = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[f.operator];
      return {
        // OrZero, not OrNull: the pattern already guarantees a number, and a Nullable result
        // would make every expression built on this one Nullable (a funnel's step bitmask
        // read past its end gave NULL instead of 0 and counted a step as reached).
        sql: `(match(${v}, {${pname}_re:String}) AND toFloat64OrZero(${v}) ${op} {${pname}_n:Float64})`,
        params: { [`${pname}_re`]: NUMBER_PATTERN, [`${pname}_n`]: bound },
      };
    }
  }
}

/** `eq` by type: exact text (string), numeric (number), case-insensitive true/false (boolean). */
function equalsOneOf(f: AttributeFilter, v: string, pname: string): SqlPart {
  const isSet = `(${v} != '')`;
  if (f.type === 'number') {
    const nums = f.value.map(numberOf).filter((n): n is number => n !== undefined);
    return {
      sql: `(match(${v}, {${pname}_re:String}) AND has({${pname}_nv:Array(Float64)}, toFloat64OrZero(${v}) + 0))`,
      params: { [`${pname}_re`]: NUMBER_PATTERN, [`${pname}_nv`]: nums },
    };
  }
  if (f.type === 'boolean') {
    const bools = f.value.map((x) => x.toLowerCase()).filter((x) => x === 'true' || x === 'false');
    return {
      sql: `(${isSet} AND has({${pname}_bv:Array(String)}, lowerUTF8(${v})))`,
      params: { [`${pname}_bv`]: bools },
    };
  }
  return { sql: `(${isSet} AND has({${pname}_v:Array(String)}, ${v}))`, params: { [`${pname}_v`]: f.value } };
}

/** All filters ANDed (`1` when there are none), each key read through `resolve`. */
export function filtersSql(filters: readonly AttributeFilter[], prefix: string, resolve: ValueResolver): SqlPart {
  if (filters.length === 0) return { sql: '1', params: {} };
  const parts: string[] = [];
  const params: Record<string, unknown> = {};
  filters.forEach((f, i) => {
    const pname = `${prefix}${i}`;
    const value = resolve(f.key, `${pname}_k`);
    const one = filterOverValue(f, value.sql, pname);
    parts.push(one.sql);
    Object.assign(params, value.params, one.params);
  });
  return { sql: `(${parts.join(' AND ')})`, params };
}
