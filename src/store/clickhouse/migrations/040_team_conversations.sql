-- Billable conversations (issue 6) with the conversation's first-event attributes as
-- plain columns. The same facts are in `conversations`, but there they sit in an
-- argMin AggregateFunction state whose deserialization dominated the team query
-- (about 200 ms per 80 k conversation rows, measured); plain columns read in a few ms.
-- One row per conversation per insert block, like `conversations`: reads GROUP BY
-- conversation and take the first event by the packed (ts, seq) key, so results stay
-- exact whatever the merge state.
CREATE TABLE IF NOT EXISTS team_conversations
(
    team_id         LowCardinality(String),
    bot_id          LowCardinality(String),
    version         LowCardinality(String),
    conversation_id String,
    start_ts        DateTime64(3, 'UTC'),
    end_ts          DateTime64(3, 'UTC'),
    -- (epoch ms << 64) | seq of this block's first event: orders first events exactly,
    -- ties on ts broken by ingest order (CONTRACT §2).
    first_key       UInt128,
    channel_type    LowCardinality(String),
    language        LowCardinality(String),
    campaign_id     String,
    campaign_source String,
    user_messages   UInt64
)
ENGINE = MergeTree
ORDER BY (team_id, start_ts, bot_id, version, conversation_id);

-- Stores created before this migration: rebuild from the events (runs once, at start,
-- before ingest accepts anything).
INSERT INTO team_conversations
SELECT
    team_id,
    bot_id,
    version,
    conversation_id,
    min(ts),
    max(ts),
    min(bitShiftLeft(toUInt128(toUnixTimestamp64Milli(ts)), 64) + seq),
    argMin(toString(channel_type), (ts, seq)),
    argMin(toString(language), (ts, seq)),
    argMin(campaign_id, (ts, seq)),
    argMin(campaign_source, (ts, seq)),
    toUInt64(countIf(type = 'message' AND direction = 'user'))
FROM events
WHERE type IN ('message', 'step', 'tracking') AND conversation_id != ''
GROUP BY team_id, bot_id, version, conversation_id;

-- Qualified names: an alias equal to its own column would be a cyclic alias.
CREATE MATERIALIZED VIEW IF NOT EXISTS team_conversations_mv TO team_conversations AS
SELECT
    team_id,
    bot_id,
    version,
    conversation_id,
    min(ts) AS start_ts,
    max(ts) AS end_ts,
    min(bitShiftLeft(toUInt128(toUnixTimestamp64Milli(ts)), 64) + seq) AS first_key,
    argMin(toString(events.channel_type), (ts, seq)) AS channel_type,
    argMin(toString(events.language), (ts, seq)) AS language,
    argMin(events.campaign_id, (ts, seq)) AS campaign_id,
    argMin(events.campaign_source, (ts, seq)) AS campaign_source,
    toUInt64(countIf(type = 'message' AND direction = 'user')) AS user_messages
FROM events
WHERE type IN ('message', 'step', 'tracking') AND conversation_id != ''
GROUP BY team_id, bot_id, version, conversation_id;
