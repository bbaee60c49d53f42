/**
 * Dashboard benchmark (issue 11), in Debian's Chromium on the demo data `npm start` loads
 * (200,000 events, 3 bots, 30 days): the JavaScript the overview ships (gzip and brotli, as
 * served), the time from navigation to every overview chart drawn (cold browser context
 * each load), and the time to switch range (7 d ↔ 30 d) until every chart is drawn again.
 * Writes the "Dashboard" section of docs/benchmarks.md.
 *
 *   npm run bench:dashboard                 # 20 loads, 20 switches
 *   BENCH_LOADS=5 npm run bench:dashboard
 */
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Page } from 'playwright-core';
import { launchChromium, startDemoServer } from './demo-server.ts';
import { fmt, machine, median, quantile, root, writeSection } from './report.ts';

const LOADS = Number(process.env.BENCH_LOADS) || 20;
const EVENTS = Number(process.env.BENCH_EVENTS) || 200_000;
/** The demo's first bot (the overview's default). */
const BOT = 'bank-helpdesk';

/**
 * Resolves when the overview is complete: no panel loading, and every chart drawn
 * (`data-drawn="1"` set on ECharts' `finished`). Returns the page clock at that moment.
 */
async function chartsDrawn(page: Page, minCharts: number): Promise<number> {
  const handle = await page.waitForFunction(
    (min) => {
      const main = document.querySelector('main[data-page="overview"]');
      if (!main || document.querySelector('[data-state="loading"]')) return false;
      const charts = [...document.querySelectorAll<HTMLElement>('.chart')];
      if (charts.length < min || charts.some((c) => c.dataset.drawn !== '1')) return false;
      return performance.now();
    },
    minCharts,
    { polling: 'raf', timeout: 30_000 },
  );
  return (await handle.jsonValue()) as number;
}

async function main(): Promise<void> {
  execSync('node scripts/build-web.mjs --if-stale', { cwd: root, stdio: 'inherit' });
  const { origin, token, close } = await startDemoServer(EVENTS);
  const browser = await launchChromium();

  // What the overview loads: every script and stylesheet response of one load.
  const first = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await first.newPage();
  const assets = new Map<string, { type: string; wire: number }>();
  page.on('response', async (res) => {
    const type = res.request().resourceType();
    if (type !== 'script' && type !== 'stylesheet') return;
    const sizes = await res.request().sizes();
    assets.set(new URL(res.url()).pathname, { type, wire: sizes.responseBodySize });
  });
  await page.goto(`${origin}/overview#token=${token}`);
  const charts = await page.waitForFunction(() => {
    const n = document.querySelectorAll('.chart').length;
    return n > 0 && !document.querySelector('[data-state="loading"]') ? n : false;
  });
  const chartCount = (await charts.jsonValue()) as number;
  await first.close();
  let jsRaw = 0;
  let jsGzip = 0;
  let jsBrotli = 0;
  let cssGzip = 0;
  let wire = 0;
  for (const [pathname, a] of assets) {
    const body = fs.readFileSync(path.join(root, 'web', 'dist', pathname));
    const gz = zlib.gzipSync(body, { level: 9 }).length;
    wire += a.wire;
    if (a.type === 'script') {
      jsRaw += body.length;
      jsGzip += gz;
      jsBrotli += zlib.brotliCompressSync(body).length;
    } else cssGzip += gz;
  }

  // Navigation → all charts drawn, a cold context (no cache, no session) each time.
  const loads: number[] = [];
  for (let i = 0; i < LOADS; i++) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const p = await ctx.newPage();
    await p.goto(`${origin}/overview#token=${token}`);
    loads.push(await chartsDrawn(p, chartCount));
    await ctx.close();
  }

  // The same, for a returning user: one context (HTTP cache, V8 code cache, the token in
  // sessionStorage), each load a fresh navigation to the overview.
  const warmCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const warmPage = await warmCtx.newPage();
  await warmPage.goto(`${origin}/overview#token=${token}`);
  await chartsDrawn(warmPage, chartCount);
  const warm: number[] = [];
  for (let i = 0; i < LOADS; i++) {
    await warmPage.goto(`${origin}/overview?bot=${BOT}`);
    warm.push(await chartsDrawn(warmPage, chartCount));
  }
  // Where a cold load's time goes: the API requests' span and the sum of their server times.
  const cold = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const coldPage = await cold.newPage();
  await coldPage.goto(`${origin}/overview#token=${token}`);
  const drawnAt = await chartsDrawn(coldPage, chartCount);
  const spans = await coldPage.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .map((e) => e as PerformanceResourceTiming)
      .filter((e) => new URL(e.name).pathname.startsWith('/v1/'))
      .map((e) => [e.startTime, e.responseEnd]),
  );
  await cold.close();
  await warmCtx.close();

  // Range switch 7 d ↔ 30 d on one page: from the change event to every chart drawn again.
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const p = await ctx.newPage();
  await p.goto(`${origin}/overview#token=${token}`);
  await chartsDrawn(p, chartCount);
  const switches: number[] = [];
  for (let i = 0; i < LOADS; i++) {
    const to = i % 2 === 0 ? '30d' : '7d';
    const t0 = await p.evaluate((range) => {
      const select = document.querySelector<HTMLSelectElement>('select[name="range"]');
      if (!select) throw new Error('no range control');
      const start = performance.now();
      select.value = range;
      select.dispatchEvent(new Event('change', { bubbles: true }));
      return start;
    }, to);
    await p.waitForURL((u) => u.searchParams.get('range') === to);
    switches.push((await chartsDrawn(p, chartCount)) - t0);
  }
  await browser.close();
  await close();

  const ms = (n: number) => `${n.toFixed(0)} ms`;
  const lines = [
    '## Dashboard',
    '',
    `Measured by \`npm run bench:dashboard\` on ${new Date().toISOString().slice(0, 16)}Z in Debian's Chromium ` +
      `(headless, driven by playwright-core) against the server in the same process, on the demo data ` +
      `\`npm start\` loads (${fmt(EVENTS)} events, 3 bots, 30 days). Overview with ${chartCount} charts, default ` +
      'controls (last 7 days, daily buckets).',
    '',
    ...machine().map((l) => `- ${l}`),
    '',
    '| measure | result | budget (issue 11) |',
    '|---|---|---|',
    `| JavaScript shipped for the overview, gzip | ${(jsGzip / 1024).toFixed(1)} KB (brotli ${(jsBrotli / 1024).toFixed(1)} KB, raw ${(jsRaw / 1024).toFixed(0)} KB, CSS gzip ${(cssGzip / 1024).toFixed(1)} KB) | ≤ 250 KB |`,
    `| bytes on the wire for scripts + CSS (brotli, as served) | ${(wire / 1024).toFixed(1)} KB | |`,
    `| navigation → every overview chart drawn, ${LOADS} cold loads | p50 ${ms(median(loads))}, p95 ${ms(quantile(loads, 0.95))}, max ${ms(Math.max(...loads))} | p95 ≤ 1 s |`,
    `| the same, returning user (one context: HTTP and code caches), ${LOADS} loads | p50 ${ms(median(warm))}, p95 ${ms(quantile(warm, 0.95))}, max ${ms(Math.max(...warm))} | |`,
    `| range switch 7 d ↔ 30 d → every chart drawn, ${LOADS} switches | p50 ${ms(median(switches))}, p95 ${ms(quantile(switches, 0.95))}, max ${ms(Math.max(...switches))} | p95 ≤ 300 ms |`,
    '',
    `Where one cold load's ${ms(drawnAt)} go: the first API request (\`/v1/token\`) starts at ${ms(Math.min(...spans.map((x) => x[0] ?? 0)))}, ` +
      `the ${spans.length} API requests span ${ms(Math.min(...spans.map((x) => x[0] ?? 0)))}–${ms(Math.max(...spans.map((x) => x[1] ?? 0)))}; ` +
      'the rest is script evaluation and drawing in the page.',
    '',
    `Scripts loaded by the overview: ${[...assets.entries()]
      .filter(([, a]) => a.type === 'script')
      .map(([n]) => `\`${path.basename(n)}\``)
      .join(', ')}.`,
    '',
  ];
  writeSection(path.join(root, 'docs', 'benchmarks.md'), '## Dashboard', lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
process.exit(0);
