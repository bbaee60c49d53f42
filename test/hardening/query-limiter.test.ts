/**
 * The analytics query limiter on its own: at most N run, at most M wait, the rest are
 * refused at once with a Retry-After of at least a second, and a waiter whose request was
 * aborted leaves the queue without ever running.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QueryLimiter, QueryQueueFull, QueryWaitAborted } from '../../src/analytics/query-limiter.ts';

function gate(): { wait: Promise<void>; open: () => void } {
  let open = (): void => {};
  const wait = new Promise<void>((r) => {
    open = r;
  });
  return { wait, open };
}

test('runs at most maxConcurrent, queues maxQueued, refuses the rest', async () => {
  const limiter = new QueryLimiter(2, 3);
  const g = gate();
  let running = 0;
  let peak = 0;
  const job = async (): Promise<string> => {
    running++;
    peak = Math.max(peak, running);
    await g.wait;
    running--;
    return 'ok';
  };
  const runs = Array.from({ length: 5 }, () => limiter.run(job));
  await new Promise((r) => setImmediate(r));
  assert.equal(limiter.active, 2);
  assert.equal(limiter.queued, 3);
  await assert.rejects(limiter.run(job), (e: unknown) => {
    assert.ok(e instanceof QueryQueueFull);
    assert.ok(Number.isInteger(e.retryAfterSeconds) && e.retryAfterSeconds >= 1);
    return true;
  });
  g.open();
  assert.deepEqual(await Promise.all(runs), ['ok', 'ok', 'ok', 'ok', 'ok']);
  assert.equal(peak, 2);
  assert.equal(limiter.active, 0);
  assert.equal(limiter.queued, 0);
});

test('an aborted waiter leaves the queue and never runs', async () => {
  const limiter = new QueryLimiter(1, 5);
  const g = gate();
  const first = limiter.run(() => g.wait);
  const abort = new AbortController();
  let ran = false;
  const waiting = limiter.run(async () => {
    ran = true;
  }, abort.signal);
  const behind = limiter.run(async () => 'behind');
  assert.equal(limiter.queued, 2);
  abort.abort();
  await assert.rejects(waiting, QueryWaitAborted);
  assert.equal(limiter.queued, 1);
  g.open();
  await first;
  assert.equal(await behind, 'behind');
  assert.equal(ran, false);
  assert.equal(limiter.active, 0);
  // Already aborted: refused before taking a slot.
  await assert.rejects(
    limiter.run(async () => 1, AbortSignal.abort()),
    QueryWaitAborted,
  );
  assert.equal(limiter.active, 0);
});

test('a failing query frees its slot', async () => {
  const limiter = new QueryLimiter(1, 1);
  await assert.rejects(
    limiter.run(async () => {
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.equal(limiter.active, 0);
  assert.equal(await limiter.run(async () => 2), 2);
});

test('a waiter that gets no slot within maxWaitMs is refused and leaves the queue', async () => {
  const limiter = new QueryLimiter(1, 5, 50);
  const g = gate();
  const first = limiter.run(async () => {
    await g.wait;
    return 'first';
  });
  let ranLate = false;
  const t0 = performance.now();
  await assert.rejects(
    limiter.run(async () => {
      ranLate = true;
      return 'late';
    }),
    (e: unknown) => {
      assert.ok(e instanceof QueryQueueFull);
      assert.match(e.message, /no analytics query slot freed up within/);
      assert.ok(e.retryAfterSeconds >= 1);
      return true;
    },
  );
  assert.ok(performance.now() - t0 >= 45, 'refused only after the wait limit');
  assert.equal(limiter.queued, 0);
  g.open();
  assert.equal(await first, 'first');
  assert.equal(ranLate, false);
  // The slot is free again: a new request runs at once.
  assert.equal(await limiter.run(async () => 'next'), 'next');
  assert.equal(limiter.active, 0);
});
