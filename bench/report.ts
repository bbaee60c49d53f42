/**
 * What every benchmark's report shares: the machine it ran on, medians and quantiles, and
 * writing one `## ` section of docs/benchmarks.md.
 */
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

export const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? 0;
};

export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** The machine, as each section of docs/benchmarks.md states it. */
export function machine(chdbEngine?: string): string[] {
  const cpu = fs
    .readFileSync('/proc/cpuinfo', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('model name'))
    ?.split(':')[1]
    ?.trim();
  const chdbPkg = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'chdb', 'package.json'), 'utf8')) as {
    version: string;
  };
  return [
    `CPU: ${cpu ?? 'unknown'}, nproc ${execSync('nproc').toString().trim()}`,
    `Memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `Node ${process.version}, chdb (npm) ${chdbPkg.version}, engine ${chdbEngine ?? 'n/a'}`,
    `Load average at start: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (the machine is shared; other work runs beside the benchmark)`,
  ];
}

/** Replaces (or appends) one `## ` section of the benchmarks document. */
export function writeSection(file: string, heading: string, section: string): void {
  const intro =
    '# Benchmarks\n\nMeasurements of this repository on the machine described in each section. Every number comes from a script under `bench/`, run as `npm run bench:<name>`; re-run it to refresh its section.\n\n';
  const doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : intro;
  const start = doc.indexOf(`${heading}\n`);
  let next = start < 0 ? -1 : doc.indexOf('\n## ', start + heading.length);
  if (next >= 0) next += 1;
  const updated =
    start < 0
      ? `${doc.trimEnd()}\n\n${section}`
      : `${doc.slice(0, start)}${section}${next >= 0 ? `\n${doc.slice(next)}` : ''}`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${updated.trimEnd()}\n`);
  // The repository's formatter owns Markdown tables too; keep `biome ci` clean after a run.
  try {
    execSync(`npx biome format --write ${JSON.stringify(file)}`, { cwd: root, stdio: 'ignore' });
  } catch {
    // formatting is cosmetic
  }
}
