import type { PageProps } from '../lib/session.ts';

// Placeholder until the page is built.
export default function OverviewPage(_props: PageProps) {
  return <p>Overview: not built yet.</p>;
}
