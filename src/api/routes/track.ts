import type { Handler } from '../context.ts';
import { parseTrackBody } from '../track-body.ts';

export const trackHandlers: Record<string, Handler> = {
  // POST /v1/bots/{bot_id}/events/track
  Analytics_TrackEvent: async ({ params, body, principal, services }) => {
    const input = parseTrackBody(body);
    // Tenancy is the ingest service's (claim an unclaimed bot, 403 for another team's).
    const { eventId } = await services.ingest.track(principal, params.bot_id as string, input);
    return { event_id: eventId };
  },
};
