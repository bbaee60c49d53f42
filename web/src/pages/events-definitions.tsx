import { useState } from 'preact/hooks';
import { Panel } from '../components/panel.tsx';
import { Empty } from '../components/states.tsx';
import { ApiFailure, api } from '../lib/api.ts';
import { setParams } from '../lib/location.ts';
import type { PageProps } from '../lib/session.ts';
import { useApi } from '../lib/use-api.ts';
import { botPath } from './events-data.ts';
import { formatInstant } from './events-format.ts';
import type { EventDefinition, ListDefinitionsResponse } from './events-types.ts';

const PAGE_SIZE = 50;

/** The bot's event definitions (a page of ListEventDefinitions) and the form creating one. */
export function DefinitionsSection({ controls, params }: PageProps) {
  const bot = controls.bot;
  const page = params.get('dpage') ?? '';
  const [reload, setReload] = useState(0);
  const path = botPath(bot, '/events/definitions');
  const query = { page_size: PAGE_SIZE, page_token: page };
  const loaded = useApi(`${bot}|${page}|${reload}`, (signal) => api.get<ListDefinitionsResponse>(path, query, signal));
  // Listing needs the admin scope: say so instead of the generic "read" advice.
  const refused = loaded.state === 'error' && loaded.error instanceof ApiFailure && loaded.error.status === 403;
  const shown = refused ? ({ state: 'ready', data: null } as const) : loaded;
  const defs = loaded.state === 'ready' ? loaded.data.event_definitions : [];
  const next = loaded.state === 'ready' ? loaded.data.next_page_token : '';
  return (
    <div class="grid">
      <CreateDefinition
        bot={bot}
        onCreated={() => (page ? setParams({ dpage: undefined }) : setReload((n) => n + 1))}
      />
      <Panel
        id="event-definitions"
        title="Event definitions"
        wide
        loaded={shown}
        empty={refused || defs.length === 0}
        emptyState={
          refused ? (
            <Empty title="Definitions need the admin scope">
              This token may not list event definitions. Sign in with a token that has the "admin" scope (token create
              --scopes read,admin).
            </Empty>
          ) : (
            <Empty title="No event definitions yet">
              Create one with the form above, or send tracking events (POST /v1/bots/{bot}/events/track): their names
              appear here by themselves.
            </Empty>
          )
        }
        csv={{ method: 'GET', path, query }}
      >
        <DefinitionsTable defs={defs} tz={controls.tz} />
        <div class="row ev-pager">
          {page ? (
            <button type="button" onClick={() => setParams({ dpage: undefined })}>
              First page
            </button>
          ) : null}
          {next ? (
            <button type="button" data-next onClick={() => setParams({ dpage: next })}>
              Next page
            </button>
          ) : null}
        </div>
      </Panel>
    </div>
  );
}

function DefinitionsTable({ defs, tz }: { defs: EventDefinition[]; tz: string }) {
  return (
    <div class="ev-defs">
      <table data-table="event-definitions">
        <thead>
          <tr>
            <th scope="col">event</th>
            <th scope="col">description</th>
            <th scope="col" class="num">
              volume_30_day
            </th>
            <th scope="col">last_seen_at</th>
            <th scope="col">created_at</th>
          </tr>
        </thead>
        <tbody>
          {defs.map((d) => (
            <tr key={d.id} data-id={d.id}>
              <td>{d.event}</td>
              <td>{d.description}</td>
              <td class="num">{d.volume_30_day}</td>
              <td>
                {d.last_seen_at ? <time dateTime={d.last_seen_at}>{formatInstant(d.last_seen_at, tz)}</time> : 'never'}
              </td>
              <td>
                <time dateTime={d.created_at}>{formatInstant(d.created_at, tz)}</time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** What the API's refusal of a new definition means for the person filling the form. */
function createError(e: unknown): string {
  if (e instanceof ApiFailure) {
    if (e.status === 403 || e.status === 401)
      return `Not allowed: creating a definition needs a token with the "admin" scope (${e.message}).`;
    if (e.status === 409) return `Already defined: ${e.message}. Pick another name.`;
    if (e.status === 400) return `Not a valid definition: ${e.message}.`;
    if (e.status === 404) return `${e.message}.`;
    return `The server answered ${e.status}: ${e.message}.`;
  }
  return 'The server could not be reached. Check that it is running, then retry.';
}

function CreateDefinition({ bot, onCreated }: { bot: string; onCreated: () => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setOutcome(null);
    try {
      const r = await api.post<{ event_definition: EventDefinition }>(botPath(bot, '/events/definitions'), {
        event: name,
        description,
      });
      setOutcome({ ok: true, text: `Created "${r.event_definition.event}".` });
      setName('');
      setDescription('');
      onCreated();
    } catch (err) {
      setOutcome({ ok: false, text: createError(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="panel wide" data-panel="create-definition" data-state="ready">
      <header class="panel-head">
        <h2>Create an event definition</h2>
      </header>
      <form class="row ev-create" onSubmit={submit}>
        <label for="def-name">Event name</label>
        <input id="def-name" name="event" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <label for="def-description">Description</label>
        <input
          id="def-description"
          name="description"
          class="ev-wide-input"
          value={description}
          onInput={(e) => setDescription(e.currentTarget.value)}
        />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create'}
        </button>
      </form>
      {outcome ? (
        <p
          class={outcome.ok ? 'ev-ok' : 'state state-error'}
          role={outcome.ok ? 'status' : 'alert'}
          data-outcome={outcome.ok ? 'ok' : 'error'}
        >
          {outcome.text}
        </p>
      ) : null}
    </section>
  );
}
