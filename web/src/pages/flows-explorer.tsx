import { useMemo } from 'preact/hooks';
import { Panel } from '../components/panel.tsx';
import { Empty } from '../components/states.tsx';
import { adviceFor } from '../lib/api.ts';
import { botQuery, type Controls } from '../lib/controls.ts';
import { downloadText, toCsv } from '../lib/csv.ts';
import { setParams } from '../lib/location.ts';
import { type SankeyNode, sankeyHeight, sankeyOption } from './flows-sankey.ts';
import { showStep } from './flows-steps.tsx';
import {
  encodeOpen,
  type Level,
  type Path,
  parseOpen,
  pathKey,
  shareText,
  sumOf,
  type TreeRow,
  toggleOpen,
  treeRows,
  useFlowLevels,
} from './flows-tree.ts';

const ID = 'flow-paths';
const COLUMNS = ['Depth', 'Path', 'Step', 'Conversations', 'Share of parent'];

const pathText = (p: Path): string => p.join(' → ');

/** Expanding or collapsing is one history entry; it also selects the step for its details. */
function toggle(open: readonly Path[], path: Path, select = true): void {
  const step = path[path.length - 1];
  setParams({ open: encodeOpen(toggleOpen(open, path)), ...(select && step !== undefined ? { step } : {}) });
}

function ChildState({ level, onRetry }: { level: Level | undefined; onRetry: () => void }) {
  if (!level || level.state === 'loading')
    return (
      <span class="muted" role="status">
        Loading…
      </span>
    );
  if (level.state === 'error') {
    const { title, advice } = adviceFor(level.error);
    return (
      <span class="flows-row-error" role="alert">
        {title}. {advice}{' '}
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      </span>
    );
  }
  return level.data.length === 0 ? <span class="muted">No step follows</span> : null;
}

function TreeTable({
  rows,
  open,
  selected,
  retry,
}: {
  rows: TreeRow[];
  open: readonly Path[];
  selected: string | null;
  retry: (path: Path) => void;
}) {
  return (
    <div class="table-scroll flows-tree">
      <table data-table={ID}>
        <caption class="sr-only">Explored paths from conversation start</caption>
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th key={c} scope="col" class={c === 'Conversations' || c === 'Share of parent' ? 'num' : undefined}>
                {c}
              </th>
            ))}
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr
              key={pathKey(r.path)}
              class={r.dropoff ? 'dropoff' : r.open ? 'open' : undefined}
              data-path={pathKey(r.path)}
            >
              <td>{r.path.length}</td>
              <td class="flows-path">{pathText(r.path)}</td>
              <td class="flows-step" style={{ paddingLeft: `${8 + 16 * (r.path.length - 1)}px` }}>
                {r.id}
              </td>
              <td class="num">{r.occurrences}</td>
              <td class="num">{shareText(r.occurrences, r.parentTotal)}</td>
              <td class="flows-actions">
                {r.dropoff ? (
                  <span class="muted">Conversations ended here</span>
                ) : (
                  <>
                    <button
                      type="button"
                      class="expand"
                      aria-expanded={r.open}
                      aria-label={`${r.open ? 'Collapse' : 'Expand'} ${pathText(r.path)}`}
                      onClick={() => toggle(open, r.path, false)}
                    >
                      {r.open ? 'Collapse' : 'Expand'}
                    </button>
                    <button
                      type="button"
                      class="details"
                      aria-pressed={selected === r.id}
                      aria-label={`Details of step ${r.id}`}
                      onClick={() => showStep(r.id)}
                    >
                      Details
                    </button>
                    {r.open ? <ChildState level={r.children} onRetry={() => retry(r.path)} /> : null}
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The path explorer: a Sankey of the explored paths and the same tree as a table. */
export function PathExplorer({ controls, params }: { controls: Controls & { bot: string }; params: URLSearchParams }) {
  const open = parseOpen(params.get('open'));
  const selected = params.get('step');
  const { levels, retry } = useFlowLevels(controls.bot, botQuery(controls, undefined, false), open);
  const root: Level = levels.get(pathKey([])) ?? { state: 'loading' };
  const rows = treeRows(levels, open);
  const total = root.state === 'ready' ? sumOf(root.data) : 0;
  // A new option object redraws the chart: build one only when the explored tree changed.
  const shape = JSON.stringify(rows.map((r) => [r.path, r.occurrences, r.open]));
  const option = useMemo(() => (root.state === 'ready' ? sankeyOption(rows, total) : undefined), [shape, root.state]);
  const csvRows = rows.map((r) => [
    r.path.length,
    JSON.stringify(r.path),
    r.id,
    r.occurrences,
    shareText(r.occurrences, r.parentTotal),
  ]);
  return (
    <Panel
      id={ID}
      title="Paths from conversation start"
      wide
      loaded={root}
      empty={root.state === 'ready' && root.data.length === 0}
      emptyState={
        <Empty title="No conversation flow in this range">
          No conversation that started in this range ran a step. Try a longer range, the other version (LIVE/DRAFT) or
          fewer channel and language filters.
        </Empty>
      }
      option={option}
      height={sankeyHeight(rows)}
      onChartClick={(p) => {
        const n = p.data as SankeyNode | undefined;
        if (n?.kind === 'step') toggle(open, n.path);
      }}
      actions={
        root.state === 'ready' && rows.length ? (
          <button
            type="button"
            class="csv"
            onClick={() =>
              downloadText(`${ID}.csv`, toCsv(['depth', 'path', 'step', 'conversations', 'share_of_parent'], csvRows))
            }
          >
            Download CSV
          </button>
        ) : null
      }
    >
      <p class="muted flows-legend">
        {total} conversations ran a step. Click a step (in the chart or with Expand) to see what followed it; click it
        again to collapse. <span class="swatch drop" aria-hidden="true" /> Drop-off: the conversations ended there.
      </p>
      <TreeTable rows={rows} open={open} selected={selected} retry={retry} />
    </Panel>
  );
}
