/**
 * The analytics schema as it is live, in one place (issue 10: the migrations 001…060 squashed).
 * One builder gives both variants: a single ClickHouse (embedded chDB or one server) and a
 * cluster (`CLICKHOUSE_CLUSTER`), where each table is a replicated `*_local` table on every
 * node plus a `Distributed` table under the name reads and inserts use. docs/schema.sql is the
 * single-node variant as the engine prints it; test/store/schema.test.ts keeps them equal.
 */

import { ROLLUP_TABLES, ROLLUP_VIEWS, type TableSpec, type ViewSpec } from './rollups.ts';

/**
 * Blocks whose dedupe hashes a table keeps: a retried insert of the same batch (same
 * `insert_deduplication_token`) is dropped while its original is among the last this-many
 * blocks inserted into that table. The retry comes from the outbox mover, which takes batches
 * older than ~10 s (after a crash: another replica ~10 s later, or this process at its
 * restart, when it has inserted nothing new in between). Under load there are up to ~50
 * inserts/s and each adds one block per table (`events`: one per month partition it touches,
 * so at most two), i.e. ≤ 100 blocks/s: 10,000 blocks cover ≥ 100 s between an insert and its
 * retry, several times the longest expected gap, while the hashes held stay around a megabyte
 * per table. It is also ClickHouse's own default for replicated tables, so both variants keep
 * the same window.
 */
export const DEDUPLICATION_WINDOW_BLOCKS = 10_000;
/**
 * Replicated tables also drop hashes older than this (relative to the newest): ClickHouse's
 * default, well past the window above; spelled out so the Keeper load is deliberate.
 */
export const REPLICATED_DEDUPLICATION_WINDOW_SECONDS = 3600;

/** The tables reads and inserts name; on a cluster these are the Distributed tables. */
export const INSERT_TABLES = ['events', 'conversation_summary', 'user_first_seen'] as const;

const EVENTS_COLUMNS = `(
    team_id          LowCardinality(String),
    bot_id           LowCardinality(String),
    version          LowCardinality(String),
    type             LowCardinality(String),
    ts               DateTime64(3, 'UTC'),
    -- Monotonic ingest sequence (blocks allocated by the control store): ties on ts are
    -- broken by ingest order, and the webhook dispatcher resumes from the last one delivered.
    seq              UInt64,
    id               String,
    -- 1 when the client sent the id (only those take part in the 24 h dedupe).
    id_supplied      UInt8,
    ingested_at      DateTime64(3, 'UTC'),
    user_id          String,
    conversation_id  String,
    channel_type     LowCardinality(String),
    channel_id       String,
    language         LowCardinality(String),
    campaign_id      String,
    campaign_source  String,
    -- message
    direction        LowCardinality(String),
    kind             LowCardinality(String),
    intent           LowCardinality(String),
    has_intent       UInt8,
    confidence       Nullable(Float32),
    -- step
    step_id          String,
    step_type        LowCardinality(String),
    -- tracking
    event_name       LowCardinality(String),
    attributes       String,
    -- voice_call / kb_query
    duration_seconds Float64,
    answered         UInt8,
    -- kb_query tags (CONTRACT-LIVE-API §5); last because older stores added it last.
    tags             Array(String),
    INDEX idx_seq seq TYPE minmax GRANULARITY 1
)`;

// Conversations as one row each, merged by the engine: SimpleAggregateFunction columns, read
// with FINAL, which merges before WHERE, so a filter on start_ts sees each conversation's true
// start whatever the merge state. `first` is the conversation's first event as a tuple led by
// its ordering key (epoch ms << 64) | seq, so min() picks the earliest event (ties by ingest
// order) together with its user, channel, language and campaign.
const CONVERSATION_SUMMARY_COLUMNS = `(
    team_id         LowCardinality(String),
    bot_id          LowCardinality(String),
    version         LowCardinality(String),
    conversation_id String,
    start_ts        SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    end_ts          SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    first           SimpleAggregateFunction(min, Tuple(UInt128, String, String, String, String, String)),
    user_messages   SimpleAggregateFunction(sum, UInt64),
    event_count     SimpleAggregateFunction(sum, UInt64),
    -- Step events as (key, step_id, step_type); arraySort by key gives the flow.
    steps           SimpleAggregateFunction(groupArrayArray, Array(Tuple(UInt128, String, String)))
)`;

// First message ever per user, bot and version: "new user" without scanning history.
const USER_FIRST_SEEN_COLUMNS = `(
    team_id  LowCardinality(String),
    bot_id   LowCardinality(String),
    version  LowCardinality(String),
    user_id  String,
    first_ts SimpleAggregateFunction(min, DateTime64(3, 'UTC'))
)`;

// The views' SELECTs qualify columns with the source table (`e`): an alias equal to its own
// column (toString(channel_type) AS channel_type) would otherwise be a cyclic alias.
const conversationSummarySelect = (
  e: string,
): string => `WITH bitShiftLeft(toUInt128(toUnixTimestamp64Milli(${e}.ts)), 64) + ${e}.seq AS k
SELECT
    team_id,
    bot_id,
    version,
    conversation_id,
    min(${e}.ts) AS start_ts,
    max(${e}.ts) AS end_ts,
    min((k, ${e}.user_id, toString(${e}.channel_type), toString(${e}.language), ${e}.campaign_id,
         ${e}.campaign_source)) AS first,
    toUInt64(countIf(${e}.type = 'message' AND ${e}.direction = 'user')) AS user_messages,
    toUInt64(count()) AS event_count,
    groupArrayIf((k, ${e}.step_id, toString(${e}.step_type)), ${e}.type = 'step') AS steps
FROM ${e}
WHERE ${e}.type IN ('message', 'step', 'tracking') AND ${e}.conversation_id != ''
GROUP BY team_id, bot_id, version, conversation_id`;

const userFirstSeenSelect = (e: string): string => `SELECT team_id, bot_id, version, user_id, min(ts) AS first_ts
FROM ${e}
WHERE type = 'message' AND direction = 'user'
GROUP BY team_id, bot_id, version, user_id`;

const TABLES: readonly TableSpec[] = [
  {
    // Raw events, one row per accepted event. Every read is per bot (or per team) and per time
    // range: the sort key leads with team/bot/version/type and ends with the timestamp, and
    // monthly partitions let range scans skip whole months.
    name: 'events',
    columns: EVENTS_COLUMNS,
    engine: 'MergeTree',
    keys: 'PARTITION BY toYYYYMM(ts)\nORDER BY (team_id, bot_id, version, type, ts, seq)',
  },
  {
    name: 'conversation_summary',
    columns: CONVERSATION_SUMMARY_COLUMNS,
    engine: 'AggregatingMergeTree',
    keys: 'ORDER BY (team_id, bot_id, version, conversation_id)',
  },
  {
    name: 'user_first_seen',
    columns: USER_FIRST_SEEN_COLUMNS,
    engine: 'AggregatingMergeTree',
    keys: 'ORDER BY (team_id, bot_id, version, user_id)',
  },
];

const VIEWS: readonly ViewSpec[] = [
  { name: 'user_first_seen_mv', target: 'user_first_seen', select: userFirstSeenSelect },
  { name: 'conversation_summary_mv', target: 'conversation_summary', select: conversationSummarySelect },
];

/**
 * Shards by bot: a bot's rows, so each conversation's and each user's, live on one shard, so
 * `FINAL` (which merges within a shard) and per-bot joins stay exact.
 */
export const SHARDING_KEY = 'cityHash64(team_id, bot_id)';

/** `ON CLUSTER <name>` or nothing; the name is checked by the config schema (identifier). */
function onCluster(cluster: string | undefined): string {
  return cluster === undefined ? '' : ` ON CLUSTER ${cluster}`;
}

/** The migrations table: replicated on a cluster so every node (and replica) sees one history. */
export function migrationsTableStatement(cluster: string | undefined): string {
  // Without {shard} in the Keeper path, every node of the cluster is a replica of this one
  // table ({replica} must be unique across the cluster: deploy/clickhouse uses the host name).
  const engine =
    cluster === undefined
      ? 'MergeTree'
      : "ReplicatedMergeTree('/clickhouse/tables/all/{database}/schema_migrations', '{replica}')";
  return `CREATE TABLE IF NOT EXISTS schema_migrations${onCluster(cluster)} (name String, applied_at DateTime DEFAULT now()) ENGINE = ${engine} ORDER BY name`;
}

/** CREATE statements of `tables`, then of the views that fill them, for either variant. */
function createStatements(
  tables: readonly TableSpec[],
  views: readonly ViewSpec[],
  cluster: string | undefined,
): string[] {
  const on = onCluster(cluster);
  const out: string[] = [];
  if (cluster === undefined) {
    for (const t of tables) {
      out.push(
        `CREATE TABLE IF NOT EXISTS ${t.name}\n${t.columns}\nENGINE = ${t.engine}\n${t.keys}\n` +
          // index_granularity is the default, spelled out so a fresh store prints its settings in
          // the order an upgraded one does (MODIFY SETTING appends): one docs/schema.sql for both.
          `SETTINGS index_granularity = 8192, non_replicated_deduplication_window = ${DEDUPLICATION_WINDOW_BLOCKS}`,
      );
    }
    for (const v of views) {
      out.push(`CREATE MATERIALIZED VIEW IF NOT EXISTS ${v.name} TO ${v.target} AS\n${v.select('events')}`);
    }
    return out;
  }
  for (const t of tables) {
    const local = `${t.name}_local`;
    out.push(
      `CREATE TABLE IF NOT EXISTS ${local}${on}\n${t.columns}\n` +
        `ENGINE = Replicated${t.engine}('/clickhouse/tables/{shard}/{database}/${local}', '{replica}')\n${t.keys}\n` +
        `SETTINGS replicated_deduplication_window = ${DEDUPLICATION_WINDOW_BLOCKS}, ` +
        `replicated_deduplication_window_seconds = ${REPLICATED_DEDUPLICATION_WINDOW_SECONDS}`,
    );
    out.push(
      `CREATE TABLE IF NOT EXISTS ${t.name}${on} AS ${local}\n` +
        `ENGINE = Distributed(${cluster}, currentDatabase(), ${local}, ${SHARDING_KEY})`,
    );
  }
  // Views on the local tables: each shard fills its own targets from the rows it stores, and
  // the sharding key puts a conversation's (and a user's) rows on one shard.
  for (const v of views) {
    out.push(
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${v.name}${on} TO ${v.target}_local AS\n${v.select('events_local')}`,
    );
  }
  return out;
}

/**
 * The statements that create the live schema, in order (targets before the views that fill
 * them), rollups (110) included. Every statement is IF NOT EXISTS: a start that crashed
 * half-way completes on the next.
 */
export function schemaStatements(cluster: string | undefined): string[] {
  return [...createStatements(TABLES, VIEWS, cluster), ...rollupStatements(cluster)];
}

/** The rollup tables and their views (migration 110), IF NOT EXISTS like the rest. */
export function rollupStatements(cluster: string | undefined): string[] {
  return createStatements(ROLLUP_TABLES, ROLLUP_VIEWS, cluster);
}

/**
 * Fills the rollups from the events already stored (migration 110 on a store made before it),
 * after rollupStatements. Each rollup is emptied first, so a backfill interrupted half-way is
 * redone whole by the next start rather than added to. Exact when nothing is inserted into
 * `events` meanwhile: migrations run before ingest starts (docs/scale-out.md has the caveat
 * for a rolling upgrade). Run with insert_deduplicate = 0: a redone backfill inserts the same
 * blocks as the interrupted one and must not be dropped as their retry.
 *
 * On a cluster the rollups are emptied on every node (ON CLUSTER) and filled through the
 * Distributed tables; with parallel_distributed_insert_select = 2 (migrate.ts) each shard fills
 * its local rollups from its local events, which is where the views keep them (one sharding
 * key for all).
 */
export function rollupBackfillStatements(cluster: string | undefined): string[] {
  const on = onCluster(cluster);
  const out: string[] = [];
  for (const t of ROLLUP_TABLES) out.push(`TRUNCATE TABLE IF EXISTS ${t.name}${cluster ? '_local' : ''}${on}`);
  for (const v of ROLLUP_VIEWS) out.push(`INSERT INTO ${v.target}\n${v.select('events')}`);
  return out;
}
