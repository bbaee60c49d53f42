import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
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

// Webhooks page against the API, with real HTTP receivers on 127.0.0.1 only (the server
// is started allowing http loopback targets, handshake on, a short retry schedule).

interface Subscription {
  id: string;
  target: string;
  event_type: string;
  event_names: string[];
  status: string;
  bot_version: string;
  [k: string]: unknown;
}
interface Deliveries {
  subscription: Subscription;
  pending_deliveries: number;
  attempts: {
    delivery_id: string;
    message_type: string;
    attempt: number;
    status_code: number;
    attempted_at: string;
    [k: string]: unknown;
  }[];
}

interface Receiver {
  url: string;
  /** Message types received (x-message-type), in order. */
  received: { type: string; body: string }[];
  close(): Promise<void>;
}

/** A webhook receiver on 127.0.0.1; `echo` answers the ownership challenge, otherwise it does not. */
async function receiver(echo: boolean): Promise<Receiver> {
  const received: Receiver['received'] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      const type = String(req.headers['x-message-type'] ?? '');
      received.push({ type, body });
      if (type === 'webhook_callback_verification') {
        const challenge = (JSON.parse(body) as { challenge: string }).challenge;
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(echo ? challenge : 'not the challenge');
        return;
      }
      res.writeHead(200);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function until<T>(what: string, f: () => Promise<T | undefined | false>, timeout = 40_000): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** The page's status cell for a subscription (the page re-reads while a handshake runs). */
const pageStatus = (page: Page, id: string) =>
  page.getAttribute(`tr[data-sub="${id}"] [data-status]`, 'data-status').catch(() => null);

async function createThroughForm(page: Page, target: string, names = '') {
  await page.fill('input[name="target"]', target);
  await page.selectOption('select[name="event_type"]', 'TRACKING_EVENT');
  if (names) await page.fill('input[name="event_names"]', names);
  await page.click('[data-panel="create-subscription"] button[type="submit"]');
}

/** The API's row list as the brief's CSV: field names as header, arrays as JSON text. */
function rowsCsv(rows: Record<string, unknown>[], header: string[]): string[][] {
  const cell = (v: unknown) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));
  return rows.map((r) => header.map((h) => cell(r[h])));
}

describe('webhooks page (Chromium)', () => {
  let d: Dashboard;
  let bot: string;
  let echo: Receiver;
  let silent: Receiver;
  before(async () => {
    d = await startDashboard({
      events: 2_000,
      config: { webhookAllowPrivateTargets: true, webhookVerifyTargets: true, webhookRetryScheduleSeconds: [1, 1, 1] },
    });
    bot = d.bots[0] as string;
    echo = await receiver(true);
    silent = await receiver(false);
  });
  after(async () => {
    await d?.close();
    await echo?.close();
    await silent?.close();
  });

  const list = async () =>
    (await d.api<{ subscriptions: Subscription[] }>(`/v1/bots/${bot}/subscriptions`, { page_size: '100' }))
      .subscriptions;

  let activeId = '';

  it('creates through the form: the secret is shown once, the handshake makes it ACTIVE', async () => {
    const p = await d.open(`/webhooks?bot=${bot}`);
    assert.equal(await panelState(p.page, 'subscriptions'), 'empty');
    await createThroughForm(p.page, echo.url, 'order_placed');
    await p.page.waitForSelector('[data-created]');
    activeId = (await p.page.getAttribute('[data-created]', 'data-created')) ?? '';
    assert.match(activeId, /^sub_/);
    const secret = await p.page.inputValue('[data-secret]');
    assert.ok(secret.length >= 16, secret);
    assert.match((await p.page.textContent('[data-created]')) ?? '', /Copy the signing secret now/);
    // The API lists it; the handshake runs in the background and the page follows it.
    const sub = await until('ACTIVE in the API', async () =>
      (await list()).find((s) => s.id === activeId && s.status === 'ACTIVE'),
    );
    assert.equal(sub.target, echo.url);
    assert.deepEqual(sub.event_names, ['order_placed']);
    assert.ok(echo.received.some((r) => r.type === 'webhook_callback_verification'));
    await until('ACTIVE on the page', async () => (await pageStatus(p.page, activeId)) === 'ACTIVE');
    assert.match((await p.page.textContent(`tr[data-sub="${activeId}"]`)) ?? '', /Verified and delivering/);
    assert.deepEqual(p.errors, []);
    assert.deepEqual(await seriousAxeViolations(p.page), []);
    await p.close();
  });

  it('a receiver that does not answer the challenge ends VERIFICATION_FAILED, page and API alike', async () => {
    const p = await d.open(`/webhooks?bot=${bot}`);
    await panelState(p.page, 'subscriptions');
    await createThroughForm(p.page, silent.url);
    await p.page.waitForSelector('[data-created]');
    const id = (await p.page.getAttribute('[data-created]', 'data-created')) ?? '';
    assert.equal(await p.page.textContent('[data-created] strong'), 'VERIFICATION_PENDING');
    await until('VERIFICATION_FAILED in the API', async () =>
      (await list()).find((s) => s.id === id && s.status === 'VERIFICATION_FAILED'),
    );
    await until(
      'VERIFICATION_FAILED on the page',
      async () => (await pageStatus(p.page, id)) === 'VERIFICATION_FAILED',
    );
    assert.match((await p.page.textContent(`tr[data-sub="${id}"]`)) ?? '', /never answered the challenge/);
    // Its deliveries: four challenge attempts, each shown with its status code.
    await p.page.click(`tr[data-sub="${id}"] button:has-text("Deliveries")`);
    await p.page.waitForURL(new RegExp(`sub=${id}`));
    assert.equal(await panelState(p.page, 'deliveries'), 'ready');
    const api = await d.api<Deliveries>(`/v1/bots/${bot}/subscriptions/${id}/deliveries`);
    const shown = await tableOf(p.page, 'deliveries');
    assert.equal(shown.rows.length, api.attempts.length);
    assert.equal(api.attempts.length, 4);
    assert.deepEqual(
      shown.rows.map((r) => [r[1], r[3], r[4]]),
      api.attempts.map((a) => [a.message_type, String(a.attempt), String(a.status_code)]),
    );
    assert.deepEqual(p.errors, []);
    await p.close();
  });

  it('deliveries appear after an event is ingested, times in the chosen zone', async () => {
    assert.ok(activeId, 'the first test created an ACTIVE subscription');
    const now = new Date();
    const res = await d.fetch('/v1/ingest', {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: JSON.stringify({
        id: 'wh-test-1',
        team_id: TEAM,
        bot_id: bot,
        version: 'LIVE',
        type: 'tracking',
        user_id: 'u-webhook',
        event: 'order_placed',
        attributes: { total: 12 },
        timestamp: now.toISOString(),
      }),
    });
    assert.ok(res.ok, await res.text());
    const api = await until('a notification attempt', async () => {
      const r = await d.api<Deliveries>(`/v1/bots/${bot}/subscriptions/${activeId}/deliveries`);
      return r.attempts.some((a) => a.message_type === 'notification') ? r : undefined;
    });
    assert.ok(echo.received.some((r) => r.type === 'notification' && r.body.includes('order_placed')));
    const p = await d.open(`/webhooks?bot=${bot}&sub=${activeId}&tz=Asia%2FTokyo`);
    assert.equal(await panelState(p.page, 'deliveries'), 'ready');
    const shown = await tableOf(p.page, 'deliveries');
    assert.equal(shown.columns[0], 'time (Asia/Tokyo)');
    const latest = await d.api<Deliveries>(`/v1/bots/${bot}/subscriptions/${activeId}/deliveries`);
    assert.ok(latest.attempts.length >= api.attempts.length);
    assert.deepEqual(
      shown.rows.map((r) => [r[1], r[2], r[3], r[4]]),
      latest.attempts.map((a) => [a.message_type, a.delivery_id, String(a.attempt), String(a.status_code)]),
    );
    const first = latest.attempts[0];
    const tokyo = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Asia/Tokyo',
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    }).format(new Date(first?.attempted_at ?? ''));
    assert.equal(shown.rows[0]?.[0], tokyo);
    assert.equal(await p.page.textContent('[data-pending]'), String(latest.pending_deliveries));
    assert.deepEqual(p.errors, []);
    assert.deepEqual(await seriousAxeViolations(p.page), []);
    await p.close();
  });

  it("a refused target shows the API's 400 message and creates nothing", async () => {
    const before = (await list()).length;
    const target = `ftp://127.0.0.1:${new URL(echo.url).port}/hook`;
    const direct = await d.fetch(`/v1/bots/${bot}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ target, event_type: 'TRACKING_EVENT', version: 'v1' }),
    });
    assert.equal(direct.status, 400);
    const message = ((await direct.json()) as { message: string }).message;
    const p = await d.open(`/webhooks?bot=${bot}`);
    await panelState(p.page, 'subscriptions');
    await createThroughForm(p.page, target);
    await p.page.waitForSelector('[data-create-error]');
    assert.ok(((await p.page.textContent('[data-create-error]')) ?? '').includes(message), message);
    assert.equal((await list()).length, before);
    // A refused request logs a 400 in the console (the browser's network log), nothing else.
    assert.deepEqual(
      p.errors.filter((e) => !e.includes('400')),
      [],
    );
    await p.close();
  });

  it("CSV downloads are the API's CSV (subscriptions, deliveries)", async () => {
    const p = await d.open(`/webhooks?bot=${bot}&sub=${activeId}`);
    assert.equal(await panelState(p.page, 'subscriptions'), 'ready');
    const subs = await list();
    const csv = parseCsv(await downloadCsv(p.page, 'subscriptions'));
    const header = csv[0] ?? [];
    assert.ok(header.includes('id') && header.includes('status'), header.join(','));
    assert.deepEqual(csv.slice(1), rowsCsv(subs, header));
    assert.equal(await panelState(p.page, 'deliveries'), 'ready');
    const del = await d.api<Deliveries>(`/v1/bots/${bot}/subscriptions/${activeId}/deliveries`, { page_size: '50' });
    const dcsv = parseCsv(await downloadCsv(p.page, 'deliveries'));
    assert.deepEqual(dcsv.slice(1), rowsCsv(del.attempts, dcsv[0] ?? []));
    await p.close();
  });

  it('deletes through the form after a confirm step: gone in the API too', async () => {
    const p = await d.open(`/webhooks?bot=${bot}&sub=${activeId}`);
    assert.equal(await panelState(p.page, 'subscriptions'), 'ready');
    await p.page.click(`tr[data-sub="${activeId}"] button:has-text("Delete")`);
    await p.page.waitForSelector(`[data-confirm="${activeId}"]`);
    // Nothing is deleted before the confirm.
    assert.ok((await list()).some((s) => s.id === activeId));
    await p.page.click(`[data-confirm="${activeId}"] button.danger`);
    await p.page.waitForSelector(`tr[data-sub="${activeId}"]`, { state: 'detached' });
    assert.ok(!(await list()).some((s) => s.id === activeId));
    await p.page.waitForURL((u) => !u.search.includes('sub='));
    assert.deepEqual(p.errors, []);
    await p.close();
    // A stale link to the deleted subscription says so (the API's 404 is the only console line).
    const q = await d.open(`/webhooks?bot=${bot}&sub=${activeId}`);
    assert.equal(await panelState(q.page, 'deliveries'), 'empty');
    assert.match((await q.page.textContent('[data-panel="deliveries"]')) ?? '', /No such subscription/);
    assert.deepEqual(
      q.errors.filter((e) => !e.includes('404')),
      [],
    );
    await q.close();
  });

  it('lists subscriptions page by page, as the API pages them (page_token in the address)', async () => {
    const other = d.bots[1] as string;
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) {
      const res = await d.fetch(`/v1/bots/${other}/subscriptions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ target: `${echo.url}?n=${i}`, event_type: 'MESSAGE_EVENT', version: 'v1' }),
      });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      ids.push((JSON.parse(text) as { subscription: Subscription }).subscription.id);
    }
    const first = await d.api<{ subscriptions: Subscription[]; next_page_token: string }>(
      `/v1/bots/${other}/subscriptions`,
      { page_size: '20' },
    );
    const second = await d.api<{ subscriptions: Subscription[]; next_page_token: string }>(
      `/v1/bots/${other}/subscriptions`,
      { page_size: '20', page_token: first.next_page_token },
    );
    assert.equal(second.next_page_token, '');
    const p = await d.open(`/webhooks?bot=${other}`);
    assert.equal(await panelState(p.page, 'subscriptions'), 'ready');
    // While a page loads the table is absent: read that as no rows yet.
    const shownIds = async () =>
      (await tableOf(p.page, 'subscriptions').catch(() => ({ rows: [] as string[][] }))).rows.map((r) => r[0]);
    assert.deepEqual(
      await shownIds(),
      first.subscriptions.map((s) => s.id),
    );
    await p.page.click('button:has-text("Next page")');
    await p.page.waitForURL(/page_token=/);
    await until('the second page', async () => (await shownIds()).length === second.subscriptions.length);
    assert.deepEqual(
      await shownIds(),
      second.subscriptions.map((s) => s.id),
    );
    assert.deepEqual([...first.subscriptions, ...second.subscriptions].map((s) => s.id).sort(), [...ids].sort());
    await p.page.goBack();
    await until('the first page again', async () => (await shownIds()).length === 20);
    assert.deepEqual(p.errors, []);
    await p.close();
  });

  it('a read-only token sees the admin-scope message and no error', async () => {
    const readOnly = await d.server.token(TEAM, ['read']);
    const p = await d.open(`/webhooks?bot=${bot}`, { token: readOnly });
    await p.page.waitForSelector('[data-admin-required]');
    assert.match((await p.page.textContent('[data-admin-required]')) ?? '', /admin scope/);
    assert.equal(await p.page.$('[data-panel="subscriptions"]'), null);
    assert.deepEqual(p.errors, []);
    assert.deepEqual(await seriousAxeViolations(p.page), []);
    await p.close();
  });
});
