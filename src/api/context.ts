import type { Principal } from '../auth/tokens.ts';
import type { AppServices } from '../services.ts';

/** What a handler sees: transport details stay in server.ts. */
export interface HandlerContext {
  principal: Principal;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  services: AppServices;
  /** Abort signal of the HTTP request (client went away). */
  signal: AbortSignal;
}

export type Handler = (ctx: HandlerContext) => Promise<unknown>;
