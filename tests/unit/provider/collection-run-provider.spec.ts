import * as assert from "node:assert/strict";
import type { RunningEmulator } from "../../../emulator";
import { ResourceInitError } from "../../../provider/collection-provider";
import {
  CollectionRunProvider,
  checkCollectionRun,
  RUN_FINGERPRINT_KEY,
} from "../../../provider/collection-run-provider";
import { closeTestClients, startTestEmulator, TEST_KEY, testClient } from "../../helpers/emulator";

const URN = "urn:pulumi:dev::proj::pulumi-nodejs:dynamic/scrapingpros:CollectionRun::run";

describe("CollectionRunProvider (against the emulator)", () => {
  let emu: RunningEmulator;
  let warnings: string[];

  before(async () => {
    emu = await startTestEmulator({ jobDurationMs: 0 });
  });
  after(async () => {
    await closeTestClients();
    await emu?.stop();
  });
  beforeEach(() => {
    warnings = [];
  });

  function provider(): CollectionRunProvider {
    return new CollectionRunProvider({
      env: { SCRAPINGPROS_API_KEY: TEST_KEY },
      clientFactory: () => testClient(emu).client,
      warn: (m) => warnings.push(m),
      initialPollMs: 10,
      maxPollMs: 50,
    });
  }

  async function collection(urls: string[]): Promise<string> {
    const { client } = testClient(emu);
    return (await client.collections.create({ name: "c", requests: urls.map((url) => ({ url })) })).data.id;
  }

  function inputs(collectionId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    const { inputs: checked, failures } = checkCollectionRun({
      collectionId,
      __urn: URN,
      __scope: "scope-1",
      ...extra,
    });
    assert.deepEqual(failures, []);
    return checked;
  }

  const apiCalls = (mark: number) =>
    emu
      .requests()
      .slice(mark)
      .map((r) => `${r.method} ${r.path.replace(/\/v1\/async\/collections\/[^/]+/, "/c")}`);

  it("check applies defaults and rejects bad values without a call", () => {
    const ok = checkCollectionRun({ collectionId: "c1", __urn: URN, __scope: "s" });
    assert.deepEqual(ok.failures, []);
    assert.equal(ok.inputs.wait, "completed");
    assert.equal(ok.inputs.timeoutSeconds, 1800);
    assert.equal(ok.inputs.failOn, "none");
    const bad = checkCollectionRun({
      collectionId: "",
      wait: "sometimes",
      timeoutSeconds: -1,
      failOn: "all",
      callbackUrl: "https://x.example/h#frag",
    });
    assert.deepEqual(bad.failures.map((f) => f.property).sort(), [
      "callbackUrl",
      "collectionId",
      "failOn",
      "timeoutSeconds",
      "wait",
    ]);
  });

  it("create: one in-progress lookup, one POST, then polls until the run ends; outputs match the API", async () => {
    const cid = await collection(["https://example.com/a", "https://example.com/fail"]);
    const mark = emu.requests().length;
    const { id, outs } = await provider().create(inputs(cid));
    assert.deepEqual(apiCalls(mark), ["GET /c/runs", "POST /c/run", `GET /c/runs/${id}`]);
    assert.equal(outs.runId, id);
    assert.equal(outs.status, "completed");
    assert.deepEqual(
      [outs.totalRequests, outs.successRequests, outs.failedRequests, outs.timeoutRequests],
      [2, 1, 1, 0],
    );
    assert.equal(outs.jobIds.length, 2);
    assert.equal(outs.reattached, false);
    assert.equal(outs.callbackUrl, null);
    assert.equal(typeof outs.createdAt, "number");
    // Failures are a warning, not an error, by default.
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, new RegExp(`run ${id} .* 1 failed`));
  });

  it("failOn any-failed fails the deployment and keeps the run recorded", async () => {
    const cid = await collection(["https://example.com/fail"]);
    const p = provider();
    let state: Record<string, unknown> = {};
    let runId = "";
    await assert.rejects(p.create(inputs(cid, { failOn: "any-failed" })), (e: unknown) => {
      assert.ok(e instanceof ResourceInitError);
      assert.match(e.message, /1 failed/);
      assert.equal((e.properties as { status: string }).status, "completed");
      state = e.properties;
      runId = e.id;
      return true;
    });
    // The rerun (an update of the recorded run) fails the same way, without a call, until failOn changes.
    const mark = emu.requests().length;
    await assert.rejects(p.update(runId, state, inputs(cid, { failOn: "any-failed" })), ResourceInitError);
    const { outs } = await p.update(runId, state, inputs(cid));
    assert.equal(outs.runId, runId);
    assert.equal(outs.failOn, "none");
    assert.equal(emu.requests().length, mark);
  });

  it("callbackUrl: sent as the run's callback_url with the fingerprint fragment, reported without it", async () => {
    const cid = await collection(["https://example.com/a"]);
    const { id, outs } = await provider().create(
      inputs(cid, { callbackUrl: "http://127.0.0.1:9/hook", wait: "none", triggers: { v: 1 } }),
    );
    assert.equal(outs.callbackUrl, "http://127.0.0.1:9/hook");
    const { client } = testClient(emu);
    const run = (await client.runs.get(cid, id)).data;
    assert.match(
      run.callback_url ?? "",
      new RegExp(`^http://127\\.0\\.0\\.1:9/hook#${RUN_FINGERPRINT_KEY}=[0-9a-f]{16}$`),
    );
  });

  it("a second create (a rerun after a kill) re-attaches to its in-progress run and starts none", async () => {
    const slow = await startTestEmulator({ jobDurationMs: 60_000 });
    try {
      const p = () =>
        new CollectionRunProvider({
          env: { SCRAPINGPROS_API_KEY: TEST_KEY },
          clientFactory: () => testClient(slow).client,
          warn: (m) => warnings.push(m),
        });
      const { client } = testClient(slow);
      const cid = (
        await client.collections.create({ name: "s", requests: [{ url: "https://example.com/a" }] })
      ).data.id;
      for (const callbackUrl of [undefined, "http://127.0.0.1:9/h"]) {
        const first = await p().create(inputs(cid, { wait: "none", callbackUrl }));
        const second = await p().create(inputs(cid, { wait: "none", callbackUrl }));
        assert.equal(second.id, first.id);
        assert.equal(second.outs.reattached, true);
      }
      // Another resource's fingerprint is never taken; a different trigger starts its own run.
      const other = await p().create(
        inputs(cid, { wait: "none", callbackUrl: "http://127.0.0.1:9/h", triggers: 2 }),
      );
      assert.equal(other.outs.reattached, false);
      const runs = (await client.runs.list(cid)).data.items;
      assert.equal(runs.length, 3);
      assert.equal(slow.requests().filter((r) => r.method === "POST" && r.path.endsWith("/run")).length, 3);
    } finally {
      await slow.stop();
    }
  });

  it("a lost run answer re-attaches instead of starting a second run", async () => {
    const cid = await collection(["https://example.com/a"]);
    emu.addFault({
      method: "POST",
      path: "/v1/async/collections/*/run",
      action: "drop-after-commit",
      times: 1,
    });
    const { id, outs } = await provider().create(inputs(cid));
    assert.equal(outs.reattached, true);
    assert.equal(outs.status, "completed");
    const { client } = testClient(emu);
    const runs = (await client.runs.list(cid)).data.items;
    assert.deepEqual(
      runs.map((r) => r.run_id),
      [id],
    );
  });

  it("a 500 that started nothing: the runs are checked, then the POST is sent again, once", async () => {
    const cid = await collection(["https://example.com/a"]);
    emu.addFault({
      method: "POST",
      path: "/v1/async/collections/*/run",
      action: "status",
      status: 500,
      times: 1,
    });
    const mark = emu.requests().length;
    const { id, outs } = await provider().create(inputs(cid));
    assert.equal(outs.reattached, false);
    assert.deepEqual(apiCalls(mark), [
      "GET /c/runs",
      "POST /c/run",
      "GET /c/runs",
      "GET /c/runs",
      "POST /c/run",
      `GET /c/runs/${id}`,
    ]);
    const { client } = testClient(emu);
    assert.equal((await client.runs.list(cid)).data.items.length, 1);
  });

  it("the wait timeout fails naming the run; update then waits for the same run", async () => {
    const slow = await startTestEmulator({ jobDurationMs: 60_000 });
    try {
      const p = new CollectionRunProvider({
        env: { SCRAPINGPROS_API_KEY: TEST_KEY },
        clientFactory: () => testClient(slow).client,
        warn: (m) => warnings.push(m),
        initialPollMs: 20,
        maxPollMs: 50,
      });
      const { client } = testClient(slow);
      const cid = (
        await client.collections.create({ name: "s", requests: [{ url: "https://example.com/a" }] })
      ).data.id;
      const checked = inputs(cid, { timeoutSeconds: 0.3 });
      let state: Record<string, unknown> = {};
      let runId = "";
      await assert.rejects(p.create(checked), (e: unknown) => {
        assert.ok(e instanceof ResourceInitError);
        runId = e.id;
        assert.match(
          e.message,
          new RegExp(`run ${e.id} of collection ${cid} did not end within timeoutSeconds`),
        );
        assert.match(e.message, /keeps running/);
        state = e.properties;
        return true;
      });
      assert.equal(state.status, "in_progress");
      slow.advanceClock(120_000);
      const mark = slow.requests().length;
      const { outs } = await p.update(runId, state, checked);
      assert.equal(outs.runId, runId);
      assert.equal(outs.status, "completed");
      assert.equal(outs.reattached, true);
      assert.ok(
        slow
          .requests()
          .slice(mark)
          .every((r) => r.method === "GET"),
      );
    } finally {
      await slow.stop();
    }
  });

  it("read is one GET; delete makes no call and warns; diff replaces on triggers only among the run's inputs", async () => {
    const cid = await collection(["https://example.com/a"]);
    const p = provider();
    const { id, outs } = await p.create(inputs(cid));
    let mark = emu.requests().length;
    const read = await p.read(id, { ...outs });
    assert.equal(read.id, id);
    assert.equal(emu.requests().length - mark, 1);
    mark = emu.requests().length;
    await p.delete(id, { ...outs });
    assert.equal(emu.requests().length, mark);
    assert.match(warnings.at(-1) ?? "", /cannot delete or cancel/);
    const same = await p.diff(id, { ...outs }, inputs(cid));
    assert.equal(same.changes, false);
    const retrigger = await p.diff(id, { ...outs }, inputs(cid, { triggers: ["x"] }));
    assert.deepEqual(retrigger.replaces, ["triggers"]);
    const waitOnly = await p.diff(id, { ...outs }, inputs(cid, { wait: "none" }));
    assert.deepEqual([waitOnly.changes, waitOnly.replaces], [true, []]);
    assert.equal(emu.requests().length, mark);
  });
});
