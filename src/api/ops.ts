import type { FastifyInstance } from 'fastify';
import { QueryLimiter, QueryQueueFull, QueryWaitAborted } from '../analytics/query-limiter.ts';
import type { IngestResult } from '../ingest/group-commit.ts';
import { ServiceMetrics } from '../metrics/registry.ts';
import { webhookPendingReader } from '../metrics/webhook-pending.ts';
import type { AppServices } from '../services.ts';
import type { Handler } from './context.ts';
import { ApiError, GrpcCode } from './errors.ts';
import { operationOf, registerMetrics } from './metrics.ts';
import { registerRateLimit, TokenRateLimits } from './rate-limit.ts';
import { scopeOf } from './scopes.ts';

/** Reads the analytics store: these take a query slot. Definitions are listed from ingested events. */
const readsAnalytics = (operationId: string): boolean =>
  scopeOf(operationId) === 'read' || operationId === 'Analytics_ListEventDefinitions';

export interface Ops {
  metrics: ServiceMetrics;
  limiter: QueryLimiter;
  /** The handler as served: analytics ones behind the query limiter, all of them measured. */
  instrument(operationId: string, handler: Handler | undefined): Handler | undefined;
}

/**
 * Operations (issue 9): metrics, per-token rate limits and the analytics query limit, wired
 * onto one server instance. Call before the API routes are added so the hooks cover them.
 */
export function registerOps(app: FastifyInstance, services: AppServices): Ops {
  const { config } = services;
  // A request waits for a slot at most as long as a query may run: past that, a 429 it can
  // retry says more than an answer that would arrive after the client's own timeout.
  const limiter = new QueryLimiter(
    config.analyticsMaxConcurrentQueries,
    config.analyticsMaxQueuedQueries,
    config.queryTimeoutSeconds * 1000,
  );
  const metrics = new ServiceMetrics({
    ingestQueuedEvents: () => services.writer.queueDepth,
    ingestOutboxBacklog: () => services.writer.outboxBacklogEvents,
    analyticsRunning: () => limiter.active,
    analyticsQueued: () => limiter.queued,
    webhookPending: webhookPendingReader(services.db),
  });
  services.writer.onFlush((f) => {
    metrics.flushEvents.observe(f.events);
    metrics.flushDuration.observe(f.durationMs / 1000);
    if (!f.ok) metrics.flushFailures.inc();
  });
  services.dispatcher.onAttempt = (outcome) => metrics.webhookDeliveries.inc({ outcome });

  registerMetrics(app, metrics, {
    port: config.metricsPort,
    host: config.host,
    token: config.metricsToken,
  });
  registerRateLimit(
    app,
    new TokenRateLimits(config.rateLimitPerSecond, config.rateLimitBurst),
    (req) => (operationOf(req) === 'Analytics_Ingest' ? 'ingest' : 'api'),
    (budget) => metrics.rateLimited.inc({ budget }),
  );

  // Analytics answers leave through JSON.stringify, not the schema's fast-json-stringify
  // serializer: that one took 1.1–1.7 s of blocked event loop (and ~120 MB of garbage) for a
  // 2.2 MB series answer, JSON.stringify 12–25 ms (measured 2026-12-01). The services build
  // the schema's exact shape, so the schema has nothing to drop or coerce; error envelopes
  // keep the default serializer (Fastify resets a reply's serializer on error).
  app.addHook('preHandler', async (req, reply) => {
    // A custom serializer makes Fastify skip its default content-type: set it here.
    const operationId = req.routeOptions.config?.operationId;
    if (operationId !== undefined && readsAnalytics(operationId))
      reply.serializer(JSON.stringify).type('application/json; charset=utf-8');
  });

  const instrument = (operationId: string, handler: Handler | undefined): Handler | undefined => {
    if (!handler) return undefined;
    if (operationId === 'Analytics_Ingest') {
      return async (ctx) => {
        const result = (await handler(ctx)) as IngestResult;
        metrics.ingestEvents.inc({ outcome: 'accepted' }, result.accepted);
        metrics.ingestEvents.inc({ outcome: 'duplicate' }, result.duplicates);
        return result;
      };
    }
    if (!readsAnalytics(operationId)) return handler;
    return async (ctx) => {
      try {
        return await limiter.run(async (waitedMs) => {
          metrics.analyticsWait.observe(waitedMs / 1000);
          const end = metrics.analyticsDuration.startTimer({ operation: operationId });
          try {
            return await handler(ctx);
          } finally {
            end();
          }
        }, ctx.signal);
      } catch (e) {
        if (e instanceof QueryQueueFull) {
          metrics.analyticsRejected.inc();
          throw new ApiError(GrpcCode.RESOURCE_EXHAUSTED, e.message, {
            status: 429,
            headers: { 'retry-after': String(e.retryAfterSeconds) },
          });
        }
        // Nobody reads this answer; 499 (client closed request) keeps it apart in metrics and logs.
        if (e instanceof QueryWaitAborted) throw new ApiError(GrpcCode.UNAVAILABLE, e.message, { status: 499 });
        throw e;
      }
    };
  };
  return { metrics, limiter, instrument };
}
