#!/usr/bin/env node
/**
 * @file Make a Pulumi CLI able to run Node.js programs available, building it from Go sources if needed.
 *
 * Pulumi's installers download prebuilt binaries, which our machines cannot do; the Go module proxy is
 * reachable, so the CLI is built from the wrapper module in `scripts/pulumi-cli/` (go.mod + go.sum pin
 * the exact module graph, `tools.go` imports the CLI, `language-nodejs/` is our own small Node.js
 * language host because the upstream one is not served as a Go module).
 *
 * Resolution order:
 *  1. `pulumi` on PATH reporting a version >= 3.181.0, with `pulumi-language-nodejs` also on PATH:
 *     use that installation (skipped with `--ignore-path` / `{ ignorePath: true }`).
 *  2. `<repo>/.tools/pulumi/v<version>/bin/` (git-ignored) holding a build whose stamp file matches
 *     the current wrapper sources: reuse it.
 *  3. Otherwise build with `go build` (GOTOOLCHAIN=local, -mod=readonly against the committed
 *     go.sum, -trimpath, CGO_ENABLED=0, version stamped via -ldflags) into that directory:
 *       pulumi                          the CLI (github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
 *       pulumi-language-nodejs          the language host (scripts/pulumi-cli/language-nodejs)
 *       pulumi-resource-pulumi-nodejs   shell shim running @pulumi/pulumi's dynamic provider
 *     The stamp file records two hashes: the CLI's inputs (go.mod, go.sum, tools.go) and the language
 *     host's (go.mod, go.sum, language-nodejs/*.go, the shim). When only the host's changed, only the
 *     host and the shim are rebuilt (seconds) and swapped in with a rename, so a CLI that is running
 *     keeps its files; otherwise everything is built into a fresh directory. The stamp is written only
 *     after the build succeeded and `pulumi version` answered. Concurrent runs take turns through a
 *     lock directory (`.build.lock`, released when its owner exits); the later one reuses the build.
 *     Go's module and build caches make a full rebuild on the same machine take seconds to a minute.
 *
 * CLI usage:
 *   node scripts/ensure-pulumi.js [--quiet] [--print-path] [--ignore-path]
 *     --quiet        print only errors, the progress of a build (never silent for minutes) and
 *                    the final bin directory: nothing at all when the CLI is already built
 *     --print-path   print the bin directory and nothing else (errors still go to stderr)
 *     --ignore-path  do not use a `pulumi` found on PATH; always use/build the pinned version
 *   stdout is exactly the bin directory (one line) on success; progress goes to stderr; on failure
 *   the exit status is non-zero and the go error output is printed to stderr.
 *   Typical use: PATH="$(node scripts/ensure-pulumi.js --print-path):$PATH" pulumi version
 *
 * Library usage:
 *   const { ensurePulumi } = require("./scripts/ensure-pulumi.js");
 *   const { binDir, pulumi, version } = ensurePulumi({ quiet: true }); // synchronous, throws on failure
 *
 * Running `pulumi` with a local file backend needs, besides PATH: PULUMI_BACKEND_URL=file://<dir>,
 * PULUMI_CONFIG_PASSPHRASE=<anything>, PULUMI_SKIP_UPDATE_CHECK=true and, to keep the user's
 * ~/.pulumi untouched, PULUMI_HOME=<dir>.
 */

const childProcess = require("node:child_process");
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const { formatDuration } = require("./progress.js");

const REPO_ROOT = path.resolve(__dirname, "..");
const WRAPPER_DIR = path.join(__dirname, "pulumi-cli");
const TOOLS_DIR = path.join(REPO_ROOT, ".tools", "pulumi");
const MIN_PATH_VERSION = "3.181.0";
const CLI_PACKAGE = "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi";
const LANGUAGE_HOST_PACKAGE = "./language-nodejs";
const VERSION_VAR = "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version";
const STAMP_FILE = ".stamp.json";
const LOCK_DIR = ".build.lock";
/** Bump to force a rebuild when the layout of the bin directory changes. */
const LAYOUT_REVISION = 2;
/** A lock older than this is abandoned whoever holds it. */
const LOCK_STALE_MS = 30 * 60 * 1000;

const EXECUTABLES = ["pulumi", "pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"];

/**
 * Reads the pinned Pulumi version from the wrapper module's go.mod.
 * @param {string} [wrapperDir]
 * @returns {string} e.g. "3.274.1"
 */
function pinnedVersion(wrapperDir = WRAPPER_DIR) {
  const goMod = fs.readFileSync(path.join(wrapperDir, "go.mod"), "utf8");
  const m = /^\s*github\.com\/pulumi\/pulumi\/pkg\/v3\s+v(\d+\.\d+\.\d+\S*)/m.exec(goMod);
  if (!m) {
    throw new Error("scripts/pulumi-cli/go.mod does not require github.com/pulumi/pulumi/pkg/v3");
  }
  return m[1];
}

/**
 * Extracts the first semantic version ("3.274.1") from text such as the output of `pulumi version`.
 * @param {string} text
 * @returns {string | undefined}
 */
function parseVersion(text) {
  const m = /v?(\d+)\.(\d+)\.(\d+)/.exec(text);
  return m ? `${m[1]}.${m[2]}.${m[3]}` : undefined;
}

/**
 * Compares two "major.minor.patch" versions (pre-release suffixes ignored).
 * @param {string} a
 * @param {string} b
 * @returns {number} negative if a < b, 0 if equal, positive if a > b
 */
function compareVersions(a, b) {
  const pa = a.split(/[.-]/).slice(0, 3).map(Number);
  const pb = b.split(/[.-]/).slice(0, 3).map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] || 0) - (pb[i] || 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Finds an executable on PATH.
 * @param {string} name
 * @param {string} [searchPath]
 * @returns {string | undefined} absolute path
 */
function findOnPath(name, searchPath = process.env.PATH || "") {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      const st = fs.statSync(candidate);
      if (st.isFile()) {
        fs.accessSync(candidate, fs.constants.X_OK);
        return candidate;
      }
    } catch {
      // not there or not executable
    }
  }
  return undefined;
}

/**
 * Runs `<pulumi> version` and returns the parsed version.
 * @param {string} pulumi
 * @returns {string | undefined}
 */
function pulumiVersion(pulumi) {
  const r = childProcess.spawnSync(pulumi, ["version"], {
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
  });
  if (r.status !== 0) return undefined;
  return parseVersion(r.stdout || "");
}

/**
 * Uses a `pulumi` from PATH when it is recent enough and has the Node.js language host beside it.
 * @returns {{binDir: string, pulumi: string, version: string, source: string} | undefined}
 */
function fromPath() {
  const pulumi = findOnPath("pulumi");
  if (!pulumi || !findOnPath("pulumi-language-nodejs")) return undefined;
  const version = pulumiVersion(pulumi);
  if (!version || compareVersions(version, MIN_PATH_VERSION) < 0) return undefined;
  return { binDir: path.dirname(pulumi), pulumi, version, source: "path" };
}

/**
 * Hashes of what each part of the build depends on in this repository: `cli` (the wrapper module) and
 * `host` (the module's graph, the language host's Go files and the dynamic provider shim). An edit of
 * the language host changes only `host`.
 * @param {string} [wrapperDir]
 * @returns {{cli: string, host: string}}
 */
function inputsHashes(wrapperDir = WRAPPER_DIR) {
  const digest = (/** @type {string[]} */ files, /** @type {string} */ extra) => {
    const h = crypto.createHash("sha256");
    h.update(`layout:${LAYOUT_REVISION}\n`);
    h.update(extra);
    for (const f of files) {
      h.update(`${f}\n`);
      h.update(fs.readFileSync(path.join(wrapperDir, f)));
    }
    return h.digest("hex");
  };
  const moduleFiles = ["go.mod", "go.sum"];
  const hostFiles = fs
    .readdirSync(path.join(wrapperDir, "language-nodejs"))
    .filter((f) => f.endsWith(".go"))
    .sort()
    .map((f) => path.join("language-nodejs", f));
  return {
    cli: digest([...moduleFiles, "tools.go"], ""),
    host: digest([...moduleFiles, ...hostFiles], shimScript()),
  };
}

/**
 * What to build, given the stamp of the existing build (undefined: none or unreadable), the current
 * input hashes and whether every executable is present.
 * @param {{cliHash?: unknown, hostHash?: unknown} | undefined} stamp
 * @param {{cli: string, host: string}} hashes
 * @param {boolean} complete
 * @returns {"none" | "host" | "full"}
 */
function rebuildPlan(stamp, hashes, complete) {
  if (!stamp || stamp.cliHash !== hashes.cli || !complete) return "full";
  return stamp.hostHash === hashes.host ? "none" : "host";
}

/**
 * A preload for the dynamic provider's node: ends the process once its parent changes. The engine
 * starts plugins in process groups of their own, so when the CLI is killed nothing signals them; the
 * plugin is re-parented and would keep serving forever. The code must not contain `'`, `%` or `#`
 * (shell quoting, data: URL).
 */
const PLUGIN_WATCHDOG =
  "const p=process.ppid;setInterval(()=>{if(process.ppid!==p)process.exit(1)},1000).unref()";

/**
 * The `pulumi-resource-pulumi-nodejs` plugin: like the one Pulumi ships, it runs the dynamic provider of
 * the @pulumi/pulumi that the program (the plugin's working directory) resolves, falling back to this
 * repository's copy (unless `SP_UPSTREAM_LAUNCHER` is set: then, like Pulumi's, it fails, so tests see
 * what a user's CLI would do). Unlike Pulumi's, it `exec`s node, so node's parent is the engine, and it preloads
 * {@link PLUGIN_WATCHDOG}, so the provider exits within a second when its engine is gone.
 * @returns {string}
 */
function shimScript() {
  const fallback = path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi", "cmd", "dynamic-provider");
  return [
    "#!/bin/sh",
    "# Generated by scripts/ensure-pulumi.js: Pulumi's Node.js dynamic provider plugin.",
    "# node replaces this shell, so its parent is the engine; the preloaded watchdog ends it when",
    "# that parent is gone (the engine was killed and node re-parented).",
    `script=$(node -e "console.log(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))" 2>/dev/null)`,
    "# SP_UPSTREAM_LAUNCHER=1 (the install-matrix tests): no fallback, as with Pulumi's own launcher.",
    `if [ -z "$script" ] && [ -n "$SP_UPSTREAM_LAUNCHER" ]; then`,
    `  echo "pulumi-resource-pulumi-nodejs: cannot resolve @pulumi/pulumi/cmd/dynamic-provider from $(pwd)" >&2`,
    "  exit 1",
    "fi",
    `if [ -z "$script" ]; then script=${shellQuote(fallback)}; fi`,
    `exec node --import 'data:text/javascript,${PLUGIN_WATCHDOG}' "$script" "$@"`,
    "",
  ].join("\n");
}

/** @param {string} s */
function shellQuote(s) {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Finds the go command.
 * @returns {string}
 */
function findGo() {
  const onPath = findOnPath("go");
  if (onPath) return onPath;
  if (process.env.GOROOT) {
    const fromRoot = path.join(process.env.GOROOT, "bin", "go");
    if (fs.existsSync(fromRoot)) return fromRoot;
  }
  throw new Error("the `go` command was not found on PATH; Go >= 1.26.6 is needed to build the Pulumi CLI");
}

/**
 * Environment for `go build`: the local toolchain only (no toolchain download), the committed go.sum
 * (no module graph edits in the work tree), no go.work from a parent directory, no cgo.
 * @returns {NodeJS.ProcessEnv}
 */
function goEnv() {
  const userFlags = (process.env.GOFLAGS || "")
    .split(/\s+/)
    .filter((f) => f && !f.startsWith("-mod=") && !f.startsWith("-buildvcs"));
  return {
    ...process.env,
    GOTOOLCHAIN: "local",
    GOWORK: "off",
    GOFLAGS: [...userFlags, "-mod=readonly", "-buildvcs=false"].join(" "),
    CGO_ENABLED: "0",
  };
}

/**
 * Runs one go command through scripts/go-progress.js, which reports on stderr what is happening,
 * how far along it is (packages compiled of the total, modules downloaded) and the time taken.
 * Throws with go's output on failure.
 * @param {string} go
 * @param {string[]} args
 * @param {{cwd?: string, label: string, step?: number, steps?: number, unit?: string, total?: number,
 *   count?: "packages" | "downloads", hint?: string, progress?: boolean}} step
 *   `progress: false` sends the report nowhere (tests).
 * @returns {{lines: number}} how many lines go wrote to stdout
 */
function runGo(go, args, step) {
  const r = childProcess.spawnSync(process.execPath, [path.join(__dirname, "go-progress.js")], {
    env: goEnv(),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    input: JSON.stringify({
      go,
      args,
      cwd: step.cwd || WRAPPER_DIR,
      label: step.label,
      step: step.step,
      steps: step.steps,
      unit: step.unit,
      unitOne:
        step.unit === "packages"
          ? "package"
          : step.unit === "modules downloaded"
            ? "module downloaded"
            : undefined,
      total: step.total,
      count: step.count,
      hint: step.hint,
      prefix: "ensure-pulumi: ",
    }),
    stdio: ["pipe", "pipe", step.progress === false ? "ignore" : "inherit"],
  });
  if (r.error) throw new Error(`could not run the go progress reporter: ${r.error.message}`);
  /** @type {{status: number | null, signal: string | null, lines: number, output: string}} */
  let result;
  try {
    result = JSON.parse(r.stdout);
  } catch {
    throw new Error(`\`go ${args.join(" ")}\` was interrupted (${r.signal || `exit ${r.status}`})`);
  }
  if (result.status !== 0) {
    const output = result.output.trim();
    throw new Error(
      `\`go ${args.join(" ")}\` failed (exit ${result.status}${result.signal ? `, ${result.signal}` : ""})` +
        (output ? `:\n${output}` : ""),
    );
  }
  return { lines: result.lines };
}

/**
 * Reads the stamp of an existing build and plans the rebuild.
 * @param {string} versionDir
 * @param {{cli: string, host: string}} hashes
 * @returns {"none" | "host" | "full"}
 */
function planFor(versionDir, hashes) {
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(path.join(versionDir, STAMP_FILE), "utf8"));
  } catch {
    stamp = undefined;
  }
  const complete = EXECUTABLES.every((e) => fs.existsSync(path.join(versionDir, "bin", e)));
  return rebuildPlan(stamp, hashes, complete);
}

/**
 * Sleeps synchronously (the module's API is synchronous).
 * @param {number} ms
 */
function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Takes the build lock of a version directory, waiting while another live process holds it.
 * @param {string} versionDir
 * @param {(msg: string) => void} info
 * @returns {() => void} releases the lock
 */
function acquireLock(versionDir, info) {
  const lock = path.join(versionDir, LOCK_DIR);
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, "owner"), `${process.pid}\n`);
      return () => fs.rmSync(lock, { recursive: true, force: true });
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code !== "EEXIST") throw err;
    }
    let owner = Number.NaN;
    let age = 0;
    try {
      owner = Number.parseInt(fs.readFileSync(path.join(lock, "owner"), "utf8"), 10);
      age = Date.now() - fs.statSync(lock).mtimeMs;
    } catch {
      // the owner is between mkdir and writing its pid, or just released the lock
    }
    if ((Number.isInteger(owner) && !isAlive(owner)) || age > LOCK_STALE_MS) {
      fs.rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (!announced && Number.isInteger(owner)) {
      info(`waiting for the build of process ${owner} to finish...`);
      announced = true;
    }
    sleepSync(500);
  }
}

/** @param {number} pid */
function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return /** @type {NodeJS.ErrnoException} */ (err).code === "EPERM";
  }
}

/**
 * Writes a file next to its destination, then renames it over the destination (atomic: a process
 * that has the old file open or is executing it keeps it).
 * @param {string} dest
 * @param {(tmp: string) => void} write
 */
function replaceFile(dest, write) {
  const tmp = path.join(path.dirname(dest), `.${path.basename(dest)}.tmp-${process.pid}`);
  try {
    write(tmp);
    fs.renameSync(tmp, dest);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * @param {string} versionDir
 * @param {object} stamp
 */
function writeStamp(versionDir, stamp) {
  replaceFile(path.join(versionDir, STAMP_FILE), (tmp) =>
    fs.writeFileSync(tmp, `${JSON.stringify(stamp, null, 2)}\n`),
  );
}

/**
 * Ensures a Pulumi CLI with the Node.js language host and dynamic provider plugin is available.
 * Synchronous; throws an Error (with go's output) when a build fails.
 * `toolsDir` and `wrapperDir` default to this repository's (`.tools/pulumi`, `scripts/pulumi-cli`).
 * A build always reports its progress on stderr (each step, packages compiled of the total, elapsed
 * time, the final duration), even with `quiet`; `progress: false` silences it (tests).
 * @param {{quiet?: boolean, ignorePath?: boolean, log?: (msg: string) => void, toolsDir?: string,
 *   wrapperDir?: string, progress?: boolean}} [options]
 * @returns {{binDir: string, pulumi: string, version: string, source: "path" | "cached" | "built" | "host-rebuilt"}}
 */
function ensurePulumi(options = {}) {
  const quiet = !!options.quiet;
  const log = options.log || ((msg) => process.stderr.write(`ensure-pulumi: ${msg}\n`));
  const info = quiet ? () => {} : log;
  /** Builds are always reported (they take minutes), unless the caller turned progress off. */
  const progress = options.progress !== false;
  const say = progress ? log : info;
  const wrapperDir = options.wrapperDir || WRAPPER_DIR;

  if (!options.ignorePath) {
    const ambient = fromPath();
    if (ambient) {
      info(`using pulumi v${ambient.version} from PATH (${ambient.pulumi})`);
      return ambient;
    }
  }

  const version = pinnedVersion(wrapperDir);
  const versionDir = path.join(options.toolsDir || TOOLS_DIR, `v${version}`);
  const binDir = path.join(versionDir, "bin");
  const pulumi = path.join(binDir, "pulumi");
  const hashes = inputsHashes(wrapperDir);

  if (planFor(versionDir, hashes) === "none") {
    info(`using cached pulumi v${version} in ${binDir}`);
    return { binDir, pulumi, version, source: "cached" };
  }

  fs.mkdirSync(versionDir, { recursive: true });
  const release = acquireLock(versionDir, say);
  try {
    // Another process may have built it while this one waited for the lock.
    const plan = planFor(versionDir, hashes);
    if (plan === "none") {
      info(`using pulumi v${version} in ${binDir}, built by another process`);
      return { binDir, pulumi, version, source: "cached" };
    }
    const go = findGo();
    const ldflags = `-X ${VERSION_VAR}=v${version}`;
    const started = Date.now();
    const goVersion = () => childProcess.execFileSync(go, ["env", "GOVERSION"], { encoding: "utf8" }).trim();

    if (plan === "host") {
      info("the language host's sources changed: rebuilding pulumi-language-nodejs only");
      replaceFile(path.join(binDir, "pulumi-language-nodejs"), (tmp) =>
        runGo(go, ["build", "-v", "-trimpath", "-ldflags", ldflags, "-o", tmp, LANGUAGE_HOST_PACKAGE], {
          cwd: wrapperDir,
          label: "compiling the Node.js language host (pulumi-language-nodejs)",
          unit: "packages",
          count: "packages",
          progress,
        }),
      );
      replaceFile(path.join(binDir, "pulumi-resource-pulumi-nodejs"), (tmp) =>
        fs.writeFileSync(tmp, shimScript(), { mode: 0o755 }),
      );
      const previous = JSON.parse(fs.readFileSync(path.join(versionDir, STAMP_FILE), "utf8"));
      writeStamp(versionDir, {
        ...previous,
        hostHash: hashes.host,
        hostBuiltAt: new Date().toISOString(),
        hostBuildSeconds: Math.round((Date.now() - started) / 1000),
      });
      say(`rebuilt pulumi-language-nodejs in ${formatDuration(Date.now() - started)}`);
      return { binDir, pulumi, version, source: "host-rebuilt" };
    }

    const staging = fs.mkdtempSync(path.join(versionDir, "bin.tmp-"));
    fs.chmodSync(staging, 0o755);
    try {
      say(
        `no Pulumi CLI ${options.ignorePath ? "wanted from PATH" : `>= ${MIN_PATH_VERSION} on PATH`}: building ` +
          `pulumi v${version} from its Go sources into ${path.relative(process.cwd(), binDir) || binDir}. ` +
          "This happens once; the first time it downloads the Go modules and compiles about 1,700 " +
          "packages (4-5 minutes on 2 cores), later builds take seconds.",
      );
      const listed = runGo(go, ["list", "-deps", CLI_PACKAGE], {
        cwd: wrapperDir,
        label: "resolving the CLI's packages (downloading Go modules not cached yet)",
        step: 1,
        steps: 3,
        unit: "modules downloaded",
        count: "downloads",
        progress,
      });
      runGo(
        go,
        ["build", "-v", "-trimpath", "-ldflags", ldflags, "-o", path.join(staging, "pulumi"), CLI_PACKAGE],
        {
          cwd: wrapperDir,
          label: "compiling the Pulumi CLI",
          step: 2,
          steps: 3,
          unit: "packages",
          total: listed.lines || undefined,
          count: "packages",
          progress,
        },
      );
      runGo(
        go,
        [
          "build",
          "-v",
          "-trimpath",
          "-ldflags",
          ldflags,
          "-o",
          path.join(staging, "pulumi-language-nodejs"),
          LANGUAGE_HOST_PACKAGE,
        ],
        {
          cwd: wrapperDir,
          label: "compiling the Node.js language host",
          step: 3,
          steps: 3,
          unit: "packages",
          count: "packages",
          progress,
        },
      );
      fs.writeFileSync(path.join(staging, "pulumi-resource-pulumi-nodejs"), shimScript(), { mode: 0o755 });

      const built = pulumiVersion(path.join(staging, "pulumi"));
      if (built !== version) {
        throw new Error(`the freshly built pulumi reports version ${built ?? "(none)"}, expected ${version}`);
      }

      fs.rmSync(path.join(versionDir, STAMP_FILE), { force: true });
      fs.rmSync(binDir, { recursive: true, force: true });
      fs.renameSync(staging, binDir);
      const buildSeconds = Math.round((Date.now() - started) / 1000);
      writeStamp(versionDir, {
        version,
        cliHash: hashes.cli,
        hostHash: hashes.host,
        go: goVersion(),
        builtAt: new Date().toISOString(),
        buildSeconds,
      });
      say(`built pulumi v${version} in ${formatDuration(Date.now() - started)} into ${binDir}`);
      return { binDir, pulumi, version, source: "built" };
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
  } finally {
    release();
  }
}

/** @param {string[]} argv */
function main(argv) {
  const known = new Set(["--quiet", "--print-path", "--ignore-path", "--help", "-h"]);
  const unknown = argv.filter((a) => !known.has(a));
  if (argv.includes("--help") || argv.includes("-h") || unknown.length > 0) {
    const usage = "usage: node scripts/ensure-pulumi.js [--quiet] [--print-path] [--ignore-path]\n";
    if (unknown.length > 0) {
      process.stderr.write(`ensure-pulumi: unknown argument(s): ${unknown.join(" ")}\n${usage}`);
      return 2;
    }
    process.stdout.write(usage);
    return 0;
  }
  const quiet = argv.includes("--quiet") || argv.includes("--print-path");
  try {
    const result = ensurePulumi({ quiet, ignorePath: argv.includes("--ignore-path") });
    process.stdout.write(`${result.binDir}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`ensure-pulumi: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

module.exports = {
  ensurePulumi,
  pinnedVersion,
  parseVersion,
  compareVersions,
  findOnPath,
  shimScript,
  inputsHashes,
  rebuildPlan,
};

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
