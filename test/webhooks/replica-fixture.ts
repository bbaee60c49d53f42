import crypto from 'node:crypto';
import http from 'node:http';
import type { StoredEvent } from '../../src/ingest/event.ts';
import { createLogger } from '../../src/log.ts';
import type { ControlDb } from '../../src/store/control/db.ts';
import { DeliveryStore } from '../../src/webhooks/delivery-store.ts';
import { type DispatcherOptions, WebhookDispatcher } from '../../src/webhooks/dispatcher.ts';
import { WebhookSender } from '../../src/webhooks/sender.ts';
import type { SubscriptionRow } from '../../src/webhooks/subscriptions.ts';

/** A stored tracking event with every field filled, as the ingest hands it to enqueueDeliveries. */
export function trackingEvent(botId: string, seq: number, over: Partial<StoredEvent> = {}): StoredEvent {
  return {
    id: `ev-${seq}`,
    idSupplied: true,
    type: 'tracking',
    tsMs: 1_790_000_000_000 + seq,
    teamId: 'team-r',
    botId,
    version: 'LIVE',
    userId: `u${seq % 7}`,
    conversationId: '',
    channelType: '',
    channelId: '',
    language: '',
    campaignId: '',
    campaignSource: '',
    direction: '',
    kind: '',
    intent: null,
    confidence: null,
    stepId: '',
    stepType: '',
    eventName: 'paid',
    attributes: `{"i":${seq}}`,
    durationSeconds: 0,
    answered: false,
    tags: [],
    seq,
    ingestedAtMs: 1_790_000_000_000 + seq,
    ...over,
  };
}

/** Inserts a subscription row as the API would (ACTIVE unless told). */
export async function insertSub(
  db: ControlDb,
  botId: string,
  target: string,
  over: Partial<SubscriptionRow> = {},
): Promise<SubscriptionRow> {
  const row: SubscriptionRow = {
    id: `sub_${crypto.randomBytes(12).toString('hex')}`,
    bot_id: botId,
    team_id: 'team-r',
    target,
    secret: 'whsec_dGVzdC1zZWNyZXQtZm9yLXJlcGxpY2Fz',
    event_type: 'TRACKING_EVENT',
    event_names: '[]',
    version: 'v1',
    status: 'ACTIVE',
    created_at: new Date().toISOString(),
    deleted_at: null,
    cursor_seq: 0,
    failing_since: null,
    status_reason: '',
    bot_version: '',
    challenge: '',
    challenge_attempts: 0,
    challenge_next_at: Date.now(),
    ...over,
  };
  await db.insertInto('subscriptions').values(row).execute();
  return row;
}

export function replica(db: ControlDb, replicaId: string, over: Partial<DispatcherOptions> = {}): WebhookDispatcher {
  return new WebhookDispatcher(db, new DeliveryStore(db), new WebhookSender(true), {
    retryScheduleSeconds: [1, 1, 1],
    perTargetConcurrency: 8,
    log: createLogger('silent'),
    replicaId,
    deliveries: true,
    pollMs: 50,
    refreshMs: 200,
    ...over,
  });
}

type Answer = { status: number; body?: string };

/**
 * A receiver on 127.0.0.1 that counts requests per webhook-id and records any moment two
 * requests of one id were in flight together (what a second replica sending it would cause).
 */
export class CountingReceiver {
  readonly requests = new Map<string, number>();
  readonly delivered = new Map<string, number>();
  readonly byType = new Map<string, number>();
  readonly overlaps: string[] = [];
  readonly challenges: string[] = [];
  private readonly inflight = new Map<string, number>();
  /** Answer to the n-th notification of an id (1-based); default 200 after a short random wait. */
  answer: (id: string, n: number) => Answer = () => ({ status: 200 });
  onChallenge: (challenge: string) => Answer = (c) => ({ status: 200, body: c });
  private readonly server: http.Server;
  url = '';

  constructor() {
    this.server = http.createServer((req, res) => {
      const id = String(req.headers['webhook-id']);
      const type = String(req.headers['x-message-type']);
      this.byType.set(type, (this.byType.get(type) ?? 0) + 1);
      const now = (this.inflight.get(id) ?? 0) + 1;
      this.inflight.set(id, now);
      if (now > 1) this.overlaps.push(id);
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => {
        body += c;
      });
      req.on('end', () => {
        let a: Answer;
        if (type === 'webhook_callback_verification') {
          const c = (JSON.parse(body) as { challenge: string }).challenge;
          this.challenges.push(c);
          a = this.onChallenge(c);
        } else if (type === 'notification') {
          const n = (this.requests.get(id) ?? 0) + 1;
          this.requests.set(id, n);
          a = this.answer(id, n);
          if (a.status >= 200 && a.status < 300) this.delivered.set(id, (this.delivered.get(id) ?? 0) + 1);
        } else {
          a = { status: 200 };
        }
        // A few ms in flight, so a second sender of the same id would overlap.
        setTimeout(
          () => {
            this.inflight.set(id, (this.inflight.get(id) ?? 1) - 1);
            res.writeHead(a.status, { 'content-type': 'text/plain' });
            res.end(a.body ?? 'ok');
          },
          Math.floor(Math.random() * 4),
        );
      });
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const addr = this.server.address();
    this.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/hook`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}
