import { Empty } from '../components/states.tsx';
import { api } from '../lib/api.ts';
import type { PageProps } from '../lib/session.ts';
import { CreateForm } from './webhooks-create.tsx';
import { type ListSubscriptionsResponse, useRefreshable } from './webhooks-data.ts';
import { DeliveriesPanel } from './webhooks-deliveries.tsx';
import { PAGE_SIZE, SubscriptionsPanel } from './webhooks-list.tsx';
import './webhooks.css';

// Webhooks of the selected bot: subscriptions with their status, create, delete, and a
// subscription's recent deliveries (`sub` in the address). Subscriptions need `admin`.

function Subscriptions({ controls, params }: Pick<PageProps, 'controls' | 'params'>) {
  const bot = controls.bot;
  const pageToken = params.get('page_token') ?? undefined;
  const selected = params.get('sub') ?? undefined;
  const path = `/v1/bots/${encodeURIComponent(bot)}/subscriptions`;
  const query = { page_size: PAGE_SIZE, page_token: pageToken };
  // Re-read while a handshake is under way so the status moves on by itself.
  const [loaded, refresh] = useRefreshable<ListSubscriptionsResponse>(
    `${path}?${pageToken ?? ''}`,
    (signal) => api.get<ListSubscriptionsResponse>(path, query, signal),
    (d) => d.subscriptions.some((s) => s.status === 'VERIFICATION_PENDING'),
  );
  return (
    <div class="grid">
      <SubscriptionsPanel
        bot={bot}
        tz={controls.tz}
        pageToken={pageToken}
        selected={selected}
        loaded={loaded}
        query={query}
        refresh={refresh}
      />
      {selected ? <DeliveriesPanel key={selected} bot={bot} id={selected} tz={controls.tz} /> : null}
      <CreateForm bot={bot} onCreated={refresh} />
    </div>
  );
}

export default function WebhooksPage({ controls, session, params }: PageProps) {
  const admin = session.token.scopes.includes('admin');
  return (
    <div class="webhooks">
      <p class="muted wh-scope">
        Webhooks belong to the bot chosen in the bot menu; times are shown in {controls.tz}. The range, version, channel
        and language controls do not apply here.
      </p>
      {admin ? (
        <Subscriptions controls={controls} params={params} />
      ) : (
        <div data-admin-required>
          <Empty title="Webhooks need a token with the admin scope">
            This token has the scopes {session.token.scopes.join(', ') || '(none)'}. Listing, creating and deleting
            subscriptions, and reading their deliveries, need <code>admin</code>: ask an admin for one (
            <code>npx chatlayer-analytics token create --team {session.token.team_id} --scopes read,admin</code>) and
            sign in with it.
          </Empty>
        </div>
      )}
    </div>
  );
}
