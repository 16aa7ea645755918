/**
 * `pulumi-scrapingpros plugin install`: installs the native provider plugin that this package carries
 * (`dist/plugin/pulumi-resource-scrapingpros-v<version>.tar.gz`, made by `scripts/build-plugin.js`)
 * into Pulumi's plugin cache as resource plugin `scrapingpros` at the package's version, by running
 * `pulumi plugin install resource scrapingpros <version> --file <tarball>` with the `pulumi` on PATH.
 * Every Pulumi project of the machine (of the same `PULUMI_HOME`) then finds the plugin, with no
 * PATH change and no `node_modules`.
 */
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PACKAGE_VERSION } from "../provider/core/version";

/** The lowest Pulumi CLI the package supports (README, Installing). */
export const MIN_PULUMI_VERSION = "3.181.0";

/** `dist/plugin/manifest.json`, written by `scripts/build-plugin.js` beside the tarball. */
export interface PluginManifest {
  /** The plugin's name: `scrapingpros`. */
  name: string;
  /** The plugin's kind: `resource`. */
  kind: string;
  /** The package version the plugin was built from. */
  version: string;
  /** The tarball's file name, in the manifest's folder. */
  tarball: string;
  /** SHA-256 (hex) of the tarball. */
  tarballSha256: string;
  /** The files at the tarball's root: size, mode (octal) and SHA-256 (hex) of each. */
  files: Record<string, { size: number; mode: string; sha256: string }>;
}

/** One finished command: its exit status (null when killed), output, and a spawn error (ENOENT). */
export type CommandResult = Pick<
  SpawnSyncReturns<string>,
  "status" | "signal" | "stdout" | "stderr" | "error"
>;

/** What `plugin install` needs from its surroundings (injectable for tests). */
export interface PluginInstallContext {
  /** Standard output: what was done, and where. */
  stdout: (text: string) => void;
  /** Standard error: failures. */
  stderr: (text: string) => void;
  /** The environment `pulumi` runs with (PATH, PULUMI_HOME, HOME); default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** The folder holding `manifest.json` and the tarball; default this package's `dist/plugin`. */
  pluginDir?: string;
  /** The operating system (default `process.platform`). */
  platform?: NodeJS.Platform;
  /** Runs a command to completion; default `spawnSync` with `env`. */
  run?: (command: string, args: string[], env: NodeJS.ProcessEnv) => CommandResult;
}

/** The package's root: the nearest folder above this file whose package.json is this package's. */
function packageRoot(): string | undefined {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: string };
      if (pkg.name === "pulumi-scrapingpros") return dir;
    } catch {
      // no package.json here
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** This package's `dist/plugin` folder. */
export function defaultPluginDir(): string {
  return path.join(packageRoot() ?? path.resolve(__dirname, "..", ".."), "dist", "plugin");
}

/** `[major, minor, patch]` of the first `X.Y.Z` in `text`, or undefined. */
export function parseVersion(text: string): [number, number, number] | undefined {
  const m = /(\d+)\.(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** Negative, zero or positive as `a` is below, equal to or above `b`. */
export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Where Pulumi keeps the plugin: `$PULUMI_HOME/plugins/resource-<name>-v<version>`, with `~/.pulumi`
 * when PULUMI_HOME is unset (pulumi/pulumi `sdk/go/common/workspace/plugins.go`, `GetPluginDir`).
 */
export function cachedPluginDir(manifest: PluginManifest, env: NodeJS.ProcessEnv): string {
  const home = env.PULUMI_HOME || path.join(env.HOME || os.homedir(), ".pulumi");
  return path.join(home, "plugins", `${manifest.kind}-${manifest.name}-v${manifest.version}`);
}

/**
 * How the copy in `dir` compares with the manifest: `absent` (no folder), `same` (every file of the
 * manifest with its content, the launcher executable), or the first file that differs.
 */
export function compareInstalled(
  dir: string,
  manifest: PluginManifest,
): { state: "absent" | "same" } | { state: "different"; file: string } {
  if (!fs.existsSync(dir)) return { state: "absent" };
  for (const [file, expected] of Object.entries(manifest.files)) {
    let content: Buffer;
    let mode: number;
    try {
      content = fs.readFileSync(path.join(dir, file));
      mode = fs.statSync(path.join(dir, file)).mode;
    } catch {
      return { state: "different", file };
    }
    const sha256 = crypto.createHash("sha256").update(content).digest("hex");
    // Only the owner's execute bit: the extracted modes follow the user's umask.
    const executable = (Number.parseInt(expected.mode, 8) & 0o100) !== 0;
    if (sha256 !== expected.sha256 || ((mode & 0o100) !== 0) !== executable) {
      return { state: "different", file };
    }
  }
  return { state: "same" };
}

/**
 * Reads the manifest and checks the tarball beside it (present, with the manifest's SHA-256, built for
 * this package's version); otherwise a message saying what is wrong and how to fix it.
 */
export function readPluginFiles(
  pluginDir: string,
): { manifest: PluginManifest; tarball: string } | { problem: string } {
  const missing = (what: string) => ({
    problem:
      `${what}: this copy of pulumi-scrapingpros was installed without its plugin. ` +
      "Install the package from the npm registry again (`npm install pulumi-scrapingpros`), or, " +
      "in a clone of its repository, run `npm run build`.",
  });
  const manifestFile = path.join(pluginDir, "manifest.json");
  let manifest: PluginManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as PluginManifest;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return missing(`${manifestFile} is missing`);
    return { problem: `${manifestFile} cannot be read: ${(e as Error).message}` };
  }
  const tarball = path.join(pluginDir, manifest.tarball);
  if (!fs.existsSync(tarball)) return missing(`the plugin tarball ${tarball} is missing`);
  const sha256 = crypto.createHash("sha256").update(fs.readFileSync(tarball)).digest("hex");
  if (sha256 !== manifest.tarballSha256) {
    return {
      problem:
        `the plugin tarball ${tarball} is not the one its manifest names (SHA-256 ${sha256}, expected ` +
        `${manifest.tarballSha256}): it was changed or damaged. Install the package again, or rebuild it ` +
        "(`npm run build`).",
    };
  }
  if (manifest.version !== PACKAGE_VERSION) {
    return {
      problem:
        `the plugin in ${pluginDir} was built for version ${manifest.version}, but the package is ` +
        `${PACKAGE_VERSION}: rebuild it (\`npm run build\`).`,
    };
  }
  return { manifest, tarball };
}

function defaultRun(command: string, args: string[], env: NodeJS.ProcessEnv): CommandResult {
  return spawnSync(command, args, { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** A command's output for a message, indented, or a note that it printed nothing. */
function outputOf(r: CommandResult): string {
  const text = `${r.stderr ?? ""}${r.stdout ?? ""}`.trim();
  return text === "" ? "  (it printed nothing)" : text.replace(/^/gm, "  ");
}

/**
 * Installs the plugin; returns the exit code: 0 installed (or already installed, identical), 1 on
 * Windows, when the package has no plugin (or a damaged one), `pulumi` is missing or too old, or
 * `pulumi plugin install` failed.
 * With `reinstall`, or when the installed copy of this version differs from this package's (another
 * build of the same version), it passes `--reinstall`.
 */
export function installPlugin(options: { reinstall: boolean }, ctx: PluginInstallContext): number {
  const env = ctx.env ?? process.env;
  const run = ctx.run ?? defaultRun;
  const fail = (message: string): number => {
    ctx.stderr(`pulumi-scrapingpros plugin install: ${message}\n`);
    return 1;
  };

  if ((ctx.platform ?? process.platform) === "win32") {
    return fail(
      "the plugin's launcher is a POSIX shell script, which Pulumi on Windows cannot start: use Linux, " +
        "macOS or WSL, or the dynamic provider.",
    );
  }
  const files = readPluginFiles(ctx.pluginDir ?? defaultPluginDir());
  if ("problem" in files) return fail(files.problem);
  const { manifest, tarball } = files;

  const version = run("pulumi", ["version"], env);
  if (version.error) {
    if ((version.error as NodeJS.ErrnoException).code === "ENOENT") {
      return fail(
        "no `pulumi` on PATH. Install the Pulumi CLI (https://www.pulumi.com/docs/iac/download-install/), " +
          "then run this again.",
      );
    }
    return fail(`\`pulumi version\` could not run: ${version.error.message}`);
  }
  if (version.status !== 0) {
    return fail(`\`pulumi version\` exited ${version.status ?? version.signal}:\n${outputOf(version)}`);
  }
  const found = parseVersion(version.stdout);
  const minimum = parseVersion(MIN_PULUMI_VERSION) as [number, number, number];
  if (found && compareVersions(found, minimum) < 0) {
    return fail(
      `the pulumi on PATH is ${found.join(".")}, too old: the scrapingpros plugin needs Pulumi CLI ` +
        `>= ${MIN_PULUMI_VERSION}. Upgrade it (https://www.pulumi.com/docs/iac/download-install/).`,
    );
  }

  const target = cachedPluginDir(manifest, env);
  const before = compareInstalled(target, manifest);
  const reinstall = options.reinstall || before.state === "different";
  const args = [
    "plugin",
    "install",
    manifest.kind,
    manifest.name,
    manifest.version,
    "--file",
    tarball,
    ...(reinstall ? ["--reinstall"] : []),
  ];
  ctx.stdout(`$ pulumi ${args.join(" ")}\n`);
  const install = run("pulumi", args, env);
  if (install.error || install.status !== 0) {
    const why = install.error ? install.error.message : `exited ${install.status ?? install.signal}`;
    return fail(`\`pulumi plugin install\` failed (${why}):\n${outputOf(install)}`);
  }

  const listed = run("pulumi", ["plugin", "ls", "--json"], env);
  let entries: { name?: string; kind?: string; version?: string }[] = [];
  try {
    entries = JSON.parse(listed.stdout) as typeof entries;
  } catch {
    // reported below
  }
  if (
    !entries.some(
      (p) => p.name === manifest.name && p.kind === manifest.kind && p.version === manifest.version,
    )
  ) {
    return fail(
      `\`pulumi plugin install\` succeeded, but \`pulumi plugin ls\` does not list ${manifest.kind} plugin ` +
        `${manifest.name} ${manifest.version}:\n${outputOf(listed)}`,
    );
  }

  const after = compareInstalled(target, manifest);
  const what = `${manifest.kind} plugin ${manifest.name} ${manifest.version}`;
  const where = after.state === "same" ? target : "Pulumi's plugin cache";
  if (after.state === "different") {
    return fail(`${what} is installed, but ${path.join(target, after.file)} differs from this package's.`);
  }
  if (before.state === "same" && !options.reinstall) {
    ctx.stdout(`${what} was already installed in ${where}, identical to this package's: nothing changed.\n`);
  } else if (before.state === "different") {
    ctx.stdout(
      `reinstalled ${what} in ${where}: its ${before.file} differed from this package's (another build of the same version).\n`,
    );
  } else {
    ctx.stdout(`${options.reinstall ? "reinstalled" : "installed"} ${what} in ${where}.\n`);
  }
  ctx.stdout(
    `Pulumi projects on this machine${env.PULUMI_HOME ? ` (PULUMI_HOME=${env.PULUMI_HOME})` : ""} find it there; ` +
      "`pulumi plugin ls` lists it.\n",
  );
  return 0;
}
