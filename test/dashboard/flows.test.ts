import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import {
  type Dashboard,
  downloadCsv,
  OTHER_BOT,
  panelState,
  parseCsv,
  seriousAxeViolations,
  startDashboard,
  tableOf,
} from './harness.ts';

// The Flows page in real Chromium against the real server: every number it shows (the path
// explorer's levels, a step's details and edges, one conversation's flow) equals what the
// API answers for the same controls.

interface FlowNode {
  id: string;
  occurrences: number;
}
interface Edge {
  count: number;
  id: string;
  type: string;
  from_step: { id: string; type: string };
  to_step: { id: string; type: string };
}
interface StepInfo {
  id: string;
  type: string;
  message_count: number;
  conversation_count: number;
  drop_off_count: number;
}
interface Transition {
  id: string;
  from_step: { id: string; type: string };
  to_step: { id: string; type: string };
  depth: number;
  timestamp: string;
}

const day = (offset: number): string => {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + offset);
  return d.toISOString().slice(0, 10);
};

/** The query the page sends for a day preset in UTC (the browser zone of every test page). */
function controlsQuery(days = 7, extra: Record<string, string> = {}): Record<string, string> {
  return { version: 'LIVE', start_time: day(1 - days), end_time: day(1), timezone: 'UTC', ...extra };
}

/** Polls until `read` gives `expected` (the page redraws after a fetch), then asserts it. */
async function eventually<T>(read: () => Promise<T>, expected: T, timeout = 20_000): Promise<void> {
  const until = Date.now() + timeout;
  let last: T | undefined;
  for (;;) {
    try {
      last = await read();
      assert.deepEqual(last, expected);
      return;
    } catch (e) {
      if (Date.now() > until) {
        assert.deepEqual(last, expected, String(e));
        throw e;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const pathKey = (p: string[]) => JSON.stringify(p);

/** The explorer's rows under one prefix: [step, conversations] as the page's tree table shows them. */
async function levelRows(page: Page, prefix: string[]): Promise<string[][]> {
  const t = await tableOf(page, 'flow-paths');
  const col = (name: string) => t.columns.indexOf(name);
  return t.rows
    .filter((r) => {
      const depth = Number(r[col('Depth')]);
      return depth === prefix.length + 1 && (r[col('Path')] ?? '').startsWith(prefix.map((s) => `${s} → `).join(''));
    })
    .map((r) => [r[col('Step')] ?? '', r[col('Conversations')] ?? '']);
}

const expectedLevel = (nodes: FlowNode[]) => nodes.map((n) => [n.id, String(n.occurrences)]);

function openParam(page: Page): string[][] {
  const v = new URL(page.url()).searchParams.get('open');
  return v ? (JSON.parse(v) as string[][]) : [];
}

/** A real mouse click on a Sankey node: at its label (ECharts dispatches label clicks to the node). */
async function clickSankeyNode(page: Page, label: string): Promise<void> {
  await page.waitForSelector('[data-panel="flow-paths"] .chart[data-drawn="1"]');
  const box = await page.$$eval(
    '[data-panel="flow-paths"] .chart svg text',
    (texts, want) => {
      // The leftmost one: the shallowest node with that step id.
      const boxes = texts.filter((el) => el.textContent === want).map((el) => el.getBoundingClientRect());
      const r = boxes.sort((x, y) => x.left - y.left)[0];
      return r ? { x: r.x + r.width / 2, y: r.y + r.height / 2 } : null;
    },
    label,
  );
  assert.ok(box, `no Sankey label ${label}`);
  await page.mouse.click(box.x, box.y);
}

describe('flows page (Chromium)', () => {
  let d: Dashboard;
  let bot: string;
  const flows = (query: Record<string, string>, path: string[] = []) => {
    const qs = new URLSearchParams(query);
    for (const p of path) qs.append('path', p);
    return d.fetch(`/v1/bots/${bot}/flows?${qs}`).then(async (r) => {
      assert.equal(r.status, 200, await r.clone().text());
      return ((await r.json()) as { nodes: FlowNode[] }).nodes;
    });
  };

  before(async () => {
    d = await startDashboard();
    bot = d.bots[0] ?? '';
  });
  after(async () => {
    await d?.close();
  });

  it('the first level equals GetFlows without a path, drop-offs included', async () => {
    const first = await flows(controlsQuery());
    assert.ok(first.length > 0, 'the demo data has flows');
    const p = await d.open(`/flows?bot=${bot}`);
    assert.equal(await panelState(p.page, 'flow-paths'), 'ready');
    assert.deepEqual(await levelRows(p.page, []), expectedLevel(first));
    // Share of parent: each first step's share of all conversations that ran a step.
    const total = first.reduce((s, n) => s + n.occurrences, 0);
    const t = await tableOf(p.page, 'flow-paths');
    const share = t.columns.indexOf('Share of parent');
    assert.deepEqual(
      t.rows.map((r) => r[share]),
      first.map((n) => `${((100 * n.occurrences) / total).toFixed(1)} %`),
    );
    await p.page.waitForSelector('[data-panel="flow-paths"] .chart[data-drawn="1"]');
    assert.deepEqual(p.errors, []);
    await p.close();
  });

  it('expands on click (table and Sankey), collapses, keeps the open paths in the address', async () => {
    const q = controlsQuery();
    const all = await flows(q);
    const a = all.find((n) => n.id !== 'DROPOFF')?.id ?? '';
    const p = await d.open(`/flows?bot=${bot}`);
    const { page } = p;
    await panelState(page, 'flow-paths');

    // The table row's expand button.
    await page.click(`tr[data-path='${pathKey([a])}'] button.expand`);
    const childrenA = await flows(q, [a]);
    assert.ok(childrenA.length > 2);
    await eventually(() => levelRows(page, [a]), expectedLevel(childrenA));
    assert.deepEqual(openParam(page), [[a]]);
    assert.equal(await page.getAttribute(`tr[data-path='${pathKey([a])}'] button.expand`, 'aria-expanded'), 'true');

    // A node of the second level, opened with a real click on the Sankey node.
    const [b, c] = childrenA.filter((n) => n.id !== 'DROPOFF').map((n) => n.id);
    assert.ok(b && c);
    await clickSankeyNode(page, b);
    const childrenAB = await flows(q, [a, b]);
    await eventually(() => levelRows(page, [a, b]), expectedLevel(childrenAB));
    assert.deepEqual(openParam(page), [[a], [a, b]]);
    assert.equal(new URL(page.url()).searchParams.get('step'), b, 'a Sankey click also selects the step');

    // A second branch open at the same time.
    await page.click(`tr[data-path='${pathKey([a, c])}'] button.expand`);
    const childrenAC = await flows(q, [a, c]);
    await eventually(() => levelRows(page, [a, c]), expectedLevel(childrenAC));
    assert.deepEqual(await levelRows(page, [a, b]), expectedLevel(childrenAB));
    // Every path is its own row (the same step id can appear in several branches).
    const rowCount = all.length + childrenA.length + childrenAB.length + childrenAC.length;
    assert.equal((await tableOf(page, 'flow-paths')).rows.length, rowCount);
    const dropRow = await page.$(`tr.dropoff[data-path='${pathKey([a, 'DROPOFF'])}']`);
    assert.equal(
      dropRow !== null,
      childrenA.some((n) => n.id === 'DROPOFF'),
      'drop-offs are rows of their own',
    );

    // Reloading the address restores the explored tree.
    await page.reload();
    await panelState(page, 'flow-paths');
    await eventually(async () => (await tableOf(page, 'flow-paths')).rows.length, rowCount);
    assert.deepEqual(await levelRows(page, [a, c]), expectedLevel(childrenAC));
    assert.deepEqual(await levelRows(page, [a, b]), expectedLevel(childrenAB));

    // Back undoes the last expansion.
    await page.goBack();
    await eventually(() => levelRows(page, [a, c]), []);
    assert.deepEqual(await levelRows(page, [a, b]), expectedLevel(childrenAB));
    assert.deepEqual(openParam(page), [[a], [a, b]]);

    // A click on an open Sankey node collapses it; collapsing the first level closes all below it.
    await clickSankeyNode(page, b);
    await eventually(() => levelRows(page, [a, b]), []);
    assert.deepEqual(openParam(page), [[a]]);
    await page.click(`tr[data-path='${pathKey([a])}'] button.expand`);
    await eventually(() => levelRows(page, [a]), []);
    assert.equal(new URL(page.url()).searchParams.get('open'), null);
    assert.deepEqual(p.errors, []);
    await p.close();
  });

  it("a step's details and its sources and targets equal the API", async () => {
    const q = controlsQuery();
    const stepsRes = await d.api<{ steps: StepInfo[] }>(`/v1/bots/${bot}/steps`, q);
    const p = await d.open(`/flows?bot=${bot}`);
    const { page } = p;
    assert.equal(await panelState(page, 'flow-steps'), 'ready');
    const steps = await tableOf(page, 'flow-steps');
    assert.deepEqual(
      steps.rows.map((r) => r.slice(0, 5)),
      stepsRes.steps.map((s) => [
        s.id,
        s.type,
        String(s.message_count),
        String(s.conversation_count),
        String(s.drop_off_count),
      ]),
    );
    // A step in the middle of flows (not a first step, not always the last): it has sources and targets.
    const firstSteps = new Set((await flows(q)).map((n) => n.id));
    const step = stepsRes.steps.find(
      (s) => !firstSteps.has(s.id) && s.drop_off_count > 0 && s.drop_off_count < s.conversation_count,
    );
    assert.ok(step);
    await page.click(`[data-table="flow-steps"] button[aria-label="Details of step ${step.id}"]`);
    await page.waitForURL((u) => u.searchParams.get('step') === step.id);
    const details = await d.api<{ message_count: number; conversation_count: number; drop_off_count: number }>(
      `/v1/bots/${bot}/flows/${encodeURIComponent(step.id)}`,
      q,
    );
    assert.equal(await panelState(page, 'step-details'), 'ready');
    assert.deepEqual(await tableOf(page, 'step-details'), {
      columns: ['Runs', 'Conversations', 'Drop-offs'],
      rows: [[String(details.message_count), String(details.conversation_count), String(details.drop_off_count)]],
    });
    for (const kind of ['sources', 'targets'] as const) {
      const edges: { edges: Edge[] } = await d.api<{ edges: Edge[] }>(
        `/v1/bots/${bot}/flows/${encodeURIComponent(step.id)}/edges`,
        {
          ...q,
          type: kind,
        },
      );
      assert.ok(edges.edges.length > 0, kind);
      assert.equal(await panelState(page, `step-${kind}`), 'ready');
      assert.deepEqual(await tableOf(page, `step-${kind}`), {
        columns: ['Neighbour', 'Type', 'Count'],
        rows: edges.edges.map((e) => [e.id, e.type, String(e.count)]),
      });
    }
    // The address holds the selection: a reload shows the same step.
    await page.reload();
    assert.equal(await panelState(page, 'step-details'), 'ready');
    assert.match((await page.textContent('[data-panel="step-details"] h2')) ?? '', new RegExp(step.id));
    assert.deepEqual(p.errors, []);
    assert.deepEqual(await seriousAxeViolations(page), []);
    await p.close();
  });

  it('one conversation from the event stream: its flow equals GetConversationFlow', async () => {
    const q = controlsQuery();
    const stream = await d.api<{ events: { conversation_id: string }[] }>(`/v1/bots/${bot}/events/stream`, {
      ...q,
      page_size: '100',
    });
    const conversation = stream.events.find((e) => e.conversation_id)?.conversation_id;
    assert.ok(conversation, 'a tracking event of the stream belongs to a conversation');
    const flow = await d.api<{ user_id: string; transitions: Transition[] }>(
      `/v1/bots/${bot}/conversations/${encodeURIComponent(conversation)}/flow`,
      q,
    );
    assert.ok(flow.transitions.length > 1);
    // Reached by typing its id in the form, as from the Events page's link.
    const p = await d.open(`/flows?bot=${bot}`);
    const { page } = p;
    await page.fill('#conversation-id', conversation);
    await page.click('.flows-open button[type="submit"]');
    await page.waitForURL((u) => u.searchParams.get('conversation') === conversation);
    assert.equal(await panelState(page, 'conversation-flow'), 'ready');
    assert.deepEqual(await tableOf(page, 'conversation-flow'), {
      columns: ['Depth', 'Step', 'Type', 'From', 'Time', 'Event id'],
      rows: flow.transitions.map((t) => [
        String(t.depth),
        t.to_step.id,
        t.to_step.type,
        t.from_step.id,
        t.timestamp,
        t.id,
      ]),
    });
    assert.equal(await page.textContent('[data-user]'), flow.user_id);
    // The timeline lists the steps in order, then the drop-off.
    const items = await page.$$eval('.flows-timeline li strong', (els) => els.map((e) => e.textContent ?? ''));
    assert.deepEqual(
      items,
      flow.transitions.map((t) => (t.to_step.id === 'DROPOFF' ? 'Conversation ended' : t.to_step.id)),
    );
    assert.deepEqual(await seriousAxeViolations(page), []);
    // Its path in the explorer: every prefix opened, its whole path a row of the tree.
    const steps = flow.transitions.filter((t) => t.to_step.id !== 'DROPOFF').map((t) => t.to_step.id);
    await page.click('[data-panel="conversation-flow"] button:has-text("Show its path in the explorer")');
    assert.equal(await panelState(page, 'flow-paths'), 'ready');
    assert.deepEqual(
      openParam(page),
      steps.slice(0, -1).map((_, i) => steps.slice(0, i + 1)),
    );
    await page.waitForSelector(`tr[data-path='${pathKey(steps)}']`);
    // Back returns to the conversation.
    await page.goBack();
    assert.equal(await panelState(page, 'conversation-flow'), 'ready');
    assert.deepEqual(p.errors, []);
    // A conversation outside the range says so instead of failing. Chromium logs the API's 404
    // as a failed resource load; the page itself logs nothing.
    await page.goto(`${d.server.url}/flows?bot=${bot}&conversation=no-such-conversation`);
    assert.equal(await panelState(page, 'conversation-flow'), 'empty');
    assert.match((await page.textContent('[data-panel="conversation-flow"]')) ?? '', /No such conversation/);
    assert.deepEqual(
      p.errors.filter((e) => !/status of 404/.test(e)),
      [],
    );
    await p.close();
  });

  it('changing the range and a channel filter changes the numbers accordingly', async () => {
    const p = await d.open(`/flows?bot=${bot}`);
    const { page } = p;
    await panelState(page, 'flow-paths');
    const week = await flows(controlsQuery());
    assert.deepEqual(await levelRows(page, []), expectedLevel(week));

    await page.selectOption('select[name="range"]', '30d');
    await page.waitForURL(/range=30d/);
    const month = await flows(controlsQuery(30));
    assert.notDeepEqual(month, week);
    await eventually(() => levelRows(page, []), expectedLevel(month));
    const steps30 = await d.api<{ steps: StepInfo[] }>(`/v1/bots/${bot}/steps`, controlsQuery(30));
    await eventually(
      async () => (await tableOf(page, 'flow-steps')).rows.map((r) => [r[0], r[3]]),
      steps30.steps.map((s) => [s.id, String(s.conversation_count)]),
    );

    // A channel filter from the controls bar (the first channel it offers).
    await page.click('[data-control="channel"] summary');
    const channel = (await page.textContent('[data-control="channel"] fieldset label'))?.trim() ?? '';
    assert.ok(channel);
    await page.click('[data-control="channel"] fieldset label input');
    await page.waitForURL((u) => u.searchParams.get('channel') === channel);
    const filtered = await flows(controlsQuery(30, { channel_type: channel }));
    assert.notDeepEqual(filtered, month);
    await eventually(() => levelRows(page, []), expectedLevel(filtered));
    // An open branch follows the controls too.
    const a = filtered.find((n) => n.id !== 'DROPOFF')?.id ?? '';
    await page.click(`tr[data-path='${pathKey([a])}'] button.expand`);
    await eventually(
      () => levelRows(page, [a]),
      expectedLevel(await flows(controlsQuery(30, { channel_type: channel }), [a])),
    );
    assert.deepEqual(p.errors, []);
    await p.close();
  });

  it("the explorer's CSV (its table) equals the API's levels", async () => {
    const q = controlsQuery();
    const first = await flows(q);
    const a = first.find((n) => n.id !== 'DROPOFF')?.id ?? '';
    const children = await flows(q, [a]);
    const p = await d.open(`/flows?bot=${bot}&open=${encodeURIComponent(JSON.stringify([[a]]))}`);
    const { page } = p;
    await panelState(page, 'flow-paths');
    await eventually(() => levelRows(page, [a]), expectedLevel(children));
    const csv = parseCsv(await downloadCsv(page, 'flow-paths'));
    assert.deepEqual(csv[0], ['depth', 'path', 'step', 'conversations', 'share_of_parent']);
    const rows = csv.slice(1).map((r) => ({ path: JSON.parse(r[1] ?? '') as string[], id: r[2], n: Number(r[3]) }));
    const expected: { path: string[]; id: string; n: number }[] = [];
    for (const n of first) {
      expected.push({ path: [n.id], id: n.id, n: n.occurrences });
      if (n.id === a) for (const c of children) expected.push({ path: [a, c.id], id: c.id, n: c.occurrences });
    }
    assert.deepEqual(rows, expected);
    assert.deepEqual(await seriousAxeViolations(page), []);
    assert.deepEqual(p.errors, []);
    await p.close();
  });

  it('a range without flows shows the empty state; a bot of another team the error', async () => {
    const p = await d.open(`/flows?bot=${bot}&range=custom&from=2020-01-01&to=2020-01-07`);
    const { page } = p;
    assert.equal(await panelState(page, 'flow-paths'), 'empty');
    assert.match((await page.textContent('[data-panel="flow-paths"]')) ?? '', /No conversation flow in this range/);
    assert.equal(await panelState(page, 'flow-steps'), 'empty');
    assert.deepEqual(p.errors, []);
    assert.deepEqual(await seriousAxeViolations(page), []);
    await page.goto(`${d.server.url}/flows?bot=${OTHER_BOT}`);
    assert.equal(await panelState(page, 'flow-paths'), 'error');
    assert.match((await page.textContent('[data-panel="flow-paths"] [role="alert"]')) ?? '', /not found/i);
    // Chromium logs the API's 404 answers as failed resource loads; the page logs nothing else.
    assert.deepEqual(
      p.errors.filter((e) => !/status of 404/.test(e)),
      [],
    );
    await p.close();
  });

  // These download the server's own CSV (Accept: text/csv), which the h-csv branch adds.
  it("steps, a step's details and edges, a conversation's flow: CSV downloads (from the API) equal its JSON", async () => {
    const q = controlsQuery();
    const steps = (await d.api<{ steps: StepInfo[] }>(`/v1/bots/${bot}/steps`, q)).steps;
    const step = steps[0];
    assert.ok(step);
    const p = await d.open(`/flows?bot=${bot}&step=${encodeURIComponent(step.id)}`);
    const { page } = p;
    assert.equal(await panelState(page, 'flow-steps'), 'ready');
    const stepsCsv = parseCsv(await downloadCsv(page, 'flow-steps'));
    assert.deepEqual(stepsCsv, [
      ['id', 'type', 'message_count', 'conversation_count', 'drop_off_count'],
      ...steps.map((s) => [
        s.id,
        s.type,
        String(s.message_count),
        String(s.conversation_count),
        String(s.drop_off_count),
      ]),
    ]);
    const targets = (
      await d.api<{ edges: Edge[] }>(`/v1/bots/${bot}/flows/${encodeURIComponent(step.id)}/edges`, {
        ...q,
        type: 'targets',
      })
    ).edges;
    assert.equal(await panelState(page, 'step-targets'), 'ready');
    const edgesCsv = parseCsv(await downloadCsv(page, 'step-targets'));
    assert.deepEqual(edgesCsv, [
      ['count', 'id', 'type', 'from_step.id', 'from_step.type', 'to_step.id', 'to_step.type'],
      ...targets.map((e) => [
        String(e.count),
        e.id,
        e.type,
        e.from_step.id,
        e.from_step.type,
        e.to_step.id,
        e.to_step.type,
      ]),
    ]);
    // The step's details: one row, the answer's fields in the schema's order.
    const details = await d.api<{ message_count: number; drop_off_count: number; conversation_count: number }>(
      `/v1/bots/${bot}/flows/${encodeURIComponent(step.id)}`,
      q,
    );
    assert.equal(await panelState(page, 'step-details'), 'ready');
    assert.deepEqual(parseCsv(await downloadCsv(page, 'step-details')), [
      ['message_count', 'drop_off_count', 'conversation_count'],
      [String(details.message_count), String(details.drop_off_count), String(details.conversation_count)],
    ]);
    // One conversation's flow: one row per transition.
    const stream = await d.api<{ events: { conversation_id: string }[] }>(`/v1/bots/${bot}/events/stream`, q);
    const conversation = stream.events.find((e) => e.conversation_id)?.conversation_id ?? '';
    const flow = await d.api<{ transitions: Transition[] }>(
      `/v1/bots/${bot}/conversations/${encodeURIComponent(conversation)}/flow`,
      q,
    );
    await page.goto(`${d.server.url}/flows?bot=${bot}&conversation=${encodeURIComponent(conversation)}`);
    assert.equal(await panelState(page, 'conversation-flow'), 'ready');
    assert.deepEqual(parseCsv(await downloadCsv(page, 'conversation-flow')), [
      ['id', 'from_step.id', 'from_step.type', 'to_step.id', 'to_step.type', 'depth', 'timestamp'],
      ...flow.transitions.map((t) => [
        t.id,
        t.from_step.id,
        t.from_step.type,
        t.to_step.id,
        t.to_step.type,
        String(t.depth),
        t.timestamp,
      ]),
    ]);
    assert.deepEqual(p.errors, []);
    await p.close();
  });
});
