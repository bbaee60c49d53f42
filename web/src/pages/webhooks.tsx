import type { PageProps } from '../lib/session.ts';

// Placeholder until the page is built.
export default function WebhooksPage(_props: PageProps) {
  return <p>Webhooks: not built yet.</p>;
}
