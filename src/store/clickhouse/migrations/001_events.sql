-- Raw events, one row per accepted event. Every read is per bot (or per team) and
-- per time range, so the sort key leads with team/bot/version/type and ends with the
-- timestamp; monthly partitions let range scans skip whole months.
CREATE TABLE IF NOT EXISTS events
(
    team_id          LowCardinality(String),
    bot_id           LowCardinality(String),
    version          LowCardinality(String),
    type             LowCardinality(String),
    ts               DateTime64(3, 'UTC'),
    -- Monotonic ingest sequence: ties on ts are broken by ingest order, and the
    -- webhook dispatcher resumes from the last sequence it delivered.
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
    INDEX idx_seq seq TYPE minmax GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (team_id, bot_id, version, type, ts, seq);

-- Client-supplied ids accepted recently, for the 24 h id dedupe (CONTRACT §1). Kept
-- apart from events so the server can reload the window at start in one small scan.
CREATE TABLE IF NOT EXISTS ingest_ids
(
    bot_id      String,
    id          String,
    ingested_at DateTime64(3, 'UTC')
)
ENGINE = MergeTree
ORDER BY (ingested_at, bot_id)
TTL toDateTime(ingested_at) + INTERVAL 2 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS ingest_ids_mv TO ingest_ids AS
SELECT bot_id, id, ingested_at FROM events WHERE id_supplied = 1;
