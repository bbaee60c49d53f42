import { SingleBar } from 'cli-progress';
import { type Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config.ts';
import { generateDemo } from '../demo/generate.ts';

const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
};

interface RemoteOptions {
  url?: string;
  token?: string;
  concurrency: number;
}

// Embedded chDB allows one process per data dir, so data commands always go through
// the running server's HTTP API (and its ingest pipeline) rather than the files.
function remote(opts: RemoteOptions): { baseUrl: string; token: string } {
  const token = opts.token ?? process.env.CHATLAYER_TOKEN;
  if (!token) throw new InvalidArgumentError('a token is required: --token or CHATLAYER_TOKEN');
  return { baseUrl: opts.url ?? `http://localhost:${loadConfig().port}`, token };
}

function progressBar(total: number | undefined, label: string): { update: (n: number) => void; stop: () => void } {
  const bar = new SingleBar({
    format: total ? `${label} [{bar}] {percentage}% | {value}/{total} events` : `${label} {value} events`,
    hideCursor: true,
  });
  bar.start(total ?? 0, 0);
  return { update: (n) => bar.update(n), stop: () => bar.stop() };
}

export function registerDataCommands(program: Command): void {
  program
    .command('demo')
    .description('send realistic demo traffic to a running server through /v1/ingest')
    .option('--url <url>', 'server base URL (default http://localhost:$PORT)')
    .option('--token <token>', 'token with the ingest scope (or CHATLAYER_TOKEN)')
    .option('--events <n>', 'number of events (up to tens of millions)', positiveInt, 200_000)
    .option('--days <n>', 'spread over the last N days', positiveInt, 30)
    .option('--bots <n>', 'number of bots', positiveInt, 3)
    .option('--seed <n>', 'random seed (same seed, same traffic)', positiveInt, 1)
    .option('--concurrency <n>', 'requests in flight', positiveInt, 4)
    .action(async (opts: RemoteOptions & { events: number; days: number; bots: number; seed: number }) => {
      const target = remote(opts);
      // Loaded on use so `serve` and `token` start without the client code.
      const { postBatches } = await import('./http-ingest.ts');
      const bar = progressBar(opts.events, 'demo');
      const res = await postBatches(
        // Ids make a batch resent after a lost answer a counted duplicate, not a second copy.
        generateDemo({
          events: opts.events,
          days: opts.days,
          bots: opts.bots,
          seed: opts.seed,
          batchSize: 5000,
          withIds: true,
        }),
        { ...target, concurrency: opts.concurrency, onProgress: (sent: number) => bar.update(sent) },
      );
      bar.stop();
      process.stderr.write(`accepted ${res.accepted}, duplicates ${res.duplicates}\n`);
    });
  program
    .command('ingest')
    .description('send an NDJSON file of events to a running server, with progress and retries')
    .argument('<file>', 'NDJSON file, one event per line')
    .option('--url <url>', 'server base URL (default http://localhost:$PORT)')
    .option('--token <token>', 'token with the ingest scope (or CHATLAYER_TOKEN)')
    .option('--batch-size <n>', 'events per request (max 50000)', positiveInt, 5000)
    .option('--concurrency <n>', 'requests in flight', positiveInt, 4)
    .action(async (file: string, opts: RemoteOptions & { batchSize: number }) => {
      const target = remote(opts);
      const { postBatches, readNdjsonFile } = await import('./http-ingest.ts');
      const bar = progressBar(undefined, 'ingest');
      const res = await postBatches(readNdjsonFile(file, Math.min(opts.batchSize, 50_000)), {
        ...target,
        concurrency: opts.concurrency,
        onProgress: (sent: number) => bar.update(sent),
      });
      bar.stop();
      process.stderr.write(`sent ${res.sent}: accepted ${res.accepted}, duplicates ${res.duplicates}\n`);
    });
}
