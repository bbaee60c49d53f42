import type { Generated } from 'kysely';

// Row types of the control store. Timestamps are ISO-8601 UTC strings so the same
// code reads them identically from SQLite and PostgreSQL.
export interface TeamsTable {
  id: string;
  created_at: string;
}

export interface TokensTable {
  id: string;
  team_id: string;
  /** sha256 of the secret, hex; the secret itself is never stored. */
  secret_hash: string;
  /** Comma-separated subset of read,ingest,admin. */
  scopes: string;
  name: string;
  created_at: string;
  revoked_at: string | null;
}

export interface BotsTable {
  id: string;
  team_id: string;
  created_at: string;
}

export interface EventDefinitionsTable {
  id: string;
  bot_id: string;
  event: string;
  description: string;
  created_at: string;
}

export interface SubscriptionsTable {
  id: string;
  bot_id: string;
  team_id: string;
  target: string;
  secret: string;
  event_type: string;
  /** JSON array of names; empty array = all. */
  event_names: string;
  version: string;
  status: string;
  created_at: string;
  deleted_at: string | null;
  /** Last events.seq handed to the delivery queue (bigint: a string from PostgreSQL). */
  cursor_seq: number | string;
  /** Epoch ms of the first failure since the last success. */
  failing_since: number | string | null;
  status_reason: string;
  /** DRAFT | LIVE: only that version's events are delivered; '' = both. */
  bot_version: string;
  /** The challenge sent while VERIFICATION_PENDING ('' otherwise). */
  challenge: string;
  challenge_attempts: number;
  /** Epoch ms of the next challenge attempt. */
  challenge_next_at: number | string;
}

export interface WebhookDeliveriesTable {
  id: string;
  subscription_id: string;
  event_seq: number | string;
  /** The exact JSON body sent on every attempt. */
  payload: string;
  status: string;
  attempts: number;
  next_attempt_at: number | string;
  created_at: number | string;
  updated_at: number | string;
  /** Epoch ms until which a replica holds this delivery (0 = free). */
  lease_until: Generated<number | string>;
  /** The replica holding the lease ('' = none). */
  lease_owner: Generated<string>;
}

export interface WebhookAttemptsTable {
  id: string;
  subscription_id: string;
  delivery_id: string;
  attempt: number;
  attempted_at: number | string;
  status_code: number;
  error: string;
  duration_ms: number;
  /** notification | webhook_callback_verification | revocation. */
  message_type: string;
}

export interface KeyValueTable {
  key: string;
  value: string;
}

/** Client ids accepted in the last 24 h (CONTRACT §1), shared by every replica. */
export interface IngestIdsTable {
  bot_id: string;
  id: string;
  /** Epoch ms of acceptance. */
  accepted_at: number | string;
}

/** The sessionizer's state of one (bot, version, user, channel) key. */
export interface IngestSessionsTable {
  k: string;
  last_ms: number | string;
  /** JSON [[id, startMs, lastMs], ...]. */
  convs: string;
}

/** A committed, sessionized batch not yet known to be in the analytics store. */
export interface IngestOutboxTable {
  batch_id: string;
  created_at: number | string;
  events: number;
  /** JSONCompactEachRow body of the insert into `events`. */
  payload: string;
  lease_until: Generated<number | string>;
  lease_owner: Generated<string>;
}

export interface ControlDatabase {
  teams: TeamsTable;
  tokens: TokensTable;
  bots: BotsTable;
  event_definitions: EventDefinitionsTable;
  subscriptions: SubscriptionsTable;
  kv: KeyValueTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  ingest_ids: IngestIdsTable;
  ingest_sessions: IngestSessionsTable;
  ingest_outbox: IngestOutboxTable;
}
