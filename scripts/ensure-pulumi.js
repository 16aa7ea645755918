#!/usr/bin/env node
/**
 * @file Make a Pulumi CLI able to run Node.js and YAML programs available, building it from Go sources
 * if needed.
 *
 * Pulumi's installers download prebuilt binaries, which our machines cannot do; the Go module proxy is
 * reachable, so everything is built from two wrapper modules, each with a go.mod + go.sum that pin
 * its exact module graph:
 *  - `scripts/pulumi-cli/`: the CLI (`tools.go` imports it) and `language-nodejs/`, our own small
 *    Node.js language host (the upstream one is not served as a Go module);
 *  - `scripts/pulumi-yaml/`: Pulumi YAML's upstream language host (`github.com/pulumi/pulumi-yaml`,
 *    `tools.go` imports its `cmd/pulumi-language-yaml`) and `language-yaml/`, a launcher that ends
 *    that host when its engine is gone. A module of its own because pulumi-yaml needs an older
 *    `github.com/pulumi/pulumi/{pkg,sdk}` than the CLI: in one module, minimum version selection
 *    would raise them to the CLI's, which pulumi-yaml does not compile against.
 *
 * Resolution order:
 *  1. `pulumi` on PATH reporting a version >= 3.181.0, with `pulumi-language-nodejs` and
 *     `pulumi-language-yaml` also on PATH (as in Pulumi's own release archives): use that
 *     installation (skipped with `--ignore-path` / `{ ignorePath: true }`). One without the YAML
 *     host is not used: the printed directory, put first on PATH, must run Node.js and YAML programs,
 *     and it is a single directory.
 *  2. `<repo>/.tools/pulumi/v<version>/bin/` (git-ignored) holding a build whose stamp file matches
 *     the current sources: reuse it.
 *  3. Otherwise build the parts that are missing or whose sources changed with `go build`
 *     (GOTOOLCHAIN=local, -mod=readonly against the committed go.sum, -trimpath, CGO_ENABLED=0,
 *     versions stamped via -ldflags) into that directory:
 *       part `cli`   pulumi                          the CLI (github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
 *       part `host`  pulumi-language-nodejs          the Node.js language host (scripts/pulumi-cli/language-nodejs)
 *                    pulumi-resource-pulumi-nodejs   shell shim running @pulumi/pulumi's dynamic provider
 *       part `yaml`  pulumi-language-yaml-upstream   Pulumi YAML's language host, upstream's
 *                    pulumi-language-yaml            the launcher the engine starts (scripts/pulumi-yaml/language-yaml)
 *     The stamp file records a hash of each part's inputs: `cli` (scripts/pulumi-cli's go.mod, go.sum,
 *     tools.go), `host` (the same go.mod and go.sum, language-nodejs/*.go, the shim), `yaml`
 *     (scripts/pulumi-yaml's go.mod, go.sum, tools.go, language-yaml/*.go). Only the parts whose hash
 *     changed, or whose files are missing, are rebuilt: an edit of the YAML module never rebuilds the
 *     CLI, and a new CLI version never rebuilds the YAML host. Each file is built beside its
 *     destination and renamed over it, so a CLI that is running keeps its files, and each part's hash
 *     is written to the stamp once that part is in place (for the CLI, once `pulumi version` answered),
 *     so an interrupted build redoes only the unfinished parts. Concurrent runs take turns through a
 *     lock directory (`.build.lock`, released when its owner exits); the later one reuses the build.
 *     Go's module and build caches make a full rebuild on the same machine take seconds to a minute.
 *
 * CLI usage:
 *   node scripts/ensure-pulumi.js [--quiet] [--print-path] [--ignore-path]
 *     --quiet        print only errors, the progress of a build (never silent for minutes) and
 *                    the final bin directory: nothing at all when everything is already built
 *     --print-path   print the bin directory and nothing else (errors still go to stderr)
 *     --ignore-path  do not use a `pulumi` found on PATH; always use/build the pinned versions
 *   stdout is exactly the bin directory (one line) on success; progress goes to stderr; on failure
 *   the exit status is non-zero and the go error output is printed to stderr.
 *   Typical use: PATH="$(node scripts/ensure-pulumi.js --print-path):$PATH" pulumi version
 *   With that PATH, `pulumi` runs `runtime: nodejs` and `runtime: yaml` projects.
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
const YAML_DIR = path.join(__dirname, "pulumi-yaml");
const TOOLS_DIR = path.join(REPO_ROOT, ".tools", "pulumi");
const MIN_PATH_VERSION = "3.181.0";
const CLI_PACKAGE = "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi";
const LANGUAGE_HOST_PACKAGE = "./language-nodejs";
const VERSION_VAR = "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version";
const YAML_MODULE = "github.com/pulumi/pulumi-yaml";
const YAML_HOST_PACKAGE = `${YAML_MODULE}/cmd/pulumi-language-yaml`;
const YAML_LAUNCHER_PACKAGE = "./language-yaml";
const YAML_VERSION_VAR = `${YAML_MODULE}/pkg/version.Version`;
const STAMP_FILE = ".stamp.json";
const LOCK_DIR = ".build.lock";
/**
 * Part of every part's input hash: bumping it rebuilds every part (seconds with Go's caches warm,
 * minutes cold). Needed only when the files of a part change without a change to its inputs; a new
 * part needs none (stamps without its hash build just that part).
 */
const LAYOUT_REVISION = 2;
/** A lock older than this is abandoned whoever holds it. */
const LOCK_STALE_MS = 30 * 60 * 1000;

/**
 * The files each part of the build puts into the bin directory, in build order. The YAML launcher
 * starts the upstream host by this name, from its own directory.
 * @type {{cli: string[], host: string[], yaml: string[]}}
 */
const PARTS = {
  cli: ["pulumi"],
  host: ["pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"],
  yaml: ["pulumi-language-yaml-upstream", "pulumi-language-yaml"],
};
/** @typedef {"cli" | "host" | "yaml"} Part */
const PART_NAMES = /** @type {Part[]} */ (Object.keys(PARTS));

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
 * Reads the pinned Pulumi YAML version from its wrapper module's go.mod.
 * @param {string} [yamlDir]
 * @returns {string} e.g. "1.25.0"
 */
function pinnedYamlVersion(yamlDir = YAML_DIR) {
  const goMod = fs.readFileSync(path.join(yamlDir, "go.mod"), "utf8");
  const m = /^\s*(?:require\s+)?github\.com\/pulumi\/pulumi-yaml\s+v(\d+\.\d+\.\d+\S*)/m.exec(goMod);
  if (!m) {
    throw new Error("scripts/pulumi-yaml/go.mod does not require github.com/pulumi/pulumi-yaml");
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
 * Uses a `pulumi` from PATH when it is recent enough and the Node.js and YAML language hosts are on
 * PATH too.
 * @returns {{binDir: string, pulumi: string, version: string, source: "path", built: Part[]} | undefined}
 */
function fromPath() {
  const pulumi = findOnPath("pulumi");
  if (!pulumi || !findOnPath("pulumi-language-nodejs") || !findOnPath("pulumi-language-yaml")) {
    return undefined;
  }
  const version = pulumiVersion(pulumi);
  if (!version || compareVersions(version, MIN_PATH_VERSION) < 0) return undefined;
  return { binDir: path.dirname(pulumi), pulumi, version, source: "path", built: [] };
}

/**
 * Hashes of what each part of the build depends on in this repository: `cli` (the CLI's wrapper
 * module), `host` (that module's graph, the Node.js language host's Go files and the dynamic provider
 * shim) and `yaml` (the YAML wrapper module: its graph, tools.go and the launcher's Go files). An
 * edit of a language host changes only its own hash; the two modules share no input.
 * @param {string} [wrapperDir]
 * @param {string} [yamlDir]
 * @returns {{cli: string, host: string, yaml: string}}
 */
function inputsHashes(wrapperDir = WRAPPER_DIR, yamlDir = YAML_DIR) {
  const digest = (/** @type {string} */ dir, /** @type {string[]} */ files, /** @type {string} */ extra) => {
    const h = crypto.createHash("sha256");
    h.update(`layout:${LAYOUT_REVISION}\n`);
    h.update(extra);
    for (const f of files) {
      h.update(`${f}\n`);
      h.update(fs.readFileSync(path.join(dir, f)));
    }
    return h.digest("hex");
  };
  const goFiles = (/** @type {string} */ dir, /** @type {string} */ sub) =>
    fs
      .readdirSync(path.join(dir, sub))
      .filter((f) => f.endsWith(".go"))
      .sort()
      .map((f) => path.join(sub, f));
  const moduleFiles = ["go.mod", "go.sum"];
  return {
    cli: digest(wrapperDir, [...moduleFiles, "tools.go"], ""),
    host: digest(wrapperDir, [...moduleFiles, ...goFiles(wrapperDir, "language-nodejs")], shimScript()),
    yaml: digest(yamlDir, [...moduleFiles, "tools.go", ...goFiles(yamlDir, "language-yaml")], ""),
  };
}

/**
 * The parts to build, in build order, given the stamp of the existing build (undefined: none or
 * unreadable), the current input hashes and which parts have all their files: a part is built when
 * its hash differs from the stamp's or a file of it is missing, and never because another part is.
 * @param {{cliHash?: unknown, hostHash?: unknown, yamlHash?: unknown} | undefined} stamp
 * @param {{cli: string, host: string, yaml: string}} hashes
 * @param {{cli: boolean, host: boolean, yaml: boolean}} present
 * @returns {Part[]} empty when everything is up to date
 */
function rebuildPlan(stamp, hashes, present) {
  return PART_NAMES.filter((part) => !stamp || stamp[`${part}Hash`] !== hashes[part] || !present[part]);
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
 *   count?: "packages" | "downloads", hint?: string, progress?: boolean, env?: NodeJS.ProcessEnv,
 *   prefix?: string}} step
 *   `progress: false` sends the report nowhere (tests); `env` replaces this script's go environment
 *   and `prefix` its "ensure-pulumi: " (for other scripts that build with go, such as generate-sdks.js).
 * @returns {{lines: number}} how many lines go wrote to stdout
 */
function runGo(go, args, step) {
  const r = childProcess.spawnSync(process.execPath, [path.join(__dirname, "go-progress.js")], {
    env: step.env || goEnv(),
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
      prefix: step.prefix || "ensure-pulumi: ",
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
 * The stamp of an existing build, or undefined when there is none or it is unreadable.
 * @param {string} versionDir
 * @returns {Record<string, unknown> | undefined}
 */
function readStamp(versionDir) {
  try {
    const stamp = JSON.parse(fs.readFileSync(path.join(versionDir, STAMP_FILE), "utf8"));
    return stamp && typeof stamp === "object" ? stamp : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads the stamp of an existing build and plans the rebuild.
 * @param {string} versionDir
 * @param {{cli: string, host: string, yaml: string}} hashes
 * @returns {Part[]}
 */
function planFor(versionDir, hashes) {
  const binDir = path.join(versionDir, "bin");
  const present = { cli: false, host: false, yaml: false };
  for (const part of PART_NAMES)
    present[part] = PARTS[part].every((f) => fs.existsSync(path.join(binDir, f)));
  return rebuildPlan(readStamp(versionDir), hashes, present);
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
 * Records what was just built in the stamp, keeping what it says about the other parts.
 * @param {string} versionDir
 * @param {Record<string, unknown>} fields
 */
function updateStamp(versionDir, fields) {
  // builtAt/buildSeconds: the single-build stamp of earlier versions of this script.
  const { builtAt, buildSeconds, ...previous } = readStamp(versionDir) ?? {};
  const stamp = { ...previous, ...fields };
  replaceFile(path.join(versionDir, STAMP_FILE), (tmp) =>
    fs.writeFileSync(tmp, `${JSON.stringify(stamp, null, 2)}\n`),
  );
}

/**
 * Removes what a build killed on the way may have left: temporary files and folders of
 * {@link replaceFile} and the YAML build in the bin directory, and the staging folders
 * (`bin.tmp-*`) of earlier versions of this script. Called with the lock held, so no build is using them.
 * @param {string} versionDir
 */
function removeLeftovers(versionDir) {
  const binDir = path.join(versionDir, "bin");
  for (const entry of fs.readdirSync(versionDir)) {
    if (entry.startsWith("bin.tmp-"))
      fs.rmSync(path.join(versionDir, entry), { recursive: true, force: true });
  }
  if (!fs.existsSync(binDir)) return;
  for (const entry of fs.readdirSync(binDir)) {
    if (entry.startsWith(".") && entry.includes(".tmp-")) {
      fs.rmSync(path.join(binDir, entry), { recursive: true, force: true });
    }
  }
}

/** How many progress steps each part reports. */
const STEPS = { cli: 2, host: 1, yaml: 2 };

/**
 * @typedef {object} BuildContext
 * @property {string} go            the go command
 * @property {string} binDir
 * @property {string} wrapperDir
 * @property {string} yamlDir
 * @property {string} version       the CLI's, e.g. "3.274.1"
 * @property {string} yamlVersion   Pulumi YAML's, e.g. "1.25.0"
 * @property {boolean} progress
 * @property {() => {step?: number, steps?: number}} next  numbers the next progress step
 */

/**
 * Builds `pulumi` and checks that it answers `pulumi version` before it replaces the old one.
 * @param {BuildContext} c
 */
function buildCli(c) {
  const listed = runGo(c.go, ["list", "-deps", CLI_PACKAGE], {
    cwd: c.wrapperDir,
    label: "resolving the CLI's packages (downloading Go modules not cached yet)",
    ...c.next(),
    unit: "modules downloaded",
    count: "downloads",
    progress: c.progress,
  });
  replaceFile(path.join(c.binDir, "pulumi"), (tmp) => {
    runGo(
      c.go,
      ["build", "-v", "-trimpath", "-ldflags", `-X ${VERSION_VAR}=v${c.version}`, "-o", tmp, CLI_PACKAGE],
      {
        cwd: c.wrapperDir,
        label: "compiling the Pulumi CLI",
        ...c.next(),
        unit: "packages",
        total: listed.lines || undefined,
        count: "packages",
        progress: c.progress,
      },
    );
    const built = pulumiVersion(tmp);
    if (built !== c.version) {
      throw new Error(`the freshly built pulumi reports version ${built ?? "(none)"}, expected ${c.version}`);
    }
  });
}

/**
 * Builds the Node.js language host and writes the dynamic provider shim.
 * @param {BuildContext} c
 */
function buildHost(c) {
  replaceFile(path.join(c.binDir, "pulumi-language-nodejs"), (tmp) =>
    runGo(
      c.go,
      [
        "build",
        "-v",
        "-trimpath",
        "-ldflags",
        `-X ${VERSION_VAR}=v${c.version}`,
        "-o",
        tmp,
        LANGUAGE_HOST_PACKAGE,
      ],
      {
        cwd: c.wrapperDir,
        label: "compiling the Node.js language host (pulumi-language-nodejs)",
        ...c.next(),
        unit: "packages",
        count: "packages",
        progress: c.progress,
      },
    ),
  );
  replaceFile(path.join(c.binDir, "pulumi-resource-pulumi-nodejs"), (tmp) =>
    fs.writeFileSync(tmp, shimScript(), { mode: 0o755 }),
  );
}

/**
 * Builds Pulumi YAML's language host and its launcher with one `go build` into a temporary folder
 * in the bin directory, then renames the host into place before the launcher that starts it.
 * @param {BuildContext} c
 */
function buildYaml(c) {
  const packages = [YAML_HOST_PACKAGE, YAML_LAUNCHER_PACKAGE];
  const listed = runGo(c.go, ["list", "-deps", ...packages], {
    cwd: c.yamlDir,
    label: "resolving the YAML language host's packages (downloading Go modules not cached yet)",
    ...c.next(),
    unit: "modules downloaded",
    count: "downloads",
    progress: c.progress,
  });
  const tmp = fs.mkdtempSync(path.join(c.binDir, ".yaml.tmp-"));
  try {
    runGo(
      c.go,
      [
        "build",
        "-v",
        "-trimpath",
        "-ldflags",
        `-X ${YAML_VERSION_VAR}=v${c.yamlVersion}`,
        "-o",
        `${tmp}${path.sep}`,
        ...packages,
      ],
      {
        cwd: c.yamlDir,
        label: `compiling Pulumi YAML's language host v${c.yamlVersion} and its launcher`,
        ...c.next(),
        unit: "packages",
        total: listed.lines || undefined,
        count: "packages",
        progress: c.progress,
      },
    );
    // go names each executable after the last element of its package path.
    fs.renameSync(
      path.join(tmp, "pulumi-language-yaml"),
      path.join(c.binDir, "pulumi-language-yaml-upstream"),
    );
    fs.renameSync(path.join(tmp, "language-yaml"), path.join(c.binDir, "pulumi-language-yaml"));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const BUILDERS = { cli: buildCli, host: buildHost, yaml: buildYaml };

/**
 * Ensures a Pulumi CLI with the Node.js and YAML language hosts and the dynamic provider plugin is
 * available. Synchronous; throws an Error (with go's output) when a build fails.
 * `toolsDir`, `wrapperDir` and `yamlDir` default to this repository's (`.tools/pulumi`,
 * `scripts/pulumi-cli`, `scripts/pulumi-yaml`).
 * A build always reports its progress on stderr (each step, packages compiled of the total, elapsed
 * time, the final duration), even with `quiet`; `progress: false` silences it (tests).
 * @param {{quiet?: boolean, ignorePath?: boolean, log?: (msg: string) => void, toolsDir?: string,
 *   wrapperDir?: string, yamlDir?: string, progress?: boolean}} [options]
 * @returns {{binDir: string, pulumi: string, version: string, source: "path" | "cached" | "built",
 *   built: Part[]}} `built`: the parts this call built
 */
function ensurePulumi(options = {}) {
  const quiet = !!options.quiet;
  const log = options.log || ((msg) => process.stderr.write(`ensure-pulumi: ${msg}\n`));
  const info = quiet ? () => {} : log;
  /** Builds are always reported (they take minutes), unless the caller turned progress off. */
  const progress = options.progress !== false;
  const say = progress ? log : info;
  const wrapperDir = options.wrapperDir || WRAPPER_DIR;
  const yamlDir = options.yamlDir || YAML_DIR;

  if (!options.ignorePath) {
    const ambient = fromPath();
    if (ambient) {
      info(`using pulumi v${ambient.version} from PATH (${ambient.pulumi})`);
      return ambient;
    }
  }

  const version = pinnedVersion(wrapperDir);
  const yamlVersion = pinnedYamlVersion(yamlDir);
  const versionDir = path.join(options.toolsDir || TOOLS_DIR, `v${version}`);
  const binDir = path.join(versionDir, "bin");
  const pulumi = path.join(binDir, "pulumi");
  const hashes = inputsHashes(wrapperDir, yamlDir);

  if (planFor(versionDir, hashes).length === 0) {
    info(`using cached pulumi v${version} in ${binDir}`);
    return { binDir, pulumi, version, source: "cached", built: [] };
  }

  fs.mkdirSync(binDir, { recursive: true, mode: 0o755 });
  const release = acquireLock(versionDir, say);
  try {
    // Another process may have built it while this one waited for the lock.
    const plan = planFor(versionDir, hashes);
    if (plan.length === 0) {
      info(`using pulumi v${version} in ${binDir}, built by another process`);
      return { binDir, pulumi, version, source: "cached", built: [] };
    }
    removeLeftovers(versionDir);
    const steps = plan.reduce((n, part) => n + STEPS[part], 0);
    let step = 0;
    /** @type {BuildContext} */
    const context = {
      go: findGo(),
      binDir,
      wrapperDir,
      yamlDir,
      version,
      yamlVersion,
      progress,
      next: () => (steps > 1 ? { step: ++step, steps } : {}),
    };
    const where = path.relative(process.cwd(), binDir) || binDir;
    const goVersion = childProcess
      .execFileSync(context.go, ["env", "GOVERSION"], { encoding: "utf8" })
      .trim();
    const started = Date.now();
    for (const part of plan) {
      if (part === "cli") {
        say(
          `no Pulumi CLI ${options.ignorePath ? "wanted from PATH" : `>= ${MIN_PATH_VERSION} on PATH`}: building ` +
            `pulumi v${version} from its Go sources into ${where}. ` +
            "This happens once; the first time it downloads the Go modules and compiles about 1,700 " +
            "packages (4-5 minutes on 2 cores), later builds take seconds.",
        );
      } else if (part === "host" && !plan.includes("cli")) {
        info("the Node.js language host's sources changed: rebuilding pulumi-language-nodejs");
      } else if (part === "yaml") {
        say(
          `building Pulumi YAML's language host v${yamlVersion} (${YAML_MODULE}) into ${where}. ` +
            "The first time it downloads about 55 Go modules and compiles up to 670 packages (about " +
            "380 after the CLI's build: 1-2 minutes on 2 cores), later builds take seconds.",
        );
      }
      const partStarted = Date.now();
      BUILDERS[part](context);
      updateStamp(versionDir, {
        version,
        ...(part === "yaml" ? { yamlVersion } : {}),
        go: goVersion,
        [`${part}Hash`]: hashes[part],
        [`${part}BuiltAt`]: new Date().toISOString(),
        [`${part}BuildSeconds`]: Math.round((Date.now() - partStarted) / 1000),
      });
    }
    const names = {
      cli: `pulumi v${version}`,
      host: "pulumi-language-nodejs",
      yaml: `pulumi-language-yaml v${yamlVersion}`,
    };
    say(
      `built ${plan.map((p) => names[p]).join(", ")} in ${formatDuration(Date.now() - started)} into ${binDir}`,
    );
    return { binDir, pulumi, version, source: "built", built: plan };
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
  pinnedYamlVersion,
  parseVersion,
  compareVersions,
  findOnPath,
  shimScript,
  inputsHashes,
  rebuildPlan,
  acquireLock,
  runGo,
};

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
