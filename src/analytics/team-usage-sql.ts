/**
 * The SQL of the three team-usage endpoints (sources.ts: billableConversations, voiceCalls,
 * teamKbQueries), as pure builders so the HTTP handlers and the benchmark run the very same
 * text.
 */
import { seriesSql } from './measures.ts';
import { billableConversations, teamKbQueries, voiceCalls } from './sources.ts';
import type { Filters } from './sql.ts';
import type { TeamGroupField } from './team-group-by.ts';
import type { TimeRange } from './time-range.ts';

export interface BuiltQuery {
  query: string;
  params: Record<string, unknown>;
}

const NO_FILTERS: Filters = { channelTypes: [], languages: [] };

export const teamConversationsRead = (team: string, range: TimeRange, fields: readonly TeamGroupField[]) => ({
  source: billableConversations,
  scope: { team, range, filters: NO_FILTERS },
  range,
  measures: ['conversations'] as const,
  dimensions: fields,
});

export const voiceMinutesRead = (team: string, range: TimeRange, languages: readonly string[]) => ({
  source: voiceCalls,
  scope: { team, range, filters: { channelTypes: [], languages: [...languages] } },
  range,
  measures: ['minutes'] as const,
});

export const knowledgeBaseRead = (team: string, range: TimeRange, filters: Filters) => ({
  source: teamKbQueries,
  scope: { team, range, filters },
  range,
  measures: ['answered', 'unanswered'] as const,
});

/** Result rows: b (bucket start), d0..d(n-1) (group values in group_by order), m0 (count). */
export function teamConversationsSql(team: string, range: TimeRange, fields: readonly TeamGroupField[]): BuiltQuery {
  return seriesSql(teamConversationsRead(team, range, fields));
}

export function voiceMinutesSql(team: string, range: TimeRange, languages: readonly string[]): BuiltQuery {
  return seriesSql(voiceMinutesRead(team, range, languages));
}

export function knowledgeBaseSql(team: string, range: TimeRange, filters: Filters): BuiltQuery {
  return seriesSql(knowledgeBaseRead(team, range, filters));
}
