import { GrpcCode, ServiceError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { ClickHouseClient } from '../store/clickhouse/client.ts';
import { RecentIds } from './dedupe.ts';
import type { StoredEvent, ValidEvent } from './event.ts';
import { EVENT_COLUMNS, toRow } from './rows.ts';
import type { Sessionizer } from './sessionize.ts';

export interface IngestResult {
  accepted: number;
  duplicates: number;
}

interface Pending {
  events: ValidEvent[];
  resolve: (r: IngestResult) => void;
  reject: (e: unknown) => void;
}

/** 429 with Retry-After: the engine is behind; the client retries the same request. */
export const queueFull = (): ServiceError =>
  new ServiceError(GrpcCode.RESOURCE_EXHAUSTED, 'ingest is behind; nothing was stored, retry after a second', {
    retryAfterSeconds: 1,
  });

export type CommitListener = (events: readonly StoredEvent[]) => void | Promise<void>;
/** Metrics: every flush's size (duplicates included), duration and whether it was stored. */
export type FlushListener = (flush: { events: number; durationMs: number; ok: boolean }) => void;

// A flush takes everything queued up to this many events; bigger inserts are cheaper
// per row, and the cap bounds the memory and latency of one insert.
const MAX_FLUSH_EVENTS = 200_000;

/**
 * Group commit: requests queue their validated events; one flush at a time dedupes,
 * sessionizes and writes everything queued as a single insert, then answers each
 * request. Serial flushes keep the ingest sequence and session state consistent.
 */
export class GroupCommitWriter {
  private queue: Pending[] = [];
  /** Events waiting in `queue` (not yet taken by a flush). */
  private queuedEvents = 0;
  /** Events taken by the flush in progress (reported when a shutdown gives up on them). */
  private flushingEvents = 0;
  private flushing: Promise<void> | undefined;
  private lastSeq = 0;
  private readonly listeners: CommitListener[] = [];
  private readonly flushListeners: FlushListener[] = [];

  constructor(
    private readonly client: ClickHouseClient,
    private readonly recentIds: RecentIds,
    private readonly sessionizer: Sessionizer,
    lastSeq: number,
    /** Backpressure: past this many queued events new requests get 429 (CONTRACT §3). */
    private readonly maxQueuedEvents: number,
    /** Where a failing commit listener is reported (the batch itself is stored). */
    private readonly log: Logger,
  ) {
    this.lastSeq = lastSeq;
  }

  onCommit(listener: CommitListener): void {
    this.listeners.push(listener);
  }

  onFlush(listener: FlushListener): void {
    this.flushListeners.push(listener);
  }

  /** Events queued and not yet taken by a flush (metrics). */
  get queueDepth(): number {
    return this.queuedEvents;
  }

  /** False when queuing `n` more events would pass the backpressure limit. */
  hasRoomFor(n: number): boolean {
    // An empty queue always takes a request, however large, so no request can starve.
    return this.queuedEvents === 0 || this.queuedEvents + n <= this.maxQueuedEvents;
  }

  write(events: ValidEvent[]): Promise<IngestResult> {
    if (!this.hasRoomFor(events.length)) return Promise.reject(queueFull());
    return new Promise((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      this.queuedEvents += events.length;
      this.kick();
    });
  }

  /** Events accepted into the queue but not yet written (queued or in the current flush). */
  get pendingEvents(): number {
    return this.queuedEvents + this.flushingEvents;
  }

  /** Resolves once everything queued so far is written (graceful shutdown). */
  async drain(): Promise<void> {
    while (this.flushing || this.queue.length > 0) {
      this.kick();
      await this.flushing;
    }
  }

  private kick(): void {
    if (this.flushing || this.queue.length === 0) return;
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined;
      this.flushingEvents = 0;
      this.kick();
    });
  }

  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    let n = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0] as Pending;
      if (batch.length > 0 && n + next.events.length > MAX_FLUSH_EVENTS) break;
      batch.push(next);
      n += next.events.length;
      this.queue.shift();
      this.queuedEvents -= next.events.length;
    }
    return batch;
  }

  private nextSeq(nowMs: number): number {
    // Microsecond-scaled clock, never going back: monotonic across restarts too.
    this.lastSeq = Math.max(this.lastSeq + 1, nowMs * 1000);
    return this.lastSeq;
  }

  private async flush(): Promise<void> {
    const batch = this.takeBatch();
    const events = batch.reduce((n, p) => n + p.events.length, 0);
    this.flushingEvents = events;
    const t0 = performance.now();
    const report = (ok: boolean): void => {
      for (const l of this.flushListeners) l({ events, durationMs: performance.now() - t0, ok });
    };
    const nowMs = Date.now();
    this.recentIds.expire(nowMs);
    const stored: StoredEvent[] = [];
    const results: IngestResult[] = [];
    const seenNow = new Set<string>();
    const fresh: ValidEvent[] = [];
    for (const p of batch) {
      let duplicates = 0;
      for (const ev of p.events) {
        if (ev.idSupplied) {
          const key = RecentIds.key(ev.botId, ev.id);
          if (seenNow.has(key) || this.recentIds.has(key, nowMs)) {
            duplicates++;
            continue;
          }
          seenNow.add(key);
        }
        fresh.push(ev);
      }
      results.push({ accepted: p.events.length - duplicates, duplicates });
    }
    try {
      const changes = await this.sessionizer.assign(fresh);
      for (const ev of fresh) {
        const s = ev as StoredEvent;
        s.seq = this.nextSeq(nowMs);
        s.ingestedAtMs = nowMs;
        stored.push(s);
      }
      if (stored.length > 0) {
        await this.client.insert({
          table: 'events',
          columns: [...EVENT_COLUMNS],
          values: stored.map(toRow),
          format: 'JSONCompactEachRow',
        });
      }
      // Durable now: only from here on does in-memory state reflect the batch.
      this.sessionizer.commit(changes);
      for (const key of seenNow) this.recentIds.add(key, nowMs);
    } catch (e) {
      for (const p of batch) p.reject(e);
      report(false);
      return;
    }
    report(true);
    batch.forEach((p, i) => {
      p.resolve(results[i] as IngestResult);
    });
    // A listener (webhook dispatcher) must not turn a stored batch into an error, but its
    // failure is logged: a silent one would hide deliveries that wait for the next rescan.
    const failed = (err: unknown) => this.log.error({ err, events: stored.length }, 'commit listener failed');
    for (const l of this.listeners) {
      try {
        void Promise.resolve(l(stored)).catch(failed);
      } catch (err) {
        failed(err);
      }
    }
  }
}
