/**
 * No URN change short of a replacement writes anything to the account. One stack
 * goes through the refactors a team makes (alias rename, moving collections into a component,
 * renaming the component, stack rename, project rename) with auto-named and explicitly named
 * collections; after each, preview shows no change, `up` makes no API call, and the account holds
 * exactly what it held before. A replacement still derives a fresh name. A killed first
 * deployment of auto-named collections finds them by name on the rerun.
 */
import * as assert from "node:assert/strict";
import type { RunningEmulator } from "../../emulator";
import { startTestEmulator } from "../helpers/emulator";
import { apiCallsSince, UserProject } from "../helpers/user-project";

const HEADER = `import * as pulumi from "@pulumi/pulumi";
import { Collection } from "pulumi-scrapingpros";
`;

const JOBS = `{ requests: [{ url: "https://example.com/jobs" }] }`;
const REPORTS = `{ name: "reports", requests: [{ url: "https://example.com/reports", custom_id: "r1" }] }`;
const INBOX = `{ requests: [{ url: "https://example.com/inbox" }] }`;

/** A component whose collections are named after it, as most components name their children. */
const TEAM = `
class Team extends pulumi.ComponentResource {
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("acme:scrape:Team", name, {}, opts);
    // Moved here from the stack's root (their names then were "jobs2", "reports2" and "inbox").
    new Collection(\`\${name}-jobs\`, ${JOBS}, {
      parent: this,
      aliases: [{ name: "jobs2", parent: pulumi.rootStackResource }],
    });
    new Collection(\`\${name}-reports\`, ${REPORTS}, {
      parent: this,
      aliases: [{ name: "reports2", parent: pulumi.rootStackResource }],
    });
    new Collection("inbox", ${INBOX}, { parent: this, aliases: [{ parent: pulumi.rootStackResource }] });
    this.registerOutputs({});
  }
}
`;

/** What the account holds, in a comparable form. */
function account(
  emu: RunningEmulator,
): { id: string; name: string; requests: unknown; callback: string | null }[] {
  return emu
    .collections()
    .map((c) => ({ id: c.id, name: c.name, requests: c.requests, callback: c.callback_url }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

describe("e2e: refactors write nothing to the account", () => {
  let emu: RunningEmulator;
  let project: UserProject;
  /** The account and the stack's records (id → stored name) after the first deployment. */
  let deployed: ReturnType<typeof account>;
  let recorded: Record<string, string>;

  before(async () => {
    emu = await startTestEmulator();
    project = new UserProject();
    await project.initAgainst(emu);
  });
  after(async () => {
    project?.dispose();
    emu.release();
    await emu.stop();
  });

  /** id → name of each Collection in the state. */
  async function stateNames(): Promise<Record<string, string>> {
    const byLogical = await project.collectionsByName();
    return Object.fromEntries(Object.values(byLogical).map((c) => [c.id, c.name]));
  }

  /**
   * The program changed by a refactor: preview shows no change but `components` (`<op> <type>::<name>`
   * of a new component resource), `up` makes no API call, the account holds exactly what it held,
   * the stack records the same ids and names, and the preview after it is clean.
   */
  async function isANoOp(source: string, components: string[] = []): Promise<void> {
    project.writeProgram(HEADER + source);
    const mark = emu.requests().length;
    const preview = await project.previewReport();
    assert.deepEqual(
      preview.changes.map((s) =>
        `${s.op} ${s.urn.split("::").slice(-2).join("::")} ${s.diffs.join(",")}`.trim(),
      ),
      components,
      "preview shows changes",
    );
    await project.up();
    assert.deepEqual(apiCallsSince(emu, mark), [], "the refactor called the API");
    assert.deepEqual(account(emu), deployed);
    assert.deepEqual(await stateNames(), recorded);
    await project.expectNoChanges();
    assert.deepEqual(apiCallsSince(emu, mark), []);
  }

  it("deploys auto-named and explicitly named collections at the stack's root", async () => {
    project.writeProgram(`${HEADER}
new Collection("jobs", ${JOBS});
new Collection("reports", ${REPORTS});
new Collection("inbox", ${INBOX});
`);
    await project.up();
    deployed = account(emu);
    recorded = await stateNames();
    assert.equal(deployed.length, 3);
    assert.deepEqual(deployed.map((c) => c.name.replace(/-[0-9a-f]{8}$/, "-<auto>")).sort(), [
      "inbox-<auto>",
      "jobs-<auto>",
      "reports",
    ]);
    assert.deepEqual(Object.values(recorded).sort(), deployed.map((c) => c.name).sort());
  });

  it('the issue\'s input: "jobs" renamed to "jobs2" with an alias keeps its name in the account', async () => {
    await isANoOp(`
new Collection("jobs2", ${JOBS}, { aliases: [{ name: "jobs" }] });
new Collection("reports2", ${REPORTS}, { aliases: [{ name: "reports" }] });
new Collection("inbox", ${INBOX});
`);
    const byLogical = await project.collectionsByName();
    assert.match(byLogical["jobs2"]?.name ?? "", /^jobs-[0-9a-f]{8}$/);
    assert.equal(byLogical["reports2"]?.name, "reports");
  });

  it("moving the collections into a component, with aliases to their old parent, the stack", async () => {
    await isANoOp(`${TEAM}\nnew Team("team");\n`, ["create acme:scrape:Team::team"]);
    const byLogical = await project.collectionsByName();
    assert.match(byLogical["team-jobs"]?.urn ?? "", /acme:scrape:Team\$pulumi-nodejs:dynamic/);
    assert.match(byLogical["inbox"]?.urn ?? "", /acme:scrape:Team\$pulumi-nodejs:dynamic/);
  });

  it("renaming the component, with an alias on it that its children inherit", async () => {
    await isANoOp(`${TEAM}\nnew Team("crew", { aliases: [{ name: "team" }] });\n`);
    const byLogical = await project.collectionsByName();
    assert.deepEqual(Object.keys(byLogical).sort(), ["crew-jobs", "crew-reports", "inbox"]);
  });

  it("pulumi stack rename dev dev2", async () => {
    await project.renameStack("dev2");
    await isANoOp(`${TEAM}\nnew Team("crew", { aliases: [{ name: "team" }] });\n`);
    const byLogical = await project.collectionsByName();
    assert.match(byLogical["crew-jobs"]?.urn ?? "", /^urn:pulumi:dev2::acme-scrapers::/);
  });

  it("renaming the project (pulumi stack rename organization/<project>/dev2, then Pulumi.yaml)", async () => {
    await project.renameProject("acme-crawlers");
    await isANoOp(`${TEAM}\nnew Team("crew", { aliases: [{ name: "team" }] });\n`);
    const byLogical = await project.collectionsByName();
    assert.match(byLogical["crew-jobs"]?.urn ?? "", /^urn:pulumi:dev2::acme-crawlers::/);
  });

  it("a replacement (callbackUrl change) still derives a fresh name; the old collection stays", async () => {
    const before = await project.collectionsByName();
    const old = before["crew-jobs"];
    assert.ok(old);
    project.writeProgram(
      `${HEADER}${TEAM.replace(
        `\${name}-jobs\`, ${JOBS}`,
        `\${name}-jobs\`, { ...${JOBS}, callbackUrl: "https://hooks.example.com/jobs" }`,
      )}\nnew Team("crew", { aliases: [{ name: "team" }] });\n`,
    );
    const preview = await project.previewReport();
    assert.deepEqual(
      preview.changes.map((s) => `${s.op} ${s.urn.split("::").pop()}`),
      ["replace crew-jobs"],
    );
    const mark = emu.requests().length;
    await project.up();
    // The new name is looked up (an interrupted create would be found by it), then created.
    assert.deepEqual(
      apiCallsSince(emu, mark).map((c) => c.split(" ")[0]),
      ["GET", "POST"],
    );
    const now = (await project.collectionsByName())["crew-jobs"];
    assert.ok(now);
    assert.notEqual(now.id, old.id);
    assert.match(now.name, /^crew-jobs-[0-9a-f]{8}$/);
    assert.notEqual(now.name, old.name);
    const held = emu.collections();
    assert.equal(held.length, 4);
    assert.equal(held.find((c) => c.id === old.id)?.name, old.name, "the old collection was changed");
    assert.equal(held.find((c) => c.id === now.id)?.callback_url, "https://hooks.example.com/jobs");
    await project.expectNoChanges();
  });
});

/** Polls until `predicate` holds. */
async function waitFor(what: string, predicate: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("e2e: a killed first deployment of auto-named collections", () => {
  let emu: RunningEmulator;
  let project: UserProject;

  before(async () => {
    emu = await startTestEmulator();
    project = new UserProject();
    await project.initAgainst(emu);
  });
  after(async () => {
    project?.dispose();
    emu.release();
    await emu.stop();
  });

  it("the rerun finds each collection by its name: exactly one each, and a clean preview", async () => {
    project.writeProgram(`${HEADER}
class Pipeline extends pulumi.ComponentResource {
  constructor(name: string) {
    super("acme:scrape:Pipeline", name, {}, {});
    new Collection(\`\${name}-en\`, { requests: [{ url: "https://example.com/en" }] }, { parent: this });
    new Collection(\`\${name}-es\`, { requests: [{ url: "https://example.com/es" }] }, { parent: this });
    this.registerOutputs({});
  }
}
new Pipeline("tours");
new Collection("prices", { requests: [{ url: "https://example.com/prices" }] });
`);
    // The API commits the three creates and holds their responses; then the whole deployment
    // (CLI, language host, program, provider) is killed before the engine records them.
    emu.addFault({ method: "POST", path: "/v1/async/collections", action: "hold", times: 3 });
    const up = project.spawn(["up", "--yes", "--skip-preview"]);
    await waitFor("the held creates", () => emu.collections().length === 3);
    process.kill(-(up.pid as number), "SIGKILL");
    assert.equal((await up.result).signal, "SIGKILL");
    emu.release();
    assert.equal((await project.collections()).length, 0, "the killed run recorded a collection");
    await project.ok(["cancel", "--yes"]);
    const created = emu.collections().map((c) => ({ id: c.id, name: c.name }));

    const mark = emu.requests().length;
    await project.up();
    // Each collection: found by name (the lookups share list calls) and adopted with one PUT.
    const methods = apiCallsSince(emu, mark).map((c) => c.split(" ")[0]);
    assert.deepEqual(
      methods.filter((m) => m !== "GET"),
      ["PUT", "PUT", "PUT"],
    );
    const lookups = methods.filter((m) => m === "GET").length;
    assert.ok(lookups >= 1 && lookups <= 3, methods.join(", "));
    assert.deepEqual(
      emu.collections().map((c) => ({ id: c.id, name: c.name })),
      created,
      "the rerun created or renamed a collection",
    );
    const state = Object.values(await project.collectionsByName());
    assert.deepEqual(state.map((c) => c.id).sort(), created.map((c) => c.id).sort());
    await project.expectNoChanges();
  });
});
