import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { useStack } from "../helpers/e2e";
import { closeTestClients, startTestEmulator, testClient } from "../helpers/emulator";
import { changesOf, type TestStack } from "../helpers/pulumi";
import { UserProject } from "../helpers/user-project";

// CollectionRun under the real CLI, against the emulator: one collection, the runs of run.json.
const PROGRAM = `"use strict";
const fs = require("node:fs");
const path = require("node:path");
const sp = require("pulumi-scrapingpros");
const spec = JSON.parse(fs.readFileSync(path.join(__dirname, "run.json"), "utf8"));
const c = new sp.Collection("tours", { name: "tours", requests: spec.requests });
exports.collectionId = c.id;
for (const [name, args] of Object.entries(spec.runs)) {
  const r = new sp.CollectionRun(name, { ...args, collectionId: c.id });
  exports[name] = {
    runId: r.runId, status: r.status, totalRequests: r.totalRequests, successRequests: r.successRequests,
    failedRequests: r.failedRequests, timeoutRequests: r.timeoutRequests, jobIds: r.jobIds,
    callbackUrl: r.callbackUrl, callbackStatus: r.callbackStatus, createdAt: r.createdAt, reattached: r.reattached,
  };
}
`;

const RUN_POST = "/v1/async/collections/*/run";

async function waitFor(
  what: string,
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function suite(title: string, jobDurationMs: number, tests: (h: Helpers) => void): void {
  describe(title, () => {
    const h = {} as Helpers;
    useStack((handles) => Object.assign(h, handles), {
      each: true,
      args: ["dev", "config", { jobDurationMs }],
    });
    after(closeTestClients);
    tests(h);
  });
}

interface Helpers {
  emu: RunningEmulator;
  stack: TestStack;
}

function helpers(h: Helpers) {
  function program(runs: Record<string, Record<string, unknown>>, requests?: { url: string }[]): void {
    fs.writeFileSync(path.join(h.stack.projectDir, "index.js"), PROGRAM);
    fs.writeFileSync(
      path.join(h.stack.projectDir, "run.json"),
      JSON.stringify({
        requests: requests ?? [{ url: "https://example.com/a" }, { url: "https://example.com/fail-b" }],
        runs,
      }),
    );
  }

  const runPosts = () => h.emu.requests().filter((r) => r.method === "POST" && /\/run$/.test(r.path));
  async function runsOf(collectionId: string) {
    return (await testClient(h.emu).client.runs.list(collectionId)).data.items;
  }
  async function outputs(): Promise<Record<string, Record<string, unknown>> & { collectionId: string }> {
    return JSON.parse((await h.stack.ok(["stack", "output", "--json"])).stdout);
  }
  return { program, runPosts, runsOf, outputs };
}

suite("e2e: CollectionRun (jobs of 300 ms)", 300, (h) => {
  const { program, runPosts, runsOf, outputs } = helpers(h);

  it("preview calls nothing; up starts and waits for one run whose outputs match the API; unchanged up and preview call nothing; a new trigger starts exactly one run", async () => {
    program({ nightly: { triggers: ["2026-05-01"] } });
    let mark = h.emu.requests().length;
    await h.stack.ok(["preview"]);
    assert.equal(h.emu.requests().length, mark, "preview made API calls");

    await h.stack.up();
    const o = await outputs();
    const run = o.nightly!;
    const api = (await testClient(h.emu).client.runs.get(o.collectionId, String(run.runId))).data;
    assert.equal(api.status, "completed");
    assert.deepEqual(
      {
        status: run.status,
        total: run.totalRequests,
        ok: run.successRequests,
        failed: run.failedRequests,
        timedOut: run.timeoutRequests,
        jobs: run.jobIds,
        reattached: run.reattached,
      },
      {
        status: api.status,
        total: api.total_requests,
        ok: api.success_requests,
        failed: api.failed_requests,
        timedOut: api.timeout_requests,
        jobs: api.job_ids,
        reattached: false,
      },
    );
    assert.match(String(run.createdAt), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.equal(runPosts().length, 1);

    mark = h.emu.requests().length;
    assert.deepEqual(changesOf(await h.stack.preview()), {});
    const again = await h.stack.up();
    assert.equal(h.emu.requests().length, mark, "an unchanged up or preview made API calls");
    assert.match(again.stdout, /nightly|Resources:/);

    program({ nightly: { triggers: ["2026-05-02"] } });
    assert.deepEqual(changesOf(await h.stack.preview()), { replace: 1 });
    await h.stack.up();
    assert.equal(runPosts().length, 2);
    const runs = await runsOf(o.collectionId);
    assert.equal(runs.length, 2);
    const next = (await outputs()).nightly!;
    assert.notEqual(next.runId, run.runId);
    assert.equal(runs[0]?.run_id, next.runId);
  });

  it("a lost run answer leaves exactly one run (re-attached)", async () => {
    program({ lost: { triggers: 1, callbackUrl: "http://127.0.0.1:9/hook" } });
    h.emu.addFault({ method: "POST", path: RUN_POST, action: "drop-after-commit", times: 1 });
    await h.stack.up();
    const o = await outputs();
    assert.equal((await runsOf(o.collectionId)).length, 1);
    assert.equal(o.lost!.reattached, true);
    assert.equal(o.lost!.status, "completed");
    assert.equal(o.lost!.callbackUrl, "http://127.0.0.1:9/hook");
  });
});

suite("e2e: CollectionRun (jobs of 1 h, emulator time)", 3_600_000, (h) => {
  const { program, runPosts, runsOf, outputs } = helpers(h);

  it("a SIGKILLed up during the runs' creation: the rerun leaves exactly one run per resource", async () => {
    // Slow jobs: the runs are still in progress when the rerun looks for them. `hooked` is found by
    // the fingerprint in its callback URL; `killed` (no callbackUrl) as the newest in-progress run
    // without a fingerprint.
    h.emu.addFault({ method: "POST", path: RUN_POST, action: "hold", times: 2 });
    program(
      {
        killed: { triggers: 1, wait: "none" },
        hooked: { triggers: 1, wait: "none", callbackUrl: "http://127.0.0.1:9/hook" },
      },
      [{ url: "https://example.com/a" }],
    );
    const up = h.stack.spawn(["up", "--yes", "--skip-preview"]);
    await waitFor("the held run POSTs", async () => {
      const held = (await (await fetch(`${h.emu.url}/__emulator/held`)).json()) as unknown[];
      return held.length === 2;
    });
    process.kill(-(up.pid as number), "SIGKILL");
    assert.equal((await up.result).signal, "SIGKILL");
    h.emu.release();
    await h.stack.ok(["cancel", "--yes"]);
    const collectionId = h.emu.collections()[0]!.id;
    assert.equal((await runsOf(collectionId)).length, 2);
    await h.stack.up();
    const runs = await runsOf(collectionId);
    assert.equal(runs.length, 2, `runs: ${JSON.stringify(runs)}`);
    assert.equal(runPosts().length, 2);
    const o = await outputs();
    assert.deepEqual([o.killed!.reattached, o.hooked!.reattached], [true, true]);
    assert.deepEqual([o.killed!.runId, o.hooked!.runId].sort(), runs.map((r) => r.run_id).sort());
    const hookedRun = runs.find((r) => r.run_id === o.hooked!.runId);
    assert.match(hookedRun?.callback_url ?? "", /^http:\/\/127\.0\.0\.1:9\/hook#sp-run=[0-9a-f]{16}$/);
    assert.equal(o.hooked!.callbackUrl, "http://127.0.0.1:9/hook");
  });

  it("the wait timeout fails naming the run, which keeps running; the rerun waits for the same run", async () => {
    program({ slow: { triggers: 1, timeoutSeconds: 2 } }, [{ url: "https://example.com/a" }]);
    // 1 job of 1 h (emulator time): it cannot end by itself during the test.
    const failed = await h.stack.run(["up", "--yes", "--skip-preview"]);
    assert.notEqual(failed.code, 0);
    const collectionId = h.emu.collections()[0]!.id;
    const [run] = await runsOf(collectionId);
    assert.ok(run);
    assert.match(
      failed.stdout + failed.stderr,
      new RegExp(`run ${run.run_id} of collection ${collectionId} did not end within timeoutSeconds`),
    );
    h.emu.advanceClock(3_600_000);
    await h.stack.up();
    const o = await outputs();
    assert.equal(o.slow!.runId, run.run_id);
    assert.equal(o.slow!.status, "completed");
    assert.equal(o.slow!.reattached, true);
    assert.equal((await runsOf(collectionId)).length, 1);
    assert.equal(runPosts().length, 1);
  });
});

describe("e2e: CollectionRun arguments it does not have fail preview, however they were built", () => {
  let emu: RunningEmulator;
  let project: UserProject;
  before(async () => {
    emu = await startTestEmulator();
    project = new UserProject();
    await project.initAgainst(emu);
  });
  after(async () => {
    project?.dispose();
    await emu?.stop();
  });

  // TypeScript programs that compile: excess properties are checked in object literals only. The
  // engine stops a preview at the first resource whose check fails, so one program per shape.
  const HEAD = `import { Collection, CollectionRun } from "pulumi-scrapingpros";
const tours = new Collection("tours", { name: "tours", requests: [{ url: "https://example.com/a" }] });
`;
  const shapes: { shape: string; source: string; expected: [string, string][] }[] = [
    {
      shape: "arguments kept in a variable (the issue's input)",
      source: `const nightly = {
  collectionId: tours.id,
  trigger: "2026-05-01",
  timeout_seconds: 60,
  callback_url: "https://hooks.example.com/x",
};
new CollectionRun("run", nightly);
`,
      expected: [
        ["trigger", "did you mean triggers\\?"],
        ["timeout_seconds", "did you mean timeoutSeconds\\?"],
        ["callback_url", "did you mean callbackUrl\\?"],
      ],
    },
    {
      shape: "shared defaults spread into the arguments",
      source: `const defaults = { wait: "none" as const, Triggers: [1], fail_on: "any-failed", WAIT: "none" };
new CollectionRun("run", { ...defaults, collectionId: tours.id });
`,
      expected: [
        ["Triggers", "did you mean triggers\\?"],
        ["fail_on", "did you mean failOn\\?"],
        ["WAIT", "did you mean wait\\?"],
      ],
    },
    {
      shape: "arguments parsed from JSON, with an output name",
      source: `const parsed = JSON.parse('{ "timeoutseconds": 5, "collection_id": "elsewhere", "runId": "r-1" }');
new CollectionRun("run", { ...parsed, collectionId: tours.id });
`,
      expected: [
        ["timeoutseconds", "did you mean timeoutSeconds\\?"],
        ["collection_id", "did you mean collectionId\\?"],
        ["runId", "is an output of CollectionRun \\(runId, reported by the API\\), not an input"],
      ],
    },
  ];
  for (const { shape, source, expected } of shapes) {
    it(`${shape}: each key fails check with the intended name, at preview, with 0 calls`, async () => {
      project.writeProgram(HEAD + source);
      const mark = emu.requests().length;
      const r = await project.run(["preview"]);
      assert.notEqual(r.code, 0);
      const out = r.stdout + r.stderr;
      for (const [key, reason] of expected) {
        assert.match(
          out,
          new RegExp(`resource 'run': property ${key} .*has a problem: .*${reason}`),
          `${key}:\n${out}`,
        );
      }
      assert.equal(emu.requests().length, mark, "preview made API calls");
    });
  }
});
