import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Config } from '../../src/config.ts';
import { generateDemo } from '../../src/demo/generate.ts';
import { CHROMIUM, launchChromium } from '../helpers/chromium.ts';
import { repoRoot, startTestServer, type TestServer } from '../helpers/server.ts';

// The dashboard in real Chromium (Debian's, driven by playwright-core; never downloaded)
// against the real server on loopback, with known demo data.

// The demo generator writes its events for this team.
export const TEAM = 'demo-team';
export const OTHER_TEAM = 'other-team';
export const OTHER_BOT = 'other-bot';

export interface Dashboard {
  server: TestServer;
  browser: Browser;
  /** admin+read+ingest token of TEAM. */
  token: string;
  bots: string[];
  /** GET an API operation as TEAM (JSON). */
  api<T>(pathname: string, query?: Record<string, string | undefined>): Promise<T>;
  /** Any API request as TEAM, answered as is. */
  fetch(pathname: string, init?: RequestInit): Promise<Response>;
  /** A fresh signed-in page at `pathname` (token in the fragment, as `npm start` prints). */
  open(pathname: string, opts?: { token?: string | null; timezoneId?: string }): Promise<DashPage>;
  close(): Promise<void>;
}

export interface DashPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught exceptions seen so far. */
  errors: string[];
  close(): Promise<void>;
}

function ensureBuilt(): void {
  if (!fs.existsSync(path.join(repoRoot, 'web', 'dist', 'index.html')))
    throw new Error('web/dist is missing: run `npm run build:web` (npm test and npm ci run it)');
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run installs it)`);
}

export interface DashboardOptions {
  /** Server config overrides (e.g. allowing http loopback webhook targets). */
  config?: Partial<Config>;
  events?: number;
  days?: number;
  bots?: number;
}

/** Starts a server with `events` demo events for TEAM (and one bot of OTHER_TEAM) and Chromium. */
export async function startDashboard(opts: DashboardOptions = {}): Promise<Dashboard> {
  ensureBuilt();
  const server = await startTestServer(opts.config ?? {});
  try {
    return await withData(server, opts);
  } catch (e) {
    // A failed start must not leave the store open: the test process would never exit.
    await server.close();
    throw e;
  }
}

async function withData(server: TestServer, opts: DashboardOptions): Promise<Dashboard> {
  const now = new Date();
  for (const batch of generateDemo({
    events: opts.events ?? 12_000,
    days: opts.days ?? 30,
    bots: opts.bots ?? 2,
    teams: 1,
    seed: 11,
    batchSize: 5_000,
    now,
  })) {
    await server.services.ingest.ingest({ teamId: TEAM }, batch);
  }
  await server.services.ingest.ingest({ teamId: OTHER_TEAM }, [
    {
      id: 'other-1',
      team_id: OTHER_TEAM,
      bot_id: OTHER_BOT,
      version: 'LIVE',
      type: 'message',
      direction: 'user',
      user_id: 'u-other',
      timestamp: new Date(now.getTime() - 3_600_000).toISOString(),
      kind: 'text',
      intent: 'greeting',
    },
  ]);
  const token = await server.token(TEAM);
  const bots = await server.services.bots.botsOfTeam(TEAM);
  const browser = await launchChromium();
  const apiFetch = (pathname: string, init: RequestInit = {}) =>
    fetch(`${server.url}${pathname}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string> | undefined) },
    });
  return {
    server,
    browser,
    token,
    bots: [...bots].sort(),
    fetch: apiFetch,
    async api<T>(pathname: string, query: Record<string, string | undefined> = {}) {
      const qs = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined));
      const res = await apiFetch(`${pathname}${qs.size ? `?${qs}` : ''}`);
      if (!res.ok) throw new Error(`${pathname}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    async open(pathname, o = {}) {
      // bypassCSP: axe-core is injected as an inline script, which the page's CSP forbids.
      const context = await browser.newContext({
        bypassCSP: true,
        acceptDownloads: true,
        timezoneId: o.timezoneId ?? 'UTC',
        viewport: { width: 1280, height: 900 },
      });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      const t = o.token === undefined ? token : o.token;
      await page.goto(`${server.url}${pathname}${t ? `#token=${t}` : ''}`);
      return { page, context, errors, close: () => context.close() };
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** Waits until the panel has loaded (ready, empty or error) and returns its state. */
export async function panelState(page: Page, id: string, timeout = 20_000): Promise<string> {
  const sel = `[data-panel="${id}"]:not([data-state="loading"])`;
  await page.waitForSelector(sel, { timeout, state: 'attached' });
  return (await page.getAttribute(`[data-panel="${id}"]`, 'data-state')) ?? '';
}

/** The numbers behind a chart or table, as the page shows them in its data table. */
export async function tableOf(page: Page, id: string): Promise<{ columns: string[]; rows: string[][] }> {
  return page.$eval(`table[data-table="${id}"]`, (t) => ({
    columns: [...t.querySelectorAll('thead th')].map((th) => th.textContent ?? ''),
    rows: [...t.querySelectorAll('tbody tr')].map((tr) =>
      [...tr.querySelectorAll('td')].map((td) => td.textContent ?? ''),
    ),
  }));
}

/** Clicks a panel's "Download CSV" and returns the file's text. */
export async function downloadCsv(page: Page, id: string): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(`[data-panel="${id}"] button.csv`)]);
  const file = await download.path();
  return fs.readFileSync(file, 'utf8');
}

/** RFC 4180 CSV → rows, strictly (a lenient reader would hide a server that forgets to quote). */
export { parseCsvStrict as parseCsv } from '../helpers/csv.ts';

const require = createRequire(import.meta.url);
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core over the whole page: the serious and critical violations (WCAG 2.1 A/AA). */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run: (ctx: Document, o: unknown) => Promise<{ violations: unknown[] }> } }
    ).axe;
    const r = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return r.violations as AxeViolation[];
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
