import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServiceMetrics } from '../metrics/registry.ts';
import { ApiError, GrpcCode } from './errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The OpenAPI operationId of an API route (set where the routes are built). */
    operationId?: string;
  }
}

/** `operationId` of an API route, the route's url pattern otherwise: never the raw URL (label cardinality). */
export function operationOf(req: FastifyRequest): string {
  return req.routeOptions.config?.operationId ?? req.routeOptions.url ?? 'unmatched';
}

const INGEST = 'Analytics_Ingest';

function ingestOutcome(status: number): string {
  if (status < 300) return 'accepted';
  if (status === 429) return 'throttled';
  return status < 500 ? 'rejected' : 'failed';
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const envelope = (e: ApiError): string => JSON.stringify(e.toBody());

export interface MetricsExposure {
  /** Separate port: /metrics without auth. */
  port: number | undefined;
  host: string;
  /** Main port: /metrics to `Authorization: Bearer <token>`. */
  token: string | undefined;
}

/**
 * Counts every answer, and exposes the registry: on the main port only with the configured
 * token (without one the path does not exist: 404, so nothing tells a prober it could be
 * there), and without auth on METRICS_PORT, which the operator keeps off the public network.
 */
export function registerMetrics(app: FastifyInstance, metrics: ServiceMetrics, exposure: MetricsExposure): void {
  app.addHook('onResponse', async (req, reply) => {
    const operation = operationOf(req);
    metrics.httpRequests.inc({ operation, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ operation }, reply.elapsedTime / 1000);
    if (operation === INGEST) metrics.ingestRequests.inc({ outcome: ingestOutcome(reply.statusCode) });
  });

  const token = exposure.token;
  if (token) {
    app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
      const auth = req.headers.authorization ?? '';
      const given = auth.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : '';
      if (!sameSecret(given, token)) {
        throw new ApiError(GrpcCode.UNAUTHENTICATED, 'metrics need Authorization: Bearer <METRICS_TOKEN>', {
          headers: { 'www-authenticate': 'Bearer' },
        });
      }
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    });
  }

  const port = exposure.port;
  if (port === undefined) return;
  const server = http.createServer((req, res) => {
    const answer = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'content-type': type }).end(body);
    };
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      answer(404, 'application/json', envelope(new ApiError(GrpcCode.NOT_FOUND, 'only GET /metrics is served here')));
      return;
    }
    metrics.registry.metrics().then(
      (text) => answer(200, metrics.registry.contentType, text),
      (err: unknown) => {
        app.log.error({ err }, 'metrics collection failed');
        answer(500, 'application/json', envelope(new ApiError(GrpcCode.INTERNAL, 'metrics collection failed')));
      },
    );
  });
  // Started with the API (a taken port fails the start, like the main port) and closed with it.
  app.addHook('onReady', async () => {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, exposure.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  });
  app.addHook('onClose', async () => {
    if (!server.listening) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
}
