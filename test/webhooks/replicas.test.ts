/**
 * Webhook delivery with two replicas on one control store (I4 of DESIGN.md "Scale-out"):
 * two dispatchers with their own connections and replica ids, as two processes would have,
 * against a receiver on 127.0.0.1 that counts per webhook-id and records overlapping sends.
 * On PostgreSQL (a fresh schema; claims use FOR UPDATE SKIP LOCKED) and on SQLite.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ControlDb, migrateControl, openControlDb } from '../../src/store/control/db.ts';
import { DeliveryStore } from '../../src/webhooks/delivery-store.ts';
import type { WebhookDispatcher } from '../../src/webhooks/dispatcher.ts';
import { enqueueDeliveries } from '../../src/webhooks/enqueue.ts';
import { messageId } from '../../src/webhooks/event-source.ts';
import { freshSchema, postgresReachable } from '../foundation/postgres.ts';
import { tempDir } from '../helpers/server.ts';
import { CountingReceiver, insertSub, replica, sleep, trackingEvent, until } from './replica-fixture.ts';

interface Engine {
  name: string;
  /** Two connections to one fresh store (migrated), and how to drop it. */
  open(): Promise<{ a: ControlDb; b: ControlDb; drop: () => Promise<void> }>;
}

const engines: Engine[] = [
  {
    name: 'PostgreSQL',
    open: async () => {
      const pg = await freshSchema();
      const a = openControlDb({ databaseUrl: pg.url, dataDir: '' });
      await migrateControl(a);
      return { a, b: openControlDb({ databaseUrl: pg.url, dataDir: '' }), drop: pg.drop };
    },
  },
  {
    name: 'SQLite',
    open: async () => {
      const dataDir = tempDir('cla-wh-replicas-');
      const a = openControlDb({ dataDir });
      await migrateControl(a);
      return { a, b: openControlDb({ dataDir }), drop: async () => {} };
    },
  },
];

const pgUp = await postgresReachable();
let nextSeq = 1_000;
const batch = (bot: string, n: number) => Array.from({ length: n }, () => trackingEvent(bot, nextSeq++));

for (const engine of engines) {
  describe(`webhooks across two replicas (${engine.name})`, { skip: engine.name === 'PostgreSQL' && !pgUp }, () => {
    let a: ControlDb;
    let b: ControlDb;
    let drop = async () => {};
    let ra: WebhookDispatcher;
    let rb: WebhookDispatcher;
    const receivers: CountingReceiver[] = [];
    const receiver = async () => {
      const r = await new CountingReceiver().listen();
      receivers.push(r);
      return r;
    };

    before(async () => {
      ({ a, b, drop } = await engine.open());
      // Both start on the empty store: on SQLite a start gives back every lease (one process).
      ra = replica(a, 'replica-a');
      rb = replica(b, 'replica-b');
      await ra.start();
      await rb.start();
    });
    after(async () => {
      await ra.stop();
      await rb.stop();
      await a.destroy();
      await b.destroy();
      for (const r of receivers) await r.close();
      await drop();
    });

    test('every event delivered exactly once, never sent by both at the same time (retries included)', async () => {
      const rcv = await receiver();
      // One id in five is refused once: its retry (1 s later) may be claimed by either replica.
      rcv.answer = (id, n) => (n === 1 && id.charCodeAt(id.length - 1) % 5 === 0 ? { status: 503 } : { status: 200 });
      const sub = await insertSub(a, 'bot-r1', rcv.url);
      const other = await insertSub(a, 'bot-r1', rcv.url, { event_type: 'MESSAGE_EVENT' });
      await sleep(300); // both replicas have read the subscriptions
      const ids: string[] = [];
      const firstSeq = nextSeq;
      for (let i = 0; i < 8; i++) {
        const events = batch('bot-r1', 100);
        // Half the batches committed through each replica, which is told (notify), the other polls.
        const [db, self] = i % 2 === 0 ? [a, ra] : [b, rb];
        assert.equal(await enqueueDeliveries(db, events, Date.now()), 100, 'the message subscription matches none');
        self.notify();
        for (const e of events) ids.push(messageId(sub.id, e.seq));
      }
      await until('all 800 delivered', () => rcv.delivered.size === ids.length);
      await sleep(1_500);
      assert.deepEqual(
        ids.filter((id) => rcv.delivered.get(id) !== 1),
        [],
        'each delivered exactly once',
      );
      assert.deepEqual(rcv.overlaps, [], 'no id in flight twice at once');
      const retried = ids.filter((id) => (rcv.requests.get(id) ?? 0) === 2).length;
      assert.ok(retried > 0, 'some were retried');
      assert.equal([...rcv.requests.values()].filter((n) => n > 2).length, 0);
      const rows = await a
        .selectFrom('webhook_deliveries')
        .select(['status', 'lease_owner', 'subscription_id'])
        .where('subscription_id', 'in', [sub.id, other.id])
        .execute();
      assert.equal(rows.length, 800);
      assert.ok(rows.every((r) => r.status === 'delivered' && r.lease_owner === ''));
      // A re-enqueued batch (a retried ingest transaction) adds nothing.
      await enqueueDeliveries(b, [trackingEvent('bot-r1', firstSeq)], Date.now());
      const count = await a
        .selectFrom('webhook_deliveries')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('subscription_id', '=', sub.id)
        .executeTakeFirst();
      assert.equal(Number(count?.n), 800);
    });

    test('a lease held by a dead replica is honoured until it expires, then the other sends it', async () => {
      const rcv = await receiver();
      const sub = await insertSub(a, 'bot-r2', rcv.url);
      await sleep(300);
      const leaseUntil = Date.now() + 1_500;
      const [ev] = batch('bot-r2', 1);
      assert.ok(ev);
      // Claimed in the same commit as it was enqueued, so no live replica ever saw it free.
      await a.transaction().execute(async (tx) => {
        await enqueueDeliveries(tx, [ev], Date.now());
        await tx
          .updateTable('webhook_deliveries')
          .set({ lease_until: leaseUntil, lease_owner: 'replica-dead' })
          .where('subscription_id', '=', sub.id)
          .execute();
      });
      ra.notify();
      rb.notify();
      await sleep(1_000);
      assert.equal(rcv.requests.size, 0, 'not sent while the lease holds');
      await until('sent after the lease', () => rcv.delivered.size === 1, 5_000);
      assert.ok(Date.now() >= leaseUntil);
      assert.equal(rcv.delivered.get(messageId(sub.id, ev.seq)), 1);
    });

    test('a restart gives back its own leases at once (SQLite, one process: every lease)', async () => {
      const rcv = await receiver();
      const sub = await insertSub(a, 'bot-r6', rcv.url);
      await sleep(300);
      const [mine, theirs] = batch('bot-r6', 2);
      assert.ok(mine && theirs);
      await a.transaction().execute(async (tx) => {
        await enqueueDeliveries(tx, [mine, theirs], Date.now());
        for (const [ev, owner] of [
          [mine, 'replica-restarted'],
          [theirs, 'replica-alive'],
        ] as const) {
          await tx
            .updateTable('webhook_deliveries')
            .set({ lease_until: Date.now() + 60_000, lease_owner: owner })
            .where('id', '=', messageId(sub.id, ev.seq))
            .execute();
        }
      });
      const restarted = replica(b, 'replica-restarted');
      await restarted.start();
      try {
        await until('its own lease given back and sent', () => rcv.delivered.has(messageId(sub.id, mine.seq)), 5_000);
        await sleep(500);
        const other = rcv.delivered.has(messageId(sub.id, theirs.seq));
        // PostgreSQL: another live replica's lease holds; SQLite has no other process.
        assert.equal(other, engine.name === 'SQLite');
      } finally {
        await restarted.stop();
      }
    });

    test('a stale owner cannot overwrite the result of a newer claim', async () => {
      const sub = await insertSub(a, 'bot-r3', 'http://127.0.0.1:9/hook', { status: 'DISABLED' });
      const [ev] = batch('bot-r3', 1);
      assert.ok(ev);
      const row = {
        id: messageId(sub.id, ev.seq),
        subscription_id: sub.id,
        event_seq: ev.seq,
        payload: '{}',
        status: 'pending',
        attempts: 1,
        next_attempt_at: 0,
        created_at: 0,
        updated_at: 0,
        lease_until: Date.now() + 60_000,
        lease_owner: 'replica-new',
      };
      await a.insertInto('webhook_deliveries').values(row).execute();
      await new DeliveryStore(b).record(
        [
          {
            deliveryId: row.id,
            subscriptionId: sub.id,
            attempt: 1,
            attemptedAt: Date.now(),
            statusCode: 500,
            error: 'HTTP 500',
            durationMs: 1,
            outcome: 'failed',
            nextAttemptAt: Date.now(),
          },
        ],
        'replica-old',
      );
      const got = await a
        .selectFrom('webhook_deliveries')
        .select(['status', 'lease_owner'])
        .where('id', '=', row.id)
        .executeTakeFirstOrThrow();
      assert.deepEqual(got, { status: 'pending', lease_owner: 'replica-new' });
    });

    test('one challenge, then the events accepted while pending; one revocation when disabled', async () => {
      const rcv = await receiver();
      const sub = await insertSub(a, 'bot-r4', rcv.url, {
        status: 'VERIFICATION_PENDING',
        challenge: 'challenge-for-two-replicas',
      });
      // Refused until the events are in: both replicas see it pending and due.
      let verify = false;
      rcv.onChallenge = (c) => (verify ? { status: 200, body: c } : { status: 503 });
      const events = batch('bot-r4', 50);
      assert.equal(await enqueueDeliveries(b, events, Date.now()), 50, 'pending subscriptions get rows');
      await until('first challenge', () => rcv.challenges.length === 1, 5_000);
      verify = true;
      await until('all 50 delivered once verified', () => rcv.delivered.size === 50, 10_000);
      assert.equal(rcv.challenges.length, 2, 'each attempt sent by one replica');
      const row = await a
        .selectFrom('subscriptions')
        .select(['status', 'challenge_attempts'])
        .where('id', '=', sub.id)
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { status: 'ACTIVE', challenge_attempts: 2 });

      rcv.answer = () => ({ status: 410 });
      await sleep(300); // both have read it ACTIVE
      await enqueueDeliveries(a, batch('bot-r4', 40), Date.now());
      ra.notify();
      rb.notify();
      await until('disabled', async () => {
        const s = await b.selectFrom('subscriptions').select('status').where('id', '=', sub.id).executeTakeFirst();
        return s?.status === 'DISABLED';
      });
      await sleep(500);
      assert.equal(rcv.byType.get('revocation'), 1, 'one revocation notice');
      assert.equal(rcv.challenges.length, 2);
      assert.deepEqual(rcv.overlaps, []);
      const pending = await a
        .selectFrom('webhook_deliveries')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('subscription_id', '=', sub.id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      assert.equal(Number(pending?.n), 0, 'a disabled subscription has nothing left pending');
    });

    test('a replica without the delivery role never claims or sends', async () => {
      const rcv = await receiver();
      const off = replica(b, 'replica-off', { deliveries: false });
      await off.start();
      // The running replicas are stopped for this one: only `off` could send.
      await ra.stop();
      await rb.stop();
      await insertSub(a, 'bot-r5', rcv.url);
      await enqueueDeliveries(a, batch('bot-r5', 5), Date.now());
      off.notify();
      await sleep(600);
      assert.equal(rcv.requests.size, 0);
      await off.stop();
      // Fresh replicas for `after` (stop is idempotent enough to run twice).
      ra = replica(a, 'replica-a2');
      rb = replica(b, 'replica-b2');
      await ra.start();
      await rb.start();
      await until('sent once a delivering replica runs', () => rcv.delivered.size === 5, 5_000);
    });
  });
}
