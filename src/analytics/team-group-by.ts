/** The seven `group_by` fields of Analytics_GetTeamConversationsUsage (CONTRACT §4). */
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

/**
 * Column of the per-conversation subquery that holds each field. Only these fixed
 * names are ever spliced into SQL; the request's text never is. The first_* columns
 * are the conversation's first-event attributes; campaign fields are '' when the
 * first event had none (CONTRACT §7: missing campaign fields group as the empty string).
 */
export const GROUP_COLUMN: Record<TeamGroupField, string> = {
  bot_id: 'toString(bot_id)',
  bot_version: 'toString(version)',
  // Constant within the query (it selects one team).
  team_id: '{team:String}',
  channel_type: 'first_channel',
  language: 'first_language',
  campaign_id: 'first_campaign_id',
  campaign_source: 'first_campaign_source',
};

/** Fields taken from the conversation's first event (argMin by its (ts, seq) key). */
export const FIRST_EVENT_FIELDS: readonly TeamGroupField[] = [
  'channel_type',
  'language',
  'campaign_id',
  'campaign_source',
];
