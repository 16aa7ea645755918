/**
 * The retry policy as data plus pure functions. The client's request loop asks
 * {@link shouldRetry} after each failed attempt and sleeps for {@link retryDelayMs}.
 */

/** Retry and timeout settings. Every field has a default in {@link DEFAULT_RETRY}. */
export interface RetryOptions {
  /** Retries after the first attempt. @default 4 */
  maxRetries: number;
  /** First backoff delay. @default 500 @unit milliseconds */
  initialDelayMs: number;
  /** Largest backoff delay. @default 8000 @unit milliseconds */
  maxDelayMs: number;
  /** A `Retry-After` longer than this is capped to it. @default 60000 @unit milliseconds */
  maxRetryAfterMs: number;
  /** Timeout of one attempt, until the whole response body is read. @default 30000 @unit milliseconds */
  timeoutMs: number;
  /** Overall deadline for a call, retries and waits included. @default 120000 @unit milliseconds */
  deadlineMs: number;
}

/** The defaults, frozen. */
export const DEFAULT_RETRY: Readonly<RetryOptions> = Object.freeze({
  maxRetries: 4,
  initialDelayMs: 500,
  maxDelayMs: 8000,
  maxRetryAfterMs: 60_000,
  timeoutMs: 30_000,
  deadlineMs: 120_000,
});

/**
 * How a request may be retried.
 * - `safe`: GET and PUT (a full replacement is idempotent): retry on transient failures.
 * - `keyed`: a POST carrying an `Idempotency-Key`: the server deduplicates, so retry like `safe`.
 * - `never`: a POST without a key (for example starting a run): a retry could do the work twice.
 */
export type RetryMode = "safe" | "keyed" | "never";

/** What went wrong with one attempt. */
export type AttemptFailure =
  | {
      /** The API answered with a non-2xx status. */
      kind: "status";
      /** The HTTP status code. */
      status: number;
      /** The raw `Retry-After` header (seconds or an HTTP date), when sent. */
      retryAfter?: string | undefined;
    }
  | {
      /** No response: the connection failed, was reset or closed. */
      kind: "network";
    }
  | {
      /** The attempt's timeout ran out before the response. */
      kind: "timeout";
    };

/** Statuses worth another attempt: timeouts, rate limits and server faults. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Decides whether to try again after `failure` on attempt number `attempt` (0-based). */
export function shouldRetry(
  mode: RetryMode,
  failure: AttemptFailure,
  attempt: number,
  opts: RetryOptions,
): boolean {
  if (attempt >= opts.maxRetries) return false;
  if (mode === "never") return false;
  if (failure.kind === "status") return isRetryableStatus(failure.status);
  // No response at all: the server may or may not have acted. That is safe to repeat for
  // GET/PUT, and for a keyed POST the server replays instead of creating twice.
  return true;
}

/**
 * Parses `Retry-After` (seconds or an HTTP date) into milliseconds, or undefined when absent,
 * unparseable or negative.
 */
export function parseRetryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/**
 * The wait before the next attempt: the server's `Retry-After` when given (capped), otherwise
 * exponential backoff from `initialDelayMs`, capped at `maxDelayMs`, with 50–100 % jitter.
 * @param random a number in [0, 1), injected for deterministic tests
 */
export function retryDelayMs(
  failure: AttemptFailure,
  attempt: number,
  opts: Pick<RetryOptions, "initialDelayMs" | "maxDelayMs" | "maxRetryAfterMs">,
  random: number,
  nowMs: number,
): number {
  if (failure.kind === "status") {
    const hinted = parseRetryAfterMs(failure.retryAfter, nowMs);
    if (hinted !== undefined) return Math.min(hinted, opts.maxRetryAfterMs);
  }
  const base = Math.min(opts.initialDelayMs * 2 ** attempt, opts.maxDelayMs);
  return Math.round(base * (0.5 + random / 2));
}
