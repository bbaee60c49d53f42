import { useState } from 'preact/hooks';
import { CommitInput } from '../components/commit-input.tsx';
import { Panel } from '../components/panel.tsx';
import { Empty } from '../components/states.tsx';
import { api } from '../lib/api.ts';
import { botQuery } from '../lib/controls.ts';
import { setParams } from '../lib/location.ts';
import type { PageProps } from '../lib/session.ts';
import { type Loaded, useApi } from '../lib/use-api.ts';
import { botPath, type Names, useDefinitionNames, useStepIds } from './events-data.ts';
import { EventFieldList, FilterEditor } from './events-filters.tsx';
import {
  EMPTY_FUNNEL,
  type FunnelDef,
  type FunnelStepDef,
  funnelBody,
  funnelOption,
  funnelTable,
  type OrderType,
  parseFunnel,
  usableSteps,
} from './events-funnel-model.ts';
import type { FunnelResponse } from './events-types.ts';

const BREAKDOWNS = [
  { id: '', label: 'None' },
  { id: '$channel_type', label: 'Channel ($channel_type)' },
  { id: '$language', label: 'Language ($language)' },
];

/** Every edit rewrites the address (without a history entry each): a shared link is the funnel. */
function save(def: FunnelDef): void {
  setParams({ funnel: JSON.stringify(def) }, true);
}

export function FunnelSection({ controls, params }: PageProps) {
  const bot = controls.bot;
  const def = parseFunnel(params.get('funnel'));
  const flows = def.kind === 'flows';
  const definitions = useDefinitionNames(bot);
  const stepIds = useStepIds(bot, botQuery(controls, undefined, false), flows);
  const names = flows ? stepIds : definitions;
  const body = funnelBody(def, controls);
  const path = botPath(bot, flows ? '/flows/funnel' : '/events/funnel');
  const actors = flows ? 'conversations' : 'users';
  const ready = usableSteps(def).length >= 2;
  const loaded: Loaded<FunnelResponse | null> = useApi(ready ? `${path}|${JSON.stringify(body)}` : 'none', (signal) =>
    ready ? api.post<FunnelResponse>(path, body, {}, signal) : Promise.resolve(null),
  );
  const data = loaded.state === 'ready' ? loaded.data : null;
  const breakdown = def.breakdown !== '';
  const noActors = !data || data.result.length === 0 || data.result.every((e) => (e.values[0]?.count ?? 0) === 0);
  return (
    <div class="grid">
      <FunnelBuilder bot={bot} def={def} names={names} />
      <Panel
        id="events-funnel"
        title="Funnel"
        wide
        loaded={loaded}
        empty={!ready || noActors}
        emptyState={
          !ready ? (
            <Empty title="Add at least two steps">
              A funnel needs two steps or more: pick the {flows ? 'flow steps conversations' : 'events users'} go
              through, in order, in the builder above.
            </Empty>
          ) : (
            <Empty title={`No ${actors.slice(0, -1)} reached the first step in this range`}>
              Try a longer range, the other version (LIVE/DRAFT), fewer filters, or another first step.
            </Empty>
          )
        }
        option={data ? funnelOption(data, breakdown, actors) : undefined}
        height={Math.max(220, usableSteps(def).length * (breakdown ? 70 : 44) + 60)}
        table={data ? funnelTable(data, breakdown) : undefined}
        csv="table"
      />
    </div>
  );
}

function FunnelBuilder({ bot, def, names }: { bot: string; def: FunnelDef; names: Names }) {
  const [adding, setAdding] = useState('');
  const setStep = (i: number, s: FunnelStepDef) => save({ ...def, steps: def.steps.map((x, j) => (j === i ? s : x)) });
  const move = (i: number, by: number) => {
    const steps = [...def.steps];
    const [s] = steps.splice(i, 1);
    if (s) steps.splice(i + by, 0, s);
    save({ ...def, steps });
  };
  const add = (event: string) => {
    if (!event.trim() || def.steps.length >= 20) return;
    save({ ...def, steps: [...def.steps, { event: event.trim(), filters: [] }] });
    setAdding('');
  };
  // "An attribute…" shows the key input; the breakdown changes once a key is typed.
  const [askKey, setAskKey] = useState(false);
  const custom = askKey || !BREAKDOWNS.some((b) => b.id === def.breakdown);
  return (
    <section class="panel wide" data-panel="funnel-builder" data-state="ready">
      <header class="panel-head">
        <h2>Funnel builder</h2>
        <button type="button" onClick={() => setParams({ funnel: undefined })} disabled={def.steps.length === 0}>
          Reset
        </button>
      </header>
      <fieldset class="ev-mode">
        <legend>Funnel over</legend>
        {(['events', 'flows'] as const).map((k) => (
          <label key={k}>
            <input
              type="radio"
              name="funnel_kind"
              value={k}
              checked={def.kind === k}
              // Event names and step ids are different things: another kind starts a new funnel.
              onChange={() => save({ ...EMPTY_FUNNEL, kind: k, order_type: def.order_type })}
            />
            {k === 'events' ? 'Tracking events (users)' : 'Flow steps (conversations)'}
          </label>
        ))}
      </fieldset>
      <EventFieldList />
      <ol class="ev-steps">
        {def.steps.map((s, i) => (
          <li key={i} class="ev-step" data-step={i + 1}>
            <div class="row">
              <EventPicker
                id={`fs-${i}`}
                label={`Step ${i + 1} ${def.kind === 'events' ? 'event' : 'flow step'}`}
                names={names}
                value={s.event}
                onPick={(event) => setStep(i, { ...s, event })}
              />
              <button type="button" onClick={() => move(i, -1)} disabled={i === 0} aria-label={`Move step ${i + 1} up`}>
                ↑
              </button>
              <button
                type="button"
                onClick={() => move(i, 1)}
                disabled={i === def.steps.length - 1}
                aria-label={`Move step ${i + 1} down`}
              >
                ↓
              </button>
              <button type="button" onClick={() => save({ ...def, steps: def.steps.filter((_, j) => j !== i) })}>
                Remove step {i + 1}
              </button>
              {def.kind === 'events' ? (
                <button
                  type="button"
                  onClick={() => setStep(i, { ...s, filters: [...s.filters, { key: '', operator: 'eq', value: [] }] })}
                >
                  Add filter to step {i + 1}
                </button>
              ) : null}
            </div>
            {(def.kind === 'events' ? s.filters : []).map((f, k) => (
              <FilterEditor
                key={k}
                id={`fs-${i}-f${k}`}
                bot={bot}
                event={s.event}
                filter={f}
                onChange={(nf) => setStep(i, { ...s, filters: s.filters.map((x, j) => (j === k ? nf : x)) })}
                onRemove={() => setStep(i, { ...s, filters: s.filters.filter((_, j) => j !== k) })}
              />
            ))}
          </li>
        ))}
      </ol>
      <div class="row">
        <EventPicker id="fs-add" label="Add a step" names={names} value={adding} onPick={add} />
        {def.steps.length === 0 ? <span class="muted">Pick the first event users do; then the next ones.</span> : null}
      </div>
      <div class="row ev-options">
        <fieldset class="ev-mode">
          <legend>Order</legend>
          {(['sequential', 'strict'] as OrderType[]).map((m) => (
            <label key={m}>
              <input
                type="radio"
                name="order_type"
                value={m}
                checked={def.order_type === m}
                onChange={() => save({ ...def, order_type: m })}
              />
              {m === 'sequential' ? 'Sequential (other events may come between)' : 'Strict (consecutive events)'}
            </label>
          ))}
        </fieldset>
        <label for="fs-breakdown">Breakdown</label>
        <select
          id="fs-breakdown"
          name="breakdown"
          value={custom ? '*' : def.breakdown}
          onChange={(e) => {
            const v = e.currentTarget.value;
            setAskKey(v === '*');
            if (v !== '*') save({ ...def, breakdown: v });
          }}
        >
          {BREAKDOWNS.map((b) => (
            <option key={b.id} value={b.id}>
              {b.label}
            </option>
          ))}
          {/* The flow funnel breaks down by conversation fields only. */}
          {def.kind === 'events' ? <option value="*">An attribute…</option> : null}
        </select>
        {custom ? (
          <>
            <label for="fs-breakdown-key">Breakdown attribute</label>
            <CommitInput
              id="fs-breakdown-key"
              name="breakdown_key"
              value={def.breakdown}
              onCommit={(text) => save({ ...def, breakdown: text.trim() })}
            />
          </>
        ) : null}
      </div>
    </section>
  );
}

/** An event picked from the definitions (a menu), or typed when the token may not list them. */
function EventPicker(props: { id: string; label: string; names: Names; value: string; onPick: (e: string) => void }) {
  const { id, label, names, value, onPick } = props;
  if (names.state === 'ready') {
    const options = value && !names.names.includes(value) ? [value, ...names.names] : names.names;
    return (
      <>
        <label for={id}>{label}</label>
        <select id={id} value={value} onChange={(e) => onPick(e.currentTarget.value)}>
          <option value="">Choose…</option>
          {options.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </>
    );
  }
  return (
    <>
      <label for={id}>{label}</label>
      <CommitInput
        id={id}
        value={value}
        placeholder={names.state === 'loading' ? 'Loading…' : 'Name or id'}
        onCommit={onPick}
      />
    </>
  );
}
