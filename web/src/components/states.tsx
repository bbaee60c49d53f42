import type { ComponentChildren } from 'preact';
import { adviceFor } from '../lib/api.ts';

export function Loading({ what = 'data' }: { what?: string }) {
  return (
    <div class="state state-loading" role="status" aria-live="polite">
      Loading {what}…
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="state state-empty" role="status">
      <strong>{title}</strong>
      {children ? <p>{children}</p> : null}
    </div>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { title, advice } = adviceFor(error);
  return (
    <div class="state state-error" role="alert">
      <strong>{title}</strong>
      <p>{advice}</p>
      {onRetry ? (
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

/** What to say when a range has no data: the usual cause and what to change. */
export function NoDataInRange() {
  return (
    <Empty title="No data in this range">
      Try a longer range, another version (LIVE/DRAFT) or fewer channel and language filters.
    </Empty>
  );
}
