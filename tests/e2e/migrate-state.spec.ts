/**
 * The README's path from the dynamic resources to the native provider, with the real CLI: a
 * TypeScript program's stack (a named collection, an auto-named one, a run) is exported,
 * rewritten by `pulumi-scrapingpros migrate-state` and imported again; then the project's program
 * becomes Pulumi YAML declaring the same resources with the native plugin (installed the README's
 * way), whose preview is clean and whose `up` makes no call; an edit afterwards is one PUT.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { keyForms, pulumiBinDir } from "../helpers/e2e";
import { startTestEmulator, TEST_KEY } from "../helpers/emulator";
import { callsSince, installNativePlugin, pluginProcessesLeft } from "../helpers/native-plugin";
import { type CliResult, linkRepoModules, pulumiEnv, spawnPulumi, succeeded } from "../helpers/pulumi";
import { TSCONFIG } from "../helpers/user-project";

const REPO = path.resolve(__dirname, "..", "..");
const CLI = path.join(REPO, "dist", "sdk", "cli.js");

const TS_PROGRAM = `import { Collection, CollectionRun } from "pulumi-scrapingpros";

const tours = new Collection("tours", {
  name: "tours",
  requests: [{ url: "https://example.com/tours/1", custom_id: "en", browser: true }],
});
const prices = new Collection("prices", {
  requests: [{ url: "https://example.org/prices/daily" }],
});
const nightly = new CollectionRun("nightly", { collectionId: tours.id, wait: "none" });

export const toursId = tours.id;
export const pricesName = prices.name;
export const runId = nightly.runId;
`;

/** The same resources in Pulumi YAML, the native provider's; `extra` adds a request to `tours`. */
const yamlProgram = (extra = false) => `name: acme-scrapers
runtime: yaml
resources:
  tours:
    type: scrapingpros:Collection
    properties:
      name: tours
      requests:
        - url: https://example.com/tours/1
          custom_id: en
          browser: true
${extra ? "        - url: https://example.com/tours/2\n" : ""}  prices:
    type: scrapingpros:Collection
    properties:
      requests:
        - url: https://example.org/prices/daily
  nightly:
    type: scrapingpros:CollectionRun
    properties:
      collectionId: \${tours.id}
      wait: none
outputs:
  toursId: \${tours.id}
  pricesName: \${prices.name}
  runId: \${nightly.runId}
`;

describe("e2e: migrate-state moves a TypeScript stack's dynamic resources to the native provider with no write", function () {
  this.timeout(300_000);
  let dir: string;
  let project: string;
  let env: NodeJS.ProcessEnv;
  let emu: RunningEmulator;
  const transcript: string[] = [];
  const pulumi = async (args: string[]): Promise<CliResult> =>
    succeeded(args, await spawnPulumi(args, project, env, transcript).result);

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sp-migrate-"));
    project = path.join(dir, "project");
    fs.mkdirSync(project);
    env = pulumiEnv(pulumiBinDir(), dir);
    emu = await startTestEmulator();
  });
  after(async () => {
    await emu.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("export, migrate-state, import; the YAML program previews clean and its up makes no call; an edit is 1 PUT", async () => {
    // The TypeScript program with the dynamic resources, deployed.
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: acme-scrapers\nruntime: nodejs\n");
    fs.writeFileSync(path.join(project, "package.json"), '{"name": "acme-scrapers", "main": "index.ts"}\n');
    fs.writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify(TSCONFIG));
    fs.writeFileSync(path.join(project, "index.ts"), TS_PROGRAM);
    linkRepoModules(project);
    await pulumi(["stack", "init", "dev"]);
    await pulumi(["config", "set", "scrapingpros:baseUrl", emu.url]);
    await pulumi(["config", "set", "--secret", "scrapingpros:apiKey", TEST_KEY]);
    await pulumi(["up", "--yes", "--skip-preview"]);
    const before = JSON.parse((await pulumi(["stack", "output", "--json"])).stdout) as Record<string, string>;
    assert.match(before.pricesName ?? "", /^prices-[0-9a-f]{8}$/);
    const collections = emu.collections().map((c) => `${c.id} ${c.name}`);
    assert.equal(collections.length, 2);

    // The README's three commands.
    const mark = emu.requests().length;
    await pulumi(["stack", "export", "--file", "dynamic.json"]);
    const report = execFileSync(
      process.execPath,
      [CLI, "migrate-state", "dynamic.json", "--output", "native.json"],
      { cwd: project, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
    assert.equal(report, "", "the state goes to --output, the report to stderr");
    await pulumi(["stack", "import", "--file", "native.json"]);
    const imported = (await pulumi(["stack", "export"])).stdout;
    assert.deepEqual(keyForms(TEST_KEY, imported), [], "the key stays encrypted in the state");
    const types = (
      JSON.parse(imported) as { deployment: { resources: { type: string }[] } }
    ).deployment.resources
      .map((r) => r.type)
      .sort();
    assert.deepEqual(types, [
      "pulumi:providers:scrapingpros",
      "pulumi:pulumi:Stack",
      "scrapingpros:index:Collection",
      "scrapingpros:index:Collection",
      "scrapingpros:index:CollectionRun",
    ]);

    // The project becomes Pulumi YAML; the native plugin from the plugin cache.
    for (const f of ["index.ts", "package.json", "tsconfig.json", "node_modules"])
      fs.rmSync(path.join(project, f));
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), yamlProgram());
    installNativePlugin(env);
    const preview = await pulumi(["preview", "--expect-no-changes", "--json"]);
    const summary = (JSON.parse(preview.stdout) as { changeSummary?: Record<string, number> }).changeSummary;
    assert.deepEqual(summary, { same: 4 }, "the stack and its three resources (the provider is not counted)");
    const up = await pulumi(["up", "--yes", "--skip-preview", "--expect-no-changes"]);
    assert.match(up.stdout, /4 unchanged/);
    assert.deepEqual(callsSince(emu, mark), [], "the migration, preview and up call nothing");
    assert.deepEqual(JSON.parse((await pulumi(["stack", "output", "--json"])).stdout), before);
    assert.deepEqual(
      emu.collections().map((c) => `${c.id} ${c.name}`),
      collections,
    );

    // Afterwards the native provider manages them: an edit is one PUT of that collection.
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), yamlProgram(true));
    const edit = emu.requests().length;
    const r = await pulumi(["up", "--yes", "--skip-preview"]);
    assert.match(r.stdout, /~ 1 updated/);
    assert.deepEqual(callsSince(emu, edit), [`PUT /v1/async/collections/${before.toursId}`]);
    assert.equal(emu.collections().length, 2);
    assert.deepEqual(keyForms(TEST_KEY, transcript.join("\n")), []);
    assert.equal(await pluginProcessesLeft(), "");
  });
});
