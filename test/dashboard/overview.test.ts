import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { type Dashboard, downloadCsv, seriousAxeViolations, startDashboard, tableOf } from './harness.ts';
import {
  botQ,
  chooseZone,
  csvRows,
  dayRange,
  expectSeriesPanel,
  expectState,
  panelQuery,
  type Q,
  type Series,
  seriesCsvRows,
  waitForQuery,
} from './overview-helpers.ts';

// The overview in real Chromium: every panel loads, and the numbers it shows are the API's
// for the same controls, also after changing the range, a channel filter and the time zone.

const CHARTS: { id: string; op: string }[] = [
  { id: 'conversations', op: 'conversations' },
  { id: 'messages', op: 'messages' },
  { id: 'users', op: 'users' },
  { id: 'activity', op: 'users/activity' },
  { id: 'insights-num_messages', op: 'conversations/insights' },
  { id: 'insights-duration_seconds', op: 'conversations/insights' },
  { id: 'insights-num_conversations', op: 'conversations/insights' },
];
const PANELS = ['kpis', ...CHARTS.map((c) => c.id)];

const defined = (q: Q): Q => Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined));
const sumAll = (s: Series): number => s.series.reduce((n, x) => n + x.sum, 0);
const sumOf = (s: Series, label: string): number => s.series[s.series_labels.indexOf(label)]?.sum ?? 0;

interface Totals {
  conversations: number;
  users: number;
  messages: number;
  rate: number | null;
  handovers: number | null;
}

/** The range's totals straight from the API (no bucket: one bucket for the whole range). */
async function totals(d: Dashboard, bot: string, q: Q): Promise<Totals> {
  const get = async (op: string) => (await d.api<{ data: Series }>(`/v1/bots/${bot}/${op}`, q)).data;
  const [c, u, m] = await Promise.all([get('conversations'), get('users'), get('messages')]);
  const steps = (
    await d.api<{ steps: { type: string; conversation_count: number }[] }>(`/v1/bots/${bot}/steps`, q)
  ).steps.filter((s) => s.type === 'handover');
  const understood = sumOf(m, 'understood');
  const text = understood + sumOf(m, 'not_understood');
  return {
    conversations: sumAll(c),
    users: sumOf(u, 'total'),
    messages: sumAll(m),
    rate: text === 0 ? null : (understood / text) * 100,
    handovers: steps.length ? steps.reduce((n, s) => n + s.conversation_count, 0) : null,
  };
}

const rel = (v: number, p: number): string => {
  if (p === 0) return v === 0 ? '0.0 %' : 'new';
  const pct = ((v - p) / p) * 100;
  return `${pct < 0 ? '\u2212' : '+'}${Math.abs(pct).toFixed(1)} %`;
};
const rate = (r: number | null): string => (r === null ? 'n/a' : `${r.toFixed(1)} %`);
const points = (v: number | null, p: number | null): string => {
  if (v === null || p === null) return v === null ? 'n/a' : 'new';
  return `${v - p < 0 ? '\u2212' : '+'}${Math.abs(v - p).toFixed(1)} pp`;
};

/** The totals table the page must show for these two queries. */
async function expectedKpis(d: Dashboard, bot: string, cur: Q, prev: Q): Promise<string[][]> {
  const [a, b] = await Promise.all([totals(d, bot, cur), totals(d, bot, prev)]);
  const row = (m: string, v: number, p: number) => [m, String(v), String(p), rel(v, p)];
  const rows = [
    row('Conversations', a.conversations, b.conversations),
    row('Users', a.users, b.users),
    row('User messages', a.messages, b.messages),
    ['Understood rate', rate(a.rate), rate(b.rate), points(a.rate, b.rate)],
  ];
  if (a.handovers !== null || b.handovers !== null)
    rows.push(row('Human handovers', a.handovers ?? 0, b.handovers ?? 0));
  return rows;
}

async function kpiRows(page: Page): Promise<string[][]> {
  return (await tableOf(page, 'kpis')).rows;
}

describe('overview page (Chromium)', () => {
  let d: Dashboard;
  let bot: string;
  before(async () => {
    d = await startDashboard();
    bot = d.bots[0] ?? '';
  });
  after(async () => {
    await d?.close();
  });

  it('every panel reaches ready with no console error and no serious axe violation', async () => {
    const p = await d.open(`/overview?bot=${bot}`);
    for (const id of PANELS) await expectState(p.page, id, 'ready');
    // The charts are drawn (the panel marks it), not only loaded.
    await p.page.waitForFunction(
      (n) => document.querySelectorAll('.chart[data-drawn="1"]').length === n,
      CHARTS.length,
      { timeout: 20_000 },
    );
    assert.deepEqual(p.errors, []);
    assert.deepEqual(await seriousAxeViolations(p.page), []);
    await p.close();
  });

  it('the totals equal the API for the range and the previous range (queries computed here)', async () => {
    const p = await d.open(`/overview?bot=${bot}`, { timezoneId: 'UTC' });
    await expectState(p.page, 'kpis', 'ready');
    const r = dayRange(7, 'UTC');
    const cur = botQ(r.cur, 'UTC');
    const prev = botQ(r.prev, 'UTC');
    // The page's own record of what it read must be the range computed independently here.
    assert.deepEqual(await panelQuery(p.page, 'kpis'), defined(cur));
    assert.deepEqual(await panelQuery(p.page, 'kpis', 'data-query-previous'), defined(prev));
    const want = await expectedKpis(d, bot, cur, prev);
    assert.deepEqual(await kpiRows(p.page), want);
    // The demo bot has a step of type handover: its tile is shown.
    assert.ok(want.some((row) => row[0] === 'Human handovers'));
    assert.equal(
      await p.page.getAttribute('[data-kpi="conversations"] .value', 'data-value'),
      want[0]?.[1] ?? 'missing',
    );
    assert.deepEqual(p.errors, []);
    await p.close();
  });

  it("each chart's data table equals the API's series for the query it read", async () => {
    const p = await d.open(`/overview?bot=${bot}`, { timezoneId: 'UTC' });
    const r = dayRange(7, 'UTC');
    await expectState(p.page, 'conversations', 'ready');
    assert.deepEqual(await panelQuery(p.page, 'conversations'), defined(botQ(r.cur, 'UTC', { bucket: '1d' })));
    for (const c of CHARTS) {
      const api = await expectSeriesPanel(d, p.page, c.id, `/v1/bots/${bot}/${c.op}`);
      if (c.id === 'conversations') assert.equal(api.x_values.length, 7);
      if (c.id === 'activity') {
        assert.equal(api.series_labels[0], 'Monday');
        assert.equal(api.x_values.length, 24);
      }
    }
    assert.deepEqual(p.errors, []);
    await p.close();
  });

  it('range, channel filter and time zone change the numbers, which still equal the API', async () => {
    const p = await d.open(`/overview?bot=${bot}`, { timezoneId: 'UTC' });
    await expectState(p.page, 'kpis', 'ready');
    const week = await kpiRows(p.page);

    // 7 d → 30 d.
    await p.page.selectOption('select[name="range"]', '30d');
    await p.page.waitForURL(/range=30d/);
    let r = dayRange(30, 'UTC');
    await waitForQuery(p.page, 'kpis', botQ(r.cur, 'UTC'));
    const month = await kpiRows(p.page);
    assert.deepEqual(month, await expectedKpis(d, bot, botQ(r.cur, 'UTC'), botQ(r.prev, 'UTC')));
    assert.notEqual(month[0]?.[1], week[0]?.[1], 'conversations change with the range');
    await expectSeriesPanel(d, p.page, 'users', `/v1/bots/${bot}/users`);

    // A channel filter.
    await p.page.click('[data-control="channel"] summary');
    await p.page.check('[data-control="channel"] label:has-text("voice") input');
    await p.page.waitForURL(/channel=voice/);
    await waitForQuery(p.page, 'kpis', botQ(r.cur, 'UTC', { channel: 'voice' }));
    const voice = await kpiRows(p.page);
    assert.deepEqual(
      voice,
      await expectedKpis(d, bot, botQ(r.cur, 'UTC', { channel: 'voice' }), botQ(r.prev, 'UTC', { channel: 'voice' })),
    );
    assert.notEqual(voice[0]?.[1], month[0]?.[1], 'conversations change with the channel filter');
    await expectSeriesPanel(d, p.page, 'messages', `/v1/bots/${bot}/messages`);

    // The time zone: the range's days, the buckets and the weekday × hour slots move.
    const utcActivity = await tableOf(p.page, 'activity');
    await chooseZone(p.page, 'Asia/Kolkata');
    r = dayRange(30, 'Asia/Kolkata');
    const tzq = (range: [string, string], bucket?: string) => botQ(range, 'Asia/Kolkata', { channel: 'voice', bucket });
    await waitForQuery(p.page, 'kpis', tzq(r.cur));
    assert.deepEqual(await kpiRows(p.page), await expectedKpis(d, bot, tzq(r.cur), tzq(r.prev)));
    await waitForQuery(p.page, 'conversations', tzq(r.cur, '1d'));
    const conv = await expectSeriesPanel(d, p.page, 'conversations', `/v1/bots/${bot}/conversations`);
    assert.match(conv.x_values[0] ?? '', /T00:00:00\+05:30$/);
    await waitForQuery(p.page, 'activity', tzq(r.cur));
    await expectSeriesPanel(d, p.page, 'activity', `/v1/bots/${bot}/users/activity`);
    assert.notDeepEqual(await tableOf(p.page, 'activity'), utcActivity, 'the heatmap moves with the zone');
    assert.deepEqual(p.errors, []);
    await p.close();
  });

  it('the last 24 hours: hourly buckets, totals equal the API for the query the page read', async () => {
    const p = await d.open(`/overview?bot=${bot}&range=24h`);
    await expectState(p.page, 'kpis', 'ready');
    const cur = await panelQuery(p.page, 'kpis');
    const prev = await panelQuery(p.page, 'kpis', 'data-query-previous');
    // Whole hours: the previous range is the 24 hours just before.
    assert.equal(Date.parse(cur.end_time ?? '') - Date.parse(cur.start_time ?? ''), 86_400_000);
    assert.equal(prev.end_time, cur.start_time);
    assert.equal(Date.parse(cur.end_time ?? '') % 3_600_000, 0);
    assert.deepEqual(await kpiRows(p.page), await expectedKpis(d, bot, cur, prev));
    const conv = await expectSeriesPanel(d, p.page, 'conversations', `/v1/bots/${bot}/conversations`);
    assert.equal(conv.x_values.length, 24);
    assert.deepEqual(p.errors, []);
    await p.close();
  });

  it('human handovers: the tile follows the steps of type handover, the note says how', async () => {
    // The web-only DRAFT traffic of the demo: whether it reached a handover step or not,
    // the page must agree with the step catalog.
    const p = await d.open(`/overview?bot=${bot}&version=DRAFT&range=30d`);
    await expectState(p.page, 'kpis', 'ready');
    const cur = await panelQuery(p.page, 'kpis');
    const prev = await panelQuery(p.page, 'kpis', 'data-query-previous');
    const has = async (q: Q) =>
      (await d.api<{ steps: { type: string }[] }>(`/v1/bots/${bot}/steps`, q)).steps.some((x) => x.type === 'handover');
    const shown = (await has(cur)) || (await has(prev));
    assert.equal((await p.page.$('[data-kpi="handovers"]')) !== null, shown);
    const note = (await p.page.textContent('[data-panel="kpis"] .overview-note')) ?? '';
    assert.match(note, shown ? /reached a step of type "handover"/ : /no step of type "handover"/);
    assert.deepEqual(await kpiRows(p.page), await expectedKpis(d, bot, cur, prev));
    await p.close();
  });

  it('splits conversations by channel and by language, kept in the address', async () => {
    const p = await d.open(`/overview?bot=${bot}&range=30d`);
    await expectState(p.page, 'conversations', 'ready');
    for (const [split, group] of [
      ['channel', 'channel_type'],
      ['language', 'language'],
    ] as const) {
      await p.page.selectOption('select[name="split"]', split);
      await p.page.waitForURL(new RegExp(`split=${split}`));
      await p.page.waitForFunction(
        (g) =>
          document
            .querySelector('[data-query-for="conversations"]')
            ?.getAttribute('data-query')
            ?.includes(`group_by=${g}`),
        group,
      );
      const q = await panelQuery(p.page, 'conversations');
      assert.equal(q.group_by, group);
      const api = await expectSeriesPanel(d, p.page, 'conversations', `/v1/bots/${bot}/conversations`);
      assert.ok(api.series_labels.length > 1, `several ${split} values`);
    }
    await p.page.goBack();
    await p.page.waitForURL(/split=channel/);
    assert.equal(await p.page.inputValue('select[name="split"]'), 'channel');
    assert.deepEqual(p.errors, []);
    await p.close();
  });

  it('a range without data shows every panel empty, with what to do', async () => {
    const p = await d.open(`/overview?bot=${bot}&range=custom&from=2020-01-01&to=2020-01-07`);
    for (const id of PANELS) await expectState(p.page, id, 'empty');
    assert.match((await p.page.textContent('[data-panel="messages"]')) ?? '', /No data in this range/);
    assert.deepEqual(p.errors, []);
    await p.close();
  });

  it("the totals' CSV is the totals table", async () => {
    const p = await d.open(`/overview?bot=${bot}`);
    await expectState(p.page, 'kpis', 'ready');
    const t = await tableOf(p.page, 'kpis');
    assert.deepEqual(csvRows(await downloadCsv(p.page, 'kpis')), [t.columns, ...t.rows]);
    await p.close();
  });

  // The charts download the API's own CSV (Accept: text/csv): needs the server side of
  // the CSV work (branch h-csv); before that merge the download is the JSON answer.
  it("each chart's CSV is the API's series for the query it read", async () => {
    const p = await d.open(`/overview?bot=${bot}`);
    for (const c of CHARTS) {
      await expectState(p.page, c.id, 'ready');
      const api = (await d.api<{ data: Series }>(`/v1/bots/${bot}/${c.op}`, await panelQuery(p.page, c.id))).data;
      assert.deepEqual(csvRows(await downloadCsv(p.page, c.id)), seriesCsvRows(api), c.id);
    }
    assert.deepEqual(p.errors, []);
    await p.close();
  });
});
