/**
 * Property test: GET /v1/bots/{bot_id}/conversations/{conversation_id}/flow answers
 * exactly what the reference (test/reference/conversation-flow.ts, from
 * CONTRACT-LIVE-API §4 only) computes, with and without `message_id`, 404s included.
 * Random conversations mix steps, user and bot messages and tracking events, equal
 * timestamps (ingest order decides), events posted out of time order, 15-minute splits,
 * supplied ids (also the same id on both versions) and ranges that miss conversations.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { assertMatchesSchema } from '../helpers/openapi-validate.ts';
import { api, ingest, startTestServer, type TestServer } from '../helpers/server.ts';
import { getConversationFlow, RefNotFound } from '../reference/conversation-flow.ts';
import type { RefEvent } from '../reference/events.ts';
import { buildModel, type Model } from '../reference/model.ts';
import type { Query } from '../reference/params.ts';

let server: TestServer;
let token: string;
let run = 0;

const STEPS = ['A', 'B', 'C'];
const TYPES = ['bot_dialog', 'action'];
const BASE = Date.parse('2026-10-05T10:00:00Z');
const MIN = 60_000;

type Kind = 'step' | 'user' | 'bot' | 'tracking';
interface Item {
  kind: Kind;
  step: number;
  typeShift: number;
  gapSec: number;
}
interface Session {
  user: number;
  channel: number;
  draft: boolean;
  startMin: number;
  /** Supplied conversation id index (several sessions may share one), or none. */
  supplied: number | null;
  items: Item[];
}

const item: fc.Arbitrary<Item> = fc.record({
  kind: fc.constantFrom<Kind>('step', 'step', 'user', 'user', 'bot', 'tracking'),
  step: fc.nat({ max: STEPS.length - 1 }),
  typeShift: fc.constantFrom(0, 0, 0, 1),
  gapSec: fc.constantFrom(0, 0, 1, 30, 600, 900),
});

const session: fc.Arbitrary<Session> = fc.record({
  user: fc.nat({ max: 2 }),
  channel: fc.nat({ max: 1 }),
  draft: fc.constantFrom(false, false, true),
  startMin: fc.integer({ min: -180, max: 600 }),
  supplied: fc.constantFrom(null, null, 0, 1),
  items: fc.array(item, { minLength: 0, maxLength: 12 }),
});

function toEvents(bot: string, sessions: Session[]): RefEvent[] {
  const events: RefEvent[] = [];
  sessions.forEach((s, si) => {
    let t = BASE + s.startMin * MIN;
    s.items.forEach((it, k) => {
      t += it.gapSec * 1000;
      const common = {
        id: `e${si}-${k}`,
        timestamp: new Date(t).toISOString(),
        team_id: 't1',
        bot_id: bot,
        version: (s.draft ? 'DRAFT' : 'LIVE') as RefEvent['version'],
        user_id: `u${s.user}`,
        channel_type: s.channel === 0 ? 'web' : 'whatsapp',
        ...(s.supplied === null ? {} : { conversation_id: `conv-${s.supplied}` }),
      };
      if (it.kind === 'step') {
        events.push({
          ...common,
          type: 'step',
          step_id: STEPS[it.step] as string,
          step_type: TYPES[(it.step + it.typeShift) % TYPES.length] as string,
        });
      } else if (it.kind === 'user') {
        events.push({ ...common, type: 'message', direction: 'user', kind: 'text', intent: 'hi' });
      } else if (it.kind === 'bot') {
        events.push({ ...common, type: 'message', direction: 'bot' });
      } else {
        events.push({ ...common, type: 'tracking', event: 'clicked', attributes: {} });
      }
    });
  });
  return events;
}

/** Model conversation key → the id the service stored (read from the stored events). */
async function realConversationIds(bot: string, model: Model): Promise<Map<string, string>> {
  const rs = await server.services.ch.query({
    query: 'SELECT id, conversation_id FROM events WHERE bot_id = {bot:String}',
    query_params: { bot },
    format: 'JSONEachRow',
  });
  const byEvent = new Map(
    (await rs.json<{ id: string; conversation_id: string }>()).map((r) => [r.id, r.conversation_id]),
  );
  const ids = new Map<string, string>();
  for (const c of model.conversations) {
    const real = byEvent.get(c.events[0]?.raw.id ?? '');
    if (real !== undefined) ids.set(c.key, real);
  }
  return ids;
}

const rangeArb = fc.constantFrom<Record<string, string>>(
  { start_time: '2026-10-05', end_time: '2026-10-06' },
  { start_time: '2026-10-05T08:00:00Z', end_time: '2026-10-05T12:00:00Z' },
  { start_time: '2026-10-05T12:00:00+02:00', end_time: '2026-10-05T12:00:01+02:00' },
  { start_time: '2026-10-01', end_time: '2026-10-10', timezone: 'Europe/Brussels' },
);

before(async () => {
  server = await startTestServer();
  token = await server.token('t1');
});

after(async () => {
  await server.close();
});

test('conversation flows match the reference, with and without message_id', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(session, { minLength: 1, maxLength: 6 }),
      fc.boolean(),
      rangeArb,
      fc.array(fc.nat(), { minLength: 6, maxLength: 6 }),
      async (sessions, shuffle, range, picks) => {
        run += 1;
        const bot = `cf${run}-${Date.now().toString(36)}`;
        let events = toEvents(bot, sessions);
        if (events.length === 0) return;
        if (shuffle) events = [...events].reverse();
        const res = await ingest(server.url, token, events);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const model = buildModel(events);
        const realIds = await realConversationIds(bot, model);

        // Each conversation on its own version and the other one, plus an unknown id.
        const asks: { id: string; version: string }[] = [{ id: 'no-such-conversation', version: 'LIVE' }];
        for (const c of model.conversations) {
          const id = realIds.get(c.key) ?? '';
          asks.push({ id, version: c.version }, { id, version: c.version === 'LIVE' ? 'DRAFT' : 'LIVE' });
        }
        const allIds = events.map((e) => e.id ?? '');
        for (const [i, ask] of asks.entries()) {
          const c = model.conversations.find((x) => realIds.get(x.key) === ask.id && x.version === ask.version);
          const own = c?.events.map((e) => e.raw.id ?? '') ?? [];
          // No message id, one of its events (user or not), any event of the bot, an unknown id.
          const pick = picks[i % picks.length] ?? 0;
          const messageIds = [undefined, own[pick % Math.max(own.length, 1)], allIds[pick % allIds.length], 'nope'];
          for (const messageId of messageIds) {
            const q: Query = { version: ask.version, ...range };
            if (messageId !== undefined) q.message_id = messageId;
            const url = `/v1/bots/${bot}/conversations/${encodeURIComponent(ask.id)}/flow?${new URLSearchParams(q as Record<string, string>)}`;
            const got = await api(`${server.url}${url}`, token);
            let want: unknown;
            try {
              want = getConversationFlow(model, { bot_id: bot, conversation_id: ask.id }, q, realIds);
            } catch (err) {
              if (!(err instanceof RefNotFound)) throw err;
              assert.equal(got.status, 404, `${url}: ${JSON.stringify(got.body)}`);
              assert.equal((got.body as { code: number }).code, 5);
              continue;
            }
            assert.equal(got.status, 200, `${url}: ${JSON.stringify(got.body)}`);
            assertMatchesSchema('Analytics_GetConversationFlow', got.body);
            assert.deepEqual(got.body, want, url);
          }
        }
      },
    ),
    { numRuns: 25 },
  );
});
