/**
 * Fuzz cases of one operation: a valid request (from the seeded team) with exactly one
 * parameter, body field or body property made bad. Built from the served document
 * (fuzz-doc.ts), so a new operation or parameter is fuzzed without touching this file.
 */
import fc from 'fast-check';
import { EVENT_FIELDS, type FuzzField, type FuzzOperation, type FuzzParam } from './fuzz-doc.ts';
import type { RawRequest } from './fuzz-http.ts';
import { FUZZ_CONVERSATION, type SeededTeam } from './fuzz-seed.ts';
import { badJsonValues, badRawValues, type Expect, type JsonBad, type RawBad } from './fuzz-values.ts';

export interface FuzzCase {
  /** Which parameter/field was made bad and how, for the report. */
  target: string;
  label: string;
  expect: Expect;
  request: RawRequest;
}

let unique = 0;
const next = (prefix: string) => `${prefix}_${process.pid}_${++unique}`;

/** A valid value for a parameter, from the seeded team; undefined = leave the optional parameter out. */
export function validParam(p: FuzzParam, seed: SeededTeam): string | undefined {
  switch (p.name) {
    case 'bot_id':
      return seed.bot;
    case 'team_id':
      return seed.team;
    case 'step_id':
      return seed.step;
    case 'subscription_id':
      return seed.subscriptionId;
    case 'conversation_id':
      return FUZZ_CONVERSATION;
    case 'start_time':
      return seed.start;
    case 'end_time':
      return seed.end;
  }
  if (p.kind.t === 'enum') {
    if (p.name === 'version') return 'LIVE';
    return p.kind.values.includes('1d') ? '1d' : p.kind.values[0];
  }
  if (!p.required) return undefined;
  return p.kind.t === 'int' ? '1' : 'x';
}

/** A valid value for a JSON body field; `string` fields get a fresh name so creates never collide. */
function validField(f: FuzzField, seed: SeededTeam): unknown {
  if (f.valid !== undefined) return f.valid;
  switch (f.kind) {
    case 'rangeTime':
      return f.name === 'end_time' ? seed.end : seed.start;
    case 'timezone':
      return 'UTC';
    case 'breakdown':
      return '';
    case 'funnelSteps':
      return [
        { order: 1, event_id: seed.step },
        { order: 2, event_id: 'signup' },
      ];
    case 'filterList':
      return [];
    case 'string':
      return next('fuzz');
    case 'optString':
      return 'd';
    case 'url':
      return 'http://127.0.0.1:9/hook';
    case 'secret':
      return 'fuzz-secret-1';
    case 'enum':
      return f.enumValues?.[0] ?? 'x';
    case 'stringList':
      return ['signup'];
    case 'timestamp':
      return new Date(Date.now() - 3_600_000).toISOString();
    case 'attributes':
      return { a: 1 };
    default:
      return 'hi';
  }
}

function url(op: FuzzOperation, values: Map<string, RawBad['raw'] | undefined>, indexed: Set<string>): string {
  let path = op.path;
  const query: string[] = [];
  for (const p of op.params) {
    const v = values.get(p.name);
    if (v === undefined) continue;
    if (p.in === 'path') {
      path = path.replace(`{${p.name}}`, Array.isArray(v) ? (v[0] ?? '') : v);
      continue;
    }
    const list = Array.isArray(v) ? v : [v];
    list.forEach((x, i) => {
      query.push(`${indexed.has(p.name) ? `${p.name}[${i}]` : p.name}=${x}`);
    });
  }
  return query.length > 0 ? `${path}?${query.join('&')}` : path;
}

function validValues(op: FuzzOperation, seed: SeededTeam): Map<string, string | undefined> {
  const m = new Map<string, string | undefined>();
  for (const p of op.params) {
    // Event writes go to the ingest bot, which no subscription watches: a webhook delivery
    // of an accepted write must not land in a later case's before/after snapshot.
    const v = p.name === 'bot_id' && EVENT_WRITES.has(op.operationId) ? INGEST_BOT : validParam(p, seed);
    m.set(p.name, v === undefined ? undefined : encodeURIComponent(v));
  }
  return m;
}

/** Operations that write events with the bot in the path (CONTRACT-LIVE-API §1). */
const EVENT_WRITES = new Set(['Analytics_TrackEvent']);

function claimableId(raw: string): boolean {
  try {
    return ID_OK.test(decodeURIComponent(raw));
  } catch {
    return false;
  }
}

/** The operation's valid request (used first, to prove the fuzz starts from a 2xx). */
export function validRequest(op: FuzzOperation, seed: SeededTeam, overrides: Record<string, string> = {}): RawRequest {
  const values = validValues(op, seed);
  for (const [k, v] of Object.entries(overrides)) if (values.has(k)) values.set(k, encodeURIComponent(v));
  const req: RawRequest = { method: op.method, url: url(op, values, new Set()) };
  if (op.eventBody) {
    req.body = JSON.stringify([validEvent('message', seed)]);
    req.contentType = 'application/json';
  } else if (op.body) {
    // A body `team_id` (definitions, CONTRACT-LIVE-API §6) must be the token's team.
    req.body = JSON.stringify(
      Object.fromEntries(op.body.map((f) => [f.name, f.name === 'team_id' ? seed.team : validField(f, seed)])),
    );
    req.contentType = 'application/json';
  }
  return req;
}

const INGEST_BOT = 'fuzz-ingest-bot';
const EVENT_TYPES = ['message', 'step', 'tracking', 'voice_call', 'kb_query'] as const;
type EventType = (typeof EVENT_TYPES)[number];

/** A valid event of `type` for a bot of the seeded team that no subscription watches. */
function validEvent(type: EventType, seed: SeededTeam): Record<string, unknown> {
  const base = {
    id: next('ev'),
    type,
    timestamp: new Date(Date.parse(seed.start) + 3_600_000).toISOString(),
    team_id: seed.team,
    bot_id: INGEST_BOT,
    version: 'LIVE',
    user_id: 'fu',
    channel_type: 'web',
    language: 'en',
  };
  switch (type) {
    case 'message':
      return { ...base, direction: 'user', kind: 'text', intent: 'greet', confidence: 0.5 };
    case 'step':
      return { ...base, step_id: 'S1', step_type: 'bot_dialog' };
    case 'tracking':
      return { ...base, event: 'fuzzed', attributes: { a: 1 } };
    case 'voice_call':
      return { ...base, duration_seconds: 30 };
    case 'kb_query':
      return { ...base, answered: true };
  }
}

function withField(obj: Record<string, unknown>, name: string, bad: JsonBad): Record<string, unknown> {
  const out = { ...obj };
  if (bad.remove) delete out[name];
  else out[name] = bad.value;
  return out;
}

/** Plausibility of a random value for an ingest identifier: a lucky valid id may be accepted. */
const ID_OK = /^[A-Za-z0-9._:-]{1,128}$/;

function eventTargets(seed: SeededTeam, fieldFilter: RegExp | undefined): Target[] {
  const targets: Target[] = [];
  for (const type of EVENT_TYPES) {
    const needsUser = type === 'message' || type === 'step' || type === 'tracking';
    // Common fields are fuzzed on a message event; each type's own fields on that type.
    const fields = [...(type === 'message' ? (EVENT_FIELDS.common ?? []) : []), ...(EVENT_FIELDS[type] ?? [])]
      .map((f) => (f.name === 'user_id' ? { ...f, required: needsUser } : f))
      .filter((f) => !fieldFilter || fieldFilter.test(f.name));
    for (const f of fields) {
      targets.push({
        target: `event.${f.name} (${type})`,
        cases: badJsonValues(f.kind, f.required, f.enumValues).map((bad): FuzzCase => {
          let expect = bad.expect;
          if (f.kind === 'identifier' && typeof bad.value === 'string' && ID_OK.test(bad.value)) expect = 'either';
          // Another event type changes which fields are allowed: judged by the service alone.
          if (f.name === 'type' && expect === 'accept') expect = 'either';
          const event = withField(validEvent(type, seed), f.name, bad);
          return {
            target: `event.${f.name} (${type})`,
            label: bad.label,
            expect,
            request: ingestRequest([validEvent('message', seed), event]),
          };
        }),
      });
    }
    if (!fieldFilter || fieldFilter.test('unknown')) {
      targets.push({
        target: `event (${type}) unknown field`,
        cases: fc.constant(0).map(
          (): FuzzCase => ({
            target: `event (${type})`,
            label: 'unknown field',
            // docs/decisions.md: an event field outside CONTRACT §1 is a 400 naming it.
            expect: 'reject',
            request: ingestRequest([{ ...validEvent(type, seed), bot_ld: 'typo' }]),
          }),
        ),
      });
    }
  }
  return targets;
}

function ingestRequest(events: unknown[], form: 'array' | 'ndjson' = 'array'): RawRequest {
  return form === 'ndjson'
    ? {
        method: 'POST',
        url: '/v1/ingest',
        body: events.map((e) => JSON.stringify(e)).join('\n'),
        contentType: 'application/x-ndjson',
      }
    : { method: 'POST', url: '/v1/ingest', body: JSON.stringify(events), contentType: 'application/json' };
}

/** Whole-body mutations of a JSON-body operation (the body itself is the bad value). */
function bodyCases(op: FuzzOperation, seed: SeededTeam): fc.Arbitrary<FuzzCase> {
  const valid = validRequest(op, seed);
  const validText = String(valid.body);
  const withBody = (
    label: string,
    body: Buffer | string,
    expect: Expect,
    contentType = 'application/json',
  ): FuzzCase => ({
    target: 'body',
    label,
    expect,
    request: { ...valid, body, contentType },
  });
  // Invalid UTF-8 inside a string of an otherwise valid body (the first string value).
  const firstQuote = validText.indexOf('":"') + 3;
  const badUtf8 = Buffer.concat([
    Buffer.from(validText.slice(0, firstQuote)),
    Buffer.from([0xff, 0xfe, 0xc0, 0xaf]),
    Buffer.from(validText.slice(firstQuote)),
  ]);
  const cases: FuzzCase[] = [
    withBody('malformed JSON', '{"a":', 'reject'),
    withBody('empty body', '', 'reject'),
    withBody('null body', 'null', 'reject'),
    withBody('number body', '42', 'reject'),
    withBody('string body', '"text"', 'reject'),
    withBody('deeply nested arrays', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, 'reject'),
    // An object whose only field is unknown: refused where a field is required; a body of
    // optional fields only (attribute values: {query?, event?, version?}) may take it.
    withBody(
      'deeply nested objects',
      `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`,
      op.eventBody || (op.body ?? []).some((f) => f.required) ? 'reject' : 'either',
    ),
    withBody('invalid UTF-8 in a string', badUtf8, 'reject'),
    withBody('image content type', validText, 'reject', 'image/png'),
    withBody('BOM prefix', `\ufeff${validText}`, 'either'),
  ];
  if (op.eventBody) {
    cases.push(
      withBody('empty array', '[]', 'either'),
      withBody('events not a list', '{"events": {"a": 1}}', 'reject'),
      withBody('array of nulls', '[null, null]', 'reject'),
      {
        target: 'body',
        label: 'ndjson with a bad line',
        expect: 'reject',
        request: ingestRequest([validEvent('message', seed), 'x'], 'ndjson'),
      },
    );
  } else {
    cases.push(
      withBody('array body', `[${validText}]`, 'reject'),
      withBody('duplicate keys', validText.replace('{', '{"zz":1,"zz":2,'), 'either'),
      withBody('unknown field', validText.replace('{', '{"unknown_field":{"a":[1]},'), 'either'),
    );
  }
  return fc.constantFrom(...cases).map((c) => ({ ...c, request: { ...c.request } }));
}

/** One fuzzed thing (a parameter, a body field, the body) and the cases that make it bad. */
export interface Target {
  target: string;
  cases: fc.Arbitrary<FuzzCase>;
}

// Query parameter names that are dangerous for a parser building a plain object.
const ODD_NAMES = [
  'unknown_param',
  '__proto__',
  '__proto__[0]',
  'constructor',
  'toString',
  'hasOwnProperty',
  'version[]',
];

/** Every target of `op`, optionally restricted to parameters/fields matching `fieldFilter`. */
export function operationTargets(op: FuzzOperation, seed: SeededTeam, fieldFilter?: RegExp): Target[] {
  const targets: Target[] = [];
  for (const p of op.params.filter((x) => !fieldFilter || fieldFilter.test(x.name))) {
    targets.push({
      target: `${p.in}.${p.name}`,
      // A path segment cannot repeat: no valid value is given, so no repeated forms.
      cases: badRawValues(p.kind, p.required, p.in === 'path' ? undefined : validParam(p, seed)).map(
        (bad): FuzzCase => {
          const values = validValues(op, seed) as Map<string, RawBad['raw'] | undefined>;
          values.set(p.name, bad.raw);
          // An event write claims a bot nobody owns yet (CONTRACT-LIVE-API §1): a well-formed id may be a 200.
          const claimable =
            p.name === 'bot_id' &&
            EVENT_WRITES.has(op.operationId) &&
            typeof bad.raw === 'string' &&
            claimableId(bad.raw);
          return {
            target: `${p.in}.${p.name}`,
            label: bad.label,
            expect: claimable ? 'either' : bad.expect,
            request: { ...validRequest(op, seed), url: url(op, values, bad.indexed ? new Set([p.name]) : new Set()) },
          };
        },
      ),
    });
  }
  if (!fieldFilter || fieldFilter.test('unknown')) {
    targets.push({
      target: 'query.<unknown>',
      cases: fc.constantFrom(...ODD_NAMES).map((name): FuzzCase => {
        // `version[]` names a known parameter in the array form: first value wins like a repeat.
        const req = validRequest(op, seed);
        const known = name === 'version[]' && op.params.some((p) => p.name === 'version' && p.in === 'query');
        return {
          target: 'query.<unknown>',
          label: `parameter ${name}`,
          // Unknown query parameters are ignored (the seed lists no others; HTTP APIs commonly do).
          expect: known ? 'either' : 'accept',
          request: {
            ...req,
            url: `${req.url}${req.url.includes('?') ? '&' : '?'}${encodeURIComponent(name).replace('%5B', '[').replace('%5D', ']')}=x`,
          },
        };
      }),
    });
  }
  for (const f of (op.body ?? []).filter((x) => !fieldFilter || fieldFilter.test(x.name))) {
    targets.push({
      target: `body.${f.name}`,
      cases: badJsonValues(f.kind, f.required, f.enumValues).map((bad): FuzzCase => {
        const req = validRequest(op, seed);
        const body = withField(JSON.parse(String(req.body)) as Record<string, unknown>, f.name, bad);
        return {
          target: `body.${f.name}`,
          label: bad.label,
          expect: bad.expect,
          request: { ...req, body: JSON.stringify(body) },
        };
      }),
    });
  }
  if (op.eventBody) targets.push(...eventTargets(seed, fieldFilter));
  if ((op.body || op.eventBody) && (!fieldFilter || fieldFilter.test('body'))) {
    targets.push({ target: 'body', cases: bodyCases(op, seed) });
  }
  return targets;
}
