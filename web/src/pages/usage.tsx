import { Panel } from '../components/panel.tsx';
import { Empty } from '../components/states.tsx';
import { api, type Query } from '../lib/api.ts';
import { timeRange } from '../lib/controls.ts';
import { setParams } from '../lib/location.ts';
import type { PageProps } from '../lib/session.ts';
import type { SeriesResponse } from '../lib/types.ts';
import { type Loaded, useApi } from '../lib/use-api.ts';
import { GRANULARITIES, parseGranularity, teamBuckets } from './usage-buckets.ts';
import { GroupTotalsPanel, SeriesPanel, type Source, type TagRow, TagsPanel } from './usage-panels.tsx';
import { TotalsPanel } from './usage-totals.tsx';
import './usage.css';

// Team usage: what the team's usage costs across all its bots. The team operations take
// the team from the session and have no version or channel filters (CONTRACT §4, §7).

type GroupBy = 'bot' | 'channel';
const GROUP_FIELD: Record<GroupBy, string> = { bot: 'bot_id', channel: 'channel_type' };

function useSource<T>(source: Source | null): Loaded<T> {
  const key = source ? `${source.path}?${JSON.stringify(source.query)}` : 'none';
  const loaded = useApi<T | null>(key, (signal) =>
    source ? api.get<T>(source.path, source.query, signal) : Promise.resolve(null),
  );
  return loaded as Loaded<T>;
}

function Selectors({ granularity, group }: { granularity: string; group: GroupBy }) {
  return (
    <form class="usage-selectors row" aria-label="Usage view" onSubmit={(e) => e.preventDefault()}>
      <label>
        Buckets{' '}
        <select
          name="granularity"
          value={granularity}
          onChange={(e) => setParams({ granularity: (e.target as HTMLSelectElement).value })}
        >
          {GRANULARITIES.map((g) => (
            <option key={g.id} value={g.id}>
              {g.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Group billable conversations by{' '}
        <select
          name="group"
          value={group}
          onChange={(e) => setParams({ group: (e.target as HTMLSelectElement).value })}
        >
          <option value="bot">Bot</option>
          <option value="channel">Channel</option>
        </select>
      </label>
    </form>
  );
}

export default function UsagePage({ controls, session, params }: PageProps) {
  const team = session.token.team_id;
  const teamPath = `/v1/teams/${encodeURIComponent(team)}`;
  const range = timeRange(controls);
  const asked = parseGranularity(params.get('granularity'), controls.bucket);
  const group: GroupBy = params.get('group') === 'channel' ? 'channel' : 'bot';
  const buckets = teamBuckets(asked, range);
  const base: Query = { start_time: range.start_time, end_time: range.end_time, timezone: controls.tz };
  const channel = controls.channels.length ? controls.channels.join(',') : undefined;
  const language = controls.languages.length ? controls.languages.join(',') : undefined;

  const billableSrc: Source = {
    path: `${teamPath}/conversations`,
    query: { ...base, bucket: buckets.team, group_by: GROUP_FIELD[group] },
  };
  const totalsSrc: Source = { path: `${teamPath}/conversations`, query: { ...base, group_by: GROUP_FIELD[group] } };
  const voiceSrc: Source = { path: `${teamPath}/voice_minutes`, query: { ...base, bucket: buckets.voice, language } };
  // The knowledge base requires a bucket: a one-day range has none it accepts.
  const kbSrc: Source | null = buckets.team
    ? { path: `${teamPath}/knowledge_base`, query: { ...base, bucket: buckets.team, channel_type: channel, language } }
    : null;
  const tagsSrc: Source = {
    path: `/v1/bots/${encodeURIComponent(controls.bot)}/knowledge_base/tags`,
    query: { ...base, version: controls.version, channel_type: channel, language },
  };

  const billable = useSource<SeriesResponse>(billableSrc);
  const totals = useSource<SeriesResponse>(totalsSrc);
  const voice = useSource<SeriesResponse>(voiceSrc);
  const kb = useSource<SeriesResponse>(kbSrc);
  const tags = useSource<{ data: TagRow[] }>(tagsSrc);
  const groupLabel = group === 'bot' ? 'bot' : 'channel';

  return (
    <div class="usage">
      <Selectors granularity={asked} group={group} />
      <aside class="usage-scope" aria-label="Which controls apply here" data-usage-notes>
        <p>
          <strong>Controls on this page:</strong> the range and time zone apply to every panel. Team operations count
          all bots and both versions (LIVE and DRAFT), so the <em>Bot</em>, <em>Version</em> and <em>Bucket</em>{' '}
          controls do not change billable conversations; buckets come from the <em>Buckets</em> selector above (day,
          week or month, the buckets these operations take; until you pick one it follows the global Bucket: hour and
          day give day, week gives week). <em>Language</em> filters voice minutes and the knowledge base;{' '}
          <em>Channel</em> filters the knowledge base. The tags panel is per bot and uses the bot, version, channel and
          language controls.
        </p>
        {buckets.notes.map((n) => (
          <p key={n} class="usage-warn">
            {n}
          </p>
        ))}
      </aside>
      <div class="grid">
        <TotalsPanel billable={totals} voice={voice} kb={kbSrc ? kb : null} />
        <SeriesPanel
          id="billable"
          title={`Billable conversations by ${groupLabel}`}
          source={billableSrc}
          loaded={billable}
          bucket={buckets.team}
          tz={controls.tz}
          stacked
          empty="No conversation with a user message started in this range on any of the team's bots."
        />
        <GroupTotalsPanel
          id="billable-totals"
          title={`Billable conversations per ${groupLabel}, whole range`}
          groupLabel={groupLabel}
          source={totalsSrc}
          loaded={totals}
        />
        <SeriesPanel
          id="voice"
          title="Voice minutes"
          source={voiceSrc}
          loaded={voice}
          bucket={buckets.voice}
          tz={controls.tz}
          empty="No voice calls in this range (or none in the chosen languages)."
        />
        {kbSrc ? (
          <SeriesPanel
            id="kb"
            title="Knowledge base: answered and unanswered queries"
            source={kbSrc}
            loaded={kb}
            bucket={buckets.team}
            tz={controls.tz}
            stacked
            empty="No knowledge-base queries in this range and filters."
          />
        ) : (
          <Panel
            id="kb"
            title="Knowledge base: answered and unanswered queries"
            wide
            loaded={{ state: 'ready', data: null }}
            empty
            emptyState={
              <Empty title="Needs a range longer than one day">
                The knowledge-base operation takes day, week or month buckets. Pick "Last 7 days" or longer.
              </Empty>
            }
          />
        )}
        <TagsPanel bot={controls.bot} source={tagsSrc} loaded={tags} />
      </div>
    </div>
  );
}
