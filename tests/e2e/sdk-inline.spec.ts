/**
 * Automation API inline programs in Python and Go, with the real CLI: the way the generated SDKs are
 * run on these machines, where the Python and Go language hosts of the standard Pulumi distribution are
 * not available (an inline program runs inside the Automation API process, so no host is needed).
 *
 * The runners (tests/fixtures/sdks/python/inline.py, tests/fixtures/sdks/go/inline) take one JSON spec
 * and run a program through up, preview, refresh, destroy and cancel on a local file backend. Here the
 * program only exports config values, one of them secret, and needs no plugin: this proves the
 * language side (Python's pulumi 3.272.0 and Go's sdk/v3 v3.274.1 against CLI v3.274.1). Then the SDK
 * programs (`"program": "sdk"` and `"one"`) run against the native plugin and two emulators, one stack
 * per language shared by the cases, each case counting the calls in both emulators' logs.
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { assertCallsWithin } from "../helpers/call-counts";
import { pulumiBinDir } from "../helpers/e2e";
import { startTestEmulator, TEST_KEY } from "../helpers/emulator";
import { callsSince, installNativePlugin, pluginProcessesLeft } from "../helpers/native-plugin";
import { pulumiEnv } from "../helpers/pulumi";
import {
  GO_FIXTURES,
  goEnv,
  installPythonSdk,
  listTree,
  ok,
  PYTHON_FIXTURES,
  pythonTools,
  run,
  runAsync,
} from "../helpers/sdks";

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
  /** The CLI's environment with the plugin installed and the Python SDK importable. */
  let pluginEnv: NodeJS.ProcessEnv;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sp-sdk-inline-"));
    binDir = pulumiBinDir();
    goRunner = path.join(tmp, "inline-go");
    const built = ok(
      "go build ./inline",
      run("go", ["build", "-o", goRunner, "./inline"], { cwd: GO_FIXTURES, env: goEnv("readonly") }),
    );
    process.stderr.write(`      (built the Go inline runner in ${built.seconds.toFixed(1)} s)\n`);
    const plugin = path.join(tmp, "plugin");
    pluginEnv = { ...pulumiEnv(binDir, plugin), PYTHONPATH: path.join(tmp, "site") };
    installNativePlugin(pluginEnv);
    const seconds = installPythonSdk(path.join(tmp, "site"));
    process.stderr.write(`      (installed the plugin and the Python SDK; pip: ${seconds.toFixed(1)} s)\n`);
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
  }

  /**
   * The SDK program (program.py, program/program.go) against the native plugin, installed the README's
   * way into the tests' Pulumi home, and two emulators: `main` (the default provider's account, from
   * the stack config) and `second` (the explicit provider's, with a key of its own). One stack per
   * language goes through up, a clean preview, an edit and a refresh; the calls of each step are
   * counted in both emulators' logs.
   */
  for (const [language, runner] of languages) {
    describe(`${language} SDK against the native plugin`, () => {
      const secondKey = `sp-second-KEY-${Math.random().toString(36).slice(2, 10)}`;
      let main: RunningEmulator;
      let second: RunningEmulator;
      let ids: { tours: string; runId: string; prices: string; adopted: string; pricesRun: string };
      const project = `sdk-${language.toLowerCase()}-plugin`;

      before(async () => {
        main = await startTestEmulator();
        second = await startTestEmulator({ apiKey: secondKey });
      });
      after(async () => {
        await Promise.all([main?.stop(), second?.stop()]);
      });

      /** Runs the SDK program through `operations`; returns the results and the calls of each account. */
      async function sdkRun(
        operations: string[],
        config: Record<string, { value: string; secret?: boolean }> = {},
      ) {
        const marks = [main.requests().length, second.requests().length] as const;
        const [command, args] = runner();
        const workDir = path.join(tmp, project);
        fs.mkdirSync(workDir, { recursive: true });
        const r = await runAsync(command, args, {
          cwd: tmp,
          env: pluginEnv,
          input: JSON.stringify({
            program: "sdk",
            project,
            stack: "dev",
            workDir,
            config: {
              "scrapingpros:baseUrl": { value: main.url },
              "scrapingpros:apiKey": { value: TEST_KEY, secret: true },
              secondBaseUrl: { value: second.url },
              secondApiKey: { value: secondKey, secret: true },
              ...config,
            },
            operations,
          }),
          timeoutMs: 5 * 60_000,
        });
        const calls = { main: callsSince(main, marks[0]), second: callsSince(second, marks[1]) };
        const what = `${operations.join(", ")} (${r.seconds.toFixed(1)} s)`;
        process.stderr.write(
          `      (${language}: ${what}; calls: main ${calls.main.length}, second ${calls.second.length})\n`,
        );
        assert.equal(r.status, 0, `${what}\n${r.stdout}\n${r.stderr}`);
        for (const secret of [TEST_KEY, secondKey]) {
          assert.equal(`${r.stdout}${r.stderr}`.includes(secret), false, "a key in the runner's output");
        }
        const refused = [...main.requests().slice(marks[0]), ...second.requests().slice(marks[1])].filter(
          (c) => c.status === 401 || c.status === 403,
        );
        assert.deepEqual(refused, [], "a call with the other account's key");
        return { out: JSON.parse(r.stdout) as InlineResult, calls, log: r.stderr };
      }
      const writes = (calls: string[]) => calls.filter((c) => !c.startsWith("GET ")).sort();
      const C = "/v1/async/collections";
      /**
       * The GETs of the program's lookups, made each time it runs (at preview too), when none
       * shares a list call: in the default account, list_collections twice, get_collection twice and
       * get_run once (the Output and plain forms); in the second, get_run of its run. Lookups that
       * arrive together share list calls, so the tests bound the collection reads by these.
       */
      const lookups = () => ({
        main: [
          `GET ${C}`,
          `GET ${C}`,
          `GET ${C}/${ids.tours}`,
          `GET ${C}/${ids.tours}`,
          `GET ${C}/${ids.tours}/runs/${ids.runId}`,
        ],
        second: [`GET ${C}/${ids.prices}/runs/${ids.pricesRun}`],
      });

      it(`${language}: up creates both accounts' collections (one auto-named), runs and lookups`, async () => {
        const { out, calls } = await sdkRun(["up"]);
        const [up] = out.results;
        const byName = Object.fromEntries(main.collections().map((c) => [c.name, c.id]));
        const secondCollections = second.collections();
        assert.deepEqual(Object.keys(byName), ["daily-tours"], "the default account holds daily-tours only");
        assert.equal(secondCollections.length, 2, "the second account holds prices and adopted");
        for (const c of secondCollections)
          assert.match(c.name, /^(prices|adopted)-[0-9a-f]{8}$/, "auto-named");
        const outputs = up?.outputs ?? {};
        const value = (k: string) => outputs[k]?.value;
        const runInfo = (value("runInfo") ?? {}) as Record<string, unknown>;
        ids = {
          tours: String(value("toursId")),
          runId: String(value("runId")),
          prices: String(secondCollections.find((c) => c.name.startsWith("prices-"))?.id),
          adopted: String(secondCollections.find((c) => c.name.startsWith("adopted-"))?.id),
          pricesRun: String(runInfo.runId ?? runInfo.run_id),
        };
        assert.equal(ids.tours, byName["daily-tours"]);
        assert.equal(value("toursName"), "daily-tours");
        assert.equal(value("lookedUpName"), "daily-tours");
        assert.equal(value("adoptedFlag"), false);
        assert.equal(value("runStatus"), "completed");
        assert.equal(runInfo.status, "completed");
        assert.equal(
          runInfo.collectionId ?? runInfo.collection_id,
          ids.prices,
          "get_run through the second account",
        );
        assert.deepEqual(up?.changes, { create: 7 });
        // Resources: one POST per collection (an auto-named one after a GET by its name), and per
        // run a GET of its runs (nothing to re-attach to), a POST and, when it waits, a GET of its end.
        assertCallsWithin(
          calls.main,
          [
            ...lookups().main,
            `POST ${C}`,
            `GET ${C}/${ids.tours}/runs`,
            `POST ${C}/${ids.tours}/run`,
            `GET ${C}/${ids.tours}/runs/${ids.runId}`,
          ],
          "the default account",
        );
        assertCallsWithin(
          calls.second,
          [
            ...lookups().second,
            `GET ${C}`,
            `POST ${C}`,
            `GET ${C}`,
            `POST ${C}`,
            `GET ${C}/${ids.prices}/runs`,
            `POST ${C}/${ids.prices}/run`,
          ],
          "the second account",
        );
      });

      it(`${language}: a clean preview changes nothing and writes nothing`, async () => {
        const { out, calls } = await sdkRun(["preview"]);
        assert.deepEqual(out.results[0]?.changes, { same: 7 });
        assertCallsWithin(calls.main, lookups().main, "no call but the lookups' GETs");
        assertCallsWithin(calls.second, lookups().second, "no call but the lookups' GETs");
      });

      it(`${language}: an edit of one collection is exactly one PUT`, async () => {
        const { out, calls } = await sdkRun(["up"], { extraUrl: { value: "https://example.com/tours/3" } });
        assert.deepEqual(out.results[0]?.changes, { update: 1, same: 6 });
        assertCallsWithin(calls.main, [...lookups().main, `PUT ${C}/${ids.tours}`], "the default account");
        assertCallsWithin(calls.second, lookups().second, "the second account");
        assert.deepEqual(
          main.collections()[0]?.requests.map((r) => r.url),
          [
            "https://example.com/tours/1",
            "https://example.com/tours/1",
            "https://example.com/tours/2",
            "https://example.com/tours/3",
          ],
        );
      });

      it(`${language}: refresh reads each resource once, from its own account`, async () => {
        const { out, calls } = await sdkRun(["refresh"]);
        assert.deepEqual(out.results[0]?.changes, { same: 7 });
        assertCallsWithin(
          calls.main,
          [`GET ${C}/${ids.tours}`, `GET ${C}/${ids.tours}/runs/${ids.runId}`],
          "the default account",
        );
        assertCallsWithin(
          calls.second,
          [
            `GET ${C}/${ids.prices}`,
            `GET ${C}/${ids.adopted}`,
            `GET ${C}/${ids.prices}/runs/${ids.pricesRun}`,
          ],
          "the second account",
        );
        // The keys are nowhere in the stack's files, the backend or the Pulumi home.
        const files = listTree(tmp).map((f) => path.join(tmp, f));
        const leaks = files.filter((f) => {
          const bytes = fs.readFileSync(f);
          return bytes.includes(TEST_KEY) || bytes.includes(secondKey);
        });
        assert.deepEqual(leaks, []);
      });
      it(`${language}: a deployment killed while its create is held; cancel, then the rerun leaves one collection`, async () => {
        const killed = `sdk-${language.toLowerCase()}-killed`;
        const workDir = path.join(tmp, killed);
        fs.mkdirSync(workDir, { recursive: true });
        const spec = (operations: string[]) =>
          JSON.stringify({
            program: "one",
            project: killed,
            stack: "dev",
            workDir,
            config: {
              "scrapingpros:baseUrl": { value: main.url },
              "scrapingpros:apiKey": { value: TEST_KEY, secret: true },
            },
            operations,
          });
        const held = () => main.collections().filter((c) => c.name.startsWith("held-"));
        main.addFault({ method: "POST", path: "/v1/async/collections", action: "hold", times: 1 });
        const [command, args] = runner();
        // The runner, the CLI it starts and the plugin, in a process group of their own.
        const child = spawn(command, args, {
          cwd: tmp,
          env: pluginEnv,
          detached: true,
          stdio: ["pipe", "ignore", "ignore"],
        });
        const exited = new Promise<NodeJS.Signals | null>((resolve) =>
          child.on("exit", (_code, signal) => resolve(signal)),
        );
        child.stdin.end(spec(["up"]));
        const deadline = Date.now() + 120_000;
        while (held().length === 0) {
          assert.ok(Date.now() < deadline, "the create reached the emulator");
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        process.kill(-(child.pid as number), "SIGKILL");
        assert.equal(await exited, "SIGKILL");
        main.release();

        const locked = await runAsync(command, args, { cwd: tmp, env: pluginEnv, input: spec(["up"]) });
        assert.equal(locked.status, 1, locked.stdout + locked.stderr);
        assert.match(locked.stderr, /the stack is currently locked/);
        const mark = main.requests().length;
        const rerun = await runAsync(command, args, {
          cwd: tmp,
          env: pluginEnv,
          input: spec(["cancel", "up", "refresh-clear-pending-creates", "preview"]),
        });
        assert.equal(rerun.status, 0, rerun.stdout + rerun.stderr);
        const calls = callsSince(main, mark);
        process.stderr.write(
          `      (${language}: cancel, up, refresh, preview in ${rerun.seconds.toFixed(1)} s; calls ${JSON.stringify(calls)})\n`,
        );
        const out = JSON.parse(rerun.stdout) as InlineResult;
        assert.equal(held().length, 1, "exactly one collection");
        assert.equal(out.results[1]?.outputs?.heldId?.value, held()[0]?.id);
        assert.equal(out.results[1]?.outputs?.heldName?.value, held()[0]?.name);
        // The auto-named collection is found by its name and adopted: one PUT, no second POST.
        assert.deepEqual(writes(calls), [`PUT /v1/async/collections/${held()[0]?.id}`]);
        assert.equal(out.results[3]?.changes.create ?? 0, 0);
        assert.equal(out.results[3]?.changes.update ?? 0, 0);
        assert.equal(await pluginProcessesLeft(), "", "plugin processes left after the runner exited");
      });
    });
  }
});
