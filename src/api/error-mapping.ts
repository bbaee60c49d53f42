import { ApiError, GrpcCode, ServiceError } from './errors.ts';
import { MAX_PARAM_LENGTH } from './http-edge.ts';

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message?: string;
  validation?: { instancePath?: string; params?: Record<string, unknown>; message?: string }[];
  validationContext?: string;
  type?: string;
}

// ClickHouse error codes that mean "the query ran out of time".
const CLICKHOUSE_TIMEOUT = /TIMEOUT_EXCEEDED|Timeout exceeded|code: 159\b/i;

/**
 * A JSON pointer (`/context/campaign/id`, `/steps/1/event_id`) as the dotted/indexed name
 * errors use (`context.campaign.id`, `steps[1].event_id`), so a nested bad value is named
 * exactly, not by its top-level field.
 */
function fieldPath(pointer: string): string {
  let name = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(part)) name += `[${part}]`;
    else name += name === '' ? part : `.${part}`;
  }
  return name;
}

// A store that cannot be reached (connection refused or cut, DNS, PostgreSQL going down):
// the request may succeed on retry, so 503 {code: 14}, not 500 (issue 10: a replica that
// loses a store answers 503 and recovers by itself once the store is back).
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000', // connection_exception
  '08001',
  '08003',
  '08006',
]);
const UNREACHABLE_MESSAGE = /Connection terminated|socket hang up|Client has encountered a connection error/i;

function storeUnreachable(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const { code, message, cause } = e as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
    if (typeof message === 'string' && UNREACHABLE_MESSAGE.test(message)) return true;
    e = cause;
  }
  return false;
}

/** Maps anything thrown in a request to the contract's envelope (CONTRACT §3). */
export function mapError(err: unknown): ApiError {
  if (err instanceof ServiceError) return ApiError.from(err);
  if (storeUnreachable(err))
    return new ApiError(GrpcCode.UNAVAILABLE, 'a store is unreachable; retry shortly', {
      headers: { 'retry-after': '1' },
    });
  const e = (err ?? {}) as FastifyLikeError;
  if (e.validation && e.validation.length > 0) {
    const first = e.validation[0] ?? {};
    const missing = first.params?.missingProperty;
    const fromPath = fieldPath(first.instancePath ?? '');
    const name =
      typeof missing === 'string'
        ? fieldPath(`${first.instancePath ?? ''}/${missing}`)
        : fromPath || e.validationContext || 'request';
    const where = e.validationContext === 'body' ? 'body field' : 'parameter';
    const reason = typeof missing === 'string' ? 'is required' : (first.message ?? 'is invalid');
    return new ApiError(GrpcCode.INVALID_ARGUMENT, `invalid ${where} "${name}": ${reason}`, {
      details: [{ [where === 'body field' ? 'field' : 'parameter']: name, reason }],
    });
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(GrpcCode.RESOURCE_EXHAUSTED, 'request body is larger than the limit', {
        status: 413,
        headers: { connection: 'close' },
      });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(GrpcCode.INVALID_ARGUMENT, 'unsupported content type', { status: 415 });
    // Router errors, answered through Fastify's frameworkErrors (src/api/server.ts).
    case 'FST_ERR_BAD_URL':
      return new ApiError(
        GrpcCode.INVALID_ARGUMENT,
        'malformed URL: a path segment is not valid percent-encoded UTF-8',
      );
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new ApiError(
        GrpcCode.RESOURCE_EXHAUSTED,
        `a path parameter is longer than ${MAX_PARAM_LENGTH} characters`,
        { status: 414 },
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError(GrpcCode.INVALID_ARGUMENT, e.message ?? 'invalid request body');
  }
  if (e.statusCode === 503 || e.code === 'FST_ERR_SERVER_CLOSING')
    return new ApiError(GrpcCode.UNAVAILABLE, 'server is shutting down');
  if (typeof e.message === 'string' && CLICKHOUSE_TIMEOUT.test(e.message)) {
    return new ApiError(GrpcCode.DEADLINE_EXCEEDED, 'the query took longer than the time limit');
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new ApiError(GrpcCode.INVALID_ARGUMENT, e.message ?? 'bad request');
  }
  return new ApiError(GrpcCode.INTERNAL, 'internal error');
}
