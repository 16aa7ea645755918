import * as assert from "node:assert/strict";
import {
  backoffFloorMs,
  DEFAULT_RETRY,
  parseRetryAfterMs,
  retryDelayMs,
  shouldRetry,
  waitBeforeRetry,
} from "../../../../provider/client/retry-policy";

describe("retry policy", () => {
  const o = DEFAULT_RETRY;
  const table: [string, Parameters<typeof shouldRetry>[0], Parameters<typeof shouldRetry>[1], boolean][] = [
    ["GET 503", "safe", { kind: "status", status: 503 }, true],
    ["GET 500", "safe", { kind: "status", status: 500 }, true],
    ["GET 429", "safe", { kind: "status", status: 429 }, true],
    ["GET 408", "safe", { kind: "status", status: 408 }, true],
    ["GET 400", "safe", { kind: "status", status: 400 }, false],
    ["GET 401", "safe", { kind: "status", status: 401 }, false],
    ["GET 404", "safe", { kind: "status", status: 404 }, false],
    ["keyed POST 422", "keyed", { kind: "status", status: 422 }, false],
    ["keyed POST network", "keyed", { kind: "network" }, true],
    ["keyed POST timeout", "keyed", { kind: "timeout" }, true],
    ["unkeyed POST network", "never", { kind: "network" }, false],
    ["unkeyed POST 503", "never", { kind: "status", status: 503 }, false],
  ];
  for (const [what, mode, failure, expected] of table) {
    it(`${what} → ${expected ? "retry" : "stop"}`, () =>
      assert.equal(shouldRetry(mode, failure, 0, o), expected));
  }

  it("stops after maxRetries", () => {
    assert.equal(shouldRetry("safe", { kind: "network" }, o.maxRetries - 1, o), true);
    assert.equal(shouldRetry("safe", { kind: "network" }, o.maxRetries, o), false);
  });

  it("backs off exponentially with 50-100% jitter, capped", () => {
    const f = { kind: "network" } as const;
    assert.equal(retryDelayMs(f, 0, o, 0, 0), 250);
    assert.equal(retryDelayMs(f, 0, o, 0.999999, 0), 500);
    assert.equal(retryDelayMs(f, 2, o, 0.999999, 0), 2000);
    assert.equal(retryDelayMs(f, 10, o, 0.999999, 0), o.maxDelayMs);
  });

  it("Retry-After wins, in seconds or as a date, and is capped", () => {
    assert.equal(retryDelayMs({ kind: "status", status: 429, retryAfter: "2" }, 0, o, 0.5, 0), 2000);
    const now = Date.parse("2026-01-01T00:00:00Z");
    assert.equal(parseRetryAfterMs("Thu, 01 Jan 2026 00:00:03 GMT", now), 3000);
    assert.equal(
      retryDelayMs({ kind: "status", status: 503, retryAfter: "3600" }, 0, o, 0.5, 0),
      o.maxRetryAfterMs,
    );
    assert.equal(parseRetryAfterMs("soon", now), undefined);
  });

  describe("Retry-After: only the two forms RFC 9110 allows", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    const table: [string, number | undefined][] = [
      ["0", 0],
      ["7", 7000],
      [" 2 ", 2000],
      ["0.001", 1],
      ["Thu, 01 Jan 2026 00:00:03 GMT", 3000],
      ["Thursday, 01-Jan-26 00:00:03 GMT", 3000],
      ["Thu Jan  1 00:00:03 2026", 3000],
      ["Wed, 31 Dec 2025 23:00:00 GMT", 0],
      ["Mon, 01 Jan 1990 00:00:00 GMT", 0],
      ["-5", undefined],
      ["1e3", undefined],
      ["soon", undefined],
      ["soon 2020", undefined],
      ["", undefined],
      ["5, 0", undefined],
      ["Infinity", undefined],
      ["0x10", undefined],
    ];
    for (const [value, expected] of table) {
      it(`${JSON.stringify(value)} → ${expected}`, () =>
        assert.equal(parseRetryAfterMs(value, now), expected));
    }
    it("a number too large for a double is the largest safe wait, then capped", () => {
      assert.equal(parseRetryAfterMs("9".repeat(400), now), Number.MAX_SAFE_INTEGER);
      assert.equal(
        retryDelayMs({ kind: "status", status: 429, retryAfter: "9".repeat(400) }, 0, o, 0, now),
        60_000,
      );
    });
  });

  describe("the floor", () => {
    it("doubles from initialDelayMs to maxDelayMs with 50-100 % jitter", () => {
      assert.deepEqual(
        [0, 1, 2, 3, 4, 5, 30, 1e9].map((n) => backoffFloorMs(n, o, 0)),
        [250, 500, 1000, 2000, 4000, 4000, 4000, 4000],
      );
      assert.deepEqual(
        [0, 1, 2, 3, 4].map((n) => backoffFloorMs(n, o, 0.999999)),
        [500, 1000, 2000, 4000, 8000],
      );
    });
    it("is at least 1 ms, even with initialDelayMs 0 or a negative exponent", () => {
      assert.equal(backoffFloorMs(0, { initialDelayMs: 0, maxDelayMs: 8000 }, 0), 1);
      assert.equal(backoffFloorMs(3, { initialDelayMs: 0, maxDelayMs: 8000 }, 0), 4);
      assert.equal(backoffFloorMs(-3, o, 0), 250);
    });
    it("a hint is taken when longer than the floor, capped; otherwise the floor", () => {
      const f = (retryAfter?: string) => ({ kind: "status" as const, status: 429, retryAfter });
      assert.deepEqual(waitBeforeRetry(f("2"), 0, o, 0.5, 0), { delayMs: 2000, from: "retry-after" });
      assert.deepEqual(waitBeforeRetry(f("0"), 0, o, 0.5, 0), { delayMs: 375, from: "floor" });
      assert.deepEqual(waitBeforeRetry(f(), 2, o, 0.5, 0), { delayMs: 1500, from: "floor" });
      assert.deepEqual(waitBeforeRetry(f("1"), 4, o, 0.5, 0), { delayMs: 6000, from: "floor" });
      assert.deepEqual(waitBeforeRetry(f("86400"), 4, o, 0.5, 0), { delayMs: 60_000, from: "retry-after" });
      // maxRetryAfterMs 0 ignores hints, never the floor.
      assert.deepEqual(waitBeforeRetry(f("5"), 0, { ...o, maxRetryAfterMs: 0 }, 0.5, 0), {
        delayMs: 375,
        from: "floor",
      });
      assert.deepEqual(waitBeforeRetry({ kind: "timeout" }, 1, o, 0, 0), { delayMs: 500, from: "floor" });
    });
  });
});
