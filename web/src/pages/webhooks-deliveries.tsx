import { Panel } from '../components/panel.tsx';
import { ApiFailure, api } from '../lib/api.ts';
import { setParams } from '../lib/location.ts';
import { formatTime, type ListDeliveriesResponse, useRefreshable } from './webhooks-data.ts';
import { STATUS_HELP, StatusBadge } from './webhooks-status.tsx';

// One subscription's recent delivery attempts (ListDeliveries), times in the chosen zone.
// Re-read every few seconds while something is still pending (a retry, the handshake).

const PAGE_SIZE = 50;

export function DeliveriesPanel({ bot, id, tz }: { bot: string; id: string; tz: string }) {
  const path = `/v1/bots/${encodeURIComponent(bot)}/subscriptions/${encodeURIComponent(id)}/deliveries`;
  const query = { page_size: PAGE_SIZE };
  const [loaded, refresh] = useRefreshable<ListDeliveriesResponse>(
    `${path}`,
    (signal) => api.get<ListDeliveriesResponse>(path, query, signal),
    (d) => d.pending_deliveries > 0 || d.subscription.status === 'VERIFICATION_PENDING',
  );
  const data = loaded.state === 'ready' ? loaded.data : undefined;
  const attempts = data?.attempts ?? [];
  // A subscription deleted meanwhile, or one of another bot (the bot menu changed): say so
  // instead of the generic not-found advice.
  const gone = loaded.state === 'error' && loaded.error instanceof ApiFailure && loaded.error.status === 404;
  return (
    <Panel
      id="deliveries"
      title={`Recent deliveries of ${id}`}
      wide
      loaded={gone ? { state: 'ready', data: null } : loaded}
      empty={gone}
      emptyState={
        <div class="state state-empty" role="status">
          <strong>No such subscription for bot {bot}</strong>
          <p>It was deleted, or it belongs to another bot. Close this panel and pick one from the list above.</p>
        </div>
      }
      csv={{ method: 'GET', path, query }}
      actions={
        <>
          <button type="button" onClick={refresh} data-refresh="deliveries">
            Refresh
          </button>
          <button type="button" onClick={() => setParams({ sub: undefined })}>
            Close
          </button>
        </>
      }
    >
      {data ? (
        <>
          <p class="wh-summary">
            Status <StatusBadge status={data.subscription.status} /> {STATUS_HELP[data.subscription.status]?.text ?? ''}
            {data.status_reason ? (
              <>
                {' '}
                Reason: <span data-status-reason>{data.status_reason}</span>.
              </>
            ) : null}
          </p>
          <p>
            Pending deliveries: <strong data-pending>{data.pending_deliveries}</strong>
            <span class="muted"> (events waiting for a first attempt or a retry)</span>
          </p>
          {attempts.length === 0 ? (
            <div class="state state-empty" role="status">
              <strong>No attempts yet</strong>
              <p>
                Attempts appear once a matching event is ingested for this bot (and, with the handshake on, after the
                target has answered the challenge).
              </p>
            </div>
          ) : (
            <div class="table-scroll">
              <table data-table="deliveries">
                <caption class="sr-only">Delivery attempts, newest first, times in {tz}</caption>
                <thead>
                  <tr>
                    <th scope="col">time ({tz})</th>
                    <th scope="col">message</th>
                    <th scope="col">delivery</th>
                    <th scope="col" class="num">
                      attempt
                    </th>
                    <th scope="col" class="num">
                      HTTP status
                    </th>
                    <th scope="col">error</th>
                    <th scope="col" class="num">
                      ms
                    </th>
                    <th scope="col">result</th>
                  </tr>
                </thead>
                <tbody>
                  {attempts.map((a) => (
                    <tr key={`${a.delivery_id}:${a.attempt}:${a.message_type}`}>
                      <td>
                        <time dateTime={a.attempted_at}>{formatTime(a.attempted_at, tz)}</time>
                      </td>
                      <td>{a.message_type}</td>
                      <td>
                        <code>{a.delivery_id}</code>
                      </td>
                      <td class="num">{a.attempt}</td>
                      <td class="num">{a.status_code === 0 ? 'none' : a.status_code}</td>
                      <td>{a.error}</td>
                      <td class="num">{a.duration_ms}</td>
                      <td>{a.delivery_status}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      ) : null}
    </Panel>
  );
}
