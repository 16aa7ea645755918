/**
 * Pulumi YAML programs run by the real CLI with the language host that
 * `node scripts/ensure-pulumi.js --print-path` provides: upstream's `pulumi-language-yaml`
 * (github.com/pulumi/pulumi-yaml v1.25.0), started through this repository's launcher
 * (scripts/pulumi-yaml/language-yaml). Resource-less programs (config, variables, outputs, secrets)
 * on a local file backend with passphrase secrets; errors in a program; and the host's lifetime: a
 * killed CLI leaves no YAML host running, which upstream's host alone does not ensure.
 */
import * as assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stripVTControlCharacters } from "node:util";
import { keyForms } from "../helpers/e2e";
import {
  describeProcesses,
  E2E_RUN_ID,
  E2E_RUN_ID_VAR,
  isRunning,
  killAll,
  kindOf,
  liveParent,
  type ProcessInfo,
  processesWithEnv,
  waitForExit,
} from "../helpers/processes";
import { type CliResult, pulumiEnv, spawnPulumi, succeeded } from "../helpers/pulumi";

const REPO = path.resolve(__dirname, "..", "..");

/** The bin directory exactly as a user gets it: `node scripts/ensure-pulumi.js --print-path`. */
function printedBinDir(): string {
  return execFileSync(process.execPath, [path.join(REPO, "scripts", "ensure-pulumi.js"), "--print-path"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
}

/** A throwaway Pulumi YAML project with its own file backend and Pulumi home. */
class YamlProject {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "sp-yaml-"));
  readonly root = path.join(this.dir, "project");
  readonly env: NodeJS.ProcessEnv;
  /** Every byte the CLI printed, for leak checks. */
  readonly transcript: string[] = [];

  constructor(binDir: string, files: Record<string, string>) {
    fs.mkdirSync(this.root, { recursive: true });
    for (const [file, content] of Object.entries(files))
      fs.writeFileSync(path.join(this.root, file), content);
    this.env = pulumiEnv(binDir, this.dir);
  }

  spawn(args: string[], extraEnv: NodeJS.ProcessEnv = {}): ChildProcess & { result: Promise<CliResult> } {
    return spawnPulumi(args, this.root, { ...this.env, ...extraEnv }, this.transcript);
  }

  run(args: string[]): Promise<CliResult> {
    return this.spawn(args).result;
  }

  async ok(args: string[]): Promise<CliResult> {
    return succeeded(args, await this.run(args));
  }

  /** The stack's outputs, secrets shown or masked. */
  async outputs(showSecrets: boolean): Promise<Record<string, unknown>> {
    const r = await this.ok(["stack", "output", "--json", ...(showSecrets ? ["--show-secrets"] : [])]);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  }

  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Every file under `dir`, concatenated. */
function filesUnder(dir: string): string {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), "utf8"))
    .join("\n");
}

/** What the CLI printed, without the colours the YAML host always adds to its diagnostics. */
const plain = (r: CliResult): string => stripVTControlCharacters(r.stdout + r.stderr);

describe("e2e: Pulumi YAML programs run by the upstream language host", () => {
  let binDir: string;
  const projects: YamlProject[] = [];
  const project = (files: Record<string, string>): YamlProject => {
    const p = new YamlProject(binDir, files);
    projects.push(p);
    return p;
  };

  before(function () {
    // Builds the CLI and the YAML host when they are not built yet (minutes, with progress).
    this.timeout(30 * 60_000);
    binDir = printedBinDir();
  });
  after(() => {
    for (const p of projects) p.dispose();
  });

  describe("config, variables, outputs and secrets", () => {
    // Built at run time: nothing in the repository looks like these values.
    const configSecret = ["cfg", "secret", randomUUID()].join("-");
    const variableSecret = ["var", "secret", randomUUID()].join("-");
    const PROGRAM = `name: sp-yaml
runtime: yaml
description: A Pulumi YAML program without resources.
config:
  greeting:
    type: string
    default: hello
  count:
    type: integer
  tags:
    type: array
    items:
      type: string
  apiToken:
    type: string
    secret: true
variables:
  message: \${greeting}, \${pulumi.stack}!
  joined:
    fn::join:
      - ","
      - \${tags}
  hidden:
    fn::secret: ${variableSecret}
outputs:
  message: \${message}
  count: \${count}
  tags: \${tags}
  firstTag: \${tags[0]}
  joined: \${joined}
  token: \${apiToken}
  hidden: \${hidden}
  project: \${pulumi.project}
  stack: \${pulumi.stack}
  organization: \${pulumi.organization}
  cwd: \${pulumi.cwd}
`;
    let p: YamlProject;
    let up: CliResult;

    before(async () => {
      p = project({ "Pulumi.yaml": PROGRAM });
      await p.ok(["stack", "init", "dev"]);
      await p.ok(["config", "set", "count", "3"]);
      await p.ok(["config", "set", "--path", "tags[0]", "eu"]);
      await p.ok(["config", "set", "--path", "tags[1]", "us"]);
      await p.ok(["config", "set", "--secret", "apiToken", configSecret]);
      up = await p.ok(["up", "--yes", "--skip-preview"]);
    });

    it("pulumi up evaluates config (with defaults), variables and builtins into the stack outputs", async () => {
      assert.match(up.stdout, /\+ 1 created/);
      const out = await p.outputs(true);
      assert.equal(fs.realpathSync(out.cwd as string), fs.realpathSync(p.root));
      delete out.cwd;
      assert.deepEqual(out, {
        message: "hello, dev!",
        count: 3,
        tags: ["eu", "us"],
        firstTag: "eu",
        joined: "eu,us",
        token: configSecret,
        hidden: variableSecret,
        project: "sp-yaml",
        stack: "dev",
        organization: "organization",
      });
    });

    it("a secret config value and an fn::secret value are masked, and encrypted in the state", async () => {
      const masked = await p.outputs(false);
      assert.equal(masked.token, "[secret]");
      assert.equal(masked.hidden, "[secret]");
      assert.equal(masked.message, "hello, dev!");

      const exported = (await p.ok(["stack", "export"])).stdout;
      const stack = (
        JSON.parse(exported) as {
          deployment: { resources: { type: string; outputs: Record<string, unknown> }[] };
        }
      ).deployment.resources.find((r) => r.type === "pulumi:pulumi:Stack");
      for (const name of ["token", "hidden"]) {
        assert.match(JSON.stringify(stack?.outputs[name]), /"ciphertext":/, `${name} is stored encrypted`);
      }
      const places: [string, string][] = [
        ["the output of pulumi up", up.stdout + up.stderr],
        ["pulumi stack export", exported],
        ["the backend's files", filesUnder(path.join(p.dir, "state"))],
        ["Pulumi.dev.yaml", fs.readFileSync(path.join(p.root, "Pulumi.dev.yaml"), "utf8")],
      ];
      for (const [where, text] of places) {
        for (const secret of [configSecret, variableSecret]) {
          assert.deepEqual(keyForms(secret, text), [], `a secret in ${where}`);
        }
      }
    });

    it("the next pulumi preview shows no change", async () => {
      const r = await p.ok(["preview", "--json"]);
      assert.deepEqual((JSON.parse(r.stdout) as { changeSummary: unknown }).changeSummary, { same: 1 });
      await p.ok(["preview", "--expect-no-changes"]);
    });

    it("a changed config value reaches the program on the next up", async () => {
      await p.ok(["config", "set", "greeting", "hi"]);
      await p.ok(["up", "--yes", "--skip-preview"]);
      assert.equal((await p.outputs(false)).message, "hi, dev!");
    });
  });

  describe("errors in a program", () => {
    const failing = async (files: Record<string, string>): Promise<{ code: number | null; text: string }> => {
      const p = project(files);
      await p.ok(["stack", "init", "dev"]);
      const r = await p.run(["preview"]);
      return { code: r.code, text: plain(r) };
    };
    const header = "name: sp-yaml-bad\nruntime: yaml\n";

    it("a YAML syntax error in Pulumi.yaml: pulumi preview fails naming the file and the line", async () => {
      const p = project({ "Pulumi.yaml": `${header}outputs:\n  a: [1, 2\n  b: x\n` });
      const r = await p.run(["stack", "init", "dev"]);
      const preview = await p.run(["preview"]);
      for (const result of [r, preview]) {
        assert.notEqual(result.code, 0);
        assert.match(
          plain(result),
          /could not unmarshal '[^']*Pulumi\.yaml': invalid YAML file: yaml: line \d+: did not find expected ',' or ']'/,
        );
      }
    });

    it("a YAML syntax error in Main.yaml (the program beside Pulumi.yaml): pulumi preview fails with the parser's message", async () => {
      const { code, text } = await failing({
        "Pulumi.yaml": header,
        "Main.yaml": "outputs:\n  a: [1, 2\n  b: x\n",
      });
      assert.notEqual(code, 0);
      assert.match(text, /yaml: line \d+: did not find expected ',' or ']'/);
      assert.doesNotMatch(text, /panic|goroutine/);
    });

    it("a reference to nothing: the host's diagnostic names it and its line, and preview fails", async () => {
      const { code, text } = await failing({
        "Pulumi.yaml": `${header}variables:\n  x: \${nope}\noutputs:\n  a: \${x}\n`,
      });
      assert.notEqual(code, 0);
      assert.match(text, /Error: resource, variable, or config value "nope" not found/);
      assert.match(text, /on Pulumi\.yaml line 4:/);
    });

    it("a required config value that is not set: a clear error before the program runs", async () => {
      const { code, text } = await failing({
        "Pulumi.yaml": `${header}config:\n  region:\n    type: string\noutputs:\n  r: \${region}\n`,
      });
      assert.notEqual(code, 0);
      assert.match(text, /validating stack config: Stack 'dev' is missing configuration value 'region'/);
    });
  });

  describe("no YAML host outlives a killed CLI", () => {
    /**
     * A program that blocks in the host's Run until the test lets it go: `fn::readFile` of a named
     * pipe waits for a writer.
     */
    const BLOCKING = `name: sp-yaml-kill
runtime: yaml
variables:
  held:
    fn::readFile: ./held.fifo
outputs:
  held: \${held}
`;
    const leftovers: ProcessInfo[] = [];
    const fds: number[] = [];
    afterEach(() => {
      killAll(leftovers.splice(0));
      for (const fd of fds.splice(0)) fs.closeSync(fd);
    });

    /**
     * Starts `pulumi up` of {@link BLOCKING} (with `pathPrefix` first on its PATH), waits until the
     * YAML host is reading the pipe, holds it open without writing, and returns the deployment's
     * processes.
     */
    async function heldUp(
      pathPrefix?: string,
    ): Promise<{ up: ReturnType<YamlProject["spawn"]>; processes: ProcessInfo[] }> {
      const p = project({ "Pulumi.yaml": BLOCKING });
      execFileSync("mkfifo", [path.join(p.root, "held.fifo")]);
      await p.ok(["stack", "init", "dev"]);
      const marker = randomUUID();
      const up = p.spawn(["up", "--yes", "--skip-preview"], {
        SP_YAML_KILL_TEST: marker,
        ...(pathPrefix ? { PATH: `${pathPrefix}${path.delimiter}${p.env.PATH}` } : {}),
      });
      let exited: CliResult | undefined;
      void up.result.then((r) => {
        exited = r;
      });
      // Opening a pipe's write end without blocking succeeds once a reader has it open.
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (exited) throw new Error(`pulumi up ended before the program read the pipe:\n${plain(exited)}`);
        try {
          fds.push(
            fs.openSync(path.join(p.root, "held.fifo"), fs.constants.O_WRONLY | fs.constants.O_NONBLOCK),
          );
          break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "ENXIO") throw err;
          if (Date.now() > deadline) throw new Error("the YAML host never opened the pipe");
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      const processes = processesWithEnv("SP_YAML_KILL_TEST", marker);
      leftovers.push(...processes);
      return { up, processes };
    }

    /** SIGKILLs the CLI's process group and returns the processes still running after `ms`. */
    async function killCli(
      up: ReturnType<YamlProject["spawn"]>,
      processes: ProcessInfo[],
      ms: number,
    ): Promise<{ ms: number; left: number[] }> {
      process.kill(-(up.pid as number), "SIGKILL");
      assert.equal((await up.result).signal, "SIGKILL");
      return waitForExit(
        processes.filter((p) => kindOf(p) !== "cli").map((p) => p.pid),
        ms,
      );
    }

    it("SIGKILL of pulumi up while the program runs: the launcher and upstream's host exit within 5 s", async () => {
      const { up, processes } = await heldUp();
      const cli = processes.find((p) => kindOf(p) === "cli");
      const launcher = processes.find((p) => kindOf(p) === "yaml-launcher");
      const host = processes.find((p) => kindOf(p) === "yaml-host");
      assert.ok(cli && launcher && host, `the deployment's processes:\n${describeProcesses(processes)}`);
      assert.equal(launcher.ppid, cli.pid, "the engine starts the launcher");
      assert.equal(host.ppid, launcher.pid, "the launcher runs upstream's host");
      assert.ok(launcher.cmdline.startsWith(path.join(binDir, "pulumi-language-yaml ")), launcher.cmdline);

      const { ms, left } = await killCli(up, processes, 5_000);
      assert.deepEqual(
        left,
        [],
        `still running 5 s after the CLI was killed:\n${describeProcesses(processes.filter((p) => left.includes(p.pid)))}`,
      );
      assert.ok(ms < 5_000, `took ${ms} ms`);
    });

    it("without the launcher, upstream's host alone is still running 5 s after the CLI was killed", async () => {
      // Why the launcher exists: the engine finds a language host on PATH before the one beside the CLI.
      const upstreamOnly = fs.mkdtempSync(path.join(os.tmpdir(), "sp-yaml-upstream-"));
      try {
        fs.copyFileSync(
          path.join(binDir, "pulumi-language-yaml-upstream"),
          path.join(upstreamOnly, "pulumi-language-yaml"),
        );
        fs.chmodSync(path.join(upstreamOnly, "pulumi-language-yaml"), 0o755);
        const { up, processes } = await heldUp(upstreamOnly);
        const host = processes.find((p) =>
          p.cmdline.startsWith(path.join(upstreamOnly, "pulumi-language-yaml")),
        );
        assert.ok(host, `upstream's host runs directly:\n${describeProcesses(processes)}`);
        assert.equal(
          processes.some((p) => kindOf(p) === "yaml-host"),
          false,
        );
        const { left } = await killCli(up, processes, 5_000);
        assert.deepEqual(left, [host.pid], "only upstream's host is left");
        assert.notEqual(liveParent(host.pid), host.ppid, "re-parented: its engine is gone");
      } finally {
        fs.rmSync(upstreamOnly, { recursive: true, force: true });
      }
    });
  });

  describe("the launcher, started as the engine starts plugins", () => {
    /**
     * Starts the launcher in a process group of its own with an engine address, as the engine does
     * (upstream's host stops on SIGINT only when it has one; it checks the engine every 5 minutes, so
     * none needs to listen there); `port` resolves with the port the host printed.
     */
    function startLauncher(
      launcher = path.join(binDir, "pulumi-language-yaml"),
    ): ChildProcess & { port: Promise<number>; exit: Promise<{ code: number | null; stderr: string }> } {
      const child = spawn(launcher, ["127.0.0.1:9"], {
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, [E2E_RUN_ID_VAR]: E2E_RUN_ID },
      });
      let stderr = "";
      child.stderr?.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      const port = new Promise<number>((resolve, reject) => {
        let out = "";
        child.stdout?.on("data", (d: Buffer) => {
          out += d.toString();
          const line = /^(\d+)\n/.exec(out);
          if (line) resolve(Number(line[1]));
        });
        child.on("close", () => reject(new Error(`the launcher exited before printing a port: ${stderr}`)));
      });
      port.catch(() => {});
      const exit = new Promise<{ code: number | null; stderr: string }>((resolve) =>
        child.on("close", (code) => resolve({ code, stderr })),
      );
      return Object.assign(child, { port, exit });
    }

    /** The live children of `pid`. */
    const childrenOf = (pid: number): ProcessInfo[] =>
      processesWithEnv(E2E_RUN_ID_VAR, E2E_RUN_ID).filter((p) => p.ppid === pid);

    const started: number[] = [];
    afterEach(() => {
      for (const pid of started.splice(0)) {
        try {
          process.kill(-pid, "SIGKILL");
        } catch {
          // gone
        }
      }
    });

    async function running(): Promise<{ launcher: ReturnType<typeof startLauncher>; host: ProcessInfo }> {
      const launcher = startLauncher();
      started.push(launcher.pid as number);
      assert.ok((await launcher.port) > 0, "upstream's host printed its port through the launcher");
      const [host, ...others] = childrenOf(launcher.pid as number);
      assert.ok(host && others.length === 0, "one child");
      assert.equal(kindOf(host), "yaml-host");
      return { launcher, host };
    }

    it("the engine's SIGINT to the process group stops both; the launcher exits as the host did (0)", async () => {
      const { launcher, host } = await running();
      process.kill(-(launcher.pid as number), "SIGINT");
      const { code } = await launcher.exit;
      assert.equal(code, 0);
      assert.equal(isRunning(host.pid), false);
    });

    it("SIGTERM to the launcher is passed on: the host ends, the launcher reports its signal (143)", async () => {
      const { launcher, host } = await running();
      process.kill(launcher.pid as number, "SIGTERM");
      const { code } = await launcher.exit;
      assert.equal(code, 128 + os.constants.signals.SIGTERM);
      assert.equal(isRunning(host.pid), false);
    });

    it("a launcher killed on its own (SIGKILL) takes the host with it (Linux parent-death signal)", async () => {
      const { launcher, host } = await running();
      process.kill(launcher.pid as number, "SIGKILL");
      const { left } = await waitForExit([host.pid], 2_000);
      assert.deepEqual(left, []);
    });

    it("without upstream's host beside it: exit 1 and a message naming the missing file", async () => {
      const alone = fs.mkdtempSync(path.join(os.tmpdir(), "sp-yaml-alone-"));
      try {
        fs.copyFileSync(path.join(binDir, "pulumi-language-yaml"), path.join(alone, "pulumi-language-yaml"));
        fs.chmodSync(path.join(alone, "pulumi-language-yaml"), 0o755);
        const launcher = startLauncher(path.join(alone, "pulumi-language-yaml"));
        started.push(launcher.pid as number);
        const { code, stderr } = await launcher.exit;
        assert.equal(code, 1);
        assert.ok(
          stderr.startsWith(
            `pulumi-language-yaml: cannot start the Pulumi YAML language host ${alone}/pulumi-language-yaml-upstream: `,
          ),
          stderr,
        );
        assert.match(stderr, /no such file or directory/);
      } finally {
        fs.rmSync(alone, { recursive: true, force: true });
      }
    });
  });
});
