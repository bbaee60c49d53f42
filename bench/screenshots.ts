/**
 * Screenshots of every dashboard page on the demo data, into docs/screenshots/ (the README
 * shows the overview). Run after a visible change: `npm run screenshots`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { launchChromium, startDemoServer } from './demo-server.ts';
import { root } from './report.ts';

const PAGES: { name: string; path: string; ready: string }[] = [
  { name: 'overview', path: '/overview', ready: 'main[data-page="overview"]' },
  { name: 'intents', path: '/intents', ready: 'main[data-page="intents"]' },
  {
    name: 'flows',
    // Three levels of the demo's main path opened, as a user exploring would.
    path: `/flows?open=${encodeURIComponent(JSON.stringify([['welcome'], ['welcome', 'main_menu']]))}&step=main_menu`,
    ready: 'main[data-page="flows"]',
  },
  { name: 'events', path: '/events', ready: 'main[data-page="events"]' },
  {
    name: 'events-funnel',
    path: `/events?tab=funnel&range=30d&funnel=${encodeURIComponent(
      JSON.stringify({
        kind: 'events',
        steps: [{ event: 'link_clicked' }, { event: 'handover_requested' }],
        order_type: 'sequential',
        breakdown: '$channel_type',
      }),
    )}`,
    ready: 'main[data-page="events"]',
  },
  { name: 'usage', path: '/usage?range=90d', ready: 'main[data-page="usage"]' },
  { name: 'webhooks', path: '/webhooks', ready: 'main[data-page="webhooks"]' },
];

const { origin, token, close } = await startDemoServer(Number(process.env.BENCH_EVENTS) || 200_000);
const browser = await launchChromium();
const out = path.join(root, 'docs', 'screenshots');
fs.mkdirSync(out, { recursive: true });
const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 }, timezoneId: 'Europe/Brussels' });
const page = await ctx.newPage();
await page.goto(`${origin}/#token=${token}`);
for (const p of PAGES) {
  await page.goto(`${origin}${p.path}`);
  await page.waitForSelector(p.ready);
  await page.waitForFunction(
    () =>
      !document.querySelector('[data-state="loading"]') &&
      [...document.querySelectorAll<HTMLElement>('.chart')].every((c) => c.dataset.drawn === '1'),
    null,
    { timeout: 30_000 },
  );
  await page.screenshot({ path: path.join(out, `${p.name}.png`), fullPage: true });
  process.stdout.write(`docs/screenshots/${p.name}.png\n`);
}
await browser.close();
await close();
process.exit(0);
