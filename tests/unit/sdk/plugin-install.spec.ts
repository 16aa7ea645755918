/**
 * `pulumi-scrapingpros plugin install`: argument handling, and what it runs and says for each state
 * of the machine (no pulumi, an old one, a package without its plugin, a failed install, an
 * installed copy that is the same or differs), with a recorded stand-in for `pulumi`. The real CLI
 * runs the same paths in tests/e2e/native-plugin.spec.ts.
 */
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PACKAGE_VERSION } from "../../../provider/core/version";
import { type CliIo, main } from "../../../sdk/cli";
import {
  type CommandResult,
  cachedPluginDir,
  compareVersions,
  MIN_PULUMI_VERSION,
  type PluginManifest,
  parseVersion,
} from "../../../sdk/plugin-install";

const LAUNCHER = "pulumi-resource-scrapingpros";
const BUNDLE = "pulumi-resource-scrapingpros.cjs";
const CONTENT: Record<string, { text: string; mode: number }> = {
  [LAUNCHER]: { text: "#!/bin/sh\nexec node bundle\n", mode: 0o755 },
  [BUNDLE]: { text: "console.log(1234)\n", mode: 0o644 },
};
const sha256 = (text: string | Buffer) => crypto.createHash("sha256").update(text).digest("hex");

/** A stand-in for `pulumi`: answers `version` and `plugin ls`, and "extracts" on `plugin install`. */
class FakePulumi {
  calls: string[][] = [];
  version: CommandResult = { status: 0, signal: null, stdout: "v3.274.1\n", stderr: "", error: undefined };
  install: CommandResult | undefined;
  listed = true;
  constructor(readonly target: () => string) {}

  run = (command: string, args: string[]): CommandResult => {
    assert.equal(command, "pulumi");
    this.calls.push(args);
    const ok = (stdout: string): CommandResult => ({
      status: 0,
      signal: null,
      stdout,
      stderr: "",
      error: undefined,
    });
    if (args[0] === "version") return this.version;
    if (args[0] === "plugin" && args[1] === "ls") {
      return ok(
        JSON.stringify(
          this.listed ? [{ name: "scrapingpros", kind: "resource", version: PACKAGE_VERSION }] : [],
        ),
      );
    }
    if (args[0] === "plugin" && args[1] === "install") {
      if (this.install) return this.install;
      const dir = this.target();
      if (!fs.existsSync(dir) || args.includes("--reinstall")) {
        fs.rmSync(dir, { recursive: true, force: true });
        fs.mkdirSync(dir, { recursive: true });
        for (const [f, { text, mode }] of Object.entries(CONTENT)) {
          fs.writeFileSync(path.join(dir, f), text);
          fs.chmodSync(path.join(dir, f), mode);
        }
      }
      return ok("");
    }
    throw new Error(`unexpected pulumi ${args.join(" ")}`);
  };

  /** The `plugin install` calls' arguments. */
  installs(): string[][] {
    return this.calls.filter((a) => a[1] === "install");
  }
}

describe("pulumi-scrapingpros plugin install", () => {
  let dir: string;
  let pluginDir: string;
  let home: string;
  let manifest: PluginManifest;
  let fake: FakePulumi;
  let env: NodeJS.ProcessEnv;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sp-plugin-install-"));
    pluginDir = path.join(dir, "dist-plugin");
    home = path.join(dir, "pulumi-home");
    fs.mkdirSync(pluginDir);
    manifest = {
      name: "scrapingpros",
      kind: "resource",
      version: PACKAGE_VERSION,
      tarball: `pulumi-resource-scrapingpros-v${PACKAGE_VERSION}.tar.gz`,
      tarballSha256: sha256("tarball"),
      files: Object.fromEntries(
        Object.entries(CONTENT).map(([f, { text, mode }]) => [
          f,
          { size: text.length, mode: mode.toString(8), sha256: sha256(text) },
        ]),
      ),
    };
    fs.writeFileSync(path.join(pluginDir, "manifest.json"), JSON.stringify(manifest));
    fs.writeFileSync(path.join(pluginDir, manifest.tarball), "tarball");
    env = { PATH: "/nowhere", PULUMI_HOME: home, HOME: path.join(dir, "user") };
    fake = new FakePulumi(() => cachedPluginDir(manifest, env));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  let platform: NodeJS.Platform = "linux";
  function cli(...argv: string[]) {
    let stdout = "";
    let stderr = "";
    const io: CliIo = {
      platform,
      cwd: dir,
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
      env,
      pluginDir,
      run: fake.run,
    };
    const code = main(argv, io);
    return { code, stdout, stderr };
  }

  const cacheDir = () => path.join(home, "plugins", `resource-scrapingpros-v${PACKAGE_VERSION}`);
  const installArgs = (...extra: string[]) => [
    "plugin",
    "install",
    "resource",
    "scrapingpros",
    PACKAGE_VERSION,
    "--file",
    path.join(pluginDir, manifest.tarball),
    ...extra,
  ];

  it("installs with `pulumi plugin install resource scrapingpros <version> --file <tarball>`, printing the command and the folder", () => {
    const r = cli("plugin", "install");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.deepEqual(fake.installs(), [installArgs()]);
    assert.deepEqual(fake.calls[0], ["version"], "the version is checked before anything is installed");
    const lines = r.stdout.split("\n");
    assert.equal(lines[0], `$ pulumi ${installArgs().join(" ")}`);
    assert.equal(lines[1], `installed resource plugin scrapingpros ${PACKAGE_VERSION} in ${cacheDir()}.`);
    assert.match(r.stdout, new RegExp(`\\(PULUMI_HOME=${home.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\)`));
  });

  it("run again: the identical copy stays (no --reinstall) and it says so; exit 0", () => {
    assert.equal(cli("plugin", "install").code, 0);
    const before = fs.statSync(path.join(cacheDir(), BUNDLE));
    const r = cli("plugin", "install");
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fake.installs(), [installArgs(), installArgs()]);
    assert.match(r.stdout, /was already installed in .*, identical to this package's: nothing changed\./);
    assert.equal(fs.statSync(path.join(cacheDir(), BUNDLE)).ino, before.ino);
  });

  it("an installed copy of the same version that differs (content, or a lost execute bit) is reinstalled, naming the file", () => {
    assert.equal(cli("plugin", "install").code, 0);
    fs.appendFileSync(path.join(cacheDir(), BUNDLE), "// another build\n");
    let r = cli("plugin", "install");
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fake.installs().at(-1), installArgs("--reinstall"));
    assert.match(
      r.stdout,
      new RegExp(`reinstalled resource plugin scrapingpros .*: its ${BUNDLE.replace(".", "\\.")} differed`),
    );
    assert.equal(fs.readFileSync(path.join(cacheDir(), BUNDLE), "utf8"), CONTENT[BUNDLE]?.text);

    fs.chmodSync(path.join(cacheDir(), LAUNCHER), 0o644);
    r = cli("plugin", "install");
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fake.installs().at(-1), installArgs("--reinstall"));
    assert.match(r.stdout, new RegExp(`its ${LAUNCHER} differed`));

    fs.rmSync(path.join(cacheDir(), LAUNCHER));
    r = cli("plugin", "install");
    assert.deepEqual(fake.installs().at(-1), installArgs("--reinstall"));
    assert.ok(fs.statSync(path.join(cacheDir(), LAUNCHER)).mode & 0o100);
  });

  it("--reinstall passes --reinstall even when the copy is identical", () => {
    assert.equal(cli("plugin", "install").code, 0);
    const r = cli("plugin", "install", "--reinstall");
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fake.installs().at(-1), installArgs("--reinstall"));
    assert.match(r.stdout, /^reinstalled resource plugin scrapingpros /m);
  });

  it("without PULUMI_HOME, the cache is ~/.pulumi/plugins", () => {
    delete env.PULUMI_HOME;
    const r = cli("plugin", "install");
    assert.equal(r.code, 0, r.stderr);
    const expected = path.join(
      dir,
      "user",
      ".pulumi",
      "plugins",
      `resource-scrapingpros-v${PACKAGE_VERSION}`,
    );
    assert.ok(r.stdout.includes(`in ${expected}.`), r.stdout);
    assert.doesNotMatch(r.stdout, /PULUMI_HOME=/);
  });

  it("no pulumi on PATH: exit 1, says so and where to get it, installs nothing", () => {
    fake.version = {
      status: null,
      signal: null,
      stdout: "",
      stderr: "",
      error: Object.assign(new Error("spawnSync pulumi ENOENT"), { code: "ENOENT" }),
    };
    const r = cli("plugin", "install");
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      /^pulumi-scrapingpros plugin install: no `pulumi` on PATH\. Install the Pulumi CLI \(https:/,
    );
    assert.deepEqual(fake.installs(), []);
  });

  it("a pulumi older than the minimum: exit 1, naming both versions; a newer or equal one passes", () => {
    for (const [printed, ok] of [
      ["v3.180.9\n", false],
      ["v2.25.0\n", false],
      [`v${MIN_PULUMI_VERSION}\n`, true],
      ["v3.274.1-dev.0\n", true],
      ["v4.0.0\n", true],
    ] as const) {
      fake.calls = [];
      fake.version = { status: 0, signal: null, stdout: printed, stderr: "", error: undefined };
      const r = cli("plugin", "install");
      assert.equal(r.code, ok ? 0 : 1, `${printed.trim()}: ${r.stderr}`);
      if (!ok) {
        assert.match(
          r.stderr,
          new RegExp(
            `the pulumi on PATH is ${printed.trim().slice(1).replace(/\./g, "\\.")}, too old: .*needs Pulumi CLI >= ${MIN_PULUMI_VERSION.replace(/\./g, "\\.")}`,
          ),
        );
        assert.deepEqual(fake.installs(), []);
      }
    }
  });

  it("`pulumi version` failing: exit 1 with its output", () => {
    fake.version = { status: 2, signal: null, stdout: "", stderr: "error: broken home\n", error: undefined };
    const r = cli("plugin", "install");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /`pulumi version` exited 2:\n {2}error: broken home/);
  });

  it("a package without its plugin (no tarball, or no manifest): exit 1 naming the file and the fix, pulumi never runs", () => {
    fs.rmSync(path.join(pluginDir, manifest.tarball));
    let r = cli("plugin", "install");
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /the plugin tarball .*pulumi-resource-scrapingpros-v.*\.tar\.gz is missing: this copy of pulumi-scrapingpros was installed without its plugin/,
    );
    assert.match(r.stderr, /npm run build/);
    fs.rmSync(pluginDir, { recursive: true });
    r = cli("plugin", "install");
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /manifest\.json is missing: this copy of pulumi-scrapingpros was installed without its plugin/,
    );
    assert.deepEqual(fake.calls, []);
  });

  it("a tarball that is not the one its manifest names (changed, damaged): exit 1 with both SHA-256, pulumi never runs", () => {
    fs.appendFileSync(path.join(pluginDir, manifest.tarball), "!");
    const r = cli("plugin", "install");
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(
        `is not the one its manifest names \\(SHA-256 ${sha256("tarball!")}, expected ${manifest.tarballSha256}\\): it was changed or damaged`,
      ),
    );
    assert.deepEqual(fake.calls, []);
  });

  it("on Windows: exit 1, the launcher is a shell script; pulumi never runs", () => {
    platform = "win32";
    try {
      const r = cli("plugin", "install");
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /POSIX shell script, which Pulumi on Windows cannot start: use Linux, macOS or WSL/,
      );
      assert.deepEqual(fake.calls, []);
    } finally {
      platform = "linux";
    }
  });

  it("a plugin built for another version than the package: exit 1, rebuild", () => {
    fs.writeFileSync(
      path.join(pluginDir, "manifest.json"),
      JSON.stringify({ ...manifest, version: "0.0.9" }),
    );
    const r = cli("plugin", "install");
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(
        `built for version 0\\.0\\.9, but the package is ${PACKAGE_VERSION.replace(/\./g, "\\.")}: rebuild it`,
      ),
    );
    assert.deepEqual(fake.calls, []);
  });

  it("a failed `pulumi plugin install`: exit 1 with pulumi's own message", () => {
    fake.install = {
      status: 255,
      signal: null,
      stdout: "",
      stderr: "error: installing resource plugin scrapingpros: gzip: invalid header\n",
      error: undefined,
    };
    const r = cli("plugin", "install");
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /`pulumi plugin install` failed \(exited 255\):\n {2}error: installing resource plugin scrapingpros: gzip: invalid header/,
    );
  });

  it("an install that `pulumi plugin ls` does not list afterwards: exit 1", () => {
    fake.listed = false;
    const r = cli("plugin", "install");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /`pulumi plugin ls` does not list resource plugin scrapingpros/);
  });

  it("exit 2 on bad usage, with the usage naming both commands; --help exits 0", () => {
    for (const [argv, said] of [
      [["plugin"], /plugin: no subcommand \(install\)/],
      [["plugin", "remove"], /unexpected argument: remove/],
      [["plugin", "install", "now"], /unexpected argument: now/],
      [["plugin", "install", "--format", "json"], /--format is an option of validate, not of plugin install/],
      [["plugin", "install", "--summary"], /--summary is an option of validate/],
      [["plugin", "install", "--force"], /Unknown option '--force'/],
      [["validate", "--reinstall"], /--reinstall is an option of plugin install, not of validate/],
    ] as const) {
      const r = cli(...argv);
      assert.equal(r.code, 2, argv.join(" "));
      assert.match(r.stderr, said, argv.join(" "));
      assert.match(
        r.stderr,
        /Usage: pulumi-scrapingpros validate .*\n {7}pulumi-scrapingpros plugin install \[--reinstall\]/,
      );
    }
    assert.deepEqual(fake.calls, []);
    const help = cli("--help");
    assert.equal(help.code, 0);
    assert.match(
      help.stdout,
      /plugin install runs `pulumi plugin install resource scrapingpros <version> --file <tarball>`/,
    );
  });

  it("parseVersion and compareVersions", () => {
    assert.deepEqual(parseVersion("v3.274.1\n"), [3, 274, 1]);
    assert.deepEqual(parseVersion("warning: x\nv3.181.0-alpha.1"), [3, 181, 0]);
    assert.equal(parseVersion("dev"), undefined);
    assert.ok(compareVersions([3, 274, 1], [3, 181, 0]) > 0);
    assert.ok(compareVersions([3, 99, 0], [3, 181, 0]) < 0);
    assert.equal(compareVersions([3, 181, 0], [3, 181, 0]), 0);
  });
});
