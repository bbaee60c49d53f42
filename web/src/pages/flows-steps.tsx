import { useEffect, useMemo } from 'preact/hooks';
import { Panel } from '../components/panel.tsx';
import { Empty } from '../components/states.tsx';
import { api, type Query } from '../lib/api.ts';
import type { EChartsOption } from '../lib/echarts.ts';
import { setParams } from '../lib/location.ts';
import { useApi } from '../lib/use-api.ts';
import { DROPOFF } from './flows-tree.ts';

// A step's numbers: the catalog of steps (GET /steps), one step's details
// (GetFlowStepDetails) and its neighbours (GetFlowStepEdgesV2, sources and targets).

export interface StepInfo {
  id: string;
  type: string;
  message_count: number;
  conversation_count: number;
  drop_off_count: number;
}

interface StepDetails {
  message_count: number;
  conversation_count: number;
  drop_off_count: number;
}

interface Step {
  id: string;
  type: string;
}

export interface Edge {
  count: number;
  id: string;
  type: string;
  from_step: Step;
  to_step: Step;
}

const bot = (b: string) => `/v1/bots/${encodeURIComponent(b)}`;

/** Every step run in range, with its counts; "Details" selects it (`step=` in the address). */
export function StepList({ botId, query, selected }: { botId: string; query: Query; selected: string | null }) {
  const path = `${bot(botId)}/steps`;
  const loaded = useApi(`${path}?${JSON.stringify(query)}`, (signal) =>
    api.get<{ steps: StepInfo[] }>(path, query, signal),
  );
  const steps = loaded.state === 'ready' ? loaded.data.steps : [];
  return (
    <Panel
      id="flow-steps"
      title="Steps"
      wide
      loaded={loaded}
      empty={loaded.state === 'ready' && steps.length === 0}
      csv={{ method: 'GET', path, query }}
    >
      <div class="table-scroll">
        <table data-table="flow-steps">
          <caption class="sr-only">Every step run by conversations that started in range</caption>
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Type</th>
              <th scope="col" class="num">
                Runs
              </th>
              <th scope="col" class="num">
                Conversations
              </th>
              <th scope="col" class="num">
                Drop-offs
              </th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {steps.map((s) => (
              <tr key={`${s.id}\n${s.type}`} class={selected === s.id ? 'selected' : undefined}>
                <td>{s.id}</td>
                <td>{s.type}</td>
                <td class="num">{s.message_count}</td>
                <td class="num">{s.conversation_count}</td>
                <td class="num">{s.drop_off_count}</td>
                <td>
                  <button
                    type="button"
                    class="details"
                    aria-pressed={selected === s.id}
                    aria-label={`Details of step ${s.id}`}
                    onClick={() => showStep(s.id)}
                  >
                    Details
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Panel>
  );
}

// Set by a "Details" click: the details panel then scrolls into view once it is drawn (a page
// opened with `step=` in its address stays where it is).
let reveal = false;

/** Selects a step (one history entry) and brings its details into view. */
export function showStep(id: string): void {
  reveal = true;
  setParams({ step: id });
}

function DetailsPanel({ botId, step, query }: { botId: string; step: string; query: Query }) {
  const path = `${bot(botId)}/flows/${encodeURIComponent(step)}`;
  const loaded = useApi(`${path}?${JSON.stringify(query)}`, (signal) => api.get<StepDetails>(path, query, signal));
  const d = loaded.state === 'ready' ? loaded.data : null;
  useEffect(() => {
    if (!reveal || loaded.state === 'loading') return;
    reveal = false;
    document.querySelector('[data-panel="step-details"]')?.scrollIntoView({ block: 'nearest' });
  }, [loaded.state]);
  const kpis: [string, number][] = d
    ? [
        ['Runs', d.message_count],
        ['Conversations', d.conversation_count],
        ['Drop-offs', d.drop_off_count],
      ]
    : [];
  return (
    <Panel
      id="step-details"
      title={`Step ${step}`}
      loaded={loaded}
      empty={d !== null && d.message_count === 0 && d.conversation_count === 0}
      emptyState={
        <Empty title="This step did not run in this range">
          Pick another step, or try a longer range or fewer filters.
        </Empty>
      }
      table={{ columns: kpis.map((k) => k[0]), rows: [kpis.map((k) => k[1])] }}
      csv={{ method: 'GET', path, query }}
      actions={
        <button
          type="button"
          onClick={() => setParams({ step: undefined })}
          aria-label={`Close the details of ${step}`}
        >
          Close
        </button>
      }
    >
      <div class="kpis">
        {kpis.map(([label, value]) => (
          <div class="kpi" key={label} data-kpi={label}>
            <div class="muted">{label}</div>
            <div class="value">{value}</div>
          </div>
        ))}
      </div>
      {d && d.conversation_count > 0 ? (
        <p class="muted">
          {((100 * d.drop_off_count) / d.conversation_count).toFixed(1)} % of the conversations that reached it ended
          there.
        </p>
      ) : null}
    </Panel>
  );
}

const TOP = 15;

/** The busiest neighbours as horizontal bars (the table holds them all). */
function edgeOption(edges: Edge[]): EChartsOption {
  const top = edges.slice(0, TOP).reverse();
  return {
    grid: { left: 150, right: 30, top: 10, bottom: 30 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: {
      type: 'category',
      data: top.map((e) => (e.id === DROPOFF ? 'Drop-off' : e.id)),
      axisLabel: { width: 140, overflow: 'truncate' },
    },
    series: [
      {
        type: 'bar',
        name: 'Conversations',
        data: top.map((e) => ({ value: e.count, itemStyle: e.id === DROPOFF ? { color: '#a40e26' } : undefined })),
      },
    ],
  };
}

function EdgesPanel({
  botId,
  step,
  query,
  kind,
}: {
  botId: string;
  step: string;
  query: Query;
  kind: 'sources' | 'targets';
}) {
  const path = `${bot(botId)}/flows/${encodeURIComponent(step)}/edges`;
  const q = { ...query, type: kind };
  const loaded = useApi(`${path}?${JSON.stringify(q)}`, (signal) => api.get<{ edges: Edge[] }>(path, q, signal));
  const edges = loaded.state === 'ready' ? loaded.data.edges : [];
  const option = useMemo(() => edgeOption(edges), [edges]);
  return (
    <Panel
      id={`step-${kind}`}
      title={kind === 'sources' ? `Before ${step} (sources)` : `After ${step} (targets)`}
      loaded={loaded}
      empty={loaded.state === 'ready' && edges.length === 0}
      emptyState={
        <Empty title={kind === 'sources' ? 'No step before this one' : 'No step after this one'}>
          {kind === 'sources'
            ? 'Conversations in range started with this step.'
            : 'No conversation in range went on from this step.'}
        </Empty>
      }
      option={option}
      height={Math.max(160, Math.min(edges.length, TOP) * 26 + 50)}
      table={{ columns: ['Neighbour', 'Type', 'Count'], rows: edges.map((e) => [e.id, e.type, e.count]) }}
      csv={{ method: 'GET', path, query: q }}
    />
  );
}

/** The selected step: its counts, then what came before it and what came after it. */
export function StepDetails({ botId, step, query }: { botId: string; step: string; query: Query }) {
  return (
    <>
      <DetailsPanel botId={botId} step={step} query={query} />
      <EdgesPanel botId={botId} step={step} query={query} kind="sources" />
      <EdgesPanel botId={botId} step={step} query={query} kind="targets" />
    </>
  );
}
