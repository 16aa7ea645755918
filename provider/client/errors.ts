/**
 * Errors raised by the ScrapingPros client.
 *
 * Every error is made by one mapper, {@link errorFromResponse}, or by the transport wrapper in
 * `client.ts`. Each class carries a stable `code` and a `Symbol.for` brand so that `instanceof` works
 * even when two copies of this package are loaded (the Pulumi engine deserializes provider closures
 * in a separate process, so prototype identity is not guaranteed).
 */

export { redact } from "./redact";

const BRAND = Symbol.for("pulumi-scrapingpros.error");

/** One entry of a FastAPI-style validation `detail` array. */
export interface ValidationDetail {
  /** Where the problem is, e.g. `["body", "requests", 3, "url"]`. */
  loc?: (string | number)[];
  /** What is wrong, for humans. */
  msg?: string;
  /** A machine-readable kind, e.g. `value_error`. */
  type?: string;
}

/**
 * What ended a call that failed:
 * - `not-retryable`: the last answer is not one to retry (a 4xx, a 2xx of the wrong shape, or any
 *   failure of a POST without `Idempotency-Key`);
 * - `maxRetries`: failures (5xx, 408, lost answers) used up the client's `maxRetries`;
 * - `deadlineMs`: the client's `deadlineMs` ran out (waits for the rate limit excluded);
 * - `maxThrottleWaitMs`: the call waited as long as `maxThrottleWaitMs` allows for the API's rate limit;
 * - `call-deadline`: the deadline given for this call (the resource's `customTimeouts`) ran out.
 */
export type CallStop = "not-retryable" | "maxRetries" | "deadlineMs" | "maxThrottleWaitMs" | "call-deadline";

/** What one failed call met, set by the client on the error it throws when it gives up. */
export interface CallHistory {
  /** Requests sent. */
  attempts: number;
  /** Throttled answers by status: `429`, and `503` for a 503 with `Retry-After`. */
  throttled: Record<string, number>;
  /** Other answers worth a retry (5xx, 408) by status. */
  failed: Record<string, number>;
  /** Attempts without an answer: the connection failed (`network`) or the attempt timed out (`timeout`). */
  noAnswer: {
    /** Connection refused, reset or closed before the answer. */
    network: number;
    /** The attempt's timeout (`timeoutMs`) ran out first. */
    timeout: number;
  };
  /** From the first throttled answer to giving up; 0 when the API never throttled. @unit milliseconds */
  throttledForMs: number;
  /** Time the call spent waiting for the API's rate limit: pauses, and its turns in the shared queue. @unit milliseconds */
  rateLimitWaitMs: number;
  /** From the start of the call to giving up. @unit milliseconds */
  elapsedMs: number;
  /** What ended the call. */
  stop: CallStop;
}

/** Root of every error this package throws about the API. */
export class ScrapingProsError extends Error {
  /** Stable, documented code, e.g. `API_ERR_RATE_LIMIT`. */
  readonly code: string;
  /** How many attempts the failed call made, set by the client when it gives up. */
  attempts?: number;
  /** The call's overall deadline in ms, set by the client when it gives up. */
  deadlineMs?: number;
  /** Whether that deadline was the client's setting or given for this call (`customTimeouts`). */
  deadlineFrom?: "client" | "call";
  /** What the call met and what ended it, set by the client when it gives up. */
  history?: CallHistory;

  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    Object.defineProperty(this, BRAND, { value: this.code, enumerable: false });
  }

  /**
   * `value instanceof SomeError` by brand and class name instead of prototype identity, so it is true
   * for errors made by another loaded copy of this package too.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== "object" || value === null || !(BRAND in value)) return false;
    // `this` is the class on the right of `instanceof`; subclasses narrow by name along the chain.
    return this === ScrapingProsError || hasClassInChain(value, this.name);
  }
}

function hasClassInChain(value: object, name: string): boolean {
  for (let proto = Object.getPrototypeOf(value); proto; proto = Object.getPrototypeOf(proto)) {
    if (proto.constructor?.name === name) return true;
  }
  return false;
}

/** Fields shared by errors that carry an HTTP response. */
export interface ApiErrorInit {
  /** HTTP status of the response. */
  status: number;
  /** The body's `detail`, as {@link parseDetail} extracts it; undefined for an empty body. */
  detail: string | ValidationDetail[] | undefined;
  /** Response headers, lower-cased names. */
  headers: Record<string, string>;
  /** HTTP method of the failed request, e.g. `POST`. */
  method: string;
  /** Path of the failed request, e.g. `/v1/async/collections/{id}`, without query or host. */
  path: string;
  /** Whether the retry policy treats this status as transient (408, 429, 5xx). */
  retryable: boolean;
}

/** The API answered with a non-2xx status. */
export class ApiError extends ScrapingProsError {
  /** HTTP status of the response. */
  readonly status: number;
  /** The response's `detail`: a string, a FastAPI validation list, or undefined when absent. */
  readonly detail: string | ValidationDetail[] | undefined;
  /** Response headers, lower-cased names. */
  readonly headers: Record<string, string>;
  /** `x-request-id` of the response, when the server sent one. */
  readonly requestId: string | undefined;
  /** Whether the retry policy treats this status as transient. */
  readonly retryable: boolean;
  /** HTTP method of the failed request, e.g. `POST`. */
  readonly method: string;
  /** Path of the failed request, without query string or host (so never a secret). */
  readonly path: string;

  constructor(init: ApiErrorInit, code = "API_ERR") {
    super(`${init.method} ${init.path} ${describeAnswer(init)}`, code);
    this.status = init.status;
    this.detail = init.detail;
    this.headers = init.headers;
    this.requestId = init.headers["x-request-id"];
    this.retryable = init.retryable;
    this.method = init.method;
    this.path = init.path;
  }
}

/** 400: the request was rejected as invalid. */
export class BadRequestError extends ApiError {}
/** 401: the API key is missing or invalid. */
export class AuthenticationError extends ApiError {}
/** 403: the key may not do this. */
export class PermissionDeniedError extends ApiError {}
/** 404: no such collection, run or job. */
export class NotFoundError extends ApiError {}
/** 409: the server reported a conflict (e.g. a request with the same idempotency key in flight). */
export class ConflictError extends ApiError {}
/** 422 on a create that carried an `Idempotency-Key`: the key was used before with another body. */
export class IdempotencyConflictError extends ApiError {}
/** 422: the body failed the server's schema validation. */
export class UnprocessableEntityError extends ApiError {}
/** 429: too many requests. */
export class RateLimitError extends ApiError {}
/** 5xx: the server failed. */
export class InternalServerError extends ApiError {}

/** No HTTP response: connection refused, reset, or closed before the reply. */
export class ApiConnectionError extends ScrapingProsError {
  constructor(message: string, options?: { cause?: unknown }, code = "API_ERR_CONNECTION") {
    super(message, code, options);
  }
}

/** An attempt or the overall deadline ran out before the response arrived. */
export class ApiTimeoutError extends ApiConnectionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options, "API_ERR_TIMEOUT");
  }
}

/**
 * A response body larger than the client's `maxResponseBytes`: the client stopped reading it (by its
 * `Content-Length`, or after that many bytes) and closed the connection. Not retried.
 */
export class ResponseTooLargeError extends ScrapingProsError {
  /** The limit that was exceeded. @unit bytes */
  readonly limitBytes: number;
  constructor(what: string, limitBytes: number, declaredBytes?: number) {
    super(
      `${what}: the response body is larger than the client's maxResponseBytes (${limitBytes} bytes` +
        `${declaredBytes !== undefined ? `; Content-Length says ${declaredBytes}` : ""}), so it was not read`,
      "API_ERR_RESPONSE_TOO_LARGE",
    );
    this.limitBytes = limitBytes;
  }
}

/** A 2xx response whose body did not match the expected schema. Holds the issues, not the body. */
export class ResponseValidationError extends ScrapingProsError {
  /** What did not match, one entry per zod issue. */
  readonly issues: {
    /** Where in the body, keys joined by dots, e.g. `items.0.run_id`; `""` for the root. */
    path: string;
    /** What is wrong there, as zod words it. */
    message: string;
  }[];
  constructor(what: string, issues: { path: string; message: string }[]) {
    super(
      `unexpected response from ${what}: ${issues.map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ")}`,
      "API_ERR_RESPONSE_SHAPE",
    );
    this.issues = issues;
  }
}

/**
 * `failed with 503: busy`; for a redirect, where it pointed (its origin only: a `Location` may carry
 * credentials), since the client follows none (the API key must never go to another host).
 */
function describeAnswer(init: ApiErrorInit): string {
  if (init.status >= 300 && init.status < 400) {
    let to = "no Location";
    try {
      const location = init.headers.location;
      if (location !== undefined) to = new URL(location, "http://invalid.invalid").origin;
    } catch {
      to = "an invalid Location";
    }
    return (
      `was redirected (${init.status}) to ${to === "http://invalid.invalid" ? "another path" : to}: ` +
      "the client follows no redirect, so the API key is never sent elsewhere; if that is the API's " +
      "address, set the base URL (scrapingpros:baseUrl) to it"
    );
  }
  return `failed with ${init.status}: ${describeDetail(init.detail)}`;
}

/** Renders a `detail` for an error message. */
export function describeDetail(detail: string | ValidationDetail[] | undefined): string {
  if (detail === undefined) return "(no detail)";
  if (typeof detail === "string") return detail;
  return detail
    .map((d) => {
      const where = (d.loc ?? []).filter((p) => p !== "body").join(".");
      return where ? `${where}: ${d.msg ?? d.type ?? "invalid"}` : (d.msg ?? d.type ?? "invalid");
    })
    .join("; ");
}

/** Pulls `detail` from a response body; falls back to the raw text when it is not the usual JSON. */
export function parseDetail(text: string): string | ValidationDetail[] | undefined {
  if (text.length === 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object" && "detail" in parsed) {
      const detail = (parsed as { detail: unknown }).detail;
      if (typeof detail === "string") return detail;
      if (Array.isArray(detail)) {
        return detail.map((d) =>
          typeof d === "object" && d !== null ? (d as ValidationDetail) : { msg: String(d) },
        );
      }
      return JSON.stringify(detail);
    }
  } catch {
    // not JSON: the raw text is the most useful thing we can show
  }
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

/**
 * The one mapper from a non-2xx response to an error class.
 * @param hadIdempotencyKey whether the request carried an `Idempotency-Key` (decides what a 422 means)
 */
export function errorFromResponse(init: ApiErrorInit, hadIdempotencyKey: boolean): ApiError {
  const s = init.status;
  if (s === 400) return new BadRequestError(init, "API_ERR_BAD_REQUEST");
  if (s === 401) return new AuthenticationError(init, "API_ERR_AUTHENTICATION");
  if (s === 403) return new PermissionDeniedError(init, "API_ERR_PERMISSION_DENIED");
  if (s === 404) return new NotFoundError(init, "API_ERR_NOT_FOUND");
  if (s === 409) return new ConflictError(init, "API_ERR_CONFLICT");
  if (s === 422) {
    // The docs use 422 for a reused key; FastAPI also uses it (with a list detail) for schema errors.
    return hadIdempotencyKey && !Array.isArray(init.detail)
      ? new IdempotencyConflictError(init, "API_ERR_IDEMPOTENCY_CONFLICT")
      : new UnprocessableEntityError(init, "API_ERR_UNPROCESSABLE");
  }
  if (s === 429) return new RateLimitError(init, "API_ERR_RATE_LIMIT");
  if (s >= 500) return new InternalServerError(init, "API_ERR_INTERNAL");
  return new ApiError(init, "API_ERR");
}
