/**
 * Every resource option Pulumi documents, applied to a `Collection` in TypeScript programs written as
 * a user writes them (`import { Collection } from "pulumi-scrapingpros"`), deployed with the real CLI
 * against the emulator. Each row of `resource-options.md` is one `it` here; the API calls of every
 * step are counted in the emulator's request log.
 *
 * One stack carries most rows through a lifecycle (create, edit, time out, import, recover,
 * destroy) so the suite stays short; replacements the engine forces on its own get a second stack.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import type { RunningEmulator } from "../../emulator";
import type { RequestLogEntry } from "../../emulator/request-log";
import { pulumiBinDir } from "../helpers/e2e";
import { startTestEmulator, TEST_KEY } from "../helpers/emulator";
import { type CliResult, linkRepoModules, pulumiEnv, spawnPulumi, succeeded } from "../helpers/pulumi";
import { COLLECTION_TYPE, type StateResource, TSCONFIG } from "../helpers/user-project";

const PROJECT = "acme-scrapers";
const urnOf = (name: string, typePath = COLLECTION_TYPE) =>
  `urn:pulumi:dev::${PROJECT}::${typePath}::${name}`;

/**
 * A TypeScript Pulumi project in a temporary folder (Pulumi.yaml, package.json with `main: index.ts`,
 * the template's tsconfig.json, `node_modules` linked to the repository's), with its own file backend.
 * The CLI runs programs with `PULUMI_NODEJS_TRANSPILE_ONLY`: every program is type-checked once,
 * together, by the first test instead of by each of the many runs.
 */
class TsProject {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "sp-options-"));
  readonly projectDir = path.join(this.dir, "project");
  readonly env: NodeJS.ProcessEnv;
  readonly transcript: string[] = [];

  constructor() {
    fs.mkdirSync(this.projectDir);
    fs.writeFileSync(path.join(this.projectDir, "Pulumi.yaml"), `name: ${PROJECT}\nruntime: nodejs\n`);
    fs.writeFileSync(
      path.join(this.projectDir, "package.json"),
      `${JSON.stringify({ name: PROJECT, main: "index.ts", private: true }, null, 2)}\n`,
    );
    fs.writeFileSync(path.join(this.projectDir, "tsconfig.json"), `${JSON.stringify(TSCONFIG, null, 2)}\n`);
    linkRepoModules(this.projectDir);
    this.env = { ...pulumiEnv(pulumiBinDir(), this.dir), PULUMI_NODEJS_TRANSPILE_ONLY: "true" };
  }

  write(source: string): void {
    fs.writeFileSync(path.join(this.projectDir, "index.ts"), source);
  }

  spawn(args: string[]): ReturnType<typeof spawnPulumi> {
    return spawnPulumi(args, this.projectDir, this.env, this.transcript);
  }

  run(args: string[]): Promise<CliResult> {
    return this.spawn(args).result;
  }

  async ok(args: string[]): Promise<CliResult> {
    return succeeded(args, await this.run(args));
  }

  /** `stack init dev` and the config a user sets: the API's URL and key (a secret), plus `extra`. */
  async init(emu: RunningEmulator, extra: string[] = []): Promise<void> {
    await this.ok(["stack", "init", "dev"]);
    await this.ok([
      "config",
      "set-all",
      "--plaintext",
      `scrapingpros:baseUrl=${emu.url}`,
      "--secret",
      `scrapingpros:apiKey=${TEST_KEY}`,
      ...extra,
    ]);
  }

  up(extra: string[] = []): Promise<CliResult> {
    return this.ok(["up", "--yes", "--skip-preview", ...extra]);
  }

  async state(showSecrets = true): Promise<StateResource[]> {
    const args = ["stack", "export", ...(showSecrets ? ["--show-secrets"] : [])];
    const parsed = JSON.parse((await this.ok(args)).stdout) as {
      deployment: { resources?: StateResource[] };
    };
    return parsed.deployment.resources ?? [];
  }

  /** The Collections in the state, by logical name. */
  async collections(): Promise<Map<string, StateResource>> {
    const all = await this.state();
    return new Map(
      all.filter((r) => r.type === COLLECTION_TYPE).map((r) => [r.urn.split("::").pop() as string, r]),
    );
  }

  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The API calls logged after the entry numbered `mark` (`seq` keeps counting when the log is trimmed). */
const callsSince = (emu: RunningEmulator, mark: number): RequestLogEntry[] =>
  emu.requests().filter((r) => r.seq > mark);
const lastSeq = (emu: RunningEmulator): number => emu.requests().at(-1)?.seq ?? 0;
/** "METHOD path" of each call (with `?name=` for lookups), sorted. */
const describeCalls = (entries: RequestLogEntry[]): string[] =>
  entries.map((r) => `${r.method} ${r.path}${r.query["name"] ? `?name=${r.query["name"]}` : ""}`).sort();

/** The stored collections with `name`, oldest first. */
const stored = (emu: RunningEmulator, name: string) => emu.collections().filter((c) => c.name === name);
const storedOne = (emu: RunningEmulator, name: string) => {
  const found = stored(emu, name);
  assert.equal(found.length, 1, `${found.length} collections named ${name}`);
  return found[0] as (typeof found)[0];
};
const urls = (c: { requests: Record<string, unknown>[] }) => c.requests.map((r) => r["url"]);

async function pendingFaults(emu: RunningEmulator): Promise<unknown[]> {
  return (await (await fetch(`${emu.url}/__emulator/faults`)).json()) as unknown[];
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Which stage of the lifecycle program to write. */
interface LifecycleStage {
  /** The edit of every row that has one. */
  edited: boolean;
  /** customTimeouts: a new collection with a 2 s create timeout, and an edit of the 2 s-update one. */
  timeouts?: boolean;
  /** import: a collection declared with the `import` option. */
  importId?: string;
}

/** The lifecycle program, the way a user writes it; comments name the row each resource stands for. */
function lifecycleProgram({ edited, timeouts = false, importId }: LifecycleStage): string {
  const v = (before: string, after: string) => (edited ? after : before);
  return `import * as pulumi from "@pulumi/pulumi";
import { Collection } from "pulumi-scrapingpros";

const config = new pulumi.Config();
const page = (path: string) => ({ url: "https://example.com/" + path });

// replaceOnChanges
new Collection("roc", { name: "roc", requests: [page("${v("roc/1", "roc/2")}")] }, { replaceOnChanges: ["requests"] });
new Collection(
  "roc-url",
  { name: "roc-url", requests: [{ ...page("roc-url/1"), custom_id: "${v("first", "second")}" }] },
  { replaceOnChanges: ["requests[*].url"] },
);

// ignoreChanges
new Collection("ignored", { name: "ignored", requests: [page("${v("ignored/1", "ignored/2")}")] }, { ignoreChanges: ["requests"] });

// deleteBeforeReplace
new Collection(
  "dbr",
  { name: "dbr", requests: [], callbackUrl: "https://hooks.example.com/${v("v1", "v2")}" },
  { deleteBeforeReplace: true },
);

// retainOnDelete (removed from the program by the edit)
${v(`new Collection("kept", { name: "kept", requests: [] }, { retainOnDelete: true });`, "")}

// protect
new Collection("guarded", { name: "guarded", requests: [] }, { protect: true });

// aliases (renamed by the edit)
${v(
  `new Collection("jobs", { requests: [page("jobs")] });`,
  `new Collection("jobs-renamed", { requests: [page("jobs")] }, { aliases: [{ name: "jobs" }] });`,
)}

// dependsOn and parent
class Pipeline extends pulumi.ComponentResource {
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("acme:scrape:Pipeline", name, {}, opts);
    new Collection(name + "-en", { requests: [page(name + "/en")] }, { parent: this });
    new Collection(name + "-es", { requests: [page(name + "/es")] }, { parent: this });
    this.registerOutputs({});
  }
}
const first = new Collection("first", { requests: [page("first")] });
new Collection("second", { requests: [page("second")] }, { dependsOn: [first] });
const tours = new Pipeline("tours");
new Collection("after-tours", { requests: [page("after-tours")] }, { dependsOn: tours });

// customTimeouts
new Collection(
  "slow-update",
  { name: "slow-update", requests: [page("${timeouts ? "slow/2" : "slow/1"}")] },
  { customTimeouts: { update: "2s" } },
);
${
  timeouts
    ? `new Collection("slow-create", { name: "slow-create", requests: [page("slow/new")] }, { customTimeouts: { create: "2s" } });`
    : ""
}

// transforms and transformations
const addRequest: pulumi.ResourceTransform = ({ type, props, opts }) =>
  type === "${COLLECTION_TYPE}"
    ? { props: { ...props, requests: [...props.requests, page("added-by-transform")] }, opts }
    : undefined;
new Collection("transformed", { name: "transformed", requests: [page("transformed")] }, { transforms: [addRequest] });
const addRequestLegacy: pulumi.ResourceTransformation = ({ props, opts }) => ({
  props: { ...props, requests: [...props.requests, page("added-by-transformation")] },
  opts,
});
new Collection(
  "transformed-legacy",
  { name: "transformed-legacy", requests: [page("transformed-legacy")] },
  { transformations: [addRequestLegacy] },
);
// replaceOnChanges added by a transform or a transformation
const replaceOnRequests: pulumi.ResourceTransform = ({ props, opts }) => ({
  props,
  opts: { ...opts, replaceOnChanges: ["requests"] },
});
new Collection(
  "roc-transform",
  { name: "roc-transform", requests: [page("${v("roc-transform/1", "roc-transform/2")}")] },
  { transforms: [replaceOnRequests] },
);
const replaceOnRequestsLegacy: pulumi.ResourceTransformation = ({ props, opts }) => ({
  props,
  opts: { ...opts, replaceOnChanges: ["requests"] },
});
new Collection(
  "roc-transformation",
  { name: "roc-transformation", requests: [page("${v("roc-transformation/1", "roc-transformation/2")}")] },
  { transformations: [replaceOnRequestsLegacy] },
);

// additionalSecretOutputs
const secretName = new Collection("secret-name", { name: "secret-name", requests: [] }, { additionalSecretOutputs: ["name"] });
export const secretNameOutput = secretName.name;

// hideDiffs
new Collection("quiet", { name: "quiet", requests: [page("${v("quiet/1", "quiet/2")}")] }, { hideDiffs: ["requests"] });

// provider and providers: a second ScrapingPros account
class ScrapingProsAccount extends pulumi.ProviderResource {
  constructor(name: string, args: { baseUrl: pulumi.Input<string>; apiKey: pulumi.Input<string> }) {
    super("pulumi-nodejs", name, { "scrapingpros:baseUrl": args.baseUrl, "scrapingpros:apiKey": args.apiKey });
  }
}
const otherAccount = new ScrapingProsAccount("other-account", {
  baseUrl: config.require("otherBaseUrl"),
  apiKey: config.requireSecret("otherApiKey"),
});
new Collection("elsewhere", { name: "elsewhere", requests: [page("elsewhere")] }, { provider: otherAccount });
class Team extends pulumi.ComponentResource {
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("acme:scrape:Team", name, {}, opts);
    new Collection(name + "-jobs", { name: name + "-jobs", requests: [] }, { parent: this });
    this.registerOutputs({});
  }
}
new Team("team", { providers: [otherAccount] });
${importId ? `\n// import\nnew Collection("imported", { name: "imported", requests: [] }, { import: "${importId}" });\n` : ""}`;
}

/** The program of replacements the engine decides (option or CLI flag), before and after the edit. */
function forcedReplacementProgram(edited: boolean): string {
  const v = (before: string, after: string) => (edited ? after : before);
  return `import { Collection } from "pulumi-scrapingpros";

const page = (path: string) => ({ url: "https://example.com/" + path });

// replaceWith: replaced when base is (base's callbackUrl changes)
const base = new Collection("base", { name: "base", requests: [page("base")], callbackUrl: "https://hooks.example.com/${v("v1", "v2")}" });
new Collection("follower", { name: "follower", requests: [page("follower")] }, { replaceWith: [base] });

// deletedWith: the engine replaces it along with base
new Collection("companion", { name: "companion", requests: [page("companion")] }, { deletedWith: base });

// replacementTrigger
new Collection("triggered", { name: "triggered", requests: [page("triggered")] }, { replacementTrigger: "${v("one", "two")}" });

// replaceOnChanges on an auto-named collection
new Collection("auto-roc", { requests: [page("${v("auto-roc/1", "auto-roc/2")}")] }, { replaceOnChanges: ["requests"] });

// replaced with \`pulumi up --replace\`
new Collection("forced", { name: "forced", requests: [page("forced")] });
`;
}

const PLACEHOLDER_ID = "5f0c7a3e-0000-4000-8000-000000000000";

describe("e2e: resource options on Collection (TypeScript programs, real CLI)", () => {
  it("every program below type-checks against the package's declarations (tsconfig of Pulumi's template)", () => {
    const project = new TsProject();
    try {
      const sources: Record<string, string> = {
        "lifecycle-v1.ts": lifecycleProgram({ edited: false }),
        "lifecycle-v2.ts": lifecycleProgram({ edited: true }),
        "lifecycle-timeouts.ts": lifecycleProgram({ edited: true, timeouts: true }),
        "lifecycle-import.ts": lifecycleProgram({ edited: true, timeouts: true, importId: PLACEHOLDER_ID }),
        "forced-v1.ts": forcedReplacementProgram(false),
        "forced-v2.ts": forcedReplacementProgram(true),
      };
      const files = Object.entries(sources).map(([name, text]) => {
        const file = path.join(project.projectDir, name);
        fs.writeFileSync(file, text);
        return file;
      });
      const { options, errors } = ts.convertCompilerOptionsFromJson(
        { ...TSCONFIG.compilerOptions, noEmit: true },
        project.projectDir,
      );
      assert.deepEqual(errors, []);
      // Each program is its own module; checking them together costs one load of the declarations.
      const program = ts.createProgram(files, options);
      const diagnostics = ts.getPreEmitDiagnostics(program);
      assert.equal(
        ts.formatDiagnostics(diagnostics, {
          getCanonicalFileName: (f) => f,
          getCurrentDirectory: () => project.projectDir,
          getNewLine: () => "\n",
        }),
        "",
      );
    } finally {
      project.dispose();
    }
  });

  describe("one stack through create, edit, timeouts, import, recovery and destroy", () => {
    let emu: RunningEmulator;
    /** The "other account" of the provider/providers rows. */
    let other: RunningEmulator;
    let project: TsProject;
    let v1Mark = 0;
    let v2Mark = 0;
    let v2Output = "";
    let v2Preview = "";
    let idsBeforeEdit = new Map<string, string>();

    before(async function () {
      this.timeout(180_000);
      emu = await startTestEmulator();
      other = await startTestEmulator();
      project = new TsProject();
      await project.init(emu, [
        "--plaintext",
        `${PROJECT}:otherBaseUrl=${other.url}`,
        "--secret",
        `${PROJECT}:otherApiKey=${TEST_KEY}`,
      ]);
      project.write(lifecycleProgram({ edited: false }));
      // Every create takes 500 ms, so that a create running alongside another (no dependency)
      // and one waiting for it (dependsOn) arrive at clearly different times.
      emu.addFault({
        method: "POST",
        path: "/v1/async/collections",
        action: "delay",
        delayMs: 500,
        times: 19,
      });
      v1Mark = lastSeq(emu);
      await project.up();
    });

    after(async () => {
      project?.dispose();
      await emu?.stop();
      await other?.stop();
    });

    it("create: one POST per collection; the name lookups of the 6 auto-named ones share list calls", async () => {
      assert.deepEqual(await pendingFaults(emu), [], "not every create was delayed: a POST too few");
      const calls = callsSince(emu, v1Mark);
      assert.equal(calls.filter((c) => c.method === "POST").length, 19);
      const lookups = calls.filter((c) => c.method !== "POST");
      assert.ok(lookups.length >= 1 && lookups.length <= 6, `${lookups.length} lookups`);
      assert.ok(lookups.every((c) => c.method === "GET" && c.path === "/v1/async/collections"));
      assert.equal(emu.collections().length, 19);
      idsBeforeEdit = new Map(emu.collections().map((c) => [c.name, c.id]));
    });

    it("dependsOn: a collection waits for the collection and for every child of the component it depends on", () => {
      const createdAt = (prefix: string): number => {
        const c = emu.collections().find((x) => x.name.startsWith(`${prefix}-`));
        assert.ok(c, `no collection ${prefix}`);
        return c.created_at;
      };
      // Every POST is held 500 ms before the emulator commits it: a dependent created alongside what
      // it depends on would be committed within milliseconds of it, one that waited 500 ms later.
      assert.ok(createdAt("second") - createdAt("first") >= 450, "second started before first existed");
      for (const child of ["tours-en", "tours-es"]) {
        assert.ok(
          createdAt("after-tours") - createdAt(child) >= 450,
          `after-tours started before ${child} existed`,
        );
      }
    });

    it("parent: the children of a component carry its type in their URN and deploy", async () => {
      const state = await project.state();
      const pipeline = state.find((r) => r.type === "acme:scrape:Pipeline");
      assert.equal(pipeline?.urn, urnOf("tours", "acme:scrape:Pipeline"));
      for (const child of ["tours-en", "tours-es"]) {
        const r = state.find((x) => x.urn === urnOf(child, `acme:scrape:Pipeline$${COLLECTION_TYPE}`));
        assert.ok(r, `no ${child} under the component`);
        assert.equal(r.parent, pipeline?.urn);
        assert.equal(stored(emu, String(r.outputs.name)).length, 1);
      }
    });

    it("transforms and legacy transformations: the collection holds the transformed declaration", () => {
      assert.deepEqual(urls(storedOne(emu, "transformed")), [
        "https://example.com/transformed",
        "https://example.com/added-by-transform",
      ]);
      assert.deepEqual(urls(storedOne(emu, "transformed-legacy")), [
        "https://example.com/transformed-legacy",
        "https://example.com/added-by-transformation",
      ]);
    });

    it("additionalSecretOutputs: the named output is a secret in the stack outputs and the state", async () => {
      const plain = JSON.parse((await project.ok(["stack", "output", "--json"])).stdout);
      assert.equal(plain.secretNameOutput, "[secret]");
      const shown = JSON.parse((await project.ok(["stack", "output", "--json", "--show-secrets"])).stdout);
      assert.equal(shown.secretNameOutput, "secret-name");
      const encrypted = (await project.state(false)).find((r) => r.urn === urnOf("secret-name"));
      assert.match(JSON.stringify(encrypted?.outputs.name), /ciphertext/);
      assert.equal(storedOne(emu, "secret-name").name, "secret-name");
    });

    it("provider and providers: a pulumi-nodejs provider with scrapingpros:* inputs deploys to its own account", async () => {
      // The other account got exactly these two creates; the stack's own account none of them.
      assert.deepEqual(describeCalls(other.requests()), [
        "POST /v1/async/collections",
        "POST /v1/async/collections",
      ]);
      assert.deepEqual(
        other
          .collections()
          .map((c) => c.name)
          .sort(),
        ["elsewhere", "team-jobs"],
      );
      assert.equal(stored(emu, "elsewhere").length + stored(emu, "team-jobs").length, 0);
      const state = await project.state();
      const provider = state.find(
        (r) => r.type === "pulumi:providers:pulumi-nodejs" && r.urn.endsWith("::other-account"),
      );
      assert.ok(provider, "no other-account provider in the state");
      for (const urn of [urnOf("elsewhere"), urnOf("team-jobs", `acme:scrape:Team$${COLLECTION_TYPE}`)]) {
        const r = state.find((x) => x.urn === urn);
        assert.ok(r?.provider?.startsWith(`${provider.urn}::`), `${urn} uses ${r?.provider}`);
      }
    });

    describe("after the edit", () => {
      before(async function () {
        this.timeout(120_000);
        project.write(lifecycleProgram({ edited: true }));
        v2Mark = lastSeq(emu);
        const preview = await project.ok(["preview", "--diff"]);
        v2Preview = preview.stdout;
        assert.equal(lastSeq(emu), v2Mark, "preview called the API");
        const up = await project.up();
        v2Output = up.stdout + up.stderr;
      });

      it("the edit: exactly the calls of the rows below, and no other collection changes", () => {
        const changes = [
          ...v2Preview.matchAll(
            /scrapingpros:Collection: \((\w[\w-]*(?:\[\w+\])?)\)\s+\[id=[^\]]*\]\s+\[urn=[^\]]*::([\w-]+)\]/g,
          ),
        ]
          .map((m) => `${m[2]}: ${m[1]}`)
          .sort();
        assert.deepEqual(changes, [
          "dbr: replace",
          "kept: delete[retain]",
          "quiet: update",
          "roc-transform: update",
          "roc-transformation: update",
          "roc-url: update",
          "roc: replace",
        ]);
        const id = (name: string) => idsBeforeEdit.get(name);
        assert.deepEqual(
          describeCalls(callsSince(emu, v2Mark)),
          [
            "POST /v1/async/collections", // dbr
            "POST /v1/async/collections", // roc
            `PUT /v1/async/collections/${id("quiet")}`,
            `PUT /v1/async/collections/${id("roc-transform")}`,
            `PUT /v1/async/collections/${id("roc-transformation")}`,
            `PUT /v1/async/collections/${id("roc-url")}`,
          ].sort(),
        );
        assert.equal(other.requests().length, 2, "the other account was called");
      });

      it("replaceOnChanges: requests edited → a new collection is created and the old one kept with a warning", async () => {
        const [older, newer] = stored(emu, "roc");
        assert.ok(older && newer, "no second roc collection");
        assert.equal(older.id, idsBeforeEdit.get("roc"));
        assert.deepEqual(urls(older), ["https://example.com/roc/1"]);
        assert.deepEqual(urls(newer), ["https://example.com/roc/2"]);
        assert.equal((await project.collections()).get("roc")?.id, newer.id);
        assert.match(
          v2Output,
          new RegExp(`collection ${older.id} \\(roc\\) was removed from the stack but still exists`),
        );
        // create before delete, the engine's default order
        assert.ok(
          v2Output.indexOf("Collection roc creating replacement") <
            v2Output.indexOf("Collection roc deleting original"),
        );
      });

      it("replaceOnChanges with requests[*].url: a custom_id-only edit stays an update (1 PUT)", () => {
        const c = storedOne(emu, "roc-url");
        assert.equal(c.id, idsBeforeEdit.get("roc-url"));
        assert.deepEqual(c.requests, [{ url: "https://example.com/roc-url/1", custom_id: "second" }]);
      });

      it("ignoreChanges [requests]: an edit of requests is no change and no call", async () => {
        assert.deepEqual(urls(storedOne(emu, "ignored")), ["https://example.com/ignored/1"]);
        const state = (await project.collections()).get("ignored");
        assert.deepEqual(state?.inputs.requests, [{ url: "https://example.com/ignored/1" }]);
      });

      it("deleteBeforeReplace: a callbackUrl change deletes (leaves the stack) first, then creates", async () => {
        const [older, newer] = stored(emu, "dbr");
        assert.ok(older && newer, "no second dbr collection");
        assert.equal(older.callback_url, "https://hooks.example.com/v1");
        assert.equal(newer.callback_url, "https://hooks.example.com/v2");
        assert.equal((await project.collections()).get("dbr")?.id, newer.id);
        const deleted = v2Output.indexOf("Collection dbr deleting original");
        const created = v2Output.indexOf("Collection dbr creating replacement");
        assert.ok(deleted >= 0 && created > deleted, "not deleted before the create");
        assert.match(
          v2Output,
          new RegExp(`collection ${older.id} \\(dbr\\) was removed from the stack but still exists`),
        );
      });

      it("retainOnDelete: removed from the program → leaves the stack, no call, no delete warning, still in the account", async () => {
        const id = idsBeforeEdit.get("kept");
        assert.ok(id);
        assert.match(v2Output, /Collection kept deleted.*\[retain\]/);
        assert.doesNotMatch(v2Output, new RegExp(id));
        assert.equal(storedOne(emu, "kept").id, id);
        assert.equal((await project.collections()).has("kept"), false);
      });

      it("aliases: a rename with an alias to the old name is no change and no call; the name stays", async () => {
        const state = (await project.collections()).get("jobs-renamed");
        assert.ok(state, "jobs-renamed is not in the state");
        const jobs = emu.collections().filter((c) => c.name.startsWith("jobs-"));
        assert.equal(jobs.length, 1);
        assert.equal(state.id, jobs[0]?.id);
        assert.equal(state.outputs.name, jobs[0]?.name);
        assert.equal((await project.collections()).has("jobs"), false);
      });

      it("replaceOnChanges added by a transform or a legacy transformation is NOT applied: an update (1 PUT each)", () => {
        // The SDK passes the constructor's replaceOnChanges to the provider; options changed later
        // by a transform(ation) reach only the engine, which cannot apply them to a dynamic provider's diff.
        for (const name of ["roc-transform", "roc-transformation"]) {
          const c = storedOne(emu, name);
          assert.equal(c.id, idsBeforeEdit.get(name));
          assert.deepEqual(urls(c), [`https://example.com/${name}/2`]);
        }
      });

      it("hideDiffs [requests]: the update happens (1 PUT) and the preview hides the requests' diff", () => {
        assert.deepEqual(urls(storedOne(emu, "quiet")), ["https://example.com/quiet/2"]);
        assert.match(v2Preview, /\[urn=[^\]]*::quiet\]\s+~ requests \(hidden\)/);
        assert.doesNotMatch(v2Preview, /example\.com\/quiet\//);
        // an unhidden one shows its change
        assert.match(v2Preview, /custom_id: "first" => "second"/);
      });

      describe("customTimeouts, import, recovery, destroy", () => {
        let timedOut: CliResult;
        let elapsedMs = 0;
        let timeoutMark = 0;

        before(async function () {
          this.timeout(60_000);
          project.write(lifecycleProgram({ edited: true, timeouts: true }));
          const slowId = storedOne(emu, "slow-update").id;
          emu.addFault({ method: "POST", path: "/v1/async/collections", action: "delay", delayMs: 10_000 });
          emu.addFault({
            method: "PUT",
            path: `/v1/async/collections/${slowId}`,
            action: "delay",
            delayMs: 10_000,
          });
          timeoutMark = lastSeq(emu);
          const up = project.spawn(["up", "--yes", "--skip-preview"]);
          await waitFor(
            "the delayed create and update",
            () => callsSince(emu, timeoutMark).length >= 2,
            60_000,
          );
          const arrived = Date.now();
          timedOut = await up.result;
          elapsedMs = Date.now() - arrived;
        });

        it("customTimeouts create/update 2s: a hung API fails the operation after ~2 s with 'timed out'", () => {
          const out = timedOut.stdout + timedOut.stderr;
          assert.notEqual(timedOut.code, 0);
          const slowId = storedOne(emu, "slow-update").id;
          for (const call of ["POST /v1/async/collections", `PUT /v1/async/collections/${slowId}`]) {
            // The whole operation's deadline, where it came from, and the attempts made within it.
            const m = out.match(
              new RegExp(
                `${call}: timed out, no answer from the API after (\\d+) attempts? within the call's deadline of (\\d+) ms, from the resource's customTimeouts`,
              ),
            );
            assert.ok(m, `no timeout of ${call} in:\n${out}`);
            assert.ok(Number(m[1]) >= 1, m[0]);
            // the declared customTimeouts (2s), not what remained of it when the call began
            assert.equal(Number(m[2]), 2000, m[0]);
          }
          // the CLI was done well before the API would have answered (10 s)
          assert.ok(elapsedMs < 5000, `up took ${elapsedMs} ms after the calls arrived`);
          assert.deepEqual(
            callsSince(emu, timeoutMark)
              .map((c) => [c.method, c.fault])
              .sort(),
            [
              ["POST", "delay"],
              ["PUT", "delay"],
            ],
          );
          // nothing was applied before the deadline
          assert.equal(stored(emu, "slow-create").length, 0);
          assert.deepEqual(urls(storedOne(emu, "slow-update")), ["https://example.com/slow/1"]);
        });

        it("import: preview fails with the message pointing at adoptId, and makes no call", async () => {
          const keptId = idsBeforeEdit.get("kept") as string;
          project.write(lifecycleProgram({ edited: true, timeouts: true, importId: keptId }));
          const mark = lastSeq(emu);
          const r = await project.run(["preview"]);
          assert.notEqual(r.code, 0);
          assert.match(
            r.stdout + r.stderr,
            new RegExp(
              `Collection "imported": the \`import\` resource option does not work for dynamic resources ` +
                `\\(pulumi/pulumi#16175\\); adopt the existing collection with \`adoptId: "${keptId}"\``,
            ),
          );
          assert.equal(lastSeq(emu), mark);
        });

        it("customTimeouts, after the API finished late: the rerun adopts the replayed create (1 POST replayed + 2 PUT), no duplicate", async function () {
          this.timeout(60_000);
          project.write(lifecycleProgram({ edited: true, timeouts: true }));
          // the delayed requests were processed after the client had given up
          await waitFor("the late create", () => stored(emu, "slow-create").length === 1);
          await waitFor(
            "the late update",
            () => urls(storedOne(emu, "slow-update"))[0] === "https://example.com/slow/2",
          );
          const mark = lastSeq(emu);
          await project.up();
          const calls = callsSince(emu, mark);
          const created = storedOne(emu, "slow-create");
          const updated = storedOne(emu, "slow-update");
          assert.deepEqual(
            describeCalls(calls),
            [
              "POST /v1/async/collections",
              `PUT /v1/async/collections/${created.id}`,
              `PUT /v1/async/collections/${updated.id}`,
            ].sort(),
          );
          assert.equal(calls.find((c) => c.method === "POST")?.replayed, true);
          assert.deepEqual(urls(created), ["https://example.com/slow/new"]);
          const state = await project.collections();
          assert.equal(state.get("slow-create")?.id, created.id);
          // the whole program (aliases, parents, providers, transforms included) now previews clean
          const clean = lastSeq(emu);
          await project.ok(["preview", "--expect-no-changes"]);
          assert.equal(lastSeq(emu), clean);
        });

        it("protect: destroy fails with Pulumi's protect error; the protected collection stays in the stack; 0 calls", async () => {
          const mark = lastSeq(emu);
          const held = emu.collections().length;
          const r = await project.run(["destroy", "--yes", "--skip-preview"]);
          assert.notEqual(r.code, 0);
          assert.match(
            r.stdout + r.stderr,
            new RegExp(
              `resource "${urnOf("guarded").replace(/\$/g, "\\$")}" cannot be deleted\\s+because it is protected`,
            ),
          );
          assert.equal(lastSeq(emu), mark);
          assert.equal(other.requests().length, 2);
          assert.equal(emu.collections().length, held);
          const left = await project.collections();
          assert.equal(left.get("guarded")?.id, idsBeforeEdit.get("guarded"));
          assert.equal(left.get("guarded")?.protect, true);
        });
      });
    });
  });

  describe("replacements the engine decides (not asked for by a changed input)", () => {
    let emu: RunningEmulator;
    let project: TsProject;
    let before1 = new Map<string, { id: string; name: string }>();
    let after2 = new Map<string, { id: string; name: string }>();
    let mark = 0;

    before(async function () {
      this.timeout(120_000);
      emu = await startTestEmulator();
      project = new TsProject();
      await project.init(emu);
      project.write(forcedReplacementProgram(false));
      await project.up();
      const snapshot = async () =>
        new Map(
          [...(await project.collections())].map(([k, r]) => [
            k,
            { id: String(r.id), name: String(r.outputs.name) },
          ]),
        );
      before1 = await snapshot();
      project.write(forcedReplacementProgram(true));
      mark = lastSeq(emu);
      await project.up(["--replace", urnOf("forced")]);
      after2 = await snapshot();
    });

    after(async () => {
      project?.dispose();
      await emu?.stop();
    });

    /** The replacement is a new collection holding the declaration; the old one is still in the account. */
    const assertReplaced = (name: string, url: string) => {
      const old = before1.get(name);
      const now = after2.get(name);
      assert.ok(old && now);
      assert.notEqual(now.id, old.id, `${name}: the "replacement" is the old collection ${old.id}`);
      const byId = new Map(emu.collections().map((c) => [c.id, c]));
      assert.ok(byId.has(old.id), "the old collection is gone");
      assert.deepEqual(urls(byId.get(now.id) ?? { requests: [] }), [url]);
    };

    it("a changed callbackUrl (the baseline): a new collection", () => {
      assertReplaced("base", "https://example.com/base");
      assert.equal(
        emu.collections().find((c) => c.id === after2.get("base")?.id)?.callback_url,
        "https://hooks.example.com/v2",
      );
    });

    it("replaceWith: replaced with base → a new collection", () => {
      assertReplaced("follower", "https://example.com/follower");
    });

    it("deletedWith base: replaced along with base → a new collection", () => {
      assertReplaced("companion", "https://example.com/companion");
    });

    it("replacementTrigger: a changed trigger → a new collection", () => {
      assertReplaced("triggered", "https://example.com/triggered");
    });

    it("pulumi up --replace <urn>: re-attaches to the same collection (documented limitation)", () => {
      // The engine checks a --replace target without its old inputs, exactly like the rerun of an
      // interrupted first create, which must find its collection again: the provider cannot tell
      // them apart, so the "replacement" is the same collection, re-applied with one PUT.
      const old = before1.get("forced");
      assert.ok(old);
      assert.equal(after2.get("forced")?.id, old.id);
      assert.deepEqual(urls(emu.collections().find((c) => c.id === old.id) ?? { requests: [] }), [
        "https://example.com/forced",
      ]);
    });

    it("replaceOnChanges on an auto-named collection: a new collection with a new name", () => {
      assertReplaced("auto-roc", "https://example.com/auto-roc/2");
      assert.notEqual(after2.get("auto-roc")?.name, before1.get("auto-roc")?.name);
    });

    it("each replacement the provider is told of is one create that is not a replay; --replace is a replay + PUT", () => {
      const writes = callsSince(emu, mark)
        .filter((c) => c.method !== "GET")
        .map((c) => `${c.method} ${c.path}${c.replayed ? " (replayed)" : ""}`)
        .sort();
      assert.deepEqual(writes, [
        ...Array(5).fill("POST /v1/async/collections"),
        "POST /v1/async/collections (replayed)",
        `PUT /v1/async/collections/${before1.get("forced")?.id}`,
      ]);
    });
  });
});
