/**
 * Conformance of the repository's Node.js language host (scripts/pulumi-cli/language-nodejs) with
 * upstream's (pulumi/pulumi sdk/nodejs/cmd/pulumi-language-nodejs): small real Pulumi programs run
 * by the built CLI report what they see through stack outputs, and the CLI's exit status and
 * messages are checked. Then a `pulumi up` is SIGKILLed mid-create, and every plugin process it
 * started must exit within seconds.
 */
import * as assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { pulumiBinDir, startStack } from "../helpers/e2e";
import {
  describeProcesses,
  isRunning,
  killAll,
  kindOf,
  liveParent,
  type ProcessInfo,
  processesWithEnv,
  waitForExit,
} from "../helpers/processes";
import { type CliResult, linkRepoModules, pulumiEnv, spawnPulumi, succeeded } from "../helpers/pulumi";

/** The program most cases run: it reports what the runtime gave it. */
const REPORT_JS = `"use strict";
const pulumi = require("@pulumi/pulumi");
const cfg = new pulumi.Config();
const other = new pulumi.Config("other");
console.log("SP_DRY_RUN=" + pulumi.runtime.isDryRun());
const unset = (v) => (v === undefined ? "<unset>" : v);
module.exports = {
  x: unset(cfg.get("x")),
  n: unset(cfg.getNumber("n")),
  b: unset(cfg.getBoolean("b")),
  obj: unset(cfg.getObject("obj")),
  list: unset(cfg.getObject("list")),
  s: cfg.get("s") === undefined ? "<unset>" : cfg.requireSecret("s"),
  other: unset(other.get("key")),
  project: pulumi.getProject(),
  stack: pulumi.getStack(),
  organization: pulumi.getOrganization(),
  rootDirectory: pulumi.runtime.getRootDirectory(),
  cwd: process.cwd(),
  file: __filename,
  rawConfig: process.env.PULUMI_CONFIG,
  configKeys: Object.keys(JSON.parse(process.env.PULUMI_CONFIG)).sort(),
  secretKeys: JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS),
  parallel: unset(process.env.PULUMI_NODEJS_PARALLEL),
  typescript: unset(process.env.PULUMI_NODEJS_TYPESCRIPT),
  tsRegistered: require.extensions[".ts"] !== undefined,
  execArgv: process.execArgv,
};
`;

type Outputs = Record<string, unknown>;

/** A throwaway project with its own file backend and Pulumi home. */
class Project {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "sp-lh-"));
  readonly root = path.join(this.dir, "project");
  readonly env: NodeJS.ProcessEnv;
  readonly transcript: string[] = [];

  /** `files`: path → content; `link`: give it the repository's node_modules. */
  constructor(files: Record<string, string>, link = true) {
    for (const [file, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(this.root, file)), { recursive: true });
      fs.writeFileSync(path.join(this.root, file), content);
    }
    if (link) linkRepoModules(this.root);
    this.env = pulumiEnv(pulumiBinDir(), this.dir);
  }

  run(args: string[]): Promise<CliResult> {
    return spawnPulumi(args, this.root, this.env, this.transcript).result;
  }

  async ok(args: string[]): Promise<CliResult> {
    return succeeded(args, await this.run(args));
  }

  /** `pulumi stack init <stack>`, then `pulumi config set <args>` for each entry. */
  async stack(name: string, config: string[][] = []): Promise<void> {
    await this.ok(["stack", "init", name]);
    for (const args of config) await this.ok(["config", "set", "--stack", name, ...args]);
  }

  async outputs(stack: string, showSecrets = true): Promise<Outputs> {
    const r = await this.ok([
      "stack",
      "output",
      "--json",
      "--stack",
      stack,
      ...(showSecrets ? ["--show-secrets"] : []),
    ]);
    return JSON.parse(r.stdout) as Outputs;
  }

  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

const yaml = (name: string, extra = ""): string => `name: ${name}\nruntime: nodejs\n${extra}`;
const pkg = (extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ name: "sp-lh", private: true, ...extra });

/** Runs `work` for each item, at most `limit` at a time. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: limit }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }),
  );
}

describe("e2e: the Node.js language host behaves like upstream's", () => {
  const projects: Project[] = [];
  const track = (p: Project): Project => {
    projects.push(p);
    return p;
  };
  after(() => {
    for (const p of projects) p.dispose();
  });

  // Every program of the conformance list, deployed up front (three at a time) by `before`; each
  // test then checks what its deployment reported.
  const conf = track(
    new Project({
      "Pulumi.yaml": yaml("sp-lh", "main: index.js\n"),
      "package.json": pkg(),
      "index.js": REPORT_JS,
    }),
  );
  const subdir = track(
    new Project({
      "Pulumi.yaml": yaml("sp-lh-subdir", "main: app/\n"),
      "package.json": pkg(),
      "app/index.js": REPORT_JS,
    }),
  );
  const file = track(
    new Project({
      "Pulumi.yaml": yaml("sp-lh-file", "main: src/entry.js\n"),
      "package.json": pkg(),
      "src/entry.js": REPORT_JS,
    }),
  );
  const pkgMain = track(
    new Project({
      "Pulumi.yaml": yaml("sp-lh-pkgmain"),
      "package.json": pkg({ main: "lib/start.js" }),
      "lib/start.js": REPORT_JS,
    }),
  );
  const ts = track(
    new Project({
      "Pulumi.yaml": yaml("sp-lh-ts").replace(
        "runtime: nodejs\n",
        "runtime:\n  name: nodejs\n  options:\n    tsconfig: tsconfig.pulumi.json\n",
      ),
      "package.json": pkg(),
      "tsconfig.pulumi.json": JSON.stringify({
        compilerOptions: { strict: true, target: "ES2022", module: "commonjs", types: ["node"] },
      }),
      "index.ts": `import * as pulumi from "@pulumi/pulumi";
interface Seen { typed: number; project: string; typescript: string | undefined; tsconfig: string | undefined }
const seen: Seen = {
  typed: [1, 2, 3].reduce((a: number, b: number) => a + b, 0),
  project: pulumi.getProject(),
  typescript: process.env.PULUMI_NODEJS_TYPESCRIPT,
  tsconfig: process.env.PULUMI_NODEJS_TSCONFIG_PATH,
};
export const report = { ...seen, file: __filename, tsRegistered: require.extensions[".ts"] !== undefined };
`,
    }),
  );
  const noTs = track(
    new Project({
      "Pulumi.yaml": yaml("sp-lh-nots").replace(
        "runtime: nodejs\n",
        'runtime:\n  name: nodejs\n  options:\n    typescript: false\n    nodeargs: "--max-old-space-size=512 --no-deprecation"\n',
      ),
      "package.json": pkg(),
      "index.js": REPORT_JS,
    }),
  );
  const esm = track(
    new Project({
      "Pulumi.yaml": yaml("sp-lh-esm"),
      "package.json": pkg({ type: "module", main: "index.js" }),
      "index.js": `import * as pulumi from "@pulumi/pulumi";
export const stack = pulumi.getStack();
export const x = new pulumi.Config().require("x");
`,
    }),
  );
  const throws = track(
    new Project({
      "Pulumi.yaml": yaml("sp-lh-throws"),
      "package.json": pkg(),
      "index.js": `const pulumi = require("@pulumi/pulumi");\nnew pulumi.Config().get("x");\nthrow new Error("boom from the program");\n`,
    }),
  );
  const rejects = track(
    new Project({
      "Pulumi.yaml": yaml("sp-lh-rejects"),
      "package.json": pkg(),
      "index.js": `require("@pulumi/pulumi");\nmodule.exports = async () => { throw new Error("async boom"); };\n`,
    }),
  );
  const exits3 = track(
    new Project({
      "Pulumi.yaml": yaml("sp-lh-exit3"),
      "package.json": pkg(),
      "index.js": `require("@pulumi/pulumi");\nprocess.exit(3);\n`,
    }),
  );
  const bails = track(
    new Project({
      "Pulumi.yaml": yaml("sp-lh-bail"),
      "package.json": pkg(),
      "index.js": `require("@pulumi/pulumi");\nconsole.error("already reported: the program explains itself");\nprocess.exit(32);\n`,
    }),
  );
  const noSdk = track(
    new Project(
      {
        "Pulumi.yaml": yaml("sp-lh-nosdk"),
        "package.json": pkg(),
        "index.js": `require("@pulumi/pulumi");\n`,
      },
      false,
    ),
  );

  const results = new Map<string, CliResult>();
  const outputs = new Map<string, Outputs>();

  before(async function () {
    this.timeout(240_000);
    pulumiBinDir();
    const full = [
      ["x", "hello"],
      ["n", "42"],
      ["b", "true"],
      ["--path", "obj.inner.k", "v"],
      ["--path", "obj.count", "3"],
      ["--path", "list[0]", "a"],
      ["--path", "list[1]", "b"],
      ["--secret", "s", "hush"],
      ["other:key", "namespaced"],
    ];
    const jobs: [string, () => Promise<void>][] = [
      [
        "bare",
        async () => {
          await conf.stack("bare");
          results.set("preview", await conf.run(["preview", "--stack", "bare"]));
          results.set(
            "bare",
            await conf.run(["up", "--yes", "--skip-preview", "--stack", "bare", "--parallel", "3"]),
          );
          outputs.set("bare", await conf.outputs("bare"));
        },
      ],
      [
        "full",
        async () => {
          await conf.stack("full", full);
          results.set("full", await conf.run(["up", "--yes", "--skip-preview", "--stack", "full"]));
          outputs.set("full", await conf.outputs("full"));
          outputs.set("full-masked", await conf.outputs("full", false));
        },
      ],
      ...(
        [
          ["subdir", subdir],
          ["file", file],
          ["pkgMain", pkgMain],
          ["ts", ts],
          ["noTs", noTs],
        ] as const
      ).map(([name, p]): [string, () => Promise<void>] => [
        name,
        async () => {
          await p.stack("dev");
          results.set(name, await p.run(["up", "--yes", "--skip-preview"]));
          outputs.set(name, await p.outputs("dev"));
        },
      ]),
      [
        "esm",
        async () => {
          await esm.stack("dev", [["x", "from-esm"]]);
          results.set("esm", await esm.run(["up", "--yes", "--skip-preview"]));
          outputs.set("esm", await esm.outputs("dev"));
        },
      ],
      ...(
        [
          ["throws", throws],
          ["rejects", rejects],
          ["exits3", exits3],
          ["bails", bails],
          ["noSdk", noSdk],
        ] as const
      ).map(([name, p]): [string, () => Promise<void>] => [
        name,
        async () => {
          await p.stack("dev");
          results.set(name, await p.run(["up", "--yes", "--skip-preview"]));
        },
      ]),
    ];
    const failures: string[] = [];
    await pool(jobs, 3, async ([name, job]) => {
      try {
        await job();
      } catch (err) {
        failures.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
    if (failures.length > 0)
      throw new Error(`setting up the conformance projects failed:\n${failures.join("\n")}`);
  });

  /** The deployment's result, asserted to have succeeded. */
  const okResult = (name: string): CliResult =>
    succeeded([name], results.get(name) ?? assert.fail(`no run ${name}`));
  const out = (name: string): Outputs => outputs.get(name) ?? assert.fail(`no outputs for ${name}`);
  const failed = (name: string): { code: number | null; text: string } => {
    const r = results.get(name) ?? assert.fail(`no run ${name}`);
    return { code: r.code, text: r.stdout + r.stderr };
  };
  const real = (p: string): string => fs.realpathSync(p);

  it("no config at all: Config.get returns undefined; PULUMI_CONFIG is {} and the secret keys []", () => {
    okResult("bare");
    const o = out("bare");
    assert.equal(o.x, "<unset>");
    assert.equal(o.obj, "<unset>");
    assert.equal(o.s, "<unset>");
    assert.equal(o.rawConfig, "{}");
    assert.deepEqual(o.secretKeys, []);
  });

  it("project, stack, organization (a file backend's is 'organization'), root directory, working directory", () => {
    const o = out("bare");
    assert.equal(o.project, "sp-lh");
    assert.equal(o.stack, "bare");
    assert.equal(o.organization, "organization");
    assert.equal(real(o.rootDirectory as string), real(conf.root));
    assert.equal(real(o.cwd as string), real(conf.root));
    assert.equal(real(o.file as string), real(path.join(conf.root, "index.js")));
  });

  it("config of every shape: string, number, bool, nested object and list via --path, secret, namespaced", () => {
    okResult("full");
    const o = out("full");
    assert.equal(o.x, "hello");
    assert.equal(o.n, 42);
    assert.equal(o.b, true);
    assert.deepEqual(o.obj, { inner: { k: "v" }, count: 3 });
    assert.deepEqual(o.list, ["a", "b"]);
    assert.equal(o.s, "hush");
    assert.equal(o.other, "namespaced");
    // The keys reach the program as upstream sends them: <namespace>:config:<name>.
    assert.deepEqual(o.configKeys, [
      "other:config:key",
      "sp-lh:config:b",
      "sp-lh:config:list",
      "sp-lh:config:n",
      "sp-lh:config:obj",
      "sp-lh:config:s",
      "sp-lh:config:x",
    ]);
    assert.deepEqual(o.secretKeys, ["sp-lh:s"]);
  });

  it("requireSecret of a secret config value is a secret output", () => {
    const masked = out("full-masked");
    assert.equal(masked.s, "[secret]");
    assert.equal(masked.x, "hello");
  });

  it("pulumi preview passes the dry-run flag, pulumi up does not; --parallel reaches the program", () => {
    const preview = results.get("preview") ?? assert.fail("no preview");
    succeeded(["preview"], preview);
    assert.match(preview.stdout, /SP_DRY_RUN=true/);
    assert.doesNotMatch(preview.stdout, /SP_DRY_RUN=false/);
    assert.match(okResult("bare").stdout, /SP_DRY_RUN=false/);
    assert.equal(out("bare").parallel, "3");
  });

  it("main: a subdirectory runs its index.js there; the root directory stays the project's", () => {
    okResult("subdir");
    const o = out("subdir");
    assert.equal(real(o.file as string), real(path.join(subdir.root, "app", "index.js")));
    assert.equal(real(o.cwd as string), real(path.join(subdir.root, "app")));
    assert.equal(real(o.rootDirectory as string), real(subdir.root));
    assert.equal(o.project, "sp-lh-subdir");
  });

  it("main: a file runs that file, from its own directory (the engine's pwd for a file)", () => {
    okResult("file");
    const o = out("file");
    assert.equal(real(o.file as string), real(path.join(file.root, "src", "entry.js")));
    assert.equal(real(o.cwd as string), real(path.join(file.root, "src")));
    assert.equal(real(o.rootDirectory as string), real(file.root));
  });

  it('no main: in Pulumi.yaml: the "main" of package.json is the entry point', () => {
    okResult("pkgMain");
    assert.equal(real(out("pkgMain").file as string), real(path.join(pkgMain.root, "lib", "start.js")));
  });

  it("a TypeScript program runs by default (typescript: true), with the tsconfig option passed on", () => {
    okResult("ts");
    const { file: tsFile, ...report } = out("ts").report as Record<string, unknown>;
    assert.deepEqual(report, {
      typed: 6,
      project: "sp-lh-ts",
      typescript: "true",
      tsconfig: "tsconfig.pulumi.json",
      tsRegistered: true,
    });
    assert.equal(real(tsFile as string), real(path.join(ts.root, "index.ts")));
  });

  it("typescript: false loads no TypeScript; nodeargs reach node", () => {
    okResult("noTs");
    const o = out("noTs");
    assert.equal(o.typescript, "<unset>");
    assert.equal(o.tsRegistered, false);
    assert.deepEqual(o.execArgv, ["--max-old-space-size=512", "--no-deprecation"]);
    // and the JavaScript program under the default (conf) had TypeScript support loaded
    assert.equal(out("bare").typescript, "true");
    assert.equal(out("bare").tsRegistered, true);
  });

  it("an ES module program (package.json type: module) runs, its named exports are the outputs", () => {
    okResult("esm");
    assert.deepEqual(out("esm"), { stack: "dev", x: "from-esm" });
  });

  it("a program that throws: pulumi up fails and shows the error once, without a host message", () => {
    const { code, text } = failed("throws");
    assert.notEqual(code, 0);
    assert.match(text, /Error: boom from the program/);
    // exit code 32 from @pulumi/pulumi: the engine bails, the host adds nothing
    assert.doesNotMatch(text, /non-zero exit code/);
    assert.doesNotMatch(text, /pulumi-language-nodejs/);
    assert.doesNotMatch(text, /Cannot convert undefined or null to object/);
  });

  it("a program whose exported function rejects: pulumi up fails with the error", () => {
    const { code, text } = failed("rejects");
    assert.notEqual(code, 0);
    assert.match(text, /async boom/);
    assert.doesNotMatch(text, /non-zero exit code/);
  });

  it("process.exit(3): pulumi up fails with 'Program exited with non-zero exit code: 3'", () => {
    const { code, text } = failed("exits3");
    assert.notEqual(code, 0);
    assert.match(text, /Program exited with non-zero exit code: 3/);
  });

  it("process.exit(32) bails: pulumi up fails with only the program's own message", () => {
    const { code, text } = failed("bails");
    assert.notEqual(code, 0);
    assert.match(text, /already reported: the program explains itself/);
    assert.doesNotMatch(text, /non-zero exit code/);
  });

  it("@pulumi/pulumi not installed: a clear message", () => {
    const { code, text } = failed("noSdk");
    assert.notEqual(code, 0);
    assert.match(text, /It looks like the Pulumi SDK has not been installed\. Have you run npm install in /);
  });
});

describe("e2e: no plugin outlives a killed CLI", () => {
  /** A non-`exec` launcher, shaped like the one Pulumi ships: the shell stays node's parent. */
  const SHELL_LAUNCHER = `#!/bin/sh
script=$(node -e "console.log(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))")
node "$script" "$@"
`;

  let emu: RunningEmulator;
  let stop: (() => Promise<void>) | undefined;
  let stack: Awaited<ReturnType<typeof startStack>>["stack"];
  const leftovers: ProcessInfo[] = [];

  beforeEach(async () => {
    ({ emu, stack, stop } = await startStack());
  });
  afterEach(async () => {
    killAll(leftovers.splice(0));
    emu.release();
    await stop?.();
  });

  /**
   * Starts `pulumi up` (with `env`), waits until the provider's create is committed and held by the
   * emulator, checks the deployment's processes, SIGKILLs the CLI's process group and returns how
   * long the plugins took to exit.
   */
  async function killMidCreate(env: NodeJS.ProcessEnv = {}): Promise<{ before: ProcessInfo[]; ms: number }> {
    const marker = randomUUID();
    emu.addFault({ method: "POST", path: "/v1/async/collections", action: "hold", times: 1 });
    stack.setProgram({ held: { requests: [{ url: "https://example.com/held" }] } });
    const up = stack.spawn(["up", "--yes", "--skip-preview"], { ...env, SP_KILL_TEST: marker });
    const deadline = Date.now() + 60_000;
    while (emu.collections().length === 0) {
      if (Date.now() > deadline) throw new Error("the create never reached the emulator");
      await new Promise((r) => setTimeout(r, 50));
    }
    const before = processesWithEnv("SP_KILL_TEST", marker);
    leftovers.push(...before);
    const kinds = before.map(kindOf);
    for (const kind of ["cli", "language-host", "program", "dynamic-provider"] as const) {
      assert.ok(
        kinds.includes(kind),
        `no ${kind} among the deployment's processes:\n${describeProcesses(before)}`,
      );
    }

    process.kill(-(up.pid as number), "SIGKILL");
    assert.equal((await up.result).signal, "SIGKILL");
    const { ms, left } = await waitForExit(
      before.map((p) => p.pid),
      5_000,
    );
    assert.deepEqual(
      left,
      [],
      `still running 5 s after the CLI was killed:\n${describeProcesses(before.filter((p) => left.includes(p.pid)))}`,
    );
    return { before, ms };
  }

  it("SIGKILL of pulumi up mid-create: the language host, the program and the dynamic provider exit within 5 s", async () => {
    const { before, ms } = await killMidCreate();
    // Every plugin had its own process group, so the SIGKILL of the CLI's group reached none of them.
    const provider = before.find((p) => kindOf(p) === "dynamic-provider") as ProcessInfo;
    const cli = before.find((p) => kindOf(p) === "cli") as ProcessInfo;
    assert.equal(provider.ppid, cli.pid, "this repository's launcher execs node: its parent is the engine");
    assert.ok(ms < 5_000, `took ${ms} ms`);
  });

  it("the same under Pulumi's own (non-exec) launcher: the provider's engine watchdog ends it", async () => {
    const launcherDir = fs.mkdtempSync(path.join(os.tmpdir(), "sp-launcher-"));
    try {
      fs.writeFileSync(path.join(launcherDir, "pulumi-resource-pulumi-nodejs"), SHELL_LAUNCHER, {
        mode: 0o755,
      });
      // The engine prefers a plugin found on PATH over the one beside the CLI.
      const { before, ms } = await killMidCreate({
        PATH: `${launcherDir}${path.delimiter}${stack.env.PATH}`,
      });
      const provider = before.find((p) => kindOf(p) === "dynamic-provider") as ProcessInfo;
      const launcher = before.find((p) => p.pid === provider.ppid);
      assert.ok(launcher, "the provider's parent is the shell launcher");
      assert.match(launcher.cmdline, new RegExp(`${launcherDir}/pulumi-resource-pulumi-nodejs`));
      assert.ok(!isRunning(launcher.pid) && liveParent(provider.pid) === undefined, "both exited");
      assert.ok(ms < 5_000, `took ${ms} ms`);
    } finally {
      fs.rmSync(launcherDir, { recursive: true, force: true });
    }
  });
});
