import * as assert from "node:assert/strict";
import {
  DEFAULT_RATE_LIMIT,
  initialRateLimitState,
  isThrottle,
  nextRateLimitState,
  pauseExponent,
  type RateLimitEvent,
  type RateLimitOptions,
  type RateLimitState,
  throttlePauseMs,
} from "../../../../provider/client/rate-limit-policy";
import { DEFAULT_RETRY } from "../../../../provider/client/retry-policy";

const OPTS: RateLimitOptions = { maxConcurrency: 16, minConcurrency: 4, growAfter: 3 };

/** Applies events in order. */
function replay(events: RateLimitEvent[], opts = OPTS, from = initialRateLimitState(opts)): RateLimitState {
  return events.reduce((s, e) => nextRateLimitState(s, e, opts), from);
}

const ok = (at: number, startedAt = at - 1): RateLimitEvent => ({ kind: "accepted", at, startedAt });
const throttled = (at: number, startedAt: number, pauseMs = 1000): RateLimitEvent => ({
  kind: "throttled",
  at,
  startedAt,
  pauseMs,
});

describe("rate-limit policy", () => {
  it("starts at the maximum concurrency, with no pause", () => {
    assert.deepEqual(initialRateLimitState(OPTS), {
      concurrency: 16,
      successes: 0,
      pauseUntil: 0,
      lastDecreaseAt: Number.NEGATIVE_INFINITY,
      throttleStreak: 0,
      floorExponent: 0,
      roundExponent: 0,
    });
    assert.equal(initialRateLimitState().concurrency, DEFAULT_RATE_LIMIT.maxConcurrency);
  });

  it("a throttle pauses everyone until its end and halves the concurrency", () => {
    const s = replay([throttled(10_000, 9_990, 1000)]);
    assert.equal(s.pauseUntil, 11_000);
    assert.equal(s.concurrency, 8);
    assert.equal(s.lastDecreaseAt, 10_000);
    assert.equal(s.throttleStreak, 1);
  });

  it("halves at most once per round trip: attempts sent before the decrease don't halve again", () => {
    // 8 attempts sent at t=0 all come back throttled.
    const round1 = Array.from({ length: 8 }, (_, i) => throttled(100 + i, 0));
    const s1 = replay(round1);
    assert.equal(s1.concurrency, 8);
    // The pause is extended by each: the latest answer sets the end.
    assert.equal(s1.pauseUntil, 107 + 1000);
    // After the pause, the next round is sent, and throttled again: one more halving.
    const s2 = replay([throttled(1200, 1110), throttled(1201, 1110)], OPTS, s1);
    assert.equal(s2.concurrency, 4);
  });

  it("never halves below minConcurrency, never grows above maxConcurrency", () => {
    let s = initialRateLimitState(OPTS);
    for (let i = 1; i <= 10; i++) s = nextRateLimitState(s, throttled(i * 2000, i * 2000 - 1), OPTS);
    assert.equal(s.concurrency, OPTS.minConcurrency);
    for (let i = 0; i < 1000; i++) s = nextRateLimitState(s, ok(30_000 + i), OPTS);
    assert.equal(s.concurrency, OPTS.maxConcurrency);
  });

  it("grows by one after growAfter accepted attempts", () => {
    const low = replay([throttled(100, 50)]);
    assert.equal(low.concurrency, 8);
    const s = replay([ok(2000), ok(2001)], OPTS, low);
    assert.equal(s.concurrency, 8);
    assert.equal(s.successes, 2);
    const grown = nextRateLimitState(s, ok(2002), OPTS);
    assert.equal(grown.concurrency, 9);
    assert.equal(grown.successes, 0);
  });

  it("a success ends the throttle streak but not the pause", () => {
    const s = replay([throttled(100, 50, 5000), throttled(101, 60, 5000), ok(102, 10)]);
    assert.equal(s.throttleStreak, 0);
    assert.equal(s.pauseUntil, 5101);
  });

  it("a shorter pause never shortens a longer one", () => {
    const s = replay([throttled(100, 50, 10_000), throttled(200, 150, 1000)]);
    assert.equal(s.pauseUntil, 10_100);
  });

  it("does not mutate the state it is given", () => {
    const s = initialRateLimitState(OPTS);
    const copy = { ...s };
    nextRateLimitState(s, throttled(1, 0), OPTS);
    nextRateLimitState(s, ok(1), OPTS);
    assert.deepEqual(s, copy);
  });

  it("bounds nonsense options: minConcurrency above max, zero", () => {
    const s = replay([throttled(100, 50)], { maxConcurrency: 2, minConcurrency: 5, growAfter: 1 });
    assert.equal(s.concurrency, 2);
    const z = replay([throttled(100, 50)], { maxConcurrency: 1, minConcurrency: 0, growAfter: 1 });
    assert.equal(z.concurrency, 1);
  });

  describe("what is a throttle", () => {
    const table: [string, Parameters<typeof isThrottle>[0], boolean][] = [
      ["429 with Retry-After", { kind: "status", status: 429, retryAfter: "1" }, true],
      ["429 without Retry-After", { kind: "status", status: 429 }, true],
      ["503 with Retry-After", { kind: "status", status: 503, retryAfter: "2" }, true],
      [
        "503 with an HTTP-date Retry-After",
        { kind: "status", status: 503, retryAfter: new Date(0).toUTCString() },
        true,
      ],
      ["503 without Retry-After", { kind: "status", status: 503 }, false],
      ["503 with a garbage Retry-After", { kind: "status", status: 503, retryAfter: "soon" }, false],
      ["500 with Retry-After", { kind: "status", status: 500, retryAfter: "1" }, false],
      ["network", { kind: "network" }, false],
      ["timeout", { kind: "timeout" }, false],
    ];
    for (const [what, failure, expected] of table) {
      it(`${what} → ${expected}`, () => assert.equal(isThrottle(failure, 0), expected));
    }
  });

  describe("the pause", () => {
    const o = DEFAULT_RETRY;
    it("is Retry-After when given and longer than the floor, capped at maxRetryAfterMs", () => {
      assert.equal(throttlePauseMs({ kind: "status", status: 429, retryAfter: "1" }, 0, o, 0.5, 0), 1000);
      // `Retry-After: 0` once paused 0 ms; the floor applies (500 ms · 0.75 with random 0.5).
      assert.equal(throttlePauseMs({ kind: "status", status: 429, retryAfter: "0" }, 0, o, 0.5, 0), 375);
      // Deep in a streak of useless hints, the floor (4-8 s) is longer than a 1 s hint: the floor wins.
      assert.equal(throttlePauseMs({ kind: "status", status: 429, retryAfter: "1" }, 5, o, 0.5, 0), 6000);
      assert.equal(
        throttlePauseMs({ kind: "status", status: 429, retryAfter: "86400" }, 0, o, 0.5, 0),
        o.maxRetryAfterMs,
      );
    });
    it("without Retry-After, backs off over the throttle streak with jitter, capped", () => {
      const f = { kind: "status", status: 429 } as const;
      assert.equal(throttlePauseMs(f, 0, o, 0, 0), 250);
      assert.equal(throttlePauseMs(f, 0, o, 0.999999, 0), 500);
      assert.equal(throttlePauseMs(f, 3, o, 0.999999, 0), 4000);
      assert.equal(throttlePauseMs(f, 1000, o, 0.999999, 0), o.maxDelayMs);
    });
  });

  describe("the floor's exponent", () => {
    const t = (at: number, startedAt: number, pauseFrom: "floor" | "retry-after"): RateLimitEvent => ({
      kind: "throttled",
      at,
      startedAt,
      pauseMs: 1000,
      pauseFrom,
    });
    it("grows once per round trip whose pause was the floor", () => {
      // Round 1: 8 attempts sent at 0, all throttled with no usable hint.
      const r1 = replay(Array.from({ length: 8 }, (_, i) => t(100 + i, 0, "floor")));
      assert.equal(r1.floorExponent, 1);
      assert.equal(r1.throttleStreak, 8);
      const r2 = replay([t(1300, 1200, "floor"), t(1301, 1200, "floor")], OPTS, r1);
      assert.equal(r2.floorExponent, 2);
    });
    it("every answer of one round trip pauses with that round trip's exponent", () => {
      const first = replay([t(100, 0, "floor")]);
      // Another answer to an attempt sent at 0 (before the decrease at 100): the same round trip.
      assert.equal(pauseExponent(first, 0), 0);
      // An attempt sent after it starts the next round trip.
      assert.equal(pauseExponent(first, 150), 1);
      const second = replay([t(300, 150, "floor")], OPTS, first);
      assert.equal(pauseExponent(second, 150), 1);
      assert.equal(pauseExponent(second, 301), 2);
    });
    it("does not grow when the server's Retry-After decided the pause", () => {
      let s = initialRateLimitState(OPTS);
      for (let i = 1; i <= 50; i++) s = nextRateLimitState(s, t(i * 2000, i * 2000 - 1, "retry-after"), OPTS);
      assert.equal(s.floorExponent, 0);
      assert.equal(s.throttleStreak, 50);
    });
    it("an event without pauseFrom counts as the floor's", () => {
      assert.equal(replay([throttled(100, 50)]).floorExponent, 1);
    });
    it("resets on an accepted answer", () => {
      const s = replay([t(100, 50, "floor"), t(2000, 1500, "floor"), ok(2100)]);
      assert.equal(s.floorExponent, 0);
    });
  });
});
