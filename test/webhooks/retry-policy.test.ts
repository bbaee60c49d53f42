/**
 * The retry policy (src/webhooks/retry-policy.ts) as a table: each row is one attempt's
 * inputs and the decision CONTRACT §5 asks for. The clock and the jitter are inputs, so
 * every rule is checked exactly, without waiting or randomness.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FAILING_LIMIT_MS, type NextStep, type NextStepInput, nextStep } from '../../src/webhooks/retry-policy.ts';

const SCHEDULE = [5, 300, 1800, 7200, 18_000, 36_000, 36_000]; // the default: 5 s … 10 h
const NOW = 1_790_000_000_000;
const base: NextStepInput = {
  attempt: 1,
  result: { ok: false, statusCode: 500 },
  schedule: SCHEDULE,
  failingSince: undefined,
  now: NOW,
  random: 0.5, // the middle of the jitter: exactly the scheduled delay
};

const rows: [label: string, input: Partial<NextStepInput>, want: NextStep][] = [
  ['2xx is delivered', { result: { ok: true, statusCode: 204 } }, { kind: 'delivered' }],
  [
    '2xx on the last attempt is still delivered',
    { attempt: 8, result: { ok: true, statusCode: 200 } },
    { kind: 'delivered' },
  ],
  ['410 disables at once ("gone")', { result: { ok: false, statusCode: 410 } }, { kind: 'disable', reason: 'gone' }],
  [
    '410 on a later attempt too',
    { attempt: 3, result: { ok: false, statusCode: 410 } },
    { kind: 'disable', reason: 'gone' },
  ],
  ['500 on attempt 1 retries after 5 s', {}, { kind: 'retry', at: NOW + 5_000 }],
  [
    'timeout (no answer) on attempt 2 retries after 5 min',
    { attempt: 2, result: { ok: false, statusCode: 0 } },
    { kind: 'retry', at: NOW + 300_000 },
  ],
  ['attempt 7 takes the last delay', { attempt: 7 }, { kind: 'retry', at: NOW + 36_000_000 }],
  [
    'attempt 8 fails: the schedule is exhausted',
    { attempt: 8 },
    { kind: 'disable', reason: 'notification_failures_exceeded' },
  ],
  [
    'an empty schedule disables on the first failure',
    { schedule: [] },
    { kind: 'disable', reason: 'notification_failures_exceeded' },
  ],
  [
    'failing for exactly 5 days disables, schedule or not',
    { attempt: 2, failingSince: NOW - FAILING_LIMIT_MS },
    { kind: 'disable', reason: 'notification_failures_exceeded' },
  ],
  [
    'failing for 5 days less 1 ms still retries',
    { attempt: 2, failingSince: NOW - FAILING_LIMIT_MS + 1 },
    { kind: 'retry', at: NOW + 300_000 },
  ],
  ['jitter low end: 90 % of the delay', { attempt: 2, random: 0 }, { kind: 'retry', at: NOW + 270_000 }],
  ['jitter high end: just under 110 %', { attempt: 2, random: 0.999_999 }, { kind: 'retry', at: NOW + 330_000 }],
  [
    'Retry-After longer than the delay wins',
    { result: { ok: false, statusCode: 503, retryAfterSec: 120 } },
    { kind: 'retry', at: NOW + 120_000 },
  ],
  [
    'Retry-After shorter than the delay does not shorten it',
    { attempt: 3, result: { ok: false, statusCode: 429, retryAfterSec: 10 } },
    { kind: 'retry', at: NOW + 1_800_000 },
  ],
  [
    'Retry-After is capped at one day',
    { result: { ok: false, statusCode: 503, retryAfterSec: 10 * 86_400 } },
    { kind: 'retry', at: NOW + 86_400_000 },
  ],
  [
    'Retry-After never revives an exhausted schedule',
    { attempt: 8, result: { ok: false, statusCode: 503, retryAfterSec: 60 } },
    { kind: 'disable', reason: 'notification_failures_exceeded' },
  ],
  [
    '410 after 5 days of failures is still "gone"',
    { attempt: 4, failingSince: NOW - FAILING_LIMIT_MS, result: { ok: false, statusCode: 410 } },
    { kind: 'disable', reason: 'gone' },
  ],
  [
    'the 5-day rule applies on the first attempt of a new event too',
    { attempt: 1, failingSince: NOW - FAILING_LIMIT_MS - 1 },
    { kind: 'disable', reason: 'notification_failures_exceeded' },
  ],
  [
    'Retry-After exactly at the cap is honoured',
    { result: { ok: false, statusCode: 503, retryAfterSec: 86_400 } },
    { kind: 'retry', at: NOW + 86_400_000 },
  ],
  [
    'a non-numeric Retry-After (NaN) is ignored',
    { result: { ok: false, statusCode: 503, retryAfterSec: Number.NaN } },
    { kind: 'retry', at: NOW + 5_000 },
  ],
  [
    'a negative Retry-After is ignored',
    { result: { ok: false, statusCode: 503, retryAfterSec: -5 } },
    { kind: 'retry', at: NOW + 5_000 },
  ],
];

for (const [label, input, want] of rows) {
  test(`retry policy: ${label}`, () => {
    assert.deepEqual(nextStep({ ...base, ...input }), want);
  });
}

test('retry policy: jitter stays within ±10 % for every random in [0, 1)', () => {
  for (let k = 0; k < 1000; k++) {
    const random = k / 1000;
    const step = nextStep({ ...base, attempt: 4, random });
    assert.equal(step.kind, 'retry');
    if (step.kind !== 'retry') continue;
    const delay = step.at - NOW;
    assert.ok(delay >= 6_480_000 && delay <= 7_920_000, `random ${random}: delay ${delay}`);
  }
});
