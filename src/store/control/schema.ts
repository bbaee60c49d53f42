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
}
