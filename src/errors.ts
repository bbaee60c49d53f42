// The service's one error type, free of HTTP: a gRPC status code (CONTRACT §3), a message
// and details. Services, ingest and webhooks throw it; only src/api maps it to an HTTP
// status and headers (src/api/errors.ts), so the domain never knows it is served over HTTP.
export const GrpcCode = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;
export type GrpcCode = (typeof GrpcCode)[keyof typeof GrpcCode];

export class ServiceError extends Error {
  readonly code: GrpcCode;
  readonly details: unknown[];
  /**
   * A RESOURCE_EXHAUSTED that passes: the caller may retry after this many seconds (the
   * HTTP layer answers 429 with Retry-After). Absent: the request itself is too big (413).
   */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: GrpcCode, message: string, opts: { details?: unknown[]; retryAfterSeconds?: number } = {}) {
    super(message);
    this.code = code;
    this.details = opts.details ?? [];
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }

  toBody(): { code: number; message: string; details: unknown[] } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export const invalidArgument = (message: string, details: unknown[] = []): ServiceError =>
  new ServiceError(GrpcCode.INVALID_ARGUMENT, message, { details });

/** 400 naming the offending query/path parameter, so clients can tell which one was wrong. */
export const badParam = (name: string, reason: string): ServiceError =>
  new ServiceError(GrpcCode.INVALID_ARGUMENT, `invalid parameter "${name}": ${reason}`, {
    details: [{ parameter: name, reason }],
  });

/** 400 naming the offending body field (dotted path for nested ones, e.g. `steps[1].event_id`). */
export const badField = (name: string, reason: string): ServiceError =>
  new ServiceError(GrpcCode.INVALID_ARGUMENT, `invalid body field "${name}": ${reason}`, {
    details: [{ field: name, reason }],
  });

export const notFound = (what: string): ServiceError => new ServiceError(GrpcCode.NOT_FOUND, `${what} not found`);
