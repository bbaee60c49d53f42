import { useEffect, useState } from 'preact/hooks';
import { api, type Query } from '../lib/api.ts';
import type { AttributeValuesResponse, ListDefinitionsResponse } from './events-types.ts';

export const botPath = (bot: string, rest: string) => `/v1/bots/${encodeURIComponent(bot)}${rest}`;

/** Every definition name of the bot (all pages), for the event pickers; null while loading or refused. */
export async function allDefinitionNames(bot: string, signal?: AbortSignal): Promise<string[]> {
  const names: string[] = [];
  let token = '';
  // 20 pages of 100 is far beyond any real bot; the cap keeps a broken cursor from looping.
  for (let i = 0; i < 20; i++) {
    const r = await api.get<ListDefinitionsResponse>(
      botPath(bot, '/events/definitions'),
      { page_size: 100, page_token: token },
      signal,
    );
    names.push(...r.event_definitions.map((d) => d.event));
    token = r.next_page_token;
    if (!token) break;
  }
  return names;
}

export type Names = { state: 'loading' } | { state: 'ready'; names: string[] } | { state: 'refused' };

/** The definition names, or `refused` when the token may not list them (the pickers fall back to typing). */
export function useDefinitionNames(bot: string, reload = 0): Names {
  const [names, setNames] = useState<Names>({ state: 'loading' });
  useEffect(() => {
    const abort = new AbortController();
    setNames({ state: 'loading' });
    allDefinitionNames(bot, abort.signal).then(
      (n) => !abort.signal.aborted && setNames({ state: 'ready', names: n }),
      () => !abort.signal.aborted && setNames({ state: 'refused' }),
    );
    return () => abort.abort();
  }, [bot, reload]);
  return names;
}

/**
 * Values the attribute took in the last 30 days (GetEventAttributeValues), optionally only on
 * one event's occurrences and containing `query`: the suggestions of a filter's value picker.
 */
export function useAttributeValues(bot: string, key: string, event: string, query: string): string[] {
  const [values, setValues] = useState<string[]>([]);
  useEffect(() => {
    if (!key.trim()) {
      setValues([]);
      return;
    }
    const abort = new AbortController();
    // Typing a key or a query: wait for a pause instead of asking on every keystroke.
    const timer = setTimeout(() => {
      api
        .post<AttributeValuesResponse>(
          botPath(bot, `/events/attributes/${encodeURIComponent(key.trim())}/values`),
          { query, event },
          {},
          abort.signal,
        )
        .then(
          (r) => !abort.signal.aborted && setValues(r.attributes.map((a) => a.value)),
          () => !abort.signal.aborted && setValues([]),
        );
    }, 200);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [bot, key, event, query]);
  return values;
}

/** The bot's step ids seen in the range (GET /steps), sorted: the flow funnel's step pickers. */
export function useStepIds(bot: string, query: Query, enabled: boolean): Names {
  const [names, setNames] = useState<Names>({ state: 'loading' });
  const key = JSON.stringify(query);
  useEffect(() => {
    if (!enabled) return;
    const abort = new AbortController();
    setNames({ state: 'loading' });
    api.get<{ steps: { id: string; message_count: number }[] }>(botPath(bot, '/steps'), query, abort.signal).then(
      (r) => !abort.signal.aborted && setNames({ state: 'ready', names: r.steps.map((s) => s.id).sort() }),
      () => !abort.signal.aborted && setNames({ state: 'refused' }),
    );
    return () => abort.abort();
  }, [bot, key, enabled]);
  return names;
}
