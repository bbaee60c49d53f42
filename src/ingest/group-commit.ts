import { randomUUID } from 'node:crypto';
import type { ClickHouseSettings } from '@clickhouse/client';
import type { Transaction } from 'kysely';
import { GrpcCode, ServiceError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { ClickHouseClient } from '../store/clickhouse/client.ts';
import type { ControlDb } from '../store/control/db.ts';
import { isRetryableTransactionError } from '../store/control/dialect.ts';
import type { ControlDatabase } from '../store/control/schema.ts';
import type { StoredEvent, ValidEvent } from './event.ts';
import { acceptIds, type IdKey, idKey } from './id-window.ts';
import { deleteOutbox, insertBatch, type OutboxMover, writeOutbox } from './outbox.ts';
import { joinRow, type RowParts, rowParts, toRow } from './rows.ts';
import { allocateSeqBlock } from './seq-blocks.ts';
import { SessionState } from './session-state.ts';
import { type Sessionizer, sessionKeys } from './sessionize.ts';

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
/**
 * Runs inside a flush's control-store transaction, after its events are sessionized and
 * numbered: what it writes commits with the events or not at all (webhook deliveries).
 */
export type TransactionListener = (
  trx: Transaction<ControlDatabase>,
  events: readonly StoredEvent[],
  nowMs: number,
) => Promise<unknown>;

/** 503 with Retry-After: committed batches wait for an analytics store that refuses them. */
const analyticsBehind = (): ServiceError =>
  new ServiceError(GrpcCode.UNAVAILABLE, 'the analytics store is behind or down; nothing was stored, retry shortly', {
    retryAfterSeconds: 1,
  });

export interface GroupCommitOptions {
  /** Backpressure: past this many queued events new requests get 429 (CONTRACT §3). */
  maxQueuedEvents: number;
  /** Where a failing commit listener or a refused insert is reported. */
  log: Logger;
  /** See sessionStateComplete (session-state.ts). */
  sessionsComplete: boolean;
  sessionGapMs: number;
  /** Extra settings of the insert into `events` (a cluster's synchronous distributed insert). */
  insertSettings?: ClickHouseSettings;
  /** The replica's outbox mover: its backlog refuses new work while the store is down. */
  mover?: OutboxMover;
}

/** A flush's outcome once its transaction committed. */
interface Committed {
  batchId: string;
  payload: string;
  stored: StoredEvent[];
  results: IngestResult[];
}

/** Transactions a flush runs again after a deadlock or busy store before failing. */
const MAX_TRANSACTION_ATTEMPTS = 5;
/** Metrics: every flush's size (duplicates included), duration and whether it was stored. */
export type FlushListener = (flush: { events: number; durationMs: number; ok: boolean }) => void;

// A flush takes everything queued up to this many events; bigger inserts are cheaper
// per row, and the cap bounds the memory and latency of one insert.
const MAX_FLUSH_EVENTS = 200_000;

/**
 * Group commit: requests queue their validated events; one flush at a time takes
 * everything queued and, in ONE control-store transaction, drops ids already accepted,
 * sessionizes against the stored session state, numbers the events from a seq block and
 * records the batch in the outbox (with the webhook deliveries it causes). The commit is
 * the durable point (DESIGN.md "Scale-out"); the batch is then inserted into the
 * analytics store under its id as deduplication token and each request is answered.
 * Any number of replicas run this at once: the stores, not this process, hold the truth.
 */
export class GroupCommitWriter {
  private queue: Pending[] = [];
  /** Events waiting in `queue` (not yet taken by a flush). */
  private queuedEvents = 0;
  /** Events taken by the flush in progress (reported when a shutdown gives up on them). */
  private flushingEvents = 0;
  private flushing: Promise<void> | undefined;
  /**
   * The last committed flush's insert and answers. The next flush commits while it runs
   * (the transaction works the control store and this thread, the insert the analytics
   * engine's threads), but waits for it before committing another: one insert in flight.
   */
  private inserting: Promise<void> = Promise.resolve();
  /** Events of committed flushes whose insert has not finished. */
  private insertingEvents = 0;
  private readonly listeners: CommitListener[] = [];
  private readonly txListeners: TransactionListener[] = [];
  private readonly flushListeners: FlushListener[] = [];
  private readonly maxQueuedEvents: number;
  private readonly log: Logger;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly db: ControlDb,
    private readonly sessionizer: Sessionizer,
    private readonly opts: GroupCommitOptions,
  ) {
    this.maxQueuedEvents = opts.maxQueuedEvents;
    this.log = opts.log;
  }

  /** Called after a flush is stored and visible (webhook nudges). */
  onCommit(listener: CommitListener): void {
    this.listeners.push(listener);
  }

  /** Called inside every flush's transaction (see TransactionListener). */
  inTransaction(listener: TransactionListener): void {
    this.txListeners.push(listener);
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

  /** Committed events waiting for the analytics store (the mover's last count). */
  get outboxBacklogEvents(): number {
    return this.opts.mover?.backlogEvents ?? 0;
  }

  /** False while committed batches the analytics store refused pile up past the limit. */
  get analyticsKeepingUp(): boolean {
    return (this.opts.mover?.backlogEvents ?? 0) <= this.maxQueuedEvents;
  }

  write(events: ValidEvent[]): Promise<IngestResult> {
    if (!this.hasRoomFor(events.length)) return Promise.reject(queueFull());
    if (!this.analyticsKeepingUp) return Promise.reject(analyticsBehind());
    return new Promise((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      this.queuedEvents += events.length;
      this.kick();
    });
  }

  /** Events accepted into the queue but not yet written (queued or in the current flush). */
  get pendingEvents(): number {
    return this.queuedEvents + this.flushingEvents + this.insertingEvents;
  }

  /** Resolves once everything queued so far is written (graceful shutdown). */
  async drain(): Promise<void> {
    while (this.flushing || this.queue.length > 0) {
      this.kick();
      await this.flushing;
    }
    await this.inserting;
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

  private async flush(): Promise<void> {
    const batch = this.takeBatch();
    const events = batch.reduce((n, p) => n + p.events.length, 0);
    this.flushingEvents = events;
    const t0 = performance.now();
    const report = (ok: boolean): void => {
      for (const l of this.flushListeners) l({ events, durationMs: performance.now() - t0, ok });
    };
    const previous = this.inserting;
    // A TrackEvent event reads the analytics store for the conversations before it: the
    // previous flush's rows must be there first.
    if (batch.some((p) => p.events.some((e) => e.via === 'track'))) await previous;
    const nowMs = Date.now();
    const parts = new Map<ValidEvent, RowParts>();
    for (const p of batch) for (const ev of p.events) if (ev.via !== 'track') parts.set(ev, rowParts(ev, nowMs));
    let committed: Committed;
    try {
      committed = await this.commit(batch, nowMs, parts);
    } catch (e) {
      for (const p of batch) p.reject(e);
      report(false);
      return;
    }
    this.flushingEvents = 0;
    this.insertingEvents += committed.stored.length;
    // The chain never rejects: a failure here (a listener of `report`) still answers.
    this.inserting = previous
      .then(() => this.insertAndAnswer(batch, committed, report))
      .catch((err: unknown) => {
        this.log.error({ err }, 'answering a committed flush failed');
        for (const p of batch) p.reject(err);
      });
    // One insert in flight: the next commit may run alongside this flush's insert, not more.
    await previous;
  }

  /** Inserts a committed flush into the analytics store, then answers its requests. */
  private async insertAndAnswer(
    batch: Pending[],
    { batchId, payload, stored, results }: Committed,
    report: (ok: boolean) => void,
  ): Promise<void> {
    if (stored.length > 0) {
      try {
        await insertBatch(this.client, batchId, payload, this.opts.insertSettings);
        // Moved: the outbox row can go (a failed delete only makes a mover re-insert, a no-op).
        deleteOutbox(this.db, [batchId]).catch((err: unknown) =>
          this.log.warn({ err, batchId }, 'could not delete a moved outbox batch; a mover will'),
        );
      } catch (err) {
        // Durable already: the answer stays 200 and a mover inserts the batch once the
        // analytics store takes it (reads see it from then on).
        this.log.warn(
          { err, batchId, events: stored.length },
          'analytics store refused a committed batch; it stays in the outbox',
        );
      }
    }
    this.insertingEvents -= stored.length;
    report(true);
    batch.forEach((p, i) => {
      p.resolve(results[i] as IngestResult);
    });
    // A listener (webhook nudge) must not turn a stored batch into an error, but its
    // failure is logged.
    const failed = (err: unknown) => this.log.error({ err, events: stored.length }, 'commit listener failed');
    for (const l of this.listeners) {
      try {
        void Promise.resolve(l(stored)).catch(failed);
      } catch (err) {
        failed(err);
      }
    }
  }

  /** The flush's transaction, run again on a deadlock (another replica locked keys first). */
  private async commit(batch: Pending[], nowMs: number, parts: ReadonlyMap<ValidEvent, RowParts>): Promise<Committed> {
    // The transaction fills in conversation ids (and a TrackEvent event's channel and
    // language): a transaction run again starts from the events as received.
    const received = batch.map((p) => p.events.map((e) => e.conversationId));
    const tracks = batch.flatMap((p) => p.events.filter((e) => e.via === 'track').map((e) => [e, { ...e }] as const));
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().execute((trx) => this.commitIn(trx, batch, nowMs, parts));
      } catch (e) {
        if (attempt >= MAX_TRANSACTION_ATTEMPTS || !isRetryableTransactionError(e)) throw e;
        batch.forEach((p, i) => {
          p.events.forEach((ev, j) => {
            ev.conversationId = received[i]?.[j] ?? '';
          });
        });
        for (const [ev, as] of tracks) Object.assign(ev, as);
      }
    }
  }

  private async commitIn(
    trx: Transaction<ControlDatabase>,
    batch: Pending[],
    nowMs: number,
    parts: ReadonlyMap<ValidEvent, RowParts>,
  ): Promise<Committed> {
    // Each supplied id once (a repeat inside the flush is a duplicate of its first).
    const ids: IdKey[] = [];
    const listed = new Set<string>();
    for (const p of batch) {
      for (const ev of p.events) {
        if (!ev.idSupplied) continue;
        const k = idKey(ev.botId, ev.id);
        if (listed.has(k)) continue;
        listed.add(k);
        ids.push({ botId: ev.botId, id: ev.id });
      }
    }
    const fresh = await acceptIds(trx, ids, nowMs);
    const taken = new Set<string>();
    const events: ValidEvent[] = [];
    const partsOf: (RowParts | undefined)[] = [];
    const results: IngestResult[] = [];
    for (const p of batch) {
      let duplicates = 0;
      for (const ev of p.events) {
        if (ev.idSupplied) {
          const k = idKey(ev.botId, ev.id);
          if (!fresh.has(k) || taken.has(k)) {
            duplicates++;
            continue;
          }
          taken.add(k);
        }
        events.push(ev);
        partsOf.push(parts.get(ev));
      }
      results.push({ accepted: p.events.length - duplicates, duplicates });
    }
    if (events.length === 0) return { batchId: '', payload: '', stored: [], results };
    const state = new SessionState(trx, this.client, this.opts.sessionGapMs, nowMs, this.opts.sessionsComplete);
    // Every key of the flush locked at once, in key order.
    await state.ensure(sessionKeys(events));
    const changes = await this.sessionizer.assign(events, state);
    const base = await allocateSeqBlock(trx);
    const stored = events as StoredEvent[];
    const lines: string[] = new Array(stored.length);
    for (let i = 0; i < stored.length; i++) {
      const s = stored[i] as StoredEvent;
      s.seq = base + i;
      s.ingestedAtMs = nowMs;
      // A TrackEvent event took its conversation's channel and language: serialized whole.
      const p = partsOf[i];
      lines[i] = p ? joinRow(p, s) : JSON.stringify(toRow(s));
    }
    const batchId = randomUUID();
    const payload = lines.join('\n');
    await writeOutbox(trx, { id: batchId, payload, events: stored.length }, nowMs);
    for (const l of this.txListeners) await l(trx, stored, nowMs);
    await state.save(changes);
    return { batchId, payload, stored, results };
  }
}
