import { useEffect, useMemo, useState } from 'preact/hooks';
import { addDays, type Controls, defaultBucket, PRESETS, timeRange } from '../lib/controls.ts';
import { dimensionValues } from '../lib/dimensions.ts';
import { setParams } from '../lib/location.ts';

// ICU lists some zones only under their old names (Asia/Calcutta, Europe/Kiev…); the current
// IANA names are what people look for and what the API documents, so they are offered too.
const CURRENT_NAMES = [
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Asia/Yangon',
  'Asia/Ho_Chi_Minh',
  'Europe/Kyiv',
  'America/Nuuk',
];

const ZONES: string[] = (() => {
  let listed: string[];
  try {
    listed = Intl.supportedValuesOf('timeZone');
  } catch {
    listed = ['UTC'];
  }
  const extra = CURRENT_NAMES.filter((z) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: z });
      return true;
    } catch {
      return false;
    }
  });
  return [...new Set([...listed, ...extra, 'UTC'])].sort();
})();

function MultiSelect({
  label,
  name,
  values,
  selected,
  onOpen,
}: {
  label: string;
  name: string;
  values: string[] | null;
  selected: string[];
  onOpen: () => void;
}) {
  const all = [...new Set([...(values ?? []), ...selected])];
  const toggle = (v: string) => {
    const next = selected.includes(v) ? selected.filter((s) => s !== v) : [...selected, v];
    setParams({ [name]: next.join(',') || undefined });
  };
  return (
    <details
      class="multi"
      data-control={name}
      onToggle={(e) => {
        if ((e.currentTarget as HTMLDetailsElement).open) onOpen();
      }}
    >
      <summary>
        {label}: {selected.length ? selected.join(', ') : 'all'}
      </summary>
      <fieldset>
        <legend class="sr-only">{label}</legend>
        {values === null ? <span class="muted">loading the values seen…</span> : null}
        {values !== null && all.length === 0 ? <span class="muted">no values in the last 90 days</span> : null}
        {all.map((v) => (
          <label key={v}>
            <input type="checkbox" checked={selected.includes(v)} onChange={() => toggle(v)} /> {v}
          </label>
        ))}
        {selected.length ? (
          <button type="button" onClick={() => setParams({ [name]: undefined })}>
            Clear
          </button>
        ) : null}
      </fieldset>
    </details>
  );
}

/** The global controls: every change is written to the address (shareable, back button). */
export function ControlsBar({ controls, bots }: { controls: Controls; bots: string[] | null }) {
  const c = controls;
  const [dims, setDims] = useState<{ channels: string[]; languages: string[] } | null>(null);
  // The choices come from two 90-day queries: asked when a filter menu is first opened (or a
  // filter is already set), not on every page load, where they would queue before the page's.
  const [wanted, setWanted] = useState(c.channels.length > 0 || c.languages.length > 0);
  useEffect(() => {
    if (!wanted) return;
    let live = true;
    dimensionValues(c).then(
      (d) => live && setDims(d),
      () => live && setDims({ channels: [], languages: [] }),
    );
    return () => {
      live = false;
    };
  }, [wanted, c.bot, c.version, c.tz]);
  const openMenus = () => setWanted(true);
  const range = useMemo(() => timeRange(c), [c.range, c.from, c.to, c.tz]);
  const bucketOptions = (['1h', '1d', '1w'] as const).filter((b) =>
    b === '1h' ? range.days <= 31 : b === '1d' ? range.days > 1 : range.days > 7,
  );
  return (
    <form class="controls" aria-label="Dashboard controls" onSubmit={(e) => e.preventDefault()}>
      <label>
        Bot
        <select
          name="bot"
          value={c.bot ?? ''}
          onChange={(e) => setParams({ bot: (e.target as HTMLSelectElement).value })}
        >
          {(bots ?? []).map((b) => (
            <option key={b} value={b}>
              {b}
            </option>
          ))}
          {c.bot && !(bots ?? []).includes(c.bot) ? <option value={c.bot}>{c.bot}</option> : null}
        </select>
      </label>
      <label>
        Version
        <select
          name="version"
          value={c.version}
          onChange={(e) => setParams({ version: (e.target as HTMLSelectElement).value })}
        >
          <option value="LIVE">LIVE</option>
          <option value="DRAFT">DRAFT</option>
        </select>
      </label>
      <label>
        Range
        <select
          name="range"
          value={c.range}
          onChange={(e) => {
            const r = (e.target as HTMLSelectElement).value;
            const days = r === '24h' ? 1 : r === '30d' ? 30 : r === '90d' ? 90 : 7;
            if (r === 'custom') {
              // Start from the range shown, as dates the user can then edit.
              const to = range.end_time.length === 10 ? addDays(range.end_time, -1) : range.end_time.slice(0, 10);
              setParams({ range: r, from: range.start_time.slice(0, 10), to });
            } else setParams({ range: r, from: undefined, to: undefined, bucket: defaultBucket(days) });
          }}
        >
          {PRESETS.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
        </select>
      </label>
      {c.range === 'custom' ? (
        <>
          <label>
            From
            <input
              type="date"
              name="from"
              value={c.from ?? range.start_time.slice(0, 10)}
              onChange={(e) => setParams({ from: (e.target as HTMLInputElement).value })}
            />
          </label>
          <label>
            To
            <input
              type="date"
              name="to"
              value={c.to ?? ''}
              onChange={(e) => setParams({ to: (e.target as HTMLInputElement).value })}
            />
          </label>
        </>
      ) : null}
      <label>
        Bucket
        <select
          name="bucket"
          value={c.bucket}
          onChange={(e) => setParams({ bucket: (e.target as HTMLSelectElement).value })}
        >
          {bucketOptions.map((b) => (
            <option key={b} value={b}>
              {b === '1h' ? 'Hour' : b === '1d' ? 'Day' : 'Week'}
            </option>
          ))}
        </select>
      </label>
      <label>
        Time zone
        <select name="tz" value={c.tz} onChange={(e) => setParams({ tz: (e.target as HTMLSelectElement).value })}>
          {(ZONES.includes(c.tz) ? ZONES : [c.tz, ...ZONES]).map((z) => (
            <option key={z} value={z}>
              {z}
            </option>
          ))}
        </select>
      </label>
      <MultiSelect
        label="Channel"
        name="channel"
        values={dims?.channels ?? null}
        selected={c.channels}
        onOpen={openMenus}
      />
      <MultiSelect
        label="Language"
        name="language"
        values={dims?.languages ?? null}
        selected={c.languages}
        onOpen={openMenus}
      />
    </form>
  );
}
