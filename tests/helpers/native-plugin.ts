/**
 * A Pulumi YAML project that uses the native `scrapingpros` plugin from Pulumi's plugin cache, run by
 * the upstream YAML language host against an emulator, for tests/e2e/native-plugin.spec.ts and the
 * plugin route of tests/e2e/install-matrix.spec.ts. Its pieces are exported for the end-to-end
 * tests of the native provider that build on them (interruptions, import, several accounts):
 * {@link installNativePlugin}, {@link nativeYamlProgram} (or a program of their own),
 * {@link startNativeStack} (a project, a stack and an emulator), {@link callsSince} (the API calls,
 * by method and path), {@link pluginProcessesLeft}.
 */
import * as assert from "node:assert/strict";
import { type ChildProcess, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { assertCallsWithin } from "./call-counts";
import { startTestEmulator, TEST_KEY } from "./emulator";
import { describeProcesses, E2E_RUN_ID, E2E_RUN_ID_VAR, processesWithEnv, waitForExit } from "./processes";
import { type CliResult, spawnPulumi, succeeded } from "./pulumi";

/** The plugin's launcher, the file the engine starts. */
export const PLUGIN_LAUNCHER = "pulumi-resource-scrapingpros";

/**
 * Installs the plugin as built (`dist/`) into the plugin cache of `env.PULUMI_HOME` the way the
 * README says, `npx pulumi-scrapingpros plugin install` (the package's bin, run with node), with
 * the `pulumi` on `env.PATH`; returns what it printed. Needs `npm run build` first.
 */
export function installNativePlugin(env: NodeJS.ProcessEnv): string {
  const cli = path.resolve(__dirname, "..", "..", "dist", "sdk", "cli.js");
  return execFileSync(process.execPath, [cli, "plugin", "install"], { env, encoding: "utf8" });
}

/**
 * `Pulumi.yaml` of the project (`name` is the project's name): `tours` (explicitly named), `auto`
 * (auto-named), a run of `tours` that does not wait, and a lookup of `tours` (`getCollection`),
 * with the default provider configured by the stack config (`scrapingpros:baseUrl`, `:apiKey`).
 * `toursRequests` replaces the requests of `tours` (an edit).
 */
export function nativeYamlProgram(name: string, toursRequests: string[] = ["https://example.com/a"]): string {
  return `name: ${name}
runtime: yaml
description: Uses the native scrapingpros provider from Pulumi's plugin cache.
resources:
  tours:
    type: scrapingpros:Collection
    properties:
      name: tours
      requests:
${toursRequests.map((u) => `        - url: ${u}`).join("\n")}
  auto:
    type: scrapingpros:Collection
    properties:
      requests:
        - url: https://example.com/auto
  nightly:
    type: scrapingpros:CollectionRun
    properties:
      collectionId: \${tours.id}
      wait: none
variables:
  found:
    fn::invoke:
      function: scrapingpros:getCollection
      arguments:
        id: \${tours.id}
outputs:
  toursId: \${tours.id}
  autoName: \${auto.name}
  runId: \${nightly.runId}
  runCreatedAt: \${nightly.createdAt}
  foundName: \${found.name}
`;
}

/** The directories of `env.PATH` that hold a `pulumi-resource-scrapingpros`: none, for a cache test. */
export function pluginOnPath(env: NodeJS.ProcessEnv): string[] {
  return (env.PATH ?? "")
    .split(path.delimiter)
    .filter((d) => d !== "" && fs.existsSync(path.join(d, PLUGIN_LAUNCHER)));
}

/** The plugin processes of this test run still alive after `ms` (none once the CLI has exited). */
export async function pluginProcessesLeft(ms = 5_000): Promise<string> {
  const plugins = processesWithEnv(E2E_RUN_ID_VAR, E2E_RUN_ID).filter((p) =>
    p.cmdline.includes(PLUGIN_LAUNCHER),
  );
  const { left } = await waitForExit(
    plugins.map((p) => p.pid),
    ms,
  );
  return describeProcesses(plugins.filter((p) => left.includes(p.pid)));
}

/** The API calls the emulator logged after the first `mark` entries, as `METHOD /path`. */
export function callsSince(emu: RunningEmulator, mark: number): string[] {
  return emu
    .requests()
    .slice(mark)
    .map((r) => `${r.method} ${r.path}`);
}

/** A YAML project and its stack, configured against an emulator of its own. */
export interface NativeStack {
  /** The emulator the stack's default provider calls. */
  emu: RunningEmulator;
  /** The project's folder. */
  dir: string;
  /** Runs `pulumi <args>` in the project and throws with its output when it fails. */
  cli(args: string[]): Promise<CliResult>;
  /**
   * Starts `pulumi <args>` in the project in its own process group (a test can kill the whole
   * deployment: CLI, YAML host, plugin) and does not check how it ends.
   */
  spawn(args: string[]): ChildProcess & { result: Promise<CliResult> };
  /** Stops the emulator. */
  stop(): Promise<void>;
}

/**
 * Creates `dir` (outside the repository) with `Pulumi.yaml` (`program`), a stack `dev` and an
 * emulator, the key as a secret in the stack config: the default provider's settings.
 */
export async function startNativeStack(
  dir: string,
  env: NodeJS.ProcessEnv,
  program: string,
  transcript: string[] = [],
): Promise<NativeStack> {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), program);
  const emu = await startTestEmulator();
  const spawn = (args: string[]) => spawnPulumi(args, dir, env, transcript);
  const cli = async (args: string[]): Promise<CliResult> => succeeded(args, await spawn(args).result);
  try {
    await cli(["stack", "init", "dev"]);
    await cli(["config", "set", "scrapingpros:baseUrl", emu.url]);
    await cli(["config", "set", "--secret", "scrapingpros:apiKey", TEST_KEY]);
  } catch (e) {
    await emu.stop();
    throw e;
  }
  return { emu, dir, cli, spawn, stop: () => emu.stop() };
}

/**
 * In `dir` (created, outside the repository), with the CLI's `env` and the plugin installed, the
 * life of {@link nativeYamlProgram} against an emulator, counting its calls: the schema the plugin
 * serves (`pulumi package get-schema scrapingpros`: its name, `version`, the tokens); `up` (two
 * POSTs of collections, the lookup by name of the auto-named one, the run's lookup and POST, the
 * function's GET); a preview with no change and no write (the function's GET only); an edit of
 * `tours` (one PUT); a no-op `up` (no write); `refresh` (one GET per resource); `destroy` (no call,
 * a warning on each resource); and no plugin process left. Returns the schema.
 */
export async function nativeCycle(
  dir: string,
  env: NodeJS.ProcessEnv,
  version: string,
  transcript: string[] = [],
): Promise<Record<string, unknown>> {
  const stack = await startNativeStack(dir, env, nativeYamlProgram("sp-native"), transcript);
  const { emu, cli } = stack;
  try {
    const schema = JSON.parse((await cli(["package", "get-schema", "scrapingpros"])).stdout) as {
      name: string;
      version: string;
      resources: Record<string, unknown>;
      functions: Record<string, unknown>;
    };
    assert.equal(schema.name, "scrapingpros");
    assert.equal(schema.version, version);
    assert.deepEqual(Object.keys(schema.resources).sort(), [
      "scrapingpros:index:Collection",
      "scrapingpros:index:CollectionRun",
    ]);

    let mark = emu.requests().length;
    await cli(["up", "--yes", "--skip-preview"]);
    const outputs = JSON.parse((await cli(["stack", "output", "--json"])).stdout) as Record<string, string>;
    const toursId = outputs.toursId as string;
    const runsOfTours = `/v1/async/collections/${toursId}/runs`;
    const lookup = `GET /v1/async/collections/${toursId}`;
    assertCallsWithin(callsSince(emu, mark), [
      "GET /v1/async/collections", // the auto-named collection is looked up by name
      lookup,
      `GET ${runsOfTours}`, // the run re-attaches to nothing
      "POST /v1/async/collections",
      "POST /v1/async/collections",
      `POST /v1/async/collections/${toursId}/run`,
    ]);
    assert.deepEqual(
      emu
        .collections()
        .map((c) => c.name)
        .sort(),
      [outputs.autoName, "tours"].sort(),
    );
    assert.match(String(outputs.autoName), /^auto-[0-9a-f]{8}$/);
    assert.match(
      String(outputs.runCreatedAt),
      /^\d{4}-\d\d-\d\dT[\d:.]+Z$/,
      "an ISO time, as the schema types it",
    );
    assert.equal(outputs.foundName, "tours");

    const exported = (await cli(["stack", "export"])).stdout;
    assert.ok(!exported.includes(TEST_KEY), "the key is in the state in plain text");
    const state = JSON.parse(exported) as {
      deployment: { resources: { type: string; urn: string; inputs?: Record<string, unknown> }[] };
    };
    const provider = state.deployment.resources.find((r) => r.type === "pulumi:providers:scrapingpros");
    assert.match(
      String(provider?.inputs?.__scope),
      /^[0-9a-f-]{36}$/,
      "the stack's scope is in the provider's state",
    );
    const tours = state.deployment.resources.find((r) => r.urn.endsWith("::tours"));
    assert.equal(tours?.inputs?.__urn, tours?.urn, "the engine's URN");
    assert.equal(tours?.inputs?.__scope, provider?.inputs?.__scope);

    mark = emu.requests().length;
    await cli(["preview", "--expect-no-changes"]);
    assertCallsWithin(callsSince(emu, mark), [lookup], "a clean preview calls nothing but the function");

    fs.writeFileSync(
      path.join(dir, "Pulumi.yaml"),
      nativeYamlProgram("sp-native", ["https://example.com/a", "https://example.com/b"]),
    );
    mark = emu.requests().length;
    const edit = await cli(["up", "--yes", "--skip-preview"]);
    assert.match(edit.stdout, /~ 1 updated/);
    assertCallsWithin(callsSince(emu, mark), [lookup, `PUT /v1/async/collections/${toursId}`], "an edit");

    mark = emu.requests().length;
    await cli(["up", "--yes", "--skip-preview", "--expect-no-changes"]);
    assertCallsWithin(callsSince(emu, mark), [lookup], "a no-op up writes nothing");

    mark = emu.requests().length;
    await cli(["refresh", "--yes", "--skip-preview", "--expect-no-changes"]);
    const autoId = emu.collections().find((c) => c.name === outputs.autoName)?.id;
    // The two collections' reads and the program's lookup share list calls.
    assertCallsWithin(
      callsSince(emu, mark),
      [`GET /v1/async/collections/${autoId}`, lookup, `GET ${runsOfTours}/${outputs.runId}`],
      "refresh reads each resource at most once",
    );

    mark = emu.requests().length;
    const destroyed = await cli(["destroy", "--yes", "--skip-preview"]);
    assert.deepEqual(callsSince(emu, mark), [], "destroy calls nothing (the API has no delete)");
    assert.match(
      destroyed.stdout.replace(/\s+/g, " "),
      /scrapingpros:index:Collection \(tours\): warning: collection \S+ \(tours\) was removed from the stack but still exists in ScrapingPros/,
      "the warning is attached to the resource",
    );
    assert.equal(await pluginProcessesLeft(), "", "plugin processes left after the CLI exited");
    return schema;
  } finally {
    await stack.stop();
  }
}
