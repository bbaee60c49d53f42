import { parseIngestBody } from '../../ingest/parse.ts';
import type { Handler } from '../context.ts';

export const ingestHandlers: Record<string, Handler> = {
  Analytics_Ingest: async ({ body, headers, principal, services }) => {
    const contentType = typeof headers['content-type'] === 'string' ? headers['content-type'] : undefined;
    const events = parseIngestBody(typeof body === 'string' ? body : '', contentType);
    return services.ingest.ingest(principal, events);
  },
};
