import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Dashboard, OTHER_BOT, panelState, seriousAxeViolations, startDashboard, TEAM } from './harness.ts';

const PAGES = ['overview', 'intents', 'flows', 'events', 'usage', 'webhooks'];

describe('dashboard shell (Chromium)', () => {
  let d: Dashboard;
  before(async () => {
    d = await startDashboard();
  });
  after(async () => {
    await d?.close();
  });

  it('serves the dashboard at / with a strict CSP, and the API is unchanged beside it', async () => {
    const res = await fetch(`${d.server.url}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.match(await res.text(), /<div id="app">/);
    const missing = await fetch(`${d.server.url}/v1/nothing-here`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { code: number }).code, 5);
  });

  it('serves hashed assets pre-compressed and cached for a year; pages are never cached', async () => {
    const html = await (await fetch(`${d.server.url}/overview`)).text();
    const script = /src="(\/assets\/index-[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, html);
    const br = await fetch(`${d.server.url}${script}`, { headers: { 'accept-encoding': 'br' } });
    assert.equal(br.status, 200);
    assert.equal(br.headers.get('content-encoding'), 'br');
    assert.match(br.headers.get('cache-control') ?? '', /immutable/);
    assert.match(br.headers.get('content-type') ?? '', /javascript/);
    const page = await fetch(`${d.server.url}/intents`);
    assert.equal(page.headers.get('cache-control'), 'no-cache');
  });

  it('a bad token shows the error on the sign-in page and stores nothing', async () => {
    const p = await d.open('/', { token: 'tok_nope:wrong' });
    await p.page.waitForSelector('.sign-in [role="alert"]');
    assert.match((await p.page.textContent('.sign-in [role="alert"]')) ?? '', /refused/i);
    assert.equal(await p.page.evaluate(() => sessionStorage.length), 0);
    assert.deepEqual(await seriousAxeViolations(p.page), []);
    await p.close();
  });

  it('signs in with a typed token; the fragment token never stays in the address', async () => {
    const p = await d.open('/', { token: null });
    await p.page.fill('#token', d.token);
    await p.page.click('button[type="submit"]');
    await p.page.waitForSelector('[data-team]');
    assert.equal(await p.page.textContent('[data-team]'), TEAM);
    await p.close();
    const q = await d.open('/overview');
    await q.page.waitForSelector('[data-team]');
    assert.ok(!q.page.url().includes('#'), q.page.url());
    assert.ok(!q.page.url().includes(d.token.split(':')[1] ?? 'x'));
    assert.match(q.page.url(), new RegExp(`bot=${d.bots[0]}`));
    await q.close();
  });

  for (const name of PAGES) {
    it(`${name}: renders with no console error and no serious axe violation`, async () => {
      const p = await d.open(`/${name}?bot=${d.bots[0]}`);
      await p.page.waitForSelector(`main[data-page="${name}"]`);
      // Every panel the page shows finishes loading.
      await p.page.waitForFunction(() => document.querySelectorAll('[data-state="loading"]').length === 0, null, {
        timeout: 30_000,
      });
      assert.deepEqual(p.errors, []);
      assert.deepEqual(await seriousAxeViolations(p.page), []);
      await p.close();
    });
  }

  it('controls live in the address: a range change is a history entry the back button undoes', async () => {
    const p = await d.open(`/overview?bot=${d.bots[0]}`);
    await p.page.waitForSelector('select[name="range"]');
    await p.page.selectOption('select[name="range"]', '30d');
    await p.page.waitForURL(/range=30d/);
    assert.equal(await p.page.inputValue('select[name="range"]'), '30d');
    await p.page.goBack();
    await p.page.waitForURL((u) => !u.search.includes('range=30d'));
    assert.equal(await p.page.inputValue('select[name="range"]'), '7d');
    await p.close();
  });

  it('the time-zone menu offers current IANA names ICU lists under old ones (Asia/Kolkata)', async () => {
    const p = await d.open(`/overview?bot=${d.bots[0]}`);
    await p.page.waitForSelector('select[name="tz"]');
    await p.page.selectOption('select[name="tz"]', 'Asia/Kolkata');
    await p.page.waitForURL((u) => u.searchParams.get('tz') === 'Asia/Kolkata');
    assert.equal(await p.page.inputValue('select[name="tz"]'), 'Asia/Kolkata');
    await p.close();
  });

  it("a bot of another team shows the not-found state, not that team's data", async () => {
    const p = await d.open(`/overview?bot=${OTHER_BOT}`);
    await p.page.waitForSelector('[role="alert"]', { timeout: 20_000 });
    assert.match((await p.page.textContent('main')) ?? '', /not found/i);
    await p.close();
  });

  it('a token without the read scope is told what it lacks', async () => {
    const ingestOnly = await d.server.token(TEAM, ['ingest']);
    const p = await d.open('/overview', { token: ingestOnly });
    await p.page.waitForSelector('[role="alert"]', { timeout: 20_000 });
    assert.match((await p.page.textContent('main')) ?? '', /read/);
    await p.close();
  });

  it('panels report their state for tests (smoke: at least one panel or a page body)', async () => {
    const p = await d.open(`/overview?bot=${d.bots[0]}`);
    await p.page.waitForSelector('main[data-page="overview"]');
    const panels = await p.page.$$eval('[data-panel]', (els) => els.map((e) => e.getAttribute('data-panel') ?? ''));
    for (const id of panels) assert.notEqual(await panelState(p.page, id), 'error', id);
    await p.close();
  });
});
