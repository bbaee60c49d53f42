/**
 * Bot-level time series and distributions (CONTRACT §4):
 * Analytics_GetConversations, Analytics_GetConversationsInsights,
 * Analytics_GetMessages, Analytics_GetUsers, Analytics_GetUserActivity.
 */
import { DateTime } from 'luxon';
import type { SeriesData } from './buckets.js';
import type { Model, ModelEvent } from './model.js';
import {
  botConversations,
  botEvents,
  filtersOf,
  isUserMessage,
  one,
  type PathParams,
  type Query,
  rangeOf,
  required,
  timelineOf,
} from './params.js';
import { fixedSeries, GroupCounter } from './series.js';

export interface SeriesBody {
  data: SeriesData;
}

/** Conversations started per bucket; `group_by=channel_type|language` gives one series per value. */
export function getConversations(model: Model, path: PathParams, q: Query): SeriesBody {
  const timeline = timelineOf(q);
  const convs = botConversations(model, required(path, 'bot_id'), required(q, 'version'), rangeOf(q), filtersOf(q));
  const groupBy = one(q, 'group_by');
  const counter = new GroupCounter(timeline);
  // Decision: an empty `group_by=` is the same as no group_by.
  if (groupBy === undefined || groupBy === '') {
    for (const c of convs) counter.add('conversations', c.startMs);
    return { data: fixedSeries(timeline.labels, ['conversations'], [counter.row('conversations')]) };
  }
  if (groupBy !== 'channel_type' && groupBy !== 'language') throw new Error(`bad group_by ${groupBy}`);
  // CONTRACT-LIVE-API §6: each series' labels = {group_by field: its value}.
  for (const c of convs) counter.add(c[groupBy], c.startMs, 1, { fields: [groupBy], values: [c[groupBy]] });
  return { data: counter.grouped() };
}

const NUM_LABELS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10+'];
const CONV_LABELS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10+'];
const DURATION_LABELS = ['0-10', '10-30', '30-60', '60-120', '120-300', '300-600', '600-1800', '1800+'];
/** Lower bounds in seconds of DURATION_LABELS; each bin is [lower, next lower). */
const DURATION_LOWER = [0, 10, 30, 60, 120, 300, 600, 1800];

/** Index in a `0..9, 10+` style axis whose first label is `first`. */
function countBin(n: number, first: number): number {
  return Math.min(n, 10) - first;
}

/**
 * Decision: duration bins are half-open [lower, upper) on the exact duration
 * (milliseconds / 1000): 10 s goes to `10-30`, 9.999 s to `0-10`.
 */
function durationBin(seconds: number): number {
  let i = 0;
  for (let k = 0; k < DURATION_LOWER.length; k++) if (seconds >= (DURATION_LOWER[k] ?? 0)) i = k;
  return i;
}

/**
 * Distribution over the conversations started in range (with all their
 * events, also after end_time). One series labelled with the stat; x_values
 * are the stat's bins, not time buckets.
 */
export function getConversationsInsights(model: Model, path: PathParams, q: Query): SeriesBody {
  const stat = required(q, 'stat');
  const convs = botConversations(model, required(path, 'bot_id'), required(q, 'version'), rangeOf(q), filtersOf(q));
  let labels: string[];
  let values: number[];
  if (stat === 'num_messages') {
    labels = NUM_LABELS;
    values = labels.map(() => 0);
    for (const c of convs) bump(values, countBin(c.userMessages, 0));
  } else if (stat === 'duration_seconds') {
    labels = DURATION_LABELS;
    values = labels.map(() => 0);
    for (const c of convs) bump(values, durationBin((c.endMs - c.startMs) / 1000));
  } else if (stat === 'num_conversations') {
    // §7: every conversation of the user started in range, bot-only ones
    // included. Decision: a conversation belongs to the user of its first
    // event (matters only for a supplied conversation_id shared by users).
    labels = CONV_LABELS;
    values = labels.map(() => 0);
    const perUser = new Map<string, number>();
    for (const c of convs) perUser.set(c.user_id ?? '', (perUser.get(c.user_id ?? '') ?? 0) + 1);
    for (const n of perUser.values()) bump(values, countBin(n, 1));
  } else {
    throw new Error(`bad stat ${stat}`);
  }
  return { data: fixedSeries(labels, [stat], [values]) };
}

function bump(values: number[], i: number): void {
  values[i] = (values[i] ?? 0) + 1;
}

export type MessageCategory = 'understood' | 'not_understood' | 'button_click' | 'other';
export const MESSAGE_LABELS: MessageCategory[] = ['understood', 'not_understood', 'button_click', 'other'];

/**
 * §2 message categories of a user message. Decisions: a user message
 * without `kind` is treated as text; a text message is understood when
 * `intent` is a string (an absent intent is the same as null).
 */
export function messageCategory(e: ModelEvent): MessageCategory | undefined {
  if (!isUserMessage(e)) return undefined;
  if (e.raw.kind === 'button') return 'button_click';
  if (e.raw.kind === 'media') return 'other';
  return typeof e.raw.intent === 'string' ? 'understood' : 'not_understood';
}

/** Four fixed series of user messages per bucket, by the event's own time and fields. */
export function getMessages(model: Model, path: PathParams, q: Query): SeriesBody {
  const timeline = timelineOf(q);
  const counter = new GroupCounter(timeline);
  for (const e of botEvents(model, required(path, 'bot_id'), required(q, 'version'), rangeOf(q), filtersOf(q))) {
    const cat = messageCategory(e);
    if (cat !== undefined) counter.add(cat, e.ms);
  }
  return {
    data: fixedSeries(
      timeline.labels,
      MESSAGE_LABELS,
      MESSAGE_LABELS.map((l) => counter.row(l)),
    ),
  };
}

/**
 * total / new / returning users per bucket.
 *
 * Decisions: "first ever message" is the user's first user message for the
 * bot+version over all time and all channels/languages (filters do not
 * apply to it, they select who is active). A user is new in a bucket when
 * active there (filtered, in range) and the first ever message falls in the
 * bucket's whole calendar span, even the part before start_time: with 1d
 * buckets and start_time 10:00, a user first seen at 09:00 and active at
 * 11:00 is new that day ("falls in the bucket", and buckets are calendar
 * units; the 09:00 message itself is still not counted anywhere). This keeps
 * a bucket's `new` independent of where the range happens to cut it.
 * Without a bucket, the bucket is exactly [start_time, end_time).
 */
export function getUsers(model: Model, path: PathParams, q: Query): SeriesBody {
  const bot = required(path, 'bot_id');
  const version = required(q, 'version');
  const timeline = timelineOf(q);
  const firstEver = new Map<string, number>();
  for (const e of model.events) {
    if (e.bot_id !== bot || e.version !== version || !isUserMessage(e)) continue;
    const u = e.user_id ?? '';
    const prev = firstEver.get(u);
    if (prev === undefined || e.ms < prev) firstEver.set(u, e.ms);
  }
  const active = timeline.starts.map(() => new Set<string>());
  for (const e of botEvents(model, bot, version, rangeOf(q), filtersOf(q))) {
    if (!isUserMessage(e)) continue;
    active[timeline.indexOf(e.ms)]?.add(e.user_id ?? '');
  }
  const total = active.map((s) => s.size);
  const fresh = active.map(
    (s, i) => [...s].filter((u) => timeline.calendarIndexOf(firstEver.get(u) ?? Number.NaN) === i).length,
  );
  const returning = total.map((t, i) => t - (fresh[i] ?? 0));
  return { data: fixedSeries(timeline.labels, ['total', 'new', 'returning'], [total, fresh, returning]) };
}

export const WEEKDAY_LABELS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
export const HOUR_LABELS = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));

/**
 * Distinct users per local weekday × hour over the whole range. Both passes
 * through a repeated autumn hour (02:00 CEST and 02:00 CET) are slot `02`.
 */
export function getUserActivity(model: Model, path: PathParams, q: Query): SeriesBody {
  const range = rangeOf(q);
  const slots = WEEKDAY_LABELS.map(() => HOUR_LABELS.map(() => new Set<string>()));
  for (const e of botEvents(model, required(path, 'bot_id'), required(q, 'version'), range, filtersOf(q))) {
    if (!isUserMessage(e)) continue;
    const local = DateTime.fromMillis(e.ms, { zone: range.zone });
    slots[local.weekday - 1]?.[local.hour]?.add(e.user_id ?? '');
  }
  return {
    data: fixedSeries(
      HOUR_LABELS,
      WEEKDAY_LABELS,
      slots.map((day) => day.map((s) => s.size)),
    ),
  };
}
