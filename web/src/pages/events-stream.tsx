import { useEffect, useState } from 'preact/hooks';
import type { CsvSource } from '../components/panel.tsx';
import { Panel } from '../components/panel.tsx';
import { Empty } from '../components/states.tsx';
import { ApiFailure, api } from '../lib/api.ts';
import { type Controls, controlParams, timeRange } from '../lib/controls.ts';
import { navigate, setParams } from '../lib/location.ts';
import type { PageProps } from '../lib/session.ts';
import { useApi } from '../lib/use-api.ts';
import { botPath, useDefinitionNames } from './events-data.ts';
import { EventFieldList, FilterEditor } from './events-filters.tsx';
import { formatAttributes, formatInstant } from './events-format.ts';
import {
  type AttributeFilter,
  completeFilter,
  type ListEventsResponse,
  parseFilterList,
  type TrackingEvent,
} from './events-types.ts';

const PAGE_SIZE = 50;

/** The stream's filters as the address holds them. */
export interface StreamFilters {
  event: string;
  user_id: string;
  conversation_id: string;
  filters: AttributeFilter[];
}

function readFilters(params: URLSearchParams): StreamFilters {
  return {
    event: params.get('event') ?? '',
    user_id: params.get('user_id') ?? '',
    conversation_id: params.get('conversation_id') ?? '',
    filters: parseFilterList(params.get('filters')),
  };
}

/**
 * The request for one page: the GET with its exact matches, or — with attribute filters, or
 * channel/language chosen in the controls (`$` fields) — the POST ListEventsWithFilters.
 */
export function streamRequest(bot: string, c: Controls, f: StreamFilters, pageToken: string): CsvSource {
  const range = timeRange(c);
  const filters = f.filters.filter(completeFilter);
  if (c.channels.length) filters.push({ key: '$channel_type', operator: 'eq', value: c.channels });
  if (c.languages.length) filters.push({ key: '$language', operator: 'eq', value: c.languages });
  const base = {
    version: c.version,
    start_time: range.start_time,
    end_time: range.end_time,
    timezone: c.tz,
    page_size: PAGE_SIZE,
    page_token: pageToken || undefined,
    event: f.event || undefined,
    user_id: f.user_id || undefined,
    conversation_id: f.conversation_id || undefined,
  };
  const path = botPath(bot, '/events/stream');
  if (filters.length === 0) return { method: 'GET', path, query: base };
  return { method: 'POST', path, query: {}, body: { ...base, filters } };
}

/** A short digest of a request (FNV-1a of its JSON): which query a page token belongs to. */
function queryDigest(req: CsvSource): string {
  const text = JSON.stringify([req.method, req.path, req.query, req.body]);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}

function load(req: CsvSource, signal: AbortSignal): Promise<ListEventsResponse> {
  return req.method === 'GET'
    ? api.get<ListEventsResponse>(req.path, req.query, signal)
    : api.post<ListEventsResponse>(req.path, req.body, req.query, signal);
}

export function StreamSection({ controls, params }: PageProps) {
  const bot = controls.bot;
  const filters = readFilters(params);
  // A page token belongs to its query (range, version, filters): the address keeps beside it
  // a digest of that query, and a token of another query is dropped instead of sent (the
  // API would refuse it with a 400).
  const digest = queryDigest(streamRequest(bot, controls, filters, ''));
  const asked = params.get('page') ?? '';
  const page = asked && params.get('pageq') === digest ? asked : '';
  useEffect(() => {
    if (asked && !page) setParams({ page: undefined, pageq: undefined }, true);
  }, [asked, page]);
  const req = streamRequest(bot, controls, filters, page);
  const loaded = useApi(JSON.stringify([req.method, req.path, req.query, req.body]), (signal) => load(req, signal));
  // A token refused all the same (the server's tokens expire): start again from the first page.
  useEffect(() => {
    if (page && loaded.state === 'error' && loaded.error instanceof ApiFailure && loaded.error.status === 400)
      if (/page_token/.test(loaded.error.message)) setParams({ page: undefined, pageq: undefined }, true);
  }, [loaded, page]);
  const events = loaded.state === 'ready' ? loaded.data.events : [];
  const next = loaded.state === 'ready' ? loaded.data.next_page_token : '';
  const filtered = filters.event || filters.user_id || filters.conversation_id || filters.filters.length > 0;
  return (
    <div class="grid">
      <StreamFilterForm key={params.toString()} bot={bot} initial={filters} />
      <Panel
        id="events-stream"
        title="Tracking events"
        wide
        loaded={loaded}
        empty={events.length === 0}
        emptyState={
          <Empty title={filtered ? 'No event matches these filters in this range' : 'No tracking events in this range'}>
            {filtered
              ? 'Remove a filter, or try a longer range or the other version (LIVE/DRAFT).'
              : 'Try a longer range or the other version, or send events with POST /v1/bots/{bot}/events/track.'}
          </Empty>
        }
        csv={req}
      >
        <StreamTable events={events} controls={controls} />
        <div class="row ev-pager">
          <span class="muted" data-count>
            {events.length} event{events.length === 1 ? '' : 's'} on this page{page ? '' : ' (the first)'}, oldest first
          </span>
          {page ? (
            <button type="button" onClick={() => setParams({ page: undefined, pageq: undefined })}>
              First page
            </button>
          ) : null}
          {next ? (
            <button type="button" data-next onClick={() => setParams({ page: next, pageq: digest })}>
              Next page
            </button>
          ) : (
            <span class="muted">End of the stream for this range.</span>
          )}
        </div>
      </Panel>
    </div>
  );
}

function StreamTable({ events, controls }: { events: TrackingEvent[]; controls: Controls }) {
  const keep = controlParams(controls);
  return (
    <div class="ev-stream">
      <table data-table="events-stream">
        <thead>
          <tr>
            <th scope="col">time ({controls.tz})</th>
            <th scope="col">event</th>
            <th scope="col">user</th>
            <th scope="col">conversation</th>
            <th scope="col">channel</th>
            <th scope="col">attributes</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.id} data-id={e.id}>
              <td>
                <time dateTime={e.timestamp}>{formatInstant(e.timestamp, controls.tz)}</time>
              </td>
              <td>{e.event}</td>
              <td>{e.user_id}</td>
              <td>
                {e.conversation_id ? (
                  <a
                    href={`/flows?${new URLSearchParams(defined({ ...keep, conversation: e.conversation_id }))}`}
                    onClick={(ev) => {
                      if (ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
                      ev.preventDefault();
                      navigate('/flows', { ...keep, conversation: e.conversation_id });
                    }}
                  >
                    {e.conversation_id}
                  </a>
                ) : null}
              </td>
              <td>{e.channel_type}</td>
              <td class="ev-attrs">{formatAttributes(e.attributes)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function defined(o: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => e[1] !== undefined));
}

/** The filter form: edited locally, applied to the address (first page) on submit. */
function StreamFilterForm({ bot, initial }: { bot: string; initial: StreamFilters }) {
  const [f, setF] = useState(initial);
  const names = useDefinitionNames(bot);
  const apply = (e: Event) => {
    e.preventDefault();
    const complete = f.filters.filter((x) => x.key.trim());
    setParams({
      event: f.event.trim() || undefined,
      user_id: f.user_id.trim() || undefined,
      conversation_id: f.conversation_id.trim() || undefined,
      filters: complete.length ? JSON.stringify(complete) : undefined,
      page: undefined,
      pageq: undefined,
    });
  };
  const clear = () =>
    setParams({
      event: undefined,
      user_id: undefined,
      conversation_id: undefined,
      filters: undefined,
      page: undefined,
      pageq: undefined,
    });
  return (
    <section class="panel wide" data-panel="stream-filters" data-state="ready">
      <header class="panel-head">
        <h2>Filters</h2>
      </header>
      <form class="ev-stream-form" onSubmit={apply}>
        <div class="row">
          <label for="st-event">Event</label>
          <input
            id="st-event"
            name="event"
            list="st-event-names"
            value={f.event}
            onInput={(e) => setF({ ...f, event: e.currentTarget.value })}
          />
          <datalist id="st-event-names">
            {names.state === 'ready' ? names.names.map((n) => <option key={n} value={n} />) : null}
          </datalist>
          <label for="st-user">User id</label>
          <input
            id="st-user"
            name="user_id"
            value={f.user_id}
            onInput={(e) => setF({ ...f, user_id: e.currentTarget.value })}
          />
          <label for="st-conv">Conversation id</label>
          <input
            id="st-conv"
            name="conversation_id"
            value={f.conversation_id}
            onInput={(e) => setF({ ...f, conversation_id: e.currentTarget.value })}
          />
        </div>
        <EventFieldList />
        {f.filters.map((flt, i) => (
          <FilterEditor
            key={i}
            id={`st-f${i}`}
            bot={bot}
            event={f.event.trim()}
            filter={flt}
            onChange={(nf) => setF({ ...f, filters: f.filters.map((x, j) => (j === i ? nf : x)) })}
            onRemove={() => setF({ ...f, filters: f.filters.filter((_, j) => j !== i) })}
          />
        ))}
        <div class="row">
          <button
            type="button"
            onClick={() => setF({ ...f, filters: [...f.filters, { key: '', operator: 'eq', value: [] }] })}
          >
            Add attribute filter
          </button>
          <button type="submit" class="primary">
            Apply filters
          </button>
          <button type="button" onClick={clear}>
            Clear filters
          </button>
        </div>
      </form>
    </section>
  );
}
