/** Every error the API can answer with; the status of each is fixed here and nowhere else. */
export const ErrorCode = {
  BadRequest: "bad_request",
  ValidationFailed: "validation_failed",
  MalformedJson: "malformed_json",
  UnsupportedMediaType: "unsupported_media_type",
  Unauthorized: "unauthorized",
  PaymentRequired: "payment_required",
  Forbidden: "forbidden",
  NotFound: "not_found",
  Conflict: "conflict",
  PayloadTooLarge: "payload_too_large",
  RateLimited: "rate_limited",
  Internal: "internal_error",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const ERROR_STATUS: Record<ErrorCode, 400 | 401 | 402 | 403 | 404 | 409 | 413 | 415 | 429 | 500> = {
  bad_request: 400,
  validation_failed: 400,
  malformed_json: 400,
  unsupported_media_type: 415,
  unauthorized: 401,
  payment_required: 402,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  internal_error: 500,
};

/** Thrown by tools and routes alike; the server's one onError turns it into the envelope. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    // A refusal (4xx) is an answer, not a fault: its stack is never shown or logged, and capturing
    // one was a twentieth of a 402's cost. A 500 keeps its stack.
    const limit = Error.stackTraceLimit;
    if (code !== "internal_error") Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = "ApiError";
  }
  get status() {
    return ERROR_STATUS[this.code];
  }
}

/** Messages are bilingual, zh-CN first. */
export const bi = (zh: string, en: string) => `${zh} / ${en}`;

export const notFound = (what: string, zh = "未找到") => new ApiError(ErrorCode.NotFound, bi(zh, `${what} not found`));
