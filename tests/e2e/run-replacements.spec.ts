import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { useStack } from "../helpers/e2e";
import { closeTestClients, testClient } from "../helpers/emulator";
import { processesWithEnv } from "../helpers/processes";
import { type CliResult, changesOf, type TestStack } from "../helpers/pulumi";

// A CollectionRun replacement starts exactly one new run, whatever the old run is doing, while the
// rerun of an interrupted deployment re-attaches to the run it started. Every case counts the run
// POSTs in the emulator's request log. Jobs take 1 h of emulator time, so a run stays in progress
// until the test advances the emulator's clock.

// The program a user writes: collections and runs declared in run.json, options per run.
const PROGRAM = `"use strict";
const fs = require("node:fs");
const path = require("node:path");
const sp = require("pulumi-scrapingpros");
const spec = JSON.parse(fs.readFileSync(path.join(__dirname, "run.json"), "utf8"));
const collections = {};
for (const [name, requests] of Object.entries(spec.collections)) {
  collections[name] = new sp.Collection(name, { name, requests });
  exports[name] = collections[name].id;
}
for (const [name, { collection, options, ...args }] of Object.entries(spec.runs)) {
  const r = new sp.CollectionRun(name, { ...args, collectionId: collections[collection || "tours"].id }, options);
  exports[name] = { runId: r.runId, status: r.status, reattached: r.reattached, callbackUrl: r.callbackUrl };
}
`;

const REQUESTS = Array.from({ length: 20 }, (_, i) => ({ url: `https://example.com/tours/${i}` }));
const HOOK = "http://127.0.0.1:9/hook";

interface RunSpec {
  collection?: string;
  triggers?: unknown;
  wait?: "none" | "completed";
  timeoutSeconds?: number;
  callbackUrl?: string;
  options?: { deleteBeforeReplace?: boolean; replacementTrigger?: string };
}

interface RunOutput {
  runId: string;
  status: string;
  reattached: boolean;
  callbackUrl?: string | null;
}

async function waitFor(what: string, predicate: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("e2e: CollectionRun replacements start exactly one run (jobs of 1 h, emulator time)", () => {
  let emu: RunningEmulator;
  let stack: TestStack;
  useStack((h) => ({ emu, stack } = h), {
    each: true,
    args: ["dev", "config", { jobDurationMs: 3_600_000 }],
  });
  after(closeTestClients);

  function program(runs: Record<string, RunSpec>, collections: string[] = ["tours"]): void {
    fs.writeFileSync(path.join(stack.projectDir, "index.js"), PROGRAM);
    fs.writeFileSync(
      path.join(stack.projectDir, "run.json"),
      JSON.stringify({ collections: Object.fromEntries(collections.map((c) => [c, REQUESTS])), runs }),
    );
  }

  const runPosts = () => emu.requests().filter((r) => r.method === "POST" && /\/run$/.test(r.path)).length;
  const urnOf = (name: string) =>
    `urn:pulumi:dev::sp-e2e::pulumi-nodejs:dynamic/scrapingpros:CollectionRun::${name}`;

  async function outputs(): Promise<Record<string, unknown>> {
    return JSON.parse((await stack.ok(["stack", "output", "--json"])).stdout);
  }
  async function run(name: string): Promise<RunOutput> {
    const o = (await outputs())[name] as RunOutput | undefined;
    assert.ok(o, `no output ${name}`);
    return o;
  }
  async function apiRuns(collection = "tours") {
    const id = emu.collections().find((c) => c.name === collection)?.id;
    assert.ok(id, `no collection ${collection}`);
    return (await testClient(emu).client.runs.list(id)).data.items;
  }

  /** `pulumi up`, the run POSTs it made, and every API call (method and path, ids as `*`). */
  async function up(extra: string[] = []): Promise<{ posts: number; calls: string[]; result: CliResult }> {
    const before = runPosts();
    const mark = emu.requests().length;
    const result = await stack.up(extra);
    const calls = emu
      .requests()
      .slice(mark)
      .map((r) => `${r.method} ${r.path.replace(/collections\/[^/]+/, "collections/*")}`);
    return { posts: runPosts() - before, calls, result };
  }

  /** One `up` that must replace `name` by exactly one new run, and the new run's outputs. */
  async function replacedByOneRun(
    name: string,
    extra: string[] = [],
    collection = "tours",
    lookups = 1,
  ): Promise<RunOutput> {
    // After a failed up (a wait timeout) the stack has no outputs: the old run is the API's newest.
    const old =
      ((await outputs())[name] as RunOutput | undefined)?.runId ?? (await apiRuns(collection))[0]?.run_id;
    assert.ok(old);
    const { posts, calls, result } = await up(extra);
    const now = await run(name);
    assert.equal(posts, 1, `run POSTs of the replacement of ${name}:\n${result.stdout}`);
    // A look at the runs (is a run of an interrupted attempt there?), then the run's start; a
    // replacement onto another collection also reads the old collection's runs.
    assert.deepEqual(calls, [
      ...Array(lookups).fill("GET /v1/async/collections/*/runs"),
      "POST /v1/async/collections/*/run",
    ]);
    assert.notEqual(now.runId, old, "the outputs kept the old run");
    assert.equal(now.reattached, false);
    assert.doesNotMatch(result.stdout, /re-attached/);
    assert.equal((await apiRuns(collection))[0]?.run_id, now.runId, "the new run is not the newest");
    return now;
  }

  /**
   * Starts `pulumi up`, waits until the emulator holds `held` requests of `method path` (committed),
   * SIGKILLs the whole deployment, releases them, and removes the killed run's lock.
   */
  async function killDuring(method: string, pathPattern: string, held = 1): Promise<void> {
    emu.addFault({ method, path: pathPattern, action: "hold", times: held });
    const killed = stack.spawn(["up", "--yes", "--skip-preview"]);
    await waitFor("the held requests", async () => {
      const list = (await (await fetch(`${emu.url}/__emulator/held`)).json()) as unknown[];
      return list.length === held;
    });
    process.kill(-(killed.pid as number), "SIGKILL");
    assert.equal((await killed.result).signal, "SIGKILL");
    // Plugins outside the CLI's process group exit when they see the engine gone: only then is the
    // held answer released, so that no process of the killed deployment acts on it.
    const home = stack.env.PULUMI_HOME as string;
    await waitFor(
      "the killed deployment's processes to exit",
      () => processesWithEnv("PULUMI_HOME", home).length === 0,
    );
    emu.release();
    await stack.ok(["cancel", "--yes"]);
  }

  it("changed triggers while the old run is in progress, twice in a row: one new run each time (the issue's input)", async () => {
    program({ nightly: { triggers: "1", wait: "none" } });
    assert.equal((await up()).posts, 1);
    const first = await run("nightly");
    assert.equal(first.status, "in_progress");

    program({ nightly: { triggers: "2", wait: "none" } });
    assert.deepEqual(changesOf(await stack.preview()), { replace: 1 });
    const second = await replacedByOneRun("nightly");
    program({ nightly: { triggers: "3", wait: "none" } });
    const third = await replacedByOneRun("nightly");

    const runs = await apiRuns();
    assert.deepEqual(
      runs.map((r) => r.run_id),
      [third.runId, second.runId, first.runId],
    );
    assert.ok(runs.every((r) => r.status === "in_progress"));
    const mark = emu.requests().length;
    assert.deepEqual(changesOf(await stack.preview()), {});
    assert.equal(emu.requests().length, mark, "the preview after the replacements made API calls");
  });

  it("each replace property, the old run in progress, finished or timed out: one new run per up", async () => {
    // Timed out: the first up fails after timeoutSeconds, the run stays recorded with the error.
    program({ nightly: { triggers: 1, timeoutSeconds: 2 } });
    const failed = await stack.run(["up", "--yes", "--skip-preview"]);
    assert.notEqual(failed.code, 0);
    assert.match(failed.stdout + failed.stderr, /did not end within timeoutSeconds/);
    assert.equal(runPosts(), 1);
    program({ nightly: { triggers: 2, wait: "none" } });
    await replacedByOneRun("nightly");

    // Finished: the old run ended before the change.
    emu.advanceClock(25 * 3_600_000);
    program({ nightly: { triggers: 3, wait: "none" } });
    await replacedByOneRun("nightly");

    // collectionId (another collection), then callbackUrl added, changed and removed.
    program({ nightly: { triggers: 3, wait: "none", collection: "other" } }, ["tours", "other"]);
    const moved = await run("nightly");
    const { posts, calls } = await up();
    assert.equal(posts, 1);
    // The new collection's create, the old and the new collection's runs, the run's start.
    assert.deepEqual(calls, [
      "POST /v1/async/collections",
      "GET /v1/async/collections/*/runs",
      "GET /v1/async/collections/*/runs",
      "POST /v1/async/collections/*/run",
    ]);
    const onOther = await run("nightly");
    assert.notEqual(onOther.runId, moved.runId);
    assert.equal((await apiRuns("other"))[0]?.run_id, onOther.runId);

    program({ nightly: { triggers: 3, wait: "none" } }, ["tours", "other"]);
    await replacedByOneRun("nightly", [], "tours", 2);
    program({ nightly: { triggers: 3, wait: "none", callbackUrl: HOOK } }, ["tours", "other"]);
    assert.equal((await replacedByOneRun("nightly")).callbackUrl, HOOK);
    program({ nightly: { triggers: 3, wait: "none", callbackUrl: `${HOOK}2` } }, ["tours", "other"]);
    assert.equal((await replacedByOneRun("nightly")).callbackUrl, `${HOOK}2`);
    program({ nightly: { triggers: 3, wait: "none" } }, ["tours", "other"]);
    assert.equal((await replacedByOneRun("nightly")).callbackUrl, undefined);
  });

  it("deleteBeforeReplace: the old run in progress, one new run", async () => {
    const dbr = { wait: "none" as const, options: { deleteBeforeReplace: true } };
    program({ nightly: { triggers: "1", ...dbr } });
    await up();
    program({ nightly: { triggers: "2", ...dbr } });
    await replacedByOneRun("nightly");
    program({ nightly: { triggers: "3", ...dbr } });
    await replacedByOneRun("nightly");
    assert.equal(runPosts(), 3);
  });

  it("several runs replaced in one up: one new run each, none taken from another", async () => {
    program(
      {
        a: { triggers: 1, wait: "none" },
        b: { triggers: 1, wait: "none", collection: "other" },
        c: { triggers: 1, wait: "none", callbackUrl: HOOK },
      },
      ["tours", "other"],
    );
    assert.equal((await up()).posts, 3);
    const before = await outputs();
    program(
      {
        a: { triggers: 2, wait: "none" },
        b: { triggers: 2, wait: "none", collection: "other" },
        c: { triggers: 2, wait: "none", callbackUrl: HOOK },
      },
      ["tours", "other"],
    );
    const { posts, calls, result } = await up();
    assert.equal(posts, 3, result.stdout);
    assert.deepEqual(
      calls.sort(),
      [
        "GET /v1/async/collections/*/runs",
        "GET /v1/async/collections/*/runs",
        "GET /v1/async/collections/*/runs",
        "POST /v1/async/collections/*/run",
        "POST /v1/async/collections/*/run",
        "POST /v1/async/collections/*/run",
      ].sort(),
    );
    const after = await outputs();
    const ids = ["a", "b", "c"].map((n) => (after[n] as RunOutput).runId);
    assert.equal(new Set(ids).size, 3);
    for (const n of ["a", "b", "c"]) {
      assert.notEqual((after[n] as RunOutput).runId, (before[n] as RunOutput).runId, n);
      assert.equal((after[n] as RunOutput).reattached, false, n);
    }
  });

  it("replacementTrigger: the engine replaces without a diff; one new run, no lookup, while the old one runs", async () => {
    program({ nightly: { triggers: 1, wait: "none", options: { replacementTrigger: "a" } } });
    await up();
    const old = await run("nightly");
    program({ nightly: { triggers: 1, wait: "none", options: { replacementTrigger: "b" } } });
    const { calls } = await up();
    assert.deepEqual(calls, ["POST /v1/async/collections/*/run"]);
    const now = await run("nightly");
    assert.notEqual(now.runId, old.runId);
    assert.equal(now.reattached, false);
  });

  it("pulumi up --replace: a new run once the old one ended, and with deleteBeforeReplace; re-attaches while it runs (documented)", async () => {
    program({ nightly: { triggers: 1, wait: "none" } });
    await up();
    const first = await run("nightly");

    // Indistinguishable from the rerun of an interrupted first create: re-attaches, and says so.
    const { posts, calls, result } = await up(["--replace", urnOf("nightly")]);
    assert.equal(posts, 0);
    assert.deepEqual(calls, ["GET /v1/async/collections/*/runs"]);
    const same = await run("nightly");
    assert.equal(same.runId, first.runId);
    assert.equal(same.reattached, true);
    assert.match(result.stdout, /re-attached .*pulumi up --replace.*change `triggers`/s);
    assert.doesNotMatch(result.stdout, /was removed from the stack/);

    emu.advanceClock(25 * 3_600_000);
    await replacedByOneRun("nightly", ["--replace", urnOf("nightly")]);

    program({ nightly: { triggers: 1, wait: "none", options: { deleteBeforeReplace: true } } });
    await up();
    await replacedByOneRun("nightly", ["--replace", urnOf("nightly")]);
  });

  for (const { what, options, collection } of [
    { what: "triggers", options: { deleteBeforeReplace: false }, collection: "tours" },
    { what: "triggers, deleteBeforeReplace", options: { deleteBeforeReplace: true }, collection: "tours" },
    { what: "collectionId", options: { deleteBeforeReplace: false }, collection: "other" },
  ]) {
    it(`a replacement (${what}) killed after its run POST was committed: the rerun re-attaches to that run`, async () => {
      const collections = ["tours", "other"];
      program({ nightly: { triggers: 1, wait: "none", options } }, collections);
      await up();
      const old = await run("nightly");
      const changed = collection === "tours" ? { triggers: 2 } : { triggers: 1, collection };
      program({ nightly: { ...changed, wait: "none", options } }, collections);
      await killDuring("POST", "/v1/async/collections/*/run");
      assert.equal(runPosts(), 2);
      const [started] = await apiRuns(collection);
      assert.ok(started && started.run_id !== old.runId);

      const { posts, calls, result } = await up();
      assert.equal(posts, 0, result.stdout);
      // The runs it looks in (and, for a changed collectionId, the old collection's).
      assert.deepEqual(calls, Array(collection === "tours" ? 1 : 2).fill("GET /v1/async/collections/*/runs"));
      const now = await run("nightly");
      assert.equal(now.runId, started.run_id);
      assert.equal(now.reattached, true);
      assert.equal((await apiRuns("tours")).length + (await apiRuns("other")).length, 2);
      assert.deepEqual(changesOf(await stack.preview()), {});
    });
  }

  it("a replacement killed before its run POST: the rerun starts exactly one run", async () => {
    program({ nightly: { triggers: 1, wait: "none" } });
    await up();
    program({ nightly: { triggers: 2, wait: "none" } });
    // The lookup that precedes the POST is held: the kill lands before any run was started.
    await killDuring("GET", "/v1/async/collections/*/runs");
    assert.equal(runPosts(), 1);
    await replacedByOneRun("nightly");
    assert.equal((await apiRuns()).length, 2);
  });
});
