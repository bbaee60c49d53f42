/**
 * The ingest load generator of `npm run bench:ingest`: a pool of demo traffic (client ids,
 * ~1000-event NDJSON batches) serialized before timing, re-tagged per pass so a repeated body
 * is new events, posted by closed-loop clients (each waits for its answer). With several
 * servers, client k talks to server k mod N, as behind a load balancer with fixed backends.
 */
import { Agent, request } from 'undici';
import { demoTeamIds, generateDemo } from '../src/demo/generate.ts';
import { quantile } from './report.ts';

export const BATCH = 1000;

export interface Pool {
  teamId: string;
  /** Mean NDJSON bytes per event. */
  meanBytes: number;
  /** The next body (each one new events); `n` its event count. */
  next(): { body: string; n: number };
}

/** Demo events with client ids, pre-serialized; each pass over the pool re-tags the ids. */
export function makePool(events: number, runTag: string): Pool {
  const demo = { events, days: 30, bots: 4, teams: 1, withIds: true, batchSize: BATCH, seed: 7 };
  const teamId = demoTeamIds(demo)[0] as string;
  const bodies: string[] = [];
  const sizes: number[] = [];
  for (const b of generateDemo(demo)) {
    bodies.push(b.map((e) => JSON.stringify(e)).join('\n'));
    sizes.push(b.length);
  }
  const idPrefix = /"id":"([^"]*-)[0-9a-z]+"/.exec(bodies[0] ?? '')?.[1] ?? '';
  if (!idPrefix) throw new Error('demo events carry no id');
  const meanBytes = bodies.reduce((s, b) => s + Buffer.byteLength(b), 0) / events;
  let cursor = 0;
  return {
    teamId,
    meanBytes,
    next: () => {
      const i = cursor++;
      const pass = Math.floor(i / bodies.length);
      const raw = bodies[i % bodies.length] as string;
      // The run tag keeps ids unique across the configurations of one benchmark run too.
      return { body: raw.replaceAll(idPrefix, `${idPrefix}${runTag}p${pass}-`), n: sizes[i % sizes.length] ?? 0 };
    },
  };
}

export interface RunResult {
  eventsPerSec: number;
  events: number;
  requests: number;
  p50: number;
  p99: number;
  seconds: number;
}

export class LoadGenerator {
  private readonly agent: Agent;

  constructor(
    private readonly origins: string[],
    private readonly token: string,
    private readonly pool: Pool,
    maxClients: number,
  ) {
    this.agent = new Agent({ connections: maxClients, pipelining: 1, keepAliveTimeout: 60_000 });
  }

  private async post(origin: string, body: string): Promise<void> {
    const res = await request(`${origin}/v1/ingest`, {
      method: 'POST',
      dispatcher: this.agent,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/x-ndjson' },
      body,
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`ingest answered ${res.statusCode}: ${text.slice(0, 300)}`);
  }

  /** A few requests per server: claims the bots, JITs the hot paths. */
  async warmUp(): Promise<void> {
    for (const origin of this.origins) for (let i = 0; i < 2; i++) await this.post(origin, this.pool.next().body);
  }

  /** `clients` closed-loop clients for `seconds`. */
  async run(clients: number, seconds: number): Promise<RunResult> {
    const latencies: number[] = [];
    let events = 0;
    const start = performance.now();
    const deadline = start + seconds * 1000;
    await Promise.all(
      Array.from({ length: clients }, async (_, k) => {
        const origin = this.origins[k % this.origins.length] as string;
        while (performance.now() < deadline) {
          const { body, n } = this.pool.next();
          const t0 = performance.now();
          await this.post(origin, body);
          latencies.push(performance.now() - t0);
          events += n;
        }
      }),
    );
    const elapsed = (performance.now() - start) / 1000;
    return {
      eventsPerSec: events / elapsed,
      events,
      requests: latencies.length,
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      seconds: elapsed,
    };
  }

  /** Posts until `total` events were acknowledged, calling `at` after each `every` events. */
  async until(
    clients: number,
    total: number,
    every: number,
    at: (events: number, elapsedSec: number) => Promise<void>,
  ): Promise<void> {
    let events = 0;
    let nextMark = every;
    const start = performance.now();
    let marking: Promise<void> = Promise.resolve();
    await Promise.all(
      Array.from({ length: clients }, async (_, k) => {
        const origin = this.origins[k % this.origins.length] as string;
        while (events < total) {
          const { body, n } = this.pool.next();
          await this.post(origin, body);
          events += n;
          if (events >= nextMark) {
            const mark = nextMark;
            nextMark += every;
            marking = marking.then(() => at(mark, (performance.now() - start) / 1000));
          }
        }
      }),
    );
    await marking;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
