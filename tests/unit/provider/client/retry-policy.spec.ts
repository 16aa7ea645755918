import * as assert from "node:assert/strict";
import {
  DEFAULT_RETRY,
  parseRetryAfterMs,
  retryDelayMs,
  shouldRetry,
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
});
