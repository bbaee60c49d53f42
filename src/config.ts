import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

// The one place process.env is read. Every variable has a reason next to it.
const booleanString = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1');

const envSchema = z.object({
  // HTTP port the API listens on.
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  // Address to bind; loopback-only deployments can narrow it.
  HOST: z.string().default('0.0.0.0'),
  // Where embedded stores keep their files (chDB under clickhouse/, SQLite control.db).
  DATA_DIR: z.string().default('./data'),
  // When set, analytics SQL goes to this ClickHouse server instead of embedded chDB.
  CLICKHOUSE_URL: z.string().url().optional(),
  // With CLICKHOUSE_URL: the cluster name for ON CLUSTER DDL and the replicated + distributed
  // schema variant (docs/scale-out.md); unset = a single ClickHouse server.
  CLICKHOUSE_CLUSTER: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
    .optional(),
  // When set, control data (tokens, bots, subscriptions) lives in PostgreSQL instead of SQLite.
  DATABASE_URL: z.string().optional(),
  // Lets webhooks reach http:// and private/loopback addresses (tests, on-prem receivers).
  WEBHOOK_ALLOW_PRIVATE_TARGETS: booleanString,
  // Webhook ownership handshake (CONTRACT-LIVE-API §7): a new subscription is VERIFICATION_PENDING
  // until its target echoes a challenge, so the service cannot be pointed at someone else's URL.
  // false: subscriptions start ACTIVE, as before the handshake. Default true.
  WEBHOOK_VERIFY_TARGETS: z
    .enum(['true', 'false', '1', '0', ''])
    .optional()
    .transform((v) => v === undefined || v === '' || v === 'true' || v === '1'),
  // Retry schedule in seconds, comma separated (CONTRACT §5 default: 5s, 5m, 30m, 2h, 5h, 10h, 10h).
  WEBHOOK_RETRY_SCHEDULE: z.string().default('5,300,1800,7200,18000,36000,36000'),
  // Concurrent deliveries per target origin, so one slow receiver cannot take every slot.
  WEBHOOK_TARGET_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(32),
  // Gap that ends a conversation (CONTRACT §2), in seconds.
  SESSION_GAP_SECONDS: z.coerce.number().positive().default(900),
  // Ingest backpressure: events queued for the engine past which requests get 429 + Retry-After.
  INGEST_MAX_QUEUED_EVENTS: z.coerce.number().int().positive().default(1_000_000),
  // Analytics query timeout in seconds; past it the API answers 504.
  QUERY_TIMEOUT_SECONDS: z.coerce.number().positive().default(15),
  // Log level for the HTTP server (fatal, error, warn, info, debug, trace, silent).
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // SIGTERM/SIGINT: seconds to finish requests and flush before exiting anyway (exit code 1,
  // with what was given up in the log), so a hung store cannot stall an orchestrator's stop.
  SHUTDOWN_DEADLINE_SECONDS: z.coerce.number().positive().max(3600).default(30),
  // A client must send its whole header section within this time (slow-header clients hold sockets).
  HTTP_HEADERS_TIMEOUT_SECONDS: z.coerce.number().positive().max(3600).default(10),
  // A client must send its whole request, body included, within this time; also closes a socket
  // silent both ways this long (at least the query timeout + 5 s). 60 s leaves a 10 MiB ingest
  // body room on a slow uplink.
  HTTP_REQUEST_TIMEOUT_SECONDS: z.coerce.number().positive().max(3600).default(60),
  // An idle keep-alive connection is closed after this time, so idle clients do not pile up.
  HTTP_IDLE_TIMEOUT_SECONDS: z.coerce.number().positive().max(3600).default(5),
  // Open connections per client address (0 = no cap), so one address cannot take every socket.
  HTTP_CONNECTIONS_PER_CLIENT: z.coerce.number().int().min(0).default(256),
  // Serves GET /metrics without auth on this separate port (bind it where only Prometheus reaches); unset = off.
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  // Serves GET /metrics on the main port to `Authorization: Bearer <this>`; long, so it cannot be guessed.
  METRICS_TOKEN: z.string().min(16).optional(),
  // Per-token budget, average requests per second (ingest and the rest counted apart); 0 = no limit.
  RATE_LIMIT_PER_SECOND: z.coerce.number().int().min(0).default(1000),
  // Requests a token may send at once: the budget is PER_SECOND x w per window of w = BURST / PER_SECOND s (rounded, >= 1).
  RATE_LIMIT_BURST: z.coerce.number().int().min(0).default(2000),
  // Analytics requests run at once per process; more only queue (on 2 cores, 8 keeps the engine busy).
  ANALYTICS_MAX_CONCURRENT_QUERIES: z.coerce.number().int().min(1).max(1000).default(8),
  // Analytics requests waiting for a slot; past it 429 + Retry-After instead of an ever-longer wait.
  ANALYTICS_MAX_QUEUED_QUERIES: z.coerce.number().int().min(0).max(100_000).default(200),
  // This process's name in leases (webhook deliveries, outbox batches) and logs; default host-pid.
  REPLICA_ID: z.string().min(1).max(200).optional(),
});

/** Every environment variable the service reads (deployment files are checked against it). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

/**
 * What one process does (`serve --no-ingest`, `--no-queries`, `--no-deliveries`): by default
 * everything; operators may split the roles across processes. Health, readiness and metrics
 * are always served.
 */
export interface Roles {
  /** POST ingest and TrackEvent, and moving committed batches left behind by a dead replica. */
  ingest: boolean;
  /** The read API (analytics, definitions, subscriptions, the dashboard). */
  queries: boolean;
  /** The webhook delivery loop (claims due deliveries with leases). */
  deliveries: boolean;
}

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  clickhouseUrl: string | undefined;
  clickhouseCluster: string | undefined;
  databaseUrl: string | undefined;
  webhookAllowPrivateTargets: boolean;
  webhookVerifyTargets: boolean;
  webhookRetryScheduleSeconds: number[];
  webhookTargetConcurrency: number;
  sessionGapMs: number;
  ingestMaxQueuedEvents: number;
  queryTimeoutSeconds: number;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  shutdownDeadlineSeconds: number;
  httpHeadersTimeoutMs: number;
  httpRequestTimeoutMs: number;
  httpKeepAliveTimeoutMs: number;
  httpMaxConnectionsPerClient: number;
  metricsPort: number | undefined;
  metricsToken: string | undefined;
  rateLimitPerSecond: number;
  rateLimitBurst: number;
  analyticsMaxConcurrentQueries: number;
  analyticsMaxQueuedQueries: number;
  replicaId: string;
  roles: Roles;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid environment: ${issues}`);
  }
  const e = parsed.data;
  const schedule = e.WEBHOOK_RETRY_SCHEDULE.split(',').map((s) => Number(s.trim()));
  if (schedule.some((n) => !Number.isFinite(n) || n < 0)) {
    throw new ConfigError('invalid environment: WEBHOOK_RETRY_SCHEDULE must be comma-separated seconds');
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.DATA_DIR),
    clickhouseUrl: e.CLICKHOUSE_URL,
    clickhouseCluster: e.CLICKHOUSE_CLUSTER,
    databaseUrl: e.DATABASE_URL || undefined,
    webhookAllowPrivateTargets: e.WEBHOOK_ALLOW_PRIVATE_TARGETS,
    webhookVerifyTargets: e.WEBHOOK_VERIFY_TARGETS,
    webhookRetryScheduleSeconds: schedule,
    webhookTargetConcurrency: e.WEBHOOK_TARGET_CONCURRENCY,
    sessionGapMs: e.SESSION_GAP_SECONDS * 1000,
    ingestMaxQueuedEvents: e.INGEST_MAX_QUEUED_EVENTS,
    queryTimeoutSeconds: e.QUERY_TIMEOUT_SECONDS,
    logLevel: e.LOG_LEVEL,
    shutdownDeadlineSeconds: e.SHUTDOWN_DEADLINE_SECONDS,
    httpHeadersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_SECONDS * 1000,
    httpRequestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_SECONDS * 1000,
    httpKeepAliveTimeoutMs: e.HTTP_IDLE_TIMEOUT_SECONDS * 1000,
    httpMaxConnectionsPerClient: e.HTTP_CONNECTIONS_PER_CLIENT,
    metricsPort: e.METRICS_PORT,
    metricsToken: e.METRICS_TOKEN,
    rateLimitPerSecond: e.RATE_LIMIT_PER_SECOND,
    rateLimitBurst: e.RATE_LIMIT_BURST,
    analyticsMaxConcurrentQueries: e.ANALYTICS_MAX_CONCURRENT_QUERIES,
    analyticsMaxQueuedQueries: e.ANALYTICS_MAX_QUEUED_QUERIES,
    replicaId: e.REPLICA_ID ?? `${os.hostname()}-${process.pid}`,
    roles: { ingest: true, queries: true, deliveries: true },
    ...overrides,
  };
}
