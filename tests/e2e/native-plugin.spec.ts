/**
 * The native plugin `scrapingpros` installed the two ways the README gives, with the real CLI and a
 * Pulumi home of its own: `pulumi-scrapingpros plugin install` (the package's CLI, as built) and, for
 * users without npm, `pulumi plugin install resource scrapingpros <version> --file <tarball>`. Then a
 * Pulumi YAML project outside the repository finds it in the plugin cache, with no PATH change
 * (tests/helpers/native-plugin.ts: a YAML program of collections, a run and a lookup, its whole life
 * against the emulator with the calls counted). Also what users see when `pulumi` or `node` is
 * missing or too old, and when the install fails.
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { installPlugin, type PluginManifest } from "../../sdk/plugin-install";
import { pulumiBinDir } from "../helpers/e2e";
import {
  callsSince,
  nativeCycle,
  PLUGIN_LAUNCHER,
  pluginOnPath,
  startNativeStack,
} from "../helpers/native-plugin";
import { type CliResult, pulumiEnv, spawnPulumi, succeeded } from "../helpers/pulumi";

const REPO = path.resolve(__dirname, "..", "..");
const PLUGIN_DIR = path.join(REPO, "dist", "plugin");
const CLI = path.join(REPO, "dist", "sdk", "cli.js");

/** `node dist/sdk/cli.js <args>` (the package's bin, as built) in `cwd` with `env`. */
function packageCli(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe("e2e: the native plugin, installed into Pulumi's plugin cache", function () {
  this.timeout(300_000);
  let binDir: string;
  let manifest: PluginManifest;
  let tarball: string;
  const dirs: string[] = [];
  const freshDir = (prefix: string): string => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), `sp-native-${prefix}-`));
    dirs.push(d);
    assert.ok(!fs.realpathSync(d).startsWith(`${fs.realpathSync(REPO)}${path.sep}`));
    return d;
  };

  before(() => {
    binDir = pulumiBinDir();
    assert.ok(fs.existsSync(path.join(PLUGIN_DIR, "manifest.json")), "run `npm run build` first");
    manifest = JSON.parse(fs.readFileSync(path.join(PLUGIN_DIR, "manifest.json"), "utf8")) as PluginManifest;
    tarball = path.join(PLUGIN_DIR, manifest.tarball);
  });
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  describe("npx pulumi-scrapingpros plugin install", () => {
    let dir: string;
    let env: NodeJS.ProcessEnv;
    let cacheDir: string;
    const pulumi = async (args: string[], cwd = dir) =>
      succeeded(args, await spawnPulumi(args, cwd, env, []).result);

    before(() => {
      dir = freshDir("npx");
      env = pulumiEnv(binDir, dir);
      cacheDir = path.join(dir, "home", "plugins", `resource-scrapingpros-v${manifest.version}`);
      assert.deepEqual(pluginOnPath(env), [], "no scrapingpros plugin on PATH");
    });

    it("before it, a project cannot find the plugin", async () => {
      // Without the registry lookup (no network here), which would take seconds to fail.
      const r = await spawnPulumi(
        ["package", "get-schema", "scrapingpros"],
        dir,
        {
          ...env,
          PULUMI_DISABLE_REGISTRY_RESOLVE: "true",
        },
        [],
      ).result;
      assert.notEqual(r.code, 0);
      assert.match(
        r.stdout + r.stderr,
        /unable to install scrapingpros: unable to resolve: package scrapingpros not found/,
      );
    });

    it("installs resource plugin scrapingpros <version> into $PULUMI_HOME/plugins, saying what it ran and where; pulumi plugin ls lists it", async () => {
      const r = await packageCli(["plugin", "install"], dir, env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        r.stdout.split("\n")[0],
        `$ pulumi plugin install resource scrapingpros ${manifest.version} --file ${tarball}`,
      );
      assert.ok(
        r.stdout.includes(`installed resource plugin scrapingpros ${manifest.version} in ${cacheDir}.\n`),
        r.stdout,
      );

      const table = (await pulumi(["plugin", "ls"])).stdout;
      assert.match(
        table,
        new RegExp(`^scrapingpros\\s+resource\\s+${manifest.version.replace(/\./g, "\\.")}\\s`, "m"),
      );
      const listed = JSON.parse((await pulumi(["plugin", "ls", "--json"])).stdout) as {
        name: string;
        kind: string;
        version: string;
      }[];
      assert.deepEqual(
        listed.map((p) => [p.name, p.kind, p.version]),
        [["scrapingpros", "resource", manifest.version]],
      );
      // The cache holds exactly the built plugin folder, the launcher executable.
      const built = path.join(PLUGIN_DIR, "scrapingpros");
      assert.deepEqual(fs.readdirSync(cacheDir).sort(), fs.readdirSync(built).sort());
      for (const f of fs.readdirSync(built)) {
        assert.ok(fs.readFileSync(path.join(cacheDir, f)).equals(fs.readFileSync(path.join(built, f))), f);
      }
      assert.ok(fs.statSync(path.join(cacheDir, PLUGIN_LAUNCHER)).mode & 0o100);
    });

    it("run again: exit 0, nothing changed (the same files)", async () => {
      const inode = fs.statSync(path.join(cacheDir, `${PLUGIN_LAUNCHER}.cjs`)).ino;
      const r = await packageCli(["plugin", "install"], dir, env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /was already installed in .*, identical to this package's: nothing changed\./);
      assert.equal(fs.statSync(path.join(cacheDir, `${PLUGIN_LAUNCHER}.cjs`)).ino, inode);
    });

    it("a changed copy of the same version is replaced; --reinstall replaces an identical one", async () => {
      fs.appendFileSync(path.join(cacheDir, `${PLUGIN_LAUNCHER}.cjs`), "\n// edited\n");
      let r = await packageCli(["plugin", "install"], dir, env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /--reinstall\n/);
      assert.match(
        r.stdout,
        /reinstalled resource plugin scrapingpros .*: its pulumi-resource-scrapingpros\.cjs differed/,
      );
      assert.ok(
        fs
          .readFileSync(path.join(cacheDir, `${PLUGIN_LAUNCHER}.cjs`))
          .equals(fs.readFileSync(path.join(PLUGIN_DIR, "scrapingpros", `${PLUGIN_LAUNCHER}.cjs`))),
      );
      r = await packageCli(["plugin", "install", "--reinstall"], dir, env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^reinstalled resource plugin scrapingpros /m);
    });

    it("a Pulumi YAML project outside the repository finds it with no PATH change: its schema; two collections (one auto-named), a run and a lookup against the emulator: up, a clean preview with no write, an edit with 1 PUT, a no-op up, refresh, destroy; no plugin process left", async () => {
      assert.deepEqual(pluginOnPath(env), []);
      await nativeCycle(path.join(freshDir("yaml"), "project"), env, manifest.version);
    });

    it("replaceOnChanges on a native Collection: a change of its requests replaces it (the engine needs the changed keys, which the shim sends); the old one stays in the account, with a warning", async () => {
      const program = (url: string) => `name: sp-native-roc
runtime: yaml
resources:
  tours:
    type: scrapingpros:Collection
    properties:
      requests:
        - url: ${url}
    options:
      replaceOnChanges: [requests]
`;
      const stack = await startNativeStack(
        path.join(freshDir("roc"), "project"),
        env,
        program("https://example.com/a"),
      );
      try {
        await stack.cli(["up", "--yes", "--skip-preview"]);
        fs.writeFileSync(path.join(stack.dir, "Pulumi.yaml"), program("https://example.com/b"));
        const mark = stack.emu.requests().length;
        const r = await stack.cli(["up", "--yes", "--skip-preview"]);
        assert.match(r.stdout, /\+-1 replaced/);
        assert.ok(!callsSince(stack.emu, mark).some((c) => c.startsWith("PUT ")), "no update in place");
        assert.equal(stack.emu.collections().length, 2);
        assert.match(
          r.stdout.replace(/\s+/g, " "),
          /was removed from the stack but still exists in ScrapingPros/,
        );
      } finally {
        await stack.stop();
      }
    });

    it("node missing from the PATH pulumi runs with: the plugin's message reaches the user", async () => {
      const project = path.join(freshDir("no-node"), "project");
      fs.mkdirSync(project);
      fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: sp-no-node\nruntime: yaml\n");
      // The Go binaries alone: pulumi, its language hosts; no node.
      const r = await spawnPulumi(
        ["package", "get-schema", "scrapingpros"],
        project,
        { ...env, PATH: binDir },
        [],
      ).result;
      assert.notEqual(r.code, 0);
      assert.match(
        (r.stdout + r.stderr).replace(/\s+/g, " "),
        /pulumi-resource-scrapingpros: the scrapingpros plugin needs Node\.js >= \d+\.\d+\.\d+, and there is no node on PATH/,
      );
    });
  });

  describe("without npm: pulumi plugin install resource scrapingpros <version> --file <tarball>", () => {
    it("installs the tarball, and a YAML project finds it in the cache and deploys with it", async () => {
      const dir = freshDir("tarball");
      const env = pulumiEnv(binDir, dir);
      // The tarball as a user downloads it: copied to a folder of its own.
      const download = path.join(dir, manifest.tarball);
      fs.copyFileSync(tarball, download);
      const args = ["plugin", "install", "resource", "scrapingpros", manifest.version, "--file", download];
      succeeded(args, await spawnPulumi(args, dir, env, []).result);
      const listed = JSON.parse(
        succeeded(["plugin", "ls"], await spawnPulumi(["plugin", "ls", "--json"], dir, env, []).result)
          .stdout,
      ) as { name: string; kind: string; version: string }[];
      assert.deepEqual(
        listed.map((p) => [p.name, p.kind, p.version]),
        [["scrapingpros", "resource", manifest.version]],
      );
      const installed = path.join(dir, "home", "plugins", `resource-scrapingpros-v${manifest.version}`);
      assert.ok(
        fs.statSync(path.join(installed, PLUGIN_LAUNCHER)).mode & 0o100,
        "the launcher stays executable",
      );
      await nativeCycle(path.join(dir, "project"), env, manifest.version);
    });
  });

  describe("failures, with the real pulumi", () => {
    it("no pulumi on PATH: exit 1 and the message, nothing installed", async () => {
      const dir = freshDir("no-pulumi");
      const env = { ...pulumiEnv(binDir, dir), PATH: path.dirname(process.execPath) };
      assert.ok(!fs.existsSync(path.join(path.dirname(process.execPath), "pulumi")));
      const r = await packageCli(["plugin", "install"], dir, env);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /no `pulumi` on PATH\. Install the Pulumi CLI/);
      assert.equal(fs.existsSync(path.join(dir, "home", "plugins")), false);
    });

    it("a broken tarball: exit 1 with pulumi's own error passed through", () => {
      const dir = freshDir("broken");
      const pluginDir = path.join(dir, "dist-plugin");
      fs.mkdirSync(pluginDir);
      // Cut short, with a manifest that names it: the damage only pulumi can see.
      const broken = fs.readFileSync(tarball).subarray(0, 4096);
      fs.writeFileSync(path.join(pluginDir, manifest.tarball), broken);
      fs.writeFileSync(
        path.join(pluginDir, "manifest.json"),
        JSON.stringify({
          ...manifest,
          tarballSha256: crypto.createHash("sha256").update(broken).digest("hex"),
        }),
      );
      let stdout = "";
      let stderr = "";
      const code = installPlugin(
        { reinstall: false },
        {
          stdout: (t) => (stdout += t),
          stderr: (t) => (stderr += t),
          env: pulumiEnv(binDir, dir),
          pluginDir,
        },
      );
      assert.equal(code, 1, stdout);
      assert.match(
        stderr,
        /^pulumi-scrapingpros plugin install: `pulumi plugin install` failed \(exited \d+\):\n {2}\S/,
      );
      // pulumi's own words, naming the plugin it could not install
      assert.match(stderr, /error: .*scrapingpros/i);
    });
  });
});
