/**
 * A copy of one folder of examples/ run by the real CLI (used by examples.spec.ts and
 * gitops.spec.ts).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { pulumiBinDir } from "./e2e";
import { TEST_KEY } from "./emulator";
import { type CliResult, linkRepoModules, pulumiEnv, spawnPulumi, succeeded } from "./pulumi";

const REPO = path.resolve(__dirname, "..", "..");
/** The repository's examples/ folder. */
export const EXAMPLES = path.join(REPO, "examples");

/**
 * A copy of one folder of examples/ in a temporary directory, with its own file backend and
 * Pulumi home, run by the real CLI. The program resolves `pulumi-scrapingpros` and `@pulumi/pulumi`
 * through a `node_modules` link to the repository's, as in a user's project.
 */
export class ExampleProject {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "sp-example-"));
  readonly projectDir = path.join(this.dir, "project");
  readonly env: NodeJS.ProcessEnv;
  /** Everything the CLI printed, for the leak check. */
  readonly transcript: string[] = [];

  /** `stackFiles`: copy the example's Pulumi.<stack>.yaml files (only per-stage commits them). */
  constructor(
    readonly example: string,
    stackFiles: boolean,
  ) {
    const source = path.join(EXAMPLES, example);
    fs.cpSync(source, this.projectDir, {
      recursive: true,
      // leftovers of a local run of the example are not part of it
      filter: (src) => {
        const base = path.basename(src);
        if (base === "node_modules") return false;
        return stackFiles || !/^Pulumi\..+\.yaml$/.test(base);
      },
    });
    linkRepoModules(this.projectDir);
    this.env = pulumiEnv(pulumiBinDir(), this.dir);
  }

  /** A path inside the copied project. */
  file(...parts: string[]): string {
    return path.join(this.projectDir, ...parts);
  }

  /** Runs `pulumi <args> --non-interactive` in the project; fails with the output on a non-zero exit. */
  async ok(args: string[]): Promise<CliResult> {
    return succeeded(args, await spawnPulumi(args, this.projectDir, this.env, this.transcript).result);
  }

  /** The README's steps: `stack init`, the emulator's URL, the API key as a secret. */
  async init(stack: string, emu: RunningEmulator): Promise<void> {
    await this.ok(["stack", "init", stack]);
    await this.ok(["config", "set", "--stack", stack, "scrapingpros:baseUrl", emu.url]);
    await this.ok(["config", "set", "--stack", stack, "--secret", "scrapingpros:apiKey", TEST_KEY]);
  }

  up(stack: string): Promise<CliResult> {
    return this.ok(["up", "--stack", stack, "--yes", "--skip-preview"]);
  }

  /** `pulumi preview --json`: the change summary (operation → count). */
  async preview(stack: string): Promise<Record<string, number>> {
    const r = await this.ok(["preview", "--stack", stack, "--json"]);
    return (JSON.parse(r.stdout) as { changeSummary?: Record<string, number> }).changeSummary ?? {};
  }

  // biome-ignore lint/suspicious/noExplicitAny: stack outputs are whatever the example exports
  async outputs(stack: string): Promise<Record<string, any>> {
    return JSON.parse((await this.ok(["stack", "output", "--stack", stack, "--json"])).stdout);
  }

  /** Runs `pulumi <args> --non-interactive` in the project and returns its result, whatever the exit code. */
  run(args: string[]): Promise<CliResult> {
    return spawnPulumi(args, this.projectDir, this.env, this.transcript).result;
  }

  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
