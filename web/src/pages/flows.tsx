import type { PageProps } from '../lib/session.ts';

// Placeholder until the page is built.
export default function FlowsPage(_props: PageProps) {
  return <p>Flows: not built yet.</p>;
}
