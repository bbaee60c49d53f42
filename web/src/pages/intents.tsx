import type { PageProps } from '../lib/session.ts';

// Placeholder until the page is built.
export default function IntentsPage(_props: PageProps) {
  return <p>Intents: not built yet.</p>;
}
