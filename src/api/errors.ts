import { GrpcCode, ServiceError } from '../errors.ts';

// The HTTP face of the service's one error type (src/errors.ts): the same envelope
// {code, message, details} (CONTRACT §3), plus the status and headers it is sent with.
export { badField, badParam, GrpcCode, invalidArgument, notFound, ServiceError } from '../errors.ts';

const httpStatusByCode: Record<GrpcCode, number> = {
  3: 400,
  4: 504,
  5: 404,
  6: 409,
  7: 403,
  8: 413,
  12: 501,
  13: 500,
  14: 503,
  16: 401,
};

export class ApiError extends ServiceError {
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(
    code: GrpcCode,
    message: string,
    opts: { details?: unknown[]; status?: number; headers?: Record<string, string> } = {},
  ) {
    super(code, message, { details: opts.details ?? [] });
    this.status = opts.status ?? httpStatusByCode[code];
    this.headers = opts.headers ?? {};
  }

  /** A domain error as sent: a retryable RESOURCE_EXHAUSTED is a 429 with Retry-After. */
  static from(e: ServiceError): ApiError {
    if (e instanceof ApiError) return e;
    const retry = e.retryAfterSeconds;
    const opts =
      retry !== undefined && e.code === GrpcCode.RESOURCE_EXHAUSTED
        ? { status: 429, headers: { 'retry-after': String(retry) } }
        : {};
    const out = new ApiError(e.code, e.message, { details: e.details, ...opts });
    if (e.stack) out.stack = e.stack;
    return out;
  }
}
