/**
 * The native plugin as `npm run build` makes it (scripts/build-plugin.js): the tarball's entries, the
 * bundle running from an empty folder with nothing but `node`, the launcher's checks of `node`, the
 * engine watchdog in the plugin process, and a build that gives the same bytes twice. Needs
 * `npm run build` first. The real CLI installs and loads it in tests/e2e/native-plugin.spec.ts.
 */
import * as assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as providerRpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as tar from "tar";
import { providerSchema } from "../../../provider/native/schema";
import type { PluginManifest } from "../../../sdk/plugin-install";

const REPO = path.resolve(__dirname, "..", "..", "..");
const OUT = path.join(REPO, "dist", "plugin");
const LAUNCHER = "pulumi-resource-scrapingpros";
const BUNDLE = "pulumi-resource-scrapingpros.cjs";
const { buildPlugin, launcherScript } = require("../../../scripts/build-plugin.js") as {
  buildPlugin(o: { quiet: boolean; out: string }): Promise<PluginManifest>;
  launcherScript(version: string, min: [number, number, number]): string;
};
const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as {
  version: string;
  engines: { node: string };
};
const sha256 = (file: string) => crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");

/** Starts `file args` in a process group of its own; `port` resolves with the first line if it is a port. */
function startPlugin(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): ChildProcess & { port: Promise<number>; exit: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(file, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const port = new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^(\d+)\n/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on("close", (code) => reject(new Error(`exited ${code} before printing a port: ${stderr}`)));
  });
  port.catch(() => {});
  const exit = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, stderr })),
  );
  return Object.assign(child, { port, exit });
}

const isRunning = (pid: number): boolean => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] ?? "");
  } catch {
    return false;
  }
};

describe("the native plugin's build (dist/plugin)", function () {
  this.timeout(60_000);
  let manifest: PluginManifest;
  let tarball: string;
  const dirs: string[] = [];
  const started: number[] = [];
  const tmp = (prefix: string) => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), `sp-plugin-${prefix}-`));
    dirs.push(d);
    return d;
  };
  /** The node binary's folder alone: a PATH with node and nothing else. */
  const nodeOnly = (): string => {
    const d = tmp("node");
    fs.symlinkSync(process.execPath, path.join(d, "node"));
    return d;
  };

  before(() => {
    assert.ok(fs.existsSync(path.join(OUT, "manifest.json")), "run `npm run build` first");
    manifest = JSON.parse(fs.readFileSync(path.join(OUT, "manifest.json"), "utf8")) as PluginManifest;
    tarball = path.join(OUT, manifest.tarball);
  });
  afterEach(() => {
    for (const pid of started.splice(0)) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // gone
      }
    }
  });
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it("is resource plugin scrapingpros at the package's version: pulumi-resource-scrapingpros-v<version>.tar.gz", () => {
    assert.equal(manifest.name, "scrapingpros");
    assert.equal(manifest.kind, "resource");
    assert.equal(manifest.version, pkg.version);
    assert.equal(manifest.tarball, `pulumi-resource-scrapingpros-v${pkg.version}.tar.gz`);
    assert.equal(sha256(tarball), manifest.tarballSha256);
  });

  it("the tarball holds the launcher (0755) and the bundle (0644) at its root, plain files only, as in the manifest", async () => {
    const entries: { path: string; type: string; mode: number; size: number }[] = [];
    await tar.t({
      file: tarball,
      onReadEntry: (e) => {
        entries.push({ path: e.path, type: e.type, mode: (e.mode ?? 0) & 0o777, size: e.size ?? 0 });
      },
    });
    assert.deepEqual(
      entries.map((e) => [e.path, e.type, e.mode.toString(8)]),
      [
        [LAUNCHER, "File", "755"],
        [BUNDLE, "File", "644"],
      ],
    );
    const dir = tmp("x");
    await tar.x({ file: tarball, cwd: dir });
    for (const [file, m] of Object.entries(manifest.files)) {
      assert.equal(sha256(path.join(dir, file)), m.sha256, file);
      assert.equal(fs.statSync(path.join(dir, file)).size, m.size, file);
      assert.equal(
        sha256(path.join(OUT, "scrapingpros", file)),
        m.sha256,
        `dist/plugin/scrapingpros/${file}`,
      );
    }
    assert.deepEqual(fs.readdirSync(path.join(OUT, "scrapingpros")).sort(), [LAUNCHER, BUNDLE]);
  });

  it("extracted into an empty folder outside the repository, it serves with only node on PATH: prints its port, stops on the engine's SIGINT", async () => {
    const dir = tmp("run");
    await tar.x({ file: tarball, cwd: dir });
    assert.ok(!fs.realpathSync(dir).startsWith(fs.realpathSync(REPO)));
    // No NODE_PATH, no HOME, a PATH with node alone: nothing but the bundle to load modules from.
    const plugin = startPlugin(path.join(dir, LAUNCHER), ["127.0.0.1:9"], { PATH: nodeOnly() }, dir);
    started.push(plugin.pid as number);
    const port = await plugin.port;
    assert.ok(port > 0 && port < 65536);
    // exec: the launcher's process is node itself, running the bundle beside it.
    const cmdline = fs.readFileSync(`/proc/${plugin.pid}/cmdline`, "utf8").split("\0");
    assert.equal(cmdline[1], path.join(dir, BUNDLE));
    process.kill(-(plugin.pid as number), "SIGINT");
    await plugin.exit;
    assert.equal(isRunning(plugin.pid as number), false);
  });

  it("from an empty folder, it serves the schema embedded at build time (schema/provider.json with its version), and its CheckConfig is the shim's (one gRPC library in the bundle)", async () => {
    const dir = tmp("schema");
    await tar.x({ file: tarball, cwd: dir });
    const plugin = startPlugin(path.join(dir, LAUNCHER), ["127.0.0.1:9"], { PATH: nodeOnly() }, dir);
    started.push(plugin.pid as number);
    const client = new providerRpc.ResourceProviderClient(
      `127.0.0.1:${await plugin.port}`,
      grpc.credentials.createInsecure(),
    );
    try {
      const unary = <Res>(method: "getSchema" | "checkConfig", req: unknown) =>
        new Promise<Res>((resolve, reject) =>
          (client[method] as unknown as (r: unknown, cb: (e: Error | null, res: Res) => void) => void).call(
            client,
            req,
            (e, res) => (e ? reject(e) : resolve(res)),
          ),
        );
      const schema = await unary<providerPb.GetSchemaResponse>(
        "getSchema",
        new providerPb.GetSchemaRequest(),
      );
      assert.equal(schema.getSchema(), providerSchema(pkg.version));
      const check = new providerPb.CheckRequest();
      check.setUrn("urn:pulumi:dev::p::pulumi:providers:scrapingpros::eu");
      check.setOlds(Struct.fromJavaScript({}));
      check.setNews(Struct.fromJavaScript({ baseUrl: "htp://x.example" }));
      const checked = await unary<providerPb.CheckResponse>("checkConfig", check);
      assert.match(
        checked.getFailuresList()[0]?.getReason() ?? "",
        /^the provider "eu"'s baseUrl is "htp:\/\/x\.example"/,
      );
    } finally {
      client.close();
    }
  });

  it("exits within 3 s when the process that started it (the engine) is gone", async () => {
    const dir = tmp("orphan");
    await tar.x({ file: tarball, cwd: dir });
    // A stand-in for the engine: a shell that starts the plugin and waits; it prints the plugin's pid.
    const engine = spawn(
      "/bin/sh",
      ["-c", `"$0" 127.0.0.1:9 >/dev/null & echo $!; wait`, path.join(dir, LAUNCHER)],
      {
        detached: true,
        stdio: ["ignore", "pipe", "ignore"],
        env: { PATH: nodeOnly() },
      },
    );
    started.push(engine.pid as number);
    const pid = await new Promise<number>((resolve) =>
      engine.stdout?.once("data", (d: Buffer) => resolve(Number(d.toString().trim()))),
    );
    // Wait until the plugin is node (the launcher exec'd it) and serving.
    const deadline = Date.now() + 20_000;
    while (!fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(BUNDLE) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 1_500));
    assert.ok(isRunning(pid), "the plugin runs while its engine does");
    process.kill(engine.pid as number, "SIGKILL");
    const gone = Date.now();
    while (isRunning(pid) && Date.now() - gone < 3_000) await new Promise((r) => setTimeout(r, 50));
    const alive = isRunning(pid);
    if (alive) process.kill(pid, "SIGKILL");
    assert.equal(alive, false, "the plugin outlived its engine by 3 s");
  });

  describe("the launcher checks node before starting the bundle", () => {
    const min = pkg.engines.node.replace(/^>=\s*/, "");
    /** Runs the built launcher with a `node` on PATH that prints `version` and then echoes its arguments. */
    function launchWith(version: string | undefined): {
      code: number | null;
      stdout: string;
      stderr: string;
    } {
      const dir = tmp("launcher");
      fs.copyFileSync(path.join(OUT, "scrapingpros", LAUNCHER), path.join(dir, LAUNCHER));
      fs.chmodSync(path.join(dir, LAUNCHER), 0o755);
      const bin = path.join(dir, "bin");
      fs.mkdirSync(bin);
      if (version !== undefined) {
        fs.writeFileSync(
          path.join(bin, "node"),
          `#!/bin/sh\nif [ "$1" = --version ]; then echo '${version}'; exit 0; fi\necho "node $*"\n`,
        );
        fs.chmodSync(path.join(bin, "node"), 0o755);
      }
      try {
        const stdout = execFileSync(path.join(dir, LAUNCHER), ["127.0.0.1:9"], {
          env: { PATH: bin },
          encoding: "utf8",
          stdio: ["ignore", "pipe", "pipe"],
        });
        return { code: 0, stdout, stderr: "" };
      } catch (e) {
        const err = e as { status: number | null; stdout: string; stderr: string };
        return { code: err.status, stdout: err.stdout, stderr: err.stderr };
      }
    }

    for (const ok of [`v${min}`, "v20.19.0", "v21.0.0", "v22.12.0", "v24.1.0-nightly20250101"]) {
      it(`node ${ok}: runs the bundle beside the launcher with the engine's arguments`, () => {
        const r = launchWith(ok);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`^node \\S*/${BUNDLE.replace(".", "\\.")} 127\\.0\\.0\\.1:9\\n$`));
      });
    }
    for (const old of ["v20.18.0", "v20.17.9", "v18.20.4", "v8.0.0", "garbage", ""]) {
      it(`node ${JSON.stringify(old)}: exit 1, naming the minimum, the node found and its version`, () => {
        const r = launchWith(old);
        assert.equal(r.code, 1);
        assert.equal(r.stdout, "");
        assert.match(
          r.stderr,
          new RegExp(
            `^pulumi-resource-scrapingpros: the scrapingpros plugin needs Node\\.js >= ${min.replace(/\./g, "\\.")}; the node on PATH \\(\\S+/bin/node\\) is ${old === "" ? "of an unknown version" : old}\\n$`,
          ),
        );
      });
    }
    it("no node on PATH: exit 1, saying so", () => {
      const r = launchWith(undefined);
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /^pulumi-resource-scrapingpros: the scrapingpros plugin needs Node\.js >= \S+, and there is no node on PATH/,
      );
    });
    it("the minimum comes from engines.node of package.json", () => {
      assert.match(launcherScript("9.9.9", [22, 1, 0]), /needs Node\.js >= 22\.1\.0/);
      assert.match(
        fs.readFileSync(path.join(OUT, "scrapingpros", LAUNCHER), "utf8"),
        new RegExp(`>= ${min.replace(/\./g, "\\.")}`),
      );
    });
  });

  it("two builds of the same sources give the same bytes (a reproducible tarball)", async () => {
    const [a, b] = [tmp("build-a"), tmp("build-b")];
    const first = await buildPlugin({ quiet: true, out: a });
    const second = await buildPlugin({ quiet: true, out: b });
    assert.deepEqual(second, first);
    assert.equal(sha256(path.join(b, first.tarball)), sha256(path.join(a, first.tarball)));
  });
});
