/**
 * The emulator's rate limiter: one token bucket per API key. A bucket holds up to `requests` tokens
 * and refills at `requests / seconds` per second (so `25/1` allows a burst of 25, then 25 a second);
 * each API request takes one token, and a request that finds less than one is answered 429 with
 * `Retry-After`: the seconds until the next token, rounded up. A refused request takes no token.
 */

/** `requests` per `seconds`, e.g. `{ requests: 25, seconds: 1 }`. */
export interface RateLimit {
  /** Bucket size, and tokens added per `seconds`. A positive integer. */
  requests: number;
  /** A positive number of seconds. */
  seconds: number;
}

/** Rejects a limit that is not a positive integer over a positive number of seconds. */
export function validateRateLimit(limit: RateLimit): RateLimit {
  if (!Number.isSafeInteger(limit.requests) || limit.requests < 1) {
    throw new Error("rateLimit.requests must be a positive integer");
  }
  if (!Number.isFinite(limit.seconds) || limit.seconds <= 0) {
    throw new Error("rateLimit.seconds must be a positive number");
  }
  return { requests: limit.requests, seconds: limit.seconds };
}

/**
 * Parses `<requests>/<seconds>`, e.g. `25/1`, `100/60`, `5/0.5`.
 * @throws on anything else
 */
export function parseRateLimit(text: string): RateLimit {
  const match = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  if (match === null) throw new Error(`rate limit must be <requests>/<seconds>, e.g. 25/1 (got "${text}")`);
  return validateRateLimit({ requests: Number(match[1]), seconds: Number(match[2]) });
}

/** What {@link TokenBuckets.take} decided. */
export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

/** Token buckets by key, on an injected clock (the emulator's, so advancing it refills them). */
export class TokenBuckets {
  readonly #limit: RateLimit;
  readonly #now: () => number;
  readonly #perMs: number;
  #buckets = new Map<string, Bucket>();

  constructor(limit: RateLimit, now: () => number) {
    this.#limit = validateRateLimit(limit);
    this.#now = now;
    this.#perMs = limit.requests / (limit.seconds * 1000);
  }

  /** Takes one token from `key`'s bucket (full on first use), or says how long until there is one. */
  take(key: string): TakeResult {
    const now = this.#now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.#limit.requests, at: now };
    // A clock that went back (a reset of the emulator clock) refills nothing.
    const elapsed = Math.max(0, now - bucket.at);
    bucket.tokens = Math.min(this.#limit.requests, bucket.tokens + elapsed * this.#perMs);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    const waitMs = (1 - bucket.tokens) / this.#perMs;
    // The epsilon keeps float noise (12000.000000000002 ms) from adding a second.
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000 - 1e-9)) };
  }

  /** Forgets every bucket: all are full again. */
  reset(): void {
    this.#buckets.clear();
  }
}
