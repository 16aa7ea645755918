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
import {
  type AttemptFailure,
  parseRetryAfterMs,
  type RetryOptions,
  type RetryWait,
  waitBeforeRetry,
} from "./retry-policy";

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
  /** Throttled answers since the last accepted one. */
  throttleStreak: number;
  /**
   * The exponent of the floor for the next round trip: throttled round trips in a row (since the
   * last accepted answer) whose pause was the floor, not the server's `Retry-After`. A round trip
   * starts with a throttled answer to an attempt sent after the last decrease; answers to attempts
   * sent before it belong to that decrease's round trip.
   */
  floorExponent: number;
  /** The exponent the latest round trip used: the pauses of its later answers use it too ({@link pauseExponent}). */
  roundExponent: number;
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
      /**
       * What decided `pauseMs` ({@link throttlePause}): the server's `Retry-After`, or the floor, which
       * then grows for the next round trip. @default "floor"
       */
      pauseFrom?: RetryWait["from"];
    };

/** The state before any event. */
export function initialRateLimitState(opts: RateLimitOptions = DEFAULT_RATE_LIMIT): RateLimitState {
  return {
    concurrency: opts.maxConcurrency,
    successes: 0,
    pauseUntil: 0,
    lastDecreaseAt: Number.NEGATIVE_INFINITY,
    throttleStreak: 0,
    floorExponent: 0,
    roundExponent: 0,
  };
}

/** Whether `failure` is the API asking every caller to slow down: a 429, or a 503 with `Retry-After`. */
export function isThrottle(failure: AttemptFailure, nowMs: number): boolean {
  if (failure.kind !== "status") return false;
  if (failure.status === 429) return true;
  return failure.status === 503 && parseRetryAfterMs(failure.retryAfter, nowMs) !== undefined;
}

/**
 * The exponent of the floor for a throttled answer to an attempt sent at `startedAt`: the latest
 * round trip's when the attempt was sent before it began (all the answers of one round trip pause
 * alike), else the next one's.
 */
export function pauseExponent(state: RateLimitState, startedAt: number): number {
  return startedAt <= state.lastDecreaseAt ? state.roundExponent : state.floorExponent;
}

/**
 * How long everyone pauses after a throttle, and what decided it: the server's `Retry-After` (capped
 * at `maxRetryAfterMs`) or the floor over the streak, whichever is longer (the rule is in
 * `retry-policy.ts`). A `Retry-After` of 0, in the past, negative or missing gives the floor, which
 * doubles with each such round trip: 250–500 ms, 0.5–1 s, … up to 4–8 s with the defaults.
 * @param exponent from {@link pauseExponent}
 * @param random a number in [0, 1), injected for deterministic tests
 */
export function throttlePause(
  failure: AttemptFailure,
  exponent: number,
  opts: Pick<RetryOptions, "initialDelayMs" | "maxDelayMs" | "maxRetryAfterMs">,
  random: number,
  nowMs: number,
): RetryWait {
  return waitBeforeRetry(failure, exponent, opts, random, nowMs);
}

/**
 * {@link throttlePause}, only the length.
 * @param exponent from {@link pauseExponent}
 * @param random a number in [0, 1), injected for deterministic tests
 */
export function throttlePauseMs(
  failure: AttemptFailure,
  exponent: number,
  opts: Pick<RetryOptions, "initialDelayMs" | "maxDelayMs" | "maxRetryAfterMs">,
  random: number,
  nowMs: number,
): number {
  return throttlePause(failure, exponent, opts, random, nowMs).delayMs;
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
    const reset = { successes, throttleStreak: 0, floorExponent: 0, roundExponent: 0 };
    if (successes >= opts.growAfter && state.concurrency < max) {
      return { ...state, ...reset, concurrency: state.concurrency + 1, successes: 0 };
    }
    return { ...state, ...reset };
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
    // A new round trip whose pause was the floor: the server gave no usable hint, so back off further.
    floorExponent: state.floorExponent + ((event.pauseFrom ?? "floor") === "floor" ? 1 : 0),
    roundExponent: state.floorExponent,
  };
}
