import * as assert from "node:assert/strict";
import { parseRateLimit, type RunningEmulator } from "../../../emulator";
import { parseCliArgs } from "../../../emulator/cli";
import { call, startTestEmulator } from "./helpers";

const LIST = "/v1/async/collections";

/** Sends `n` authenticated list calls one after another; returns their statuses. */
async function statuses(emulator: RunningEmulator, n: number, key?: string | null): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await call(emulator, "GET", LIST, { key })).status);
  return out;
}

describe("emulator: rate limit (token bucket per API key)", () => {
  let emulator: RunningEmulator;
  afterEach(async () => {
    await emulator?.stop();
  });

  it("a burst of `requests` passes; the next is 429 with Retry-After, and takes no token", async () => {
    emulator = await startTestEmulator({ rateLimit: { requests: 5, seconds: 60 } });
    assert.deepEqual(await statuses(emulator, 5), [200, 200, 200, 200, 200]);
    const refused = await call(emulator, "GET", LIST);
    assert.equal(refused.status, 429);
    assert.deepEqual(refused.body, { detail: "Rate limit exceeded" });
    // One token every 12 s; the bucket is empty, so the next one is 12 s away.
    assert.equal(refused.headers.get("retry-after"), "12");
    // A refused request takes nothing: after 12 s there is exactly one token, whatever was refused.
    assert.deepEqual(await statuses(emulator, 3), [429, 429, 429]);
    emulator.advanceClock(12_000);
    assert.deepEqual(await statuses(emulator, 2), [200, 429]);
    const log = emulator.requests();
    assert.equal(log.filter((e) => e.rateLimited).length, 5);
    assert.ok(log.filter((e) => e.rateLimited).every((e) => e.status === 429 && e.fault === null));
    assert.ok(log.filter((e) => !e.rateLimited).every((e) => e.status === 200));
  });

  it("refills at requests/seconds, never beyond the bucket size", async () => {
    emulator = await startTestEmulator({ rateLimit: { requests: 4, seconds: 2 } });
    assert.deepEqual(await statuses(emulator, 5), [200, 200, 200, 200, 429]);
    // 2 tokens a second: 1 s gives 2.
    emulator.advanceClock(1000);
    assert.deepEqual(await statuses(emulator, 3), [200, 200, 429]);
    // A long quiet time fills the bucket to 4, not more.
    emulator.advanceClock(3_600_000);
    assert.deepEqual(await statuses(emulator, 5), [200, 200, 200, 200, 429]);
  });

  it("Retry-After is the whole seconds until the next token, rounded up", async () => {
    emulator = await startTestEmulator({ rateLimit: { requests: 1, seconds: 10 } });
    assert.deepEqual(await statuses(emulator, 1), [200]);
    const retryAfter = async () => (await call(emulator, "GET", LIST)).headers.get("retry-after");
    assert.equal(await retryAfter(), "10");
    emulator.advanceClock(2_500);
    assert.equal(await retryAfter(), "8"); // 7.5 s left
    emulator.advanceClock(7_400);
    assert.equal(await retryAfter(), "1"); // 0.1 s left: never 0
    emulator.advanceClock(100);
    assert.equal((await call(emulator, "GET", LIST)).status, 200);
  });

  it("each accepted key has its own bucket; other callers share one, and take none of theirs", async () => {
    emulator = await startTestEmulator({
      apiKey: "key-a",
      extraApiKeys: ["key-b"],
      rateLimit: { requests: 2, seconds: 60 },
    });
    assert.deepEqual(await statuses(emulator, 3, "key-a"), [200, 200, 429]);
    assert.deepEqual(await statuses(emulator, 3, "key-b"), [200, 200, 429]);
    // Wrong keys and no key: one shared bucket (401 while it lasts, then 429).
    assert.deepEqual(await statuses(emulator, 1, "wrong-1"), [401]);
    assert.deepEqual(await statuses(emulator, 1, null), [401]);
    assert.deepEqual(await statuses(emulator, 1, "wrong-2"), [429]);
    // Health without a key counts against that shared bucket too.
    assert.equal((await call(emulator, "GET", "/v1/health", { key: null })).status, 429);
    emulator.advanceClock(30_000);
    assert.deepEqual(await statuses(emulator, 2, "key-a"), [200, 429]);
  });

  it("the control API is never limited, and a reset refills every bucket", async () => {
    emulator = await startTestEmulator({ rateLimit: { requests: 1, seconds: 3600 } });
    assert.deepEqual(await statuses(emulator, 2), [200, 429]);
    for (let i = 0; i < 20; i++) {
      assert.equal((await fetch(`${emulator.url}/__emulator/requests`)).status, 200);
      const fault = await fetch(`${emulator.url}/__emulator/faults`, {
        method: "POST",
        body: JSON.stringify({ path: "/v1/nothing", action: "status", status: 500 }),
      });
      assert.equal(fault.status, 201);
    }
    assert.equal((await fetch(`${emulator.url}/__emulator/reset`, { method: "POST" })).status, 200);
    assert.deepEqual(await statuses(emulator, 2), [200, 429]);
  });

  it("faults apply to the requests the limit lets through, and only to them", async () => {
    emulator = await startTestEmulator({ rateLimit: { requests: 2, seconds: 60 } });
    emulator.addFault({ path: LIST, action: "status", status: 503, times: 1 });
    assert.deepEqual(await statuses(emulator, 3), [503, 200, 429]);
  });

  it("without the option nothing is limited", async () => {
    emulator = await startTestEmulator();
    const all = await Promise.all(Array.from({ length: 200 }, () => call(emulator, "GET", LIST)));
    assert.ok(all.every((r) => r.status === 200));
  });

  it("parses <requests>/<seconds> and refuses anything else", async () => {
    assert.deepEqual(parseRateLimit("25/1"), { requests: 25, seconds: 1 });
    assert.deepEqual(parseRateLimit(" 100 / 60 "), { requests: 100, seconds: 60 });
    assert.deepEqual(parseRateLimit("5/0.5"), { requests: 5, seconds: 0.5 });
    for (const bad of ["", "25", "25/", "/1", "0/1", "25/0", "-1/1", "2.5/1", "25/s", "25/1/2"]) {
      assert.throws(() => parseRateLimit(bad), /rate limit|rateLimit/, bad);
    }
    assert.deepEqual(parseCliArgs(["--rate-limit", "25/1"], {}), { rateLimit: { requests: 25, seconds: 1 } });
    assert.throws(() => parseCliArgs(["--rate-limit", "fast"], {}));
    await assert.rejects(startTestEmulator({ rateLimit: { requests: 0, seconds: 1 } }), /positive integer/);
    await assert.rejects(startTestEmulator({ rateLimit: { requests: 1, seconds: 0 } }), /positive number/);
  });
});
