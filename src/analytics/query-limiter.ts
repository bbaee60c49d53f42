/**
 * Bounds the analytics requests a process runs at once. The embedded engine runs
 * parameterized queries one after another anyway (chDB chains them), so past a few in
 * flight more concurrency only adds waiting requests, sockets and memory; a bounded
 * queue in front turns an overload into an early 429 instead of ever-longer answers.
 */

/** The queue is full: the caller should retry after `retryAfterSeconds`. */
export class QueryQueueFull extends Error {
  constructor(
    readonly retryAfterSeconds: number,
    message = 'too many analytics queries are waiting; retry later',
  ) {
    super(message);
  }
}

/** The caller went away while its query waited for a slot; the slot was never taken. */
export class QueryWaitAborted extends Error {
  constructor() {
    super('the request was cancelled while waiting for a query slot');
  }
}

// Weight of the newest run in the moving average behind Retry-After.
const EWMA_WEIGHT = 0.2;
const MAX_RETRY_AFTER_SECONDS = 60;

export class QueryLimiter {
  private running = 0;
  /** Starters of the queued requests, oldest first. */
  private readonly waiting: (() => void)[] = [];
  private avgRunMs = 100;

  constructor(
    readonly maxConcurrent: number,
    readonly maxQueued: number,
    /**
     * Longest wait for a slot; past it the request is refused like a full queue. Without it a
     * waiter is bounded only by its client's patience, and under a steady overload the queue
     * would answer its oldest requests later than the query timeout would ever allow.
     */
    readonly maxWaitMs = Number.POSITIVE_INFINITY,
  ) {}

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Runs `fn` once a slot is free; `waitedMs` is how long it queued. */
  async run<T>(fn: (waitedMs: number) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const t0 = performance.now();
    await this.acquire(signal);
    const started = performance.now();
    try {
      return await fn(started - t0);
    } finally {
      this.avgRunMs += EWMA_WEIGHT * (performance.now() - started - this.avgRunMs);
      this.release();
    }
  }

  private acquire(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(new QueryWaitAborted());
    if (this.running < this.maxConcurrent) {
      this.running++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.maxQueued) return Promise.reject(new QueryQueueFull(this.retryAfterSeconds()));
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const leave = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const i = this.waiting.indexOf(start);
        if (i >= 0) this.waiting.splice(i, 1);
      };
      const start = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      // A request whose client left gives its place up at once (it never takes a slot).
      const onAbort = (): void => {
        leave();
        reject(new QueryWaitAborted());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (Number.isFinite(this.maxWaitMs)) {
        timer = setTimeout(() => {
          leave();
          const seconds = Math.round(this.maxWaitMs / 1000);
          reject(
            new QueryQueueFull(
              this.retryAfterSeconds(),
              `no analytics query slot freed up within ${seconds} s; retry later`,
            ),
          );
        }, this.maxWaitMs);
      }
      this.waiting.push(start);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter: `running` stays the same.
    if (next) next();
    else this.running--;
  }

  /** Time for the queue ahead to drain at the recent pace, in whole seconds (at least 1). */
  private retryAfterSeconds(): number {
    const ms = ((this.waiting.length + 1) / this.maxConcurrent) * this.avgRunMs;
    return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(ms / 1000)));
  }
}
