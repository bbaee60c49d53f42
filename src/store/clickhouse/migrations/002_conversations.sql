-- Conversations as derived facts (DESIGN: read what was designed for reading). One
-- partial row per conversation per insert block; rows of the same conversation are
-- merged in the background and, until then, by GROUP BY conversation_id at query
-- time, so every read stays exact whatever the merge state.
CREATE TABLE IF NOT EXISTS conversations
(
    team_id         LowCardinality(String),
    bot_id          LowCardinality(String),
    version         LowCardinality(String),
    conversation_id String,
    user_id         SimpleAggregateFunction(any, String),
    start_ts        SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    end_ts          SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    -- The conversation's first event (ties by ingest order) fixes its channel,
    -- language and campaign (CONTRACT §2).
    first_attrs     AggregateFunction(argMin, Tuple(String, String, String, String), Tuple(DateTime64(3, 'UTC'), UInt64)),
    user_messages   SimpleAggregateFunction(sum, UInt64),
    event_count     SimpleAggregateFunction(sum, UInt64),
    -- Step events as (ts, seq, step_id, step_type), sorted at read time: the
    -- per-conversation step sequence for flows without window functions.
    steps           AggregateFunction(groupArray, Tuple(DateTime64(3, 'UTC'), UInt64, String, String))
)
ENGINE = AggregatingMergeTree
ORDER BY (team_id, bot_id, version, conversation_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS conversations_mv TO conversations AS
SELECT
    team_id,
    bot_id,
    version,
    conversation_id,
    any(user_id) AS user_id,
    min(ts) AS start_ts,
    max(ts) AS end_ts,
    argMinState((toString(channel_type), toString(language), campaign_id, campaign_source), (ts, seq)) AS first_attrs,
    toUInt64(countIf(type = 'message' AND direction = 'user')) AS user_messages,
    toUInt64(count()) AS event_count,
    groupArrayStateIf((ts, seq, step_id, toString(step_type)), type = 'step') AS steps
FROM events
WHERE type IN ('message', 'step', 'tracking') AND conversation_id != ''
GROUP BY team_id, bot_id, version, conversation_id;

-- First message ever per user, bot and version: "new user" without scanning history.
CREATE TABLE IF NOT EXISTS user_first_seen
(
    team_id  LowCardinality(String),
    bot_id   LowCardinality(String),
    version  LowCardinality(String),
    user_id  String,
    first_ts SimpleAggregateFunction(min, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY (team_id, bot_id, version, user_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS user_first_seen_mv TO user_first_seen AS
SELECT team_id, bot_id, version, user_id, min(ts) AS first_ts
FROM events
WHERE type = 'message' AND direction = 'user'
GROUP BY team_id, bot_id, version, user_id;
