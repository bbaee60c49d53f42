/**
 * Attribute filters, written from CONTRACT-LIVE-API.md "Shared types" only.
 *
 * A filter reads one value's text: an attribute's (a string is itself, a number or a
 * boolean its JSON text) or, for a `$` key, an event field. '' or absent = "not set",
 * which matches only neq, not_contains and is_not_set.
 */
import type { RefAttributes } from './events.js';
import type { ModelEvent } from './model.js';

export interface RefFilter {
  key: string;
  operator: string;
  type?: string;
  value?: string[];
}

/** The text a filter compares: '' when the key is absent. */
export function attributeText(attributes: RefAttributes | undefined, key: string): string {
  const v = attributes && Object.hasOwn(attributes, key) ? attributes[key] : undefined;
  if (v === undefined) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * "A value that is not a number never matches": a number here is an optional sign, digits
 * with an optional fraction (or a fraction alone) and an optional exponent — decision 1 of
 * docs/decisions/issue-13-filters.md (no spaces, no Infinity/NaN, no hex).
 */
export function asNumber(text: string): number | undefined {
  if (!/^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

function equals(text: string, wanted: string, type: string): boolean {
  if (type === 'number') {
    const a = asNumber(text);
    const b = asNumber(wanted);
    return a !== undefined && b !== undefined && a === b;
  }
  if (type === 'boolean') {
    const w = wanted.toLowerCase();
    return (w === 'true' || w === 'false') && text.toLowerCase() === w;
  }
  return text === wanted;
}

export function matchesFilter(text: string, f: RefFilter): boolean {
  const set = text !== '';
  const type = f.type ?? 'string';
  const values = f.value ?? [];
  switch (f.operator) {
    case 'is_set':
      return set;
    case 'is_not_set':
      return !set;
    case 'eq':
      return set && values.some((w) => equals(text, w, type));
    case 'neq':
      return !(set && values.some((w) => equals(text, w, type)));
    case 'contains':
      return set && values.some((w) => text.toLowerCase().includes(w.toLowerCase()));
    case 'not_contains':
      return !(set && values.some((w) => text.toLowerCase().includes(w.toLowerCase())));
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const a = asNumber(text);
      const b = asNumber(values[0] ?? '');
      if (a === undefined || b === undefined) return false;
      if (f.operator === 'gt') return a > b;
      if (f.operator === 'gte') return a >= b;
      if (f.operator === 'lt') return a < b;
      return a <= b;
    }
    default:
      throw new Error(`reference: unknown operator ${f.operator}`);
  }
}

/** All filters hold (ANDed), each reading its key through `textOf`. */
export function matchesAll(textOf: (key: string) => string, filters: readonly RefFilter[] | undefined): boolean {
  return (filters ?? []).every((f) => matchesFilter(textOf(f.key), f));
}

/** A tracking event's text for a key: a `$` field, or an attribute (JSON text for numbers/booleans). */
export function eventKeyText(e: ModelEvent, conversationId: string | undefined, key: string): string {
  switch (key) {
    case '$channel_type':
      return e.channel_type;
    case '$language':
      return e.language;
    case '$campaign_id':
      return e.raw.campaign_id ?? '';
    case '$campaign_source':
      return e.raw.campaign_source ?? '';
    case '$user_id':
      return e.user_id ?? '';
    case '$conversation_id':
      return conversationId ?? '';
    default:
      return attributeText(e.raw.attributes, key);
  }
}
