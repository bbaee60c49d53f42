import { useState } from 'preact/hooks';
import { ApiFailure, api } from '../lib/api.ts';
import type { Subscription } from './webhooks-data.ts';

// CreateSubscription through a form. The API decides what target is acceptable (https,
// or http/private only when the operator allows it): its 400 message is shown as is.

const EVENT_TYPES = [
  { id: 'TRACKING_EVENT', label: 'Tracking events' },
  { id: 'MESSAGE_EVENT', label: 'Message events' },
  { id: 'FLOW_EVENT', label: 'Flow (step) events' },
];

interface Created {
  subscription: Subscription;
  secret?: string;
}

function SecretOnce({ created, onDone }: { created: Created; onDone: () => void }) {
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.secret ?? '');
      setCopied('Copied.');
    } catch {
      setCopied('The browser refused the clipboard: select the secret and copy it by hand.');
    }
  };
  return (
    <div class="wh-created" role="status" data-created={created.subscription.id}>
      <p>
        Subscription <code>{created.subscription.id}</code> created with status{' '}
        <strong>{created.subscription.status}</strong>.
      </p>
      {created.secret ? (
        <>
          <p>
            <strong>Copy the signing secret now.</strong> It is shown only this once: the API never returns it again.
            Your receiver needs it to check the <code>webhook-signature</code> header.
          </p>
          <p class="row">
            <label>
              Signing secret <input class="wh-secret" readOnly value={created.secret} size={48} data-secret />
            </label>
            <button type="button" onClick={copy}>
              Copy secret
            </button>
            {copied ? <span class="muted">{copied}</span> : null}
          </p>
        </>
      ) : (
        <p>It signs with the secret you gave; the API never returns it.</p>
      )}
      <button type="button" onClick={onDone}>
        I have saved it, close
      </button>
    </div>
  );
}

export function CreateForm({ bot, onCreated }: { bot: string; onCreated: () => void }) {
  const [target, setTarget] = useState('');
  const [eventType, setEventType] = useState('TRACKING_EVENT');
  const [names, setNames] = useState('');
  const [botVersion, setBotVersion] = useState('');
  const [secret, setSecret] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<Created | null>(null);
  const tracking = eventType === 'TRACKING_EVENT';
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const eventNames = tracking
        ? names
            .split(',')
            .map((n) => n.trim())
            .filter(Boolean)
        : [];
      const body = {
        target: target.trim(),
        event_type: eventType,
        event_names: eventNames,
        version: 'v1',
        ...(botVersion ? { bot_version: botVersion } : {}),
        ...(secret ? { secret } : {}),
      };
      const res = await api.post<Created>(`/v1/bots/${encodeURIComponent(bot)}/subscriptions`, body);
      setCreated(res);
      setTarget('');
      setNames('');
      setSecret('');
      onCreated();
    } catch (err) {
      setError(
        err instanceof ApiFailure
          ? err.status === 400
            ? `The API refused it: ${err.message}`
            : `${err.status}: ${err.message}`
          : 'The server could not be reached.',
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="panel wide" data-panel="create-subscription" data-state="ready">
      <header class="panel-head">
        <h2>New subscription for bot {bot}</h2>
      </header>
      {created ? <SecretOnce created={created} onDone={() => setCreated(null)} /> : null}
      <form class="wh-form" onSubmit={submit} aria-label="New subscription">
        <label>
          Target URL
          <input
            name="target"
            type="text"
            inputMode="url"
            required
            placeholder="https://example.com/webhooks/chatlayer"
            value={target}
            onInput={(e) => setTarget((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          Event type
          <select
            name="event_type"
            value={eventType}
            onChange={(e) => setEventType((e.target as HTMLSelectElement).value)}
          >
            {EVENT_TYPES.map((t) => (
              <option key={t.id} value={t.id}>
                {t.label} ({t.id})
              </option>
            ))}
          </select>
        </label>
        <label>
          Event names (comma separated; empty = all)
          <input
            name="event_names"
            type="text"
            disabled={!tracking}
            value={tracking ? names : ''}
            onInput={(e) => setNames((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          Bot version
          <select
            name="bot_version"
            value={botVersion}
            onChange={(e) => setBotVersion((e.target as HTMLSelectElement).value)}
          >
            <option value="">Both (LIVE and DRAFT)</option>
            <option value="LIVE">LIVE only</option>
            <option value="DRAFT">DRAFT only</option>
          </select>
        </label>
        <label>
          Secret (optional; one is generated when empty)
          <input
            name="secret"
            type="password"
            autoComplete="new-password"
            value={secret}
            onInput={(e) => setSecret((e.target as HTMLInputElement).value)}
          />
        </label>
        <p class="muted wh-hint">
          Payload version v1. With the ownership handshake on (the default), the target must answer the challenge
          request by echoing its <code>challenge</code> text before anything is delivered.
        </p>
        <div class="row">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create subscription'}
          </button>
        </div>
        {error ? (
          <div class="state state-error" role="alert" data-create-error>
            {error}
          </div>
        ) : null}
      </form>
    </section>
  );
}
