import * as assert from "node:assert/strict";

interface Progress {
  advance(n?: number): void;
  setTotal(n: number): void;
  tick(): void;
  done(summary?: string): void;
  fail(): void;
}
const { createProgress, formatDuration } = require("../../scripts/progress.js") as {
  createProgress(options: Record<string, unknown>): Progress;
  formatDuration(ms: number): string;
};

/** A progress reporter on a fixed clock that the test moves, writing into `out`. */
function reporter(isTTY: boolean, extra: Record<string, unknown> = {}) {
  let t = 1_000_000;
  const out: string[] = [];
  const p = createProgress({
    label: "compiling the Pulumi CLI",
    step: 2,
    steps: 3,
    unit: "packages",
    prefix: "ensure-pulumi: ",
    isTTY,
    now: () => t,
    write: (s: string) => out.push(s),
    ...extra,
  });
  return {
    p,
    out,
    advanceClock: (ms: number) => {
      t += ms;
    },
  };
}

describe("progress reporter (scripts/progress.js)", () => {
  it("formats durations for a person", () => {
    assert.equal(formatDuration(400), "0.4s");
    assert.equal(formatDuration(3000), "3s");
    assert.equal(formatDuration(12_400), "12s");
    assert.equal(formatDuration(185_000), "3m05s");
    assert.equal(formatDuration(3_720_000), "1h02m");
  });

  it("in a log: says what starts, then a line per interval with count, total and elapsed time, then the duration", () => {
    const { p, out, advanceClock } = reporter(false, { logIntervalMs: 15_000, hint: "(minutes)" });
    assert.deepEqual(out, ["ensure-pulumi: [2/3] compiling the Pulumi CLI (minutes)...\n"]);
    p.setTotal(1700);
    p.advance(100);
    advanceClock(14_000);
    p.tick();
    assert.equal(out.length, 1, "nothing before the interval");
    advanceClock(1000);
    p.tick();
    assert.equal(out[1], "ensure-pulumi: [2/3] compiling the Pulumi CLI: 100/1700 packages (5%), 15s\n");
    p.advance(750);
    advanceClock(60_000);
    p.tick();
    assert.equal(out[2], "ensure-pulumi: [2/3] compiling the Pulumi CLI: 850/1700 packages (50%), 1m15s\n");
    advanceClock(5000);
    p.done();
    assert.equal(out[3], "ensure-pulumi: [2/3] compiling the Pulumi CLI: 850 packages in 1m20s\n");
    p.tick();
    p.done();
    assert.equal(out.length, 4, "nothing after done");
  });

  it("at a terminal: rewrites one line each second and ends it with the duration", () => {
    const { p, out, advanceClock } = reporter(true);
    p.advance(3);
    advanceClock(1000);
    p.tick();
    assert.equal(out[1], "\r\x1b[2Kensure-pulumi: [2/3] compiling the Pulumi CLI: 3 packages, 1s");
    advanceClock(1000);
    p.tick();
    assert.equal(out[2], "\r\x1b[2Kensure-pulumi: [2/3] compiling the Pulumi CLI: 3 packages, 2s");
    p.fail();
    assert.deepEqual(out.slice(3), [
      "\n",
      "ensure-pulumi: [2/3] compiling the Pulumi CLI: failed after 2s\n",
    ]);
  });

  it("says 'package' for one", () => {
    const { p, out } = reporter(false, { unitOne: "package" });
    p.advance();
    p.done();
    assert.equal(out[1], "ensure-pulumi: [2/3] compiling the Pulumi CLI: 1 package in 0s\n");
  });

  it("without a unit or count, shows only the elapsed time, and 'done'", () => {
    const { p, out, advanceClock } = reporter(false, { unit: undefined, step: undefined, steps: undefined });
    advanceClock(20_000);
    p.tick();
    p.done();
    assert.deepEqual(out.slice(1), [
      "ensure-pulumi: compiling the Pulumi CLI: 20s\n",
      "ensure-pulumi: compiling the Pulumi CLI: done in 20s\n",
    ]);
  });
});
