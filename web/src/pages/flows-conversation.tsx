import { useState } from 'preact/hooks';
import { Panel } from '../components/panel.tsx';
import { Empty } from '../components/states.tsx';
import { ApiFailure, api } from '../lib/api.ts';
import { type Controls, timeRange } from '../lib/controls.ts';
import { formatInstant } from '../lib/format.ts';
import { setParams } from '../lib/location.ts';
import { useApi } from '../lib/use-api.ts';
import { DROPOFF, encodeOpen, type Path } from './flows-tree.ts';

// One conversation's flow (GetConversationFlow), reached from the event stream
// (`/flows?conversation=<id>`) or by typing its id.

interface Step {
  id: string;
  type: string;
}

export interface Transition {
  id: string;
  from_step: Step;
  to_step: Step;
  depth: number;
  timestamp: string;
}

export interface ConversationFlow {
  bot_id: string;
  conversation_id: string;
  user_id: string;
  transitions: Transition[];
}

/** "Open a conversation by id": puts it in the address (`conversation=`). */
export function ConversationForm({ current }: { current: string | null }) {
  const [text, setText] = useState(current ?? '');
  return (
    <section class="panel flows-open" aria-labelledby="open-conversation">
      <h2 id="open-conversation">Open a conversation by id</h2>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          const id = text.trim();
          if (id) setParams({ conversation: id });
        }}
      >
        <label for="conversation-id">Conversation id</label>
        <input
          id="conversation-id"
          name="conversation"
          value={text}
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
          placeholder="e.g. from the event stream"
          autocomplete="off"
        />
        <button type="submit" class="primary">
          Open
        </button>
      </form>
      <p class="muted">The conversation must have an event in the selected range; the Events page links each one.</p>
    </section>
  );
}

/** Every prefix of a flow but the whole of it: the explorer nodes to open to show that path. */
const prefixes = (steps: string[]): Path[] => steps.slice(0, -1).map((_, i) => steps.slice(0, i + 1));

const COLUMNS = ['Depth', 'Step', 'Type', 'From', 'Time', 'Event id'];

/** The conversation's steps in order, each with its type and time, ending with its drop-off. */
export function ConversationView({ controls, id }: { controls: Controls & { bot: string }; id: string }) {
  const range = timeRange(controls);
  const query = {
    version: controls.version,
    start_time: range.start_time,
    end_time: range.end_time,
    timezone: controls.tz,
  };
  const path = `/v1/bots/${encodeURIComponent(controls.bot)}/conversations/${encodeURIComponent(id)}/flow`;
  // Not found is an answer here (no event of it in range), not a failure: say what to change.
  const loaded = useApi(`${path}?${JSON.stringify(query)}`, (signal) =>
    api.get<ConversationFlow>(path, query, signal).catch((e: unknown) => {
      if (e instanceof ApiFailure && e.status === 404) return null;
      throw e;
    }),
  );
  const flow = loaded.state === 'ready' ? loaded.data : null;
  const transitions = flow?.transitions ?? [];
  const steps = transitions.filter((t) => t.to_step.id !== DROPOFF).map((t) => t.to_step.id);
  return (
    <Panel
      id="conversation-flow"
      title={`Conversation ${id}`}
      wide
      loaded={loaded}
      empty={loaded.state === 'ready' && transitions.length === 0}
      emptyState={
        flow ? (
          <Empty title="This conversation ran no step">It has messages or events, but no step of a flow.</Empty>
        ) : (
          <Empty title="No such conversation in this range">
            No event of conversation {id} falls in the selected range, version and bot. Try a longer range, the other
            version (LIVE/DRAFT) or check the id.
          </Empty>
        )
      }
      table={{
        columns: COLUMNS,
        rows: transitions.map((t) => [t.depth, t.to_step.id, t.to_step.type, t.from_step.id, t.timestamp, t.id]),
      }}
      csv={{ method: 'GET', path, query }}
      actions={
        <>
          {steps.length ? (
            <button
              type="button"
              onClick={() => setParams({ conversation: undefined, open: encodeOpen(prefixes(steps)) })}
            >
              Show its path in the explorer
            </button>
          ) : null}
          <button type="button" onClick={() => setParams({ conversation: undefined })}>
            All flows
          </button>
        </>
      }
    >
      {flow ? (
        <p class="muted">
          User <strong data-user>{flow.user_id}</strong> · {steps.length} steps · times in {controls.tz}
        </p>
      ) : null}
      <ol class="flows-timeline">
        {transitions.map((t) =>
          t.to_step.id === DROPOFF ? (
            <li key="dropoff" class="dropoff">
              <span class="flows-depth">{t.depth}</span>
              <span>
                <strong>Conversation ended</strong> after {t.from_step.id || 'its last step'}
              </span>
              <time dateTime={t.timestamp}>{formatInstant(t.timestamp, controls.tz)}</time>
              <span />
            </li>
          ) : (
            <li key={t.id || t.depth}>
              <span class="flows-depth">{t.depth}</span>
              <span>
                <strong>{t.to_step.id}</strong> <span class="flows-type">{t.to_step.type}</span>
              </span>
              <time dateTime={t.timestamp}>{formatInstant(t.timestamp, controls.tz)}</time>
              <button
                type="button"
                class="details"
                aria-label={`Step details of ${t.to_step.id}`}
                onClick={() => setParams({ conversation: undefined, step: t.to_step.id })}
              >
                Step details
              </button>
            </li>
          ),
        )}
      </ol>
    </Panel>
  );
}
