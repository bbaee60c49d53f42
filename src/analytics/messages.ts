import type { AnalyticsReader } from '../store/clickhouse/reader.ts';
import { readSeries, seriesPerValue } from './measures.ts';
import type { BotScope } from './query.ts';
import type { SeriesData } from './series.ts';
import { userMessages } from './sources.ts';

export const MESSAGE_LABELS = ['understood', 'not_understood', 'button_click', 'other'] as const;
/** The `category` dimension's values, in MESSAGE_LABELS order (sources.ts MESSAGE_CATEGORY_SQL). */
const CATEGORIES = ['0', '1', '2', '3'];

/** Analytics_GetMessages: four fixed series per bucket, user messages by category. */
export async function messagesSeries(
  reader: AnalyticsReader,
  s: BotScope,
  signal: AbortSignal | undefined,
): Promise<SeriesData> {
  const rows = await readSeries(
    reader,
    { source: userMessages, scope: s, range: s.range, measures: ['messages'], dimensions: ['category'] },
    signal,
  );
  return seriesPerValue(rows, s.range, 'messages', 'category', CATEGORIES, MESSAGE_LABELS);
}
