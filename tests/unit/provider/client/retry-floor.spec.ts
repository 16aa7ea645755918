import * as assert from "node:assert/strict";
import { MockAgent } from "undici";
import { z } from "zod";
import { ScrapingProsClient } from "../../../../provider/client/client";
import {
  ApiTimeoutError,
  InternalServerError,
  RateLimitError,
  type ScrapingProsError,
} from "../../../../provider/client/errors";
import { RateLimits } from "../../../../provider/client/rate-limits";
import { backoffFloorMs, DEFAULT_RETRY } from "../../../../provider/client/retry-policy";
import { resolveSettings } from "../../../../provider/core/config";
import { userErrorFor } from "../../../../provider/core/messages";
import { VirtualClock } from "../../../helpers/virtual-clock";

const ORIGIN = "http://floor.test";

/**
 * A 429 or 503 whose `Retry-After` is 0, in the past or nonsense was retried at once, so one
 * call sent about 10,000 requests in 3 s. Every wait now has a floor that doubles over a streak. These
 * tests run minutes of retries on a virtual clock and look at when each request was sent.
 */
describe("every retry waits at least a floor (virtual clock)", () => {
  let agent: MockAgent;
  let clock: VirtualClock;
  let sent: number[];

  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
    clock = new VirtualClock();
    sent = [];
  });
  afterEach(async () => {
    await agent.close();
  });

  const client = (extra: Partial<ConstructorParameters<typeof ScrapingProsClient>[0]> = {}) =>
    new ScrapingProsClient({
      apiKey: "sk-floor-test-0001",
      baseUrl: ORIGIN,
      dispatcher: agent,
      rateLimits: new RateLimits(),
      now: clock.now,
      sleep: clock.sleep,
      // The lowest jitter: the shortest waits the rule allows.
      random: () => 0,
      ...extra,
    });

  /** Answers every GET /v1/health with `answer(n)` (n: 0-based request number), recording when each was sent. */
  const serve = (answer: (n: number) => { status: number; headers?: Record<string, string> }) => {
    agent
      .get(ORIGIN)
      .intercept({ path: "/v1/health", method: "GET" })
      .reply(() => {
        const a = answer(sent.length);
        sent.push(clock.now());
        return {
          statusCode: a.status,
          data: a.status === 200 ? { status: "ok" } : { detail: "busy" },
          responseOptions: { headers: { "content-type": "application/json", ...a.headers } },
        };
      })
      .persist();
  };

  const gaps = () => sent.slice(1).map((t, i) => t - (sent[i] as number));
  const inFirst = (ms: number) => sent.filter((t) => t - (sent[0] as number) < ms).length;

  const pastDate = new Date(Date.parse("2026-01-01T00:00:00Z") - 3_600_000).toUTCString();
  const hostileHints: [string, (n: number) => { status: number; headers?: Record<string, string> }][] = [
    ["429, Retry-After: 0", () => ({ status: 429, headers: { "retry-after": "0" } })],
    ["429, Retry-After: a date in the past", () => ({ status: 429, headers: { "retry-after": pastDate } })],
    ["429, Retry-After: garbage", () => ({ status: 429, headers: { "retry-after": "soon" } })],
    ["429, Retry-After: -5", () => ({ status: 429, headers: { "retry-after": "-5" } })],
    ["429, Retry-After: 0.001", () => ({ status: 429, headers: { "retry-after": "0.001" } })],
    ["429, Retry-After: empty", () => ({ status: 429, headers: { "retry-after": "" } })],
    ["429, two Retry-After values (5, 0)", () => ({ status: 429, headers: { "retry-after": "5, 0" } })],
    ["429 without Retry-After", () => ({ status: 429 })],
    ["503, Retry-After: 0", () => ({ status: 503, headers: { "retry-after": "0" } })],
    ["503, Retry-After: a date in the past", () => ({ status: 503, headers: { "retry-after": pastDate } })],
    [
      "429 and 503 alternating, Retry-After: 0",
      (n) => ({ status: n % 2 ? 503 : 429, headers: { "retry-after": "0" } }),
    ],
  ];

  for (const [what, answer] of hostileHints) {
    it(`${what}: waits grow from the floor; a handful of requests per minute, not thousands per second`, async () => {
      serve(answer);
      const err = await clock.run(
        client({ maxThrottleWaitMs: 60_000 })
          .health()
          .catch((e: unknown) => e),
      );
      assert.ok(err instanceof RateLimitError || err instanceof InternalServerError, String(err));
      assert.equal((err as ScrapingProsError).history?.stop, "maxThrottleWaitMs");
      // The floor with the lowest jitter: 250, 500, 1000, 2000, then 4000 ms for ever.
      for (const [i, gap] of gaps().entries()) {
        assert.ok(gap >= backoffFloorMs(i, DEFAULT_RETRY, 0), `wait ${i} was ${gap} ms: ${gaps()}`);
      }
      assert.ok(inFirst(3000) <= 4, `${inFirst(3000)} requests in the first 3 s: ${gaps()}`);
      assert.ok(sent.length <= 20, `${sent.length} requests in a minute`);
      assert.ok(sent.length >= 10, `${sent.length} requests: the call stopped early`);
    });
  }

  it("Retry-After: 99999999999 is capped at maxRetryAfterMs (60 s) and the call stops at maxThrottleWaitMs", async () => {
    serve(() => ({ status: 429, headers: { "retry-after": "99999999999" } }));
    const err = await clock.run(
      client({ maxThrottleWaitMs: 150_000 })
        .health()
        .catch((e: unknown) => e),
    );
    assert.ok(err instanceof RateLimitError);
    assert.deepEqual(gaps(), [60_000, 60_000]);
    assert.equal(err.history?.stop, "maxThrottleWaitMs");
    assert.equal(err.history?.rateLimitWaitMs, 120_000);
  });

  it("an honest Retry-After: 1 is waited exactly, however long the streak (the floor does not grow)", async () => {
    serve((n) => (n < 30 ? { status: 429, headers: { "retry-after": "1" } } : { status: 200 }));
    const res = await clock.run(client({ random: () => 0.999 }).health());
    assert.equal(res.attempts, 31);
    assert.deepEqual(gaps(), Array(30).fill(1000));
  });

  it("a 503 without Retry-After is a failure: the floor grows with each attempt, maxRetries bounds the call", async () => {
    serve(() => ({ status: 503 }));
    const err = await clock.run(
      client()
        .health()
        .catch((e: unknown) => e),
    );
    assert.ok(err instanceof InternalServerError);
    assert.equal(err.history?.stop, "maxRetries");
    assert.deepEqual(gaps(), [250, 500, 1000, 2000]);
  });

  it("a 500 with Retry-After: 0 still waits the floor", async () => {
    serve((n) => (n < 2 ? { status: 500, headers: { "retry-after": "0" } } : { status: 200 }));
    await clock.run(client().health());
    assert.deepEqual(gaps(), [250, 500]);
  });

  it("a 429 with Retry-After: 0 alternating with a 503 without: each counts where it belongs", async () => {
    serve((n) => (n % 2 ? { status: 503 } : { status: 429, headers: { "retry-after": "0" } }));
    const err = await clock.run(
      client({ maxRetries: 3 })
        .health()
        .catch((e: unknown) => e),
    );
    assert.ok(err instanceof InternalServerError);
    assert.equal(err.history?.stop, "maxRetries");
    assert.deepEqual(err.history?.throttled, { "429": 4 });
    assert.deepEqual(err.history?.failed, { "503": 4 });
    for (const gap of gaps()) assert.ok(gap >= 250, `${gaps()}`);
  });
});

/**
 * A maintenance window: every PUT is answered 503 with `Retry-After: 5` for four minutes.
 * With 50 collections, each call gave up at the 120 s deadline. Waits the API asks for now count
 * against `maxThrottleWaitMs` (10 min), not `deadlineMs`.
 */
describe("a 4-minute maintenance window, 50 concurrent updates (virtual clock)", () => {
  let agent: MockAgent;
  let clock: VirtualClock;
  let puts: { at: number; status: number }[];
  const WINDOW_MS = 240_000;

  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
    clock = new VirtualClock();
    puts = [];
    const until = clock.now() + WINDOW_MS;
    agent
      .get(ORIGIN)
      .intercept({ path: /^\/v1\/async\/collections\/c\d+$/, method: "PUT" })
      .reply((opts) => {
        const down = clock.now() < until;
        puts.push({ at: clock.now(), status: down ? 503 : 200 });
        const id = opts.path.split("/").pop();
        return down
          ? {
              statusCode: 503,
              data: JSON.stringify({ detail: "injected fault" }),
              responseOptions: { headers: { "retry-after": "5", "content-type": "application/json" } },
            }
          : { statusCode: 200, data: JSON.stringify({ id, name: id }) };
      })
      .persist();
  });
  afterEach(async () => {
    await agent.close();
  });

  const updateAll = (
    extra: Partial<ConstructorParameters<typeof ScrapingProsClient>[0]>,
    deadlineMs?: number,
  ) => {
    const c = new ScrapingProsClient({
      apiKey: "sk-window-test-0001",
      baseUrl: ORIGIN,
      dispatcher: agent,
      rateLimits: new RateLimits(),
      now: clock.now,
      sleep: clock.sleep,
      random: () => 0.5,
      ...extra,
    });
    return Array.from({ length: 50 }, (_, i) =>
      c
        .request("PUT", `/v1/async/collections/c${i}`, z.object({ id: z.string() }), {
          body: { name: `c${i}`, requests: [] },
          ...(deadlineMs !== undefined ? { deadlineMs } : {}),
        })
        .then(
          (r) => ({ ok: true as const, attempts: r.attempts }),
          (e: unknown) => ({ ok: false as const, error: e as ScrapingProsError }),
        ),
    );
  };

  it("with the defaults (deadlineMs 120 s, maxThrottleWaitMs 10 min) every update succeeds in one go", async () => {
    const results = await clock.run(Promise.all(updateAll({})));
    assert.deepEqual(
      results.filter((r) => !r.ok),
      [],
    );
    assert.equal(puts.filter((p) => p.status === 200).length, 50);
    const refused = puts.filter((p) => p.status === 503).length;
    // Every 5 s, at most the concurrency (16, halved to 4) of PUTs: about 4 per pause, not a storm.
    assert.ok(refused <= 16 + 8 + 4 * (WINDOW_MS / 5000 + 2), `${refused} refused PUTs`);
    const last = Math.max(...puts.map((p) => p.at));
    assert.ok(
      last - (puts[0] as { at: number }).at < WINDOW_MS + 30_000,
      "the updates ended soon after the window",
    );
  });

  it("a shorter maxThrottleWaitMs (2 min) ends each call with a message that says how long the API throttled", async () => {
    const results = await clock.run(Promise.all(updateAll({ maxThrottleWaitMs: 120_000 })));
    const failed = results.flatMap((r) => (r.ok ? [] : [r.error]));
    assert.equal(failed.length, 50);
    for (const e of failed) {
      // A call that never got its turn fails having sent nothing.
      assert.ok(
        e instanceof InternalServerError || (e instanceof ApiTimeoutError && e.history?.attempts === 0),
        String(e),
      );
      assert.equal(e.history?.stop, "maxThrottleWaitMs");
      // A call waiting for its turn notices the budget when it gets it: at most one pause (5 s) late.
      assert.ok((e.history?.rateLimitWaitMs ?? 0) <= 125_000, `${e.history?.rateLimitWaitMs}`);
    }
    // The calls that were sent: throttled every time, for about the budget.
    const sentOnes = failed.filter((e) => (e.history?.attempts ?? 0) > 0);
    assert.ok(sentOnes.length > 0);
    for (const e of sentOnes) {
      assert.deepEqual(Object.keys(e.history?.throttled ?? {}), ["503"]);
      assert.equal(e.history?.throttled["503"], e.history?.attempts);
    }
    const values: Record<string, string> = {
      "scrapingpros:apiKey": "sk-window-test-0001",
      "scrapingpros:maxThrottleWaitMs": "120000",
    };
    const settings = resolveSettings({ get: (k) => values[k] }, {});
    const message = (userErrorFor(sentOnes[0], { op: "update", settings, baseUrl: ORIGIN }) as Error).message;
    assert.match(
      message,
      /^PUT \/v1\/async\/collections\/c\d+ gave up after (\d+) attempts in 2 min \d+ s: the API throttled it \1 times \(503 with Retry-After ×\1\) for 2 min \d+ s\. Waits for the API's rate limit may take at most 120000 ms \(stack config scrapingpros:maxThrottleWaitMs\) in all; it had waited 2 min \d+ s when it stopped\. The last answer: failed with 503: injected fault\. The API asked every time to come back later \(a maintenance, or its rate limit\): run `pulumi up` again later, or raise scrapingpros:maxThrottleWaitMs \(or the resource's customTimeouts\)\.$/,
    );
  });

  it("customTimeouts of 3 min (a per-call deadline) bounds the whole call, waits included", async () => {
    const results = await clock.run(Promise.all(updateAll({}, 180_000)));
    for (const r of results) {
      assert.ok(!r.ok);
      assert.equal(r.error.history?.stop, "call-deadline");
      assert.ok((r.error.history?.elapsedMs ?? 0) <= 180_000);
    }
  });

  it("customTimeouts of 6 min outlasts the window: every update succeeds", async () => {
    const results = await clock.run(Promise.all(updateAll({}, 360_000)));
    assert.deepEqual(
      results.filter((r) => !r.ok),
      [],
    );
  });
});
