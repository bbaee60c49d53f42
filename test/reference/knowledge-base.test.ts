/**
 * Hand-computed unit tests of the knowledge-base reference (CONTRACT-LIVE-API §5).
 * If one fails, the reference (not the service) is wrong.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildModel,
  getKnowledgeBaseTagsInsights,
  getKnowledgeBaseUsage,
  REFERENCE_ENDPOINTS,
  type RefEvent,
} from './endpoints.js';

const B = { bot_id: 'b1' };

function kb(timestamp: string, answered: boolean, tags?: string[], p: Partial<RefEvent> = {}): RefEvent {
  return {
    type: 'kb_query',
    team_id: 't1',
    bot_id: 'b1',
    version: 'LIVE',
    timestamp,
    answered,
    ...(tags ? { tags } : {}),
    ...p,
  };
}

const RANGE = { version: 'LIVE', start_time: '2026-11-02T00:00:00Z', end_time: '2026-11-04T00:00:00Z' };

test('kb usage: answered/unanswered per day bucket, own timestamp, bot+version, own fields', () => {
  const m = buildModel([
    kb('2026-11-02T10:00:00Z', true),
    kb('2026-11-02T11:00:00Z', false),
    kb('2026-11-02T12:00:00Z', true, undefined, { channel_type: 'web' }),
    kb('2026-11-03T23:59:59Z', false),
    kb('2026-11-04T00:00:00Z', true), // end_time is exclusive
    kb('2026-11-01T23:59:59Z', true), // before start_time
    kb('2026-11-02T10:00:00Z', true, undefined, { version: 'DRAFT' }),
    kb('2026-11-02T10:00:00Z', true, undefined, { bot_id: 'b2' }),
  ]);
  const body = getKnowledgeBaseUsage(m, B, { ...RANGE, bucket: '1d' });
  assert.deepEqual(body.data.series_labels, ['answered', 'unanswered']);
  assert.deepEqual(body.data.x_values, ['2026-11-02T00:00:00Z', '2026-11-03T00:00:00Z']);
  assert.deepEqual(
    body.data.series.map((s) => s.values),
    [
      [2, 0],
      [1, 1],
    ],
  );
  // No bucket: one bucket labelled start_time.
  const whole = getKnowledgeBaseUsage(m, B, RANGE);
  assert.deepEqual(whole.data.x_values, ['2026-11-02T00:00:00Z']);
  assert.deepEqual(
    whole.data.series.map((s) => s.sum),
    [2, 2],
  );
  // Event filter on the event's own channel_type (default `unknown`).
  const web = getKnowledgeBaseUsage(m, B, { ...RANGE, channel_type: 'web' });
  assert.deepEqual(
    web.data.series.map((s) => s.sum),
    [1, 0],
  );
  const unknown = getKnowledgeBaseUsage(m, B, { ...RANGE, channel_type: 'unknown', language: 'unknown' });
  assert.deepEqual(
    unknown.data.series.map((s) => s.sum),
    [1, 2],
  );
});

test('kb usage in Asia/Kolkata: day buckets start at local midnight (+05:30)', () => {
  const m = buildModel([kb('2026-11-02T18:29:59Z', true), kb('2026-11-02T18:30:00Z', false)]);
  const body = getKnowledgeBaseUsage(m, B, {
    version: 'LIVE',
    start_time: '2026-11-02',
    end_time: '2026-11-04',
    timezone: 'Asia/Kolkata',
    bucket: '1d',
  });
  assert.deepEqual(body.data.x_values, ['2026-11-02T00:00:00+05:30', '2026-11-03T00:00:00+05:30']);
  assert.deepEqual(
    body.data.series.map((s) => s.values),
    [
      [1, 0],
      [0, 1],
    ],
  );
});

test('kb tags: a repeat within one query counts once; count desc then code point; rank 1..N', () => {
  const m = buildModel([
    kb('2026-11-02T10:00:00Z', true, ['b', 'b', 'a']),
    kb('2026-11-02T11:00:00Z', false, ['a', 'z']),
    kb('2026-11-02T12:00:00Z', true, ['\u{1F600}', '\uFF21']), // astral sorts after U+FF21 by code point
    kb('2026-11-02T13:00:00Z', true, ['b'], { language: 'nl' }),
    kb('2026-11-02T13:00:00Z', true, ['late'], { timestamp: '2026-11-05T00:00:00Z' }),
    kb('2026-11-02T14:00:00Z', true, ['draft'], { version: 'DRAFT' }),
    kb('2026-11-02T15:00:00Z', true), // no tags
  ]);
  assert.deepEqual(getKnowledgeBaseTagsInsights(m, B, RANGE).data, [
    { tag: 'a', count: 2, rank: 1 },
    { tag: 'b', count: 2, rank: 2 },
    { tag: 'z', count: 1, rank: 3 },
    { tag: '\uFF21', count: 1, rank: 4 },
    { tag: '\u{1F600}', count: 1, rank: 5 },
  ]);
  assert.deepEqual(getKnowledgeBaseTagsInsights(m, B, { ...RANGE, language: 'nl' }).data, [
    { tag: 'b', count: 1, rank: 1 },
  ]);
  assert.deepEqual(getKnowledgeBaseTagsInsights(m, B, { ...RANGE, version: 'DRAFT' }).data, [
    { tag: 'draft', count: 1, rank: 1 },
  ]);
});

test('kb tags: at most 100, the first 100 of the order', () => {
  const tags = Array.from({ length: 105 }, (_, i) => `t${String(i).padStart(3, '0')}`);
  const events = tags.map((t, i) => kb(`2026-11-02T10:${String(i % 60).padStart(2, '0')}:00Z`, true, [t]));
  events.push(kb('2026-11-02T11:00:00Z', true, ['t104'])); // t104 count 2: ranks first
  const data = getKnowledgeBaseTagsInsights(buildModel(events), B, RANGE).data;
  assert.equal(data.length, 100);
  assert.deepEqual(data[0], { tag: 't104', count: 2, rank: 1 });
  assert.deepEqual(data[99], { tag: 't098', count: 1, rank: 100 });
});

test('the v1 team knowledge base is the v1beta1 one', () => {
  assert.equal(
    REFERENCE_ENDPOINTS.Analytics_GetTeamKnowledgeBaseUsageV1,
    REFERENCE_ENDPOINTS.Analytics_GetTeamKnowledgeBaseUsage,
  );
});
