import crypto from 'node:crypto';
import type { StoredEvent } from '../ingest/event.ts';
import type { Logger } from '../log.ts';
import type { ClickHouseClient } from '../store/clickhouse/client.ts';
import type { ControlDb } from '../store/control/db.ts';
import type { AttemptResult, ChallengeState, DeliveryStore, QueuedDelivery } from './delivery-store.ts';
import { readNewEvents, type SourceSpec } from './event-source.ts';
import { nextStep } from './retry-policy.ts';
import type { WebhookSender } from './sender.ts';
import { signingKey } from './signing.ts';
import {
  EVENT_TYPE_SOURCES,
  type SubscriptionOut,
  type SubscriptionRow,
  type SubscriptionStatus,
  toOut,
} from './subscriptions.ts';

const SCAN_BATCH = 5_000;
/** Deliveries held in memory per subscription; the rest wait in the durable queue. */
const BUFFER_CAP = 2_000;
const TICK_MS = 1_000;
/** Safety-net rescan period (commit notifications do the real work). */
const RESCAN_EVERY_TICKS = 10;
const PRUNE_EVERY_TICKS = 3_600;
const KEEP_HISTORY_MS = 7 * 86_400_000;
/** Challenges sent at most: at creation, then after the schedule's first three delays (§7). */
const MAX_CHALLENGES = 4;
/** A challenge result that could not be written is tried again (send and write) after this. */
const CHALLENGE_WRITE_RETRY_MS = 5_000;

export type RevocationReason = 'notification_failures_exceeded' | 'gone';

/** Stable per subscription and kind: a challenge keeps its webhook-id across attempts. */
const controlMessageId = (subscriptionId: string, kind: string): string =>
  `msg_${crypto.createHash('sha256').update(`${subscriptionId}:${kind}`).digest('hex').slice(0, 26)}`;

/** The handshake state of a VERIFICATION_PENDING subscription (a copy of its durable row). */
interface Verification {
  challenge: string;
  /** Challenge attempts made (and recorded) so far. */
  attempts: number;
  nextAt: number;
  timer: NodeJS.Timeout | undefined;
}

export interface DispatcherOptions {
  retryScheduleSeconds: number[];
  perTargetConcurrency: number;
  /** Background failures are logged here (the service's logger), never swallowed. */
  log: Logger;
}

interface SubState {
  spec: SourceSpec;
  /** The subscription as the API shows it, for challenge and revocation bodies. */
  out: SubscriptionOut;
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
  /** Set while VERIFICATION_PENDING: nothing but challenges is sent, nothing is scanned. */
  verify: Verification | undefined;
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
      .where('status', 'not in', ['DISABLED', 'VERIFICATION_FAILED'])
      .execute();
    for (const r of rows) this.add(r);
    this.tickTimer = setInterval(() => this.tick(), TICK_MS);
    this.tickTimer.unref();
  }

  /**
   * Registers a (new) subscription: resumes its queue and scans past its cursor, or, while
   * it is VERIFICATION_PENDING, resumes its challenges where the control store left them.
   */
  add(r: SubscriptionRow): void {
    if (this.stopped || r.deleted_at !== null || r.status === 'DISABLED' || r.status === 'VERIFICATION_FAILED') return;
    const s: SubState = {
      spec: {
        id: r.id,
        teamId: r.team_id,
        botId: r.bot_id,
        eventType: r.event_type,
        eventNames: JSON.parse(r.event_names) as string[],
        botVersion: r.bot_version,
      },
      out: toOut(r),
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
      verify:
        r.status === 'VERIFICATION_PENDING'
          ? {
              challenge: r.challenge,
              attempts: r.challenge_attempts,
              nextAt: Number(r.challenge_next_at),
              timer: undefined,
            }
          : undefined,
    };
    this.subs.set(r.id, s);
    if (s.verify) {
      this.scheduleChallenge(s, s.verify.nextAt);
      return;
    }
    this.load(s);
    this.scan(s);
  }

  remove(id: string): void {
    const s = this.subs.get(id);
    if (!s) return;
    s.gone = true;
    s.buffer = [];
    if (s.wake) clearTimeout(s.wake);
    if (s.verify?.timer) clearTimeout(s.verify.timer);
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
    for (const s of this.subs.values()) {
      if (s.wake) clearTimeout(s.wake);
      if (s.verify?.timer) clearTimeout(s.verify.timer);
    }
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
      if (s.verify) continue; // its timer sends the next challenge; nothing to scan yet
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
    // While pending nothing is enqueued: the durable cursor keeps every event since the
    // creation for the first scan after verification (and after a kill -9 in between).
    if (this.stopped || s.gone || s.verify) return;
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
    if (this.stopped || s.gone || s.verify || s.loading || !s.backlog) return;
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
    if (this.stopped || s.gone || s.verify || s.status === 'DISABLED') return;
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
      res = await this.sender.send(s.target, s.key, d.id, d.payload, 'notification');
    } finally {
      this.inflight.set(s.origin, (this.inflight.get(s.origin) ?? 1) - 1);
    }
    if (this.stopped && !res.ok && res.statusCode === 0) return; // cut by shutdown: not an attempt
    const now = Date.now();
    const step = nextStep({
      attempt,
      result: res,
      schedule: this.opts.retryScheduleSeconds,
      failingSince: s.failingSince,
      now,
      random: Math.random(),
    });
    let outcome: AttemptResult['outcome'] = 'delivered';
    let nextAttemptAt = now;
    if (step.kind === 'delivered') {
      if (s.status === 'FAILING') this.setStatus(s, 'ACTIVE', '');
    } else if (step.kind === 'disable') {
      outcome = 'failed';
      if (step.reason === 'gone') this.setStatus(s, 'DISABLED', 'receiver answered 410 Gone', 'gone');
      else
        this.setStatus(
          s,
          'DISABLED',
          `delivery failed ${attempt} times: ${res.error}`,
          'notification_failures_exceeded',
        );
    } else {
      outcome = 'retry';
      nextAttemptAt = step.at;
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

  private setStatus(s: SubState, status: SubscriptionStatus, reason: string, revocation?: RevocationReason): void {
    if (s.status === status) return;
    s.status = status;
    s.out = { ...s.out, status };
    const now = Date.now();
    if (status === 'FAILING') s.failingSince ??= now;
    if (status === 'ACTIVE') s.failingSince = undefined;
    if (status === 'DISABLED') {
      s.buffer = [];
      this.remove(s.spec.id);
    }
    const written = this.db
      .updateTable('subscriptions')
      .set({
        status,
        status_reason: reason,
        failing_since: s.failingSince ?? null,
      })
      .where('id', '=', s.spec.id)
      .execute();
    // The revocation notice goes out once the DISABLED status is durable.
    this.track<unknown>(revocation ? written.then(() => this.revoke(s, revocation)) : written);
  }

  /** One `revocation` POST when a subscription becomes DISABLED: never retried, a failure is logged. */
  private async revoke(s: SubState, reason: RevocationReason): Promise<void> {
    if (this.stopped) return;
    const msgId = controlMessageId(s.spec.id, 'revocation');
    const body = JSON.stringify({ subscription: { ...s.out, status: 'DISABLED' }, reason });
    const res = await this.sender.send(s.target, s.key, msgId, body, 'revocation');
    if (!res.ok) {
      this.opts.log.warn(
        { subscriptionId: s.spec.id, statusCode: res.statusCode, error: res.error },
        'revocation notice not delivered (not retried)',
      );
    }
    await this.store.recordRevocation({
      messageId: msgId,
      subscriptionId: s.spec.id,
      messageType: 'revocation',
      attempt: 1,
      attemptedAt: Date.now() - res.durationMs,
      statusCode: res.statusCode,
      error: res.error,
      durationMs: res.durationMs,
    });
  }

  private scheduleChallenge(s: SubState, atMs: number): void {
    const v = s.verify;
    if (!v || s.gone || this.stopped) return;
    if (v.timer) clearTimeout(v.timer);
    v.timer = setTimeout(
      () => {
        v.timer = undefined;
        this.track(this.challenge(s));
      },
      Math.max(0, atMs - Date.now()),
    );
    v.timer.unref();
  }

  /**
   * One challenge attempt (CONTRACT-LIVE-API §7): POST {challenge, subscription}; a 2xx
   * whose whole body, trimmed, is the challenge verifies the target. The verdict is
   * written (with the attempt) before memory moves, so a kill -9 at any point resumes
   * from the last recorded attempt; a kill between send and write resends that attempt.
   */
  private async challenge(s: SubState): Promise<void> {
    const v = s.verify;
    if (!v || s.gone || this.stopped) return;
    const attempt = v.attempts + 1;
    const msgId = controlMessageId(s.spec.id, 'challenge');
    const body = JSON.stringify({ challenge: v.challenge, subscription: { ...s.out, status: 'VERIFICATION_PENDING' } });
    const res = await this.sender.send(s.target, s.key, msgId, body, 'webhook_callback_verification', true);
    if (this.stopped && !res.ok && res.statusCode === 0) return; // cut by shutdown: not an attempt
    if (s.gone) return;
    const echoed = res.ok && res.answer.trim() === v.challenge;
    const error = echoed ? '' : res.ok ? 'the answer was not the challenge' : res.error;
    const schedule = this.opts.retryScheduleSeconds;
    const maxAttempts = 1 + Math.min(MAX_CHALLENGES - 1, schedule.length);
    const now = Date.now();
    let next: ChallengeState;
    if (echoed) {
      next = { status: 'ACTIVE', statusReason: '', attempts: attempt, nextAt: now };
    } else if (attempt >= maxAttempts || res.statusCode === 410) {
      next = {
        status: 'VERIFICATION_FAILED',
        statusReason: `target not verified after ${attempt} challenge(s): ${error}`,
        attempts: attempt,
        nextAt: now,
      };
    } else {
      next = {
        status: 'VERIFICATION_PENDING',
        statusReason: `challenge ${attempt} of ${maxAttempts} failed: ${error}`,
        attempts: attempt,
        nextAt: now + (schedule[attempt - 1] ?? 0) * 1000,
      };
    }
    let moved: boolean;
    try {
      moved = await this.store.recordChallenge(
        {
          messageId: msgId,
          subscriptionId: s.spec.id,
          messageType: 'webhook_callback_verification',
          attempt,
          attemptedAt: now - res.durationMs,
          statusCode: res.statusCode,
          error,
          durationMs: res.durationMs,
        },
        next,
      );
    } catch (e) {
      this.log('could not record a challenge attempt; trying again', e);
      this.scheduleChallenge(s, Date.now() + CHALLENGE_WRITE_RETRY_MS);
      return;
    }
    // Deleted (or decided elsewhere) meanwhile: this process stops handling it.
    if (!moved) return this.remove(s.spec.id);
    if (next.status === 'VERIFICATION_PENDING') {
      v.attempts = attempt;
      v.nextAt = next.nextAt;
      this.scheduleChallenge(s, next.nextAt);
    } else if (next.status === 'VERIFICATION_FAILED') {
      this.remove(s.spec.id);
    } else {
      // Verified: deliver everything past the cursor, events accepted while pending included.
      s.verify = undefined;
      s.status = 'ACTIVE';
      s.out = { ...s.out, status: 'ACTIVE' };
      s.backlog = true;
      this.load(s);
      this.scan(s);
    }
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
