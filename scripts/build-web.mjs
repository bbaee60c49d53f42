#!/usr/bin/env node
// Builds the dashboard (web/ → web/dist) with Vite. `--if-stale` skips the build when
// web/dist is newer than every source, so `npm start` and `npm test` stay fast after
// `npm ci` has built it once. The output is never committed (.gitignore).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const web = path.join(root, 'web');
const stamp = path.join(web, 'dist', '.build-stamp');

function newestSource(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

const ifStale = process.argv.includes('--if-stale');
if (ifStale && fs.existsSync(stamp)) {
  const inputs = Math.max(newestSource(web), fs.statSync(path.join(root, 'package-lock.json')).mtimeMs);
  if (fs.statSync(stamp).mtimeMs >= inputs) process.exit(0);
}

let build;
try {
  ({ build } = await import('vite'));
} catch {
  console.error('build-web: Vite is not installed (run `npm ci` without --omit=dev to build the dashboard)');
  process.exit(ifStale ? 0 : 1);
}
const t0 = Date.now();
await build({ root: web, logLevel: 'warn', configFile: path.join(web, 'vite.config.ts') });
// Pre-compressed siblings: the server sends them to browsers that accept them
// (@fastify/static `preCompressed`), so no CPU is spent compressing per request.
const assets = path.join(web, 'dist', 'assets');
for (const name of fs.readdirSync(assets)) {
  if (!/\.(js|css|svg)$/.test(name)) continue;
  const body = fs.readFileSync(path.join(assets, name));
  fs.writeFileSync(path.join(assets, `${name}.gz`), zlib.gzipSync(body, { level: 9 }));
  fs.writeFileSync(
    path.join(assets, `${name}.br`),
    zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }),
  );
}
fs.writeFileSync(stamp, `${new Date().toISOString()}\n`);
console.log(`dashboard built into web/dist in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
