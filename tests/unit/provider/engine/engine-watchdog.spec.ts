import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  engineGoneReason,
  isDynamicProviderProcess,
  type ProcessView,
  procView,
  startEngineWatchdog,
  takeBaseline,
} from "../../../../provider/engine/engine-watchdog";

const REPO = path.resolve(__dirname, "..", "..", "..", "..");

/** A process table that a test edits: pid → parent pid, plus which pids are launchers. */
class FakeProcesses implements ProcessView {
  constructor(
    public self: number,
    public parents: Map<number, number>,
    public launchers: Set<number> = new Set(),
  ) {}
  ppid(): number {
    return this.parents.get(this.self) ?? 1;
  }
  parentOf(pid: number): number | undefined {
    return this.parents.get(pid);
  }
  isLauncher(pid: number): boolean {
    return this.launchers.has(pid);
  }
}

/** A manual interval timer. */
class FakeTimer {
  fn: (() => void) | undefined;
  ms: number | undefined;
  cleared = false;
  set = (fn: () => void, ms: number): unknown => {
    this.fn = fn;
    this.ms = ms;
    return this;
  };
  clear = (): void => {
    this.cleared = true;
  };
  tick(): void {
    if (!this.cleared) this.fn?.();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("provider/engine/engine-watchdog", () => {
  it("recognizes the dynamic-provider process by its command line only", () => {
    const node = "/usr/bin/node";
    assert.ok(
      isDynamicProviderProcess([node, "/p/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js"]),
    );
    assert.ok(isDynamicProviderProcess([node, "/p/node_modules/@pulumi/pulumi/cmd/dynamic-provider"]));
    assert.ok(
      isDynamicProviderProcess([node, "C:\\p\\node_modules\\@pulumi\\pulumi\\cmd\\dynamic-provider"]),
    );
    assert.ok(!isDynamicProviderProcess([node, "/p/node_modules/@pulumi/pulumi/cmd/run"]));
    assert.ok(!isDynamicProviderProcess([node, "/p/node_modules/mocha/bin/mocha.js"]));
    assert.ok(!isDynamicProviderProcess([node]));
    // mocha is not the dynamic provider: nothing starts here without `force`.
    assert.equal(startEngineWatchdog(), undefined);
  });

  it("engine as the parent: gone once the parent pid changes", () => {
    const procs = new FakeProcesses(100, new Map([[100, 50]]));
    const baseline = takeBaseline(procs);
    assert.deepEqual(baseline, { ppid: 50 });
    assert.equal(engineGoneReason(baseline, procs), undefined);
    procs.parents.set(100, 1); // re-parented to init
    assert.match(engineGoneReason(baseline, procs) ?? "", /parent process 50 is gone/);
    procs.parents.set(100, 7); // or to a subreaper
    assert.ok(engineGoneReason(baseline, procs));
  });

  it("a shell launcher as the parent (Pulumi's own launcher): gone once the launcher's parent changes", () => {
    // engine 50 → sh 60 → node 100
    const procs = new FakeProcesses(
      100,
      new Map([
        [100, 60],
        [60, 50],
      ]),
      new Set([60]),
    );
    const baseline = takeBaseline(procs);
    assert.deepEqual(baseline, { ppid: 60, launcher: { pid: 60, ppid: 50 } });
    assert.equal(engineGoneReason(baseline, procs), undefined);
    procs.parents.set(60, 1); // the engine died: the shell is re-parented, node's parent is unchanged
    assert.equal(procs.ppid(), 60);
    assert.match(engineGoneReason(baseline, procs) ?? "", /engine \(process 50, parent of the launcher 60\)/);
    procs.parents.delete(60); // the shell is gone too
    assert.ok(engineGoneReason(baseline, procs));
  });

  it("a parent that is not a launcher is not looked through", () => {
    const procs = new FakeProcesses(
      100,
      new Map([
        [100, 60],
        [60, 50],
      ]),
    );
    const baseline = takeBaseline(procs);
    assert.deepEqual(baseline, { ppid: 60 });
    procs.parents.set(60, 1);
    assert.equal(engineGoneReason(baseline, procs), undefined);
  });

  it("checks on its interval, reports once and stops its timer", () => {
    const procs = new FakeProcesses(100, new Map([[100, 50]]));
    const timer = new FakeTimer();
    const reasons: string[] = [];
    const wd = startEngineWatchdog({
      force: true,
      intervalMs: 250,
      view: procs,
      setInterval: timer.set,
      clearInterval: timer.clear,
      onEngineGone: (r) => reasons.push(r),
    });
    assert.ok(wd);
    assert.equal(timer.ms, 250);
    timer.tick();
    timer.tick();
    assert.deepEqual(reasons, []);
    procs.parents.set(100, 1);
    timer.tick();
    assert.equal(reasons.length, 1);
    assert.ok(timer.cleared);
    timer.tick();
    assert.equal(wd.check(), undefined, "a stopped watchdog reports nothing");
    assert.equal(reasons.length, 1);
  });

  it("stop() clears the timer without reporting", () => {
    const procs = new FakeProcesses(100, new Map([[100, 50]]));
    const timer = new FakeTimer();
    const reasons: string[] = [];
    const wd = startEngineWatchdog({
      force: true,
      view: procs,
      setInterval: timer.set,
      clearInterval: timer.clear,
      onEngineGone: (r) => reasons.push(r),
    });
    assert.equal(timer.ms, 1000, "default interval");
    wd?.stop();
    assert.ok(timer.cleared);
    procs.parents.set(100, 1);
    timer.tick();
    assert.deepEqual(reasons, []);
  });

  if (process.platform === "linux") {
    it("procView reads this process's parent and recognizes a shell", () => {
      assert.equal(procView.parentOf(process.pid), process.ppid);
      assert.equal(procView.parentOf(2 ** 22 + 12345), undefined);
      assert.equal(procView.isLauncher(process.pid), false);
    });

    it("a real process under a non-exec shell launcher exits when the launcher's parent is killed", async function () {
      this.timeout(20_000);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sp-watchdog-"));
      try {
        const pidFile = path.join(dir, "provider.pid");
        const watchdog = path.join(REPO, "provider", "engine", "engine-watchdog.ts");
        // The "provider": starts the watchdog (forced: its argv is not the dynamic provider's) and
        // stays alive on its own timer, like a gRPC server.
        const provider = [
          `require(${JSON.stringify(watchdog)}).startEngineWatchdog({ force: true, intervalMs: 100 });`,
          `require("node:fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));`,
          "setInterval(() => {}, 1000);",
        ].join("\n");
        const launcher = `node -r ts-node/register/transpile-only -e '${provider}'; exit $?`;
        // The "engine": starts the launcher in a process group of its own, as Pulumi's engine does,
        // and stays alive until killed.
        const engineCode = [
          'const { spawn } = require("node:child_process");',
          `spawn("sh", ["-c", ${JSON.stringify(launcher)}], { detached: true, stdio: "ignore", cwd: ${JSON.stringify(REPO)} });`,
          "setInterval(() => {}, 1000);",
        ].join("\n");
        const engine = spawn(process.execPath, ["-e", engineCode], { stdio: "ignore" });
        await waitUntil("the provider to start", () => fs.existsSync(pidFile), 15_000);
        const providerPid = Number(fs.readFileSync(pidFile, "utf8"));
        const launcherPid = procView.parentOf(providerPid);
        assert.ok(launcherPid && procView.isLauncher(launcherPid), "the provider's parent is the shell");
        assert.equal(procView.parentOf(launcherPid), engine.pid);
        await new Promise((r) => setTimeout(r, 300));
        assert.ok(alive(providerPid), "the provider runs while its engine does");

        engine.kill("SIGKILL");
        try {
          await waitUntil("the provider to exit", () => procView.parentOf(providerPid) === undefined, 3_000);
        } finally {
          if (alive(providerPid)) process.kill(providerPid, "SIGKILL");
        }
        await waitUntil("the launcher to exit", () => procView.parentOf(launcherPid) === undefined, 3_000);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
