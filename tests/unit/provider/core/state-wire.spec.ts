import * as assert from "node:assert/strict";
import { fromEngine, toEngine } from "../../../../provider/core/state-wire";

describe("state as the engine shows it", () => {
  it("stores bookkeeping under hidden names and timestamps as ISO 8601, and reads both layouts back", () => {
    const inside = {
      name: "c",
      autoNamed: true,
      schemaVersion: 1,
      createdAt: 1795934233.442,
      updatedAt: null,
    };
    const stored = toEngine(inside);
    assert.deepEqual(stored, {
      name: "c",
      __autoNamed: true,
      __schemaVersion: 1,
      createdAt: "2026-11-29T06:37:13.442Z",
      updatedAt: null,
    });
    assert.deepEqual(fromEngine(stored), inside);
    // State written before: plain names, epoch seconds.
    assert.deepEqual(
      fromEngine({ name: "c", autoNamed: true, schemaVersion: 1, createdAt: 1795934233.442 }),
      {
        name: "c",
        autoNamed: true,
        schemaVersion: 1,
        createdAt: 1795934233.442,
      },
    );
  });
});
