/**
 * The shared rate-limit policy as data plus pure functions. Every client of a process that talks to
 * the same API origin with the same key shares one {@link RateLimitState} (see `rate-limits.ts`):
 * the request loop reports each answered attempt as an event, and {@link nextRateLimitState} says
 * until when every call must wait and how many may be in flight.
 *
 * The concurrency is AIMD, as TCP's congestion window: halved when the API throttles (at most once
 * per round trip: a throttled attempt that was sent before the last decrease says nothing new),
 * grown by one after `growAfter` answered attempts in a row, within `[minConcurrency, maxConcurrency]`.
 */
import { type AttemptFailure, parseRetryAfterMs, type RetryOptions, retryDelayMs } from "./retry-policy";

/** Bounds of the shared concurrency. Every field has a default in {@link DEFAULT_RATE_LIMIT}. */
export interface RateLimitOptions {
  /** Attempts in flight at first, and never more. @default 16 (the client's connection pool) */
  maxConcurrency: number;
  /** Halving never goes below this. @default 4 */
  minConcurrency: number;
  /** Successful attempts, since the last change, that grow the concurrency by one. @default 8 */
  growAfter: number;
}

/** The defaults, frozen. */
export const DEFAULT_RATE_LIMIT: Readonly<RateLimitOptions> = Object.freeze({
  maxConcurrency: 16,
  minConcurrency: 4,
  growAfter: 8,
});

/** What a process knows about the API's limits. Times are epoch milliseconds. */
export interface RateLimitState {
  /** How many attempts may be in flight. */
  concurrency: number;
  /** Successful attempts since the concurrency last changed. */
  successes: number;
  /** No attempt may start before this time (0: no pause). */
  pauseUntil: number;
  /** When the concurrency was last halved (`-Infinity`: never). */
  lastDecreaseAt: number;
  /** Throttled attempts since the last success: the exponent of the pause when no `Retry-After` came. */
  throttleStreak: number;
}

/** One answered attempt, as the request loop reports it. */
export type RateLimitEvent =
  /** A 2xx or a 4xx other than 429: the API kept up with the pace. (5xx and lost answers are no event.) */
  | {
      /** The API accepted the attempt. */
      kind: "accepted";
      /** When the answer arrived, epoch ms. */
      at: number;
      /** When the attempt was sent, epoch ms. */
      startedAt: number;
    }
  /** A 429, or a 503 with `Retry-After`; `pauseMs` from {@link throttlePauseMs}. */
  | {
      /** The API throttled the attempt. */
      kind: "throttled";
      /** When the answer arrived, epoch ms. */
      at: number;
      /** When the attempt was sent, epoch ms: a throttled attempt sent at or before the last decrease does not halve the concurrency again. */
      startedAt: number;
      /** How long every call of the process pauses from `at`. @unit milliseconds */
      pauseMs: number;
    };

/** The state before any event. */
export function initialRateLimitState(opts: RateLimitOptions = DEFAULT_RATE_LIMIT): RateLimitState {
  return {
    concurrency: opts.maxConcurrency,
    successes: 0,
    pauseUntil: 0,
    lastDecreaseAt: Number.NEGATIVE_INFINITY,
    throttleStreak: 0,
  };
}

/** Whether `failure` is the API asking every caller to slow down: a 429, or a 503 with `Retry-After`. */
export function isThrottle(failure: AttemptFailure, nowMs: number): boolean {
  if (failure.kind !== "status") return false;
  if (failure.status === 429) return true;
  return failure.status === 503 && parseRetryAfterMs(failure.retryAfter, nowMs) !== undefined;
}

/**
 * How long everyone pauses after a throttle: the server's `Retry-After` (capped at
 * `maxRetryAfterMs`), or, without one, exponential backoff over the throttle streak with 50–100 % jitter.
 * @param streak throttled attempts since the last success, this one excluded
 * @param random a number in [0, 1), injected for deterministic tests
 */
export function throttlePauseMs(
  failure: AttemptFailure,
  streak: number,
  opts: Pick<RetryOptions, "initialDelayMs" | "maxDelayMs" | "maxRetryAfterMs">,
  random: number,
  nowMs: number,
): number {
  // The same wait as a retry's, over the streak (bounded so 2 ** streak stays finite).
  return retryDelayMs(failure, Math.min(streak, 30), opts, random, nowMs);
}

/** The state after `event`. Never mutates `state`. */
export function nextRateLimitState(
  state: RateLimitState,
  event: RateLimitEvent,
  opts: RateLimitOptions = DEFAULT_RATE_LIMIT,
): RateLimitState {
  const max = Math.max(1, opts.maxConcurrency);
  const min = Math.min(Math.max(1, opts.minConcurrency), max);
  if (event.kind === "accepted") {
    const successes = state.successes + 1;
    if (successes >= opts.growAfter && state.concurrency < max) {
      return { ...state, concurrency: state.concurrency + 1, successes: 0, throttleStreak: 0 };
    }
    return { ...state, successes, throttleStreak: 0 };
  }
  const pauseUntil = Math.max(state.pauseUntil, event.at + Math.max(0, event.pauseMs));
  const throttleStreak = state.throttleStreak + 1;
  // An attempt sent before the last decrease was sent at the old pace: the decrease already answered it.
  if (event.startedAt <= state.lastDecreaseAt) return { ...state, pauseUntil, throttleStreak };
  return {
    concurrency: Math.max(min, Math.floor(state.concurrency / 2)),
    successes: 0,
    pauseUntil,
    lastDecreaseAt: event.at,
    throttleStreak,
  };
}
