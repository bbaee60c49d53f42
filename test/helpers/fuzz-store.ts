/**
 * "Nothing stored changed": a fingerprint of both stores, compared before and after a
 * request. Control store: every table's rows (order-independent hash). Analytics store:
 * the row count of every table (events and the materialized views' targets) plus a
 * content hash of `events`.
 */
import crypto from 'node:crypto';
import type { AppServices } from '../../src/services.ts';
import type { ControlDatabase } from '../../src/store/control/schema.ts';

const CONTROL_TABLES: readonly (keyof ControlDatabase)[] = [
  'teams',
  'tokens',
  'bots',
  'event_definitions',
  'subscriptions',
  'kv',
  'webhook_deliveries',
  'webhook_attempts',
];

export type StoreSnapshot = Record<string, string>;

export async function snapshotStores(services: AppServices): Promise<StoreSnapshot> {
  const out: StoreSnapshot = {};
  for (const table of CONTROL_TABLES) {
    const rows = await services.db.selectFrom(table).selectAll().execute();
    const lines = rows.map((r) => JSON.stringify(r)).sort();
    out[`control.${table}`] =
      `${lines.length} rows ${crypto.createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16)}`;
  }
  const tables = await services.ch.query({
    query: `SELECT name, engine FROM system.tables WHERE database = currentDatabase() AND engine NOT IN ('View', 'MaterializedView') ORDER BY name`,
    format: 'JSONEachRow',
  });
  for (const { name, engine } of await tables.json<{ name: string; engine: string }>()) {
    // Table names come from system.tables, never from a request. FINAL: background merges
    // of Replacing/Aggregating tables shrink raw row counts without any data changing.
    const final = engine === 'MergeTree' ? '' : ' FINAL';
    const rs = await services.ch.query({
      query: `SELECT count() AS n FROM \`${name}\`${final}`,
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<{ n: string | number }>();
    out[`analytics.${name}`] = `${Number(row?.n ?? 0)} rows`;
  }
  const hash = await services.ch.query({
    query: 'SELECT toString(sum(cityHash64(id, bot_id, seq, user_id, intent, attributes))) AS h FROM events',
    format: 'JSONEachRow',
  });
  const [h] = await hash.json<{ h: string }>();
  out['analytics.events#hash'] = h?.h ?? '';
  return out;
}

/** The entries that differ, as "key: before → after" lines (empty when equal). */
export function diffSnapshots(before: StoreSnapshot, after: StoreSnapshot): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => before[k] !== after[k]).map((k) => `${k}: ${before[k]} → ${after[k]}`);
}
