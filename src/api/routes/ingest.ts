import { parseIngestBody } from '../../ingest/parse.ts';
import { decodeBody } from '../../ingest/utf8.ts';
import type { Handler } from '../context.ts';

export const ingestHandlers: Record<string, Handler> = {
  Analytics_Ingest: async ({ body, headers, principal, services }) => {
    const contentType = typeof headers['content-type'] === 'string' ? headers['content-type'] : undefined;
    // The body arrives as bytes (rawBody route) so invalid UTF-8 is refused, not replaced.
    const text = Buffer.isBuffer(body) ? decodeBody(body) : '';
    const events = parseIngestBody(text, contentType);
    return services.ingest.ingest(principal, events);
  },
};
