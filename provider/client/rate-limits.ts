/**
 * The mechanics of the shared rate limits: a `p-queue` holds the attempts in flight to the
 * concurrency that `rate-limit-policy.ts` allows, and a pause (after a 429, or a 503 with
 * `Retry-After`) holds every attempt of the process until the advertised time.
 *
 * One {@link RateLimits} exists per API origin and key in a process ({@link rateLimitsFor}), so the
 * provider's client, a lookup's client and a test's client all see the same limits.
 */
import { createHash } from "node:crypto";
import PQueue from "p-queue";
import {
  DEFAULT_RATE_LIMIT,
  initialRateLimitState,
  nextRateLimitState,
  type RateLimitEvent,
  type RateLimitOptions,
  type RateLimitState,
} from "./rate-limit-policy";

/** How an attempt waits: the client's clock and sleep (injected in tests). */
export interface LimitClock {
  /** The current time, epoch ms. */
  now: () => number;
  /** Resolves after `ms` milliseconds. */
  sleep: (ms: number) => Promise<void>;
}

/** Queue priorities: higher runs first. A retry goes before first attempts, so old calls finish. */
export const FIRST_ATTEMPT_PRIORITY = 0;
/** Queue priority of a retry: above {@link FIRST_ATTEMPT_PRIORITY}, so calls already under way finish first. */
export const RETRY_PRIORITY = 1;

/** A process-wide view of one API account's limits. */
export class RateLimits {
  /** The policy's settings: the defaults overridden by the constructor's options, frozen. */
  readonly options: Readonly<RateLimitOptions>;
  readonly #queue: PQueue;
  #state: RateLimitState;
  /** The running pause: opens when `until` is reached, measured by the sleep of whoever reported it. */
  #gate: { until: number; opened: Promise<void> } | undefined;

  constructor(options: Partial<RateLimitOptions> = {}) {
    this.options = Object.freeze({ ...DEFAULT_RATE_LIMIT, ...options });
    this.#state = initialRateLimitState(this.options);
    this.#queue = new PQueue({ concurrency: this.#state.concurrency });
  }

  /** The current state (a copy). */
  get state(): RateLimitState {
    return { ...this.#state };
  }

  /** Attempts running now (waiting for a pause to end included). */
  running(): number {
    return this.#queue.pending;
  }

  /** Attempts waiting for a free slot. */
  queued(): number {
    return this.#queue.size;
  }

  /**
   * Runs one attempt within the limits: waits for a free slot, then for any pause to end (holding the
   * slot: nobody may send meanwhile anyway), then calls `attempt` with the time it starts. A pause
   * that would hold it past `latestStart` is not waited for: `attempt` is called at once, with the
   * pause's end as `pausedUntil`, so that the caller can give up instead of waiting in vain.
   */
  run<T>(
    attempt: (startedAt: number, pausedUntil?: number) => Promise<T>,
    clock: LimitClock,
    priority: number,
    latestStart = Number.POSITIVE_INFINITY,
  ): Promise<T> {
    return this.#queue.add(
      async () => {
        const pausedUntil = await this.#waitForPause(clock, latestStart);
        return attempt(clock.now(), pausedUntil);
      },
      { priority },
    );
  }

  /** Feeds an answered attempt to the policy; applies the new concurrency and any new pause. */
  report(event: RateLimitEvent, clock: LimitClock): RateLimitState {
    const before = this.#state;
    const after = nextRateLimitState(before, event, this.options);
    this.#state = after;
    if (after.concurrency !== before.concurrency) {
      this.#queue.concurrency = after.concurrency;
    }
    if (after.pauseUntil > (this.#gate?.until ?? 0)) {
      this.#gate = {
        until: after.pauseUntil,
        opened: clock.sleep(Math.max(0, after.pauseUntil - clock.now())),
      };
    }
    return { ...after };
  }

  /** Waits for the pause to end; returns its end instead when that is after `latestStart`. */
  async #waitForPause(clock: LimitClock, latestStart: number): Promise<number | undefined> {
    for (;;) {
      const gate = this.#gate;
      if (gate === undefined || gate.until <= clock.now()) return undefined;
      if (gate.until > latestStart) return gate.until;
      await gate.opened;
      // A pause reported while this one ran replaced it: wait for that one too.
      if (this.#gate === gate) return undefined;
    }
  }
}

const registry = new Map<string, RateLimits>();

/**
 * The limits shared by every client of this process for `baseUrl`'s origin and `apiKey`. The
 * registry is keyed by the origin and a SHA-256 digest of the key, never the key itself.
 */
export function rateLimitsFor(baseUrl: string, apiKey: string): RateLimits {
  const id = `${new URL(baseUrl).origin} ${createHash("sha256").update(apiKey).digest("hex")}`;
  let limits = registry.get(id);
  if (limits === undefined) {
    limits = new RateLimits();
    registry.set(id, limits);
  }
  return limits;
}

/** The registry's ids (origin and key digest), for tests that check no key is kept. */
export function rateLimitIds(): string[] {
  return [...registry.keys()];
}
