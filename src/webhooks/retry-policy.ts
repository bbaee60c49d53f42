/**
 * What happens after one delivery attempt (CONTRACT §5), as a pure function of its inputs:
 * no clock, no randomness, no I/O of its own, so every rule is table-tested
 * (test/webhooks/retry-policy.test.ts) and the dispatcher only carries the decision out.
 *
 * - 2xx: delivered.
 * - 410 Gone: the subscription is disabled ("gone").
 * - The schedule is exhausted (attempt n failed and the schedule has fewer than n delays), or
 *   the subscription has been failing for 5 days: disabled ("notification_failures_exceeded").
 * - Otherwise retry after the schedule's delay for this attempt, ±10 % jitter so a fleet of
 *   retries does not hit the receiver in lockstep, and never before a `Retry-After` the
 *   receiver asked for (capped, so a receiver cannot park a delivery for a year).
 */

/** A receiver's Retry-After is honoured up to this many seconds. */
export const RETRY_AFTER_CAP_SEC = 86_400;
/** Failing this long disables the subscription, whatever is left of the schedule. */
export const FAILING_LIMIT_MS = 5 * 86_400_000;
/** Jitter around each scheduled delay: ±10 %. */
export const JITTER = 0.1;

export interface AttemptOutcome {
  ok: boolean;
  /** HTTP status, 0 when no answer came back. */
  statusCode: number;
  /** The receiver's Retry-After, in seconds, when it sent one. */
  retryAfterSec?: number | undefined;
}

export interface NextStepInput {
  /** 1 for the first attempt. */
  attempt: number;
  result: AttemptOutcome;
  /** Delays in seconds between attempts (WEBHOOK_RETRY_SCHEDULE). */
  schedule: readonly number[];
  /** Since when the subscription has been failing (epoch ms), undefined when it is not. */
  failingSince: number | undefined;
  now: number;
  /** A number in [0, 1), for the jitter. */
  random: number;
}

export type NextStep =
  | { kind: 'delivered' }
  | { kind: 'disable'; reason: 'gone' | 'notification_failures_exceeded' }
  | { kind: 'retry'; at: number };

export function nextStep(i: NextStepInput): NextStep {
  if (i.result.ok) return { kind: 'delivered' };
  if (i.result.statusCode === 410) return { kind: 'disable', reason: 'gone' };
  const exhausted = i.attempt > i.schedule.length;
  const failingTooLong = i.failingSince !== undefined && i.now - i.failingSince >= FAILING_LIMIT_MS;
  if (exhausted || failingTooLong) return { kind: 'disable', reason: 'notification_failures_exceeded' };
  const base = (i.schedule[i.attempt - 1] ?? 0) * 1000;
  let delay = base * (1 - JITTER + i.random * 2 * JITTER);
  const asked = i.result.retryAfterSec;
  if (asked !== undefined && Number.isFinite(asked) && asked > 0)
    delay = Math.max(delay, Math.min(asked, RETRY_AFTER_CAP_SEC) * 1000);
  return { kind: 'retry', at: i.now + Math.round(delay) };
}
