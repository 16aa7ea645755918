import * as assert from "node:assert/strict";
import * as childProcess from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

interface EnsureResult {
  binDir: string;
  pulumi: string;
  version: string;
  source: string;
}
interface EnsureModule {
  ensurePulumi(options?: {
    quiet?: boolean;
    ignorePath?: boolean;
    toolsDir?: string;
    wrapperDir?: string;
    progress?: boolean;
  }): EnsureResult;
  pinnedVersion(): string;
  parseVersion(text: string): string | undefined;
  compareVersions(a: string, b: string): number;
  findOnPath(name: string, searchPath?: string): string | undefined;
  shimScript(): string;
  inputsHashes(wrapperDir?: string): { cli: string; host: string };
  rebuildPlan(
    stamp: { cliHash?: unknown; hostHash?: unknown } | undefined,
    hashes: { cli: string; host: string },
    complete: boolean,
  ): "none" | "host" | "full";
}

const WRAPPER = path.resolve(__dirname, "..", "..", "scripts", "pulumi-cli");

// Plain CommonJS script without type declarations.
const ensure = require("../../scripts/ensure-pulumi.js") as EnsureModule;

describe("scripts/ensure-pulumi.js", () => {
  let tmp: string;
  let savedPath: string | undefined;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ensure-pulumi-"));
    savedPath = process.env.PATH;
  });
  afterEach(() => {
    process.env.PATH = savedPath;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  function fakeExecutable(name: string, body: string): string {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return file;
  }

  it("reads the pinned version from the wrapper module's go.mod", () => {
    assert.match(ensure.pinnedVersion(), /^3\.\d+\.\d+$/);
  });

  it("parses and compares versions", () => {
    assert.equal(ensure.parseVersion("v3.274.1\n"), "3.274.1");
    assert.equal(ensure.parseVersion("warning: x\nv3.181.0-alpha.1"), "3.181.0");
    assert.equal(ensure.parseVersion("no version"), undefined);
    assert.ok(ensure.compareVersions("3.274.1", "3.181.0") > 0);
    assert.ok(ensure.compareVersions("3.99.0", "3.181.0") < 0);
    assert.equal(ensure.compareVersions("3.181.0", "3.181.0"), 0);
  });

  it("finds only executable files on a PATH", () => {
    fs.writeFileSync(path.join(tmp, "not-exec"), "x", { mode: 0o644 });
    const exe = fakeExecutable("is-exec", "true");
    assert.equal(ensure.findOnPath("is-exec", `/nonexistent${path.delimiter}${tmp}`), exe);
    assert.equal(ensure.findOnPath("not-exec", tmp), undefined);
  });

  it("uses a recent pulumi from PATH when the Node.js language host is beside it", () => {
    const pulumi = fakeExecutable("pulumi", 'echo "v3.300.2"');
    fakeExecutable("pulumi-language-nodejs", "exit 0");
    process.env.PATH = tmp;
    const r = ensure.ensurePulumi({ quiet: true });
    assert.deepEqual(r, { binDir: tmp, pulumi, version: "3.300.2", source: "path" });
  });

  it("writes a dynamic provider shim that execs node with a parent watchdog and forwards its arguments", () => {
    const shim = ensure.shimScript();
    assert.match(shim, /^#!\/bin\/sh\n/);
    assert.match(shim, /require\.resolve\('@pulumi\/pulumi\/cmd\/dynamic-provider'\)/);
    assert.match(shim, /\nexec node --import 'data:text\/javascript,[^'%#]+' "\$script" "\$@"\n$/);
  });

  it("the shim's watchdog ends node once its parent is gone, and only then", async function () {
    this.timeout(15_000);
    const pidFile = path.join(tmp, "child.pid");
    // A stand-in dynamic provider that would otherwise live for a minute.
    const provider = path.join(tmp, "provider.js");
    fs.writeFileSync(
      provider,
      `require("node:fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setTimeout(() => {}, 60000);\n`,
    );
    const shim = ensure.shimScript().replace(/script=\$\(node -e[^\n]*\n/, `script=${provider}\n`);
    fakeExecutable("shim", shim.replace(/^#!\/bin\/sh\n/, ""));
    // The "engine": runs the shim and stays alive until killed.
    const engine = childProcess.spawn(
      process.execPath,
      [
        "-e",
        `require("node:child_process").spawn(${JSON.stringify(path.join(tmp, "shim"))}, [], { detached: true, stdio: "ignore" }); setInterval(() => {}, 1000);`,
      ],
      { stdio: "ignore" },
    );
    const deadline = Date.now() + 10_000;
    while (!fs.existsSync(pidFile) && Date.now() < deadline) await sleep(50);
    const pid = Number(fs.readFileSync(pidFile, "utf8"));
    try {
      await sleep(1500);
      assert.equal(parentOf(pid), engine.pid, "exec: node's parent is the engine");
      engine.kill("SIGKILL");
      const gone = Date.now() + 4_000;
      while (parentOf(pid) !== undefined && Date.now() < gone) await sleep(50);
      assert.equal(parentOf(pid), undefined, "node still runs after its engine was killed");
    } finally {
      engine.kill("SIGKILL");
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
  });

  describe("rebuilds", () => {
    /** A copy of the wrapper module's inputs, to edit. */
    function wrapperCopy(): string {
      const dir = path.join(tmp, "wrapper");
      fs.mkdirSync(path.join(dir, "language-nodejs"), { recursive: true });
      for (const f of ["go.mod", "go.sum", "tools.go"])
        fs.copyFileSync(path.join(WRAPPER, f), path.join(dir, f));
      for (const f of fs.readdirSync(path.join(WRAPPER, "language-nodejs"))) {
        fs.copyFileSync(path.join(WRAPPER, "language-nodejs", f), path.join(dir, "language-nodejs", f));
      }
      return dir;
    }

    it("an edit of the language host changes only its hash; go.mod changes both", () => {
      const dir = wrapperCopy();
      const before = ensure.inputsHashes(dir);
      assert.deepEqual(before, ensure.inputsHashes(WRAPPER));
      fs.appendFileSync(path.join(dir, "language-nodejs", "main.go"), "\n// edited\n");
      const hostEdited = ensure.inputsHashes(dir);
      assert.equal(hostEdited.cli, before.cli);
      assert.notEqual(hostEdited.host, before.host);
      fs.writeFileSync(path.join(dir, "language-nodejs", "extra.go"), "package main\n");
      const fileAdded = ensure.inputsHashes(dir);
      assert.notEqual(fileAdded.host, hostEdited.host, "a new Go file counts");
      fs.appendFileSync(path.join(dir, "go.sum"), "\n");
      const graphEdited = ensure.inputsHashes(dir);
      assert.notEqual(graphEdited.cli, fileAdded.cli);
      assert.notEqual(graphEdited.host, fileAdded.host);
    });

    it("plans nothing, the host only, or everything", () => {
      const hashes = { cli: "c", host: "h" };
      assert.equal(ensure.rebuildPlan({ cliHash: "c", hostHash: "h" }, hashes, true), "none");
      assert.equal(ensure.rebuildPlan({ cliHash: "c", hostHash: "old" }, hashes, true), "host");
      assert.equal(ensure.rebuildPlan({ cliHash: "old", hostHash: "h" }, hashes, true), "full");
      assert.equal(
        ensure.rebuildPlan({ cliHash: "c", hostHash: "h" }, hashes, false),
        "full",
        "a file is missing",
      );
      assert.equal(ensure.rebuildPlan(undefined, hashes, true), "full");
      assert.equal(
        ensure.rebuildPlan({ inputsHash: "x" } as never, hashes, true),
        "full",
        "a stamp of the old format",
      );
    });

    it("with a fake go: builds both once, then reuses them, then rebuilds only the host after its edit", () => {
      const dir = wrapperCopy();
      const tools = path.join(tmp, "tools");
      const calls = path.join(tmp, "go-calls");
      const version = ensure.pinnedVersion();
      // `go build … -o <out> <pkg>` writes a fake executable that answers `version`; `go env GOVERSION` answers.
      fakeExecutable(
        "go",
        [
          `echo "$*" >> ${JSON.stringify(calls)}`,
          'if [ "$1" = env ]; then echo go1.0; exit 0; fi',
          'if [ "$1" = list ]; then echo fmt; echo os; exit 0; fi',
          'out=""; while [ $# -gt 0 ]; do if [ "$1" = -o ]; then out="$2"; fi; shift; done',
          `printf '#!/bin/sh\\necho v${version}\\n' > "$out"; chmod +x "$out"`,
        ].join("\n"),
      );
      process.env.PATH = `${tmp}${path.delimiter}${savedPath}`;
      const goCalls = (): string[] =>
        fs.existsSync(calls) ? fs.readFileSync(calls, "utf8").trim().split("\n").filter(Boolean) : [];
      const builds = (): string[] => goCalls().filter((c) => c.startsWith("build"));
      const opts = { quiet: true, ignorePath: true, toolsDir: tools, wrapperDir: dir, progress: false };

      const first = ensure.ensurePulumi(opts);
      assert.equal(first.source, "built");
      assert.equal(first.binDir, path.join(tools, `v${version}`, "bin"));
      assert.equal(builds().length, 2);
      assert.ok(builds().some((c) => c.endsWith("github.com/pulumi/pulumi/pkg/v3/cmd/pulumi")));
      assert.ok(builds().some((c) => c.endsWith("./language-nodejs")));
      const shim = path.join(first.binDir, "pulumi-resource-pulumi-nodejs");
      assert.equal(fs.readFileSync(shim, "utf8"), ensure.shimScript());

      assert.equal(ensure.ensurePulumi(opts).source, "cached");
      assert.equal(builds().length, 2, "nothing rebuilt");

      const cliBefore = fs.statSync(path.join(first.binDir, "pulumi")).ino;
      fs.appendFileSync(path.join(dir, "language-nodejs", "main.go"), "\n// edited\n");
      const third = ensure.ensurePulumi(opts);
      assert.equal(third.source, "host-rebuilt");
      assert.equal(builds().length, 3);
      assert.ok(builds()[2]?.endsWith("./language-nodejs"), "only the host was built");
      assert.equal(fs.statSync(path.join(first.binDir, "pulumi")).ino, cliBefore, "the CLI was not touched");
      assert.equal(ensure.ensurePulumi(opts).source, "cached");
      assert.equal(builds().length, 3);
      assert.deepEqual(
        fs.readdirSync(path.join(tools, `v${version}`)).sort(),
        [".stamp.json", "bin"],
        "no lock or temporary file left",
      );
    });
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The parent pid of a live (non-zombie) process, from /proc; undefined when it is gone. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[0] === "Z" ? undefined : Number(fields[1]);
  } catch {
    return undefined;
  }
}
