import * as assert from "node:assert/strict";
import { MockAgent } from "undici";
import { z } from "zod";
import type { RetryEvent } from "../../../../provider/client/client";
import { ScrapingProsClient } from "../../../../provider/client/client";
import { RateLimitError } from "../../../../provider/client/errors";
import {
  FIRST_ATTEMPT_PRIORITY,
  type LimitClock,
  RateLimits,
  rateLimitIds,
  rateLimitsFor,
} from "../../../../provider/client/rate-limits";

/** A sleep the test ends by hand, and a clock that only moves when told. */
function manualClock(): LimitClock & {
  sleeps: number[];
  wake(count?: number): void;
  advance(ms: number): void;
} {
  let t = 1_000_000;
  const sleepers: (() => void)[] = [];
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: (ms) => {
      sleeps.push(ms);
      return new Promise<void>((resolve) => sleepers.push(resolve));
    },
    /** Ends the oldest `count` sleeps (all by default). */
    wake: (count = Number.POSITIVE_INFINITY) => {
      for (const w of sleepers.splice(0, count)) w();
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 20));

describe("shared rate limits (mechanics)", () => {
  it("runs at most `concurrency` attempts at once, and fewer after a throttle", async () => {
    const limits = new RateLimits({ maxConcurrency: 4, minConcurrency: 1, growAfter: 100 });
    const clock = manualClock();
    let inFlight = 0;
    let peak = 0;
    const releases: (() => void)[] = [];
    const job = () =>
      limits.run(
        async () => {
          inFlight++;
          peak = Math.max(peak, inFlight);
          await new Promise<void>((resolve) => releases.push(resolve));
          inFlight--;
        },
        clock,
        FIRST_ATTEMPT_PRIORITY,
      );
    const all = Array.from({ length: 10 }, job);
    await tick();
    assert.equal(inFlight, 4);
    assert.equal(limits.queued(), 6);
    // A throttle halves the concurrency to 2 (with no pause: pauseMs 0).
    limits.report({ kind: "throttled", at: clock.now(), startedAt: clock.now() - 1, pauseMs: 0 }, clock);
    assert.equal(limits.state.concurrency, 2);
    for (const r of releases.splice(0)) r();
    await tick();
    assert.equal(inFlight, 2, "the next attempts run at the new concurrency");
    while (inFlight > 0 || limits.queued() > 0) {
      for (const r of releases.splice(0)) r();
      await tick();
      assert.ok(inFlight <= 2, `${inFlight} in flight`);
    }
    await Promise.all(all);
    assert.equal(peak, 4);
  });

  it("a pause holds every attempt until it ends, and a longer pause reported meanwhile extends it", async () => {
    const limits = new RateLimits();
    const clock = manualClock();
    const started: number[] = [];
    limits.report({ kind: "throttled", at: clock.now(), startedAt: clock.now(), pauseMs: 1000 }, clock);
    assert.deepEqual(clock.sleeps, [1000]);
    const jobs = [1, 2, 3].map((i) => limits.run(async () => started.push(i), clock, FIRST_ATTEMPT_PRIORITY));
    await tick();
    assert.deepEqual(started, [], "nothing is sent during the pause");
    // Another throttle arrives (an attempt that was already in flight): the pause now ends later.
    limits.report({ kind: "throttled", at: clock.now(), startedAt: clock.now(), pauseMs: 3000 }, clock);
    assert.deepEqual(clock.sleeps, [1000, 3000]);
    clock.advance(1000);
    // The first pause ends; the second is still running.
    clock.wake(1);
    await tick();
    assert.deepEqual(started, []);
    clock.advance(2000);
    clock.wake();
    await Promise.all(jobs);
    assert.deepEqual(started.sort(), [1, 2, 3]);
  });

  it("one registry entry per origin and key; it holds a digest of the key, never the key", () => {
    const key = "sk-registry-SECRET-1234";
    const a = rateLimitsFor("http://api.example:8080/v1", key);
    assert.equal(rateLimitsFor("http://api.example:8080/", key), a);
    assert.notEqual(rateLimitsFor("http://api.example:8080", `${key}-other`), a);
    assert.notEqual(rateLimitsFor("http://api2.example:8080", key), a);
    const ids = rateLimitIds().join("\n");
    assert.ok(!ids.includes(key), ids);
    assert.match(ids, /^http:\/\/api\.example:8080 [0-9a-f]{64}$/m);
  });

  describe("in the client (MockAgent)", () => {
    const ORIGIN = "http://limits.test";
    let agent: MockAgent;
    beforeEach(() => {
      agent = new MockAgent();
      agent.disableNetConnect();
    });
    afterEach(async () => {
      agent.assertNoPendingInterceptors();
      await agent.close();
    });

    const client = (limits: RateLimits, clock: LimitClock, extra: Record<string, unknown> = {}) =>
      new ScrapingProsClient({
        apiKey: "k",
        baseUrl: ORIGIN,
        dispatcher: agent,
        rateLimits: limits,
        now: clock.now,
        sleep: clock.sleep,
        random: () => 0.5,
        ...extra,
      });

    it("429s don't spend maxRetries; the retry waits for the shared pause; onRetry says why", async () => {
      const limits = new RateLimits();
      const clock = manualClock();
      const pool = agent.get(ORIGIN);
      for (let i = 0; i < 5; i++) {
        pool
          .intercept({ path: "/v1/health", method: "GET" })
          .reply(429, { detail: "slow down" }, { headers: { "retry-after": "2" } });
      }
      pool.intercept({ path: "/v1/health", method: "GET" }).reply(200, { status: "ok" });
      const events: RetryEvent[] = [];
      const call = client(limits, clock, {
        maxRetries: 0,
        onRetry: (e: RetryEvent) => events.push(e),
      }).health();
      for (let i = 0; i < 5; i++) {
        await tick();
        clock.advance(2000);
        clock.wake();
      }
      const res = await call;
      assert.equal(res.attempts, 6);
      assert.deepEqual(
        events.map((e) => [e.attempt, e.reason, e.throttled, e.delayMs]),
        [0, 1, 2, 3, 4].map((i) => [i, "429", true, 2000]),
      );
      assert.deepEqual(clock.sleeps, [2000, 2000, 2000, 2000, 2000]);
    });

    it("a 429 whose pause ends past maxThrottleWaitMs fails at once as RateLimitError", async () => {
      const limits = new RateLimits();
      const clock = manualClock();
      agent
        .get(ORIGIN)
        .intercept({ path: "/v1/health", method: "GET" })
        .reply(429, { detail: "slow down" }, { headers: { "retry-after": "30" } });
      await assert.rejects(client(limits, clock, { maxThrottleWaitMs: 10_000 }).health(), RateLimitError);
    });

    it("the pause does not count against deadlineMs: a 30 s pause outlasts a 10 s deadline", async () => {
      const limits = new RateLimits();
      const clock = manualClock();
      const pool = agent.get(ORIGIN);
      pool
        .intercept({ path: "/v1/health", method: "GET" })
        .reply(429, { detail: "slow down" }, { headers: { "retry-after": "30" } });
      pool.intercept({ path: "/v1/health", method: "GET" }).reply(200, { status: "ok" });
      const call = client(limits, clock, { deadlineMs: 10_000 }).health();
      await tick();
      assert.deepEqual(clock.sleeps, [30_000]);
      clock.advance(30_000);
      clock.wake();
      assert.equal((await call).attempts, 2);
    });

    it("a per-call deadline (customTimeouts) bounds the pause too", async () => {
      const limits = new RateLimits();
      const clock = manualClock();
      agent
        .get(ORIGIN)
        .intercept({ path: "/v1/health", method: "GET" })
        .reply(429, { detail: "slow down" }, { headers: { "retry-after": "30" } });
      const err = await client(limits, clock)
        .request("GET", "/v1/health", z.unknown(), { deadlineMs: 10_000 })
        .catch((e: unknown) => e);
      assert.ok(err instanceof RateLimitError);
      assert.equal(err.history?.stop, "call-deadline");
    });

    it("a 503 with Retry-After is a throttle; without, it spends the crash budget", async () => {
      const limits = new RateLimits();
      const clock = manualClock();
      const pool = agent.get(ORIGIN);
      pool
        .intercept({ path: "/v1/health", method: "GET" })
        .reply(503, { detail: "busy" }, { headers: { "retry-after": "1" } });
      pool.intercept({ path: "/v1/health", method: "GET" }).reply(503, { detail: "down" });
      const call = client(limits, clock, { maxRetries: 0 }).health();
      await tick();
      assert.equal(limits.state.throttleStreak, 1);
      clock.advance(1000);
      clock.wake();
      await assert.rejects(call, /failed with 503: down/);
    });

    it("an unkeyed POST is not retried after a 429, but its pause still applies to everyone", async () => {
      const limits = new RateLimits();
      const clock = manualClock();
      agent
        .get(ORIGIN)
        .intercept({ path: "/v1/async/collections/c1/run", method: "POST" })
        .reply(429, { detail: "slow down" }, { headers: { "retry-after": "5" } });
      await assert.rejects(client(limits, clock).runs.create("c1"), RateLimitError);
      assert.equal(limits.state.pauseUntil, clock.now() + 5000);
    });

    it("clients of one origin and key share the pause", async () => {
      const clock = manualClock();
      const key = "sk-shared-1";
      const shared = () =>
        new ScrapingProsClient({
          apiKey: key,
          baseUrl: `${ORIGIN}/v1`,
          dispatcher: agent,
          now: clock.now,
          sleep: clock.sleep,
        });
      const a = shared();
      const b = shared();
      const other = new ScrapingProsClient({ apiKey: `${key}-x`, baseUrl: ORIGIN, dispatcher: agent });
      assert.equal(a.rateLimits, b.rateLimits);
      assert.notEqual(a.rateLimits, other.rateLimits);
      const pool = agent.get(ORIGIN);
      pool
        .intercept({ path: "/v1/health", method: "GET" })
        .reply(429, { detail: "slow down" }, { headers: { "retry-after": "1" } });
      const sent: string[] = [];
      pool
        .intercept({ path: "/v1/health", method: "GET" })
        .reply(200, () => {
          sent.push("a-or-b");
          return { status: "ok" };
        })
        .times(2);
      const first = a.health();
      await tick();
      // b's call starts while a's pause runs: it is not sent until the pause ends.
      const second = b.health();
      await tick();
      assert.deepEqual(sent, []);
      clock.advance(1000);
      clock.wake();
      await Promise.all([first, second]);
      assert.equal(sent.length, 2);
    });
  });
});
