import {
  type AttributeFilter,
  FILTER_OPERATORS,
  FILTER_TYPES,
  type FilterOperator,
  type FilterType,
  isEventFieldKey,
  MAX_FILTERS,
  VALUELESS_OPERATORS,
} from '../analytics/attribute-filters.ts';
import { ATTRIBUTE_KEY_MAX_CHARS, ATTRIBUTE_VALUE_MAX_CHARS } from '../ingest/limits.ts';
import { badField } from './errors.ts';

/** Most values one filter may list (an `eq` over more is a lookup table, not a filter). */
export const MAX_FILTER_VALUES = 100;

/**
 * A list of `Filter`s from a JSON body (CONTRACT-LIVE-API "Shared types"), each problem a
 * 400 naming the field as `<field>[i].<part>`: unknown operator or type, a `value` missing
 * or empty where the operator needs one, more than 20 filters, an unknown `$` field.
 * `type` defaults to `string`; `value` is ignored (and may be absent) for is_set/is_not_set.
 */
export function filtersField(raw: unknown, field: string): AttributeFilter[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw badField(field, 'must be a list of filters');
  if (raw.length > MAX_FILTERS) throw badField(field, `at most ${MAX_FILTERS} filters`);
  return raw.map((f, i) => filterField(f, `${field}[${i}]`));
}

function filterField(raw: unknown, at: string): AttributeFilter {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw badField(at, 'must be an object');
  const o = raw as Record<string, unknown>;
  const key = o.key;
  if (typeof key !== 'string' || key === '')
    throw badField(`${at}.key`, 'is required (an attribute name or a $ field)');
  if (key.length > ATTRIBUTE_KEY_MAX_CHARS)
    throw badField(`${at}.key`, `must be at most ${ATTRIBUTE_KEY_MAX_CHARS} characters`);
  if (key.startsWith('$') && !isEventFieldKey(key))
    throw badField(
      `${at}.key`,
      `unknown event field "${key}"; $ fields: $channel_type, $language, $campaign_id, $campaign_source, $user_id, $conversation_id`,
    );
  const operator = o.operator;
  if (typeof operator !== 'string' || !(FILTER_OPERATORS as readonly string[]).includes(operator))
    throw badField(`${at}.operator`, `must be one of ${FILTER_OPERATORS.join(', ')}`);
  const type = o.type ?? 'string';
  if (typeof type !== 'string' || !(FILTER_TYPES as readonly string[]).includes(type))
    throw badField(`${at}.type`, `must be one of ${FILTER_TYPES.join(', ')}`);
  const op = operator as FilterOperator;
  let value: string[] = [];
  if (!VALUELESS_OPERATORS.has(op)) {
    const v = o.value;
    if (!Array.isArray(v) || v.length === 0)
      throw badField(`${at}.value`, `is required for "${op}" (a non-empty list of strings)`);
    if (v.length > MAX_FILTER_VALUES) throw badField(`${at}.value`, `at most ${MAX_FILTER_VALUES} values`);
    v.forEach((x, j) => {
      if (typeof x !== 'string') throw badField(`${at}.value[${j}]`, 'must be a string');
      if (x.length > ATTRIBUTE_VALUE_MAX_CHARS)
        throw badField(`${at}.value[${j}]`, `must be at most ${ATTRIBUTE_VALUE_MAX_CHARS} characters`);
    });
    value = v as string[];
  } else if (o.value !== undefined && o.value !== null && !Array.isArray(o.value)) {
    throw badField(`${at}.value`, 'must be a list of strings');
  }
  return { key, operator: op, type: type as FilterType, value };
}
