import * as assert from "node:assert/strict";
import type { RunningEmulator } from "../../emulator";
import { useStack } from "../helpers/e2e";
import { calls } from "../helpers/emulator";
import { type CliResult, changesOf, type ProgramSpec, type TestStack } from "../helpers/pulumi";

/** `count` explicitly named collections; `edited` gives each a different, longer request list. */
function program(prefix: string, count: number, edited: boolean): ProgramSpec {
  const spec: ProgramSpec = {};
  for (let i = 0; i < count; i++) {
    const urls = edited
      ? [`https://example.com/${prefix}/${i}/b`, `https://example.com/${prefix}/${i}/c`]
      : [`https://example.com/${prefix}/${i}/a`];
    spec[`${prefix}${i}`] = {
      name: `${prefix}-${i}`,
      requests: urls.map((url, j) => ({ url, custom_id: `${i}-${j}` })),
    };
  }
  return spec;
}

/** The collections the emulator holds, by name, with their request URLs. */
function stored(emu: RunningEmulator): Map<string, string[]> {
  return new Map(emu.collections().map((c) => [c.name, c.requests.map((r) => String(r.url))]));
}

/** No resource operation failed: the CLI exited 0 and printed no error diagnostic. */
function assertNoErrors(r: CliResult): void {
  assert.equal(r.code, 0);
  assert.doesNotMatch(r.stdout + r.stderr, /^\s*error:/m);
  assert.doesNotMatch(r.stdout + r.stderr, /failed with 429/);
}

/** Every collection of `spec` exists exactly once and holds exactly the declared URLs. */
function assertHolds(emu: RunningEmulator, spec: ProgramSpec): void {
  const byName = stored(emu);
  assert.equal(emu.collections().length, Object.keys(spec).length, "one collection per resource");
  for (const args of Object.values(spec)) {
    const want = (args.requests as { url: string }[]).map((r) => r.url);
    assert.deepEqual(byName.get(args.name as string), want, `${String(args.name)}`);
  }
}

describe("e2e: rate-limited API", () => {
  describe("100 collections, every request list edited, the first 150 PUTs answered 429", () => {
    let emu: RunningEmulator;
    let stack: TestStack;
    useStack((h) => ({ emu, stack } = h));

    it("creates the 100", async () => {
      const spec = program("rl", 100, false);
      stack.setProgram(spec);
      assertNoErrors(await stack.up());
      assertHolds(emu, spec);
    });

    it("updates all 100 with 0 errors while 150 PUTs are refused, then previews clean", async () => {
      const spec = program("rl", 100, true);
      stack.setProgram(spec);
      emu.addFault({
        method: "PUT",
        path: "/v1/async/collections/*",
        action: "status",
        status: 429,
        retryAfter: "1",
        times: 150,
      });
      const before = emu.requests().length;
      const up = await stack.up();
      assertNoErrors(up);
      const puts = calls(emu, "PUT").filter((c) => c.seq > before);
      assert.equal(puts.filter((p) => p.status === 429).length, 150, "every injected 429 was met");
      assert.equal(puts.filter((p) => p.status === 200).length, 100, "one accepted PUT per collection");
      assert.ok(
        puts.every((p) => p.status === 429 || p.status === 200),
        JSON.stringify(puts.map((p) => p.status)),
      );
      // Each throttled collection waited instead of failing, and says so in one line (each retry is a
      // --debug detail): at most one such line per collection, not one per refused call.
      const outcomes =
        (up.stdout + up.stderr).match(/update succeeded after \d+ attempts \(retried after 429[^)]*\)/g) ??
        [];
      assert.ok(outcomes.length > 0 && outcomes.length <= 100, `${outcomes.length} outcome lines`);
      assert.doesNotMatch(up.stdout + up.stderr, /retrying in \d+ ms/);
      assertHolds(emu, spec);
      const state = await stack.collections();
      assert.equal(state.length, 100);
      assert.ok(state.every((c) => (c.outputs.requestCount as number) === 2));
      assert.deepEqual(changesOf(await stack.preview()), {});
    });
  });

  describe("60 collections against the emulator's token bucket of 10 requests/s", () => {
    let emu: RunningEmulator;
    let stack: TestStack;
    useStack((h) => ({ emu, stack } = h), {
      args: ["dev", "config", { rateLimit: { requests: 10, seconds: 1 } }],
    });

    it("creates them all with 0 errors; the limit was met and every refused call retried", async () => {
      const spec = program("tb", 60, false);
      stack.setProgram(spec);
      assertNoErrors(await stack.up());
      assertHolds(emu, spec);
      const log = calls(emu);
      assert.ok(
        log.some((c) => c.rateLimited),
        "the limit never refused a call: the test does not test it",
      );
      assert.equal(log.filter((c) => c.status === 201).length, 60, "one accepted POST per collection");
      assert.ok(log.every((c) => c.rateLimited || c.status === 201));
      assert.deepEqual(changesOf(await stack.preview()), {});
    });
  });

  describe("a maintenance window: every PUT answered 503 + Retry-After: 1 for a few seconds", () => {
    let emu: RunningEmulator;
    let stack: TestStack;
    useStack((h) => ({ emu, stack } = h));

    /** Clears the faults `ms` after the first refused PUT: the API is back from maintenance. */
    const endWindow = async (ms: number, since: number): Promise<void> => {
      const giveUpAt = Date.now() + 300_000;
      while (!emu.requests().some((r) => r.seq > since && r.method === "PUT" && r.status === 503)) {
        if (Date.now() > giveUpAt) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await new Promise((resolve) => setTimeout(resolve, ms));
      await fetch(`${emu.url}/__emulator/faults`, { method: "DELETE" });
    };
    const maintenance = () =>
      emu.addFault({
        method: "PUT",
        path: "/v1/async/collections/*",
        action: "status",
        status: 503,
        retryAfter: "1",
        times: 100_000,
      });

    it("creates 20 collections", async () => {
      const spec = program("mw", 20, false);
      stack.setProgram(spec);
      assertNoErrors(await stack.up());
      assertHolds(emu, spec);
    });

    it("one `up` waits the window out (longer than scrapingpros:deadlineMs) and updates every collection", async () => {
      // The deadline is shorter than the window: only waits that do not count against it can succeed.
      await stack.ok(["config", "set", "scrapingpros:deadlineMs", "2000"]);
      const spec = program("mw", 20, true);
      stack.setProgram(spec);
      maintenance();
      const before = emu.requests().length;
      const [up] = await Promise.all([stack.up(), endWindow(4000, before)]);
      assertNoErrors(up);
      assertHolds(emu, spec);
      const puts = calls(emu, "PUT").filter((c) => c.seq > before);
      const refused = puts.filter((p) => p.status === 503).length;
      assert.equal(puts.filter((p) => p.status === 200).length, 20, "one accepted PUT per collection");
      // Rounds 1 s apart, 16, 8, then 4 PUTs each: about 40 in a 4 s window, not a storm.
      assert.ok(refused >= 8 && refused <= 70, `${refused} refused PUTs`);
      const outcomes =
        (up.stdout + up.stderr).match(/update succeeded after \d+ attempts \(retried after 503[^)]*\)/g) ??
        [];
      // One per collection that was refused, shown in the progress and again in the summary.
      assert.ok(outcomes.length > 0 && outcomes.length <= 2 * 20, `${outcomes.length} outcome lines`);
      assert.deepEqual(changesOf(await stack.preview()), {});
      await stack.ok(["config", "rm", "scrapingpros:deadlineMs"]);
    });

    it("a window longer than scrapingpros:maxThrottleWaitMs fails each update with how long the API throttled", async () => {
      await stack.ok(["config", "set", "scrapingpros:maxThrottleWaitMs", "2500"]);
      stack.setProgram(program("mw", 20, false));
      maintenance();
      const r = await stack.run(["up", "--yes", "--skip-preview"]);
      await fetch(`${emu.url}/__emulator/faults`, { method: "DELETE" });
      await stack.ok(["config", "rm", "scrapingpros:maxThrottleWaitMs"]);
      assert.notEqual(r.code, 0);
      const out = r.stdout + r.stderr;
      assert.match(
        out,
        /PUT \/v1\/async\/collections\/[\w-]+ gave up after \d+ attempts? in [\d.]+ m?s: the API throttled it (once|\d+ times) \(503 with Retry-After ×\d+\) for [\d.]+ m?s\. Waits for the API's rate limit may take at most 2500 ms \(stack config scrapingpros:maxThrottleWaitMs\) in all; it had waited [\d.]+ m?s when it stopped\. The last answer: failed with 503: injected fault\. The API asked every time to come back later/,
      );
      assert.doesNotMatch(out, /no answer from the API/);
      // The next `up`, after the window, updates what is left.
      assertNoErrors(await stack.up());
      assertHolds(emu, program("mw", 20, false));
    });
  });
});
