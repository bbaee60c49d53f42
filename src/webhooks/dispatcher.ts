import type { StoredEvent } from '../ingest/event.ts';
import type { Logger } from '../log.ts';
import type { ClickHouseClient } from '../store/clickhouse/client.ts';
import type { ControlDb } from '../store/control/db.ts';
import type { AttemptResult, DeliveryStore, QueuedDelivery } from './delivery-store.ts';
import { readNewEvents, type SourceSpec } from './event-source.ts';
import type { WebhookSender } from './sender.ts';
import { signingKey } from './signing.ts';
import { EVENT_TYPE_SOURCES, type SubscriptionRow, type SubscriptionStatus } from './subscriptions.ts';

const FIVE_DAYS_MS = 5 * 86_400_000;
const SCAN_BATCH = 5_000;
/** Deliveries held in memory per subscription; the rest wait in the durable queue. */
const BUFFER_CAP = 2_000;
const TICK_MS = 1_000;
/** Safety-net rescan period (commit notifications do the real work). */
const RESCAN_EVERY_TICKS = 10;
const PRUNE_EVERY_TICKS = 3_600;
const KEEP_HISTORY_MS = 7 * 86_400_000;
const RETRY_AFTER_CAP_SEC = 86_400;

export interface DispatcherOptions {
  retryScheduleSeconds: number[];
  perTargetConcurrency: number;
  /** Background failures are logged here (the service's logger), never swallowed. */
  log: Logger;
}

interface SubState {
  spec: SourceSpec;
  target: string;
  origin: string;
  key: Buffer;
  cursor: number;
  status: SubscriptionStatus;
  failingSince: number | undefined;
  /** Deliveries loaded and ready to send now. */
  buffer: QueuedDelivery[];
  /** Ids buffered, in flight, or whose result is not yet written: never loaded twice. */
  busy: Set<string>;
  scanning: boolean;
  rescan: boolean;
  loading: boolean;
  /** The durable queue may hold due deliveries not in `buffer`. */
  backlog: boolean;
  wake: NodeJS.Timeout | undefined;
  wakeAt: number;
  gone: boolean;
}

/**
 * Delivers matching events to subscribers, at least once, from durable state:
 * every subscription has a cursor (last events.seq enqueued) and a queue of pending
 * deliveries in the control store. On start and on each ingest commit it reads
 * events past the cursor from the analytics store and enqueues them (cursor moved in
 * the same transaction), then sends. A kill at any point leaves either the event past
 * the cursor or a pending delivery, and both are picked up again at the next start.
 */
export class WebhookDispatcher {
  private readonly subs = new Map<string, SubState>();
  private readonly inflight = new Map<string, number>();
  private results: AttemptResult[] = [];
  /** Metrics: the outcome of every attempt. */
  onAttempt: ((outcome: AttemptResult['outcome']) => void) | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private ticks = 0;
  private stopped = false;
  private readonly tasks = new Set<Promise<unknown>>();
  private readonly log: (msg: string, err?: unknown) => void;

  constructor(
    private readonly db: ControlDb,
    private readonly ch: ClickHouseClient,
    private readonly store: DeliveryStore,
    private readonly sender: WebhookSender,
    private readonly opts: DispatcherOptions,
  ) {
    this.log = (msg, err) => opts.log.error({ err }, msg);
  }

  async start(): Promise<void> {
    const rows = await this.db
      .selectFrom('subscriptions')
      .selectAll()
      .where('deleted_at', 'is', null)
      .where('status', '!=', 'DISABLED')
      .execute();
    for (const r of rows) this.add(r);
    this.tickTimer = setInterval(() => this.tick(), TICK_MS);
    this.tickTimer.unref();
  }

  /** Registers a (new) subscription: resumes its queue and scans past its cursor. */
  add(r: SubscriptionRow): void {
    if (this.stopped || r.deleted_at !== null || r.status === 'DISABLED') return;
    const s: SubState = {
      spec: {
        id: r.id,
        teamId: r.team_id,
        botId: r.bot_id,
        eventType: r.event_type,
        eventNames: JSON.parse(r.event_names) as string[],
      },
      target: r.target,
      origin: new URL(r.target).origin,
      key: signingKey(r.secret),
      cursor: Number(r.cursor_seq),
      status: r.status as SubscriptionStatus,
      failingSince: r.failing_since === null ? undefined : Number(r.failing_since),
      buffer: [],
      busy: new Set(),
      scanning: false,
      rescan: false,
      loading: false,
      backlog: true,
      wake: undefined,
      wakeAt: Number.POSITIVE_INFINITY,
      gone: false,
    };
    this.subs.set(r.id, s);
    this.load(s);
    this.scan(s);
  }

  remove(id: string): void {
    const s = this.subs.get(id);
    if (!s) return;
    s.gone = true;
    s.buffer = [];
    if (s.wake) clearTimeout(s.wake);
    this.subs.delete(id);
  }

  /** Ingest commit listener: only subscriptions the batch can match are scanned. */
  onCommit(events: readonly StoredEvent[]): void {
    if (this.stopped || events.length === 0) return;
    for (const s of this.subs.values()) {
      const type = EVENT_TYPE_SOURCES[s.spec.eventType];
      if (events.some((e) => e.botId === s.spec.botId && e.type === type)) this.scan(s);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.tickTimer) clearInterval(this.tickTimer);
    for (const s of this.subs.values()) if (s.wake) clearTimeout(s.wake);
    // In-flight sends are cut: their deliveries stay pending and go out after restart.
    await this.sender.close();
    await Promise.allSettled([...this.tasks]);
    await this.flush();
  }

  private track<T>(p: Promise<T>): void {
    this.tasks.add(p);
    void p.catch((e) => this.log('background task failed', e)).finally(() => this.tasks.delete(p));
  }

  private tick(): void {
    if (this.stopped) return;
    this.ticks++;
    for (const s of this.subs.values()) {
      if (this.ticks % RESCAN_EVERY_TICKS === 0) {
        // Safety net: rescan past the cursor and recheck the durable queue now and then.
        this.scan(s);
        s.backlog = true;
      }
      if (s.buffer.length === 0) this.load(s);
    }
    if (this.ticks % PRUNE_EVERY_TICKS === 0) this.track(this.store.prune(Date.now() - KEEP_HISTORY_MS));
  }

  private scan(s: SubState): void {
    if (this.stopped || s.gone) return;
    if (s.scanning) {
      s.rescan = true;
      return;
    }
    s.scanning = true;
    this.track(
      this.scanLoop(s).finally(() => {
        s.scanning = false;
      }),
    );
  }

  private async scanLoop(s: SubState): Promise<void> {
    do {
      s.rescan = false;
      for (;;) {
        if (this.stopped || s.gone) return;
        const items = await readNewEvents(this.ch, s.spec, s.cursor, SCAN_BATCH);
        const last = items[items.length - 1];
        if (!last) break;
        if (this.stopped || s.gone) return;
        await this.store.enqueue(s.spec.id, items, last.seq, Date.now());
        s.cursor = last.seq;
        for (const d of items) {
          if (s.buffer.length >= BUFFER_CAP) {
            s.backlog = true;
            break;
          }
          if (s.busy.has(d.id)) continue;
          s.busy.add(d.id);
          s.buffer.push({ id: d.id, payload: d.payload, attempts: 0 });
        }
        this.pump(s);
        if (items.length < SCAN_BATCH) break;
      }
    } while (s.rescan);
  }

  /** Loads due deliveries from the durable queue (restart, retries, overflow). */
  private load(s: SubState): void {
    if (this.stopped || s.gone || s.loading || !s.backlog) return;
    s.loading = true;
    const limit = s.busy.size + 500;
    const nowMs = Date.now();
    this.track(
      this.store
        .due(s.spec.id, nowMs, limit)
        .then(async (rows) => {
          let capped = false;
          for (const r of rows) {
            if (s.busy.has(r.id)) continue;
            if (s.buffer.length >= BUFFER_CAP) {
              capped = true;
              break;
            }
            s.busy.add(r.id);
            s.buffer.push(r);
          }
          s.backlog = capped || rows.length === limit;
          if (!s.backlog) {
            // Only future retries need a timer: a due row not loaded now is busy (in flight or
            // awaiting its result), and its result flush sets the timer for its own retry.
            const next = await this.store.nextDue(s.spec.id, nowMs);
            if (next !== undefined) this.wakeAt(s, next);
          }
        })
        .finally(() => {
          s.loading = false;
          this.pump(s);
        }),
    );
  }

  private wakeAt(s: SubState, atMs: number): void {
    if (s.gone || this.stopped || atMs >= s.wakeAt) return;
    if (s.wake) clearTimeout(s.wake);
    s.wakeAt = atMs;
    s.wake = setTimeout(
      () => {
        s.wake = undefined;
        s.wakeAt = Number.POSITIVE_INFINITY;
        s.backlog = true;
        this.load(s);
      },
      Math.max(0, atMs - Date.now()),
    );
    s.wake.unref();
  }

  private pump(s: SubState): void {
    if (this.stopped || s.gone || s.status === 'DISABLED') return;
    while (s.buffer.length > 0 && (this.inflight.get(s.origin) ?? 0) < this.opts.perTargetConcurrency) {
      const d = s.buffer.shift() as QueuedDelivery;
      this.inflight.set(s.origin, (this.inflight.get(s.origin) ?? 0) + 1);
      this.track(this.attempt(s, d));
    }
    if (s.buffer.length === 0 && s.backlog) this.load(s);
  }

  private async attempt(s: SubState, d: QueuedDelivery): Promise<void> {
    const attempt = d.attempts + 1;
    let res: Awaited<ReturnType<WebhookSender['send']>>;
    try {
      res = await this.sender.send(s.target, s.key, d.id, d.payload);
    } finally {
      this.inflight.set(s.origin, (this.inflight.get(s.origin) ?? 1) - 1);
    }
    if (this.stopped && !res.ok && res.statusCode === 0) return; // cut by shutdown: not an attempt
    const now = Date.now();
    const schedule = this.opts.retryScheduleSeconds;
    let outcome: AttemptResult['outcome'] = 'delivered';
    let nextAttemptAt = now;
    if (res.ok) {
      if (s.status === 'FAILING') this.setStatus(s, 'ACTIVE', '');
    } else if (res.statusCode === 410) {
      outcome = 'failed';
      this.setStatus(s, 'DISABLED', 'receiver answered 410 Gone');
    } else if (attempt > schedule.length || (s.failingSince !== undefined && now - s.failingSince >= FIVE_DAYS_MS)) {
      outcome = 'failed';
      this.setStatus(s, 'DISABLED', `delivery failed ${attempt} times: ${res.error}`);
    } else {
      outcome = 'retry';
      const base = (schedule[attempt - 1] ?? 0) * 1000;
      // ±10 % jitter so a fleet of retries does not hit the receiver in lockstep.
      let delay = base * (0.9 + Math.random() * 0.2);
      if (res.retryAfterSec !== undefined)
        delay = Math.max(delay, Math.min(res.retryAfterSec, RETRY_AFTER_CAP_SEC) * 1000);
      nextAttemptAt = now + Math.round(delay);
      if (s.status === 'ACTIVE') this.setStatus(s, 'FAILING', res.error);
    }
    this.onAttempt?.(outcome);
    this.results.push({
      deliveryId: d.id,
      subscriptionId: s.spec.id,
      attempt,
      attemptedAt: now - res.durationMs,
      statusCode: res.statusCode,
      error: res.error,
      durationMs: res.durationMs,
      outcome,
      nextAttemptAt,
    });
    this.scheduleFlush();
    // A freed slot on this origin may unblock any subscription sending there.
    for (const other of this.subs.values()) if (other.origin === s.origin) this.pump(other);
  }

  private setStatus(s: SubState, status: SubscriptionStatus, reason: string): void {
    if (s.status === status) return;
    s.status = status;
    const now = Date.now();
    if (status === 'FAILING') s.failingSince ??= now;
    if (status === 'ACTIVE') s.failingSince = undefined;
    if (status === 'DISABLED') {
      s.buffer = [];
      this.remove(s.spec.id);
    }
    this.track(
      this.db
        .updateTable('subscriptions')
        .set({
          status,
          status_reason: reason,
          failing_since: s.failingSince ?? null,
        })
        .where('id', '=', s.spec.id)
        .execute(),
    );
  }

  private scheduleFlush(): void {
    if (this.flushTimer || this.stopped) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.track(this.flush());
    }, 10);
  }

  /** Writes attempt results in batches: one transaction for many deliveries. */
  private async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    const batch = this.results;
    if (batch.length === 0) return;
    this.results = [];
    this.flushing = this.store.record(batch).then(
      () => {
        for (const r of batch) {
          const s = this.subs.get(r.subscriptionId);
          if (!s) continue;
          s.busy.delete(r.deliveryId);
          if (r.outcome === 'retry') this.wakeAt(s, r.nextAttemptAt);
        }
      },
      (e: unknown) => {
        // Not recorded: keep them for the next flush rather than resend at once.
        this.log('could not record webhook attempts', e);
        this.results.unshift(...batch);
        this.scheduleFlush();
      },
    );
    try {
      await this.flushing;
    } finally {
      this.flushing = undefined;
    }
    if (this.results.length > 0 && !this.flushTimer) this.scheduleFlush();
  }
}
