import type { PageProps } from '../lib/session.ts';

// Placeholder until the page is built.
export default function EventsPage(_props: PageProps) {
  return <p>Events: not built yet.</p>;
}
