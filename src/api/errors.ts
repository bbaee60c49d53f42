// One error type for the whole service, rendered as the contract's envelope
// {code, message, details} where code is the gRPC status code (CONTRACT §3).
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

export class ApiError extends Error {
  readonly code: GrpcCode;
  readonly status: number;
  readonly details: unknown[];
  readonly headers: Record<string, string>;

  constructor(
    code: GrpcCode,
    message: string,
    opts: { details?: unknown[]; status?: number; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.code = code;
    this.status = opts.status ?? httpStatusByCode[code];
    this.details = opts.details ?? [];
    this.headers = opts.headers ?? {};
  }

  toBody(): { code: number; message: string; details: unknown[] } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export const invalidArgument = (message: string, details: unknown[] = []): ApiError =>
  new ApiError(GrpcCode.INVALID_ARGUMENT, message, { details });

/** 400 naming the offending query/path parameter, so clients can tell which one was wrong. */
export const badParam = (name: string, reason: string): ApiError =>
  new ApiError(GrpcCode.INVALID_ARGUMENT, `invalid parameter "${name}": ${reason}`, {
    details: [{ parameter: name, reason }],
  });

export const notFound = (what: string): ApiError => new ApiError(GrpcCode.NOT_FOUND, `${what} not found`);
