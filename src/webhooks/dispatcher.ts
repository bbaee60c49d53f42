import crypto from 'node:crypto';
import type { Logger } from '../log.ts';
import type { ControlDb } from '../store/control/db.ts';
import { type ClaimedDelivery, DeliveryClaims } from './claims.ts';
import { type AttemptResult, type ChallengeState, type DeliveryStore, insertControlAttempt } from './delivery-store.ts';
import { nextStep } from './retry-policy.ts';
import { DELIVERY_TIMEOUT_MS, type WebhookSender } from './sender.ts';
import { signingKey } from './signing.ts';
import { SENDING_STATUSES, SubscriptionStates } from './subscription-status.ts';
import { type SubscriptionOut, type SubscriptionRow, type SubscriptionStatus, toOut } from './subscriptions.ts';

/** Due work is looked for this often (and at once after a local ingest commit, `notify`). */
const POLL_MS = 250;
/** Subscriptions created, changed or deleted by another replica are seen within this. */
const REFRESH_MS = 1_000;
/** Deliveries held per target origin: this many times the concurrency cap (claimed ahead, leased). */
const PREFETCH = 4;
/**
 * A claim's lease. A delivery starts sending only with at least DELIVERY_TIMEOUT_MS +
 * SEND_MARGIN_MS of it left, so it may wait behind the origin's cap for the rest, and a send
 * always ends (answer or timeout) before anyone else may claim the row.
 */
const LEASE_MS = 60_000;
const SEND_MARGIN_MS = 5_000;
/** A claimed challenge attempt is someone's for this long (then it is sent again). */
const CHALLENGE_LEASE_MS = DELIVERY_TIMEOUT_MS + 15_000;
const PRUNE_EVERY_MS = 3_600_000;
const KEEP_HISTORY_MS = 7 * 86_400_000;
/** Challenges sent at most: at creation, then after the schedule's first three delays (§7). */
const MAX_CHALLENGES = 4;
/** The same failure (a store down: every poll retries) is logged at most this often. */
const LOG_EVERY_MS = 10_000;

export type RevocationReason = 'notification_failures_exceeded' | 'gone';

/** Stable per subscription and kind: a challenge keeps its webhook-id across attempts. */
const controlMessageId = (subscriptionId: string, kind: string): string =>
  `msg_${crypto.createHash('sha256').update(`${subscriptionId}:${kind}`).digest('hex').slice(0, 26)}`;

export interface DispatcherOptions {
  retryScheduleSeconds: number[];
  /** Requests in flight per target origin, in this process. */
  perTargetConcurrency: number;
  /** Background failures are logged here (the service's logger), never swallowed. */
  log: Logger;
  /** This process's name in leases (config.replicaId). */
  replicaId: string;
  /**
   * The delivery role (config.roles.deliveries): when false this process never claims, sends
   * or challenges; deliveries are still enqueued by its ingest (enqueue.ts) for the others.
   */
  deliveries: boolean;
  /** Tests shorten these; the defaults suit production. */
  leaseMs?: number;
  pollMs?: number;
  refreshMs?: number;
}

/** What this process knows of a subscription: a copy of its row, refreshed from the store. */
interface Sub {
  id: string;
  out: SubscriptionOut;
  target: string;
  origin: string;
  key: Buffer;
  status: SubscriptionStatus;
  failingSince: number | undefined;
  challenge: string;
  challengeAttempts: number;
  challengeNextAt: number;
  /** A challenge attempt of this process is under way. */
  challenging: boolean;
  /** When this copy was taken (a refresh that read before it does not drop it). */
  seenAt: number;
}

interface Origin {
  inflight: number;
  /** Claimed (leased to this process), waiting for a slot under the cap. */
  queue: ClaimedDelivery[];
  /** The last claim for this origin came back full: more is probably due. */
  more: boolean;
}

/**
 * Delivers matching events to subscribers from the durable queue in the control store
 * (rows enqueued in the ingest commit, enqueue.ts), with any number of replicas: each one
 * claims due deliveries with a lease (claims.ts), sends them under a per-origin cap, and
 * writes the results in batches while it still owns them. Status changes and challenges are
 * compare-and-set writes on the subscription row (subscription-status.ts), so each happens
 * once whichever replica sees it first; the retry decision is the pure nextStep.
 * A kill -9 leaves leases that expire: the deliveries are sent again, by anyone (at least once).
 */
export class WebhookDispatcher {
  private readonly subs = new Map<string, Sub>();
  private readonly origins = new Map<string, Origin>();
  /** Ids queued, in flight, or whose result or release is not yet written: never claimed twice here. */
  private readonly busy = new Set<string>();
  private results: AttemptResult[] = [];
  private releases: string[] = [];
  private readonly claims: DeliveryClaims;
  private readonly states: SubscriptionStates;
  private readonly leaseMs: number;
  /** Metrics: the outcome of every attempt. */
  onAttempt: ((outcome: AttemptResult['outcome']) => void) | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeTimerAt = Number.POSITIVE_INFINITY;
  private running = false;
  private again = false;
  private refreshedAt = Number.NEGATIVE_INFINITY;
  private prunedAt = Date.now();
  private readonly loggedAt = new Map<string, number>();
  private stopped = false;
  private readonly tasks = new Set<Promise<unknown>>();

  constructor(
    private readonly db: ControlDb,
    private readonly store: DeliveryStore,
    private readonly sender: WebhookSender,
    private readonly opts: DispatcherOptions,
  ) {
    this.claims = new DeliveryClaims(db, opts.replicaId);
    this.states = new SubscriptionStates(db);
    this.leaseMs = opts.leaseMs ?? LEASE_MS;
  }

  async start(): Promise<void> {
    if (!this.opts.deliveries) return;
    await this.claims.releaseStale();
    await this.refresh();
    this.pollTimer = setInterval(() => this.wake(), this.opts.pollMs ?? POLL_MS);
    this.pollTimer.unref();
    this.wake();
  }

  /** A subscription created by this process: its first challenge goes out without waiting for a poll. */
  add(r: SubscriptionRow): void {
    if (this.stopped || !this.opts.deliveries) return;
    this.upsert(r, Date.now());
    this.wake();
  }

  /** Deleted here: stop at once (other replicas see it at their next refresh). */
  remove(id: string): void {
    this.subs.delete(id);
  }

  /** This process's ingest committed: its deliveries are due now. */
  notify(): void {
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    // In-flight sends are cut: not attempts; their leases are given back below.
    await this.sender.close();
    while (this.tasks.size > 0) await Promise.allSettled([...this.tasks]);
    for (const o of this.origins.values()) {
      for (const d of o.queue) this.releases.push(d.id);
      o.queue = [];
    }
    await this.flush();
  }

  private track<T>(p: Promise<T>): void {
    this.tasks.add(p);
    void p.catch((e) => this.log('background task failed', e)).finally(() => this.tasks.delete(p));
  }

  /** Each kind of failure is logged at most once per LOG_EVERY_MS: a store outage retries every poll. */
  private log(msg: string, err: unknown): void {
    const now = Date.now();
    if (now - (this.loggedAt.get(msg) ?? Number.NEGATIVE_INFINITY) < LOG_EVERY_MS) return;
    this.loggedAt.set(msg, now);
    this.opts.log.error({ err }, msg);
  }

  /** Runs a round now, or right after the one under way. */
  private wake(): void {
    if (this.stopped || !this.opts.deliveries) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.track(
      this.rounds()
        .catch((e: unknown) => this.log('webhook delivery round failed (retried every poll)', e))
        .finally(() => {
          this.running = false;
          if (this.again) {
            this.again = false;
            this.wake();
          }
        }),
    );
  }

  /** A wake-up at `atMs` (a retry or challenge of this process), besides the poll. */
  private wakeAt(atMs: number): void {
    if (this.stopped || atMs >= this.wakeTimerAt) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimerAt = atMs;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = undefined;
        this.wakeTimerAt = Number.POSITIVE_INFINITY;
        this.wake();
      },
      Math.max(0, atMs - Date.now()),
    );
    this.wakeTimer.unref();
  }

  private async rounds(): Promise<void> {
    do {
      this.again = false;
      const now = Date.now();
      if (now - this.refreshedAt >= (this.opts.refreshMs ?? REFRESH_MS)) await this.refresh();
      for (const s of this.subs.values()) {
        if (s.status === 'VERIFICATION_PENDING' && !s.challenging && s.challengeNextAt <= now) {
          this.track(this.challenge(s));
        }
      }
      if (now - this.prunedAt >= PRUNE_EVERY_MS) {
        this.prunedAt = now;
        this.track(this.store.prune(now - KEEP_HISTORY_MS));
      }
      // A claim that came back full means more is due: claim again at once (the loop).
      if (await this.claimDue(now)) this.again = true;
    } while (this.again && !this.stopped);
  }

  /** Reads the subscriptions back from the store: the truth is there, this is a copy. */
  private async refresh(): Promise<void> {
    const readAt = Date.now();
    const rows = await this.states.live();
    const seen = new Set<string>();
    for (const r of rows) {
      seen.add(r.id);
      this.upsert(r, readAt);
    }
    for (const [id, s] of this.subs) if (!seen.has(id) && s.seenAt < readAt) this.subs.delete(id);
    // Origins no subscription sends to any more, with nothing held: forgotten (memory stays bounded).
    const used = new Set([...this.subs.values()].map((s) => s.origin));
    for (const [key, o] of this.origins) {
      if (!used.has(key) && o.inflight === 0 && o.queue.length === 0) this.origins.delete(key);
    }
    this.refreshedAt = readAt;
  }

  private upsert(r: SubscriptionRow, seenAt: number): void {
    const old = this.subs.get(r.id);
    if (old && old.seenAt > seenAt) return; // a newer copy (add) beat this read
    const s: Sub = {
      id: r.id,
      out: toOut(r),
      target: r.target,
      origin: old?.target === r.target ? old.origin : new URL(r.target).origin,
      key: old?.target === r.target ? old.key : signingKey(r.secret),
      status: r.status as SubscriptionStatus,
      failingSince: r.failing_since === null ? undefined : Number(r.failing_since),
      challenge: r.challenge,
      challengeAttempts: r.challenge_attempts,
      challengeNextAt: Number(r.challenge_next_at),
      challenging: old?.challenging ?? false,
      seenAt,
    };
    if (old?.challenging) {
      // The attempt under way owns these until it ends.
      s.challengeAttempts = old.challengeAttempts;
      s.challengeNextAt = old.challengeNextAt;
    }
    if (old) Object.assign(old, s);
    else this.subs.set(r.id, s);
  }

  private origin(key: string): Origin {
    let o = this.origins.get(key);
    if (!o) {
      o = { inflight: 0, queue: [], more: false };
      this.origins.set(key, o);
    }
    return o;
  }

  private budget(o: Origin): number {
    return this.opts.perTargetConcurrency * PREFETCH - o.inflight - o.queue.length;
  }

  /** Claims due deliveries for every origin with room; true when some claim came back full. */
  private async claimDue(now: number): Promise<boolean> {
    const candidates: string[] = [];
    for (const s of this.subs.values()) {
      if (SENDING_STATUSES.includes(s.status) && this.budget(this.origin(s.origin)) > 0) candidates.push(s.id);
    }
    if (candidates.length === 0) return false;
    const due: string[] = [];
    for (let i = 0; i < candidates.length; i += 1000) {
      due.push(...(await this.claims.withDueWork(candidates.slice(i, i + 1000), now)));
    }
    const byOrigin = new Map<string, string[]>();
    for (const id of due) {
      const s = this.subs.get(id);
      if (!s) continue;
      const list = byOrigin.get(s.origin) ?? [];
      list.push(id);
      byOrigin.set(s.origin, list);
    }
    let full = false;
    for (const [key, ids] of byOrigin) {
      if (this.stopped) break;
      const o = this.origin(key);
      const budget = this.budget(o);
      if (budget <= 0) continue;
      const got = await this.claims.claim(ids, Date.now(), this.leaseMs, budget);
      for (const d of got) {
        // Already ours (in flight, or its result not yet written): that one goes on.
        if (this.busy.has(d.id)) continue;
        this.busy.add(d.id);
        o.queue.push(d);
      }
      o.more = got.length === budget;
      if (o.more) full = true;
      this.pump(key);
    }
    return full;
  }

  /** Starts sends for an origin up to its cap. */
  private pump(key: string): void {
    const o = this.origin(key);
    if (this.stopped) return;
    while (o.inflight < this.opts.perTargetConcurrency && o.queue.length > 0) {
      const d = o.queue.shift() as ClaimedDelivery;
      const s = this.subs.get(d.subscriptionId);
      // Not enough lease left to finish the send before another replica may claim it, or no
      // longer sending (deleted, disabled, not yet seen): give it back rather than send.
      if (
        !s ||
        !SENDING_STATUSES.includes(s.status) ||
        d.leaseUntil - Date.now() < DELIVERY_TIMEOUT_MS + SEND_MARGIN_MS
      ) {
        this.releases.push(d.id);
        this.scheduleFlush();
        continue;
      }
      o.inflight++;
      this.track(this.attempt(s, key, o, d));
    }
    // Running low with more due: claim the next batch while these are sent.
    if (o.more && o.queue.length <= this.opts.perTargetConcurrency) this.wake();
  }

  private async attempt(s: Sub, key: string, o: Origin, d: ClaimedDelivery): Promise<void> {
    const attempt = d.attempts + 1;
    let res: Awaited<ReturnType<WebhookSender['send']>>;
    try {
      res = await this.sender.send(s.target, s.key, d.id, d.payload, 'notification');
    } finally {
      o.inflight--;
    }
    if (this.stopped && !res.ok && res.statusCode === 0) {
      this.releases.push(d.id); // cut by shutdown: not an attempt
      return;
    }
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
      if (s.status === 'FAILING') this.markActive(s);
    } else if (step.kind === 'disable') {
      outcome = 'failed';
      if (step.reason === 'gone') this.disable(s, now, 'receiver answered 410 Gone', 'gone');
      else this.disable(s, now, `delivery failed ${attempt} times: ${res.error}`, 'notification_failures_exceeded');
    } else {
      outcome = 'retry';
      nextAttemptAt = step.at;
      if (s.status === 'ACTIVE') this.markFailing(s, now, res.error);
    }
    this.onAttempt?.(outcome);
    this.results.push({
      deliveryId: d.id,
      subscriptionId: s.id,
      attempt,
      attemptedAt: now - res.durationMs,
      statusCode: res.statusCode,
      error: res.error,
      durationMs: res.durationMs,
      outcome,
      nextAttemptAt,
    });
    this.scheduleFlush();
    this.pump(key);
  }

  private markActive(s: Sub): void {
    s.status = 'ACTIVE';
    s.failingSince = undefined;
    s.out = { ...s.out, status: 'ACTIVE' };
    this.track(this.states.markActive(s.id));
  }

  private markFailing(s: Sub, now: number, reason: string): void {
    s.status = 'FAILING';
    s.failingSince ??= now;
    s.out = { ...s.out, status: 'FAILING' };
    this.track(this.states.markFailing(s.id, now, reason));
  }

  /** DISABLED once, by whichever replica moves the row; that one sends the revocation. */
  private disable(s: Sub, now: number, reason: string, revocation: RevocationReason): void {
    s.status = 'DISABLED';
    this.subs.delete(s.id);
    this.track(
      this.states
        .disable(s.id, reason, now)
        .then((won) => (won && !this.stopped ? this.revoke(s, revocation) : undefined)),
    );
  }

  /** One `revocation` POST when a subscription becomes DISABLED: never retried, a failure is logged. */
  private async revoke(s: Sub, reason: RevocationReason): Promise<void> {
    const msgId = controlMessageId(s.id, 'revocation');
    const body = JSON.stringify({ subscription: { ...s.out, status: 'DISABLED' }, reason });
    const res = await this.sender.send(s.target, s.key, msgId, body, 'revocation');
    if (!res.ok) {
      this.opts.log.warn(
        { subscriptionId: s.id, statusCode: res.statusCode, error: res.error },
        'revocation notice not delivered (not retried)',
      );
    }
    await insertControlAttempt(this.db, {
      messageId: msgId,
      subscriptionId: s.id,
      messageType: 'revocation',
      attempt: 1,
      attemptedAt: Date.now() - res.durationMs,
      statusCode: res.statusCode,
      error: res.error,
      durationMs: res.durationMs,
    });
  }

  /**
   * One challenge attempt (CONTRACT-LIVE-API §7), by the one replica whose compare-and-set
   * claimed it: POST {challenge, subscription}; a 2xx whose whole body, trimmed, is the
   * challenge verifies the target. The verdict is written with the attempt, under the claim,
   * before this copy moves; a kill -9 between send and write resends that attempt once the
   * claim has expired.
   */
  private async challenge(s: Sub): Promise<void> {
    s.challenging = true;
    try {
      const leaseAt = Date.now() + CHALLENGE_LEASE_MS;
      const won = await this.states.claimChallenge(s.id, s.challengeNextAt, s.challengeAttempts, leaseAt);
      if (!won) {
        // Another replica has it, or the row moved: wait for the refresh to say what it is now.
        s.challengeNextAt = Number.POSITIVE_INFINITY;
        return;
      }
      s.challengeNextAt = leaseAt;
      const attempt = s.challengeAttempts + 1;
      const msgId = controlMessageId(s.id, 'challenge');
      const body = JSON.stringify({
        challenge: s.challenge,
        subscription: { ...s.out, status: 'VERIFICATION_PENDING' },
      });
      const res = await this.sender.send(s.target, s.key, msgId, body, 'webhook_callback_verification', true);
      if (this.stopped && !res.ok && res.statusCode === 0) return; // cut by shutdown: not an attempt
      const echoed = res.ok && res.answer.trim() === s.challenge;
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
        moved = await this.states.recordChallenge(
          {
            messageId: msgId,
            subscriptionId: s.id,
            messageType: 'webhook_callback_verification',
            attempt,
            attemptedAt: now - res.durationMs,
            statusCode: res.statusCode,
            error,
            durationMs: res.durationMs,
          },
          next,
          leaseAt,
        );
      } catch (e) {
        // Not recorded: the claim expires at leaseAt and the attempt is made again then.
        this.log('could not record a challenge attempt; it is sent again when its claim expires', e);
        this.wakeAt(leaseAt);
        return;
      }
      // Deleted (or decided elsewhere) meanwhile: the refresh says what it is now.
      if (!moved) return;
      s.challengeAttempts = attempt;
      s.challengeNextAt = next.nextAt;
      s.status = next.status as SubscriptionStatus;
      s.out = { ...s.out, status: next.status };
      if (next.status === 'VERIFICATION_PENDING') this.wakeAt(next.nextAt);
      else if (next.status === 'VERIFICATION_FAILED') this.subs.delete(s.id);
      // Verified: its pending deliveries (events accepted while pending included) are claimable now.
      else this.wake();
    } finally {
      s.challenging = false;
    }
  }

  private scheduleFlush(): void {
    if (this.flushTimer || this.stopped) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.track(this.flush());
    }, 10);
  }

  /** Writes attempt results and given-back leases in batches: one transaction for many deliveries. */
  private async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    const batch = this.results;
    const released = this.releases;
    if (batch.length === 0 && released.length === 0) return;
    this.results = [];
    this.releases = [];
    this.flushing = (async () => {
      try {
        await this.store.record(batch, this.opts.replicaId);
        for (const r of batch) {
          this.busy.delete(r.deliveryId);
          if (r.outcome === 'retry') this.wakeAt(r.nextAttemptAt);
        }
      } catch (e) {
        // Not recorded: keep them for the next flush rather than resend at once.
        this.log('could not record webhook attempts', e);
        this.results.unshift(...batch);
        this.scheduleFlush();
      }
      try {
        await this.claims.release(released);
      } catch (e) {
        // The leases expire by themselves; only the wait is longer.
        this.log('could not give back webhook delivery leases', e);
      }
      for (const id of released) this.busy.delete(id);
    })();
    try {
      await this.flushing;
    } finally {
      this.flushing = undefined;
    }
    if ((this.results.length > 0 || this.releases.length > 0) && !this.flushTimer) this.scheduleFlush();
  }
}
