import * as assert from "node:assert/strict";
import type { Run } from "../../../../../provider/client/schemas";
import {
  type OwnRunContext,
  pickOwnRun,
  RUN_FINGERPRINT_KEY,
} from "../../../../../provider/core/collection-run/own-run";

describe("pickOwnRun: which run a create takes as its own (pure)", () => {
  const run = (run_id: string, extra: Partial<Run> = {}): Run => ({
    run_id,
    status: "in_progress",
    callback_url: null,
    ...extra,
  });
  const FP = "0123456789abcdef";
  const fingerprinted = (id: string, fp = "fedcba9876543210") =>
    run(id, { callback_url: `http://127.0.0.1:9/h#${RUN_FINGERPRINT_KEY}=${fp}` });
  const pick = (runs: Run[], own: Partial<OwnRunContext>, callbackUrl?: string) =>
    pickOwnRun(runs, callbackUrl === undefined ? {} : { callbackUrl }, { fingerprint: FP, ...own })?.run_id;

  it("a first create takes the newest in-progress run without a fingerprint, never another resource's", () => {
    const runs = [fingerprinted("f"), run("new"), run("old")];
    assert.equal(pick(runs, {}), "new");
    assert.equal(pick(runs, { claimed: new Set(["new"]) }), "old");
    assert.equal(pick(runs, { claimed: new Set(["new", "old"]) }), undefined);
    assert.equal(pick([run("done", { status: "completed" })], {}), undefined);
    assert.equal(pick([fingerprinted("f")], {}), undefined);
  });

  it("a replacement takes only a run started after the replaced one (the list is newest first)", () => {
    // The input: the old run still in progress, nothing newer.
    assert.equal(pick([run("r1")], { replacedRunId: "r1" }), undefined);
    // Replacements in a row: the older runs still in progress are not taken either.
    assert.equal(pick([run("r2"), run("r1")], { replacedRunId: "r2" }), undefined);
    // The rerun of an interrupted replacement: the run it started is newer than the replaced one.
    assert.equal(pick([run("r2"), run("r1")], { replacedRunId: "r1" }), "r2");
    assert.equal(pick([run("r2", { status: "completed" }), run("r1")], { replacedRunId: "r1" }), undefined);
    assert.equal(pick([run("r2"), run("r1")], { replacedRunId: "r1", claimed: new Set(["r2"]) }), undefined);
    // The replaced run is not in the list: nothing tells older runs from newer ones.
    assert.equal(pick([run("r2")], { replacedRunId: "r1" }), undefined);
    // ... unless the lookup after an unanswered start bounds them in time.
    assert.equal(pick([run("r2", { created_at: 100 })], { replacedRunId: "r1", since: 90 }), "r2");
    assert.equal(pick([run("r2", { created_at: 80 })], { replacedRunId: "r1", since: 90 }), undefined);
  });

  it("a replacement onto another collection takes only a run created after the replaced one", () => {
    const runs = [run("new", { created_at: 200 }), run("older", { created_at: 100 }), run("unknown")];
    assert.equal(pick(runs, { replacing: true, createdAfter: 150 }), "new");
    assert.equal(pick(runs, { replacing: true, createdAfter: 250 }), undefined);
    assert.equal(pick(runs.slice(1), { replacing: true, createdAfter: 50 }), "older");
    assert.equal(pick([run("unknown")], { replacing: true, createdAfter: 50 }), undefined);
  });

  it("a replacement without a known old run (no diff) takes none, unless bounded in time", () => {
    assert.equal(pick([run("r1")], { replacing: true }), undefined);
    assert.equal(pick([run("r2", { created_at: 100 })], { replacing: true, since: 90 }), "r2");
  });

  it("with a callbackUrl: only the run with this fingerprint, and not the replaced one", () => {
    const mine = fingerprinted("mine", FP);
    const hook = "http://127.0.0.1:9/h";
    assert.equal(pick([fingerprinted("other"), run("plain"), mine], {}, hook), "mine");
    assert.equal(pick([fingerprinted("other"), run("plain")], {}, hook), undefined);
    assert.equal(pick([mine], { replacedRunId: "mine" }, hook), undefined);
    assert.equal(pick([mine, fingerprinted("r1")], { replacedRunId: "r1" }, hook), "mine");
    assert.equal(pick([{ ...mine, status: "completed" }], {}, hook), undefined);
  });
});
