// Subscription statuses (CONTRACT §5, CONTRACT-LIVE-API §7, src/webhooks/dispatcher.ts)
// in plain language: what it means and what to do.
export const STATUS_HELP: Record<string, { label: string; tone: 'good' | 'wait' | 'bad'; text: string }> = {
  VERIFICATION_PENDING: {
    label: 'Verification pending',
    tone: 'wait',
    text: 'The service sent a challenge to the target and waits for it to be echoed back (up to four tries, on the retry schedule). Events that happen meanwhile are kept and delivered once it is verified.',
  },
  VERIFICATION_FAILED: {
    label: 'Verification failed',
    tone: 'bad',
    text: 'The target never answered the challenge with its text, so nothing will ever be delivered. Make the receiver echo the challenge, then delete this subscription and create it again.',
  },
  ACTIVE: {
    label: 'Active',
    tone: 'good',
    text: 'Verified and delivering: every matching event is POSTed to the target.',
  },
  FAILING: {
    label: 'Failing',
    tone: 'bad',
    text: 'Recent deliveries failed and are being retried with backoff. One success makes it active again; if the retries run out or it fails for 5 days it becomes disabled.',
  },
  DISABLED: {
    label: 'Disabled',
    tone: 'bad',
    text: 'Delivery stopped for good (retries exhausted, 5 days of failures, or the target answered 410 Gone); a revocation was sent. Create a new subscription to receive events again.',
  },
};

export function StatusBadge({ status }: { status: string }) {
  const help = STATUS_HELP[status];
  return (
    <span class={`wh-status wh-${help?.tone ?? 'wait'}`} data-status={status}>
      {status}
    </span>
  );
}

/** The status legend: every status the API can answer, explained. */
export function StatusLegend() {
  return (
    <details class="wh-legend">
      <summary>What the statuses mean</summary>
      <dl>
        {Object.entries(STATUS_HELP).map(([status, h]) => (
          <div key={status}>
            <dt>
              <StatusBadge status={status} /> {h.label}
            </dt>
            <dd>{h.text}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}
