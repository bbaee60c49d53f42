-- One conversation fact table for every conversation metric (bot conversations and
-- insights, flows, billable usage) and for the sessionizer's restart lookups. It
-- replaces `conversations` (argMin/groupArray aggregate states, whose deserialization
-- dominated reads) and `team_conversations` (issue 6's plain-column copy): plain
-- columns only, so reads are cheap, and one materialized view instead of two on the
-- ingest path.
--
-- A row holds one conversation's events of one insert block. Reads GROUP BY the
-- conversation (bot, version, id) and take first-event fields with argMin(.., first_key)
-- where first_key = (epoch ms << 64) | seq orders events by time, ties by ingest order.
CREATE TABLE IF NOT EXISTS conversation_facts
(
    team_id         LowCardinality(String),
    bot_id          LowCardinality(String),
    version         LowCardinality(String),
    conversation_id String,
    start_ts        DateTime64(3, 'UTC'),
    end_ts          DateTime64(3, 'UTC'),
    first_key       UInt128,
    user_id         String,
    channel_type    LowCardinality(String),
    language        LowCardinality(String),
    campaign_id     String,
    campaign_source String,
    user_messages   UInt32,
    event_count     UInt32,
    -- This block's step events as (key, step_id, step_type); a conversation's flow is
    -- arraySort by key over the flattened rows.
    steps           Array(Tuple(UInt128, String, String))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(start_ts)
ORDER BY (team_id, bot_id, version, conversation_id);

-- Stores created before this migration: rebuild from the events (runs once, at start,
-- before ingest accepts anything).
INSERT INTO conversation_facts
SELECT
    team_id,
    bot_id,
    version,
    conversation_id,
    min(ts),
    max(ts),
    min(k),
    argMin(user_id, k),
    argMin(toString(channel_type), k),
    argMin(toString(language), k),
    argMin(campaign_id, k),
    argMin(campaign_source, k),
    toUInt32(countIf(type = 'message' AND direction = 'user')),
    toUInt32(count()),
    groupArrayIf((k, step_id, toString(step_type)), type = 'step')
FROM (
    SELECT *, bitShiftLeft(toUInt128(toUnixTimestamp64Milli(ts)), 64) + seq AS k
    FROM events
    WHERE type IN ('message', 'step', 'tracking') AND conversation_id != ''
)
GROUP BY team_id, bot_id, version, conversation_id;

-- Qualified names: an alias equal to its own column would be a cyclic alias.
CREATE MATERIALIZED VIEW IF NOT EXISTS conversation_facts_mv TO conversation_facts AS
WITH bitShiftLeft(toUInt128(toUnixTimestamp64Milli(events.ts)), 64) + events.seq AS k
SELECT
    team_id,
    bot_id,
    version,
    conversation_id,
    min(events.ts) AS start_ts,
    max(events.ts) AS end_ts,
    min(k) AS first_key,
    argMin(events.user_id, k) AS user_id,
    argMin(toString(events.channel_type), k) AS channel_type,
    argMin(toString(events.language), k) AS language,
    argMin(events.campaign_id, k) AS campaign_id,
    argMin(events.campaign_source, k) AS campaign_source,
    toUInt32(countIf(events.type = 'message' AND events.direction = 'user')) AS user_messages,
    toUInt32(count()) AS event_count,
    groupArrayIf((k, events.step_id, toString(events.step_type)), events.type = 'step') AS steps
FROM events
WHERE events.type IN ('message', 'step', 'tracking') AND events.conversation_id != ''
GROUP BY team_id, bot_id, version, conversation_id;

DROP VIEW IF EXISTS conversations_mv;
DROP TABLE IF EXISTS conversations;
DROP VIEW IF EXISTS team_conversations_mv;
DROP TABLE IF EXISTS team_conversations;
