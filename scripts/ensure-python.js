#!/usr/bin/env node
/**
 * @file Make the Python tools of the SDK tests available: a virtual environment, `.tools/python/venv`
 * (git-ignored), holding exactly the packages pinned in `scripts/python-tools/requirements.txt`
 * (`pulumi` from PyPI, `build` and `setuptools` to build the generated package's sdist and wheel,
 * `mypy` to type-check it), made with the machine's Python and pip. It must be 3.11 or newer: the
 * generated package supports 3.10, but the tests read the docstrings of its constructors, which are on
 * `@overload`s, with `typing.get_overloads` (3.11).
 *
 * Like scripts/ensure-pulumi.js it is idempotent and says what it does:
 *  1. `.tools/python/.stamp.json` records a hash of the requirements file, of the Python it was made
 *     with (path and version) and of this script's layout revision. When it matches and the
 *     environment's python runs, nothing is done.
 *  2. Otherwise the stamp is removed, the environment is made anew (`python -m venv --clear`), the
 *     pinned packages are installed (`pip install --no-input -r`, pip's own lines show each package
 *     it fetches), the imports are checked, and only then is the stamp written: an interrupted
 *     install is redone whole next time. Concurrent runs take turns through a lock directory
 *     (`.build.lock`, as ensure-pulumi's); the later one reuses the environment.
 *   pip's download cache (`~/.cache/pip`) makes a reinstall on the same machine take seconds.
 *
 * The Python used: `SP_PYTHON` when set (a command or path), else the first of python3.13 … python3.11,
 * python3 on PATH whose version is >= 3.11.
 *
 * CLI usage:
 *   node scripts/ensure-python.js [--quiet] [--print-python]
 *     --quiet         print only errors and the progress of an install (never silent for long)
 *     --print-python  print the environment's python and nothing else (errors still go to stderr)
 *   stdout is exactly the environment's python (one line) on success; progress goes to stderr.
 *
 * Library usage:
 *   const { ensurePython } = require("./scripts/ensure-python.js");
 *   const { python, venv, versions } = ensurePython({ quiet: true }); // synchronous, throws on failure
 */
const childProcess = require("node:child_process");
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const { acquireLock, compareVersions, findOnPath, parseVersion } = require("./ensure-pulumi.js");
const { createProgress, formatDuration } = require("./progress.js");

const REPO_ROOT = path.resolve(__dirname, "..");
const TOOLS_DIR = path.join(REPO_ROOT, ".tools", "python");
const REQUIREMENTS = path.join(__dirname, "python-tools", "requirements.txt");
const MIN_PYTHON = "3.11.0";
const CANDIDATES = ["python3.13", "python3.12", "python3.11", "python3"];
const STAMP_FILE = ".stamp.json";
/** Part of the hash: bumping it remakes every environment (when what this script lays out changes). */
const LAYOUT_REVISION = 1;
/** The packages whose versions are reported and checked after an install (import name → dist name). */
const TOOLS = { pulumi: "pulumi", build: "build", setuptools: "setuptools", mypy: "mypy" };

/**
 * The pinned packages of a requirements file: `name==version` lines, comments and blank lines skipped.
 * Anything else (a range, an option, a URL) is refused: every package must be pinned.
 * @param {string} text
 * @returns {Map<string, string>} normalized name (PEP 503: lower case, runs of -_. as -) → version
 */
function parseRequirements(text) {
  /** @type {Map<string, string>} */
  const pins = new Map();
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/#.*/, "").trim();
    if (!line) return;
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.!+_-]+)$/.exec(line);
    if (!m) throw new Error(`requirements line ${i + 1}: "${line}" is not a pin (name==version)`);
    const name = normalizeName(m[1]);
    if (pins.has(name)) throw new Error(`requirements line ${i + 1}: ${m[1]} is pinned twice`);
    pins.set(name, m[2]);
  });
  return pins;
}

/** @param {string} name */
function normalizeName(name) {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/**
 * Finds the Python to make the environment with.
 * @returns {{python: string, version: string}}
 */
function findPython() {
  const wanted = process.env.SP_PYTHON;
  const candidates = wanted ? [wanted] : CANDIDATES;
  const tried = [];
  for (const name of candidates) {
    const found = name.includes(path.sep) ? name : findOnPath(name);
    if (!found) continue;
    const r = childProcess.spawnSync(found, ["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"], {
      encoding: "utf8",
      timeout: 30_000,
    });
    const version = r.status === 0 ? parseVersion(r.stdout) : undefined;
    tried.push(`${found} (${version ?? "does not run"})`);
    if (version && compareVersions(version, MIN_PYTHON) >= 0) return { python: found, version };
  }
  throw new Error(
    `no Python >= ${MIN_PYTHON} found (${wanted ? `SP_PYTHON=${wanted}` : `looked for ${CANDIDATES.join(", ")} on PATH`}` +
      `${tried.length ? `; found ${tried.join(", ")}` : ""}): install Python 3.11 or newer with its venv module`,
  );
}

/**
 * The hash the stamp records: the requirements, the base Python and the layout revision.
 * @param {string} requirementsText
 * @param {{python: string, version: string}} base
 */
function inputsHash(requirementsText, base) {
  const h = crypto.createHash("sha256");
  h.update(`layout:${LAYOUT_REVISION}\npython:${base.python} ${base.version}\n`);
  h.update(requirementsText);
  return h.digest("hex");
}

/** @param {string} dir */
function readStamp(dir) {
  try {
    const stamp = JSON.parse(fs.readFileSync(path.join(dir, STAMP_FILE), "utf8"));
    return stamp && typeof stamp === "object" ? stamp : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the environment in `dir` is there and made from these inputs.
 * @param {string} dir
 * @param {string} hash
 */
function upToDate(dir, hash) {
  const stamp = readStamp(dir);
  if (!stamp || stamp.hash !== hash) return false;
  const r = childProcess.spawnSync(venvPython(dir), ["-c", "pass"], { timeout: 30_000 });
  return r.status === 0;
}

/** @param {string} dir */
function venvPython(dir) {
  return path.join(dir, "venv", process.platform === "win32" ? "Scripts" : "bin", "python");
}

/**
 * Runs a command of the install; its output goes to stderr when `progress`, else it is kept for the
 * error. Throws when it fails.
 * @param {string} command
 * @param {string[]} args
 * @param {boolean} progress
 * @param {NodeJS.ProcessEnv} [env]
 */
function run(command, args, progress, env) {
  const r = childProcess.spawnSync(command, args, {
    encoding: "utf8",
    env: env ?? process.env,
    maxBuffer: 64 * 1024 * 1024,
    stdio: progress ? ["ignore", 2, 2] : ["ignore", "pipe", "pipe"],
  });
  if (r.error) throw new Error(`could not run ${command}: ${r.error.message}`);
  if (r.status !== 0) {
    const output = `${r.stdout || ""}${r.stderr || ""}`.trim();
    throw new Error(
      `\`${path.basename(command)} ${args.join(" ")}\` failed (${r.signal || `exit ${r.status}`})` +
        (output ? `:\n${output}` : ""),
    );
  }
}

/**
 * The versions of the tools installed in the environment, read from their metadata.
 * @param {string} python
 * @returns {Record<string, string>}
 */
function installedVersions(python) {
  const code =
    "import importlib.metadata as m, json, sys; " +
    "print(json.dumps({k: m.version(v) for k, v in json.loads(sys.argv[1]).items()}))";
  const r = childProcess.spawnSync(python, ["-c", code, JSON.stringify(TOOLS)], {
    encoding: "utf8",
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`the environment's packages cannot be read:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

/**
 * Ensures the virtual environment with the pinned packages. Synchronous; throws an Error (with pip's
 * output) when Python is missing or an install fails.
 * An install always reports its progress on stderr (each step, pip's lines, the time taken), even
 * with `quiet`; `progress: false` silences it (tests).
 * @param {{quiet?: boolean, toolsDir?: string, requirements?: string, progress?: boolean,
 *   log?: (msg: string) => void}} [options]
 *   `toolsDir`: default `.tools/python`; `requirements`: default `scripts/python-tools/requirements.txt`.
 * @returns {{python: string, venv: string, source: "cached" | "built", versions: Record<string, string>,
 *   seconds?: number}} `versions`: pulumi, build, setuptools and mypy as installed
 */
function ensurePython(options = {}) {
  const quiet = !!options.quiet;
  const log = options.log || ((msg) => process.stderr.write(`ensure-python: ${msg}\n`));
  const info = quiet ? () => {} : log;
  const progress = options.progress !== false;
  const say = progress ? log : info;
  const dir = options.toolsDir || TOOLS_DIR;
  const requirementsFile = options.requirements || REQUIREMENTS;
  const requirementsText = fs.readFileSync(requirementsFile, "utf8");
  const pins = parseRequirements(requirementsText);
  for (const dist of Object.values(TOOLS)) {
    if (!pins.has(normalizeName(dist))) throw new Error(`${requirementsFile} does not pin ${dist}`);
  }
  const base = findPython();
  const hash = inputsHash(requirementsText, base);
  const python = venvPython(dir);
  const venv = path.dirname(path.dirname(python));

  if (upToDate(dir, hash)) {
    info(`using the Python tools in ${venv}`);
    return {
      python,
      venv,
      source: "cached",
      versions: readStamp(dir)?.versions ?? installedVersions(python),
    };
  }
  fs.mkdirSync(dir, { recursive: true });
  const release = acquireLock(dir, say);
  try {
    if (upToDate(dir, hash)) {
      info(`using the Python tools in ${venv}, installed by another process`);
      return {
        python,
        venv,
        source: "cached",
        versions: readStamp(dir)?.versions ?? installedVersions(python),
      };
    }
    fs.rmSync(path.join(dir, STAMP_FILE), { force: true });
    const where = path.relative(process.cwd(), venv) || venv;
    const started = Date.now();
    const step = (/** @type {number} */ n, /** @type {string} */ label) =>
      createProgress({
        label,
        step: n,
        steps: 2,
        prefix: "ensure-python: ",
        write: progress ? undefined : () => {},
      });
    const made = step(
      1,
      `making the virtual environment ${where} with Python ${base.version} (${base.python})`,
    );
    try {
      run(base.python, ["-m", "venv", "--clear", venv], false);
    } catch (err) {
      made.fail();
      throw new Error(
        `${err instanceof Error ? err.message : String(err)}\n(on Debian and Ubuntu, install python3-venv)`,
      );
    }
    made.done();
    const tools = Object.values(TOOLS)
      .map((d) => `${d} ${pins.get(normalizeName(d))}`)
      .join(", ");
    const installing = step(
      2,
      `installing ${pins.size} pinned packages from PyPI (${tools}; pip's lines follow)`,
    );
    try {
      run(
        python,
        [
          "-m",
          "pip",
          "install",
          "--no-input",
          "--progress-bar",
          "off",
          "--disable-pip-version-check",
          "-r",
          requirementsFile,
        ],
        progress,
        { ...process.env, PIP_REQUIRE_VIRTUALENV: "true" },
      );
    } catch (err) {
      installing.fail();
      throw err;
    }
    const versions = installedVersions(python);
    for (const [tool, dist] of Object.entries(TOOLS)) {
      if (versions[tool] !== pins.get(normalizeName(dist))) {
        installing.fail();
        throw new Error(
          `${dist} ${versions[tool]} was installed, but ${pins.get(normalizeName(dist))} is pinned`,
        );
      }
    }
    installing.done();
    const seconds = Math.round((Date.now() - started) / 1000);
    fs.writeFileSync(
      path.join(dir, STAMP_FILE),
      `${JSON.stringify({ hash, python: base, versions, builtAt: new Date().toISOString(), seconds }, null, 2)}\n`,
    );
    say(`installed the Python tools in ${formatDuration(Date.now() - started)} into ${venv}`);
    return { python, venv, source: "built", versions, seconds };
  } finally {
    release();
  }
}

/** @param {string[]} argv */
function main(argv) {
  const known = new Set(["--quiet", "--print-python", "--help", "-h"]);
  const unknown = argv.filter((a) => !known.has(a));
  const usage = "usage: node scripts/ensure-python.js [--quiet] [--print-python]\n";
  if (argv.includes("--help") || argv.includes("-h") || unknown.length > 0) {
    if (unknown.length > 0) {
      process.stderr.write(`ensure-python: unknown argument(s): ${unknown.join(" ")}\n${usage}`);
      return 2;
    }
    process.stdout.write(usage);
    return 0;
  }
  try {
    const result = ensurePython({ quiet: argv.includes("--quiet") || argv.includes("--print-python") });
    process.stdout.write(`${result.python}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`ensure-python: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

module.exports = { ensurePython, parseRequirements, normalizeName, findPython, inputsHash };

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
