/**
 * Upgrading the package: a stack deployed by the previous release, then run with this one, sees
 * no change to any collection and makes no API call; refresh and a later edit cost what they
 * always did. The previous release is built from its git commit into a temporary folder and packed
 * with `npm pack`, this version is packed from the work tree, and the project's
 * `node_modules/pulumi-scrapingpros` is switched from the one to the other, as `npm install` of a
 * new version would. (tests/e2e/state-layouts.spec.ts reads the state of every later layout.)
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { startTestEmulator } from "../helpers/emulator";
import { buildAndPack, packCurrent } from "../helpers/packages";
import { changesOf } from "../helpers/pulumi";
import { apiCallsSince, COLLECTION_TYPE, UserProject } from "../helpers/user-project";

/** The last commit of the previous release. */
const PREVIOUS_RELEASE = "5abe1dabc694b176fade448044d1e310490ba248";

const STACK_SCOPE_TYPE = "pulumi-nodejs:dynamic/scrapingpros:StackScope";

const program = (jobsRequests: string) => `import { Collection } from "pulumi-scrapingpros";

const jobs = new Collection("jobs", { requests: ${jobsRequests} });
const tours = new Collection("tours", {
  name: "tours",
  requests: [{ url: "https://example.com/tours/1", custom_id: "en", browser: true }],
});
const hooks = new Collection("hooks", {
  requests: [{ url: "https://example.com/hooks" }],
  callbackUrl: "https://hooks.example.com/a",
});
const alerts = new Collection("alerts", {
  name: "alerts",
  requests: [],
  callbackUrl: "https://hooks.example.com/b",
});
export const names = [jobs.name, tours.name, hooks.name, alerts.name];
`;

describe("e2e: upgrade from the previous release", () => {
  let emu: RunningEmulator;
  let project: UserProject;
  let previous: string;
  let current: string;
  /** What the account held after the previous release deployed. */
  let deployed: { id: string; name: string; requests: unknown; callback_url: string | null }[];
  let recorded: Record<string, { id: string; name: string }>;

  const account = () =>
    emu
      .collections()
      .map((c) => ({ id: c.id, name: c.name, requests: c.requests, callback_url: c.callback_url }));

  before(async () => {
    previous = fs.mkdtempSync(path.join(os.tmpdir(), "sp-previous-"));
    const previousPackage = buildAndPack(PREVIOUS_RELEASE, previous);
    current = packCurrent(previous);
    emu = await startTestEmulator();
    project = new UserProject();
    project.usePackage(previousPackage);
    await project.initAgainst(emu);
  });
  after(async () => {
    project?.dispose();
    if (previous) fs.rmSync(previous, { recursive: true, force: true });
    emu.release();
    await emu.stop();
  });

  it("the previous release deploys auto-named, named and callbackUrl collections", async () => {
    project.writeProgram(program(`[{ url: "https://example.com/jobs" }]`));
    await project.up();
    deployed = account();
    recorded = await project.collectionsByName();
    assert.equal(deployed.length, 4);
    assert.deepEqual(
      emu
        .requests()
        .map((r) => r.method)
        .sort(),
      ["GET", "GET", "POST", "POST", "POST", "POST"],
    );
    // The state was written by the previous release: it has no per-stack scope.
    const types = (await project.resources()).map((r) => r.type);
    assert.ok(!types.includes(STACK_SCOPE_TYPE));
  });

  it("with this release, preview shows no change to any collection (only the new per-stack scope)", async () => {
    project.usePackage(current);
    const mark = emu.requests().length;
    const preview = await project.previewReport();
    assert.deepEqual(
      preview.changes.map((s) => `${s.op} ${s.type}`),
      [`create ${STACK_SCOPE_TYPE}`],
    );
    assert.deepEqual(changesOf(preview.changeSummary), { create: 1 });
    assert.deepEqual(apiCallsSince(emu, mark), []);
  });

  it("up makes no API call and changes nothing in the account or the recorded names", async () => {
    const mark = emu.requests().length;
    await project.up();
    assert.deepEqual(apiCallsSince(emu, mark), []);
    assert.deepEqual(account(), deployed);
    assert.deepEqual(await project.collectionsByName(), recorded);
    await project.expectNoChanges();
    assert.deepEqual(apiCallsSince(emu, mark), []);
  });

  it("refresh reads every collection through one list call and shows no change", async () => {
    const mark = emu.requests().length;
    assert.deepEqual(changesOf(await project.refresh()), {});
    // One list (a read that reaches the provider alone, before the others, makes its own GET).
    const calls = apiCallsSince(emu, mark);
    assert.equal(calls.filter((c) => c === "GET /v1/async/collections").length, 1, calls.join(", "));
    const alone = deployed.map((c) => `GET /v1/async/collections/${c.id}`);
    assert.ok(
      calls.length <= 2 && calls.every((c) => c === "GET /v1/async/collections" || alone.includes(c)),
    );
    await project.expectNoChanges();
  });

  it("a later edit of the auto-named collection is one PUT that keeps its name", async () => {
    project.writeProgram(
      program(`[{ url: "https://example.com/jobs" }, { url: "https://example.com/jobs/2" }]`),
    );
    const preview = await project.previewReport();
    assert.deepEqual(
      preview.changes.map((s) => `${s.op} ${s.type} ${s.urn.split("::").pop()}`),
      [`update ${COLLECTION_TYPE} jobs`],
    );
    const mark = emu.requests().length;
    await project.up();
    const jobs = recorded["jobs"];
    assert.ok(jobs);
    assert.deepEqual(apiCallsSince(emu, mark), [`PUT /v1/async/collections/${jobs.id}`]);
    const held = emu.collections().find((c) => c.id === jobs.id);
    assert.equal(held?.name, jobs.name);
    assert.deepEqual(held?.requests, [
      { url: "https://example.com/jobs" },
      { url: "https://example.com/jobs/2" },
    ]);
    await project.expectNoChanges();
  });
});
