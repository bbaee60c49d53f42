import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import {
  type Dashboard,
  downloadCsv,
  panelState,
  parseCsv,
  seriousAxeViolations,
  startDashboard,
  TEAM,
  tableOf,
} from './harness.ts';

// Team usage page against the API: every number the page shows is what the API answers
// for the same team, range, time zone and bucket.

interface SeriesData {
  series: { values: number[]; sum: number }[];
  series_labels: string[];
  x_values: string[];
}

const todayIn = (tz: string): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(),
  );
const addDays = (date: string, n: number): string => {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
};
/** A day preset as the dashboard reads it: whole days in the zone ending with today. */
function dayRange(days: number, tz: string) {
  const last = todayIn(tz);
  return { start_time: addDays(last, 1 - days), end_time: addDays(last, 1), timezone: tz };
}

/** The API's series answer in the page's table shape (= the API's CSV shape for series). */
function asTable(data: SeriesData): { columns: string[]; rows: string[][] } {
  return {
    columns: ['x', ...data.series_labels],
    rows: data.x_values.map((x, i) => [x, ...data.series.map((s) => String(s.values[i] ?? 0))]),
  };
}

/** Polls the page's table until it equals `expected` (data arrives after a control change). */
async function tableBecomes(page: Page, id: string, expected: { columns: string[]; rows: string[][] }) {
  const deadline = Date.now() + 30_000;
  let last: unknown;
  while (Date.now() < deadline) {
    const state = await page.getAttribute(`[data-panel="${id}"]`, 'data-state').catch(() => null);
    if (state === 'ready') {
      last = await tableOf(page, id).catch(() => undefined);
      if (JSON.stringify(last) === JSON.stringify(expected)) return;
    }
    await page.waitForTimeout(200);
  }
  assert.deepEqual(last, expected, `table ${id}`);
}

const team = `/v1/teams/${TEAM}`;

describe('team usage page (Chromium)', () => {
  let d: Dashboard;
  let bot: string;
  before(async () => {
    d = await startDashboard();
    bot = d.bots[0] as string;
  });
  after(async () => {
    await d?.close();
  });

  const conversations = (q: Record<string, string | undefined>) =>
    d.api<{ data: SeriesData }>(`${team}/conversations`, q).then((r) => r.data);

  for (const [granularity, bucket, group, field] of [
    ['month', '1m', 'bot', 'bot_id'],
    ['week', '1w', 'channel', 'channel_type'],
    ['day', '1d', 'bot', 'bot_id'],
    ['day', '1d', 'channel', 'channel_type'],
  ] as const) {
    it(`billable conversations by ${group} per ${granularity} equal the API`, async () => {
      const p = await d.open(`/usage?bot=${bot}&range=90d&granularity=${granularity}&group=${group}`);
      const range = dayRange(90, 'UTC');
      const expected = await conversations({ ...range, bucket, group_by: field });
      assert.ok(expected.series.length > 0, 'the demo data has billable conversations');
      assert.equal(await panelState(p.page, 'billable'), 'ready');
      await tableBecomes(p.page, 'billable', asTable(expected));
      // Totals per group: the same operation over the whole range.
      const totals = await conversations({ ...range, group_by: field });
      await tableBecomes(p.page, 'billable-totals', {
        columns: [group, 'billable conversations'],
        rows: totals.series.map((s, i) => [totals.series_labels[i] ?? '', String(s.sum)]),
      });
      assert.deepEqual(
        totals.series.map((s) => s.sum),
        expected.series.map((s) => s.sum),
      );
      assert.deepEqual(p.errors, []);
      await p.close();
    });
  }

  it('voice minutes, knowledge base, tags and totals equal the API', async () => {
    const p = await d.open(`/usage?bot=${bot}&range=30d&granularity=day`);
    const range = dayRange(30, 'UTC');
    const voice = (await d.api<{ data: SeriesData }>(`${team}/voice_minutes`, { ...range, bucket: '1d' })).data;
    const kb = (await d.api<{ data: SeriesData }>(`${team}/knowledge_base`, { ...range, bucket: '1d' })).data;
    const tags = await d.api<{ data: { tag: string; count: number; rank: number }[] }>(
      `/v1/bots/${bot}/knowledge_base/tags`,
      { ...range, version: 'LIVE' },
    );
    const billable = await conversations({ ...range, group_by: 'bot_id' });
    assert.ok(voice.series[0]?.sum, 'demo voice minutes');
    assert.ok(tags.data.length > 0, 'demo tags');
    await tableBecomes(p.page, 'voice', asTable(voice));
    await tableBecomes(p.page, 'kb', asTable(kb));
    assert.deepEqual(kb.series_labels, ['answered', 'unanswered']);
    await tableBecomes(p.page, 'kb-tags', {
      columns: ['tag', 'count', 'rank'],
      rows: tags.data.map((t) => [t.tag, String(t.count), String(t.rank)]),
    });
    const answered = kb.series[0]?.sum ?? 0;
    const all = answered + (kb.series[1]?.sum ?? 0);
    const pct = `${Math.round((answered / all) * 1000) / 10}%`;
    const billableTotal = billable.series.reduce((n, s) => n + s.sum, 0);
    await tableBecomes(p.page, 'usage-totals', {
      columns: ['metric', 'value'],
      rows: [
        ['Billable conversations', String(billableTotal)],
        ['Voice minutes', String(voice.series[0]?.sum ?? 0)],
        ['Knowledge base answered', pct],
      ],
    });
    const kpi = (k: string) => p.page.textContent(`[data-kpi="${k}"] .value`);
    assert.equal((await kpi('billable'))?.replaceAll(',', ''), String(billableTotal));
    assert.equal(await kpi('kb-answered'), pct);
    // Totals CSV is the table (derived from three operations).
    const csv = parseCsv(await downloadCsv(p.page, 'usage-totals'));
    assert.deepEqual(csv, [
      ['metric', 'value'],
      ['Billable conversations', String(billableTotal)],
      ['Voice minutes', String(voice.series[0]?.sum ?? 0)],
      ['Knowledge base answered', pct],
    ]);
    assert.deepEqual(p.errors, []);
    assert.deepEqual(await seriousAxeViolations(p.page), []);
    await p.close();
  });

  it('changing the range and the time zone changes the numbers as the API does', async () => {
    const p = await d.open(`/usage?bot=${bot}&granularity=day&group=bot`);
    await tableBecomes(
      p.page,
      'billable',
      asTable(await conversations({ ...dayRange(7, 'UTC'), bucket: '1d', group_by: 'bot_id' })),
    );
    await p.page.selectOption('select[name="range"]', '30d');
    await p.page.waitForURL(/range=30d/);
    const r30 = await conversations({ ...dayRange(30, 'UTC'), bucket: '1d', group_by: 'bot_id' });
    await tableBecomes(p.page, 'billable', asTable(r30));
    assert.equal(r30.x_values.length, 30);
    await p.page.selectOption('select[name="tz"]', 'Asia/Tokyo');
    await p.page.waitForURL(/tz=Asia%2FTokyo/);
    const tokyo = await conversations({ ...dayRange(30, 'Asia/Tokyo'), bucket: '1d', group_by: 'bot_id' });
    assert.match(tokyo.x_values[0] ?? '', /T00:00:00\+09:00$/);
    await tableBecomes(p.page, 'billable', asTable(tokyo));
    const voice = (
      await d.api<{ data: SeriesData }>(`${team}/voice_minutes`, { ...dayRange(30, 'Asia/Tokyo'), bucket: '1d' })
    ).data;
    await tableBecomes(p.page, 'voice', asTable(voice));
    // The page granularity lives in the address too: week buckets, then back.
    await p.page.selectOption('select[name="granularity"]', 'week');
    await p.page.waitForURL(/granularity=week/);
    const weeks = await conversations({ ...dayRange(30, 'Asia/Tokyo'), bucket: '1w', group_by: 'bot_id' });
    await tableBecomes(p.page, 'billable', asTable(weeks));
    await p.page.goBack();
    await tableBecomes(p.page, 'billable', asTable(tokyo));
    assert.deepEqual(p.errors, []);
    await p.close();
  });

  it('global controls: bucket sets the default granularity; channel and language filter only what takes them', async () => {
    const p = await d.open(`/usage?bot=${bot}&range=30d&bucket=1w&channel=web&language=en&version=DRAFT`);
    const range = dayRange(30, 'UTC');
    // No granularity in the address: the global week bucket gives weeks; billable conversations
    // ignore version, channel and language (the operation has no such filters).
    await tableBecomes(
      p.page,
      'billable',
      asTable(await conversations({ ...range, bucket: '1w', group_by: 'bot_id' })),
    );
    const kb = (
      await d.api<{ data: SeriesData }>(`${team}/knowledge_base`, {
        ...range,
        bucket: '1w',
        channel_type: 'web',
        language: 'en',
      })
    ).data;
    await tableBecomes(p.page, 'kb', asTable(kb));
    const voice = (
      await d.api<{ data: SeriesData }>(`${team}/voice_minutes`, { ...range, bucket: '1w', language: 'en' })
    ).data;
    await tableBecomes(p.page, 'voice', asTable(voice));
    const tags = await d.api<{ data: { tag: string; count: number; rank: number }[] }>(
      `/v1/bots/${bot}/knowledge_base/tags`,
      { ...range, version: 'DRAFT', channel_type: 'web', language: 'en' },
    );
    const state = await panelState(p.page, 'kb-tags');
    if (tags.data.length === 0) assert.equal(state, 'empty');
    else
      await tableBecomes(p.page, 'kb-tags', {
        columns: ['tag', 'count', 'rank'],
        rows: tags.data.map((t) => [t.tag, String(t.count), String(t.rank)]),
      });
    assert.match((await p.page.textContent('[data-usage-notes]')) ?? '', /do not change billable conversations/);
    assert.deepEqual(p.errors, []);
    await p.close();
  });

  it('one-day range: billable conversations as one total, the knowledge base says why it is absent', async () => {
    const p = await d.open(`/usage?bot=${bot}&range=24h&granularity=month`);
    assert.equal(await panelState(p.page, 'kb'), 'empty');
    assert.match((await p.page.textContent('[data-panel="kb"]')) ?? '', /longer than one day/);
    assert.match((await p.page.textContent('[data-usage-notes]')) ?? '', /one day/);
    const state = await panelState(p.page, 'billable');
    assert.ok(state === 'ready' || state === 'empty', state);
    assert.deepEqual(p.errors, []);
    await p.close();
  });

  it("CSV downloads are the API's CSV for the same query", async () => {
    const p = await d.open(`/usage?bot=${bot}&range=30d&granularity=week&group=channel`);
    const range = dayRange(30, 'UTC');
    const cases: [string, Promise<SeriesData>][] = [
      ['billable', conversations({ ...range, bucket: '1w', group_by: 'channel_type' })],
      ['billable-totals', conversations({ ...range, group_by: 'channel_type' })],
      ['voice', d.api<{ data: SeriesData }>(`${team}/voice_minutes`, { ...range, bucket: '1w' }).then((r) => r.data)],
      ['kb', d.api<{ data: SeriesData }>(`${team}/knowledge_base`, { ...range, bucket: '1w' }).then((r) => r.data)],
    ];
    for (const [id, expected] of cases) {
      assert.equal(await panelState(p.page, id), 'ready', id);
      const data = await expected;
      const csv = parseCsv(await downloadCsv(p.page, id));
      assert.deepEqual(csv, [asTable(data).columns, ...asTable(data).rows], `${id} CSV`);
    }
    const tags = await d.api<{ data: { tag: string; count: number; rank: number }[] }>(
      `/v1/bots/${bot}/knowledge_base/tags`,
      { ...range, version: 'LIVE' },
    );
    assert.equal(await panelState(p.page, 'kb-tags'), 'ready');
    assert.deepEqual(parseCsv(await downloadCsv(p.page, 'kb-tags')), [
      ['tag', 'count', 'rank'],
      ...tags.data.map((t) => [t.tag, String(t.count), String(t.rank)]),
    ]);
    await p.close();
  });
});
