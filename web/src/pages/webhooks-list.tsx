import { useState } from 'preact/hooks';
import { Panel } from '../components/panel.tsx';
import { ErrorState } from '../components/states.tsx';
import { api } from '../lib/api.ts';
import { setParams } from '../lib/location.ts';
import type { Loaded } from '../lib/use-api.ts';
import { formatTime, type ListSubscriptionsResponse, type Subscription } from './webhooks-data.ts';
import { STATUS_HELP, StatusBadge, StatusLegend } from './webhooks-status.tsx';

// The bot's subscriptions (ListSubscriptions, paged by the API's page_token, kept in the
// address), with a two-step delete.

export const PAGE_SIZE = 20;

function ConfirmDelete({ bot, sub, onDone }: { bot: string; sub: Subscription; onDone: (deleted: boolean) => void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    setBusy(true);
    try {
      await api.del(`/v1/bots/${encodeURIComponent(bot)}/subscriptions/${encodeURIComponent(sub.id)}`);
      onDone(true);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  return (
    <div class="wh-confirm" data-confirm={sub.id}>
      <p>
        Delete subscription <code>{sub.id}</code> to <code>{sub.target}</code>? Deliveries stop at once and its queued
        events are dropped. This cannot be undone.
      </p>
      <div class="row">
        <button type="button" class="danger" onClick={confirm} disabled={busy}>
          Yes, delete it
        </button>
        <button type="button" onClick={() => onDone(false)} disabled={busy}>
          Cancel
        </button>
      </div>
      {error ? <ErrorState error={error} /> : null}
    </div>
  );
}

export function SubscriptionsPanel(props: {
  bot: string;
  tz: string;
  pageToken: string | undefined;
  selected: string | undefined;
  loaded: Loaded<ListSubscriptionsResponse>;
  query: Record<string, string | number | undefined>;
  refresh: () => void;
}) {
  const { bot, tz, loaded } = props;
  const [confirming, setConfirming] = useState<Subscription | null>(null);
  const data = loaded.state === 'ready' ? loaded.data : undefined;
  const subs = data?.subscriptions ?? [];
  const path = `/v1/bots/${encodeURIComponent(bot)}/subscriptions`;
  return (
    <Panel
      id="subscriptions"
      title={`Subscriptions of bot ${bot}`}
      wide
      loaded={loaded}
      empty={subs.length === 0 && !props.pageToken}
      emptyState={
        <div class="state state-empty" role="status">
          <strong>No subscriptions yet</strong>
          <p>Create one below: the target receives a signed POST for every matching event of this bot.</p>
        </div>
      }
      csv={{ method: 'GET', path, query: props.query }}
      actions={
        <button type="button" onClick={props.refresh} data-refresh="subscriptions">
          Refresh
        </button>
      }
    >
      <StatusLegend />
      {confirming ? (
        <ConfirmDelete
          bot={bot}
          sub={confirming}
          onDone={(deleted) => {
            setConfirming(null);
            if (deleted && props.selected === confirming.id) setParams({ sub: undefined });
            if (deleted) props.refresh();
          }}
        />
      ) : null}
      <div class="table-scroll">
        <table data-table="subscriptions">
          <caption class="sr-only">Webhook subscriptions, times in {tz}</caption>
          <thead>
            <tr>
              <th scope="col">id</th>
              <th scope="col">target</th>
              <th scope="col">event type</th>
              <th scope="col">event names</th>
              <th scope="col">bot version</th>
              <th scope="col">status</th>
              <th scope="col">what it means</th>
              <th scope="col">created ({tz})</th>
              <th scope="col">actions</th>
            </tr>
          </thead>
          <tbody>
            {subs.map((s) => (
              <tr key={s.id} data-sub={s.id} class={props.selected === s.id ? 'wh-selected' : undefined}>
                <td>
                  <code>{s.id}</code>
                </td>
                <td class="wh-target">{s.target}</td>
                <td>{s.event_type}</td>
                <td>{s.event_names.join(', ') || 'all'}</td>
                <td>{s.bot_version || 'both'}</td>
                <td>
                  <StatusBadge status={s.status} />
                </td>
                <td class="wh-explain">
                  {STATUS_HELP[s.status]?.text ?? 'A status this dashboard does not know yet.'}
                </td>
                <td>
                  <time dateTime={s.created_at}>{formatTime(s.created_at, tz)}</time>
                </td>
                <td class="wh-actions">
                  <button type="button" onClick={() => setParams({ sub: s.id })} aria-label={`Deliveries of ${s.id}`}>
                    Deliveries
                  </button>
                  <button type="button" onClick={() => setConfirming(s)} aria-label={`Delete ${s.id}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav class="row wh-pager" aria-label="Subscription pages">
        {props.pageToken ? (
          <button type="button" onClick={() => setParams({ page_token: undefined })}>
            First page
          </button>
        ) : null}
        {data?.next_page_token ? (
          <button type="button" onClick={() => setParams({ page_token: data.next_page_token })}>
            Next page
          </button>
        ) : null}
      </nav>
    </Panel>
  );
}
