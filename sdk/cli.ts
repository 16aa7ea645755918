#!/usr/bin/env node
/**
 * The package's CLI, `pulumi-scrapingpros`:
 * - `validate [dir] [--overlay dir]... [--format human|json|github] [--summary]` checks collection
 *   files as `CollectionSet` and the provider's `check` do, without Pulumi and without the network.
 *   Exit code 0 when every file is valid, 1 when any is not, 2 on bad usage.
 * - `plugin install [--reinstall]` installs the native provider plugin the package carries into
 *   Pulumi's plugin cache (`sdk/plugin-install.ts`). Exit code 0 when installed, 1 when it could not
 *   be, 2 on bad usage.
 * - `migrate-state [file|-] [--output file]` rewrites a stack's exported state so that its dynamic
 *   collections and runs belong to the native provider (`sdk/migrate-state.ts`). Exit code 0 when
 *   rewritten, 1 when the state cannot be, 2 on bad usage.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import {
  type FileProblem,
  formatFileProblem,
  type LoadedCollection,
  loadCollectionFiles,
} from "./collection-files";
import { formatMigrationReport, MigrationError, migrateState } from "./migrate-state";
import { installPlugin, type PluginInstallContext } from "./plugin-install";

/** What one stage's files declare, for a reviewer to see what a change costs. */
export interface StageSummary {
  /** `base` for the directory alone, else the overlay directory's name (e.g. `dev`). */
  stage: string;
  /** The overlay directory, as given; absent for `base`. */
  overlay?: string;
  /** Number of collections (files). */
  collections: number;
  /** Number of requests, over all collections. */
  requests: number;
  /** Requests with `browser: true`. */
  browser: number;
  /** Requests with `screenshot: true`. */
  screenshot: number;
  /** Requests with a non-empty `use_proxy`. */
  proxy: number;
  /** Requests with at least one action. */
  actions: number;
}

/**
 * Where the CLI writes, and from where relative paths start; for `plugin install`, optionally the
 * environment `pulumi` runs with, the plugin's folder and the command runner (injectable for tests).
 */
export interface CliIo extends Pick<PluginInstallContext, "env" | "pluginDir" | "platform" | "run"> {
  /** Reads standard input (`migrate-state` with no file, or `-`); default the process's. */
  stdin?: () => string;
  /** Writes to standard output: the problems, the JSON report, the annotations, the summary. */
  stdout: (text: string) => void;
  /** Writes to standard error: usage errors and the closing one-line verdict of the human format. */
  stderr: (text: string) => void;
  /** The directory relative paths (arguments and messages) start from. */
  cwd: string;
}

const USAGE = `Usage: pulumi-scrapingpros validate [dir] [--overlay dir]... [--format human|json|github] [--summary]
       pulumi-scrapingpros plugin install [--reinstall]
       pulumi-scrapingpros migrate-state [file|-] [--output file]

Checks every *.yaml, *.yml and *.json collection file of dir (default: collections), alone and
merged with each --overlay directory (one stage each), by the rules the provider applies.

  --overlay dir    a stage's overlay directory (repeatable), e.g. --overlay stages/dev
  --format f       human (default), json, or github (workflow annotations)
  --summary        also print, per stage, the collections and requests the files declare, and
                   how many requests use a browser, a screenshot, a proxy or actions
  -h, --help       this text

An --overlay directory that does not exist means that stage has no overlays (as in
CollectionSet): it is checked with the base files alone, and a note names the directory.
Two files whose names are alike (ignoring case and surrounding spaces) in a stage are an error.

plugin install runs \`pulumi plugin install resource scrapingpros <version> --file <tarball>\`
with the pulumi on PATH: the native provider plugin this package carries goes into Pulumi's plugin
cache ($PULUMI_HOME/plugins, ~/.pulumi/plugins by default), where every project finds it.

  --reinstall      replace the installed copy of this version even when it is identical
                   (a copy that differs from this package's is replaced without it)

migrate-state reads a stack's state as \`pulumi stack export\` writes it (from file, or standard
input) and writes it with the dynamic Collection and CollectionRun resources moved to the native
provider scrapingpros (types, URNs, provider; the stack scope kept), for \`pulumi stack import\`:

  pulumi stack export --file dynamic.json
  npx pulumi-scrapingpros migrate-state dynamic.json --output native.json
  pulumi stack import --file native.json

It makes no API call. What it changed goes to standard error.

  -o, --output f   write the rewritten state to f (default: standard output)

Exit code: 0 when every file is valid (plugin install: when the plugin is installed; migrate-state:
when the state is rewritten), 1 when any is not (when it could not be installed; when the state
cannot be rewritten), 2 on bad usage.
`;

/** Counts what a stage declares. */
export function summarize(stage: string, collections: LoadedCollection[], overlay?: string): StageSummary {
  const s: StageSummary = {
    stage,
    ...(overlay !== undefined ? { overlay } : {}),
    collections: collections.length,
    requests: 0,
    browser: 0,
    screenshot: 0,
    proxy: 0,
    actions: 0,
  };
  for (const c of collections) {
    for (const r of c.spec.requests) {
      s.requests++;
      if (r.browser === true) s.browser++;
      if (r.screenshot === true) s.screenshot++;
      if (typeof r.use_proxy === "string" && r.use_proxy !== "") s.proxy++;
      if (Array.isArray(r.actions) && r.actions.length > 0) s.actions++;
    }
  }
  return s;
}

/** A GitHub workflow command's property or data, escaped as the runner expects. */
function escapeGithub(text: string, property: boolean): string {
  let out = text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
  if (property) out = out.replace(/:/g, "%3A").replace(/,/g, "%2C");
  return out;
}

/**
 * One problem as a GitHub annotation on its file, line and column: `::error` (the default),
 * `::warning` (a near miss) or `::notice` (a stage without an overlay directory).
 */
export function githubAnnotation(p: FileProblem, level: "error" | "warning" | "notice" = "error"): string {
  const title = p.path ? `${p.path} (${p.code})` : p.code;
  const message = p.path ? `${p.path}: ${p.message}` : p.message;
  return `::${level} file=${escapeGithub(p.file, true)},line=${p.line},col=${p.column},title=${escapeGithub(title, true)}::${escapeGithub(message, false)}`;
}

function summaryTable(summaries: StageSummary[]): string {
  const cols = ["stage", "collections", "requests", "browser", "screenshot", "proxy", "actions"] as const;
  const rows = [cols.map(String), ...summaries.map((s) => cols.map((c) => String(s[c])))];
  const widths = cols.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((v, i) => v.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/**
 * Runs the CLI with `argv` (without `node` and the script) and returns the exit code.
 * @example await main(["validate", "collections", "--overlay", "stages/dev", "--format", "github"])
 */
export function main(argv: string[], io: CliIo): number {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    io.stderr(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (positionals[0] === "plugin") {
    const [, sub, ...rest] = positionals;
    const foreign = (["overlay", "format", "summary", "output"] as const).find(
      (o) => values[o] !== undefined,
    );
    if (sub !== "install" || rest.length > 0 || foreign) {
      const what = foreign
        ? `--${foreign} is an option of ${foreign === "output" ? "migrate-state" : "validate"}, not of plugin install`
        : sub === undefined
          ? "plugin: no subcommand (install)"
          : `unexpected argument: ${sub === "install" ? rest[0] : sub}`;
      io.stderr(`${what}\n\n${USAGE}`);
      return 2;
    }
    return installPlugin(
      { reinstall: values.reinstall === true },
      {
        stdout: io.stdout,
        stderr: io.stderr,
        env: io.env,
        pluginDir: io.pluginDir,
        platform: io.platform,
        run: io.run,
      },
    );
  }
  if (positionals[0] === "migrate-state") return migrateCommand(positionals.slice(1), values, io);
  if (values.output !== undefined) {
    io.stderr(`--output is an option of migrate-state, not of ${positionals[0] ?? "validate"}\n\n${USAGE}`);
    return 2;
  }
  if (values.reinstall !== undefined) {
    io.stderr(`--reinstall is an option of plugin install, not of validate\n\n${USAGE}`);
    return 2;
  }
  const [command, dir = "collections", ...extra] = positionals;
  if (command !== "validate" || extra.length > 0) {
    io.stderr(
      `${command === undefined ? "no command" : `unexpected argument: ${command === "validate" ? extra[0] : command}`}\n\n${USAGE}`,
    );
    return 2;
  }
  const format = values.format ?? "human";
  if (format !== "human" && format !== "json" && format !== "github") {
    io.stderr(`--format must be human, json or github, not ${format}\n\n${USAGE}`);
    return 2;
  }

  const stages = [
    { stage: "base", overlay: undefined as string | undefined },
    ...(values.overlay ?? []).map((o) => ({ stage: path.basename(path.resolve(io.cwd, o)), overlay: o })),
  ];
  const problems: FileProblem[] = [];
  const seen = new Set<string>();
  /** Near misses (`customId` for `custom_id`): reported, but they do not make a file invalid. */
  const warnings: FileProblem[] = [];
  /** A missing overlay directory (`no_overlays`): that stage has none, as `CollectionSet` takes it. */
  const notices: FileProblem[] = [];
  const summaries: StageSummary[] = [];
  for (const { stage, overlay } of stages) {
    const r = loadCollectionFiles({
      directory: dir,
      cwd: io.cwd,
      ...(overlay !== undefined ? { overlays: overlay } : {}),
    });
    // a bad base file is reported once, not once per stage
    for (const p of r.problems) {
      const line = formatFileProblem(p);
      if (!seen.has(line)) {
        seen.add(line);
        problems.push(p);
      }
    }
    for (const w of r.warnings) {
      const line = `warning ${formatFileProblem(w)}`;
      if (!seen.has(line)) {
        seen.add(line);
        warnings.push(w);
      }
    }
    notices.push(...r.notices);
    summaries.push(summarize(stage, r.collections, overlay));
  }
  const files = new Set(problems.map((p) => p.file)).size;
  const valid = problems.length === 0;

  if (format === "json") {
    const out = { valid, problems, warnings, notices, ...(values.summary ? { summary: summaries } : {}) };
    io.stdout(`${JSON.stringify(out, null, 2)}\n`);
  } else if (format === "github") {
    for (const p of problems) io.stdout(`${githubAnnotation(p)}\n`);
    for (const w of warnings) io.stdout(`${githubAnnotation(w, "warning")}\n`);
    for (const n of notices) io.stdout(`${githubAnnotation(n, "notice")}\n`);
    if (values.summary) {
      for (const s of summaries) {
        io.stdout(
          `::notice title=${escapeGithub(`collections of ${s.stage}`, true)}::${s.collections} collections, ${s.requests} requests: ${s.browser} browser, ${s.screenshot} screenshot, ${s.proxy} proxy, ${s.actions} actions\n`,
        );
      }
    }
  } else {
    for (const p of problems) io.stdout(`${formatFileProblem(p)}\n`);
    for (const w of warnings) io.stdout(`warning: ${formatFileProblem(w)}\n`);
    for (const n of notices) io.stdout(`note: ${formatFileProblem(n)}\n`);
    if (values.summary) io.stdout(`${summaryTable(summaries)}\n`);
    const extra =
      `${warnings.length > 0 ? `, ${warnings.length} warning${warnings.length === 1 ? "" : "s"}` : ""}` +
      `${notices.length > 0 ? `, ${notices.length} note${notices.length === 1 ? "" : "s"}` : ""}`;
    io.stderr(
      valid
        ? `ok: ${summaries[0]?.collections ?? 0} collection files in ${dir}, ${stages.length} stage${stages.length === 1 ? "" : "s"} checked${extra}\n`
        : `${problems.length} problem${problems.length === 1 ? "" : "s"} in ${files} file${files === 1 ? "" : "s"}${extra}\n`,
    );
  }
  return valid ? 0 : 1;
}

/** `migrate-state [file|-] [--output file]`. */
function migrateCommand(args: string[], values: ReturnType<typeof parse>["values"], io: CliIo): number {
  const foreign = (["overlay", "format", "summary", "reinstall"] as const).find(
    (o) => values[o] !== undefined,
  );
  if (foreign || args.length > 1) {
    const what = foreign
      ? `--${foreign} is not an option of migrate-state`
      : `unexpected argument: ${args[1]}`;
    io.stderr(`${what}\n\n${USAGE}`);
    return 2;
  }
  const file = args[0] ?? "-";
  const source = file === "-" ? "standard input" : file;
  let text: string;
  try {
    text =
      file === "-"
        ? (io.stdin ?? (() => fs.readFileSync(0, "utf8")))()
        : fs.readFileSync(path.resolve(io.cwd, file), "utf8");
  } catch (e) {
    io.stderr(`migrate-state: cannot read ${source}: ${(e as Error).message}\n`);
    return 1;
  }
  let result: ReturnType<typeof migrateState>;
  try {
    result = migrateState(JSON.parse(text));
  } catch (e) {
    if (e instanceof SyntaxError) {
      io.stderr(
        `migrate-state: ${source} is not JSON (${e.message}): give it the output of \`pulumi stack export\`\n`,
      );
      return 1;
    }
    if (e instanceof MigrationError) {
      io.stderr(`migrate-state: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  const json = `${JSON.stringify(result.state, null, 4)}\n`;
  if (values.output !== undefined) {
    try {
      fs.writeFileSync(path.resolve(io.cwd, values.output), json);
    } catch (e) {
      io.stderr(`migrate-state: cannot write ${values.output}: ${(e as Error).message}\n`);
      return 1;
    }
  } else {
    io.stdout(json);
  }
  io.stderr(
    `${formatMigrationReport(result.report)}next: pulumi stack import --file ${values.output ?? "<the output>"}, ` +
      "then deploy the program that declares these resources with the native provider (same project, stack and resource names)\n",
  );
  return 0;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      overlay: { type: "string", multiple: true },
      format: { type: "string" },
      summary: { type: "boolean" },
      reinstall: { type: "boolean" },
      output: { type: "string", short: "o" },
      help: { type: "boolean", short: "h" },
    },
  });
}

if (require.main === module) {
  // `validate | head` closes the pipe early: that is not an error of the files
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
  });
  process.exitCode = main(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.cwd(),
  });
}
