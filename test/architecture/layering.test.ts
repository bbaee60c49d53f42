import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

// Parse at the edge (DESIGN.md "House style"): the domain layers take typed inputs and
// throw src/errors.ts errors; only src/api knows about HTTP, query strings and statuses.
const ROOT = path.resolve(import.meta.dirname, '..', '..', 'src');
const DOMAIN = ['analytics', 'ingest', 'webhooks', 'store'];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Every module specifier a file imports or re-exports (static and dynamic). */
function specifiers(text: string): string[] {
  const out: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1] as string);
  return out;
}

test('no module under src/{analytics,ingest,webhooks,store} imports from src/api', () => {
  const api = path.join(ROOT, 'api');
  const offenders: string[] = [];
  let checked = 0;
  for (const layer of DOMAIN) {
    for (const file of sourceFiles(path.join(ROOT, layer))) {
      checked++;
      for (const spec of specifiers(fs.readFileSync(file, 'utf8'))) {
        if (!spec.startsWith('.')) continue;
        const target = path.resolve(path.dirname(file), spec);
        if (target === api || target.startsWith(api + path.sep))
          offenders.push(`${path.relative(ROOT, file)} → ${spec}`);
      }
    }
  }
  assert.ok(checked > 40, `expected to scan the domain modules, scanned ${checked}`);
  assert.deepEqual(offenders, []);
});

test('the import scanner sees static, type-only and dynamic imports', () => {
  const text = `import { a } from '../api/errors.ts';\nimport type { B } from "../api/x.ts";\nexport { c } from '../api/y.ts';\nconst d = await import('../api/z.ts');`;
  assert.deepEqual(specifiers(text), ['../api/errors.ts', '../api/x.ts', '../api/y.ts', '../api/z.ts']);
});
