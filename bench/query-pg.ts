/**
 * PostgreSQL 15 baseline for bench/query.ts: the home-grown alternative — one table of
 * the same stored events (copied from the analytics store after sessionization, so both
 * hold identical data), the obvious b-tree indexes, straightforward SQL per endpoint.
 */
import type pg from 'pg';
import type { ClickHouseClient } from '../src/store/clickhouse/client.ts';

export const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
/**
 * Also the table of the flows / team-usage / funnel baselines. BENCH_PG_TABLE names another
 * one, so a small trial run does not replace the big run's copy in the same database.
 */
export const TABLE = process.env.BENCH_PG_TABLE ?? 'bench_query_events';

const COLUMNS = [
  ['team_id', 'text'],
  ['bot_id', 'text'],
  ['version', 'text'],
  ['type', 'text'],
  ['ts', 'timestamptz'],
  ['seq', 'bigint'],
  ['user_id', 'text'],
  ['conversation_id', 'text'],
  ['channel_type', 'text'],
  ['language', 'text'],
  ['direction', 'text'],
  ['kind', 'text'],
  ['intent', 'text'],
  ['has_intent', 'boolean'],
  // Flows, team usage (conversation first-event campaign fields, voice minutes, knowledge base).
  ['step_id', 'text'],
  ['step_type', 'text'],
  ['campaign_id', 'text'],
  ['campaign_source', 'text'],
  ['duration_seconds', 'double precision'],
  ['answered', 'smallint'],
  // Funnels: tracking events by name, attributes for the breakdown.
  ['event_name', 'text'],
  ['attributes', 'jsonb'],
] as const;

/** Rows of the baseline table; -1 when it is missing or lacks a column (made by an older bench: reload). */
export async function pgRowCount(client: pg.Client): Promise<number> {
  const cols = await client.query(`SELECT column_name FROM information_schema.columns WHERE table_name = $1`, [TABLE]);
  const have = new Set(cols.rows.map((r: { column_name: string }) => r.column_name));
  if (COLUMNS.some(([n]) => !have.has(n))) return -1;
  const r = await client.query(`SELECT count(*)::bigint AS n FROM ${TABLE}`);
  return Number(r.rows[0]?.n ?? 0);
}

/**
 * (Re)creates the baseline table from the analytics store's events, one bot at a time (the
 * events' sort key leads with team and bot, so each read is a range; paging the whole table by
 * seq scanned all of it per page, which made 30 M events a matter of hours).
 */
export async function loadPostgres(client: pg.Client, ch: ClickHouseClient, log: (s: string) => void): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${TABLE}`);
  await client.query(`CREATE UNLOGGED TABLE ${TABLE} (${COLUMNS.map(([n, t]) => `${n} ${t}`).join(', ')})`);
  const page = 50_000;
  let copied = 0;
  const bots = await (
    await ch.query({
      query: 'SELECT DISTINCT team_id, bot_id FROM events ORDER BY team_id, bot_id',
      format: 'JSONEachRow',
    })
  ).json<{ team_id: string; bot_id: string }>();
  for (const bot of bots) {
    const rs = await ch.query({
      query: `SELECT team_id, bot_id, version, type, toUnixTimestamp64Milli(ts) AS ts, seq, user_id, conversation_id,
                channel_type, language, direction, kind, intent, has_intent,
                step_id, step_type, campaign_id, campaign_source, duration_seconds, answered,
                toString(event_name) AS event_name, attributes
              FROM events WHERE team_id = {team:String} AND bot_id = {bot:String}`,
      query_params: { team: bot.team_id, bot: bot.bot_id },
      format: 'JSONCompactEachRow',
      clickhouse_settings: { max_execution_time: 0 },
    });
    const all = await rs.json<unknown[]>();
    for (let at = 0; at < all.length; at += page) {
      const rows = all.slice(at, at + page);
      const cols = COLUMNS.map(([, type], i) =>
        rows.map((r) => {
          const v = r[i];
          if (type === 'timestamptz') return new Date(Number(v)).toISOString();
          if (type === 'jsonb') return v === '' ? null : v;
          return type === 'boolean' ? Number(v) === 1 : v;
        }),
      );
      await client.query(
        `INSERT INTO ${TABLE} SELECT * FROM unnest(${COLUMNS.map(([, t], i) => `$${i + 1}::${t}[]`).join(', ')})`,
        cols,
      );
      copied += rows.length;
      if (copied % 500_000 < page) log(`  postgres: ${copied} rows`);
    }
  }
  // The obvious indexes: per bot+version+type by time, per conversation, per user, and per
  // team+type by time for the team endpoints (voice_call / kb_query rows of the team in range).
  await client.query(`CREATE INDEX ON ${TABLE} (bot_id, version, type, ts)`);
  await client.query(`CREATE INDEX ON ${TABLE} (bot_id, version, conversation_id)`);
  await client.query(`CREATE INDEX ON ${TABLE} (bot_id, version, user_id, ts)`);
  await client.query(`CREATE INDEX ON ${TABLE} (team_id, type, ts)`);
  await client.query(`VACUUM ANALYZE ${TABLE}`);
}

export interface PgParams {
  bot: string;
  version: string;
  start: string;
  end: string;
  channel?: string | undefined;
  language?: string | undefined;
}

/** Straightforward SQL answering the same question as each endpoint (UTC, 1d buckets). */
export function pgQuery(kind: string, p: PgParams, groupBy?: string): { text: string; values: unknown[] } {
  const values: unknown[] = [p.bot, p.version, p.start, p.end];
  const evFilter = (chCol: string, langCol: string) => {
    let s = '';
    if (p.channel) {
      values.push(p.channel);
      s += ` AND ${chCol} = $${values.length}`;
    }
    if (p.language) {
      values.push(p.language);
      s += ` AND ${langCol} = $${values.length}`;
    }
    return s;
  };
  const userMsgs = `FROM ${TABLE} WHERE bot_id = $1 AND version = $2 AND type = 'message' AND direction = 'user'
    AND ts >= $3 AND ts < $4`;
  // Conversations: all events of the bot, grouped by conversation, those that started in range.
  const convs = (extra: string) => `SELECT conversation_id, min(ts) AS s,
      (array_agg(channel_type ORDER BY ts, seq))[1] AS ch, (array_agg(language ORDER BY ts, seq))[1] AS lang${extra}
    FROM ${TABLE} WHERE bot_id = $1 AND version = $2 AND type IN ('message', 'step', 'tracking')
    GROUP BY conversation_id HAVING min(ts) >= $3 AND min(ts) < $4`;
  switch (kind) {
    case 'conversations': {
      const f = evFilter('ch', 'lang');
      const g = groupBy === 'language' ? 'lang' : groupBy === 'channel_type' ? 'ch' : "''";
      return {
        text: `SELECT date_trunc('day', s, 'UTC') AS b, ${g} AS g, count(*) FROM (${convs('')}) c WHERE true${f} GROUP BY 1, 2`,
        values,
      };
    }
    case 'insights': {
      const f = evFilter('ch', 'lang');
      return {
        text: `SELECT least(m, 10) AS bin, count(*) FROM (${convs(", count(*) FILTER (WHERE type = 'message' AND direction = 'user') AS m")}) c
          WHERE true${f} GROUP BY 1`,
        values,
      };
    }
    case 'messages': {
      const f = evFilter('channel_type', 'language');
      return {
        text: `SELECT date_trunc('day', ts, 'UTC') AS b,
            CASE WHEN kind = 'button' THEN 2 WHEN kind = 'media' THEN 3 WHEN has_intent THEN 0 ELSE 1 END AS c, count(*)
          ${userMsgs}${f} GROUP BY 1, 2`,
        values,
      };
    }
    case 'users': {
      const f = evFilter('channel_type', 'language');
      return {
        text: `WITH a AS (SELECT DISTINCT date_trunc('day', ts, 'UTC') AS b, user_id ${userMsgs}${f}),
          fs AS (SELECT user_id, min(ts) AS f FROM ${TABLE} WHERE bot_id = $1 AND version = $2 AND type = 'message'
                 AND direction = 'user' AND user_id IN (SELECT user_id FROM a) GROUP BY user_id)
          SELECT b, count(*) AS total, count(*) FILTER (WHERE date_trunc('day', fs.f, 'UTC') = b) AS new
          FROM a JOIN fs USING (user_id) GROUP BY b`,
        values,
      };
    }
    case 'activity': {
      const f = evFilter('channel_type', 'language');
      return {
        text: `SELECT extract(isodow FROM ts AT TIME ZONE 'UTC') AS d, extract(hour FROM ts AT TIME ZONE 'UTC') AS h,
            count(DISTINCT user_id) ${userMsgs}${f} GROUP BY 1, 2`,
        values,
      };
    }
    case 'intents': {
      const f = evFilter('channel_type', 'language');
      return {
        text: `SELECT intent, count(*) AS n ${userMsgs}${f} AND kind = 'text' AND has_intent
          GROUP BY intent ORDER BY n DESC, intent LIMIT 10`,
        values,
      };
    }
    case 'intent-insights': {
      const f = evFilter('channel_type', 'language');
      return {
        text: `WITH top AS (SELECT intent FROM (SELECT intent, count(*) AS n ${userMsgs}${f} AND kind = 'text' AND has_intent
                 GROUP BY intent ORDER BY n DESC, intent LIMIT 10) t)
          SELECT date_trunc('day', ts, 'UTC') AS b, intent, count(*) ${userMsgs}${f} AND kind = 'text' AND has_intent
            AND intent IN (SELECT intent FROM top) GROUP BY 1, 2`,
        values,
      };
    }
    default:
      throw new Error(`no baseline SQL for ${kind}`);
  }
}
