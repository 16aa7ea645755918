/**
 * Shared by the tests of the generated Python and Go SDKs (tests/integration/sdks/, the SDKs'
 * end-to-end tests): where things are, the tools that build and check them, and running commands.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export const REPO = path.resolve(__dirname, "..", "..");
export const SDK_PYTHON = path.join(REPO, "sdk", "python");
export const SDK_GO = path.join(REPO, "sdk", "go");
export const PYTHON_FIXTURES = path.join(REPO, "tests", "fixtures", "sdks", "python");
export const GO_FIXTURES = path.join(REPO, "tests", "fixtures", "sdks", "go");
export const SCHEMA_FILE = path.join(REPO, "schema", "provider.json");

// Plain CommonJS scripts, also run from the command line.
const generate = require("../../scripts/generate-sdks.js") as {
  generateSdks(options?: { outDir?: string; schema?: string; version?: string; progress?: boolean }): {
    pythonDir: string;
    goDir: string;
    version: string;
  };
  packageVersion(): string;
  goEnv(mod: "readonly" | "mod"): NodeJS.ProcessEnv;
};
const python = require("../../scripts/ensure-python.js") as {
  ensurePython(options?: { quiet?: boolean; toolsDir?: string; requirements?: string; progress?: boolean }): {
    python: string;
    venv: string;
    source: "cached" | "built";
    versions: Record<string, string>;
  };
};

export const { generateSdks, packageVersion, goEnv } = generate;
export const { ensurePython } = python;

/** The Python tools (pinned in scripts/python-tools/requirements.txt), made once per test process. */
let tools: ReturnType<typeof python.ensurePython> | undefined;
export function pythonTools(): ReturnType<typeof python.ensurePython> {
  tools ??= python.ensurePython({ quiet: true });
  return tools;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs a command to its end; never throws (see {@link ok}). */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): RunResult {
  const started = Date.now();
  const r = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    input: options.input,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    timeout: options.timeoutMs ?? 15 * 60_000,
  });
  return {
    status: r.error ? null : r.status,
    stdout: r.stdout ?? "",
    stderr: `${r.stderr ?? ""}${r.error ? `\n${r.error.message}` : ""}`,
    seconds: (Date.now() - started) / 1000,
  };
}

/** Asserts a command succeeded, with its output in the message when it did not. */
export function ok(what: string, r: RunResult): RunResult {
  if (r.status !== 0) {
    throw new Error(`${what} failed (status ${r.status}):\n${r.stdout}\n${r.stderr}`.trim());
  }
  return r;
}

/** Every file under `dir`, as sorted paths relative to it with `/`. */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else out.push(child);
    }
  };
  walk("");
  return out.sort();
}

/** How tree `actual` differs from tree `expected`: files only in one, and files whose bytes differ. */
export function compareTrees(
  expected: string,
  actual: string,
): { missing: string[]; extra: string[]; changed: string[] } {
  const want = listTree(expected);
  const got = listTree(actual);
  const gotSet = new Set(got);
  const wantSet = new Set(want);
  return {
    missing: want.filter((f) => !gotSet.has(f)),
    extra: got.filter((f) => !wantSet.has(f)),
    changed: want.filter(
      (f) =>
        gotSet.has(f) &&
        !fs.readFileSync(path.join(expected, f)).equals(fs.readFileSync(path.join(actual, f))),
    ),
  };
}

/** Whitespace collapsed, for comparing a schema description with a docstring that re-wraps it. */
export function squash(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
