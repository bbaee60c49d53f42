import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ControlDb } from '../store/control/db.ts';

export const SCOPES = ['read', 'ingest', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface Principal {
  tokenId: string;
  teamId: string;
  scopes: ReadonlySet<Scope>;
}

export interface TokenInfo {
  id: string;
  team_id: string;
  scopes: Scope[];
  name: string;
  created_at: string;
  revoked_at: string | null;
}

// Secrets are 32 random bytes, so a single SHA-256 is enough: there is nothing to
// brute-force as with a human password, and verification stays cheap per request.
const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

export function parseScopes(text: string): Scope[] {
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const p of parts) {
    if (!(SCOPES as readonly string[]).includes(p)) throw new Error(`unknown scope "${p}" (use ${SCOPES.join(', ')})`);
  }
  return [...new Set(parts)] as Scope[];
}

export async function ensureTeam(db: ControlDb, teamId: string): Promise<void> {
  await db
    .insertInto('teams')
    .values({ id: teamId, created_at: new Date().toISOString() })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/** Creates a token for the team (creating the team when new) and returns `id:secret`. */
export async function createToken(
  db: ControlDb,
  teamId: string,
  scopes: Scope[],
  name = '',
): Promise<{ id: string; token: string }> {
  await ensureTeam(db, teamId);
  const id = `tok_${randomBytes(8).toString('hex')}`;
  const secret = randomBytes(32).toString('base64url');
  await db
    .insertInto('tokens')
    .values({
      id,
      team_id: teamId,
      secret_hash: hashSecret(secret),
      scopes: scopes.join(','),
      name,
      created_at: new Date().toISOString(),
      revoked_at: null,
    })
    .execute();
  return { id, token: `${id}:${secret}` };
}

export async function listTokens(db: ControlDb, teamId?: string): Promise<TokenInfo[]> {
  let q = db.selectFrom('tokens').select(['id', 'team_id', 'scopes', 'name', 'created_at', 'revoked_at']);
  if (teamId) q = q.where('team_id', '=', teamId);
  const rows = await q.orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => ({ ...r, scopes: parseScopes(r.scopes) }));
}

export async function revokeToken(db: ControlDb, id: string): Promise<boolean> {
  const res = await db
    .updateTable('tokens')
    .set({ revoked_at: new Date().toISOString() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Extracts `id:secret` from `Bearer id:secret` or HTTP Basic (`id` as user, `secret` as password). */
export function credentialsFromHeader(header: string | undefined): { id: string; secret: string } | undefined {
  if (!header) return undefined;
  const space = header.indexOf(' ');
  if (space < 0) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  let pair: string;
  if (scheme === 'bearer') pair = value;
  else if (scheme === 'basic') pair = Buffer.from(value, 'base64').toString('utf8');
  else return undefined;
  const colon = pair.indexOf(':');
  if (colon <= 0 || colon === pair.length - 1) return undefined;
  return { id: pair.slice(0, colon), secret: pair.slice(colon + 1) };
}

/** Returns the principal for valid, unrevoked credentials, else undefined. */
export async function verifyToken(
  db: ControlDb,
  creds: { id: string; secret: string },
): Promise<Principal | undefined> {
  const row = await db
    .selectFrom('tokens')
    .select(['id', 'team_id', 'secret_hash', 'scopes', 'revoked_at'])
    .where('id', '=', creds.id)
    .executeTakeFirst();
  if (!row || row.revoked_at !== null) return undefined;
  const expected = Buffer.from(row.secret_hash, 'hex');
  const actual = Buffer.from(hashSecret(creds.secret), 'hex');
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
  return { tokenId: row.id, teamId: row.team_id, scopes: new Set(parseScopes(row.scopes)) };
}
