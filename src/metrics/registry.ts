import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Live numbers read on each scrape (queue depths, pending deliveries). */
export interface MetricSources {
  ingestQueuedEvents(): number;
  /** Events in committed batches older than the mover's orphan age (the analytics store is behind). */
  ingestOutboxBacklog(): number;
  analyticsRunning(): number;
  analyticsQueued(): number;
  /** May hit a store: the implementation caches it (see webhook-pending.ts). */
  webhookPending(): Promise<number>;
}

// Request latencies from a cached health check (~1 ms) to a query at the time limit (15 s).
const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];
// Group commit takes everything queued, up to 200,000 events per flush.
const FLUSH_SIZE_BUCKETS = [1, 10, 100, 1_000, 5_000, 10_000, 50_000, 100_000, 200_000];

/**
 * One registry per server instance, never prom-client's global one: several servers in one
 * process (tests, benchmarks) would otherwise register the same names twice or mix counts.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'chatlayer_http_requests_total',
    help: 'HTTP requests answered, by operationId (route url outside the API) and status',
    labelNames: ['operation', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'chatlayer_http_request_duration_seconds',
    help: 'Time from request to answer, by operationId (route url outside the API)',
    labelNames: ['operation'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly ingestEvents = new Counter({
    name: 'chatlayer_ingest_events_total',
    help: 'Events of answered ingest requests: accepted (stored) or duplicate (skipped)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly ingestRequests = new Counter({
    name: 'chatlayer_ingest_requests_total',
    help: 'Ingest requests by outcome: accepted (200), rejected (4xx), throttled (429), failed (5xx)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly flushEvents = new Histogram({
    name: 'chatlayer_ingest_flush_events',
    help: 'Events per group-commit flush (duplicates included)',
    buckets: FLUSH_SIZE_BUCKETS,
    registers: [this.registry],
  });
  readonly flushDuration = new Histogram({
    name: 'chatlayer_ingest_flush_duration_seconds',
    help: 'Duration of a group-commit flush (dedupe, sessionize, insert)',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly flushFailures = new Counter({
    name: 'chatlayer_ingest_flush_failures_total',
    help: 'Flushes that failed (their requests were answered with an error)',
    registers: [this.registry],
  });
  readonly analyticsDuration = new Histogram({
    name: 'chatlayer_analytics_query_duration_seconds',
    help: 'Time an analytics request ran once it had a query slot, by operationId',
    labelNames: ['operation'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly analyticsWait = new Histogram({
    name: 'chatlayer_analytics_queue_wait_seconds',
    help: 'Time an analytics request waited for a query slot',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly analyticsRejected = new Counter({
    name: 'chatlayer_analytics_queue_rejected_total',
    help: 'Analytics requests refused with 429 because the query queue was full',
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: 'chatlayer_rate_limited_requests_total',
    help: 'Requests refused with 429 by the per-token rate limit, by budget',
    labelNames: ['budget'] as const,
    registers: [this.registry],
  });
  readonly webhookDeliveries = new Counter({
    name: 'chatlayer_webhook_delivery_attempts_total',
    help: 'Webhook delivery attempts by outcome: delivered, retry (will be retried), failed (given up)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor(sources: MetricSources) {
    // Event-loop lag (nodejs_eventloop_lag_*), process memory, CPU, GC, handles.
    collectDefaultMetrics({ register: this.registry });
    const gauge = (name: string, help: string, read: () => number | Promise<number>): void => {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        async collect() {
          this.set(await read());
        },
      });
    };
    gauge('chatlayer_ingest_queue_events', 'Events waiting for a group-commit flush', sources.ingestQueuedEvents);
    gauge(
      'chatlayer_ingest_outbox_backlog_events',
      'Committed events the analytics store has not taken for over 10 s (as of the last mover round)',
      sources.ingestOutboxBacklog,
    );
    gauge('chatlayer_analytics_queries_running', 'Analytics requests holding a query slot', sources.analyticsRunning);
    gauge('chatlayer_analytics_queries_queued', 'Analytics requests waiting for a query slot', sources.analyticsQueued);
    gauge(
      'chatlayer_webhook_deliveries_pending',
      'Deliveries waiting to be sent or retried (active and failing subscriptions)',
      sources.webhookPending,
    );
  }
}
