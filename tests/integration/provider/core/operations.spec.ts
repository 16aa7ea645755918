/**
 * The core's operations driven as a native adapter will drive them: the URN given to each call, the
 * stack scope and the secret input names decoded into the stored layout's `__scope` and
 * `__secretInputs`, no `__provider`, no `__timeouts`, messages to a sink with their URN. The dynamic
 * provider's own tests (tests/integration/provider/dynamic/) cover the same operations through its wire.
 */
import * as assert from "node:assert/strict";
import type { RunningEmulator } from "../../../../emulator";
import { ScrapingProsClient } from "../../../../provider/client/client";
import { CollectionOperations } from "../../../../provider/core/collection/operations";
import { CollectionRunOperations } from "../../../../provider/core/collection-run/operations";
import { lookUpCollection, lookUpRun } from "../../../../provider/core/lookups";
import type { Severity } from "../../../../provider/core/message-sink";
import { ProviderContext } from "../../../../provider/core/provider-context";
import { ResourceInitError } from "../../../../provider/core/resource-init-error";
import { isSecretEnvelope } from "../../../../provider/core/secrets";
import { startTestEmulator, TEST_KEY } from "../../../helpers/emulator";

const URN = "urn:pulumi:dev::proj::scrapingpros:index:Collection::tours";
const RUN_URN = "urn:pulumi:dev::proj::scrapingpros:index:CollectionRun::nightly";
const SCOPE = "6f1d2c3b-0000-4000-8000-000000000001";

describe("core operations without the dynamic wire (as the native adapter will call them)", () => {
  let emu: RunningEmulator;
  let said: { severity: Severity; message: string; urn: string | undefined }[];
  let clients: ScrapingProsClient[];

  const context = async (url: string): Promise<ProviderContext> => {
    const ctx = new ProviderContext({
      env: {},
      sink: async (severity, message, urn) => {
        said.push({ severity, message, urn });
      },
      clientFactory: (s) => {
        const c = new ScrapingProsClient({ ...s.clientOptions, apiKey: s.apiKey ?? "", initialDelayMs: 5 });
        clients.push(c);
        return c;
      },
    });
    const config: Record<string, string> = { "scrapingpros:apiKey": TEST_KEY, "scrapingpros:baseUrl": url };
    await ctx.configure({ get: (k) => config[k], keys: () => Object.keys(config) });
    return ctx;
  };

  before(async () => {
    emu = await startTestEmulator();
  });
  after(async () => {
    await emu.stop();
  });
  beforeEach(() => {
    emu.reset();
    said = [];
    clients = [];
  });
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
  });

  it("a collection's life: check derives the name from the given URN, create one lookup and one POST, read, update one PUT, delete warns with the URN", async () => {
    const ops = new CollectionOperations(await context(emu.url));
    const checked = await ops.check(
      URN,
      {},
      { __urn: URN, __scope: SCOPE, requests: [{ url: "https://example.com/1" }] },
    );
    assert.deepEqual(checked.failures, []);
    assert.match(String(checked.inputs.name), /^tours-[0-9a-f]{8}$/);
    assert.equal(checked.inputs.__provider, undefined);
    assert.equal(emu.requests().length, 0, "check made a call");

    const created = await ops.create(URN, checked.inputs);
    assert.deepEqual(
      emu.requests().map((r) => r.method),
      ["GET", "POST"],
      "an auto-named collection is looked up by name, then created",
    );
    assert.equal(created.outs.__urn, URN);
    assert.equal(created.outs.__scope, SCOPE);
    assert.equal(created.outs.__autoNamed, true, "the stored layout's hidden names");
    assert.equal(emu.collections()[0]?.id, created.id);

    const read = await ops.read(created.id, URN, created.outs);
    assert.equal(read.id, created.id);
    assert.equal(read.props?.name, checked.inputs.name);

    const mark = emu.requests().length;
    const news = (
      await ops.check(URN, created.outs, {
        __urn: URN,
        __scope: SCOPE,
        requests: [{ url: "https://example.com/2" }],
      })
    ).inputs;
    const diff = await ops.diff(created.id, URN, created.outs, news);
    assert.deepEqual([diff.changes, diff.replaces], [true, []]);
    const updated = await ops.update(created.id, URN, created.outs, news);
    assert.deepEqual(
      emu
        .requests()
        .slice(mark)
        .map((r) => r.method),
      ["PUT"],
    );
    assert.deepEqual(updated.outs.requests, [{ url: "https://example.com/2" }]);

    await ops.delete(created.id, URN, updated.outs);
    const last = said.at(-1);
    assert.equal(last?.severity, "warning");
    assert.equal(last?.urn, URN, "the message is attached to the resource");
    assert.match(last?.message ?? "", /still exists in ScrapingPros/);
  });

  it("an import's read with no state: the id and name from the API, nothing written", async () => {
    const ops = new CollectionOperations(await context(emu.url));
    const client = new ScrapingProsClient({ apiKey: TEST_KEY, baseUrl: emu.url });
    clients.push(client);
    const existing = await client.collections.create(
      { name: "theirs", requests: [{ url: "https://example.com/x" }] },
      { idempotencyKey: "k-import-1" },
    );
    const mark = emu.requests().length;
    const read = await ops.read(existing.data.id, URN, {});
    assert.equal(read.id, existing.data.id);
    assert.equal(read.props?.name, "theirs");
    assert.deepEqual(
      emu
        .requests()
        .slice(mark)
        .map((r) => r.method),
      ["GET"],
    );
  });

  it("an initialization error's properties are the stored layout, secret inputs in their envelope, and no __provider", async () => {
    const hosted = await startTestEmulator({ hosts: { "nx.example": "dns_failed" } });
    try {
      const ops = new CollectionOperations(await context(hosted.url));
      const requests = [
        { url: "https://ok.example/a?token=SECRET-TOKEN-1" },
        { url: "https://nx.example/x" },
      ];
      const { inputs } = await ops.check(
        URN,
        {},
        { __urn: URN, __scope: SCOPE, name: "b", requests, __secretInputs: ["requests"] },
      );
      const err = await ops.create(URN, inputs).then(
        () => assert.fail("expected a ResourceInitError"),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ResourceInitError);
      assert.equal(err.id, hosted.collections()[0]?.id);
      assert.ok(isSecretEnvelope(err.properties.requests), "requests stays secret");
      assert.ok(isSecretEnvelope(err.properties.blockedUrls), "what is derived from it too");
      assert.equal(err.properties.__provider, undefined);
      assert.ok(!JSON.stringify(err.reasons).includes("SECRET-TOKEN-1"));
    } finally {
      await hosted.stop();
    }
  });

  it("a run: check, create with the URN (one lookup, one POST), its messages attached to the URN, and a lookup of it", async () => {
    const ctx = await context(emu.url);
    const client = new ScrapingProsClient({ apiKey: TEST_KEY, baseUrl: emu.url });
    clients.push(client);
    const collection = await client.collections.create(
      { name: "runs", requests: [{ url: "https://example.com/r" }] },
      { idempotencyKey: "k-run-1" },
    );
    const runs = new CollectionRunOperations(ctx, { sleep: async () => {}, initialPollMs: 1 });
    const { inputs, failures } = await runs.check(
      RUN_URN,
      {},
      { __urn: RUN_URN, __scope: SCOPE, collectionId: collection.data.id, wait: "none" },
    );
    assert.deepEqual(failures, []);
    const mark = emu.requests().length;
    const created = await runs.create(RUN_URN, inputs);
    assert.deepEqual(
      emu
        .requests()
        .slice(mark)
        .map((r) => r.method),
      ["GET", "POST"],
    );
    assert.equal(created.outs.__urn, RUN_URN);

    const found = await lookUpRun((fn) => fn(ctx.client()), {
      collectionId: collection.data.id,
      runId: created.id,
    });
    assert.equal(found.runId, created.id);
    const info = await lookUpCollection((fn) => fn(ctx.client()), { id: collection.data.id });
    assert.equal(info.name, "runs");

    await runs.delete(created.id, RUN_URN, created.outs as unknown as Record<string, unknown>);
    assert.equal(said.at(-1)?.urn, RUN_URN);
    assert.match(said.at(-1)?.message ?? "", /the API cannot delete or cancel a run/);
  });
});
