/**
 * A Pulumi YAML project that uses the native `scrapingpros` plugin from Pulumi's plugin cache, for
 * tests/e2e/native-plugin.spec.ts and the plugin route of tests/e2e/install-matrix.spec.ts.
 *
 * While the native provider is a stub (provider/native/provider.ts), the program declares only an
 * explicit provider: registering it starts the plugin (CheckConfig, Configure) after the YAML host
 * read the plugin's schema. When the adapter lands, {@link NATIVE_YAML_PROGRAM} gains collections and
 * {@link nativeCycle} the emulator and its call counts; both specs then test them.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describeProcesses, E2E_RUN_ID, E2E_RUN_ID_VAR, processesWithEnv, waitForExit } from "./processes";
import { type CliResult, spawnPulumi, succeeded } from "./pulumi";

/** The plugin's launcher, the file the engine starts. */
export const PLUGIN_LAUNCHER = "pulumi-resource-scrapingpros";

/** `Pulumi.yaml` of the project (`name` is the project's name). */
export function nativeYamlProgram(name: string): string {
  return `name: ${name}
runtime: yaml
description: Uses the native scrapingpros provider from Pulumi's plugin cache.
resources:
  account:
    type: pulumi:providers:scrapingpros
outputs:
  providerUrn: \${account.urn}
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

/**
 * In `dir` (created, outside the repository): writes the project, and with the CLI's `env` checks
 * that the plugin is served (`pulumi package get-schema scrapingpros`: its name, `version` and the
 * Collection token), then `up` (the explicit provider is in the state), a preview with no change,
 * `destroy`, and that no plugin process is left. Returns the schema.
 */
export async function nativeCycle(
  dir: string,
  env: NodeJS.ProcessEnv,
  version: string,
  transcript: string[] = [],
): Promise<Record<string, unknown>> {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), nativeYamlProgram("sp-native"));
  const cli = async (args: string[]): Promise<CliResult> =>
    succeeded(args, await spawnPulumi(args, dir, env, transcript).result);

  const schema = JSON.parse((await cli(["package", "get-schema", "scrapingpros"])).stdout) as {
    name: string;
    version: string;
    resources: Record<string, unknown>;
  };
  assert.equal(schema.name, "scrapingpros");
  assert.equal(schema.version, version);
  assert.ok(schema.resources["scrapingpros:index:Collection"], "the schema has the Collection resource");

  await cli(["stack", "init", "dev"]);
  await cli(["up", "--yes", "--skip-preview"]);
  const state = JSON.parse((await cli(["stack", "export"])).stdout) as {
    deployment: { resources: { type: string; urn: string }[] };
  };
  assert.deepEqual(
    state.deployment.resources.filter((r) => r.type === "pulumi:providers:scrapingpros").map((r) => r.urn),
    ["urn:pulumi:dev::sp-native::pulumi:providers:scrapingpros::account"],
  );
  await cli(["preview", "--expect-no-changes"]);
  await cli(["destroy", "--yes", "--skip-preview"]);
  assert.equal(await pluginProcessesLeft(), "", "plugin processes left after the CLI exited");
  return schema;
}
