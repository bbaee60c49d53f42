import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type DemoEvent, type DemoOptions, demoTeamIds, generateDemo } from '../../src/demo/generate.ts';

const NOW = new Date('2026-03-18T15:30:00.000Z');
const MINUTE = 60_000;
const DAY = 86_400_000;
const ID = /^[A-Za-z0-9._:-]{1,128}$/;
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const TYPES = new Set(['message', 'step', 'tracking', 'voice_call', 'kb_query']);

/** CONTRACT §1, field by field: the reasons an event is invalid (empty = valid). */
function problems(e: Record<string, unknown>): string[] {
  const bad: string[] = [];
  const str = (k: string) => typeof e[k] === 'string' && (e[k] as string).length > 0;
  if (!TYPES.has(e.type as string)) bad.push('type');
  if (typeof e.timestamp !== 'string' || !TIMESTAMP.test(e.timestamp) || Number.isNaN(Date.parse(e.timestamp)))
    bad.push('timestamp');
  for (const k of ['team_id', 'bot_id']) if (typeof e[k] !== 'string' || !ID.test(e[k] as string)) bad.push(k);
  if (e.version !== 'DRAFT' && e.version !== 'LIVE') bad.push('version');
  if (['message', 'step', 'tracking'].includes(e.type as string) && !str('user_id')) bad.push('user_id');
  for (const k of ['user_id', 'channel_type', 'channel_id', 'language', 'campaign_id', 'campaign_source', 'id'])
    if (k in e && !str(k)) bad.push(k);
  if ('conversation_id' in e) bad.push('conversation_id must be left to the server');
  if ('campaign_id' in e !== 'campaign_source' in e) bad.push('campaign pair');
  for (const [k, v] of Object.entries(e)) if (v === undefined) bad.push(`${k} is undefined`);
  switch (e.type) {
    case 'message':
      if (e.direction === 'bot') {
        if ('kind' in e || 'intent' in e) bad.push('bot message with user fields');
      } else if (e.direction === 'user') {
        if (e.kind === 'text') {
          if (!(e.intent === null || (typeof e.intent === 'string' && e.intent !== ''))) bad.push('intent');
          if ('confidence' in e && !(typeof e.confidence === 'number' && e.confidence >= 0 && e.confidence <= 1))
            bad.push('confidence');
        } else if (e.kind === 'button' || e.kind === 'media') {
          if ('intent' in e) bad.push('intent on non-text');
        } else bad.push('kind');
      } else bad.push('direction');
      break;
    case 'step':
      if (!str('step_id') || !str('step_type')) bad.push('step');
      break;
    case 'tracking': {
      const a = e.attributes;
      if (!str('event')) bad.push('event');
      if (typeof a !== 'object' || a === null || Array.isArray(a)) bad.push('attributes');
      else for (const v of Object.values(a)) if (!['string', 'number', 'boolean'].includes(typeof v)) bad.push('attr');
      break;
    }
    case 'voice_call':
      if (!(typeof e.duration_seconds === 'number' && e.duration_seconds >= 0)) bad.push('duration_seconds');
      break;
    case 'kb_query':
      if (typeof e.answered !== 'boolean') bad.push('answered');
      break;
  }
  return bad;
}

function collect(opts: DemoOptions): DemoEvent[][] {
  return [...generateDemo(opts)];
}

const conversational = (e: DemoEvent) => e.type === 'message' || e.type === 'step' || e.type === 'tracking';
const sessionKey = (e: DemoEvent) => `${e.bot_id}|${e.version}|${e.user_id}|${e.channel_type}`;

test('the same seed gives the same events, another seed other events', () => {
  const opts = { events: 20_000, days: 14, bots: 4, seed: 11, now: NOW };
  const a = JSON.stringify(collect(opts));
  assert.equal(JSON.stringify(collect(opts)), a);
  assert.notEqual(JSON.stringify(collect({ ...opts, seed: 12 })), a);
});

test('exact count, bounded batches, every event valid, in the past and within the days', () => {
  const days = 30;
  const batches = collect({ events: 100_000, days, bots: 3, seed: 3, now: NOW, batchSize: 4000 });
  let count = 0;
  for (const batch of batches) {
    assert.ok(batch.length > 0 && batch.length <= 4000, `batch of ${batch.length}`);
    for (const e of batch) {
      count++;
      const bad = problems(e as unknown as Record<string, unknown>);
      assert.deepEqual(bad, [], `${JSON.stringify(e)}: ${bad.join(', ')}`);
      assert.ok(!('id' in e), 'no id unless asked');
      const t = Date.parse(e.timestamp);
      assert.ok(t <= NOW.getTime() && t >= NOW.getTime() - days * DAY, e.timestamp);
    }
  }
  assert.equal(count, 100_000);
});

test('conversations: in time order, within one batch, split from the next by 15 minutes', () => {
  const batches = collect({ events: 60_000, days: 10, bots: 5, seed: 5, now: NOW, batchSize: 1000 });
  const last = new Map<string, { t: number; batch: number }>();
  let conversations = 0;
  batches.forEach((batch, b) => {
    for (const e of batch) {
      if (!conversational(e)) continue;
      const key = sessionKey(e);
      const t = Date.parse(e.timestamp);
      const prev = last.get(key);
      if (prev) {
        assert.ok(t > prev.t, `${key}: ${e.timestamp} not after the user's previous event`);
        // A gap below 15 minutes continues a conversation, which must then be in the same batch.
        if (t - prev.t < 15 * MINUTE) assert.equal(b, prev.batch, `${key}: conversation split over batches`);
        else conversations++;
      } else conversations++;
      last.set(key, { t, batch: b });
    }
  });
  assert.ok(conversations > 1000, `${conversations} conversations`);
});

test('a batch smaller than a conversation still gives the exact count', () => {
  const batches = collect({ events: 5_003, days: 2, bots: 2, seed: 9, now: NOW, batchSize: 7 });
  assert.ok(batches.every((b) => b.length >= 1 && b.length <= 7));
  assert.equal(
    batches.reduce((n, b) => n + b.length, 0),
    5_003,
  );
  assert.deepEqual(collect({ events: 0, days: 2, bots: 2, now: NOW }), []);
});

test('withIds gives unique ids; bots spread over the teams demoTeamIds names', () => {
  const opts = { events: 30_000, days: 7, bots: 5, teams: 2, seed: 2, now: NOW, withIds: true };
  const teams = demoTeamIds(opts);
  assert.deepEqual(teams, ['demo-team', 'demo-team-2']);
  assert.deepEqual(demoTeamIds({ events: 1, days: 1, bots: 3 }), ['demo-team']);
  const ids = new Set<string>();
  const teamOf = new Map<string, string>();
  for (const batch of generateDemo(opts)) {
    for (const e of batch) {
      assert.ok(typeof e.id === 'string' && ID.test(e.id), String(e.id));
      ids.add(e.id);
      assert.ok(teams.includes(e.team_id));
      assert.equal(teamOf.get(e.bot_id) ?? e.team_id, e.team_id, `${e.bot_id} in two teams`);
      teamOf.set(e.bot_id, e.team_id);
    }
  }
  assert.equal(ids.size, 30_000);
  assert.equal(teamOf.size, 5);
  assert.deepEqual(new Set(teamOf.values()), new Set(teams));
});

test('the traffic looks like a real bot: seasonality, NLU misses, flows with drop-offs, returning users', () => {
  const events = collect({ events: 200_000, days: 28, bots: 3, seed: 1, now: NOW }).flat();
  const types = new Set(events.map((e) => e.type));
  assert.deepEqual(types, TYPES);

  const text = events.filter((e) => e.type === 'message' && e.direction === 'user' && e.kind === 'text');
  const missed = text.filter((e) => e.type === 'message' && e.intent === null).length / text.length;
  assert.ok(missed > 0.08 && missed < 0.18, `not understood ${missed}`);
  assert.ok(events.filter((e) => e.version === 'LIVE').length / events.length > 0.9, 'mostly LIVE');
  assert.ok(
    events.some((e) => e.version === 'DRAFT'),
    'some DRAFT',
  );

  const perHour = new Array<number>(24).fill(0);
  const perWeekday = new Array<number>(7).fill(0);
  for (const e of events) {
    const d = new Date(e.timestamp);
    perHour[d.getUTCHours()] = (perHour[d.getUTCHours()] ?? 0) + 1;
    perWeekday[d.getUTCDay()] = (perWeekday[d.getUTCDay()] ?? 0) + 1;
  }
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  assert.ok(sum(perHour.slice(9, 17)) / 8 > 3 * (sum(perHour.slice(1, 5)) / 4), `day vs night ${perHour}`);
  const weekend = ((perWeekday[0] ?? 0) + (perWeekday[6] ?? 0)) / 2;
  assert.ok(sum(perWeekday.slice(1, 6)) / 5 > 1.2 * weekend, `week vs weekend ${perWeekday}`);

  for (const field of ['channel_type', 'language'] as const) {
    assert.ok(new Set(events.map((e) => e[field])).size >= 3, `several ${field}`);
  }
  assert.ok(
    events.some((e) => e.campaign_id !== undefined),
    'some campaign traffic',
  );
  for (const e of events) if (e.type === 'voice_call') assert.equal(e.channel_type, 'voice');

  // Sessionize as the server does, to see how conversations end and how often users come back.
  const state = new Map<string, { t: number; lastStep: string }>();
  const endings = new Map<string, number>();
  const conversationsPerUser = new Map<string, number>();
  const close = (s: { lastStep: string }) => endings.set(s.lastStep, (endings.get(s.lastStep) ?? 0) + 1);
  for (const e of events) {
    if (!conversational(e)) continue;
    const key = sessionKey(e);
    const t = Date.parse(e.timestamp);
    let s = state.get(key);
    if (!s || t - s.t >= 15 * MINUTE) {
      if (s) close(s);
      s = { t, lastStep: '' };
      state.set(key, s);
      conversationsPerUser.set(key, (conversationsPerUser.get(key) ?? 0) + 1);
    }
    s.t = t;
    if (e.type === 'step') s.lastStep = e.step_id;
  }
  for (const s of state.values()) close(s);
  const total = sum([...endings.values()]);
  const goodbye = (endings.get('goodbye') ?? 0) / total;
  assert.ok(goodbye > 0.3 && goodbye < 0.8, `conversations ending in goodbye: ${goodbye}`);
  assert.ok(endings.size >= 8, `drop-offs at several steps: ${[...endings.keys()]}`);
  const returning = [...conversationsPerUser.values()].filter((n) => n > 1).length / conversationsPerUser.size;
  assert.ok(returning > 0.2 && returning < 0.9, `returning users ${returning}`);
});

test('bad options are refused', () => {
  assert.throws(() => collect({ events: -1, days: 1, bots: 1 }), RangeError);
  assert.throws(() => collect({ events: 10, days: 0, bots: 1 }), RangeError);
  assert.throws(() => collect({ events: 10, days: 1, bots: 0 }), RangeError);
  assert.throws(() => collect({ events: 10, days: 1, bots: 1, batchSize: 0 }), RangeError);
});
