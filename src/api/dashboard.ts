import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where `npm run build:web` (run by `npm ci` and `npm start`) writes the dashboard. */
export const DASHBOARD_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'dist');

/** The dashboard's pages: each answers index.html, the page itself is drawn by the script. */
export const DASHBOARD_PAGES = ['/', '/overview', '/intents', '/flows', '/events', '/usage', '/webhooks'] as const;

// The dashboard talks to this origin only; ECharts sets inline styles, images are data: URLs.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Chatlayer Analytics</title></head>
<body><main><h1>The dashboard is not built</h1><p>Run <code>npm run build:web</code> (or <code>npm ci</code>), then reload.
The API is served as usual: see <a href="/docs">/docs</a>.</p></main></body></html>`;

/**
 * Serves the dashboard (web/dist, built by Vite) at `/`: hashed assets cached for a year,
 * the pages never cached so a new build is picked up at once. Without a build the pages
 * say how to make one; the API is unaffected.
 */
export async function registerDashboard(app: FastifyInstance): Promise<void> {
  const indexFile = path.join(DASHBOARD_DIR, 'index.html');
  // Checked once: the assets are registered only when built, so the pages follow the same answer
  // (a build made while the server runs is served after a restart; npm start builds first).
  const built = fs.existsSync(indexFile);
  if (built) {
    await app.register(fastifyStatic, {
      root: path.join(DASHBOARD_DIR, 'assets'),
      prefix: '/assets/',
      index: false,
      wildcard: true,
      immutable: true,
      // scripts/build-web.mjs writes .br and .gz beside each asset.
      preCompressed: true,
      maxAge: '365d',
      schemaHide: true,
    });
  }
  for (const url of DASHBOARD_PAGES) {
    app.get(url, { schema: { hide: true } }, async (_req, reply) => {
      void reply
        .header('cache-control', 'no-cache')
        .header('content-security-policy', CSP)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer');
      if (!built) return reply.status(503).type('text/html; charset=utf-8').send(NOT_BUILT);
      return reply.type('text/html; charset=utf-8').send(fs.createReadStream(indexFile));
    });
  }
}
