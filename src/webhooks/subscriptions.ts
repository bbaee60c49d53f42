import crypto from 'node:crypto';
import { badParam } from '../errors.ts';
import type { ClickHouseClient } from '../store/clickhouse/client.ts';
import type { ControlDb } from '../store/control/db.ts';
import type { SubscriptionsTable } from '../store/control/schema.ts';
import { checkTarget } from './address-guard.ts';
import { generateSecret } from './signing.ts';

/** Subscription event types (CONTRACT §5) → the ingest event type they carry. */
export const EVENT_TYPE_SOURCES: Record<string, 'tracking' | 'message' | 'step'> = {
  TRACKING_EVENT: 'tracking',
  TRACKING_EVENTS: 'tracking',
  MESSAGE_EVENT: 'message',
  FLOW_EVENT: 'step',
};
/** Canonical name used as the webhook body's `type`. */
export const CANONICAL_TYPE: Record<string, string> = {
  tracking: 'TRACKING_EVENT',
  message: 'MESSAGE_EVENT',
  step: 'FLOW_EVENT',
};

export type SubscriptionStatus = 'ACTIVE' | 'FAILING' | 'DISABLED';

export interface SubscriptionOut {
  id: string;
  bot_id: string;
  target: string;
  event_type: string;
  event_names: string[];
  created_at: string;
  version: string;
  status: string;
}

export type SubscriptionRow = SubscriptionsTable;

export function toOut(r: SubscriptionRow): SubscriptionOut {
  return {
    id: r.id,
    bot_id: r.bot_id,
    target: r.target,
    event_type: r.event_type,
    event_names: JSON.parse(r.event_names) as string[],
    created_at: r.created_at,
    version: r.version,
    status: r.status,
  };
}

export interface CreateInput {
  teamId: string;
  botId: string;
  body: unknown;
  allowPrivate: boolean;
}

/** Validates a create body; every problem is a 400 naming the field, nothing stored. */
export async function validateCreate(input: CreateInput): Promise<{
  target: string;
  secret: string;
  generated: boolean;
  eventType: string;
  eventNames: string[];
}> {
  const b = input.body;
  if (typeof b !== 'object' || b === null || Array.isArray(b)) throw badParam('body', 'must be a JSON object');
  const o = b as Record<string, unknown>;
  if (typeof o.target !== 'string' || o.target === '') throw badParam('target', 'is required');
  if (o.target.length > 2048) throw badParam('target', 'must be at most 2048 characters');
  const targetProblem = await checkTarget(o.target, input.allowPrivate);
  if (targetProblem) throw badParam('target', targetProblem);
  if (o.version !== 'v1') throw badParam('version', 'must be "v1"');
  if (typeof o.event_type !== 'string' || !(o.event_type in EVENT_TYPE_SOURCES)) {
    throw badParam('event_type', `must be one of ${Object.keys(EVENT_TYPE_SOURCES).join(', ')}`);
  }
  let eventNames: string[] = [];
  if (o.event_names !== undefined && o.event_names !== null) {
    if (!Array.isArray(o.event_names) || o.event_names.some((n) => typeof n !== 'string' || n === '')) {
      throw badParam('event_names', 'must be a list of non-empty strings');
    }
    eventNames = [...new Set(o.event_names as string[])];
    if (eventNames.length > 0 && EVENT_TYPE_SOURCES[o.event_type] !== 'tracking') {
      throw badParam('event_names', 'only applies to TRACKING_EVENT subscriptions');
    }
    if (eventNames.length > 1000) throw badParam('event_names', 'must list at most 1000 names');
  }
  let secret: string;
  let generated = false;
  if (o.secret === undefined || o.secret === null || o.secret === '') {
    secret = generateSecret();
    generated = true;
  } else if (typeof o.secret !== 'string') {
    throw badParam('secret', 'must be a string');
  } else {
    secret = o.secret;
    if (secret.length > 1024) throw badParam('secret', 'must be at most 1024 characters');
    if (secret.startsWith('whsec_')) {
      const raw = secret.slice('whsec_'.length);
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(raw) || Buffer.from(raw, 'base64').length < 16) {
        throw badParam('secret', 'a whsec_ secret must carry at least 16 base64-encoded bytes');
      }
    } else if (secret.length < 8) {
      throw badParam('secret', 'must be at least 8 characters');
    }
  }
  return { target: o.target, secret, generated, eventType: o.event_type, eventNames };
}

/** Highest stored seq: a new subscription delivers events accepted after its creation. */
export async function currentMaxSeq(ch: ClickHouseClient): Promise<number> {
  const rs = await ch.query({ query: 'SELECT max(seq) AS s FROM events', format: 'JSONEachRow' });
  const [row] = await rs.json<{ s: number }>();
  return Number(row?.s ?? 0);
}

export async function insertSubscription(
  db: ControlDb,
  ch: ClickHouseClient,
  input: CreateInput,
): Promise<{ row: SubscriptionRow; secret: string; generated: boolean }> {
  const v = await validateCreate(input);
  const row: SubscriptionRow = {
    id: `sub_${crypto.randomBytes(12).toString('hex')}`,
    bot_id: input.botId,
    team_id: input.teamId,
    target: v.target,
    secret: v.secret,
    event_type: v.eventType,
    event_names: JSON.stringify(v.eventNames),
    version: 'v1',
    status: 'ACTIVE',
    created_at: new Date().toISOString(),
    deleted_at: null,
    cursor_seq: await currentMaxSeq(ch),
    failing_since: null,
    status_reason: '',
  };
  await db.insertInto('subscriptions').values(row).execute();
  return { row, secret: v.secret, generated: v.generated };
}

export async function listSubscriptions(db: ControlDb, teamId: string, botId: string): Promise<SubscriptionRow[]> {
  return db
    .selectFrom('subscriptions')
    .selectAll()
    .where('bot_id', '=', botId)
    .where('team_id', '=', teamId)
    .where('deleted_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function findSubscription(
  db: ControlDb,
  teamId: string,
  botId: string,
  id: string,
): Promise<SubscriptionRow | undefined> {
  return db
    .selectFrom('subscriptions')
    .selectAll()
    .where('id', '=', id)
    .where('bot_id', '=', botId)
    .where('team_id', '=', teamId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

export async function deleteSubscription(db: ControlDb, teamId: string, botId: string, id: string): Promise<boolean> {
  const res = await db
    .updateTable('subscriptions')
    .set({ deleted_at: new Date().toISOString() })
    .where('id', '=', id)
    .where('bot_id', '=', botId)
    .where('team_id', '=', teamId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}
