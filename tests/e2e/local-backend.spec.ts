/**
 * The local file backend after a CLI was killed while it saved the state (README, Limitations): the
 * backend's `<stack>.json.attrs` sidecar is truncated, then written, in place, so a SIGKILL between
 * the two leaves it empty, and every command on the stack then fails with
 * `failed to load checkpoint: EOF`. The checkpoint itself is written to a temporary file and renamed,
 * so removing the empty sidecar is all the fix needs; a `?metadata=skip` backend URL writes no
 * sidecars at all. The fault campaign met this with its kills right after an answer.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { pulumiBinDir, useStack } from "../helpers/e2e";
import { startTestEmulator, TEST_KEY } from "../helpers/emulator";
import { changesOf, EMPTY_SIDECAR, removeEmptySidecars, TestStack } from "../helpers/pulumi";

const sidecar = (stack: TestStack): string =>
  path.join(stack.dir, "state", ".pulumi", "stacks", "sp-e2e", `${stack.stackName}.json.attrs`);

describe("e2e: the local file backend after a CLI killed mid-save (README, Limitations)", () => {
  let emu: RunningEmulator;
  let stack: TestStack;

  useStack((h) => ({ emu, stack } = h));

  it("an empty state sidecar fails every command with 'failed to load checkpoint: EOF'; removing it loses nothing", async () => {
    stack.setProgram({ kept: { name: "kept", requests: [{ url: "https://example.com/kept" }] } });
    await stack.up();
    const [before] = await stack.collections();
    assert.ok(before, "the collection is in the state");
    // What a SIGKILL between the sidecar's truncation and its write leaves behind.
    assert.ok(fs.statSync(sidecar(stack)).size > 0, "the backend wrote a sidecar");
    fs.truncateSync(sidecar(stack), 0);

    const calls = emu.requests().length;
    for (const args of [["preview"], ["up", "--yes", "--skip-preview"], ["stack", "export"]]) {
      const r = await stack.run(args);
      assert.notEqual(r.code, 0, `pulumi ${args.join(" ")} succeeded`);
      assert.match(r.stdout + r.stderr, EMPTY_SIDECAR, `pulumi ${args.join(" ")}`);
    }
    assert.equal(emu.requests().length, calls, "nothing reached the API");

    assert.deepEqual(removeEmptySidecars(path.join(stack.dir, "state")), [
      path.join(".pulumi", "stacks", "sp-e2e", `${stack.stackName}.json.attrs`),
    ]);
    assert.deepEqual(changesOf(await stack.preview()), {}, "the state was intact");
    assert.deepEqual(await stack.collections(), [before]);
    assert.equal(emu.collections().length, 1);
  });

  it("the next save writes the sidecar again; removeEmptySidecars leaves a sound one untouched", async () => {
    stack.setProgram({ kept: { name: "kept", requests: [{ url: "https://example.com/kept/2" }] } });
    await stack.up();
    const state = path.join(stack.dir, "state");
    const size = fs.statSync(sidecar(stack)).size;
    assert.ok(size > 0);
    assert.deepEqual(removeEmptySidecars(state), []);
    assert.equal(fs.statSync(sidecar(stack)).size, size);
  });
});

describe("e2e: a file backend URL with ?metadata=skip writes no sidecar (README, Limitations)", () => {
  it("deploys, previews clean and keeps no .attrs file next to the state", async () => {
    const emu = await startTestEmulator();
    const stack = new TestStack(pulumiBinDir(), "dev");
    try {
      stack.env.PULUMI_BACKEND_URL = `${stack.env.PULUMI_BACKEND_URL}?metadata=skip`;
      await stack.init(emu.url, TEST_KEY);
      stack.setProgram({ plain: { name: "plain", requests: [{ url: "https://example.com/plain" }] } });
      await stack.up();
      assert.deepEqual(changesOf(await stack.preview()), {});
      assert.equal(emu.collections().length, 1);
      const stacks = path.join(stack.dir, "state", ".pulumi", "stacks", "sp-e2e");
      const files = fs.readdirSync(stacks);
      assert.ok(files.includes("dev.json"), files.join(", "));
      assert.deepEqual(
        files.filter((f) => f.endsWith(".attrs")),
        [],
      );
    } finally {
      stack.dispose();
      emu.release();
      await emu.stop();
    }
  });
});
