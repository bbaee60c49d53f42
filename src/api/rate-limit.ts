import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ApiError, GrpcCode } from './errors.ts';

/** Ingest and the rest are counted apart: a dashboard polling hard never stops a bot's events. */
export type Budget = 'ingest' | 'api';

export interface RateDecision {
  allowed: boolean;
  /** RateLimit-Policy and RateLimit (draft-ietf-httpapi-ratelimit-headers), plus Retry-After when refused. */
  headers: Record<string, string>;
  retryAfterSeconds: number;
}

/**
 * Per-token budgets in this process's memory (rate-limiter-flexible's fixed windows; a key
 * expires with its window, so memory follows the tokens active right now). With N replicas
 * each enforces its own budget, so a token may reach N times the rate in total.
 */
export class TokenRateLimits {
  private readonly limiter: RateLimiterMemory | undefined;
  readonly quota: number;
  readonly windowSeconds: number;

  constructor(perSecond: number, burst: number) {
    // PER_SECOND × w requests per window of w = BURST / PER_SECOND seconds (whole seconds, as
    // the RateLimit headers count them): the average stays PER_SECOND, and an idle token may
    // spend about BURST at once.
    this.windowSeconds = perSecond > 0 ? Math.max(1, Math.round(burst / perSecond)) : 0;
    this.quota = perSecond * this.windowSeconds;
    this.limiter =
      perSecond > 0 ? new RateLimiterMemory({ points: this.quota, duration: this.windowSeconds }) : undefined;
  }

  get enabled(): boolean {
    return this.limiter !== undefined;
  }

  async consume(tokenId: string, budget: Budget): Promise<RateDecision | undefined> {
    if (!this.limiter) return undefined;
    let res: RateLimiterRes;
    let allowed = true;
    try {
      res = await this.limiter.consume(`${budget}:${tokenId}`);
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) throw e;
      res = e;
      allowed = false;
    }
    const resetSeconds = Math.ceil(res.msBeforeNext / 1000);
    const retryAfterSeconds = Math.max(1, resetSeconds);
    const headers: Record<string, string> = {
      'ratelimit-policy': `"${budget}";q=${this.quota};w=${this.windowSeconds}`,
      ratelimit: `"${budget}";r=${allowed ? res.remainingPoints : 0};t=${allowed ? resetSeconds : retryAfterSeconds}`,
    };
    if (!allowed) headers['retry-after'] = String(retryAfterSeconds);
    return { allowed, headers, retryAfterSeconds };
  }
}

/**
 * Counts every authenticated request against its token before the body is read (the route's
 * onRequest hook has authenticated it by then). Unauthenticated requests, health checks,
 * docs and metrics carry no principal and are never counted.
 */
export function registerRateLimit(
  app: FastifyInstance,
  limits: TokenRateLimits,
  budgetOf: (req: FastifyRequest) => Budget,
  onRefused: (budget: Budget) => void,
): void {
  if (!limits.enabled) return;
  app.addHook('preParsing', async (req, reply, payload) => {
    const principal = req.principal;
    if (!principal) return payload;
    const budget = budgetOf(req);
    const d = await limits.consume(principal.tokenId, budget);
    if (!d) return payload;
    void reply.headers(d.headers);
    if (!d.allowed) {
      onRefused(budget);
      throw new ApiError(
        GrpcCode.RESOURCE_EXHAUSTED,
        `rate limit of this token's "${budget}" budget reached (${limits.quota} requests per ${limits.windowSeconds} s); retry after ${d.retryAfterSeconds} s`,
        {
          status: 429,
          headers: d.headers,
          details: [{ budget, quota: limits.quota, window_seconds: limits.windowSeconds }],
        },
      );
    }
    return payload;
  });
}
