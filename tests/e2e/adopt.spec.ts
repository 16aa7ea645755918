import * as assert from "node:assert/strict";
import type { RunningEmulator } from "../../emulator";
import { ScrapingProsClient } from "../../provider/client/client";
import { useStack } from "../helpers/e2e";
import { methodsSince, TEST_KEY } from "../helpers/emulator";
import { changesOf, type TestStack } from "../helpers/pulumi";

describe("e2e: adoption and partial failures (S5)", () => {
  let emu: RunningEmulator;
  let stack: TestStack;
  let client: ScrapingProsClient;

  useStack((h) => ({ emu, stack } = h));
  before(async () => {
    client = new ScrapingProsClient({ apiKey: TEST_KEY, baseUrl: emu.url });
  });
  after(async () => {
    await client?.close();
  });

  it("S5: an existing collection is adopted by id with no diff afterwards; the next change is one PUT", async () => {
    const existing = await client.collections.create({
      name: "legacy",
      requests: [{ url: "https://example.com/old" }],
    });
    const id = existing.data.id;
    const declared = { name: "legacy", adoptId: id, requests: [{ url: "https://example.com/old" }] };
    stack.setProgram({ legacy: declared });
    const before = emu.requests().length;
    await stack.up();
    assert.deepEqual(
      emu
        .requests()
        .slice(before)
        .map((c) => `${c.method} ${c.path}`),
      [`GET /v1/async/collections/${id}`, `PUT /v1/async/collections/${id}`],
    );
    assert.equal(emu.collections().length, 1);
    const [state] = await stack.collections();
    assert.equal(state?.id, id);
    assert.equal(state?.outputs.adopted, true);
    assert.deepEqual(changesOf(await stack.preview()), {});
    assert.deepEqual(changesOf(await stack.refresh()), {});

    const mark = emu.requests().length;
    stack.setProgram({ legacy: { ...declared, requests: [{ url: "https://example.com/new" }] } });
    await stack.up();
    assert.deepEqual(methodsSince(emu, mark), ["PUT"]);
    assert.deepEqual(emu.collections()[0]?.requests, [{ url: "https://example.com/new" }]);
  });
  it("a callbackUrl change on an explicitly named, adopting collection fails preview instead of re-adopting the old one", async () => {
    const declared = {
      name: "hooked",
      adoptExisting: true,
      requests: [],
      callbackUrl: "https://hooks.example.com/a",
    };
    stack.setProgram({ hooked: declared });
    await stack.up();
    const mark = emu.requests().length;
    stack.setProgram({ hooked: { ...declared, callbackUrl: "https://hooks.example.com/b" } });
    const r = await stack.run(["preview"]);
    assert.notEqual(r.code, 0);
    assert.match(
      r.stdout + r.stderr,
      /property callbackUrl .*has a problem: cannot change on an explicitly named collection with adoptExisting/,
    );
    assert.deepEqual(methodsSince(emu, mark), []);
  });
});

describe("e2e: URLs the API blocks at create (resource-initialization error)", () => {
  let emu: RunningEmulator;
  let stack: TestStack;

  // A host that fails DNS can only be caught by the API: check cannot know it.
  useStack((h) => ({ emu, stack } = h), {
    args: ["blocked", "config", { hosts: { "nx.example.com": "dns_failed" } }],
  });

  it("create fails naming each blocked URL, the engine records the collection, and fixing it is one PUT", async () => {
    stack.setProgram({
      partial: {
        name: "partial",
        requests: [{ url: "https://example.com/ok" }, { url: "https://nx.example.com/x" }],
      },
    });
    const r = await stack.run(["up", "--yes", "--skip-preview"]);
    assert.notEqual(r.code, 0);
    const id = emu.collections()[0]?.id;
    assert.ok(id);
    assert.match(
      r.stdout + r.stderr,
      new RegExp(`collection ${id} \\(partial\\) was saved, but the API refused 1 URL`),
    );
    assert.match(
      r.stdout + r.stderr,
      /requests\[1\]\.url: https:\/\/nx\.example\.com\/x blocked \(dns_failed\)/,
    );
    const [state] = await stack.collections();
    assert.equal(state?.id, id, "the engine did not record the created collection");

    const mark = emu.requests().length;
    stack.setProgram({
      partial: {
        name: "partial",
        requests: [{ url: "https://example.com/ok" }, { url: "https://example.com/fixed" }],
      },
    });
    await stack.up();
    assert.deepEqual(methodsSince(emu, mark), ["PUT"]);
    assert.equal(emu.collections().length, 1);
    assert.equal(emu.collections()[0]?.requests.length, 2);
    assert.deepEqual(changesOf(await stack.preview()), {});
  });
});
