import crypto from 'node:crypto';
import type { ControlDb } from '../store/control/db.ts';
import { badParam } from './errors.ts';
import { firstParam } from './querystring.ts';

const KEY_NAME = 'page_token_key';

/**
 * Opaque, tamper-evident page tokens: base64url(JSON) + "." + HMAC-SHA256 under a
 * server key kept in the control store (so tokens survive restarts and are shared by
 * every process on the same store). A token names the query it belongs to (`scope`):
 * one issued for another bot, version, range or listing is rejected like a forged one.
 */
export class PageTokens {
  private constructor(private readonly key: Buffer) {}

  static async open(db: ControlDb): Promise<PageTokens> {
    await db
      .insertInto('kv')
      .values({ key: KEY_NAME, value: crypto.randomBytes(32).toString('base64') })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const row = await db.selectFrom('kv').select('value').where('key', '=', KEY_NAME).executeTakeFirstOrThrow();
    return new PageTokens(Buffer.from(row.value, 'base64'));
  }

  private mac(body: string): string {
    return crypto.createHmac('sha256', this.key).update(body).digest('base64url');
  }

  seal(scope: string, position: unknown): string {
    const body = Buffer.from(JSON.stringify({ s: scope, p: position })).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /** The position sealed for `scope`, or a 400 naming `param`. Empty/absent token → undefined. */
  open(param: string, token: unknown, scope: string): unknown {
    const text = firstParam(token);
    if (text === undefined || text === '') return undefined;
    if (typeof text !== 'string') throw badParam(param, 'is not a valid page token');
    const [body, mac, extra] = text.split('.');
    if (!body || !mac || extra !== undefined) throw badParam(param, 'is not a valid page token');
    const expected = Buffer.from(this.mac(body));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) {
      throw badParam(param, 'is not a valid page token');
    }
    let decoded: { s?: unknown; p?: unknown };
    try {
      decoded = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { s?: unknown; p?: unknown };
    } catch {
      throw badParam(param, 'is not a valid page token');
    }
    if (decoded.s !== scope) throw badParam(param, 'belongs to another query');
    return decoded.p;
  }
}

/** page_size: default when absent or 0, values above `max` coerced to `max`, negative → 400. */
export function parsePageSize(value: unknown, def = 50, max = 100): number {
  const v = firstParam(value);
  if (v === undefined || v === '') return def;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n) || n < 0) throw badParam('page_size', 'must be a non-negative integer');
  if (n === 0) return def;
  return Math.min(n, max);
}
