/**
 * Drives the real `pulumi` CLI for end-to-end tests: a temporary project whose program declares
 * the collections listed in its `program.json`, a local file backend, passphrase secrets, and the
 * provider configured against an emulator on loopback.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { E2E_RUN_ID, E2E_RUN_ID_VAR } from "./processes";

const REPO = path.resolve(__dirname, "..", "..");

/** What the program declares: logical name → Collection args. */
export type ProgramSpec = Record<string, Record<string, unknown>>;

/** The result of one CLI run. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const PROGRAM = `"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { Collection } = require("pulumi-scrapingpros");
const spec = JSON.parse(fs.readFileSync(path.join(__dirname, "program.json"), "utf8"));
for (const [name, args] of Object.entries(spec)) {
  const c = new Collection(name, args);
  exports[name] = { id: c.id, name: c.name, requestCount: c.requestCount };
}
`;

/**
 * Starts `pulumi <args> --non-interactive` in `cwd`, in its own process group; `result` resolves
 * when it exits, after its output was appended to `transcript`.
 */
export function spawnPulumi(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  transcript: string[],
): ChildProcess & { result: Promise<CliResult> } {
  const child = spawn("pulumi", [...args, "--non-interactive"], {
    cwd,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const result = new Promise<CliResult>((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      transcript.push(stdout, stderr);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return Object.assign(child, { result });
}

/** Returns `r`, or throws with the CLI's output when it exited non-zero. */
export function succeeded(args: string[], r: CliResult): CliResult {
  if (r.code !== 0) {
    throw new Error(
      `pulumi ${args.join(" ")} exited ${r.code ?? r.signal}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`,
    );
  }
  return r;
}

/**
 * Gives a project dir a `node_modules` link to this repository's: the program and the
 * dynamic-provider process then resolve packages as in a user's project.
 */
export function linkRepoModules(projectDir: string): void {
  fs.symlinkSync(path.join(REPO, "node_modules"), path.join(projectDir, "node_modules"), "dir");
}

/**
 * The CLI's environment for a test: the built CLI first on PATH, and a local file backend,
 * passphrase secrets and a Pulumi home inside `dir` (which gets `state/` and `home/`). It also
 * carries this test run's marker, which every process the CLI starts inherits: after the run, the
 * e2e root hook (tests/e2e/hooks.ts) fails when a process with it is still alive.
 */
export function pulumiEnv(binDir: string, dir: string): NodeJS.ProcessEnv {
  fs.mkdirSync(path.join(dir, "state"), { recursive: true });
  fs.mkdirSync(path.join(dir, "home"), { recursive: true });
  return {
    PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ""}`,
    HOME: process.env.HOME ?? dir,
    PULUMI_HOME: path.join(dir, "home"),
    PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: "e2e-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    NO_COLOR: "1",
    [E2E_RUN_ID_VAR]: E2E_RUN_ID,
  };
}

/**
 * What the CLI says when a stack's metadata sidecar in a local file backend is empty: the `pulumi`
 * that wrote it was killed between truncating `<stack>.json.attrs` and writing it (the checkpoint
 * itself is written to a temporary file and renamed, so it is intact). Every command on the stack
 * fails this way until the empty sidecar is removed.
 */
export const EMPTY_SIDECAR = /failed to load checkpoint: EOF/;

/**
 * The README's fix for {@link EMPTY_SIDECAR}, as a user applies it: removes every empty `.attrs`
 * file under the backend's `.pulumi/stacks`, and returns their paths relative to `stateDir`.
 */
export function removeEmptySidecars(stateDir: string): string[] {
  const stacks = path.join(stateDir, ".pulumi", "stacks");
  if (!fs.existsSync(stacks)) return [];
  const removed: string[] = [];
  for (const entry of fs.readdirSync(stacks, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".attrs")) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (fs.statSync(file).size > 0) continue;
    fs.rmSync(file);
    removed.push(path.relative(stateDir, file));
  }
  return removed;
}

/** A throwaway Pulumi project and stack with its own backend and home. */
export class TestStack {
  readonly dir: string;
  readonly projectDir: string;
  readonly env: NodeJS.ProcessEnv;
  /** Every byte the CLI printed in this stack's runs, for leak checks. */
  readonly transcript: string[] = [];

  constructor(
    readonly binDir: string,
    readonly stackName = "dev",
  ) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "sp-e2e-"));
    this.projectDir = path.join(this.dir, "project");
    fs.mkdirSync(this.projectDir);
    fs.writeFileSync(
      path.join(this.projectDir, "Pulumi.yaml"),
      "name: sp-e2e\nruntime: nodejs\nmain: index.js\n",
    );
    fs.writeFileSync(path.join(this.projectDir, "index.js"), PROGRAM);
    fs.writeFileSync(path.join(this.projectDir, "package.json"), '{ "name": "sp-e2e", "private": true }\n');
    linkRepoModules(this.projectDir);
    this.env = pulumiEnv(binDir, this.dir);
  }

  /** Writes the declaration the next run deploys. */
  setProgram(spec: ProgramSpec): void {
    fs.writeFileSync(path.join(this.projectDir, "program.json"), JSON.stringify(spec, null, 2));
  }

  /**
   * `pulumi stack init` and the provider's config: the API key as a secret config value, or with
   * `keyFrom: "env"` as SCRAPINGPROS_API_KEY in the CLI's environment only.
   */
  async init(baseUrl: string, apiKey: string, keyFrom: "config" | "env" = "config"): Promise<void> {
    await this.ok(["stack", "init", this.stackName]);
    await this.ok(["config", "set", "scrapingpros:baseUrl", baseUrl]);
    if (keyFrom === "config") await this.ok(["config", "set", "--secret", "scrapingpros:apiKey", apiKey]);
    else this.env.SCRAPINGPROS_API_KEY = apiKey;
    await this.ok(["config", "set", "scrapingpros:maxRetries", "3"]);
  }

  /** Runs `pulumi <args>` in the project and waits. */
  run(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> {
    return this.spawn(args, extraEnv).result;
  }

  /** Like {@link run}, but fails with the CLI's output when it exits non-zero. */
  async ok(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> {
    return succeeded(args, await this.run(args, extraEnv));
  }

  /** Starts `pulumi <args>` in its own process group (so a test can kill the whole deployment). */
  spawn(args: string[], extraEnv: NodeJS.ProcessEnv = {}): ChildProcess & { result: Promise<CliResult> } {
    return spawnPulumi(args, this.projectDir, { ...this.env, ...extraEnv }, this.transcript);
  }

  /** `pulumi up --yes`. */
  up(extra: string[] = []): Promise<CliResult> {
    return this.ok(["up", "--yes", "--skip-preview", ...extra]);
  }

  /** `pulumi preview --json`: the change summary (operation → count). */
  async preview(extra: string[] = []): Promise<Record<string, number>> {
    const r = await this.ok(["preview", "--json", ...extra]);
    return (JSON.parse(r.stdout) as { changeSummary?: Record<string, number> }).changeSummary ?? {};
  }

  /** `pulumi refresh --yes --skip-preview --json`: the resource changes of its summary event. */
  async refresh(extra: string[] = []): Promise<Record<string, number>> {
    const r = await this.ok(["refresh", "--yes", "--skip-preview", "--json", ...extra]);
    for (const line of r.stdout.split("\n").reverse()) {
      if (!line.includes('"summaryEvent"')) continue;
      return (
        (JSON.parse(line) as { summaryEvent: { resourceChanges?: Record<string, number> } }).summaryEvent
          .resourceChanges ?? {}
      );
    }
    throw new Error(`no summary event in refresh output:\n${r.stdout}`);
  }

  /** The stack's outputs. */
  async outputs(): Promise<Record<string, { id: string; name: string; requestCount: number }>> {
    const r = await this.ok(["stack", "output", "--json", "--show-secrets"]);
    return JSON.parse(r.stdout);
  }

  /** The raw `pulumi stack export` text (secrets decrypted only when asked). */
  async exportText(showSecrets = false): Promise<string> {
    return (await this.ok(["stack", "export", ...(showSecrets ? ["--show-secrets"] : [])])).stdout;
  }

  /** The Collection resources in the exported state. */
  async collections(): Promise<
    { urn: string; id: string; outputs: Record<string, unknown>; inputs: Record<string, unknown> }[]
  > {
    const state = JSON.parse(await this.exportText(true)) as {
      deployment: {
        resources?: {
          type: string;
          urn: string;
          id: string;
          outputs: Record<string, unknown>;
          inputs: Record<string, unknown>;
        }[];
      };
    };
    return (state.deployment.resources ?? []).filter(
      (r) => r.type === "pulumi-nodejs:dynamic/scrapingpros:Collection",
    );
  }

  /** Removes the temporary folder. */
  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Only a non-zero count of a non-`same` operation. */
export function changesOf(summary: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(summary).filter(([op, n]) => op !== "same" && n > 0));
}
