import { Panel } from '../components/panel.tsx';
import { Empty } from '../components/states.tsx';
import { api, type Query } from '../lib/api.ts';
import { setParams } from '../lib/location.ts';
import type { Pagination } from '../lib/types.ts';
import { type Loaded, useApi } from '../lib/use-api.ts';
import { botPath, QuerySlot, queryText } from './overview-series.tsx';

// The intents ranking, paged with the API's Relay cursors. The page (cursor and size) is
// kept in the address (`after` or `before`, `size`), so the back button pages back.

export interface IntentInfo {
  intent_id: string;
  count: number;
  rank: number;
}

interface IntentsResponse {
  data: IntentInfo[];
  pagination: Pagination;
}

export const PAGE_SIZES = [10, 25] as const;

export interface PageCursor {
  size: number;
  after: string | undefined;
  before: string | undefined;
}

export function cursorOf(params: URLSearchParams): PageCursor {
  const size = Number(params.get('size'));
  const before = params.get('before') || undefined;
  return {
    size: PAGE_SIZES.includes(size as 10 | 25) ? size : 10,
    // One direction at a time: `before` (backward) wins only when there is no `after`.
    after: params.get('after') || undefined,
    before: params.get('after') ? undefined : before,
  };
}

/** The ranking query for a page: `first`/`after` forward, `last`/`before` backward. */
export function rankingQuery(base: Query, p: PageCursor): Query {
  return p.before ? { ...base, last: p.size, before: p.before } : { ...base, first: p.size, after: p.after };
}

/**
 * Whether pages exist before and after this one. The seed's `has_more` looks in the
 * paging direction only (after the page going forward, before it going backward); the
 * other side is known from how we got here: a page reached with `after` has one before
 * it, a page reached with `before` has one after it.
 */
export function neighbours(p: PageCursor, page: Pagination): { previous: boolean; next: boolean } {
  const more = page.has_more === true;
  if (p.before) return { previous: more, next: true };
  return { previous: p.after !== undefined, next: more };
}

const share = (count: number, total: number): string => (total > 0 ? `${((count / total) * 100).toFixed(1)} %` : '');

export function RankingPanel(props: {
  bot: string;
  base: Query;
  cursor: PageCursor;
  /** Understood messages in range (GetMessages): the denominator of each intent's share. */
  understood: Loaded<number>;
  selected: string | undefined;
}) {
  const { bot, cursor } = props;
  const path = botPath(bot, 'intents');
  const query = rankingQuery(props.base, cursor);
  const ranking = useApi<IntentsResponse>(`${path}?${queryText(query)}`, (signal) =>
    api.get<IntentsResponse>(path, query, signal),
  );
  // The panel is ready when both the page and the share's denominator are.
  const loaded: Loaded<{ page: IntentsResponse; total: number }> =
    ranking.state !== 'ready'
      ? ranking
      : props.understood.state !== 'ready'
        ? props.understood
        : { state: 'ready', data: { page: ranking.data, total: props.understood.data } };
  const data = loaded.state === 'ready' ? loaded.data : null;
  const rows = data?.page.data ?? [];
  const paged = cursor.after !== undefined || cursor.before !== undefined;
  const nav = data ? neighbours(cursor, data.page.pagination) : { previous: false, next: false };
  const go = (changes: Record<string, string | undefined>) => setParams(changes);
  return (
    <QuerySlot id="ranking" query={query}>
      <Panel
        id="ranking"
        title="Intent ranking"
        loaded={loaded}
        empty={rows.length === 0}
        emptyState={
          paged ? (
            <Empty title="This page is past the end of the ranking">
              <button type="button" onClick={() => go({ after: undefined, before: undefined })}>
                Back to the first page
              </button>
            </Empty>
          ) : undefined
        }
        csv={{ method: 'GET', path, query }}
        wide
        actions={
          <label class="intents-size">
            Per page{' '}
            <select
              name="size"
              value={String(cursor.size)}
              onChange={(e) => go({ size: (e.target as HTMLSelectElement).value, after: undefined, before: undefined })}
            >
              {PAGE_SIZES.map((n) => (
                <option key={n} value={String(n)}>
                  {n}
                </option>
              ))}
            </select>
          </label>
        }
      >
        <div class="table-scroll">
          <table data-table="ranking" class="intents-ranking">
            <caption class="sr-only">Intents by understood messages; pick one to see its trend</caption>
            <thead>
              <tr>
                <th scope="col" class="num">
                  rank
                </th>
                <th scope="col">intent</th>
                <th scope="col" class="num">
                  count
                </th>
                <th scope="col" class="num">
                  share
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.intent_id} data-intent={r.intent_id}>
                  <td class="num">{r.rank}</td>
                  <td>
                    <button
                      type="button"
                      class="intent-pick"
                      aria-pressed={props.selected === r.intent_id}
                      title="Show this intent's trend"
                      onClick={() => go({ intent: props.selected === r.intent_id ? undefined : r.intent_id })}
                    >
                      {r.intent_id}
                    </button>
                  </td>
                  <td class="num">{r.count}</td>
                  <td class="num">{share(r.count, data?.total ?? 0)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <nav class="row intents-pager" aria-label="Ranking pages">
          <button
            type="button"
            data-page-nav="previous"
            disabled={!nav.previous}
            onClick={() => go({ before: data?.page.pagination.start_cursor, after: undefined })}
          >
            Previous {cursor.size}
          </button>
          <button
            type="button"
            data-page-nav="next"
            disabled={!nav.next}
            onClick={() => go({ after: data?.page.pagination.end_cursor, before: undefined })}
          >
            Next {cursor.size}
          </button>
          <span class="muted">Share = the intent's part of all understood messages in the range.</span>
        </nav>
      </Panel>
    </QuerySlot>
  );
}
