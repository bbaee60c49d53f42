import type { PageProps } from '../lib/session.ts';

// Placeholder until the page is built.
export default function UsagePage(_props: PageProps) {
  return <p>Usage: not built yet.</p>;
}
