/**
 * The fuzz's view of the served OpenAPI document: every operation with its path and
 * query parameters (required flag from the document, meaning from the name and the
 * document's own descriptions) and its JSON body fields. New operations and parameters
 * are picked up from the document; a parameter whose name is not known below is fuzzed
 * by its schema type (integer → int, anything else → free text).
 */
import { listRoutes, type OpenApiDocument, type OpenApiParameter, resolveRef } from '../../src/api/openapi.ts';
import { scopeOf } from '../../src/api/scopes.ts';
import type { FieldKind, Kind } from './fuzz-values.ts';

export interface FuzzParam {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  kind: Kind;
}

export interface FuzzField {
  name: string;
  required: boolean;
  kind: FieldKind;
  enumValues?: readonly string[];
  /** The valid value of the baseline request, when the kind's default does not fit. */
  valid?: unknown;
}

export interface FuzzOperation {
  operationId: string;
  method: string;
  /** OpenAPI path template, e.g. /v1/bots/{bot_id}/messages. */
  path: string;
  params: FuzzParam[];
  /** JSON body fields; undefined = the operation takes no body. */
  body?: FuzzField[];
  /** Ingest: the body is a list of events (fields are the event's). */
  eventBody?: boolean;
}

/** Quoted values in a description: "one of 'sources' or 'targets'". */
const quoted = (text: string): string[] => [...text.matchAll(/'([^']+)'/g)].map((m) => m[1] as string);

/** "Supported values are 1h,1d,1w." → ['1h', '1d', '1w']. */
function supportedValues(text: string): string[] {
  const m = /Supported values are ([^.\n]+)/.exec(text);
  return m?.[1] ? m[1].split(/[\s,]+/).filter((s) => s.length > 0) : [];
}

/** "[bot_id, bot_version, …]" or "Can be channel_type or language". */
function groupValues(text: string): string[] {
  const bracket = /\[([^\]]+)\]/.exec(text);
  if (bracket?.[1]) return bracket[1].split(',').map((s) => s.trim());
  const can = /Can be ([\w ,]+)/.exec(text);
  return can?.[1]
    ? can[1]
        .split(/,|\bor\b/)
        .map((s) => s.trim())
        .filter((s) => s.length > 0)
    : [];
}

// CONTRACT §3: version is DRAFT or LIVE everywhere (the seed's descriptions rarely say so).
const VERSIONS = ['DRAFT', 'LIVE'] as const;

function kindOf(p: OpenApiParameter): Kind {
  const text = p.description ?? '';
  switch (p.name) {
    case 'version':
      return { t: 'enum', values: VERSIONS };
    case 'start_time':
    case 'end_time':
      return { t: 'time' };
    case 'timezone':
      return { t: 'timezone' };
    case 'bucket':
      return { t: 'enum', values: supportedValues(text) };
    case 'stat':
    case 'type':
      return { t: 'enum', values: quoted(text) };
    case 'group_by': {
      const values = groupValues(text);
      return values.length > 2 ? { t: 'teamGroup', values } : { t: 'enum', values };
    }
    case 'page_token':
    case 'after':
    case 'before':
      return { t: 'token' };
    case 'channel_type':
    case 'language':
      return { t: 'list' };
    case 'path':
      return { t: 'steps' };
    case 'step_id':
    // Any attribute name ingest takes (up to 128 characters) is a valid key.
    case 'attribute_key':
    // Supplied conversation ids are any text up to 128 characters (IngestEvent).
    case 'conversation_id':
      return { t: 'text' };
  }
  if (p.in === 'path') return { t: 'pathId' };
  return p.schema?.type === 'integer' ? { t: 'int' } : { t: 'text' };
}

/** Body field meanings by name (CONTRACT §4/§5); unknown names are free strings. */
const BODY_KINDS: Record<string, { kind: FieldKind; enumValues?: readonly string[] }> = {
  event: { kind: 'string' },
  description: { kind: 'optString' },
  target: { kind: 'url' },
  secret: { kind: 'secret' },
  event_type: { kind: 'enum', enumValues: ['TRACKING_EVENT', 'TRACKING_EVENTS', 'MESSAGE_EVENT', 'FLOW_EVENT'] },
  event_names: { kind: 'stringList' },
  version: { kind: 'enum', enumValues: ['v1'] },
  // Subscriptions (CONTRACT-LIVE-API §6); '' = both versions.
  bot_version: { kind: 'enum', enumValues: ['LIVE', 'DRAFT', ''] },
  message: { kind: 'freeString' },
  // Funnels (CONTRACT-LIVE-API §3).
  start_time: { kind: 'rangeTime' },
  end_time: { kind: 'rangeTime' },
  timezone: { kind: 'timezone' },
  steps: { kind: 'funnelSteps' },
  order_type: { kind: 'enum', enumValues: ['sequential', 'strict'] },
  breakdown_property: { kind: 'breakdown' },
  properties: { kind: 'filterList' },
};

type BodyField = Omit<FuzzField, 'name'>;
const optional = (valid: unknown): BodyField => ({ kind: 'optString', required: false, valid });
const LIVE_VERSION: BodyField = { kind: 'enum', required: true, enumValues: VERSIONS, valid: 'LIVE' };

/** Bodies whose field names mean something else than in BODY_KINDS (CONTRACT-LIVE-API reads). */
const OPERATION_BODIES: Record<string, Record<string, BodyField>> = {
  Analytics_ListEventsWithFilters: {
    version: LIVE_VERSION,
    start_time: { kind: 'rangeTime', required: true, valid: '2020-01-01T00:00:00Z' },
    end_time: { kind: 'rangeTime', required: true, valid: '2100-01-01' },
    timezone: optional('UTC'),
    page_size: { kind: 'pageSize', required: false, valid: 10 },
    page_token: optional(''),
    event: optional('buy'),
    conversation_id: optional('c1'),
    user_id: optional('u1'),
    campaign_id: optional('spring'),
    filters: { kind: 'filterList', required: false, valid: [{ key: 'plan', operator: 'is_set' }] },
  },
  Analytics_GetEventAttributeValues: {
    query: { kind: 'freeString', required: false, valid: '' },
    event: optional('buy'),
    version: { ...LIVE_VERSION, required: false },
  },
};

// Body fields whose meaning differs per operation (by operationId); 'skip' leaves a field
// out of the fuzz (an object the value kinds cannot describe; its own tests cover it).
const OPERATION_BODY_KINDS: Record<
  string,
  Record<string, { kind: FieldKind; enumValues?: readonly string[] } | 'skip'>
> = {
  // CONTRACT-LIVE-API §1: the fields of a tracking event, validated as ingest does.
  Analytics_TrackEvent: {
    id: { kind: 'optString' },
    version: { kind: 'enum', enumValues: VERSIONS },
    user_id: { kind: 'string' },
    event: { kind: 'string' },
    attributes: { kind: 'attributes' },
    timestamp: { kind: 'timestamp' },
    context: 'skip',
  },
};

// Fields the operation cannot work without even where the seed's schema lists no `required`.
const REQUIRED_BODY = new Set(['event', 'target', 'event_type', 'version', 'message']);

/** The ingest event fields of CONTRACT §1, per the event type of the template they mutate. */
export const EVENT_FIELDS: Record<string, FuzzField[]> = {
  common: [
    { name: 'id', required: false, kind: 'optString' },
    {
      name: 'type',
      required: true,
      kind: 'enum',
      enumValues: ['message', 'step', 'tracking', 'voice_call', 'kb_query'],
    },
    { name: 'timestamp', required: true, kind: 'timestamp' },
    { name: 'team_id', required: true, kind: 'identifier' },
    { name: 'bot_id', required: true, kind: 'identifier' },
    { name: 'version', required: true, kind: 'enum', enumValues: VERSIONS },
    { name: 'user_id', required: true, kind: 'string' },
    { name: 'conversation_id', required: false, kind: 'optString' },
    { name: 'channel_type', required: false, kind: 'optString' },
    { name: 'channel_id', required: false, kind: 'optString' },
    { name: 'language', required: false, kind: 'optString' },
    { name: 'campaign_id', required: false, kind: 'optString' },
    { name: 'campaign_source', required: false, kind: 'optString' },
  ],
  message: [
    { name: 'direction', required: true, kind: 'enum', enumValues: ['user', 'bot'] },
    { name: 'kind', required: true, kind: 'enum', enumValues: ['text', 'button', 'media'] },
    { name: 'intent', required: false, kind: 'intent' },
    { name: 'confidence', required: false, kind: 'unit' },
  ],
  step: [
    { name: 'step_id', required: true, kind: 'string' },
    { name: 'step_type', required: false, kind: 'optString' },
  ],
  tracking: [
    { name: 'event', required: true, kind: 'string' },
    { name: 'attributes', required: false, kind: 'attributes' },
  ],
  voice_call: [{ name: 'duration_seconds', required: true, kind: 'duration' }],
  kb_query: [
    { name: 'answered', required: true, kind: 'bool' },
    // CONTRACT-LIVE-API §5: up to 20 strings of 1–128 characters.
    { name: 'tags', required: false, kind: 'stringList' },
  ],
};

function schemaEnum(prop: unknown): string[] | undefined {
  const e = (prop as { enum?: unknown } | undefined)?.enum;
  return Array.isArray(e) && e.every((x) => typeof x === 'string') ? e : undefined;
}

/**
 * Operations that claim the bot they write to (CONTRACT §7: ingest and TrackEvent). Their
 * cases run last: a well-formed random `bot_id` they accept becomes the fuzz team's bot, and
 * a later read of it would rightly answer 200 where a never-claimed bot answers 404.
 */
const claims = (o: FuzzOperation): boolean => scopeOf(o.operationId) === 'ingest';

export function fuzzOperations(doc: OpenApiDocument): FuzzOperation[] {
  const ops = buildFuzzOperations(doc);
  return [...ops.filter((o) => !claims(o)), ...ops.filter(claims)];
}

function buildFuzzOperations(doc: OpenApiDocument): FuzzOperation[] {
  return listRoutes(doc).map((r) => {
    const params: FuzzParam[] = r.parameters
      .filter((p) => p.in === 'path' || p.in === 'query')
      .map((p) => ({ name: p.name, in: p.in as 'path' | 'query', required: p.required === true, kind: kindOf(p) }));
    const op: FuzzOperation = {
      operationId: r.operation.operationId,
      method: r.method.toUpperCase(),
      path: r.openApiPath,
      params,
    };
    const content = r.operation.requestBody?.content;
    if (content?.['application/x-ndjson']) {
      op.eventBody = true;
    } else if (content?.['application/json']) {
      let schema = content['application/json'].schema ?? {};
      if (typeof schema.$ref === 'string') schema = resolveRef<Record<string, unknown>>(doc, schema.$ref);
      const props = (schema.properties ?? {}) as Record<string, unknown>;
      const required = new Set((schema.required as string[] | undefined) ?? []);
      const own = OPERATION_BODIES[r.operation.operationId];
      const ownKinds = OPERATION_BODY_KINDS[r.operation.operationId] ?? {};
      op.body = Object.keys(props)
        .filter((name) => ownKinds[name] !== 'skip')
        .map((name) => {
          const field = own?.[name];
          if (field) return { name, ...field };
          const k = ownKinds[name] ?? BODY_KINDS[name];
          const known = k === 'skip' ? undefined : k;
          // The document's own enum first (funnels' version is DRAFT/LIVE, a subscription's v1).
          const enumValues = schemaEnum(props[name]) ?? known?.enumValues;
          return {
            name,
            required: required.has(name) || (ownKinds[name] === undefined && REQUIRED_BODY.has(name)),
            kind: known?.kind ?? 'freeString',
            ...(enumValues ? { enumValues } : {}),
          };
        });
    }
    return op;
  });
}
