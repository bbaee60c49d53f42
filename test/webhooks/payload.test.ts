/**
 * Bodies enqueued at ingest (enqueue.ts, built from the events in memory) are byte-identical
 * to the bodies built from the rows the analytics store holds (readNewEvents below,
 * how they were built before issue 10): every event type, Float32 confidences, null intents,
 * conversations assigned by the sessionizer, the event_names and bot_version filters.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ClickHouseClient } from '../../src/store/clickhouse/client.ts';
import { deliveryOf, type EventFields, type NewDelivery, type SourceSpec } from '../../src/webhooks/event-source.ts';
import { EVENT_TYPE_SOURCES } from '../../src/webhooks/subscriptions.ts';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';
import { Receiver } from './receiver.ts';

const TEAM = 'team-payload';
const BOT = 'bot-payload';
let srv: TestServer;
let token: string;
let rcv: Receiver;

before(async () => {
  srv = await startTestServer({ webhookAllowPrivateTargets: true, webhookVerifyTargets: false });
  token = await srv.token(TEAM);
  rcv = await new Receiver().listen();
});
after(async () => {
  await srv.close();
  await rcv.close();
});

test('enqueued bodies equal the bodies built from the stored rows', async () => {
  await srv.services.bots.claim(BOT, TEAM);
  const subs: { id: string; event_type: string; event_names: string[]; bot_version: string }[] = [];
  for (const body of [
    { event_type: 'TRACKING_EVENT' },
    { event_type: 'TRACKING_EVENTS', event_names: ['paid'] },
    { event_type: 'MESSAGE_EVENT', bot_version: 'DRAFT' },
    { event_type: 'MESSAGE_EVENT' },
    { event_type: 'FLOW_EVENT', bot_version: 'LIVE' },
  ]) {
    const res = await api(`${srv.url}/v1/bots/${BOT}/subscriptions`, token, {
      method: 'POST',
      body: JSON.stringify({ version: 'v1', target: rcv.url, ...body }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    subs.push((res.body as { subscription: (typeof subs)[number] }).subscription);
  }
  const t0 = Date.parse('2026-11-30T10:00:00.000Z');
  const at = (i: number) => new Date(t0 + i * 61_000 + (i % 3)).toISOString();
  const base = (i: number, version = 'LIVE') => ({
    id: `p-${i}`,
    team_id: TEAM,
    bot_id: BOT,
    version,
    user_id: `u${i % 3}`,
    channel_type: i % 2 ? 'web' : 'whatsapp',
    channel_id: `ch-${i % 2}`,
    language: i % 2 ? 'nl' : 'en',
    timestamp: at(i),
  });
  const confidences = [0.123456789, 0.9, 1, 0, 0.1, 1 / 3, 0.7000000000000001, 5e-8];
  const events: Record<string, unknown>[] = [];
  for (let i = 0; i < 40; i++) {
    const version = i % 4 === 0 ? 'DRAFT' : 'LIVE';
    if (i % 3 === 0) {
      events.push({
        ...base(i, version),
        type: 'message',
        direction: i % 2 ? 'user' : 'bot',
        kind: i % 5 ? 'text' : 'button',
        ...(i % 6 === 0 ? {} : { intent: `intent-${i % 4}` }),
        ...(i % 7 === 0 ? {} : { confidence: confidences[i % confidences.length] }),
      });
    } else if (i % 3 === 1) {
      events.push({ ...base(i, version), type: 'step', step_id: `s${i % 5}`, step_type: 'bot_dialog' });
    } else {
      events.push({
        ...base(i, version),
        type: 'tracking',
        event: i % 2 ? 'paid' : 'signup',
        attributes: { amount: i * 1.5, note: `ünïcode "${i}"`, ok: i % 2 === 0 },
      });
    }
  }
  const res = await ingest(srv.url, token, events);
  assert.equal(res.status, 200, JSON.stringify(res.body));

  let compared = 0;
  for (const s of subs) {
    const fromStore = await readNewEvents(
      srv.services.ch,
      {
        id: s.id,
        teamId: TEAM,
        botId: BOT,
        eventType: s.event_type,
        eventNames: s.event_names,
        botVersion: s.bot_version,
      },
      0,
      10_000,
    );
    const enqueued = await srv.services.db
      .selectFrom('webhook_deliveries')
      .select(['id', 'event_seq', 'payload'])
      .where('subscription_id', '=', s.id)
      .orderBy('event_seq')
      .execute();
    assert.ok(fromStore.length > 0, s.event_type);
    assert.deepEqual(
      enqueued.map((r) => ({ id: r.id, seq: Number(r.event_seq), payload: r.payload })),
      fromStore,
      `${s.event_type} ${s.bot_version}`,
    );
    compared += fromStore.length;
  }
  assert.ok(compared >= 40, `${compared} bodies compared`);
});

/**
 * Matching events with seq > `afterSeq` as the analytics store holds them, as deliveries.
 * How deliveries were read before issue 10 (a scan of the analytics store); kept here as the
 * reference the enqueued bodies are checked against.
 */
async function readNewEvents(
  ch: ClickHouseClient,
  spec: SourceSpec,
  afterSeq: number,
  limit: number,
): Promise<NewDelivery[]> {
  const type = EVENT_TYPE_SOURCES[spec.eventType] ?? 'tracking';
  const rs = await ch.query({
    query: `SELECT seq, id, type, toUnixTimestamp64Milli(ts) AS ts_ms, version, user_id, conversation_id,
                   channel_type, channel_id, language, direction, kind, intent, has_intent, confidence,
                   step_id, step_type, event_name, attributes
            FROM events
            WHERE team_id = {team:String} AND bot_id = {bot:String} AND type = {type:String}
              AND seq > {after:UInt64}
              AND (length({names:Array(String)}) = 0 OR has({names:Array(String)}, event_name))
              AND ({bot_version:String} = '' OR version = {bot_version:String})
            ORDER BY seq
            LIMIT {limit:UInt32}`,
    query_params: {
      team: spec.teamId,
      bot: spec.botId,
      type,
      after: afterSeq,
      names: spec.eventNames,
      bot_version: spec.botVersion,
      limit,
    },
    format: 'JSONEachRow',
  });
  const rows = await rs.json<EventFields>();
  return rows.map((r) => deliveryOf(spec, r));
}
