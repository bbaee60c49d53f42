import type { Migration } from 'kysely';
import * as m001 from './001_initial.ts';
import * as m030 from './030_webhooks.ts';
import * as m040 from './040_webhook_handshake.ts';
import * as m050 from './050_scale_out.ts';

// Ordered by name; Kysely's Migrator records applied ones in kysely_migration.
// New migrations are added here with the next number.
export const controlMigrations: Record<string, Migration> = {
  '001_initial': m001,
  '030_webhooks': m030,
  '040_webhook_handshake': m040,
  '050_scale_out': m050,
};
