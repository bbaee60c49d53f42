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

export interface ControlDatabase {
  teams: TeamsTable;
  tokens: TokensTable;
  bots: BotsTable;
  event_definitions: EventDefinitionsTable;
  subscriptions: SubscriptionsTable;
  kv: KeyValueTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}
