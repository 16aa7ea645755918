import * as assert from "node:assert/strict";
import type { RunningEmulator } from "../../emulator";
import { keyForms, useStack } from "../helpers/e2e";
import { TEST_KEY } from "../helpers/emulator";
import { changesOf, type TestStack } from "../helpers/pulumi";

describe("e2e: API key from the environment (S6)", () => {
  let emu: RunningEmulator;
  let stack: TestStack;

  useStack((h) => ({ emu, stack } = h), { args: ["envkey", "env"] });

  it("deploys with SCRAPINGPROS_API_KEY, and the state holds the key in no form, even decrypted", async () => {
    stack.setProgram({ envkey: { name: "envkey", requests: [{ url: "https://example.com" }] } });
    await stack.up();
    assert.equal(emu.collections().length, 1);
    assert.deepEqual(changesOf(await stack.preview()), {});
    const all = [await stack.exportText(), await stack.exportText(true), ...stack.transcript].join("\n");
    assert.deepEqual(keyForms(TEST_KEY, all), []);
  });

  it("without any key, up fails saying how to set it, and calls nothing", async () => {
    delete stack.env.SCRAPINGPROS_API_KEY;
    const before = emu.requests().length;
    stack.setProgram({
      envkey: { name: "envkey", requests: [{ url: "https://example.com" }] },
      other: { name: "other", requests: [] },
    });
    const r = await stack.run(["up", "--yes", "--skip-preview"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /pulumi config set --secret scrapingpros:apiKey/);
    assert.equal(emu.requests().length, before);
  });

  it("refresh after the collection is gone from the account removes it from the stack", async () => {
    stack.env.SCRAPINGPROS_API_KEY = TEST_KEY;
    stack.setProgram({ envkey: { name: "envkey", requests: [{ url: "https://example.com" }] } });
    assert.equal((await stack.collections()).length, 1);
    emu.reset(); // the account no longer has it
    const changes = await stack.refresh();
    assert.equal(changes.delete, 1);
    assert.deepEqual(await stack.collections(), []);
    assert.deepEqual(changesOf(await stack.preview()), { create: 1 });
  });
});
