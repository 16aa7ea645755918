/**
 * The install matrix: the package as users get it. `npm pack` makes one tarball;
 * each layout is a project in a fresh folder outside this repository that installs that tarball
 * (and `@pulumi/pulumi`, at the version this repository uses, so installs are served from the
 * package managers' caches) with its own package manager, then runs the real CLI against an
 * emulator: `up`, a preview that changes nothing and calls nothing, `refresh` (one GET), `destroy`.
 *
 * The dynamic-provider process loads `pulumi-scrapingpros/provider` by package name from the
 * directory the engine starts it in (the project's folder, or the one an Automation API program runs in), so
 * each layout checks that this resolves. pnpm's store and yarn's cache live in the git-ignored
 * `.tools/` folder, so runs after the first are offline.
 *
 * The native plugin's route: the tarball installed with npm, `npx pulumi-scrapingpros
 * plugin install`, the npm project removed, and a Pulumi YAML project elsewhere that loads the plugin
 * from Pulumi's plugin cache (tests/helpers/native-plugin.ts: what that project deploys).
 */
import * as assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { pulumiBinDir } from "../helpers/e2e";
import { startTestEmulator, TEST_KEY } from "../helpers/emulator";
import { nativeCycle } from "../helpers/native-plugin";
import { installEnv } from "../helpers/packages";
import { type CliResult, changesOf, pulumiEnv, spawnPulumi, succeeded } from "../helpers/pulumi";
import { apiCallsSince, COLLECTION_TYPE } from "../helpers/user-project";

const REPO = path.resolve(__dirname, "..", "..");
const BIN = path.join(REPO, "node_modules", ".bin");
const versionOf = (pkg: string): string =>
  (
    JSON.parse(fs.readFileSync(path.join(REPO, "node_modules", pkg, "package.json"), "utf8")) as {
      version: string;
    }
  ).version;
const PULUMI_SDK = `@pulumi/pulumi@${versionOf("@pulumi/pulumi")}`;
const TYPESCRIPT = [`typescript@${versionOf("typescript")}`, `@types/node@${versionOf("@types/node")}`];

/** Runs a command to completion in its own process group; throws with its output when it fails. */
function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = installEnv(),
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(cmd, args, {
      cwd,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const r = { code, signal, stdout, stderr };
      if (code === 0) resolve(r);
      else
        reject(
          new Error(`${cmd} ${args.join(" ")} (in ${cwd}) exited ${code ?? signal}\n${stdout}\n${stderr}`),
        );
    });
  });
}

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

const JS_PROGRAM = `"use strict";
const { Collection } = require("pulumi-scrapingpros");
const tours = new Collection("tours", {
  requests: [{ url: "https://example.com/tours/1", custom_id: "en", browser: true }],
});
exports.collectionId = tours.id;
exports.collectionName = tours.name;
`;

const TS_PROGRAM = `import { Collection } from "pulumi-scrapingpros";

const tours = new Collection("tours", {
  requests: [{ url: "https://example.com/tours/1", custom_id: "en", browser: true }],
});
export const collectionId = tours.id;
export const collectionName = tours.name;
`;

/** `pnpm <args>` in `dir`, with its store in the ignored .tools/ folder (offline after the first run). */
function pnpm(dir: string, args: string[]): Promise<CliResult> {
  return run(
    path.join(BIN, "pnpm"),
    [
      ...args,
      "--prefer-offline",
      "--store-dir",
      path.join(REPO, ".tools", "pnpm-store"),
      // pnpm 11+ stops on a dependency's unapproved build script: protobufjs's (under @pulumi/pulumi)
      // only prints a notice, so it is denied, as the README says.
      "--allow-build",
      "!protobufjs",
    ],
    dir,
  );
}

/** A Pulumi project (Pulumi.yaml, package.json, program) in `dir`. */
function writeProject(
  dir: string,
  name: string,
  language: "js" | "ts",
  deps: Record<string, string> = {},
): void {
  fs.mkdirSync(dir, { recursive: true });
  const runtime =
    language === "ts"
      ? "runtime:\n  name: nodejs\n  options:\n    typescript: true\n"
      : "runtime: nodejs\nmain: index.js\n";
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `name: ${name}\n${runtime}`);
  writeJson(path.join(dir, "package.json"), {
    name,
    private: true,
    main: `index.${language}`,
    dependencies: deps,
  });
  if (language === "ts") {
    fs.writeFileSync(path.join(dir, "index.ts"), TS_PROGRAM);
    writeJson(path.join(dir, "tsconfig.json"), {
      compilerOptions: {
        strict: true,
        target: "es2020",
        module: "commonjs",
        moduleResolution: "node",
        skipLibCheck: true,
      },
      files: ["index.ts"],
    });
  } else {
    fs.writeFileSync(path.join(dir, "index.js"), JS_PROGRAM);
  }
}

/**
 * Where `pulumi-scrapingpros/provider` resolves from `dir`, as the dynamic-provider process resolves
 * it: a node started in `dir` (in this process, Node would take the name as this package's own).
 */
function resolvedFrom(dir: string): string {
  const file = execFileSync(
    process.execPath,
    ["-e", 'console.log(require.resolve("pulumi-scrapingpros/provider"))'],
    { cwd: dir, encoding: "utf8" },
  ).trim();
  return fs.realpathSync(path.resolve(path.dirname(file), "..", ".."));
}

describe("e2e: install matrix", function () {
  this.timeout(300_000);
  let tarball: string;
  let packDir: string;
  let binDir: string;
  const dirs: string[] = [];

  before(async () => {
    binDir = pulumiBinDir();
    assert.ok(fs.existsSync(path.join(REPO, "dist", "sdk", "index.js")), "run `npm run build` first");
    packDir = fs.mkdtempSync(path.join(os.tmpdir(), "sp-pack-"));
    const out = execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", packDir], {
      cwd: REPO,
      encoding: "utf8",
      env: installEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const [report] = JSON.parse(out) as { filename: string }[];
    assert.ok(report);
    tarball = path.join(packDir, report.filename);
    assert.ok(fs.existsSync(tarball));
  });
  after(() => {
    for (const d of [...dirs, packDir]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  /** A fresh folder outside the repository. */
  function freshDir(prefix: string): string {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), `sp-${prefix}-`));
    dirs.push(d);
    assert.ok(!fs.realpathSync(d).startsWith(`${fs.realpathSync(REPO)}${path.sep}`));
    return d;
  }

  /**
   * up, a preview with no change and no API call, refresh (one GET, no change), destroy (the stack
   * is empty; the collection stays in the account, as the API has no delete) with the CLI in
   * `projectDir`, whose state and Pulumi home are under `home`.
   */
  async function deployCycle(projectDir: string, home: string): Promise<void> {
    const emu = await startTestEmulator();
    const env = { ...pulumiEnv(binDir, home), SP_UPSTREAM_LAUNCHER: "1" };
    const transcript: string[] = [];
    const cli = async (args: string[]) =>
      succeeded(args, await spawnPulumi(args, projectDir, env, transcript).result);
    try {
      await cli(["stack", "init", "dev"]);
      await cli(["config", "set", "scrapingpros:baseUrl", emu.url]);
      await cli(["config", "set", "--secret", "scrapingpros:apiKey", TEST_KEY]);

      await cli(["up", "--yes", "--skip-preview"]);
      assert.equal(emu.collections().length, 1);
      const held = emu.collections()[0];
      const outputs = JSON.parse((await cli(["stack", "output", "--json"])).stdout) as Record<string, string>;
      assert.equal(outputs.collectionId, held?.id);

      let mark = emu.requests().length;
      const preview = JSON.parse((await cli(["preview", "--json"])).stdout) as {
        changeSummary?: Record<string, number>;
      };
      assert.deepEqual(changesOf(preview.changeSummary ?? {}), {});
      assert.deepEqual(apiCallsSince(emu, mark), []);

      mark = emu.requests().length;
      const refresh = (await cli(["refresh", "--yes", "--skip-preview", "--json"])).stdout;
      const summary = refresh
        .split("\n")
        .filter((l) => l.includes('"summaryEvent"'))
        .map((l) => JSON.parse(l) as { summaryEvent: { resourceChanges?: Record<string, number> } })[0];
      assert.ok(summary, `no summary in refresh output:\n${refresh}`);
      assert.deepEqual(changesOf(summary.summaryEvent.resourceChanges ?? {}), {});
      assert.deepEqual(apiCallsSince(emu, mark), [`GET /v1/async/collections/${held?.id}`]);

      mark = emu.requests().length;
      await cli(["destroy", "--yes", "--skip-preview"]);
      const state = JSON.parse((await cli(["stack", "export"])).stdout) as {
        deployment: { resources?: { type: string }[] };
      };
      assert.deepEqual(
        (state.deployment.resources ?? []).filter((r) => r.type === COLLECTION_TYPE),
        [],
      );
      assert.equal(emu.collections().length, 1, "the API has no delete: the collection stays");
      assert.deepEqual(apiCallsSince(emu, mark), []);
    } finally {
      emu.release();
      await emu.stop();
    }
  }

  it("npm: a TypeScript project with the package in its own node_modules", async () => {
    const dir = freshDir("npm");
    const project = path.join(dir, "project");
    writeProject(project, "npm-scrapers", "ts");
    await run(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball, PULUMI_SDK, ...TYPESCRIPT],
      project,
    );
    assert.equal(
      resolvedFrom(project),
      fs.realpathSync(path.join(project, "node_modules", "pulumi-scrapingpros")),
    );
    await deployCycle(project, dir);
  });

  it("the native plugin: npm install of the tarball, npx pulumi-scrapingpros plugin install, the npm project removed, a YAML project elsewhere loads the plugin from the cache", async () => {
    const dir = freshDir("plugin");
    const tools = path.join(dir, "tools");
    writeJson(path.join(tools, "package.json"), { name: "tools", private: true });
    await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball], tools);
    const version = (
      JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as { version: string }
    ).version;
    const env = { ...installEnv(), ...pulumiEnv(binDir, dir) };
    const installed = await run("npx", ["--no", "pulumi-scrapingpros", "plugin", "install"], tools, env);
    const cache = path.join(dir, "home", "plugins", `resource-scrapingpros-v${version}`);
    assert.ok(
      installed.stdout.includes(`installed resource plugin scrapingpros ${version} in ${cache}.\n`),
      installed.stdout,
    );
    // The plugin needs Node.js and nothing else: no package, no node_modules left on the machine.
    fs.rmSync(tools, { recursive: true, force: true });
    await nativeCycle(path.join(dir, "project"), env, version);
  });

  it("npm workspace: dependencies hoisted to the workspace root, the Pulumi project in infra/", async () => {
    const dir = freshDir("workspace");
    const root = path.join(dir, "monorepo");
    writeJson(path.join(root, "package.json"), { name: "monorepo", private: true, workspaces: ["infra"] });
    const infra = path.join(root, "infra");
    writeProject(infra, "infra", "js", {
      "pulumi-scrapingpros": `file:${tarball}`,
      "@pulumi/pulumi": PULUMI_SDK.split("@").pop() as string,
    });
    await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], root);
    assert.ok(!fs.existsSync(path.join(infra, "node_modules", "pulumi-scrapingpros")), "not hoisted");
    assert.equal(
      resolvedFrom(infra),
      fs.realpathSync(path.join(root, "node_modules", "pulumi-scrapingpros")),
    );
    await deployCycle(infra, dir);
  });

  it("pnpm: the default isolated layout (symlinks into node_modules/.pnpm)", async () => {
    const dir = freshDir("pnpm");
    const project = path.join(dir, "project");
    writeProject(project, "pnpm-scrapers", "js");
    await pnpm(project, ["add", tarball, PULUMI_SDK]);
    assert.ok(fs.lstatSync(path.join(project, "node_modules", "pulumi-scrapingpros")).isSymbolicLink());
    assert.match(resolvedFrom(project), /[\\/]\.pnpm[\\/]/);
    await deployCycle(project, dir);
  });

  it("pnpm with the package only as a dependency of a dependency: up stops, naming the fix, which works", async () => {
    const dir = freshDir("pnpm-transitive");
    const lib = path.join(dir, "acme-infra-lib");
    writeJson(path.join(lib, "package.json"), {
      name: "acme-infra-lib",
      version: "1.0.0",
      main: "index.js",
      dependencies: {
        "pulumi-scrapingpros": `file:${tarball}`,
        "@pulumi/pulumi": PULUMI_SDK.split("@").pop(),
      },
    });
    fs.writeFileSync(
      path.join(lib, "index.js"),
      'const { Collection } = require("pulumi-scrapingpros");\n' +
        'exports.tours = () => new Collection("tours", { requests: [{ url: "https://example.com/tours/1" }] });\n',
    );
    const project = path.join(dir, "project");
    writeProject(project, "pnpm-transitive", "js", { "acme-infra-lib": "file:../acme-infra-lib" });
    fs.writeFileSync(
      path.join(project, "index.js"),
      'const tours = require("acme-infra-lib").tours();\nexports.collectionId = tours.id;\n',
    );
    await pnpm(project, ["add", PULUMI_SDK]);
    assert.ok(!fs.existsSync(path.join(project, "node_modules", "pulumi-scrapingpros")), "pnpm hoisted it");

    const emu = await startTestEmulator();
    const env = { ...pulumiEnv(binDir, dir), SP_UPSTREAM_LAUNCHER: "1" };
    const transcript: string[] = [];
    const cli = (args: string[]) => spawnPulumi(args, project, env, transcript).result;
    try {
      succeeded(["stack", "init"], await cli(["stack", "init", "dev"]));
      succeeded(["config"], await cli(["config", "set", "scrapingpros:baseUrl", emu.url]));
      succeeded(["config"], await cli(["config", "set", "--secret", "scrapingpros:apiKey", TEST_KEY]));
      const failed = await cli(["up", "--yes", "--skip-preview"]);
      assert.notEqual(failed.code, 0);
      const said = (failed.stdout + failed.stderr).replace(/\s+/g, " ");
      assert.match(
        said,
        /the dynamic-provider process runs in \S*project and loads its modules by package name/,
      );
      assert.match(said, /"pulumi-scrapingpros\/provider" \(Cannot find module/);
      assert.match(said, /pnpm add pulumi-scrapingpros @pulumi\/pulumi/);
      assert.deepEqual(apiCallsSince(emu, 0), []);

      // The fix the error names: the package as a direct dependency of the project.
      await pnpm(project, ["add", tarball]);
      succeeded(["up"], await cli(["up", "--yes", "--skip-preview"]));
      assert.equal(emu.collections().length, 1);
      succeeded(["destroy"], await cli(["destroy", "--yes", "--skip-preview"]));
    } finally {
      emu.release();
      await emu.stop();
    }
  });

  it("yarn (classic, node_modules)", async () => {
    const dir = freshDir("yarn");
    const project = path.join(dir, "project");
    writeProject(project, "yarn-scrapers", "js");
    const registry = execFileSync("npm", ["config", "get", "registry"], {
      encoding: "utf8",
      env: installEnv(),
    }).trim();
    await run(
      path.join(BIN, "yarn"),
      [
        "add",
        "--prefer-offline",
        "--non-interactive",
        "--registry",
        registry,
        "--cache-folder",
        path.join(REPO, ".tools", "yarn-cache"),
        `file:${tarball}`,
        PULUMI_SDK,
      ],
      project,
    );
    assert.equal(
      resolvedFrom(project),
      fs.realpathSync(path.join(project, "node_modules", "pulumi-scrapingpros")),
    );
    await deployCycle(project, dir);
  });

  describe("Automation API inline program (no Pulumi.yaml)", () => {
    let project: string;
    let dir: string;
    /** The automation script: `node deploy.js <up|preview|refresh|destroy>` prints one JSON line. */
    const SCRIPT = `"use strict";
const { LocalWorkspace } = require("@pulumi/pulumi/automation");
const { Collection } = require("pulumi-scrapingpros");

const program = async () => {
  const tours = new Collection("tours", { requests: [{ url: "https://example.com/tours/1", custom_id: "en" }] });
  return { collectionId: tours.id };
};

async function main(op) {
  const stack = await LocalWorkspace.createOrSelectStack({ stackName: "dev", projectName: "inline-scrapers", program });
  await stack.setConfig("scrapingpros:baseUrl", { value: process.env.EMULATOR_URL });
  await stack.setConfig("scrapingpros:apiKey", { value: process.env.EMULATOR_KEY, secret: true });
  let result;
  if (op === "up") result = (await stack.up()).summary.resourceChanges;
  else if (op === "preview") result = (await stack.preview()).changeSummary;
  else if (op === "refresh") result = (await stack.refresh()).summary.resourceChanges;
  else if (op === "destroy") result = (await stack.destroy()).summary.resourceChanges;
  console.log(JSON.stringify({ op, result }));
}

main(process.argv[2]).catch((e) => {
  console.error(String(e && e.message ? e.message : e));
  process.exit(1);
});
`;

    before(async () => {
      dir = freshDir("inline");
      project = path.join(dir, "app");
      fs.mkdirSync(project);
      writeJson(path.join(project, "package.json"), { name: "inline-app", private: true });
      fs.writeFileSync(path.join(project, "deploy.js"), SCRIPT);
      await run(
        "npm",
        ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball, PULUMI_SDK],
        project,
      );
    });

    /** `node <app>/deploy.js <op>` started in `cwd` (the app's folder unless said otherwise). */
    const script = (op: string, emu: RunningEmulator, cwd = project): Promise<CliResult> => {
      const env = {
        ...pulumiEnv(binDir, dir),
        SP_UPSTREAM_LAUNCHER: "1",
        EMULATOR_URL: emu.url,
        EMULATOR_KEY: TEST_KEY,
      };
      return run(process.execPath, [path.join(project, "deploy.js"), op], cwd, env);
    };
    const resultOf = (r: CliResult) =>
      (JSON.parse(r.stdout.trim().split("\n").pop() as string) as { result: Record<string, number> }).result;

    it("started in the app's folder (temporary workDir): up, a preview with no call, refresh, destroy", async () => {
      const emu = await startTestEmulator();
      try {
        assert.deepEqual(changesOf(resultOf(await script("up", emu))), { create: 3 });
        assert.equal(emu.collections().length, 1);
        let mark = emu.requests().length;
        assert.deepEqual(changesOf(resultOf(await script("preview", emu))), {});
        assert.deepEqual(apiCallsSince(emu, mark), []);
        mark = emu.requests().length;
        assert.deepEqual(changesOf(resultOf(await script("refresh", emu))), {});
        assert.deepEqual(apiCallsSince(emu, mark), [`GET /v1/async/collections/${emu.collections()[0]?.id}`]);
        assert.deepEqual(changesOf(resultOf(await script("destroy", emu))), { delete: 3 });
      } finally {
        emu.release();
        await emu.stop();
      }
    });

    it("started in another folder, up fails before any call, naming the folder, the module and the fix", async () => {
      const emu = await startTestEmulator();
      try {
        const elsewhere = path.join(dir, "elsewhere");
        fs.mkdirSync(elsewhere, { recursive: true });
        const failed = await script("up", emu, elsewhere).then(
          () => undefined,
          (e: Error) => e.message,
        );
        assert.ok(failed, "up succeeded from a folder without node_modules");
        assert.match(failed, /the dynamic-provider process runs in \S*elsewhere/);
        assert.match(failed, /"pulumi-scrapingpros\/provider" \(Cannot find module/);
        assert.match(failed, /Fix: run Pulumi \(or start an Automation API program\) in the folder/);
        assert.deepEqual(apiCallsSince(emu, 0), []);
        assert.equal(emu.collections().length, 0);
      } finally {
        emu.release();
        await emu.stop();
      }
    });
  });
});
