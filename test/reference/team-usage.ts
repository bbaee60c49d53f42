/**
 * Team-level usage (CONTRACT §2, §4, §7): Analytics_GetTeamConversationsUsage,
 * Analytics_GetVoiceAnalytics, Analytics_GetTeamKnowledgeBaseUsage.
 * All three count BOTH versions of every bot of the team.
 */
import type { SeriesBody } from './bot-series.js';
import type { Conversation, Model } from './model.js';
import {
  filtersOf,
  inRange,
  one,
  type PathParams,
  passes,
  type Query,
  rangeOf,
  required,
  timelineOf,
} from './params.js';
import { fixedSeries, GroupCounter } from './series.js';

export const TEAM_GROUP_FIELDS = [
  'bot_id',
  'bot_version',
  'team_id',
  'channel_type',
  'language',
  'campaign_id',
  'campaign_source',
] as const;
export type TeamGroupField = (typeof TEAM_GROUP_FIELDS)[number];

function groupValue(c: Conversation, f: TeamGroupField): string {
  switch (f) {
    case 'bot_version':
      return c.version;
    case 'campaign_id':
      return c.campaign_id ?? ''; // §7: missing campaign fields group as ''
    case 'campaign_source':
      return c.campaign_source ?? '';
    default:
      return c[f];
  }
}

/**
 * Decisions: group_by items are trimmed, empty items dropped (so `group_by=`
 * means no grouping). A field listed twice is invalid (issue 6: 400 naming
 * group_by), so the reference rejects it like an unknown field.
 */
function groupFields(q: Query): TeamGroupField[] {
  const raw = one(q, 'group_by') ?? '';
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const f = TEAM_GROUP_FIELDS.find((x) => x === s);
      if (f === undefined) throw new Error(`bad group_by field ${s}`);
      return f;
    })
    .map((f, i, all) => {
      if (all.indexOf(f) !== i) throw new Error(`repeated group_by field ${f}`);
      return f;
    });
}

/**
 * Billable conversations: started in range (bucket of the first event), with
 * at least one user message anywhere in the conversation — also after
 * end_time, like every conversation metric (§7). No channel/language filter
 * exists on this endpoint.
 */
export function getTeamConversationsUsage(model: Model, path: PathParams, q: Query): SeriesBody {
  const team = required(path, 'team_id');
  const range = rangeOf(q);
  const timeline = timelineOf(q);
  const fields = groupFields(q);
  const counter = new GroupCounter(timeline);
  for (const c of model.conversations) {
    if (c.team_id !== team || !inRange(range, c.startMs) || c.userMessages === 0) continue;
    const values = fields.map((f) => groupValue(c, f));
    const label = fields.length === 0 ? 'conversations' : values.join('|');
    // CONTRACT-LIVE-API §6: labels = each group_by field → this series' value.
    counter.add(label, c.startMs, 1, fields.length === 0 ? undefined : { fields: [...fields], values });
  }
  if (fields.length === 0) {
    return { data: fixedSeries(timeline.labels, ['conversations'], [counter.row('conversations')]) };
  }
  return { data: counter.grouped() };
}

/**
 * One series `voice_minutes`: each call in range (own timestamp, own
 * language) counts ceil(duration_seconds / 60) minutes; a 0 s call is 0.
 * Decision: only the `language` filter exists here (the seed lists no
 * channel_type on this endpoint), so channel_type is ignored.
 */
export function getVoiceAnalytics(model: Model, path: PathParams, q: Query): SeriesBody {
  const team = required(path, 'team_id');
  const range = rangeOf(q);
  const timeline = timelineOf(q);
  const { language } = filtersOf(q);
  const counter = new GroupCounter(timeline);
  for (const e of model.events) {
    if (e.type !== 'voice_call' || e.team_id !== team || !inRange(range, e.ms)) continue;
    if (!passes({ channel_type: undefined, language }, e)) continue;
    counter.add('voice_minutes', e.ms, Math.ceil((e.raw.duration_seconds ?? 0) / 60));
  }
  return { data: fixedSeries(timeline.labels, ['voice_minutes'], [counter.row('voice_minutes')]) };
}

/**
 * Two series `answered`, `unanswered`: kb_query events in range by their own
 * timestamp, channel_type and language. Decision: a kb_query without
 * `answered` counts as unanswered.
 */
export function getTeamKnowledgeBaseUsage(model: Model, path: PathParams, q: Query): SeriesBody {
  const team = required(path, 'team_id');
  const range = rangeOf(q);
  const timeline = timelineOf(q);
  const filters = filtersOf(q);
  const counter = new GroupCounter(timeline);
  for (const e of model.events) {
    if (e.type !== 'kb_query' || e.team_id !== team || !inRange(range, e.ms) || !passes(filters, e)) continue;
    counter.add(e.raw.answered === true ? 'answered' : 'unanswered', e.ms);
  }
  const labels = ['answered', 'unanswered'];
  return {
    data: fixedSeries(
      timeline.labels,
      labels,
      labels.map((l) => counter.row(l)),
    ),
  };
}
