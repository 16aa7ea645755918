import * as assert from "node:assert/strict";
import * as childProcess from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

type Part = "cli" | "host" | "yaml";
interface Hashes {
  cli: string;
  host: string;
  yaml: string;
}
interface EnsureResult {
  binDir: string;
  pulumi: string;
  version: string;
  source: string;
  built: Part[];
}
interface EnsureModule {
  ensurePulumi(options?: {
    quiet?: boolean;
    ignorePath?: boolean;
    toolsDir?: string;
    wrapperDir?: string;
    yamlDir?: string;
    progress?: boolean;
  }): EnsureResult;
  pinnedVersion(): string;
  pinnedYamlVersion(yamlDir?: string): string;
  parseVersion(text: string): string | undefined;
  compareVersions(a: string, b: string): number;
  findOnPath(name: string, searchPath?: string): string | undefined;
  shimScript(): string;
  inputsHashes(wrapperDir?: string, yamlDir?: string): Hashes;
  rebuildPlan(
    stamp: { cliHash?: unknown; hostHash?: unknown; yamlHash?: unknown } | undefined,
    hashes: Hashes,
    present: Record<Part, boolean>,
  ): Part[];
}

const WRAPPER = path.resolve(__dirname, "..", "..", "scripts", "pulumi-cli");
const YAML_WRAPPER = path.resolve(__dirname, "..", "..", "scripts", "pulumi-yaml");

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

  it("reads the pinned versions from the wrapper modules' go.mod files", () => {
    assert.match(ensure.pinnedVersion(), /^3\.\d+\.\d+$/);
    assert.equal(ensure.pinnedYamlVersion(), "1.25.0");
    const dir = path.join(tmp, "yaml");
    fs.mkdirSync(dir);
    fs.writeFileSync(
      path.join(dir, "go.mod"),
      "module x\n\ngo 1.24.7\n\nrequire github.com/pulumi/pulumi-yaml v1.26.3\n",
    );
    assert.equal(ensure.pinnedYamlVersion(dir), "1.26.3", "a single-line require");
    fs.writeFileSync(path.join(dir, "go.mod"), "module x\n\nrequire github.com/pulumi/pulumi-yamlx v1.0.0\n");
    assert.throws(() => ensure.pinnedYamlVersion(dir), /does not require github\.com\/pulumi\/pulumi-yaml/);
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

  it("uses a recent pulumi from PATH when the Node.js and YAML language hosts are on PATH too", () => {
    const pulumi = fakeExecutable("pulumi", 'echo "v3.300.2"');
    fakeExecutable("pulumi-language-nodejs", "exit 0");
    // Pulumi's release archives put every language host beside the CLI; another PATH entry counts too.
    const other = path.join(tmp, "other");
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, "pulumi-language-yaml"), "#!/bin/sh\n", { mode: 0o755 });
    process.env.PATH = `${tmp}${path.delimiter}${other}`;
    const r = ensure.ensurePulumi({ quiet: true });
    assert.deepEqual(r, { binDir: tmp, pulumi, version: "3.300.2", source: "path", built: [] });
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
    /** A copy of the CLI wrapper module's inputs, to edit. */
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

    /** A copy of the YAML wrapper module's inputs, to edit. */
    function yamlCopy(): string {
      const dir = path.join(tmp, "yaml-wrapper");
      fs.mkdirSync(path.join(dir, "language-yaml"), { recursive: true });
      for (const f of ["go.mod", "go.sum", "tools.go"])
        fs.copyFileSync(path.join(YAML_WRAPPER, f), path.join(dir, f));
      for (const f of fs.readdirSync(path.join(YAML_WRAPPER, "language-yaml"))) {
        fs.copyFileSync(path.join(YAML_WRAPPER, "language-yaml", f), path.join(dir, "language-yaml", f));
      }
      return dir;
    }

    interface GoCall {
      cwd: string;
      args: string;
    }

    /**
     * A fake `go` first on PATH: `go build … -o <out> <pkg>` writes a fake executable answering
     * `version` (one per package, named after its last path element, when <out> ends with a slash);
     * `go list` lists two packages; `go env GOVERSION` answers. A build in the YAML module fails while
     * the file `fail-yaml` exists in the temporary folder. Returns the calls so far.
     */
    function fakeGo(): { calls(): GoCall[]; builds(): GoCall[]; failYaml(fail: boolean): void } {
      const log = path.join(tmp, "go-calls");
      const flag = path.join(tmp, "fail-yaml");
      const version = ensure.pinnedVersion();
      fakeExecutable(
        "go",
        [
          `echo "$(pwd) :: $*" >> ${JSON.stringify(log)}`,
          'if [ "$1" = env ]; then echo go1.0; exit 0; fi',
          'if [ "$1" = list ]; then echo fmt; echo os; exit 0; fi',
          `if [ -e ${JSON.stringify(flag)} ] && [ -e go.mod ] && grep -q pulumi-yaml go.mod; then echo "fake compile error" >&2; exit 1; fi`,
          'out=""; while [ $# -gt 0 ]; do if [ "$1" = -o ]; then out="$2"; shift 2; break; fi; shift; done',
          `write() { printf '#!/bin/sh\\necho v${version}\\n' > "$1"; chmod +x "$1"; }`,
          'case "$out" in */) for pkg in "$@"; do write "$out$(basename "$pkg")"; done ;; *) write "$out" ;; esac',
        ].join("\n"),
      );
      process.env.PATH = `${tmp}${path.delimiter}${savedPath}`;
      const calls = (): GoCall[] =>
        (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n").filter(Boolean) : []).map(
          (line) => {
            const [cwd, args] = line.split(" :: ");
            return { cwd: cwd as string, args: args ?? "" };
          },
        );
      return {
        calls,
        builds: () => calls().filter((c) => c.args.startsWith("build")),
        failYaml: (fail) => (fail ? fs.writeFileSync(flag, "") : fs.rmSync(flag, { force: true })),
      };
    }

    /** Which part a `go build` call built. */
    function partOf(call: GoCall): string {
      if (call.args.endsWith(" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi")) return "cli";
      if (call.args.endsWith(" ./language-nodejs")) return "host";
      if (call.args.endsWith(" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml ./language-yaml"))
        return "yaml";
      return `unknown: ${call.args}`;
    }

    it("an edit of the language host changes only its hash; go.mod changes both of the CLI's module", () => {
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
      assert.equal(graphEdited.yaml, before.yaml, "the YAML host does not depend on the CLI's module");
    });

    it("an edit of the YAML module changes only the yaml hash", () => {
      const dir = yamlCopy();
      const before = ensure.inputsHashes(WRAPPER, dir);
      assert.deepEqual(before, ensure.inputsHashes());
      const edits: [string, () => void][] = [
        [
          "the launcher",
          () => fs.appendFileSync(path.join(dir, "language-yaml", "main.go"), "\n// edited\n"),
        ],
        [
          "a new launcher file",
          () => fs.writeFileSync(path.join(dir, "language-yaml", "extra.go"), "package main\n"),
        ],
        ["tools.go", () => fs.appendFileSync(path.join(dir, "tools.go"), "\n")],
        ["go.sum", () => fs.appendFileSync(path.join(dir, "go.sum"), "\n")],
        ["go.mod", () => fs.appendFileSync(path.join(dir, "go.mod"), "\n")],
      ];
      let previous = before;
      for (const [what, edit] of edits) {
        edit();
        const now = ensure.inputsHashes(WRAPPER, dir);
        assert.notEqual(now.yaml, previous.yaml, `${what} counts`);
        assert.equal(now.cli, before.cli, `${what}: the CLI's hash stays`);
        assert.equal(now.host, before.host, `${what}: the Node.js host's hash stays`);
        previous = now;
      }
    });

    it("plans only the parts whose hash changed or whose files are missing", () => {
      const hashes = { cli: "c", host: "h", yaml: "y" };
      const all = { cli: true, host: true, yaml: true };
      const stamp = { cliHash: "c", hostHash: "h", yamlHash: "y" };
      assert.deepEqual(ensure.rebuildPlan(stamp, hashes, all), []);
      assert.deepEqual(ensure.rebuildPlan({ ...stamp, hostHash: "old" }, hashes, all), ["host"]);
      assert.deepEqual(ensure.rebuildPlan({ ...stamp, yamlHash: "old" }, hashes, all), ["yaml"]);
      assert.deepEqual(
        ensure.rebuildPlan({ ...stamp, cliHash: "old" }, hashes, all),
        ["cli"],
        "a new CLI rebuilds neither language host",
      );
      assert.deepEqual(ensure.rebuildPlan({ ...stamp, cliHash: "old", yamlHash: "old" }, hashes, all), [
        "cli",
        "yaml",
      ]);
      assert.deepEqual(
        ensure.rebuildPlan(stamp, hashes, { ...all, yaml: false }),
        ["yaml"],
        "a file is missing",
      );
      assert.deepEqual(ensure.rebuildPlan(stamp, hashes, { ...all, cli: false }), ["cli"]);
      assert.deepEqual(
        ensure.rebuildPlan({ cliHash: "c", hostHash: "h" }, hashes, all),
        ["yaml"],
        "a stamp written before the YAML host was built",
      );
      assert.deepEqual(ensure.rebuildPlan(undefined, hashes, all), ["cli", "host", "yaml"]);
      assert.deepEqual(
        ensure.rebuildPlan({ inputsHash: "x" } as never, hashes, all),
        ["cli", "host", "yaml"],
        "a stamp of the old format",
      );
    });

    it("with a fake go: builds every part once, reuses them, then rebuilds only what changed", function () {
      // Many short processes: slow on a busy machine.
      this.timeout(60_000);
      const dir = wrapperCopy();
      const yamlDir = yamlCopy();
      const tools = path.join(tmp, "tools");
      const go = fakeGo();
      const version = ensure.pinnedVersion();
      const opts = {
        quiet: true,
        ignorePath: true,
        toolsDir: tools,
        wrapperDir: dir,
        yamlDir,
        progress: false,
      };
      const parts = (): string[] => go.builds().map(partOf);

      const first = ensure.ensurePulumi(opts);
      assert.equal(first.source, "built");
      assert.deepEqual(first.built, ["cli", "host", "yaml"]);
      assert.equal(first.binDir, path.join(tools, `v${version}`, "bin"));
      assert.deepEqual(parts(), ["cli", "host", "yaml"]);
      const yamlBuild = go.builds()[2] as GoCall;
      assert.equal(yamlBuild.cwd, yamlDir, "the YAML host is built in its own module");
      assert.match(yamlBuild.args, /-X github\.com\/pulumi\/pulumi-yaml\/pkg\/version\.Version=v1\.25\.0 /);
      assert.ok(
        go.calls().some((c) => c.cwd === yamlDir && c.args.startsWith("list -deps ")),
        "its modules are resolved (downloaded) first",
      );
      assert.deepEqual(fs.readdirSync(first.binDir).sort(), [
        "pulumi",
        "pulumi-language-nodejs",
        "pulumi-language-yaml",
        "pulumi-language-yaml-upstream",
        "pulumi-resource-pulumi-nodejs",
      ]);
      const shim = path.join(first.binDir, "pulumi-resource-pulumi-nodejs");
      assert.equal(fs.readFileSync(shim, "utf8"), ensure.shimScript());

      assert.equal(ensure.ensurePulumi(opts).source, "cached");
      assert.equal(go.builds().length, 3, "nothing rebuilt");

      const inode = (f: string): number => fs.statSync(path.join(first.binDir, f)).ino;
      const cliBefore = inode("pulumi");
      const yamlBefore = inode("pulumi-language-yaml-upstream");
      fs.appendFileSync(path.join(dir, "language-nodejs", "main.go"), "\n// edited\n");
      assert.deepEqual(ensure.ensurePulumi(opts).built, ["host"]);
      assert.deepEqual(parts().slice(3), ["host"]);

      fs.appendFileSync(path.join(yamlDir, "language-yaml", "main.go"), "\n// edited\n");
      assert.deepEqual(ensure.ensurePulumi(opts).built, ["yaml"]);
      assert.deepEqual(parts().slice(4), ["yaml"]);
      assert.equal(inode("pulumi"), cliBefore, "the CLI was not touched");
      assert.notEqual(inode("pulumi-language-yaml-upstream"), yamlBefore, "the YAML host was replaced");

      const yamlNow = inode("pulumi-language-yaml-upstream");
      fs.appendFileSync(path.join(dir, "tools.go"), "\n");
      assert.deepEqual(ensure.ensurePulumi(opts).built, ["cli"]);
      assert.deepEqual(parts().slice(5), ["cli"]);
      assert.notEqual(inode("pulumi"), cliBefore, "the CLI was replaced");
      assert.equal(inode("pulumi-language-yaml-upstream"), yamlNow, "the YAML host was not touched");

      fs.rmSync(path.join(first.binDir, "pulumi-language-yaml-upstream"));
      assert.deepEqual(ensure.ensurePulumi(opts).built, ["yaml"], "a missing file rebuilds its part");
      assert.equal(ensure.ensurePulumi(opts).source, "cached");
      assert.equal(go.builds().length, 7);
      assert.deepEqual(
        fs.readdirSync(path.join(tools, `v${version}`)).sort(),
        [".stamp.json", "bin"],
        "no lock or temporary file left",
      );
      const stamp = JSON.parse(fs.readFileSync(path.join(tools, `v${version}`, ".stamp.json"), "utf8"));
      assert.deepEqual(
        { cli: stamp.cliHash, host: stamp.hostHash, yaml: stamp.yamlHash },
        ensure.inputsHashes(dir, yamlDir),
      );
      assert.equal(stamp.yamlVersion, "1.25.0");
    });

    it("with a fake go: a failed YAML build keeps the other parts, the next run builds only the YAML host", function () {
      // Many short processes: slow on a busy machine.
      this.timeout(60_000);
      const dir = wrapperCopy();
      const yamlDir = yamlCopy();
      const tools = path.join(tmp, "tools");
      const go = fakeGo();
      const opts = {
        quiet: true,
        ignorePath: true,
        toolsDir: tools,
        wrapperDir: dir,
        yamlDir,
        progress: false,
      };
      const versionDir = path.join(tools, `v${ensure.pinnedVersion()}`);
      go.failYaml(true);
      assert.throws(() => ensure.ensurePulumi(opts), /go build .*failed \(exit 1\):\nfake compile error/);
      assert.deepEqual(go.builds().map(partOf), ["cli", "host", "yaml"]);
      const bin = path.join(versionDir, "bin");
      assert.deepEqual(fs.readdirSync(bin).sort(), [
        "pulumi",
        "pulumi-language-nodejs",
        "pulumi-resource-pulumi-nodejs",
      ]);
      // What a killed build leaves: a staging folder of an earlier version of this script, a temporary file.
      fs.mkdirSync(path.join(versionDir, "bin.tmp-abc123"));
      fs.writeFileSync(path.join(bin, ".pulumi.tmp-99999"), "half a binary");

      go.failYaml(false);
      const r = ensure.ensurePulumi(opts);
      assert.deepEqual(r.built, ["yaml"]);
      assert.deepEqual(go.builds().map(partOf), ["cli", "host", "yaml", "yaml"]);
      assert.deepEqual(fs.readdirSync(versionDir).sort(), [".stamp.json", "bin"], "leftovers removed");
      assert.ok(!fs.readdirSync(bin).some((f) => f.startsWith(".")), "leftovers removed");
    });

    it("a pulumi on PATH without the YAML host is not used: the pinned version is built", function () {
      // Many short processes: slow on a busy machine.
      this.timeout(60_000);
      const go = fakeGo();
      fakeExecutable("pulumi", 'echo "v3.300.2"');
      fakeExecutable("pulumi-language-nodejs", "exit 0");
      const r = ensure.ensurePulumi({
        quiet: true,
        toolsDir: path.join(tmp, "tools"),
        wrapperDir: wrapperCopy(),
        yamlDir: yamlCopy(),
        progress: false,
      });
      assert.equal(r.source, "built");
      assert.notEqual(r.binDir, tmp);
      assert.equal(r.version, ensure.pinnedVersion());
      assert.deepEqual(go.builds().map(partOf), ["cli", "host", "yaml"]);
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
