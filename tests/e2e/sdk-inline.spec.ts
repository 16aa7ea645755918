/**
 * Automation API inline programs in Python and Go, with the real CLI: the way the generated SDKs are
 * run on these machines, where the Python and Go language hosts of the standard Pulumi distribution are
 * not available (an inline program runs inside the Automation API process, so no host is needed).
 *
 * The runners (tests/fixtures/sdks/python/inline.py, tests/fixtures/sdks/go/inline) take one JSON spec
 * and run a program through up, preview, refresh, destroy and cancel on a local file backend. Here the
 * program only exports config values, one of them secret, and needs no plugin: this proves the
 * language side (Python's pulumi 3.272.0 and Go's sdk/v3 v3.274.1 against CLI v3.274.1), including an
 * update killed with its runner (the program in it hangs) and the `cancel` that unlocks the stack. The
 * SDK programs (`"program": "sdk"`) run against the native plugin in the SDKs' end-to-end tests.
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pulumiBinDir } from "../helpers/e2e";
import { pulumiEnv } from "../helpers/pulumi";
import { GO_FIXTURES, goEnv, listTree, ok, PYTHON_FIXTURES, pythonTools, run } from "../helpers/sdks";

interface InlineResult {
  results: {
    operation: string;
    changes: Record<string, number>;
    outputs?: Record<string, { value: unknown; secret: boolean }>;
  }[];
  failed?: string;
}

describe("e2e: Automation API inline programs in Python and Go (no language host)", function () {
  this.timeout(15 * 60_000);
  let tmp: string;
  let binDir: string;
  let goRunner: string;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sp-sdk-inline-"));
    binDir = pulumiBinDir();
    goRunner = path.join(tmp, "inline-go");
    const built = ok(
      "go build ./inline",
      run("go", ["build", "-o", goRunner, "./inline"], { cwd: GO_FIXTURES, env: goEnv("readonly") }),
    );
    process.stderr.write(`      (built the Go inline runner in ${built.seconds.toFixed(1)} s)\n`);
  });
  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const languages: [string, () => [string, string[]]][] = [
    ["Python", () => [pythonTools().python, [path.join(PYTHON_FIXTURES, "inline.py")]]],
    ["Go", () => [goRunner, []]],
  ];
  for (const [language, runner] of languages) {
    it(`${language}: up, preview, refresh and destroy of an inline program; its secret output stays secret`, () => {
      const dir = path.join(tmp, language.toLowerCase());
      const workDir = path.join(dir, "work");
      fs.mkdirSync(workDir, { recursive: true });
      const token = `inline-token-${Math.random().toString(36).slice(2)}`;
      const [command, args] = runner();
      const r = run(command, args, {
        cwd: dir,
        env: pulumiEnv(binDir, dir),
        input: JSON.stringify({
          program: "exports",
          project: `sdk-${language.toLowerCase()}`,
          stack: "dev",
          workDir,
          config: { who: { value: "world" }, token: { value: token, secret: true } },
          operations: ["up", "preview", "refresh", "destroy"],
        }),
        timeoutMs: 5 * 60_000,
      });
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
      process.stderr.write(`      (${language}: four operations in ${r.seconds.toFixed(1)} s)\n`);
      const out = JSON.parse(r.stdout) as InlineResult;
      assert.deepEqual(
        out.results.map((x) => [x.operation, x.changes]),
        [
          ["up", { create: 1 }],
          ["preview", { same: 1 }],
          ["refresh", { same: 1 }],
          ["destroy", { delete: 1 }],
        ],
      );
      assert.deepEqual(out.results[0]?.outputs, {
        greeting: { value: "hello world", secret: false },
        token: { value: "[secret]", secret: true },
      });
      // The secret is encrypted in the stack's config and state, and in no message.
      const files = listTree(dir).map((f) => path.join(dir, f));
      assert.ok(
        files.some((f) => f.includes(`${path.sep}.pulumi${path.sep}stacks${path.sep}`)),
        "the stack is in the backend",
      );
      const leaks = files.filter((f) => fs.readFileSync(f).includes(token));
      assert.deepEqual(leaks, []);
      assert.equal(`${r.stdout}${r.stderr}`.includes(token), false);
    });

    it(`${language}: an update killed with its runner leaves the stack locked; cancel, then the rerun converges`, async () => {
      const dir = path.join(tmp, `${language.toLowerCase()}-killed`);
      const workDir = path.join(dir, "work");
      fs.mkdirSync(workDir, { recursive: true });
      const env = pulumiEnv(binDir, dir);
      const project = `sdk-${language.toLowerCase()}-killed`;
      const spec = (program: string, operations: string[]) =>
        JSON.stringify({
          program,
          project,
          stack: "dev",
          workDir,
          config: { who: { value: "world" }, token: { value: "t", secret: true } },
          operations,
        });
      const [command, args] = runner();
      // The runner, the CLI it starts and the program in it, in a process group of their own.
      const child = spawn(command, args, {
        cwd: dir,
        env,
        detached: true,
        stdio: ["pipe", "ignore", "ignore"],
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on("exit", (_code, signal) => resolve(signal)),
      );
      child.stdin.end(spec("hang", ["up"]));
      // The program never returns: once the CLI holds the stack's lock, the update is under way.
      const locks = path.join(dir, "state", ".pulumi", "locks", "organization", project, "dev");
      const deadline = Date.now() + 120_000;
      while (!(fs.existsSync(locks) && fs.readdirSync(locks).length > 0)) {
        assert.ok(Date.now() < deadline, "the update took the stack's lock");
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      process.kill(-(child.pid as number), "SIGKILL");
      assert.equal(await exited, "SIGKILL");

      const locked = run(command, args, {
        cwd: dir,
        env,
        input: spec("exports", ["up"]),
        timeoutMs: 5 * 60_000,
      });
      assert.equal(locked.status, 1, locked.stdout + locked.stderr);
      assert.match(locked.stderr, /the stack is currently locked/);
      const rerun = run(command, args, {
        cwd: dir,
        env,
        input: spec("exports", ["cancel", "up", "refresh-clear-pending-creates", "preview"]),
        timeoutMs: 5 * 60_000,
      });
      assert.equal(rerun.status, 0, rerun.stdout + rerun.stderr);
      const out = JSON.parse(rerun.stdout) as InlineResult;
      assert.deepEqual(
        out.results.map((x) => x.operation),
        ["cancel", "up", "refresh-clear-pending-creates", "preview"],
      );
      // The stack itself: created by the rerun, or already recorded by the killed update.
      const up = out.results[1]?.changes ?? {};
      assert.equal(
        Object.values(up).reduce((a, b) => a + b, 0),
        1,
        JSON.stringify(up),
      );
      assert.equal(out.results[1]?.outputs?.greeting?.value, "hello world");
      assert.deepEqual(out.results[3]?.changes, { same: 1 });
    });
  }
});
