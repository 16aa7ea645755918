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

describe("e2e: rate-limited API (issue 8)", () => {
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
});
