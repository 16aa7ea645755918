import * as assert from "node:assert/strict";
import { progressOf } from "../../../../../provider/core/collection-run/operations";

describe("progressOf: the counters of a run in words (pure)", () => {
  it("names each counter, and says ? for one the API did not report", () => {
    assert.equal(
      progressOf({ successRequests: 3, failedRequests: 0, timeoutRequests: 0, totalRequests: 12 }),
      "3 succeeded, 0 failed, 0 timed out of 12 requests",
    );
    assert.equal(
      progressOf({ successRequests: 1, failedRequests: 2, timeoutRequests: null, totalRequests: null }),
      "1 succeeded, 2 failed, ? timed out of ? requests",
    );
  });
});
