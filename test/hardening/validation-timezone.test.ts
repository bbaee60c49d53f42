import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { parseTimezone, restrictToEngineZones } from '../../src/analytics/time-range.ts';
import { ServiceError } from '../../src/errors.ts';
import { message } from '../foundation/fixtures.ts';
import { api, ingest, repoRoot, startTestServer, type TestServer } from '../helpers/server.ts';

// Issue 9 F1: `timezone` names that luxon (Intl) accepts but the engine does not know
// under that exact spelling passed the check, then the query failed with a 500.
const REPORTED = ['america/new_york', 'EUROPE/PARIS', 'UtC', 'US/Pacific-New'];

const engineListed = fs
  .readFileSync(`${repoRoot}/src/analytics/engine-time-zones.txt`, 'utf8')
  .split('\n')
  .filter((l) => l !== '' && !l.startsWith('#'));

/** Every spelling a client might try: Intl's names, the engine's, case variants, aliases, offsets. */
function candidates(): string[] {
  const base = [...Intl.supportedValuesOf('timeZone'), ...engineListed];
  const spellings = base.flatMap((z) => [z, z.toLowerCase(), z.toUpperCase()]);
  const extra = ['utc', 'Etc/UTC', 'GMT', 'Etc/GMT+5', 'Etc/GMT-14', 'UTC+1', 'UTC+01:00', '+01:00', 'Z'];
  const odd = ['Factory', 'EST5EDT', 'Asia/Calcutta', 'Europe/Kiev', 'America/Coyhaique', 'Local', 'System'];
  return [...new Set([...spellings, ...extra, ...odd, ...REPORTED])];
}

function accepts(tz: string): string | undefined {
  try {
    return parseTimezone({ timezone: tz });
  } catch (e) {
    assert.ok(e instanceof ServiceError && e.code === 3, `${tz}: ${String(e)}`);
    assert.match(e.message, /timezone/);
    return undefined;
  }
}

describe('timezone names', () => {
  let srv: TestServer;
  let token: string;
  const team = 'team-tz';
  const bot = 'bot-tz';

  before(async () => {
    srv = await startTestServer({ queryTimeoutSeconds: 180 });
    token = await srv.token(team);
    assert.equal((await ingest(srv.url, token, [message({ team, bot })])).status, 200);
  });
  after(async () => {
    await srv?.close();
  });

  test('every name the parser accepts works in the engine (one query over all of them)', async () => {
    const accepted = [...new Set(candidates().flatMap((tz) => accepts(tz) ?? []))];
    assert.ok(accepted.length > 400, `only ${accepted.length} names accepted`);
    for (const tz of REPORTED) assert.equal(accepts(tz), undefined, `${tz} must be refused`);
    // "Known to the engine" is exactly its system.time_zones list (case-sensitive).
    const known = await srv.services.ch.query({
      query: 'SELECT time_zone FROM system.time_zones WHERE has({zones:Array(String)}, time_zone)',
      query_params: { zones: accepted },
      format: 'JSONEachRow',
    });
    const listed = new Set((await known.json<{ time_zone: string }>()).map((r) => r.time_zone));
    assert.deepEqual(
      accepted.filter((tz) => !listed.has(tz)),
      [],
      'accepted names the engine does not list',
    );
    // The expressions the bucket SQL uses (src/analytics/sql.ts), all zones in one SELECT.
    // Zones go in as quoted literals (a time-zone argument must be a constant). The engine
    // builds a date table per zone on first use (~50 ms each here), hence the long timeout.
    const lit = (tz: string) => `'${tz.replace(/[\\']/g, (c) => `\\${c}`)}'`;
    const cols = accepted.map((tz, i) => {
      const z = lit(tz);
      return `toUnixTimestamp(toStartOfHour(now(), ${z})) + toUnixTimestamp(toStartOfDay(now(), ${z}))
        + toUnixTimestamp(toDateTime(toMonday(now(), ${z}), ${z}))
        + toUnixTimestamp(toDateTime(toStartOfMonth(now(), ${z}), ${z})) AS c${i}`;
    });
    const res = await srv.services.ch.query({ query: `SELECT ${cols.join(',\n')}`, format: 'JSONEachRow' });
    const [row] = await res.json<Record<string, number>>();
    assert.equal(Object.keys(row ?? {}).length, accepted.length);
  });

  test('the reported names answer 400 {code: 3} naming timezone, a real zone answers 200', async () => {
    const range = 'version=LIVE&start_time=2026-11-06T00:00:00Z&end_time=2026-12-03T00:00:00Z&bucket=1d';
    for (const tz of REPORTED) {
      const res = await api(
        `${srv.url}/v1/bots/${bot}/conversations?${range}&timezone=${encodeURIComponent(tz)}`,
        token,
      );
      assert.equal(res.status, 400, `${tz}: ${JSON.stringify(res.body)}`);
      assert.equal((res.body as { code: number }).code, 3);
      assert.match((res.body as { message: string }).message, /timezone/);
    }
    for (const tz of ['America/New_York', 'Europe/Paris', 'UTC', 'Etc/UTC']) {
      const res = await api(
        `${srv.url}/v1/bots/${bot}/conversations?${range}&timezone=${encodeURIComponent(tz)}`,
        token,
      );
      assert.equal(res.status, 200, `${tz}: ${JSON.stringify(res.body)}`);
    }
  });
});

// A ClickHouse server of another version may lack a zone of the checked-in list; at start the
// accepted set is narrowed to what the connected engine reports, so such a zone is a 400.
test('a listed zone the engine does not report is refused after restrictToEngineZones', () => {
  assert.equal(parseTimezone({ timezone: 'Europe/Paris' }), 'Europe/Paris');
  try {
    const missing = restrictToEngineZones(engineListed.filter((z) => z !== 'Europe/Paris'));
    assert.deepEqual(missing, ['Europe/Paris']);
    assert.throws(
      () => parseTimezone({ timezone: 'Europe/Paris' }),
      (e: unknown) => e instanceof ServiceError && e.code === 3 && /timezone/.test(e.message),
    );
    assert.equal(parseTimezone({ timezone: 'Europe/Brussels' }), 'Europe/Brussels');
  } finally {
    restrictToEngineZones(engineListed);
  }
  assert.equal(parseTimezone({ timezone: 'Europe/Paris' }), 'Europe/Paris');
});
