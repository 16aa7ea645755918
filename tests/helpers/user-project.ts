/**
 * A Pulumi project written the way a user writes one: `Pulumi.yaml` (runtime nodejs, TypeScript),
 * a `tsconfig.json`, and an `index.ts` that imports `pulumi-scrapingpros` by its package name, run by
 * the real CLI against an emulator. It is a {@link TestStack} whose program is TypeScript source
 * given by the test instead of the JSON-declared collections.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { COLLECTION_TYPE } from "../../sdk/collection";
import { pulumiBinDir } from "./e2e";
import { TEST_KEY } from "./emulator";
import { type CliResult, TestStack } from "./pulumi";

const REPO = path.resolve(__dirname, "..", "..");

export { COLLECTION_TYPE };

/**
 * The tsconfig.json of Pulumi's `typescript` template, plus `skipLibCheck` (faster: the template
 * itself, without it, is type-checked against the packed package in
 * tests/integration/packaging/type-resolution.spec.ts).
 */
export const TSCONFIG = {
  compilerOptions: {
    strict: true,
    outDir: "bin",
    target: "es2020",
    module: "commonjs",
    moduleResolution: "node",
    sourceMap: true,
    experimentalDecorators: true,
    pretty: true,
    noFallthroughCasesInSwitch: true,
    noImplicitReturns: true,
    forceConsistentCasingInFileNames: true,
    skipLibCheck: true,
  },
  files: ["index.ts"],
};

/** One resource of `pulumi stack export`. */
export interface StateResource {
  urn: string;
  type: string;
  id?: string;
  parent?: string;
  provider?: string;
  protect?: boolean;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

/** One step of `pulumi preview --json`. */
export interface PreviewStep {
  op: string;
  urn: string;
  type: string;
  diffs: string[];
}

/** What `pulumi preview --json` reports. */
export interface PreviewReport {
  steps: PreviewStep[];
  changeSummary: Record<string, number>;
  /** The steps that change something (`op` other than `same`). */
  changes: PreviewStep[];
}

/** Options of a {@link UserProject}. */
export interface UserProjectOptions {
  /** `name:` in Pulumi.yaml. @default "acme-scrapers" */
  project?: string;
  /** The stack `init` creates. @default "dev" */
  stack?: string;
}

/** A TypeScript Pulumi project in a temporary folder with its own file backend. */
export class UserProject extends TestStack {
  project: string;

  constructor(options: UserProjectOptions = {}) {
    super(pulumiBinDir(), options.stack ?? "dev");
    this.project = options.project ?? "acme-scrapers";
    fs.rmSync(this.file("index.js"));
    this.writeProjectFile();
    fs.writeFileSync(this.file("tsconfig.json"), `${JSON.stringify(TSCONFIG, null, 2)}\n`);
    fs.writeFileSync(
      this.file("package.json"),
      `${JSON.stringify({ name: this.project, main: "index.ts", private: true }, null, 2)}\n`,
    );
  }

  /** A path inside the project folder. */
  file(...parts: string[]): string {
    return path.join(this.projectDir, ...parts);
  }

  /** Writes `index.ts`, the program the next run deploys. */
  writeProgram(source: string): void {
    fs.writeFileSync(this.file("index.ts"), source);
  }

  /** Changes `name:` in Pulumi.yaml (the state is not moved: see {@link renameProject}). */
  setProjectName(name: string): void {
    this.project = name;
    this.writeProjectFile();
  }

  /** `stack init` and the provider's config, against `emu` with the test key. */
  initAgainst(emu: RunningEmulator): Promise<void> {
    return this.init(emu.url, TEST_KEY);
  }

  /** `pulumi stack rename <stack>`. */
  async renameStack(stack: string): Promise<void> {
    await this.ok(["stack", "rename", stack]);
  }

  /**
   * Renames the project as Pulumi's docs say for a self-managed backend: `pulumi stack rename
   * organization/<project>/<stack>` moves the stack's state (rewriting its URNs), then Pulumi.yaml
   * gets the new name so that the program's project matches the state's, and the stack is
   * selected again (the selection is kept per project).
   */
  async renameProject(project: string): Promise<void> {
    const stack = (await this.ok(["stack", "--show-name"])).stdout.trim();
    await this.ok(["stack", "rename", `organization/${project}/${stack}`]);
    this.setProjectName(project);
    await this.ok(["stack", "select", stack]);
  }

  /** `pulumi preview --json`: every step and the change summary. */
  async previewReport(extra: string[] = []): Promise<PreviewReport> {
    const r = await this.ok(["preview", "--json", ...extra]);
    const parsed = JSON.parse(r.stdout) as {
      steps?: { op: string; urn: string; diffs?: string[]; newState?: { type: string } }[];
      changeSummary?: Record<string, number>;
    };
    const steps = (parsed.steps ?? []).map((s) => ({
      op: s.op,
      urn: s.urn,
      type: s.newState?.type ?? s.urn.split("::")[2]?.split("$").pop() ?? "",
      diffs: s.diffs ?? [],
    }));
    return {
      steps,
      changeSummary: parsed.changeSummary ?? {},
      changes: steps.filter((s) => s.op !== "same"),
    };
  }

  /** `pulumi preview --diff --expect-no-changes`: fails with the CLI's output when anything would change. */
  expectNoChanges(): Promise<CliResult> {
    return this.ok(["preview", "--diff", "--expect-no-changes"]);
  }

  /** Every resource in the exported state. */
  async resources(): Promise<StateResource[]> {
    const state = JSON.parse(await this.exportText(true)) as {
      deployment: { resources?: StateResource[] };
    };
    return state.deployment.resources ?? [];
  }

  /** The Collections in the state by logical name (the last URN segment): id and stored name. */
  async collectionsByName(): Promise<Record<string, { id: string; name: string; urn: string }>> {
    const out: Record<string, { id: string; name: string; urn: string }> = {};
    for (const r of await this.resources()) {
      if (r.type !== COLLECTION_TYPE) continue;
      const logical = r.urn.split("::").pop() as string;
      out[logical] = { id: r.id ?? "", name: String(r.outputs.name), urn: r.urn };
    }
    return out;
  }

  /**
   * Replaces the project's `node_modules` link by a folder of links to the repository's packages,
   * with `pulumi-scrapingpros` pointing at `packageRoot` (a built copy of another version, or the
   * repository itself). The program and the dynamic-provider process (started in the project folder)
   * both load the package from there; every other package, `@pulumi/pulumi` included, is the
   * repository's, by the same real path, so there is one copy of the Pulumi SDK.
   */
  usePackage(packageRoot: string): void {
    const modules = this.file("node_modules");
    fs.rmSync(modules, { recursive: true, force: true });
    fs.mkdirSync(modules);
    const repoModules = path.join(REPO, "node_modules");
    for (const entry of fs.readdirSync(repoModules)) {
      if (entry === "pulumi-scrapingpros" || entry.startsWith(".")) continue;
      fs.symlinkSync(path.join(repoModules, entry), path.join(modules, entry), "dir");
    }
    fs.symlinkSync(packageRoot, path.join(modules, "pulumi-scrapingpros"), "dir");
  }

  private writeProjectFile(): void {
    fs.writeFileSync(
      this.file("Pulumi.yaml"),
      [
        `name: ${this.project}`,
        "description: A user's program, written by an end-to-end test",
        "runtime:",
        "  name: nodejs",
        "  options:",
        "    typescript: true",
        "",
      ].join("\n"),
    );
  }
}

/** The API calls (`METHOD path`) the emulator logged after the first `mark` entries. */
export function apiCallsSince(emu: RunningEmulator, mark: number): string[] {
  return emu
    .requests()
    .slice(mark)
    .map((r) => `${r.method} ${r.path}`);
}
