/**
 * Property test over the served OpenAPI document (issue 9, "Tests that must exist"):
 * for every operation, requests where one parameter, body field or the body itself is
 * bad (wrong type, empty, huge, negative/overflowing numbers, NaN/Infinity, bad enums and
 * dates, control chars, unicode incl. lone surrogates and invalid UTF-8, deep nesting,
 * arrays for scalars, repeated parameters, unknown fields) and everything else valid.
 * Every answer must be a 4xx with the envelope {code, message, details} (or the 2xx the
 * contract allows for coerced/ignored values, matching the response schema), never a
 * 5xx, within 5 s, and must leave both stores exactly as they were.
 *
 * FUZZ_RUNS (cases per parameter/field/body of each operation, default 5), FUZZ_SEED,
 * FUZZ_PG=1 (control store on the local PostgreSQL, a fresh schema, instead of SQLite), and while developing
 * FUZZ_OPS / FUZZ_FIELDS (regexes on operationId / parameter or field name).
 * All problems of an operation are collected and reported together (no shrinking:
 * each case is already one bad value on a valid request).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { loadApiDocument, type OpenApiDocument } from '../../src/api/openapi.ts';
import { freshSchema } from '../foundation/postgres.ts';
import { type FuzzCase, operationTargets, validRequest } from '../helpers/fuzz-cases.ts';
import { fuzzOperations } from '../helpers/fuzz-doc.ts';
import { judge, send } from '../helpers/fuzz-http.ts';
import { type SeededTeam, seedTeam } from '../helpers/fuzz-seed.ts';
import { diffSnapshots, snapshotStores } from '../helpers/fuzz-store.ts';
import { api, startTestServer, type TestServer } from '../helpers/server.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 5);
const SEED = Number(process.env.FUZZ_SEED ?? 9_2026);
const ONLY_OPS = process.env.FUZZ_OPS ? new RegExp(process.env.FUZZ_OPS) : undefined;
const ONLY_FIELDS = process.env.FUZZ_FIELDS ? new RegExp(process.env.FUZZ_FIELDS) : undefined;

let srv: TestServer;
let seed: SeededTeam;
let doc: OpenApiDocument;
let dropSchema = async () => {};

before(async () => {
  // PostgreSQL refuses text SQLite takes (NUL characters): worth a run of its own.
  const pg = process.env.FUZZ_PG === '1' ? await freshSchema() : undefined;
  if (pg) dropSchema = pg.drop;
  // Handshake off: challenges to the seeded (closed-port) target would change the control
  // store on a clock, in the middle of "nothing stored changed" comparisons.
  srv = await startTestServer({
    webhookAllowPrivateTargets: true,
    webhookVerifyTargets: false,
    ...(pg ? { databaseUrl: pg.url } : {}),
  });
  seed = await seedTeam(srv, 'fuzz-team', 'fuzz-bot');
  // The document as served, so the fuzz covers exactly what clients see.
  const res = await api(`${srv.url}/openapi.json`, undefined);
  assert.equal(res.status, 200);
  doc = res.body as OpenApiDocument;
});
after(async () => {
  await srv?.close();
  await dropSchema();
});

/** A fresh subscription of the seeded bot, for DELETE cases that may succeed. */
async function freshSubscription(): Promise<string> {
  const res = await api(`${srv.url}/v1/bots/${seed.bot}/subscriptions`, seed.token, {
    method: 'POST',
    body: JSON.stringify({ target: 'http://127.0.0.1:9/hook', event_type: 'FLOW_EVENT', version: 'v1' }),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return (res.body as { subscription: { id: string } }).subscription.id;
}

async function runCase(operationId: string, c: FuzzCase): Promise<string[]> {
  const req = { ...c.request };
  // A DELETE that may succeed would remove the seeded subscription for every later case.
  if (req.method === 'DELETE' && c.expect !== 'reject') {
    req.url = req.url.replace(seed.subscriptionId, await freshSubscription());
  }
  const beforeSnap = await snapshotStores(srv.services);
  const answer = await send(srv.url, seed.token, req);
  const problems = judge(operationId, c.expect, answer);
  const ok = answer.status >= 200 && answer.status < 300;
  // Reads never write; a refused write writes nothing (CONTRACT §3).
  if (!ok || req.method === 'GET') {
    const changed = diffSnapshots(beforeSnap, await snapshotStores(srv.services));
    if (changed.length > 0) problems.push(`stored data changed (status ${answer.status}): ${changed.join('; ')}`);
  }
  return problems;
}

describe('fuzz every operation of the served document', () => {
  test('the document lists operations to fuzz', () => {
    const ops = fuzzOperations(doc);
    assert.ok(ops.length >= 20, `only ${ops.length} operations`);
  });

  // node:test needs the test names up front: they come from the document file; the cases
  // themselves use the copy served at /openapi.json.
  for (const op of fuzzOperations(loadApiDocument())) {
    if (ONLY_OPS && !ONLY_OPS.test(op.operationId)) continue;
    test(`${op.operationId} (${op.method} ${op.path})`, async () => {
      // Re-read from the served document: that is what is being fuzzed.
      const served = fuzzOperations(doc).find((o) => o.operationId === op.operationId);
      assert.ok(served, `${op.operationId} is not in the served document`);
      // The fuzz starts from a request the service accepts, else every case would be a trivial 4xx.
      const baseline = validRequest(served, seed);
      if (baseline.method === 'DELETE')
        baseline.url = baseline.url.replace(seed.subscriptionId, await freshSubscription());
      const ok = await send(srv.url, seed.token, baseline);
      assert.ok(
        ok.status >= 200 && ok.status < 300,
        `valid request ${baseline.url} → ${ok.status} ${ok.text.slice(0, 300)}`,
      );

      // Every parameter, body field and the body itself get RUNS cases each.
      const cases = operationTargets(served, seed, ONLY_FIELDS).flatMap((t, i) =>
        fc.sample(t.cases, { numRuns: RUNS, seed: SEED + i }),
      );
      const found = new Map<string, string>();
      for (const c of cases) {
        for (const problem of await runCase(op.operationId, c)) {
          // Keyed without the answer's ids, so one defect is listed once per field and value.
          const key = `${c.target} [${c.label}] ${problem.replace(/\d+ ms/, 'N ms').slice(0, 70)}`;
          if (!found.has(key))
            found.set(
              key,
              `${c.target} [${c.label}] ${problem.slice(0, 240)}\n    ${c.request.method} ${c.request.url.slice(0, 200)}`,
            );
        }
      }
      const report = [...found.values()].map((shown) => `- ${shown}`).join('\n');
      assert.equal(found.size, 0, `${found.size} distinct problems in ${cases.length} cases:\n${report}`);
    });
  }
});
