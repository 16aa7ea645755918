import * as assert from "node:assert/strict";
import type { RunningEmulator } from "../../emulator";
import { useStack } from "../helpers/e2e";
import { calls } from "../helpers/emulator";
import { changesOf, type TestStack } from "../helpers/pulumi";

/** Polls until `predicate` holds (the emulator's log is updated as requests arrive). */
async function waitFor(what: string, predicate: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts `pulumi up`, waits until the emulator has committed the create of every collection and
 * holds the responses, then SIGKILLs the whole process group (CLI, language host, program and
 * provider) before the engine can save the result.
 */
async function killDuringCreate(emu: RunningEmulator, stack: TestStack, creates: number): Promise<void> {
  emu.addFault({ method: "POST", path: "/v1/async/collections", action: "hold", times: creates });
  const before = emu.collections().length;
  const up = stack.spawn(["up", "--yes", "--skip-preview"]);
  await waitFor("the held creates", () => emu.collections().length === before + creates);
  process.kill(-(up.pid as number), "SIGKILL");
  const r = await up.result;
  assert.equal(r.signal, "SIGKILL");
  emu.release();
  // The killed CLI leaves its lock in the backend; `pulumi cancel` is how a user removes it.
  const locked = await stack.run(["up", "--yes", "--skip-preview"]);
  assert.match(locked.stderr, /the stack is currently locked/);
  await stack.ok(["cancel", "--yes"]);
}

describe("e2e: interrupted deployments (S1, S2, S3)", () => {
  let emu: RunningEmulator;
  let stack: TestStack;

  useStack((h) => ({ emu, stack } = h), { each: true });

  it("S1 lost response: the create is retried with the same key and the stack records one collection", async () => {
    emu.addFault({ method: "POST", path: "/v1/async/collections", action: "drop-after-commit" });
    stack.setProgram({ lost: { name: "lost", requests: [{ url: "https://example.com/a" }] } });
    await stack.up();
    assert.equal(emu.collections().length, 1);
    const posts = calls(emu, "POST");
    assert.deepEqual(
      posts.map((p) => [p.fault, p.replayed]),
      [
        ["drop-after-commit", false],
        [null, true],
      ],
    );
    assert.equal(posts[0]?.idempotencyKey, posts[1]?.idempotencyKey);
    // The replay is followed by one PUT of the declaration (a replayed collection may have changed).
    assert.equal(calls(emu, "PUT").length, 1);
    const [state] = await stack.collections();
    assert.equal(state?.id, emu.collections()[0]?.id);
    assert.deepEqual(changesOf(await stack.preview()), {});
  });

  it("S2 killed deployment: the rerun leaves exactly one collection per resource; the next preview is clean", async () => {
    stack.setProgram({
      named: { name: "named", requests: [{ url: "https://example.com/n" }] },
      auto: { requests: [{ url: "https://example.com/a" }] },
    });
    await killDuringCreate(emu, stack, 2);
    assert.equal(emu.collections().length, 2);
    assert.deepEqual(await stack.collections(), [], "the killed run saved nothing");

    const rerun = await stack.up();
    // The engine reports the creates it had started and never finished.
    assert.match(rerun.stdout + rerun.stderr, /pending operation/i);
    assert.equal(emu.collections().length, 2, "a second collection was created");
    const stateIds = (await stack.collections()).map((c) => c.id).sort();
    assert.deepEqual(
      stateIds,
      emu
        .collections()
        .map((c) => c.id)
        .sort(),
    );
    // named: the same key replays the original, then one PUT re-applies the declaration;
    // auto: found by its name and adopted with one PUT.
    const posts = calls(emu, "POST");
    assert.equal(posts.filter((p) => p.replayed).length, 1);
    assert.equal(calls(emu, "PUT").length, 2);
    assert.deepEqual(changesOf(await stack.preview()), {});

    // The stale pending-create record is cleared by a refresh, after which no warning remains.
    await stack.ok(["refresh", "--yes", "--skip-preview", "--clear-pending-creates"]);
    const after = await stack.ok(["preview"]);
    assert.doesNotMatch(after.stdout + after.stderr, /pending operation/i);
    assert.equal(emu.collections().length, 2);
  });

  it("S3 killed, then edited: auto-named and adoptExisting collections converge, no 422, no duplicate", async () => {
    stack.setProgram({
      auto: { requests: [{ url: "https://example.com/v1" }] },
      adopting: { name: "adopting", adoptExisting: true, requests: [{ url: "https://example.com/v1" }] },
    });
    await killDuringCreate(emu, stack, 2);
    stack.setProgram({
      auto: { requests: [{ url: "https://example.com/v2" }, { url: "https://example.com/v3" }] },
      adopting: { name: "adopting", adoptExisting: true, requests: [{ url: "https://example.com/v2" }] },
    });
    const before = emu.requests().length;
    await stack.up();
    const rerun = emu.requests().slice(before);
    // Each collection found by its name (the two lookups share a list call, or make one each when
    // the first create asks before the engine checked the second) and adopted with one PUT.
    const methods = rerun.map((c) => c.method).sort();
    assert.deepEqual(
      methods.filter((m) => m !== "GET"),
      ["PUT", "PUT"],
    );
    assert.ok([1, 2].includes(methods.filter((m) => m === "GET").length), methods.join(", "));
    assert.ok(!rerun.some((c) => c.status === 422));
    assert.equal(emu.collections().length, 2);
    const stored = Object.fromEntries(
      emu.collections().map((c) => [c.name.startsWith("auto-") ? "auto" : c.name, c.requests]),
    );
    assert.deepEqual(stored.auto, [{ url: "https://example.com/v2" }, { url: "https://example.com/v3" }]);
    assert.deepEqual(stored.adopting, [{ url: "https://example.com/v2" }]);
    assert.deepEqual(changesOf(await stack.preview()), {});
  });
});
