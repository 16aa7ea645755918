import * as assert from "node:assert/strict";
import type { RunningEmulator } from "../../emulator";
import { keyForms, useStack } from "../helpers/e2e";
import { calls, TEST_KEY } from "../helpers/emulator";
import { changesOf, type TestStack } from "../helpers/pulumi";

const writes = (emu: RunningEmulator, since: number) =>
  emu
    .requests()
    .slice(since)
    .filter((c) => c.method !== "GET");

describe("e2e: steady state, updates, secrets, destroy (S4, S6)", () => {
  let emu: RunningEmulator;
  let stack: TestStack;

  useStack((h) => ({ emu, stack } = h));

  it("S4: up creates; preview and refresh then show no changes and make no writes", async () => {
    stack.setProgram({
      tours: { name: "tours", requests: [{ url: "https://example.com/1", custom_id: "en" }] },
      auto: { requests: [{ url: "https://example.com/2" }] },
      hooks: { name: "hooks", requests: [], callbackUrl: "https://hooks.example.com/a" },
    });
    await stack.up();
    assert.equal(emu.collections().length, 3);
    // create = 1 POST each, plus 1 lookup GET for the auto-named one
    assert.deepEqual(
      calls(emu)
        .map((c) => c.method)
        .sort(),
      ["GET", "POST", "POST", "POST"],
    );

    const before = emu.requests().length;
    assert.deepEqual(changesOf(await stack.preview()), {});
    assert.equal(emu.requests().length, before, "preview made API calls");
    assert.deepEqual(changesOf(await stack.refresh()), {});
    // The reads of a refresh share one list call (a read that reaches the provider alone, before the
    // others, makes its own GET): tests/e2e/list-snapshots.spec.ts counts them at scale.
    const read = calls(emu).slice(before);
    assert.ok(read.length >= 1 && read.length <= 2, `${read.length} calls`);
    assert.ok(read.every((c) => c.method === "GET"));
    assert.equal(read.filter((c) => c.path === "/v1/async/collections").length, 1, "refresh = 1 list call");
    assert.deepEqual(changesOf(await stack.preview()), {});
    assert.deepEqual(changesOf(await stack.refresh()), {});
    assert.deepEqual(writes(emu, before), []);
  });

  it("changing the provider's config (timeouts, retries) neither replaces nor updates a collection", async () => {
    await stack.ok(["config", "set", "scrapingpros:timeoutMs", "20000"]);
    const before = emu.requests().length;
    assert.deepEqual(changesOf(await stack.preview()), {});
    await stack.up();
    assert.deepEqual(writes(emu, before), []);
  });

  it("rename and request edits: exactly one PUT per changed collection", async () => {
    const before = emu.requests().length;
    stack.setProgram({
      tours: { name: "tours-renamed", requests: [{ url: "https://example.com/1", custom_id: "en" }] },
      auto: { requests: [{ url: "https://example.com/2" }, { url: "https://example.com/3" }] },
      hooks: { name: "hooks", requests: [], callbackUrl: "https://hooks.example.com/a" },
    });
    const preview = await stack.ok(["preview", "--diff"]);
    assert.match(preview.stdout, /~ name\s*:\s*"tours" => "tours-renamed"/);
    assert.match(preview.stdout, /\+ \[1\]: \{/);
    assert.deepEqual(changesOf(await stack.preview()), { update: 2 });
    await stack.up();
    const w = writes(emu, before);
    assert.deepEqual(
      w.map((c) => c.method),
      ["PUT", "PUT"],
    );
    const byName = Object.fromEntries(emu.collections().map((c) => [c.name, c]));
    assert.ok(byName["tours-renamed"]);
    assert.equal(Object.values(byName).find((c) => c.name.startsWith("auto-"))?.requests.length, 2);
    assert.deepEqual(changesOf(await stack.preview()), {});
  });

  it("a callbackUrl change replaces the collection; the old one is kept and named in a warning", async () => {
    const oldId = emu.collections().find((c) => c.name === "hooks")?.id;
    assert.ok(oldId);
    const before = emu.requests().length;
    stack.setProgram({
      tours: { name: "tours-renamed", requests: [{ url: "https://example.com/1", custom_id: "en" }] },
      auto: { requests: [{ url: "https://example.com/2" }, { url: "https://example.com/3" }] },
      hooks: { name: "hooks", requests: [], callbackUrl: "https://hooks.example.com/b" },
    });
    assert.deepEqual(changesOf(await stack.preview()), { replace: 1 });
    const up = await stack.up();
    assert.deepEqual(
      writes(emu, before).map((c) => c.method),
      ["POST"],
    );
    assert.match(
      up.stdout + up.stderr,
      new RegExp(`collection ${oldId} \\(hooks\\) was removed from the stack but still exists`),
    );
    const hooks = emu.collections().filter((c) => c.name === "hooks");
    assert.equal(hooks.length, 2);
    assert.deepEqual(hooks.map((c) => c.callback_url).sort(), [
      "https://hooks.example.com/a",
      "https://hooks.example.com/b",
    ]);
    assert.deepEqual(changesOf(await stack.preview()), {});
  });

  it("S6: stack export and everything the CLI printed contain the API key 0 times, in any form", async () => {
    const exported = await stack.exportText();
    assert.ok(
      exported.includes("pulumi-nodejs:dynamic/scrapingpros:Collection"),
      "export is not the stack state",
    );
    assert.deepEqual(keyForms(TEST_KEY, [exported, ...stack.transcript].join("\n")), []);
    // Each resource's serialized provider is the one-line loader, well under 1 KB.
    for (const c of await stack.collections()) {
      const serialized = String(c.inputs.__provider);
      assert.match(serialized, /require\("pulumi-scrapingpros\/provider"\)/);
      assert.ok(Buffer.byteLength(serialized) < 1024, `${Buffer.byteLength(serialized)} bytes`);
    }
    // The engine keeps the whole stack config as the inputs of the default pulumi-nodejs provider;
    // a secret stays encrypted there, as in Pulumi.<stack>.yaml. No Collection carries it.
    const decrypted = JSON.parse(await stack.exportText(true)) as {
      deployment: { resources: { type: string }[] };
    };
    const holders = decrypted.deployment.resources
      .filter((r) => JSON.stringify(r).includes(TEST_KEY))
      .map((r) => r.type);
    assert.deepEqual(holders, ["pulumi:providers:pulumi-nodejs"]);
    const encrypted = JSON.parse(exported) as {
      deployment: { resources: { type: string; inputs: Record<string, unknown> }[] };
    };
    const providerInputs = encrypted.deployment.resources.find(
      (r) => r.type === "pulumi:providers:pulumi-nodejs",
    )?.inputs;
    assert.ok(JSON.stringify(providerInputs?.["scrapingpros:apiKey"]).includes("ciphertext"));
  });

  it("destroy: every collection is retained, a warning names each id, and the stack is empty", async () => {
    const ids = (await stack.collections()).map((c) => c.id);
    assert.equal(ids.length, 3);
    const before = emu.requests().length;
    const r = await stack.ok(["destroy", "--yes", "--skip-preview"]);
    for (const id of ids)
      assert.match(r.stdout + r.stderr, new RegExp(`collection ${id} .*still exists in ScrapingPros`));
    assert.deepEqual(emu.requests().slice(before), [], "destroy called the API");
    assert.equal(emu.collections().length, 4);
    assert.deepEqual(await stack.collections(), []);
  });
});
