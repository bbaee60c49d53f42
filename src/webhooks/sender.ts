import { Agent, request } from 'undici';
import { guardedLookup, literalRefused, TargetRefused } from './address-guard.ts';
import { signatureHeaders } from './signing.ts';

export const DELIVERY_TIMEOUT_MS = 15_000;
/** Bytes of an answer kept when the body matters (a challenge echo); the rest is dropped. */
const ANSWER_LIMIT = 64 * 1024;

/** `X-Message-Type` of every webhook request (CONTRACT-LIVE-API §7). */
export type MessageType = 'notification' | 'webhook_callback_verification' | 'revocation';

export interface SendResult {
  ok: boolean;
  statusCode: number;
  error: string;
  /** Seconds from a Retry-After header, when the receiver sent one. */
  retryAfterSec: number | undefined;
  durationMs: number;
  /** The answer's text (first 64 KiB) when asked for with `readAnswer`, else ''. */
  answer: string;
}

/** Reads at most ANSWER_LIMIT bytes of a body, then drops the rest. */
async function readBounded(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    parts.push(chunk);
    size += chunk.length;
    if (size >= ANSWER_LIMIT) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(parts).subarray(0, ANSWER_LIMIT).toString('utf8');
}

function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim());
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - nowMs) / 1000));
}

/**
 * One signed POST per attempt. Redirects are not followed (a 3xx is a failed attempt),
 * so the address guard cannot be side-stepped by a redirect; with private targets
 * disallowed every resolved address is checked at connect time.
 */
export class WebhookSender {
  private readonly agent: Agent;

  constructor(private readonly allowPrivate: boolean) {
    this.agent = new Agent({
      connect: { timeout: DELIVERY_TIMEOUT_MS, ...(allowPrivate ? {} : { lookup: guardedLookup }) },
      headersTimeout: DELIVERY_TIMEOUT_MS,
      bodyTimeout: DELIVERY_TIMEOUT_MS,
      connections: 64,
    });
  }

  async send(
    target: string,
    key: Buffer,
    msgId: string,
    body: string,
    messageType: MessageType,
    readAnswer = false,
  ): Promise<SendResult> {
    const started = Date.now();
    const fail = (statusCode: number, error: string, retryAfterSec?: number): SendResult => ({
      ok: false,
      statusCode,
      error,
      retryAfterSec,
      durationMs: Date.now() - started,
      answer: '',
    });
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return fail(0, 'invalid target URL');
    }
    if (!this.allowPrivate && (url.protocol !== 'https:' || literalRefused(url))) {
      return fail(0, 'target refused by the address guard');
    }
    try {
      const res = await request(url, {
        method: 'POST',
        dispatcher: this.agent,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'chatlayer-analytics-webhooks/1',
          'x-message-type': messageType,
          ...signatureHeaders(key, msgId, Math.floor(started / 1000), body),
        },
        body,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      // Drain (bounded) so the connection returns to the pool; a challenge's answer is read.
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      let answer = '';
      if (ok && readAnswer) answer = await readBounded(res.body).catch(() => '');
      else await res.body.dump({ limit: ANSWER_LIMIT }).catch(() => undefined);
      if (ok) {
        return {
          ok: true,
          statusCode: res.statusCode,
          error: '',
          retryAfterSec: undefined,
          durationMs: Date.now() - started,
          answer,
        };
      }
      const reason = res.statusCode >= 300 && res.statusCode < 400 ? 'redirect not followed' : `HTTP ${res.statusCode}`;
      return fail(res.statusCode, reason, parseRetryAfter(res.headers['retry-after'], Date.now()));
    } catch (e) {
      const err = e as Error & { cause?: unknown; code?: string };
      if (err instanceof TargetRefused || err.cause instanceof TargetRefused) {
        return fail(
          0,
          `target refused by the address guard: ${(err.cause as Error | undefined)?.message ?? err.message}`,
        );
      }
      if (err.name === 'TimeoutError' || err.name === 'AbortError' || err.code === 'UND_ERR_HEADERS_TIMEOUT') {
        return fail(0, `timed out after ${DELIVERY_TIMEOUT_MS / 1000} s`);
      }
      return fail(0, err.code ? `${err.code}: ${err.message}` : err.message);
    }
  }

  async close(): Promise<void> {
    await this.agent.destroy();
  }
}
