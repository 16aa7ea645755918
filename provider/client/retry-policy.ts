/**
 * The retry policy as data plus pure functions. The client's request loop asks
 * {@link shouldRetry} after each failed attempt and waits {@link retryDelayMs} (a failure) or
 * `throttlePauseMs` (a throttle, in `rate-limit-policy.ts`); both are {@link waitBeforeRetry}.
 *
 * **Every wait has a floor.** A server's `Retry-After` can say `0`, a date in the past (its clock is
 * behind), `-5` or nonsense; retried at once, one call sent about 10,000 requests in 3 s. So every
 * wait is at least the floor {@link backoffFloorMs}, which doubles over a streak:
 *
 *     floor(n) = min(initialDelayMs · 2^n, maxDelayMs) · (0.5 + random / 2)   (50–100 % jitter)
 *     wait     = max(min(Retry-After, maxRetryAfterMs), floor(n))
 *
 * With the defaults (500 ms, 8 s): 250–500 ms, 0.5–1 s, 1–2 s, 2–4 s, then 4–8 s for ever. A server's
 * hint is never shortened, only capped at `maxRetryAfterMs` (60 s), as openai-node and undici do.
 * `n` is, for a failure (5xx, lost answer), the call's attempt number; for a throttle, the number of
 * throttled round trips in a row whose hint was below the floor (`rate-limit-policy.ts`), so an API
 * that keeps saying `Retry-After: 1` is retried every second, and one that says `0` is backed off.
 */

/** Retry and timeout settings. Every field has a default in {@link DEFAULT_RETRY}. */
export interface RetryOptions {
  /** Retries after a failure (5xx, 408, a lost answer); throttled attempts do not count. @default 4 */
  maxRetries: number;
  /** The first floor of a wait; it doubles over a streak. @default 500 @unit milliseconds */
  initialDelayMs: number;
  /** The largest floor of a wait. @default 8000 @unit milliseconds */
  maxDelayMs: number;
  /** A `Retry-After` longer than this is capped to it. @default 60000 @unit milliseconds */
  maxRetryAfterMs: number;
  /** Timeout of one attempt, until the whole response body is read. @default 30000 @unit milliseconds */
  timeoutMs: number;
  /**
   * Deadline of one call: its attempts and the waits after failures. Waits for the API's rate limit
   * (pauses after a 429 or a 503 with `Retry-After`, turns in the throttled queue) do not count: they
   * have their own budget, `maxThrottleWaitMs`. A per-call `deadlineMs` (the resource's
   * `customTimeouts`) replaces both and bounds everything.
   * @default 120000 @unit milliseconds
   */
  deadlineMs: number;
  /**
   * How long one call may wait, in all, for the API's rate limit: the pauses it asks for (429, or
   * 503 with `Retry-After`, e.g. during a maintenance window) and the call's turns in the shared
   * queue while it throttles. Ten minutes: a maintenance of a few minutes, or a rate limit hit by a
   * large stack, is waited out within one `pulumi up`, while an API that throttles for ever still
   * fails the deployment in minutes rather than at a CI job's timeout.
   * @default 600000 @unit milliseconds
   */
  maxThrottleWaitMs: number;
}

/** The defaults, frozen. */
export const DEFAULT_RETRY: Readonly<RetryOptions> = Object.freeze({
  maxRetries: 4,
  initialDelayMs: 500,
  maxDelayMs: 8000,
  maxRetryAfterMs: 60_000,
  timeoutMs: 30_000,
  deadlineMs: 120_000,
  maxThrottleWaitMs: 600_000,
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
  opts: Pick<RetryOptions, "maxRetries">,
): boolean {
  if (attempt >= opts.maxRetries) return false;
  if (mode === "never") return false;
  if (failure.kind === "status") return isRetryableStatus(failure.status);
  // No response at all: the server may or may not have acted. That is safe to repeat for
  // GET/PUT, and for a keyed POST the server replays instead of creating twice.
  return true;
}

// RFC 9110 §10.2.3: delay-seconds, or an HTTP-date (IMF-fixdate, RFC 850 or asctime form). Date.parse
// alone would take "-5", "1" or "soon 2020" for dates.
const DELAY_SECONDS = /^\d+(\.\d+)?$/;
const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? .*\d\d:\d\d:\d\d/i;

/**
 * Parses `Retry-After` into milliseconds from `nowMs`: 0 for a date in the past, undefined when
 * absent or not one of the two forms RFC 9110 allows (negative numbers and other text included).
 * Decimal seconds are accepted although the RFC says whole seconds.
 */
export function parseRetryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (DELAY_SECONDS.test(trimmed)) {
    const ms = Number(trimmed) * 1000;
    return Number.isFinite(ms) ? Math.round(ms) : Number.MAX_SAFE_INTEGER;
  }
  if (!HTTP_DATE.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/**
 * The floor of a wait after `exponent` steps of a streak: exponential from `initialDelayMs`, capped
 * at `maxDelayMs`, with 50–100 % jitter; never below 1 ms.
 * @param random a number in [0, 1), injected for deterministic tests
 */
export function backoffFloorMs(
  exponent: number,
  opts: Pick<RetryOptions, "initialDelayMs" | "maxDelayMs">,
  random: number,
): number {
  // Bounded so 2 ** exponent stays finite.
  const base = Math.min(
    Math.max(1, opts.initialDelayMs) * 2 ** Math.min(Math.max(0, exponent), 30),
    opts.maxDelayMs,
  );
  return Math.max(1, Math.round(base * (0.5 + random / 2)));
}

/** A wait before the next attempt, and what decided it. */
export interface RetryWait {
  /** How long to wait. @unit milliseconds */
  delayMs: number;
  /** `retry-after` when the server's hint (capped) was longer than the floor, else `floor`. */
  from: "retry-after" | "floor";
}

/**
 * The wait before the next attempt: `max(min(Retry-After, maxRetryAfterMs), floor(exponent))`, the
 * rule of this module's description. A missing, unparseable, negative or past `Retry-After` counts as 0.
 * @param random a number in [0, 1), injected for deterministic tests
 */
export function waitBeforeRetry(
  failure: AttemptFailure,
  exponent: number,
  opts: Pick<RetryOptions, "initialDelayMs" | "maxDelayMs" | "maxRetryAfterMs">,
  random: number,
  nowMs: number,
): RetryWait {
  const floor = backoffFloorMs(exponent, opts, random);
  const hinted = failure.kind === "status" ? parseRetryAfterMs(failure.retryAfter, nowMs) : undefined;
  const hint = Math.min(hinted ?? 0, Math.max(0, opts.maxRetryAfterMs));
  return hint > floor ? { delayMs: hint, from: "retry-after" } : { delayMs: floor, from: "floor" };
}

/**
 * The wait after a failure (5xx, 408, a lost answer) on attempt number `attempt`:
 * {@link waitBeforeRetry} with the attempt number as the exponent.
 * @param random a number in [0, 1), injected for deterministic tests
 */
export function retryDelayMs(
  failure: AttemptFailure,
  attempt: number,
  opts: Pick<RetryOptions, "initialDelayMs" | "maxDelayMs" | "maxRetryAfterMs">,
  random: number,
  nowMs: number,
): number {
  return waitBeforeRetry(failure, attempt, opts, random, nowMs).delayMs;
}
