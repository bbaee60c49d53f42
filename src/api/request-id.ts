import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const REQUEST_ID_HEADER = 'x-request-id';
// A caller's id is kept so its logs and ours line up, but only if it is short and plain:
// it lands in every log line of the request and in a response header.
const SANE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Fastify genReqId: the caller's X-Request-Id when sane, else a fresh UUID. */
export function requestId(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && SANE_ID.test(given) ? given : randomUUID();
}

/** onRequest hook: every answer, errors included, names the request id its log lines carry. */
export function echoRequestId(req: FastifyRequest, reply: FastifyReply, done: () => void): void {
  void reply.header(REQUEST_ID_HEADER, req.id);
  done();
}
