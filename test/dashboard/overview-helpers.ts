import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { type Dashboard, panelState, parseCsv, tableOf } from './harness.ts';

// Helpers of the overview and intents browser tests: the queries the pages should send,
// computed here independently of the web code, and API answers in the shape the pages show.

export interface Series {
  series: { values: number[]; sum: number }[];
  series_labels: string[];
  x_values: string[];
}

export type Q = Record<string, string | undefined>;

/** Today's date in a zone (YYYY-MM-DD). */
export function todayIn(tz: string, now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    now,
  );
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** A day preset's range: `days` whole days in `tz` ending with today, and the one before it. */
export function dayRange(days: number, tz: string): { cur: [string, string]; prev: [string, string] } {
  const end = addDays(todayIn(tz), 1);
  const start = addDays(end, -days);
  return { cur: [start, end], prev: [addDays(start, -days), start] };
}

/** The query of a bot operation, in the order lib/controls.ts writes it. */
export function botQ(
  range: [string, string],
  tz: string,
  extra: { channel?: string; language?: string; bucket?: string; version?: string } = {},
): Q {
  return {
    version: extra.version ?? 'LIVE',
    start_time: range[0],
    end_time: range[1],
    timezone: tz,
    channel_type: extra.channel,
    language: extra.language,
    bucket: extra.bucket,
  };
}

export const qs = (q: Q): string =>
  new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => e[1] !== undefined)).toString();

/** The query a panel read, from its `data-query` attribute. */
export async function panelQuery(page: Page, id: string, attr = 'data-query'): Promise<Q> {
  const text = await page.getAttribute(`[data-query-for="${id}"]`, attr);
  assert.ok(text !== null, `${id} has no ${attr}`);
  return Object.fromEntries(new URLSearchParams(text));
}

/** A series answer as the page's data table shows it (columns x + labels, one row per x). */
export function seriesRows(d: Series): { columns: string[]; rows: string[][] } {
  return {
    columns: ['x', ...d.series_labels],
    rows: d.x_values.map((x, i) => [x, ...d.series.map((s) => String(s.values[i] ?? 0))]),
  };
}

/** Waits for a panel and asserts its state. */
export async function expectState(page: Page, id: string, state: string): Promise<void> {
  assert.equal(await panelState(page, id), state, `panel ${id}`);
}

/** Waits until the panel holds the data of `query` (after a control change) and is ready. */
export async function waitForQuery(page: Page, id: string, query: Q): Promise<void> {
  const want = qs(query);
  await page.waitForFunction(
    ([panel, q]) => document.querySelector(`[data-query-for="${panel}"]`)?.getAttribute('data-query') === q,
    [id, want] as const,
    { timeout: 20_000 },
  );
  await panelState(page, id);
}

/** A series panel's table equals the API's answer for the query the panel says it read. */
export async function expectSeriesPanel(d: Dashboard, page: Page, id: string, path: string): Promise<Series> {
  await expectState(page, id, 'ready');
  const query = await panelQuery(page, id);
  const api = (await d.api<{ data: Series }>(path, query)).data;
  assert.deepEqual(await tableOf(page, id), seriesRows(api), `${id} vs ${path}?${qs(query)}`);
  return api;
}

/** The API's CSV format for a series answer (header x + labels), parsed. */
export function seriesCsvRows(d: Series): string[][] {
  const t = seriesRows(d);
  return [t.columns, ...t.rows];
}

/** Parses a downloaded CSV, dropping a trailing empty line. */
export function csvRows(text: string): string[][] {
  return parseCsv(text).filter((r) => !(r.length === 1 && r[0] === ''));
}

/**
 * Picks a time zone in the controls. Chromium lists some zones only under their ICU
 * canonical name (Asia/Calcutta): then the zone is set through the address, as a shared
 * link would, and the back button sees it like any control change.
 */
export async function chooseZone(page: Page, tz: string): Promise<void> {
  const listed = await page.$$eval(
    'select[name="tz"] option',
    (os, z) => os.some((o) => (o as HTMLOptionElement).value === z),
    tz,
  );
  if (listed) await page.selectOption('select[name="tz"]', tz);
  else
    await page.evaluate((z) => {
      const u = new URL(location.href);
      u.searchParams.set('tz', z);
      history.pushState(null, '', u);
      dispatchEvent(new PopStateEvent('popstate'));
    }, tz);
  await page.waitForURL((u) => u.searchParams.get('tz') === tz);
}
