import { controlParams } from '../lib/controls.ts';
import { navigate } from '../lib/location.ts';
import type { PageProps } from '../lib/session.ts';
import './events.css';
import { DefinitionsSection } from './events-definitions.tsx';
import { FunnelSection } from './events-funnel.tsx';
import { StreamSection } from './events-stream.tsx';

// Events: three sections of one page, the chosen one kept in the address (`tab`).
const TABS = [
  { id: 'stream', label: 'Stream' },
  { id: 'definitions', label: 'Definitions' },
  { id: 'funnel', label: 'Funnel builder' },
] as const;
type Tab = (typeof TABS)[number]['id'];

export default function EventsPage(props: PageProps) {
  const asked = props.params.get('tab');
  const tab: Tab = TABS.find((t) => t.id === asked)?.id ?? 'stream';
  const keep = controlParams(props.controls);
  return (
    <>
      <nav class="ev-tabs" aria-label="Events sections">
        {TABS.map((t) => (
          <a
            key={t.id}
            href={`/events?${new URLSearchParams({ ...clean(keep), tab: t.id })}`}
            aria-current={t.id === tab ? 'page' : undefined}
            data-tab={t.id}
            onClick={(e) => {
              if (e.ctrlKey || e.metaKey || e.shiftKey) return;
              e.preventDefault();
              // A section's own state (filters, funnel) stays in the address when coming back.
              navigate('/events', { ...Object.fromEntries(props.params), tab: t.id });
            }}
          >
            {t.label}
          </a>
        ))}
      </nav>
      {tab === 'definitions' ? <DefinitionsSection {...props} /> : null}
      {tab === 'stream' ? <StreamSection {...props} /> : null}
      {tab === 'funnel' ? <FunnelSection {...props} /> : null}
    </>
  );
}

function clean(o: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => e[1] !== undefined));
}
