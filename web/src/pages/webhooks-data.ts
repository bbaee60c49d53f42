import { useEffect, useRef, useState } from 'preact/hooks';
import { formatInstant } from '../lib/format.ts';
import type { Loaded } from '../lib/use-api.ts';

// Subscription shapes (openapi seed + additions: bot_version, ListDeliveries).
export interface Subscription {
  id: string;
  bot_id: string;
  target: string;
  event_type: string;
  event_names: string[];
  created_at: string;
  version: string;
  status: string;
  bot_version: string;
}

export interface ListSubscriptionsResponse {
  subscriptions: Subscription[];
  next_page_token: string;
}

export interface DeliveryAttempt {
  delivery_id: string;
  message_type: string;
  attempt: number;
  attempted_at: string;
  status_code: number;
  error: string;
  duration_ms: number;
  delivery_status: string;
}

export interface ListDeliveriesResponse {
  subscription: Subscription;
  status_reason: string;
  pending_deliveries: number;
  attempts: DeliveryAttempt[];
}

/**
 * Like useApi, but a refresh (or a poll) keeps showing the last answer until the new one
 * arrives: statuses change in the background (handshake, retries) and the table must not
 * flash a loading state every few seconds. `pollMs` re-reads while `poll` is true.
 */
export function useRefreshable<T>(
  key: string,
  load: (signal: AbortSignal) => Promise<T>,
  poll: (data: T) => boolean = () => false,
  pollMs = 3000,
): [Loaded<T>, () => void] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const [tick, setTick] = useState(0);
  const lastKey = useRef(key);
  useEffect(() => {
    const abort = new AbortController();
    // A new query (other bot, page) starts from loading; a refresh of the same one does not.
    if (lastKey.current !== key) {
      lastKey.current = key;
      setLoaded({ state: 'loading' });
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    load(abort.signal).then(
      (data) => {
        if (abort.signal.aborted) return;
        setLoaded({ state: 'ready', data });
        if (poll(data)) timer = setTimeout(() => setTick((t) => t + 1), pollMs);
      },
      (error: unknown) => {
        if (!abort.signal.aborted) setLoaded({ state: 'error', error });
      },
    );
    return () => {
      abort.abort();
      if (timer) clearTimeout(timer);
    };
  }, [key, tick]);
  return [loaded, () => setTick((t) => t + 1)];
}

/** Times on the webhooks page: in the chosen zone, to the second. */
export const formatTime = (iso: string, tz: string): string => formatInstant(iso, tz);
