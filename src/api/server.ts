import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { credentialsFromHeader, type Principal, verifyToken } from '../auth/tokens.ts';
import { ID_RULE, isValidId } from '../ingest/ids.ts';
import { MAX_BODY_BYTES } from '../ingest/parse.ts';
import type { AppServices } from '../services.ts';
import { checkRequestBody } from './body-gate.ts';
import { handleClientError } from './client-errors.ts';
import type { HandlerContext } from './context.ts';
import { registerCsv } from './csv-negotiation.ts';
import { registerDashboard } from './dashboard.ts';
import { mapError } from './error-mapping.ts';
import { ApiError, badParam, GrpcCode } from './errors.ts';
import { edgeServerFactory, MAX_PARAM_LENGTH, sendContinueIfAwaited } from './http-edge.ts';
import { derefSchema, listRoutes, loadApiDocument, type RouteSpec } from './openapi.ts';
import { registerOps } from './ops.ts';
import { parseQuery } from './querystring.ts';
import { storeHealth } from './readiness.ts';
import { echoRequestId, requestId } from './request-id.ts';
import { operationHandlers } from './routes/index.ts';
import { scopeOf } from './scopes.ts';
import { claimedTeams, teamClaimSites } from './team-claims.ts';
import { validatorCompiler } from './validator-compiler.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** The route reads its body as a Buffer (ingest decodes and parses NDJSON/JSON itself). */
    rawBody?: boolean;
  }
}

const INT_FORMATS = new Set(['int32', 'int64']);

export interface ServerOptions {
  logLevel: string;
  /** Reports readiness: true once both stores are open and migrated. */
  isReady?: () => boolean;
}

function paramSchema(spec: RouteSpec, where: 'path' | 'query'): Record<string, unknown> | undefined {
  const params = spec.parameters.filter((p) => p.in === where);
  if (params.length === 0) return undefined;
  const properties: Record<string, unknown> = {};
  for (const p of params) {
    const schema = { ...(p.schema ?? { type: 'string' }) };
    // OpenAPI's int32/int64 are not JSON Schema formats; the integer type already says it.
    if (typeof schema.format === 'string' && INT_FORMATS.has(schema.format)) delete schema.format;
    properties[p.name] = schema;
  }
  const required = params.filter((p) => p.required).map((p) => p.name);
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
}

const optional = <K extends string>(key: K, value: unknown): Partial<Record<K, unknown>> =>
  value === undefined ? {} : ({ [key]: value } as Record<K, unknown>);

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

const sendError = (err: unknown, req: FastifyRequest, reply: FastifyReply): void => {
  const apiErr = mapError(err);
  // A query aborted because its client went away is not a server error: nobody is waiting.
  const clientGone = req.raw.destroyed || reply.raw.destroyed;
  if (apiErr.code === GrpcCode.INTERNAL && !clientGone) req.log.error({ err }, 'unhandled error');
  else if (apiErr.code === GrpcCode.INTERNAL) req.log.debug({ err }, 'request aborted by its client');
  // Explicit type: a reply that had a custom serializer (analytics answers) gets none by default.
  void reply
    .status(apiErr.status)
    .headers(apiErr.headers)
    .type('application/json; charset=utf-8')
    .send(apiErr.toBody());
};

export async function buildServer(services: AppServices, opts: ServerOptions): Promise<FastifyInstance> {
  const doc = loadApiDocument();
  // Query parameters the served document declares as arrays keep every value (flows `path`).
  const arrayParams = new Set(
    listRoutes(doc).flatMap((r) =>
      r.parameters.filter((p) => p.in === 'query' && p.schema?.type === 'array').map((p) => p.name),
    ),
  );
  // The services' logger, at this server's level: one destination, one format.
  const logger: FastifyBaseLogger =
    services.log.level === opts.logLevel ? services.log : services.log.child({}, { level: opts.logLevel });
  const { config } = services;
  const app: FastifyInstance = Fastify({
    loggerInstance: logger,
    requestIdHeader: false,
    genReqId: requestId,
    bodyLimit: 1024 * 1024,
    routerOptions: { querystringParser: (text) => parseQuery(text, arrayParams), maxParamLength: MAX_PARAM_LENGTH },
    return503OnClosing: true,
    serverFactory: edgeServerFactory({
      headersTimeoutMs: config.httpHeadersTimeoutMs,
      requestTimeoutMs: config.httpRequestTimeoutMs,
      keepAliveTimeoutMs: config.httpKeepAliveTimeoutMs,
      // Never shorter than the longest silent wait a request can have: an analytics query.
      socketIdleTimeoutMs: Math.max(config.httpRequestTimeoutMs, config.queryTimeoutSeconds * 1000 + 5000),
      maxConnectionsPerClient: config.httpMaxConnectionsPerClient,
    }),
    // Errors before routing (bad percent-encoding, over-long parameters) and of Node's
    // HTTP parser get the envelope too (issue 9 F4).
    frameworkErrors: sendError,
    clientErrorHandler: (err, socket) => handleClientError(err, socket, app.log),
  });
  // Request validation is ours alone (src/api/validator-compiler.ts: coercion for query and
  // path text, none for JSON bodies), so Fastify's own Ajv options would configure nothing.
  app.setValidatorCompiler(validatorCompiler);

  app.addHook('onRequest', echoRequestId);

  // Ingest reads the body's bytes itself (strict UTF-8, then NDJSON, array or object);
  // other routes get JSON.
  // No catch-all parser: a type no route takes is a 415 (routes narrow it: body-gate.ts).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    ['application/json', 'application/x-ndjson', 'text/plain'],
    { parseAs: 'buffer' },
    (req, body, done) => {
      if (req.routeOptions.config?.rawBody) return done(null, body);
      let text: string;
      try {
        // Strict: a lenient decode would store U+FFFD in place of the bad bytes (issue 9 F5).
        text = strictUtf8.decode(body as Buffer);
      } catch {
        return done(
          new ApiError(GrpcCode.INVALID_ARGUMENT, 'the body is not valid UTF-8; nothing was stored'),
          undefined,
        );
      }
      if (text.length === 0) return done(null, undefined);
      try {
        done(null, JSON.parse(text));
      } catch (e) {
        done(new ApiError(GrpcCode.INVALID_ARGUMENT, `malformed JSON body: ${(e as Error).message}`), undefined);
      }
    },
  );

  // Node closes idle keep-alive connections only at the moment close() is called; a
  // request still in flight then leaves an idle connection that would hold the shutdown
  // for the whole keepAliveTimeout (72 s). Sweep idle connections until the server is closed.
  app.addHook('preClose', (done) => {
    const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
    sweep.unref();
    app.server.once('close', () => clearInterval(sweep));
    done();
  });

  app.setErrorHandler(sendError);
  // After authentication (route onRequest), before the body is read: size and type
  // checks, then `100 Continue` for a client waiting for it.
  app.addHook('preParsing', (req, reply, payload, done) => {
    try {
      checkRequestBody(req);
    } catch (err) {
      return done(err as Error);
    }
    sendContinueIfAwaited(req.raw, reply.raw);
    done(null, payload);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply
      .status(404)
      .send(new ApiError(GrpcCode.NOT_FOUND, `no route for ${req.method} ${req.url.split('?')[0]}`).toBody());
  });

  // Metrics, per-token rate limits, analytics query slots (issue 9): before the routes.
  const ops = registerOps(app, services);
  registerCsv(app, doc);

  await app.register(swagger, { mode: 'static', specification: { document: doc as never } });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await registerDashboard(app);
  app.get('/openapi.json', { schema: { hide: true } }, async () => doc);
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    if (opts.isReady && !opts.isReady())
      return reply.status(503).send(new ApiError(GrpcCode.UNAVAILABLE, 'starting').toBody());
    const health = await storeHealth(services);
    const down = health.filter((h) => !h.ok);
    if (down.length > 0) {
      const names = down.map((h) => `${h.store} store`).join(' and ');
      const details = down.map((h) => ({ store: h.store, reason: h.reason }));
      return reply.status(503).send(new ApiError(GrpcCode.UNAVAILABLE, `${names} unreachable`, { details }).toBody());
    }
    return { status: 'ready', stores: Object.fromEntries(health.map((h) => [h.store, 'ok'])) };
  });

  const authenticate = async (req: FastifyRequest): Promise<Principal> => {
    const creds = credentialsFromHeader(req.headers.authorization);
    if (!creds)
      throw new ApiError(
        GrpcCode.UNAUTHENTICATED,
        'missing or malformed Authorization header (Bearer id:secret or Basic)',
      );
    const principal = await verifyToken(services.db, creds);
    if (!principal) throw new ApiError(GrpcCode.UNAUTHENTICATED, 'invalid or revoked token');
    return principal;
  };

  for (const spec of listRoutes(doc)) {
    const operationId = spec.operation.operationId;
    const scope = scopeOf(operationId);
    const handler = ops.instrument(operationId, operationHandlers[operationId]);
    const okSchema = spec.operation.responses['200']?.content?.['application/json']?.schema;
    const isIngest = operationId === 'Analytics_Ingest';
    // Event writes (ingest scope: /v1/ingest, TrackEvent) claim their bot and answer 403 for
    // another team's (CONTRACT §6); every other bot route answers 404 for a bot not the team's.
    const claimsBot = scope === 'ingest';
    const bodySchema = spec.operation.requestBody?.content?.['application/json']?.schema;
    const bodyTypes = Object.keys(spec.operation.requestBody?.content ?? {});
    const teamSites = teamClaimSites(spec);
    app.route({
      method: spec.method.toUpperCase() as 'GET',
      url: spec.url,
      bodyLimit: isIngest ? MAX_BODY_BYTES : undefined,
      config: { operationId, rawBody: isIngest, ...(bodyTypes.length > 0 ? { contentTypes: bodyTypes } : {}) },
      schema: {
        ...optional('params', paramSchema(spec, 'path')),
        ...optional('querystring', paramSchema(spec, 'query')),
        ...(bodySchema && !isIngest ? { body: derefSchema(doc, bodySchema) } : {}),
        ...(okSchema ? { response: { 200: derefSchema(doc, okSchema) } } : {}),
      },
      // Auth runs before body parsing and validation: a bad token is 401 whatever the body.
      onRequest: async (req) => {
        // Process roles (`serve --no-ingest` / `--no-queries`): a load balancer routes by
        // path; a request that reaches the wrong replica is told so, before any store is touched.
        const role = scope === 'ingest' ? 'ingest' : 'queries';
        if (scope !== 'any' && !services.config.roles[role]) {
          throw new ApiError(
            GrpcCode.UNAVAILABLE,
            `this replica does not serve ${role} (started with --no-${role}); send the request to another replica`,
          );
        }
        const principal = await authenticate(req);
        if (scope !== 'any' && !principal.scopes.has(scope)) {
          throw new ApiError(GrpcCode.PERMISSION_DENIED, `this token lacks the "${scope}" scope`);
        }
        req.principal = principal;
      },
      // Tenancy runs before body and query validation: an admin write on a bot that is
      // not the team's answers 404 whether its body is valid or not (CONTRACT §7).
      preValidation: async (req) => {
        const principal = req.principal as Principal;
        const params = req.params as Record<string, string>;
        if (params.team_id !== undefined && params.team_id !== principal.teamId)
          throw new ApiError(GrpcCode.NOT_FOUND, `team "${params.team_id}" not found`);
        for (const team of claimedTeams(teamSites, req.query, req.body)) {
          if (team !== principal.teamId) throw new ApiError(GrpcCode.NOT_FOUND, `team "${team}" not found`);
        }
        if (params.bot_id !== undefined) {
          if (!isValidId(params.bot_id)) throw badParam('bot_id', `must be ${ID_RULE}`);
          // TrackEvent writes like ingest: the ingest service claims an unclaimed bot and
          // answers 403 for another team's (CONTRACT-LIVE-API §1), after the body is valid.
          if (claimsBot) return;
          // Only ingest, TrackEvent or `bot create` claims a bot (CONTRACT §7).
          const owner = await services.bots.ownerOf(params.bot_id);
          if (owner !== principal.teamId) throw new ApiError(GrpcCode.NOT_FOUND, `bot "${params.bot_id}" not found`);
        }
      },
      handler: async (req, reply) => {
        if (!handler) throw new ApiError(GrpcCode.UNIMPLEMENTED, `${operationId} is not implemented yet`);
        const abort = new AbortController();
        req.raw.once('close', () => {
          if (!reply.sent) abort.abort();
        });
        const ctx: HandlerContext = {
          principal: req.principal as Principal,
          params: req.params as Record<string, string>,
          query: (req.query ?? {}) as Record<string, unknown>,
          body: req.body,
          headers: req.headers,
          services,
          signal: abort.signal,
        };
        return handler(ctx);
      },
    });
  }
  return app;
}
