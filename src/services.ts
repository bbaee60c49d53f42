import path from 'node:path';
import { restrictToEngineZones } from './analytics/time-range.ts';
import { PageTokens } from './api/page-tokens.ts';
import type { Config } from './config.ts';
import { GroupCommitWriter } from './ingest/group-commit.ts';
import { IngestMaintenance } from './ingest/maintenance.ts';
import { OutboxMover } from './ingest/outbox.ts';
import { IngestService } from './ingest/service.ts';
import { sessionStateComplete } from './ingest/session-state.ts';
import { Sessionizer } from './ingest/sessionize.ts';
import { createLogger, type Logger } from './log.ts';
import type { ShutdownPart, ShutdownPlan } from './shutdown.ts';
import { chdbReader } from './store/clickhouse/chdb-reader.ts';
import { type ClickHouseClient, createAnalyticsClient } from './store/clickhouse/client.ts';
import { insertSettings } from './store/clickhouse/insert-settings.ts';
import { migrateAnalytics } from './store/clickhouse/migrate.ts';
import { type AnalyticsReader, clientReader } from './store/clickhouse/reader.ts';
import { BotRegistry } from './store/control/bots.ts';
import { type ControlDb, migrateControl, openControlDb } from './store/control/db.ts';
import { withAnalyticsMigrationLock } from './store/control/migration-lock.ts';
import { DeliveryStore } from './webhooks/delivery-store.ts';
import { WebhookDispatcher } from './webhooks/dispatcher.ts';
import { enqueueDeliveries } from './webhooks/enqueue.ts';
import { WebhookSender } from './webhooks/sender.ts';

/** Everything the handlers use, opened and migrated once at start. */
export interface AppServices {
  config: Config;
  /** The one logger: the HTTP server logs through it too. */
  log: Logger;
  ch: ClickHouseClient;
  /** Every analytics read (src/analytics/query.ts); `ch` is for writes, migrations and ops. */
  reader: AnalyticsReader;
  db: ControlDb;
  bots: BotRegistry;
  writer: GroupCommitWriter;
  ingest: IngestService;
  pageTokens: PageTokens;
  deliveries: DeliveryStore;
  dispatcher: WebhookDispatcher;
  /** Stops background work and closes the stores, after flushing accepted events. */
  close(): Promise<void>;
  /**
   * The same close as parts a deadline can give up on (src/shutdown.ts); `http` (the
   * server's close) runs before the final ingest flush, so in-flight requests get queued.
   */
  shutdownPlan(http?: ShutdownPart): ShutdownPlan;
}

export async function openServices(config: Config, log: Logger = createLogger(config.logLevel)): Promise<AppServices> {
  const ch = createAnalyticsClient({
    url: config.clickhouseUrl,
    dataDir: path.join(config.dataDir, 'clickhouse'),
    queryTimeoutSeconds: config.queryTimeoutSeconds,
  });
  // The control store first: it holds the lock that runs analytics migrations once
  // when replicas start together.
  const db = openControlDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await migrateControl(db);
  await migrateAnalytics(ch, {
    cluster: config.clickhouseCluster,
    lock: (fn) => withAnalyticsMigrationLock(db, fn),
  });
  // Accept only the time zones this engine knows: a server may be older or newer than the list.
  const zones = await (
    await ch.query({ query: 'SELECT time_zone FROM system.time_zones', format: 'JSONCompactEachRow' })
  ).json<[string]>();
  const missing = restrictToEngineZones(zones.map(([name]) => name));
  if (missing.length > 0) log.warn({ zones: missing }, 'time zones the analytics engine lacks are refused');

  // A server: reads over the client. Embedded: chDB's native API on the client's data
  // directory, the same SQL without the client's per-query cost (issue 12).
  const reader: AnalyticsReader = config.clickhouseUrl
    ? clientReader(ch)
    : chdbReader({ path: path.resolve(config.dataDir, 'clickhouse'), queryTimeoutSeconds: config.queryTimeoutSeconds });

  const ingestLog = log.child({ component: 'ingest' });
  const inserts = insertSettings(config.clickhouseCluster);
  const mover = new OutboxMover(db, ch, config.replicaId, ingestLog, inserts);
  const maintenance = new IngestMaintenance(db, ingestLog);
  const writer = new GroupCommitWriter(ch, db, new Sessionizer(ch, config.sessionGapMs), {
    maxQueuedEvents: config.ingestMaxQueuedEvents,
    log: ingestLog,
    sessionsComplete: await sessionStateComplete(db, ch),
    sessionGapMs: config.sessionGapMs,
    insertSettings: inserts,
    mover,
  });
  if (config.roles.ingest) {
    // Moves what a dead replica (or this one, before a kill) committed but never inserted.
    mover.start();
    maintenance.start();
  }
  const bots = new BotRegistry(db);
  const ingest = new IngestService(bots, writer);
  const pageTokens = await PageTokens.open(db);
  const deliveries = new DeliveryStore(db);
  const dispatcher = new WebhookDispatcher(db, deliveries, new WebhookSender(config.webhookAllowPrivateTargets), {
    retryScheduleSeconds: config.webhookRetryScheduleSeconds,
    perTargetConcurrency: config.webhookTargetConcurrency,
    log: log.child({ component: 'webhooks' }),
    replicaId: config.replicaId,
    deliveries: config.roles.deliveries,
  });
  // Claims due deliveries from the store (a kill -9 left them there, leased until their lease ends).
  await dispatcher.start();
  // Deliveries are enqueued in the flush's transaction: an acknowledged event has its
  // deliveries whatever crashes (I4). After the commit this replica looks for them at once.
  writer.inTransaction(enqueueDeliveries);
  writer.onCommit(() => dispatcher.notify());

  const parts = {
    ingest: {
      name: 'ingest flush',
      run: async () => {
        await writer.drain();
        await Promise.all([mover.stop(), maintenance.stop()]);
      },
      gaveUp: () => `gave up flushing ${writer.pendingEvents} queued events (not acknowledged to clients)`,
    },
    dispatcher: {
      name: 'webhook dispatcher',
      run: () => dispatcher.stop(),
      gaveUp: () =>
        'webhook dispatcher did not stop: unrecorded deliveries stay pending and are sent again after restart',
    },
    analytics: {
      name: 'analytics store',
      run: async () => {
        await reader.close();
        await ch.close();
      },
      gaveUp: () => 'analytics store did not close',
    },
    control: { name: 'control store', run: () => db.destroy(), gaveUp: () => 'control store did not close' },
  } satisfies Record<string, ShutdownPart>;

  return {
    config,
    log,
    ch,
    reader,
    db,
    bots,
    writer,
    ingest,
    pageTokens,
    deliveries,
    dispatcher,
    // The same parts as the shutdown plan, one after another and without a deadline.
    async close() {
      for (const part of [parts.ingest, parts.dispatcher, parts.analytics, parts.control]) await part.run();
    },
    // Ingest and webhooks do not wait for each other (a hung receiver or control store
    // must not keep accepted events from being flushed); the stores close after both.
    shutdownPlan: (http) => ({
      lanes: [[...(http ? [http] : []), parts.ingest], [parts.dispatcher]],
      last: [parts.analytics, parts.control],
    }),
  };
}
