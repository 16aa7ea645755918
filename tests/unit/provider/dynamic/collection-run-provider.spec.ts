import * as assert from "node:assert/strict";
import type { RunningEmulator } from "../../../../emulator";
import { checkCollectionRun } from "../../../../provider/core/collection-run/check";
import { RUN_FINGERPRINT_KEY } from "../../../../provider/core/collection-run/own-run";
import { ResourceInitError } from "../../../../provider/core/resource-init-error";
import { CollectionRunProvider } from "../../../../provider/dynamic/collection-run-provider";
import { closeTestClients, startTestEmulator, TEST_KEY, testClient } from "../../../helpers/emulator";

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
        // Each counter says what it is (it was `0+0+0 of 1 requests done`).
        assert.match(e.message, /: 0 succeeded, 0 failed, 0 timed out of 1 requests\. /);
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

describe("CollectionRunProvider: a replacement starts its own run (the engine's calls, against the emulator)", () => {
  let emu: RunningEmulator;
  let warnings: string[];
  before(async () => {
    emu = await startTestEmulator({ jobDurationMs: 3_600_000 });
  });
  after(async () => {
    await closeTestClients();
    await emu?.stop();
  });
  beforeEach(() => {
    warnings = [];
  });

  /** A provider process: each `pulumi up` starts a new one. */
  const process = () =>
    new CollectionRunProvider({
      env: { SCRAPINGPROS_API_KEY: TEST_KEY },
      clientFactory: () => testClient(emu).client,
      warn: (m) => warnings.push(m),
    });
  const urn = (name: string) =>
    `urn:pulumi:dev::proj::pulumi-nodejs:dynamic/scrapingpros:CollectionRun::${name}`;
  const posts = () => emu.requests().filter((r) => r.method === "POST" && r.path.endsWith("/run")).length;

  async function collection(): Promise<string> {
    const { client } = testClient(emu);
    return (await client.collections.create({ name: "c", requests: [{ url: "https://example.com/a" }] })).data
      .id;
  }
  function declared(cid: string, name: string, extra: Record<string, unknown> = {}) {
    const { inputs } = checkCollectionRun({
      collectionId: cid,
      __urn: urn(name),
      __scope: "s",
      wait: "none",
      ...extra,
    });
    return inputs;
  }
  type State = { id: string; outs: Record<string, unknown>; inputs: Record<string, unknown> };
  async function first(p: CollectionRunProvider, inputs: Record<string, unknown>): Promise<State> {
    await p.check({}, inputs);
    const { id, outs } = await p.create(inputs);
    return { id, outs: { ...outs }, inputs };
  }
  /** What the engine asks for a replacement: check with old inputs, diff, check again without olds, create. */
  async function replace(
    p: CollectionRunProvider,
    old: State,
    inputs: Record<string, unknown>,
  ): Promise<State> {
    await p.check(old.inputs, inputs);
    const d = await p.diff(old.id, old.outs, inputs);
    assert.ok(d.replaces.length > 0);
    await p.check({}, inputs);
    const { id, outs } = await p.create(inputs);
    await p.delete(old.id, old.outs);
    return { id, outs: { ...outs }, inputs };
  }

  it("triggers changed twice while the old runs are in progress: one POST each, the outputs hold the new run", async () => {
    const cid = await collection();
    const r1 = await first(process(), declared(cid, "a", { triggers: 1 }));
    let mark = posts();
    const r2 = await replace(process(), r1, declared(cid, "a", { triggers: 2 }));
    assert.equal(posts() - mark, 1);
    assert.notEqual(r2.id, r1.id);
    assert.equal(r2.outs.reattached, false);
    mark = posts();
    const r3 = await replace(process(), r2, declared(cid, "a", { triggers: 3 }));
    assert.equal(posts() - mark, 1);
    assert.ok(![r1.id, r2.id].includes(r3.id));
    assert.ok(!warnings.some((w) => /re-attached/.test(w)), warnings.join("\n"));
    assert.equal(warnings.filter((w) => /was removed from the stack/.test(w)).length, 2);
  });

  it("every replace property, and a replacement in the same process as the first create: one POST each", async () => {
    const cid = await collection();
    const other = await collection();
    const p = process();
    let state = await first(p, declared(cid, "b", { triggers: 1 }));
    for (const next of [
      declared(other, "b", { triggers: 1 }),
      declared(other, "b", { triggers: 1, callbackUrl: "http://127.0.0.1:9/h" }),
      declared(other, "b", { triggers: 1, callbackUrl: "http://127.0.0.1:9/h2" }),
      declared(other, "b", { triggers: 1 }),
      // Back to the first collection, where this resource's first run is still in progress.
      declared(cid, "b", { triggers: 1 }),
    ]) {
      const mark = posts();
      const replaced = await replace(p, state, next);
      assert.equal(posts() - mark, 1, JSON.stringify(next));
      assert.notEqual(replaced.id, state.id);
      state = replaced;
    }
  });

  it("the rerun of a replacement killed after its POST re-attaches to that run; killed before it, starts one", async () => {
    const cid = await collection();
    const r1 = await first(process(), declared(cid, "c", { triggers: 1 }));
    // The killed deployment's POST (its answer lost with the process).
    const { client } = testClient(emu);
    const started = (await client.runs.create(cid)).data.run_id;
    const mark = posts();
    const rerun = await replace(process(), r1, declared(cid, "c", { triggers: 2 }));
    assert.equal(posts(), mark);
    assert.equal(rerun.id, started);
    assert.equal(rerun.outs.reattached, true);
    assert.match(
      warnings.join("\n"),
      /re-attached to the run an interrupted replacement of this resource started/,
    );
    // Killed before its POST: nothing newer than the replaced run, so one run starts.
    const again = await replace(process(), rerun, declared(cid, "c", { triggers: 3 }));
    assert.equal(posts() - mark, 1);
    assert.equal(again.outs.reattached, false);
    // A replacement onto another collection, killed after its POST: the rerun finds that run there.
    const other = await collection();
    const startedThere = (await client.runs.create(other)).data.run_id;
    const moved = await replace(process(), again, declared(other, "c", { triggers: 3 }));
    assert.equal(posts() - mark, 2);
    assert.equal(moved.id, startedThere);
    assert.equal(moved.outs.reattached, true);
  });

  it("deleteBeforeReplace, and pulumi up --replace with it: the delete shows the old run, one POST", async () => {
    const cid = await collection();
    const old = await first(process(), declared(cid, "d", { triggers: 1 }));
    const mark = posts();
    // A triggers change: check, diff, delete, check, create.
    const p = process();
    const inputs = declared(cid, "d", { triggers: 2 });
    await p.check(old.inputs, inputs);
    await p.diff(old.id, old.outs, inputs);
    await p.delete(old.id, old.outs);
    await p.check({}, inputs);
    const dbr = await p.create(inputs);
    assert.notEqual(dbr.id, old.id);
    // `pulumi up --replace` with deleteBeforeReplace: check without olds, no diff, delete, create.
    const q = process();
    const same = declared(cid, "d", { triggers: 2 });
    await q.check({}, same);
    await q.delete(dbr.id, { ...dbr.outs });
    const targeted = await q.create(same);
    assert.ok(![old.id, dbr.id].includes(targeted.id));
    assert.equal(posts() - mark, 2);
  });

  it("pulumi up --replace without deleteBeforeReplace re-attaches to the run in progress, says how to start one, and keeps it", async () => {
    const cid = await collection();
    const old = await first(process(), declared(cid, "e", { triggers: 1 }));
    const p = process();
    await p.check({}, old.inputs);
    const mark = posts();
    const targeted = await p.create(old.inputs);
    assert.equal(posts(), mark);
    assert.equal(targeted.id, old.id);
    assert.match(warnings.join("\n"), /pulumi up --replace.*change `triggers`/);
    warnings = [];
    await p.delete(old.id, old.outs);
    assert.deepEqual(warnings, [], "the run the replacement kept was reported removed");
  });

  it("a replacement forced without a diff (replacementTrigger): no lookup, one POST", async () => {
    const cid = await collection();
    const old = await first(process(), declared(cid, "f", { triggers: 1 }));
    const p = process();
    await p.check(old.inputs, old.inputs);
    await p.check({}, old.inputs);
    const mark = emu.requests().length;
    const { id } = await p.create(old.inputs);
    assert.notEqual(id, old.id);
    assert.deepEqual(
      emu
        .requests()
        .slice(mark)
        .map((r) => r.method),
      ["POST"],
    );
  });

  it("after a wait timeout: the recorded state can be deleted, and a triggers change starts one run", async () => {
    const cid = await collection();
    const p = process();
    const inputs = {
      ...declared(cid, "g", { triggers: 1, wait: "completed", timeoutSeconds: 0.2 }),
      __provider: "code",
    };
    await p.check({}, inputs);
    let timedOut: State | undefined;
    await assert.rejects(p.create(inputs), (e: unknown) => {
      assert.ok(e instanceof ResourceInitError);
      // Without it the dynamic-provider host cannot load the provider to delete or replace the run.
      assert.equal(e.properties.__provider, "code");
      timedOut = { id: e.id, outs: e.properties, inputs };
      return true;
    });
    assert.ok(timedOut);
    const mark = posts();
    const replaced = await replace(process(), timedOut, declared(cid, "g", { triggers: 2 }));
    assert.equal(posts() - mark, 1);
    assert.notEqual(replaced.id, timedOut.id);
  });

  it("two runs of one collection without callbackUrl, replaced or created in one deployment: neither takes the other's", async () => {
    const cid = await collection();
    const earlier = process();
    const a1 = await first(earlier, declared(cid, "h1", { triggers: 1 }));
    const b1 = await first(earlier, declared(cid, "h2", { triggers: 1 }));
    const p = process();
    const a = declared(cid, "h1", { triggers: 2 });
    const b = declared(cid, "h2", { triggers: 2 });
    // The engine diffs both as they register, then runs the creates.
    await p.check(a1.inputs, a);
    await p.diff(a1.id, a1.outs, a);
    await p.check(b1.inputs, b);
    await p.diff(b1.id, b1.outs, b);
    const mark = posts();
    const [a2, b2] = [await p.create(a), await p.create(b)];
    assert.equal(posts() - mark, 2);
    assert.equal(new Set([a1.id, b1.id, a2.id, b2.id]).size, 4);
    // Two first creates in one process: the second does not take the first's run.
    const q = process();
    const c = await first(q, declared(cid, "h3", { triggers: 1 }));
    const d = await first(q, declared(cid, "h4", { triggers: 1 }));
    assert.notEqual(c.id, d.id);
  });
});
