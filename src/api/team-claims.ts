/**
 * CONTRACT-LIVE-API §6: some operations take the team again as an optional `team_id`
 * query parameter or body field (the event definitions of a bot). Like a `team_id` path
 * parameter, it must be the token's team, else 404 — checked with the other tenancy
 * rules, before validation, so a request naming another team learns nothing and
 * changes nothing whatever else it holds. An empty value is the same as none.
 */
import type { RouteSpec } from './openapi.ts';
import { firstParam } from './querystring.ts';

export interface TeamClaimSites {
  query: boolean;
  body: boolean;
}

/** Where the operation's document declares a `team_id` besides the path. */
export function teamClaimSites(spec: RouteSpec): TeamClaimSites {
  const bodySchema = spec.operation.requestBody?.content?.['application/json']?.schema as
    | { properties?: Record<string, unknown> }
    | undefined;
  return {
    query: spec.parameters.some((p) => p.in === 'query' && p.name === 'team_id'),
    body: bodySchema?.properties?.team_id !== undefined,
  };
}

/** The team a request names in its query or body (text only; a wrong type is validation's 400). */
export function claimedTeams(sites: TeamClaimSites, query: unknown, body: unknown): string[] {
  const out: string[] = [];
  if (sites.query && typeof query === 'object' && query !== null) {
    const v = firstParam((query as Record<string, unknown>).team_id);
    if (typeof v === 'string' && v !== '') out.push(v);
  }
  if (sites.body && typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const v = (body as Record<string, unknown>).team_id;
    if (typeof v === 'string' && v !== '') out.push(v);
  }
  return out;
}
