import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { Dashboard } from './harness.ts';
import { parseCsv } from './harness.ts';

// Helpers of the Events page's browser tests: the API's side of each comparison.

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** start/end of a day preset in a zone (whole days ending today), as the dashboard's controls compute it. */
export function dayRange(days: number, tz = 'UTC'): { start_time: string; end_time: string } {
  const today = new Intl.DateTimeFormat('en-CA', {
    timeZone: tz,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date());
  const end = addDays(today, 1);
  return { start_time: addDays(end, -days), end_time: end };
}

/** POST an API operation as the team; JSON answer (throws on a failure). */
export async function apiPost<T>(d: Dashboard, pathname: string, body: unknown): Promise<T> {
  const res = await d.fetch(pathname, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${pathname}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** The values GetEventAttributeValues suggests for `key` on `event`'s occurrences, in its order. */
export async function attributeValues(d: Dashboard, bot: string, key: string, event: string): Promise<string[]> {
  const r = await apiPost<{ attributes: { value: string }[] }>(
    d,
    `/v1/bots/${encodeURIComponent(bot)}/events/attributes/${encodeURIComponent(key)}/values`,
    { query: '', event },
  );
  return r.attributes.map((a) => a.value);
}

/** The ids of the rows a row-list table shows (`data-id`), in order. */
export function rowIds(page: Page, table: string): Promise<string[]> {
  return page.$$eval(`table[data-table="${table}"] tbody tr`, (trs) =>
    trs.map((tr) => tr.getAttribute('data-id') ?? ''),
  );
}

/** A cell as the API's CSV writes it: absent → '', objects/arrays as JSON text. */
function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A downloaded row-list CSV (the API's own, `Accept: text/csv`) equals the API's JSON rows. */
export function assertRowsCsv(text: string, api: Record<string, unknown>, listField: string): void {
  assert.ok(!text.trimStart().startsWith('{'), 'the download is CSV, not JSON');
  const rows = api[listField] as Record<string, unknown>[];
  const [header, ...body] = parseCsv(text);
  assert.ok(header, 'a header line');
  assert.equal(body.length, rows.length);
  for (const key of Object.keys(rows[0] ?? {})) assert.ok(header.includes(key), `column ${key}`);
  rows.forEach((r, i) => {
    for (const [j, col] of header.entries()) assert.equal(body[i]?.[j], csvCell(r[col]), `row ${i} ${col}`);
  });
}

/** Waits until the page's address has this query parameter value. */
export async function waitParam(page: Page, name: string, test: (v: string | null) => boolean): Promise<void> {
  await page.waitForURL((u) => test(u.searchParams.get(name)));
}
