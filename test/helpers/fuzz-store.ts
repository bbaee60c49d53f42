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

let tableList: { name: string; final: string }[] | undefined;

/** Analytics tables holding rows (not views); FINAL where background merges collapse rows. */
async function analyticsTables(services: AppServices): Promise<{ name: string; final: string }[]> {
  const rs = await services.ch.query({
    query: `SELECT name, engine FROM system.tables WHERE database = currentDatabase() AND engine NOT IN ('View', 'MaterializedView') ORDER BY name`,
    format: 'JSONEachRow',
  });
  // FINAL: merges of Replacing/Aggregating tables shrink raw row counts without any data changing.
  return (await rs.json<{ name: string; engine: string }>()).map((t) => ({
    name: t.name,
    final: t.engine === 'MergeTree' ? '' : ' FINAL',
  }));
}

export async function snapshotStores(services: AppServices): Promise<StoreSnapshot> {
  const out: StoreSnapshot = {};
  for (const table of CONTROL_TABLES) {
    const rows = await services.db.selectFrom(table).selectAll().execute();
    const lines = rows.map((r) => JSON.stringify(r)).sort();
    out[`control.${table}`] =
      `${lines.length} rows ${crypto.createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16)}`;
  }
  tableList ??= await analyticsTables(services);
  // One round trip: every count and the events hash (names come from system.tables, never
  // from a request).
  const rs = await services.ch.query({
    query: [
      ...tableList.map((t) => `SELECT '${t.name}' AS k, toString(count()) AS v FROM \`${t.name}\`${t.final}`),
      "SELECT 'events#hash' AS k, toString(sum(cityHash64(id, bot_id, seq, user_id, intent, attributes))) AS v FROM events",
    ].join(' UNION ALL '),
    format: 'JSONEachRow',
  });
  for (const r of await rs.json<{ k: string; v: string }>()) out[`analytics.${r.k}`] = r.v;
  return out;
}

/** The entries that differ, as "key: before → after" lines (empty when equal). */
export function diffSnapshots(before: StoreSnapshot, after: StoreSnapshot): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => before[k] !== after[k]).map((k) => `${k}: ${before[k]} → ${after[k]}`);
}
