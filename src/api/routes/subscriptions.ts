import {
  deleteSubscription,
  findSubscription,
  insertSubscription,
  listSubscriptions,
  toOut,
} from '../../webhooks/subscriptions.ts';
import type { Handler } from '../context.ts';
import { badParam, notFound } from '../errors.ts';
import { parsePageSize } from '../page-tokens.ts';
import { parseCreateSubscription } from '../subscription-body.ts';
import { MAX_EVENT_NAME } from './events.ts';
import { assertStorableText } from './well-formed.ts';

// Ids this service hands out (webhooks/subscriptions.ts). Anything else cannot exist, so
// it is a 404 without a lookup: text PostgreSQL refuses (a NUL) was a 500 there.
const SUBSCRIPTION_ID = /^sub_[0-9a-f]{24}$/;
const subscriptionId = (params: Record<string, string>): string => {
  const id = params.subscription_id ?? '';
  if (!SUBSCRIPTION_ID.test(id)) throw notFound(`subscription "${id}"`);
  return id;
};

export const subscriptionHandlers: Record<string, Handler> = {
  // GET /v1/bots/{bot_id}/subscriptions
  Analytics_ListSubscriptions: async ({ params, query, principal, services }) => {
    const botId = params.bot_id as string;
    const scope = `subs:${botId}`;
    const pageSize = parsePageSize(query.page_size);
    const after = services.pageTokens.open('page_token', query.page_token, scope);
    const valid = Array.isArray(after) && after.length === 2 && after.every((x) => typeof x === 'string');
    if (after !== undefined && !valid) throw badParam('page_token', 'is not a valid page token');
    const [afterCreated, afterId] = (after ?? ['', '']) as [string, string];
    const all = await listSubscriptions(services.db, principal.teamId, botId);
    // Keyset on (created_at, id), the listing order.
    const rest =
      after === undefined
        ? all
        : all.filter((r) => r.created_at > afterCreated || (r.created_at === afterCreated && r.id > afterId));
    const page = rest.slice(0, pageSize);
    const last = page[page.length - 1];
    return {
      subscriptions: page.map(toOut),
      next_page_token:
        rest.length > pageSize && last ? services.pageTokens.seal(scope, [last.created_at, last.id]) : '',
    };
  },

  // POST /v1/bots/{bot_id}/subscriptions
  Analytics_CreateSubscription: async ({ params, body, principal, services }) => {
    assertStorableText(body);
    // A filter name longer than any definition name could never match: refuse it like the
    // definition itself (a 10,000-character name used to be stored, found by the fuzz).
    const names = (body as { event_names?: unknown } | null)?.event_names;
    if (Array.isArray(names) && names.some((n) => typeof n === 'string' && n.length > MAX_EVENT_NAME)) {
      throw badParam('event_names', `each name must be at most ${MAX_EVENT_NAME} characters`);
    }
    const subscription = await parseCreateSubscription(body, services.config.webhookAllowPrivateTargets);
    const row = await insertSubscription(services.db, {
      teamId: principal.teamId,
      botId: params.bot_id as string,
      subscription,
      verifyTargets: services.config.webhookVerifyTargets,
    });
    // Answers at once: with the handshake on, the subscription is VERIFICATION_PENDING and the
    // dispatcher sends the first challenge in the background (a slow target cannot stall this).
    services.dispatcher.add(row);
    // The generated secret is shown this once (our addition to the response schema).
    return { subscription: toOut(row), ...(subscription.generated ? { secret: subscription.secret } : {}) };
  },

  // DELETE /v1/bots/{bot_id}/subscriptions/{subscription_id}
  Analytics_DeleteSubscription: async ({ params, principal, services }) => {
    const id = subscriptionId(params);
    const deleted = await deleteSubscription(services.db, principal.teamId, params.bot_id as string, id);
    if (!deleted) throw notFound(`subscription "${id}"`);
    services.dispatcher.remove(id);
    return {};
  },

  // GET /v1/bots/{bot_id}/subscriptions/{subscription_id}/deliveries
  Analytics_ListDeliveries: async ({ params, query, principal, services }) => {
    const id = subscriptionId(params);
    const sub = await findSubscription(services.db, principal.teamId, params.bot_id as string, id);
    if (!sub) throw notFound(`subscription "${id}"`);
    const pageSize = parsePageSize(query.page_size, 50, 500);
    const [attempts, pending] = await Promise.all([
      services.deliveries.recentAttempts(id, sub.status, pageSize),
      services.deliveries.pendingCount(id),
    ]);
    return { subscription: toOut(sub), status_reason: sub.status_reason, pending_deliveries: pending, attempts };
  },
};
