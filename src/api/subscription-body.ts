import { checkTarget } from '../webhooks/address-guard.ts';
import { generateSecret } from '../webhooks/signing.ts';
import {
  BOT_VERSIONS,
  type BotVersionFilter,
  EVENT_TYPE_SOURCES,
  type NewSubscription,
} from '../webhooks/subscriptions.ts';
import { badField } from './errors.ts';
import { jsonObjectBody } from './params.ts';

// The create-subscription body (CONTRACT §5, CONTRACT-LIVE-API §6) read into a typed
// NewSubscription at the edge: every problem is a 400 naming the field, nothing stored.

function parseSecret(raw: unknown): { secret: string; generated: boolean } {
  if (raw === undefined || raw === null || raw === '') return { secret: generateSecret(), generated: true };
  if (typeof raw !== 'string') throw badField('secret', 'must be a string');
  if (raw.length > 1024) throw badField('secret', 'must be at most 1024 characters');
  if (raw.startsWith('whsec_')) {
    const b64 = raw.slice('whsec_'.length);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || Buffer.from(b64, 'base64').length < 16) {
      throw badField('secret', 'a whsec_ secret must carry at least 16 base64-encoded bytes');
    }
  } else if (raw.length < 8) {
    throw badField('secret', 'must be at least 8 characters');
  }
  return { secret: raw, generated: false };
}

function parseBotVersion(raw: unknown): BotVersionFilter {
  // Absent (or "", as the API shows an unset one) = events of both versions.
  if (raw === undefined || raw === null || raw === '') return '';
  if (typeof raw !== 'string' || !(BOT_VERSIONS as readonly string[]).includes(raw)) {
    throw badField('bot_version', `must be one of ${BOT_VERSIONS.join(', ')}`);
  }
  return raw as BotVersionFilter;
}

export async function parseCreateSubscription(body: unknown, allowPrivate: boolean): Promise<NewSubscription> {
  const o = jsonObjectBody(body);
  if (typeof o.target !== 'string' || o.target === '') throw badField('target', 'is required');
  if (o.target.length > 2048) throw badField('target', 'must be at most 2048 characters');
  const targetProblem = await checkTarget(o.target, allowPrivate);
  if (targetProblem) throw badField('target', targetProblem);
  if (o.version !== 'v1') throw badField('version', 'must be "v1"');
  if (typeof o.event_type !== 'string' || !(o.event_type in EVENT_TYPE_SOURCES)) {
    throw badField('event_type', `must be one of ${Object.keys(EVENT_TYPE_SOURCES).join(', ')}`);
  }
  let eventNames: string[] = [];
  if (o.event_names !== undefined && o.event_names !== null) {
    if (!Array.isArray(o.event_names) || o.event_names.some((n) => typeof n !== 'string' || n === '')) {
      throw badField('event_names', 'must be a list of non-empty strings');
    }
    eventNames = [...new Set(o.event_names as string[])];
    if (eventNames.length > 0 && EVENT_TYPE_SOURCES[o.event_type] !== 'tracking') {
      throw badField('event_names', 'only applies to TRACKING_EVENT subscriptions');
    }
    if (eventNames.length > 1000) throw badField('event_names', 'must list at most 1000 names');
  }
  const botVersion = parseBotVersion(o.bot_version);
  const { secret, generated } = parseSecret(o.secret);
  return { target: o.target, secret, generated, eventType: o.event_type, eventNames, botVersion };
}
