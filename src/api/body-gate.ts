import type { FastifyRequest } from 'fastify';
import { ApiError, GrpcCode } from './errors.ts';

// Checks a request body's declared size and type before a byte of it is read (and
// before `100 Continue` is sent), so a refused body is never received (issue 9 F7).

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Media types the route's body may have (from the OpenAPI requestBody); none = no body expected. */
    contentTypes?: readonly string[];
  }
}

/** `Application/JSON; charset=utf-8` → `application/json`; '' when absent. */
export function mediaTypeOf(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function hasBody(req: FastifyRequest): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

export const bodyTooLarge = (limit: number): ApiError =>
  new ApiError(GrpcCode.RESOURCE_EXHAUSTED, `request body is larger than the limit of ${limit} bytes`, {
    status: 413,
    // The rest of the body is not read: the connection cannot carry another request.
    headers: { connection: 'close' },
  });

/** Throws 413 for a declared length over the route's limit, 415 for a type it does not take. */
export function checkRequestBody(req: FastifyRequest): void {
  if (!hasBody(req)) return;
  const limit = req.routeOptions.bodyLimit;
  const length = Number(req.headers['content-length']);
  if (limit !== undefined && Number.isFinite(length) && length > limit) throw bodyTooLarge(limit);
  const accepted = req.routeOptions.config?.contentTypes;
  if (accepted === undefined) return;
  const type = mediaTypeOf(req.headers['content-type']);
  if (!accepted.includes(type))
    throw new ApiError(
      GrpcCode.INVALID_ARGUMENT,
      `unsupported content type "${type || '(none)'}": this endpoint takes ${accepted.join(', ')}`,
      { status: 415, details: [{ header: 'content-type', accepted: [...accepted] }], headers: { connection: 'close' } },
    );
}
