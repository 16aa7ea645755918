#!/usr/bin/env node
/**
 * @file `npm run sdks`: writes the Python and Go SDKs of the native `scrapingpros` provider, `sdk/python/`
 * and `sdk/go/`, from its Pulumi schema, `schema/provider.json`, with Pulumi's own code generators
 * (`codegen/python`, `codegen/go` of `github.com/pulumi/pulumi/pkg/v3` at the CLI's version). Both trees
 * are committed; `tests/integration/sdks/generation.spec.ts` regenerates them into a temporary folder
 * and fails when they differ.
 *
 * `pulumi package gen-sdk` would hand generation to the Python and Go language hosts, which these
 * machines cannot get; the generators are plain Go, called by `scripts/pulumi-schema-check/gen-sdks`,
 * a second command of the module that checks the schema (one pinned module graph for Pulumi's schema
 * tooling). Steps:
 *  1. `go build` that command into a temporary folder (seconds with the Go caches the CLI's build
 *     fills; a few minutes on a machine whose caches are empty);
 *  2. run it: it binds the schema with `version` set to package.json's (so the SDKs ask the engine for
 *     the plugin of this package's version, as Pulumi providers' SDKs do), empties each output folder
 *     and writes the SDK into it, and `go.mod` for the Go SDK;
 *  3. `go mod tidy` in the Go SDK: `go.sum`, and the `go` line its dependencies need.
 *
 * CLI usage:
 *   node scripts/generate-sdks.js [--out DIR] [--quiet]
 *     --out DIR   write DIR/python and DIR/go instead of sdk/python and sdk/go
 *     --quiet     print only errors and the progress of a long Go build
 *
 * Library usage:
 *   const { generateSdks } = require("./scripts/generate-sdks.js");
 *   const { pythonDir, goDir } = generateSdks({ outDir, progress: false }); // synchronous, throws
 */
const childProcess = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { runGo: runGoWithProgress } = require("./ensure-pulumi.js");
const { formatDuration } = require("./progress.js");

const REPO_ROOT = path.resolve(__dirname, "..");
const GENERATOR_MODULE = path.join(__dirname, "pulumi-schema-check");
const GENERATOR_PACKAGE = "./gen-sdks";
const SCHEMA = path.join(REPO_ROOT, "schema", "provider.json");

/** @returns {string} package.json's version, e.g. "0.1.0" */
function packageVersion() {
  return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).version;
}

/**
 * Environment for go: the local toolchain only, no go.work from a parent folder, no cgo, and the module
 * graph as `mod` says (`readonly` for builds against a committed go.sum, `mod` for `go mod tidy`).
 * @param {"readonly" | "mod"} mod
 * @returns {NodeJS.ProcessEnv}
 */
function goEnv(mod) {
  const userFlags = (process.env.GOFLAGS || "")
    .split(/\s+/)
    .filter((f) => f && !f.startsWith("-mod=") && !f.startsWith("-buildvcs"));
  return {
    ...process.env,
    GOTOOLCHAIN: "local",
    GOWORK: "off",
    GOFLAGS: [...userFlags, `-mod=${mod}`, "-buildvcs=false"].join(" "),
    CGO_ENABLED: "0",
  };
}

/**
 * Runs one go command with ensure-pulumi's progress reporter, in this script's go environment.
 * @param {string[]} args
 * @param {"readonly" | "mod"} mod
 * @param {{cwd: string, label: string, step: number, steps: number, unit: string,
 *   count: "packages" | "downloads", progress: boolean}} step
 */
function runGo(args, mod, step) {
  runGoWithProgress("go", args, { ...step, env: goEnv(mod), prefix: "sdks: " });
}

/**
 * Builds the generator and writes both SDKs. Synchronous; throws an Error with the generator's or go's
 * output on failure (a schema that does not bind names each diagnostic).
 * @param {{outDir?: string, schema?: string, version?: string, progress?: boolean,
 *   log?: (msg: string) => void}} [options]
 *   `outDir`: write `<outDir>/python` and `<outDir>/go` (default: `sdk/python`, `sdk/go`);
 *   `schema`: the schema file (default `schema/provider.json`); `version`: the SDKs' version (default
 *   package.json's); `progress: false` silences the go steps' progress (tests).
 * @returns {{pythonDir: string, goDir: string, version: string}}
 */
function generateSdks(options = {}) {
  const progress = options.progress !== false;
  const log = options.log || (progress ? (msg) => process.stderr.write(`sdks: ${msg}\n`) : () => {});
  const base = options.outDir ? path.resolve(options.outDir) : path.join(REPO_ROOT, "sdk");
  const pythonDir = path.join(base, "python");
  const goDir = path.join(base, "go");
  const version = options.version || packageVersion();
  const schema = path.resolve(options.schema || SCHEMA);
  const started = Date.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sp-gen-sdks-"));
  try {
    const generator = path.join(tmp, "gen-sdks");
    runGo(["build", "-v", "-trimpath", "-o", generator, GENERATOR_PACKAGE], "readonly", {
      cwd: GENERATOR_MODULE,
      label: "compiling the SDK generator (scripts/pulumi-schema-check/gen-sdks)",
      step: 1,
      steps: 3,
      unit: "packages",
      count: "packages",
      progress,
    });
    log(`[2/3] generating the Python and Go SDKs v${version} from ${path.relative(REPO_ROOT, schema)}`);
    const gen = childProcess.spawnSync(
      generator,
      ["-schema", schema, "-version", version, "-python", pythonDir, "-go", goDir],
      { encoding: "utf8", timeout: 120_000 },
    );
    if (gen.error) throw new Error(`could not run the SDK generator: ${gen.error.message}`);
    if (gen.status !== 0) {
      throw new Error(`the SDK generator failed (exit ${gen.status}):\n${(gen.stderr || "").trim()}`);
    }
    runGo(["mod", "tidy"], "mod", {
      cwd: goDir,
      label: "go mod tidy in the Go SDK (go.sum)",
      step: 3,
      steps: 3,
      unit: "modules downloaded",
      count: "downloads",
      progress,
    });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  log(
    `wrote ${path.relative(process.cwd(), pythonDir) || pythonDir} and ` +
      `${path.relative(process.cwd(), goDir) || goDir} in ${formatDuration(Date.now() - started)}`,
  );
  return { pythonDir, goDir, version };
}

/** @param {string[]} argv */
function main(argv) {
  const usage = "usage: node scripts/generate-sdks.js [--out DIR] [--quiet]\n";
  /** @type {string | undefined} */
  let outDir;
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--out" && i + 1 < argv.length) outDir = argv[++i];
    else if (a === "--quiet") quiet = true;
    else if (a === "--help" || a === "-h") {
      process.stdout.write(usage);
      return 0;
    } else {
      process.stderr.write(`sdks: unknown argument: ${a}\n${usage}`);
      return 2;
    }
  }
  try {
    generateSdks({
      outDir,
      log: quiet ? () => {} : undefined,
    });
    return 0;
  } catch (err) {
    process.stderr.write(`sdks: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

module.exports = { generateSdks, packageVersion, goEnv };

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
