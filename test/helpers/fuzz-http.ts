/**
 * Sending fuzz requests exactly as built (already percent-encoded URLs, raw body bytes)
 * and judging the answer against the contract's rules (CONTRACT §3).
 */
import type { Expect } from './fuzz-values.ts';
import { assertMatchesSchema } from './openapi-validate.ts';

export interface RawRequest {
  method: string;
  /** Path + query, already percent-encoded. */
  url: string;
  body?: Buffer | string;
  contentType?: string;
}

export interface RawAnswer {
  status: number;
  text: string;
  ms: number;
  /** Set when no answer came back (timeout, reset). */
  error?: string;
}

export const TIME_LIMIT_MS = 5_000;

export async function send(base: string, token: string, req: RawRequest): Promise<RawAnswer> {
  const started = performance.now();
  try {
    const res = await fetch(`${base}${req.url}`, {
      method: req.method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(req.contentType ? { 'content-type': req.contentType } : {}),
      },
      ...(req.body !== undefined ? { body: typeof req.body === 'string' ? req.body : new Uint8Array(req.body) } : {}),
      signal: AbortSignal.timeout(TIME_LIMIT_MS),
    });
    const text = await res.text();
    return { status: res.status, text, ms: performance.now() - started };
  } catch (e) {
    return { status: 0, text: '', ms: performance.now() - started, error: (e as Error).message };
  }
}

// CONTRACT §3 status → gRPC code (414/431 are ours: 8 or 3, documented by the HTTP-surface change).
const CODE_FOR_STATUS: Record<number, readonly number[]> = {
  400: [3],
  401: [16],
  403: [7],
  404: [5],
  409: [6],
  413: [8],
  414: [3, 8],
  415: [3],
  429: [8],
  431: [3, 8],
};

/** Why the answer breaks the envelope rule, or undefined when it is a proper envelope. */
export function envelopeProblem(a: RawAnswer): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(a.text);
  } catch {
    return `body is not JSON: ${a.text.slice(0, 120)}`;
  }
  const e = body as { code?: unknown; message?: unknown; details?: unknown };
  if (typeof e !== 'object' || e === null) return `body is not an object: ${a.text.slice(0, 120)}`;
  if (typeof e.code !== 'number' || !Number.isInteger(e.code)) return `no numeric code: ${a.text.slice(0, 160)}`;
  if (typeof e.message !== 'string') return `no string message: ${a.text.slice(0, 160)}`;
  if (!Array.isArray(e.details)) return `no details array: ${a.text.slice(0, 160)}`;
  const allowed = CODE_FOR_STATUS[a.status];
  if (allowed && !allowed.includes(e.code)) return `status ${a.status} with code ${e.code}`;
  return undefined;
}

/** Everything wrong with an answer given what the contract allows; empty = fine. */
export function judge(operationId: string, expect: Expect, a: RawAnswer): string[] {
  const problems: string[] = [];
  if (a.error) return [`no answer within ${TIME_LIMIT_MS} ms: ${a.error}`];
  if (a.ms > TIME_LIMIT_MS) problems.push(`answered after ${Math.round(a.ms)} ms`);
  const ok = a.status >= 200 && a.status < 300;
  const clientError = a.status >= 400 && a.status < 500;
  if (!ok && !clientError) problems.push(`status ${a.status} (never 5xx/other): ${a.text.slice(0, 200)}`);
  if (expect === 'reject' && !clientError) problems.push(`expected a 4xx, got ${a.status}: ${a.text.slice(0, 160)}`);
  if (expect === 'accept' && !ok) problems.push(`expected a 2xx, got ${a.status}: ${a.text.slice(0, 160)}`);
  if (!ok) {
    const bad = envelopeProblem(a);
    if (bad) problems.push(`status ${a.status} without the envelope: ${bad}`);
  } else {
    try {
      assertMatchesSchema(operationId, JSON.parse(a.text));
    } catch (e) {
      problems.push(`2xx body: ${(e as Error).message.slice(0, 200)}`);
    }
  }
  return problems;
}
