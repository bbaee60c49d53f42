/**
 * Client for a running server's `POST /v1/ingest` (CONTRACT §1): posts batches of events as NDJSON
 * with a few requests in flight, retrying what the server may succeed at later.
 *
 * Retries resend the same body. The server stores a request all-or-nothing, so after a 429 or 5xx
 * nothing was stored; only a network error after the body was sent is ambiguous, and events with
 * an `id` are then deduplicated by the server (counted in `duplicates`).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

export interface IngestClientOptions {
  baseUrl: string;
  token: string;
  /** Requests in flight (default 4). */
  concurrency?: number;
  /** Called after each acknowledged request with running totals. */
  onProgress?: (sent: number, accepted: number, duplicates: number) => void;
  /** Attempts per request before giving up (default 6). */
  maxAttempts?: number;
  /** First backoff delay, doubled per attempt up to `maxDelayMs` (defaults 500 ms and 30 s). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Time limit of one attempt (default 120 s); a timeout is retried like a network error. */
  timeoutMs?: number;
}

export interface IngestTotals {
  /** Events acknowledged by the server (accepted + duplicates). */
  sent: number;
  accepted: number;
  duplicates: number;
}

/** Server limits per request (CONTRACT §1); larger batches are split. */
export const MAX_EVENTS_PER_REQUEST = 50_000;
export const MAX_BYTES_PER_REQUEST = 10 * 1024 * 1024;
/** A Retry-After longer than this is not waited for in full: the next attempt will say again. */
const MAX_RETRY_AFTER_MS = 5 * 60_000;

/** A request the server refused for good, or that kept failing; `status` and `body` say why. */
export class IngestError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'IngestError';
  }
}

interface RequestBody {
  text: string;
  count: number;
}

type Attempt = { ok: true; accepted: number; duplicates: number } | { ok: false; reason: string; waitMs?: number };

export async function postBatches(
  batches: AsyncIterable<object[]> | Iterable<object[]>,
  opts: IngestClientOptions,
): Promise<IngestTotals> {
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? 4));
  const url = `${opts.baseUrl.replace(/\/+$/, '')}/v1/ingest`;
  const totals: IngestTotals = { sent: 0, accepted: 0, duplicates: 0 };
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;

  // Bodies are built only when a slot is free, so a lazy source (the demo generator, a file) is
  // read no faster than the server takes it.
  try {
    outer: for await (const batch of batches) {
      for (const body of requestBodies(batch)) {
        if (inFlight.size >= concurrency) await Promise.race(inFlight);
        if (failure) break outer;
        const request: Promise<void> = postWithRetry(url, body, opts)
          .then((ack) => {
            totals.sent += body.count;
            totals.accepted += ack.accepted;
            totals.duplicates += ack.duplicates;
            opts.onProgress?.(totals.sent, totals.accepted, totals.duplicates);
          })
          .catch((error: unknown) => {
            failure ??= { error };
          })
          .finally(() => inFlight.delete(request));
        inFlight.add(request);
      }
    }
  } finally {
    // Also when the source throws: no request is left running unobserved.
    await Promise.all(inFlight);
  }
  if (failure) throw failure.error;
  return totals;
}

/** Splits a batch into NDJSON bodies within the server's count and size limits. */
function* requestBodies(batch: object[]): Generator<RequestBody> {
  let lines: string[] = [];
  let bytes = 0;
  for (const event of batch) {
    const line = JSON.stringify(event);
    const size = Buffer.byteLength(line) + 1; // with its newline
    if (size >= MAX_BYTES_PER_REQUEST)
      throw new IngestError(`an event of ${size} bytes exceeds the 10 MiB request limit`);
    if (lines.length > 0 && (lines.length >= MAX_EVENTS_PER_REQUEST || bytes + size >= MAX_BYTES_PER_REQUEST)) {
      yield toBody(lines);
      lines = [];
      bytes = 0;
    }
    lines.push(line);
    bytes += size;
  }
  if (lines.length > 0) yield toBody(lines);
}

function toBody(lines: string[]): RequestBody {
  return { text: `${lines.join('\n')}\n`, count: lines.length };
}

async function postWithRetry(url: string, body: RequestBody, opts: IngestClientOptions) {
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 6);
  for (let attempt = 1; ; attempt++) {
    const result = await attemptOnce(url, body, opts);
    if (result.ok) return result;
    if (attempt >= maxAttempts) throw new IngestError(`ingest failed after ${attempt} attempts: ${result.reason}`);
    await sleep(result.waitMs ?? backoff(attempt, opts));
  }
}

/** One POST: an ack, a retryable failure, or a thrown IngestError for a refusal that will not change. */
async function attemptOnce(url: string, body: RequestBody, opts: IngestClientOptions): Promise<Attempt> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-ndjson',
        accept: 'application/json',
        authorization: `Bearer ${opts.token}`,
      },
      body: body.text,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 120_000),
    });
    text = await response.text();
  } catch (error) {
    return { ok: false, reason: networkReason(error) };
  }
  const parsed = parseJson(text);
  if (response.ok) {
    const ack = parsed as { accepted?: unknown; duplicates?: unknown } | undefined;
    if (typeof ack?.accepted !== 'number' || typeof ack.duplicates !== 'number') {
      throw new IngestError(
        `unexpected ingest answer (HTTP ${response.status}): ${clip(text)}`,
        response.status,
        parsed,
      );
    }
    return { ok: true, accepted: ack.accepted, duplicates: ack.duplicates };
  }
  if (response.status === 429 || response.status >= 500) {
    const waitMs = retryAfterMs(response.headers.get('retry-after'));
    return { ok: false, reason: `HTTP ${response.status}: ${clip(text)}`, ...(waitMs === undefined ? {} : { waitMs }) };
  }
  throw new IngestError(`ingest refused with HTTP ${response.status}: ${clip(text)}`, response.status, parsed ?? text);
}

/** Exponential backoff with "equal jitter": at least half the delay, so retries never bunch at zero. */
function backoff(attempt: number, opts: IngestClientOptions): number {
  const delay = Math.min(opts.maxDelayMs ?? 30_000, (opts.baseDelayMs ?? 500) * 2 ** (attempt - 1));
  return delay / 2 + (Math.random() * delay) / 2;
}

/** `Retry-After` as seconds or an HTTP date. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  if (Number.isNaN(ms)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

function networkReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause =
    error.cause instanceof Error ? `: ${(error.cause as NodeJS.ErrnoException).code ?? error.cause.message}` : '';
  return `${error.name}: ${error.message}${cause}`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function clip(text: string, max = 4000): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * Streams an NDJSON file as batches of objects; blank lines are skipped, anything else that is not
 * a JSON object throws an Error naming the line.
 */
export async function* readNdjsonFile(path: string, batchSize: number): AsyncGenerator<object[]> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
  const input = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let batch: object[] = [];
  let lineNo = 0;
  try {
    for await (const raw of lines) {
      lineNo++;
      const line = lineNo === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        throw new Error(`${path}: line ${lineNo}: malformed JSON (${(error as Error).message})`);
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new Error(`${path}: line ${lineNo}: expected a JSON object`);
      }
      batch.push(value);
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
  } finally {
    lines.close();
    input.destroy();
  }
  if (batch.length > 0) yield batch;
}
