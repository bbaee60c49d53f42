import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mapError } from '../../src/api/error-mapping.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// A query past the time limit answers 504 {code: 4} (issue 3). The error comes from the
// real engine: the server's client runs with max_execution_time = queryTimeoutSeconds.
let srv: TestServer;

before(async () => {
  srv = await startTestServer({ queryTimeoutSeconds: 1 });
});
after(async () => srv.close());

test('a real ClickHouse timeout maps to 504 {code: 4}', async () => {
  let caught: unknown;
  try {
    const rs = await srv.services.ch.query({
      query: 'SELECT sum(cityHash64(number)) AS s FROM numbers(100000000000)',
      format: 'JSONEachRow',
    });
    await rs.json();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught, 'the slow query should have been stopped by max_execution_time');
  const mapped = mapError(caught);
  assert.equal(mapped.status, 504, String((caught as Error).message));
  assert.equal(mapped.toBody().code, 4);
});
