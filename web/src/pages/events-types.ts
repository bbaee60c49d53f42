// Response and request shapes of the Events operations (openapi/seed.yaml + additions.yaml).

export interface EventDefinition {
  id: string;
  bot_id: string;
  team_id?: string;
  event: string;
  description: string;
  created_at: string;
  /** Absent for a definition never seen in ingest (CONTRACT §8). */
  last_seen_at?: string;
  volume_30_day: number;
}

export interface ListDefinitionsResponse {
  event_definitions: EventDefinition[];
  next_page_token: string;
}

export interface TrackingEvent {
  id: string;
  event: string;
  bot_id: string;
  version: string;
  user_id: string;
  channel_id: string;
  channel_type: string;
  conversation_id: string;
  /** The attributes object as JSON text. */
  attributes: string;
  timestamp: string;
}

export interface ListEventsResponse {
  events: TrackingEvent[];
  next_page_token: string;
}

/** CONTRACT-LIVE-API "Filter": `key` is an attribute name or a `$` event field. */
export interface AttributeFilter {
  key: string;
  operator: string;
  value: string[];
}

export const OPERATORS: { id: string; label: string }[] = [
  { id: 'eq', label: 'equals one of' },
  { id: 'neq', label: 'equals none of' },
  { id: 'contains', label: 'contains one of' },
  { id: 'not_contains', label: 'contains none of' },
  { id: 'gt', label: '>' },
  { id: 'gte', label: '≥' },
  { id: 'lt', label: '<' },
  { id: 'lte', label: '≤' },
  { id: 'is_set', label: 'is set' },
  { id: 'is_not_set', label: 'is not set' },
];

/** Operators that ignore `value` (the API accepts an empty list for them). */
export const NO_VALUE = new Set(['is_set', 'is_not_set']);

/** A filter the API can take: a key, and values when the operator reads them. */
export function completeFilter(f: AttributeFilter): boolean {
  return f.key.trim() !== '' && (NO_VALUE.has(f.operator) || f.value.length > 0);
}

/** Filters from the address (JSON): malformed entries are dropped, not fatal. */
export function parseFilterList(text: string | null): AttributeFilter[] {
  if (!text) return [];
  try {
    const raw = JSON.parse(text) as unknown;
    if (!Array.isArray(raw)) return [];
    return raw.flatMap((f: unknown) => {
      if (typeof f !== 'object' || f === null) return [];
      const o = f as Record<string, unknown>;
      const value = Array.isArray(o.value) ? o.value.filter((v): v is string => typeof v === 'string') : [];
      return typeof o.key === 'string' && typeof o.operator === 'string'
        ? [{ key: o.key, operator: o.operator, value }]
        : [];
    });
  } catch {
    // A hand-edited address: no filters rather than an error.
    return [];
  }
}

export interface AttributeValuesResponse {
  attributes: { key: string; value: string }[];
}

export interface FunnelStepCount {
  event_id: string;
  count: number;
  order: number;
  breakdown_value: string;
}

export interface FunnelResponse {
  result: { values: FunnelStepCount[] }[];
}
