import { api } from './api.ts';
import { addDays, type Controls, todayIn } from './controls.ts';
import type { SeriesResponse } from './types.ts';

// Channel and language filter choices come from the bot's own data (the values seen in
// the last 90 days), through the public conversations operation grouped by each.
const cache = new Map<string, Promise<{ channels: string[]; languages: string[] }>>();

export function dimensionValues(c: Pick<Controls, 'bot' | 'version' | 'tz'>) {
  const key = `${c.bot}|${c.version}`;
  let hit = cache.get(key);
  if (!hit && c.bot) {
    const end = addDays(todayIn(c.tz), 1);
    const base = { version: c.version, start_time: addDays(end, -90), end_time: end, timezone: c.tz };
    const path = `/v1/bots/${encodeURIComponent(c.bot)}/conversations`;
    const labels = (group: string) =>
      api.get<SeriesResponse>(path, { ...base, group_by: group }).then((r) => [...r.data.series_labels].sort());
    hit = Promise.all([labels('channel_type'), labels('language')]).then(([channels, languages]) => ({
      channels,
      languages,
    }));
    hit.catch(() => cache.delete(key));
    cache.set(key, hit);
  }
  return hit ?? Promise.resolve({ channels: [], languages: [] });
}
