/**
 * `pulumi` with N collections (1,000 by default, 5 requests each) against the engine floor, N no-op dynamic resources (`pulumi.dynamic.Resource` whose
 * provider calls nothing) in a TypeScript program with the same request lists, for four operations:
 * create (`up` of a new stack), a no-change `preview`, `up` after every request list was edited, and
 * `refresh`. The collections are measured twice in the same run: the dynamic provider's TypeScript
 * program, and the native plugin's Pulumi YAML program (run by the upstream YAML host). Each
 * operation is timed with the real CLI, once per run, on the floor and each provider one after the
 * other. The peak RSS of the provider process during the collections' create is sampled from `/proc`
 * (VmHWM, Linux only).
 *
 * Run alone: `node -r ts-node/register/transpile-only bench/engine-floor.ts [--counts 100,1000]
 * [--providers dynamic,native]` (after `npm run build`). It prints one JSON line per count, then the
 * tables.
 */
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import YAML from "yaml";
import type { RunningEmulator } from "../emulator";
import { pulumiBinDir } from "../tests/helpers/e2e";
import { startTestEmulator, TEST_KEY } from "../tests/helpers/emulator";
import { installNativePlugin } from "../tests/helpers/native-plugin";
import { kindOf, type ProcessInfo, type ProcessKind, processesWithEnv } from "../tests/helpers/processes";
import { type ProgramSpec, TestStack } from "../tests/helpers/pulumi";

export const OPERATIONS = ["create", "preview", "update", "refresh"] as const;
export type Operation = (typeof OPERATIONS)[number];

/** Which provider serves "ours": the dynamic provider, or the native plugin `scrapingpros`. */
export type ProviderKind = "dynamic" | "native";

/**
 * The most each operation may take, as a multiple of the floor's time: create and update
 * at the floor, the no-change preview at 1.3× for the dynamic provider and 1.1× for the native one
 * (its program registers no internal inputs), each against the TypeScript floor; the table also
 * holds the native provider to its targets against the YAML floor. Refresh has its own target in
 * calls (bench/list-calls.ts).
 */
export const FLOOR_TARGETS: Record<ProviderKind, Partial<Record<Operation, number>>> = {
  dynamic: { create: 1.0, update: 1.0, preview: 1.3 },
  native: { create: 1.0, update: 1.0, preview: 1.1 },
};

/** What one provider's collections measured against the floor, at one count. */
export interface ProviderMeasurement {
  /** Wall time of each operation, ms. */
  times: Record<Operation, number>;
  /**
   * CPU time (user + system, ms) of each operation's processes by kind (the CLI's engine, the language
   * host or the YAML host, the program, the provider), sampled from `/proc` every 100 ms: where the
   * time goes.
   */
  cpu: Record<Operation, Partial<Record<BenchProcessKind, number>>>;
  /** Peak RSS of the provider process (dynamic provider or native plugin) during create, bytes (0 when not seen). */
  providerPeakRssBytes: number;
  /** Collections its emulator holds after the runs (must equal the count). */
  stored: number;
  /** API calls of its refresh (one list, plus a GET for a read that came alone). */
  refreshCalls: number;
}

/** What {@link benchEngineFloor} measured for one count: the floor, and each provider against it. */
export interface EngineFloorResult {
  count: number;
  requestsPerCollection: number;
  /** The floor's wall time of each operation, ms. */
  floor: Record<Operation, number>;
  /** The floor's CPU time by process kind, as {@link ProviderMeasurement.cpu}. */
  floorCpu: Record<Operation, Partial<Record<BenchProcessKind, number>>>;
  /**
   * The floor of a Pulumi YAML program, measured with the native provider: the same no-op
   * resources in a YAML program, from a no-op resource plugin served like the native one
   * ({@link NOOP_PLUGIN}).
   */
  yamlFloor?: Record<Operation, number>;
  /** Its CPU time by process kind. */
  yamlFloorCpu?: Record<Operation, Partial<Record<BenchProcessKind, number>>>;
  /** Each provider measured in the same run. */
  providers: Partial<Record<ProviderKind, ProviderMeasurement>>;
}

/**
 * The native provider's no-change preview is no slower than the dynamic one's, as a
 * multiple of the dynamic provider's time in the same run.
 */
export const NATIVE_OVER_DYNAMIC_TARGETS: Partial<Record<Operation, number>> = { preview: 1.0 };

const COLLECTIONS_PROGRAM = `"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { Collection } = require("pulumi-scrapingpros");
const spec = JSON.parse(fs.readFileSync(path.join(__dirname, "program.json"), "utf8"));
for (const [name, args] of Object.entries(spec)) new Collection(name, args);
`;

const FLOOR_PROGRAM = `"use strict";
const fs = require("node:fs");
const path = require("node:path");
const pulumi = require("@pulumi/pulumi");
const provider = {
  async create(inputs) { return { id: require("node:crypto").randomUUID(), outs: inputs }; },
  async diff(_id, olds, news) {
    return { changes: JSON.stringify(olds.requests) !== JSON.stringify(news.requests) };
  },
  async update(_id, _olds, news) { return { outs: news }; },
  async read(id, props) { return { id, props }; },
};
class Noop extends pulumi.dynamic.Resource {
  constructor(name, args) { super(provider, name, args); }
}
const spec = JSON.parse(fs.readFileSync(path.join(__dirname, "program.json"), "utf8"));
for (const [name, args] of Object.entries(spec)) new Noop(name, args);
`;

/**
 * The floor of a Pulumi YAML program: a resource plugin `spnoop` whose one resource,
 * `spnoop:index:Noop`, calls nothing (the same no-op as {@link FLOOR_PROGRAM}'s), served by the
 * same `@pulumi/pulumi/provider` server as the native plugin, in node. Written to a folder on the
 * CLI's PATH, where the engine finds a plugin that is not in its cache. `PULUMI_PROVIDER_MODULE` is
 * the `@pulumi/pulumi/provider` module to load (this repository's).
 */
const NOOP_PLUGIN = `"use strict";
const { main } = require(process.env.PULUMI_PROVIDER_MODULE);
const schema = {
  name: "spnoop",
  version: "0.0.1",
  resources: {
    "spnoop:index:Noop": {
      inputProperties: {
        name: { type: "string" },
        requests: { type: "array", items: { type: "object", additionalProperties: { $ref: "pulumi.json#/Any" } } },
      },
      properties: {
        name: { type: "string" },
        requests: { type: "array", items: { type: "object", additionalProperties: { $ref: "pulumi.json#/Any" } } },
      },
    },
  },
};
main(
  {
    version: "0.0.1",
    schema: JSON.stringify(schema),
    async check(_urn, _olds, news) { return { inputs: news }; },
    async create(_urn, inputs) { return { id: require("node:crypto").randomUUID(), outs: inputs }; },
    async diff(_id, _urn, olds, news) {
      return { changes: JSON.stringify(olds.requests) !== JSON.stringify(news.requests) };
    },
    async update(_id, _urn, _olds, news) { return { outs: news }; },
    async read(id, _urn, props) { return { id, props }; },
  },
  process.argv.slice(2),
);
`;

/** Writes the `spnoop` plugin (its launcher and {@link NOOP_PLUGIN}) into `dir`. */
function writeNoopPlugin(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "spnoop-plugin.js"), NOOP_PLUGIN);
  const launcher = path.join(dir, "pulumi-resource-spnoop");
  fs.writeFileSync(launcher, `#!/bin/sh\nexec node "\${0%/*}/spnoop-plugin.js" "$@"\n`);
  fs.chmodSync(launcher, 0o755);
}

function spec(count: number, perCollection: number, version: number): ProgramSpec {
  const out: ProgramSpec = {};
  for (let i = 0; i < count; i++) {
    const requests = [];
    for (let j = 0; j < perCollection; j++) {
      requests.push({ url: `https://example.com/bench/${i}/${j}/v${version}`, custom_id: `${i}-${j}` });
    }
    out[`c${i}`] = { name: `bench-${i}`, requests };
  }
  return out;
}

/** A process kind of {@link kindOf}, or the YAML floor's no-op plugin. */
export type BenchProcessKind = ProcessKind | "noop-plugin";

/** The kind of a process of a measured deployment. */
function benchKindOf(p: ProcessInfo): BenchProcessKind {
  return /spnoop-plugin\.js/.test(p.cmdline) ? "noop-plugin" : kindOf(p);
}

const MARK_VAR = "SP_BENCH_MARK";
const TICK_MS = 1000 / 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux

/** The CPU time (ms) of one process so far, from `/proc/<pid>/stat` (utime + stime). */
function cpuMs(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

/**
 * Runs `pulumi <args>` and returns its wall time and the CPU time of its processes by kind (the last
 * sample of each process, every 100 ms); throws with the output when it fails.
 */
async function timed(
  stack: TestStack,
  args: string[],
): Promise<{ ms: number; cpu: Partial<Record<BenchProcessKind, number>> }> {
  const mark = stack.env[MARK_VAR] as string;
  const last = new Map<number, { kind: BenchProcessKind; ms: number }>();
  const sample = (): void => {
    for (const p of processesWithEnv(MARK_VAR, mark)) {
      const ms = cpuMs(p.pid);
      if (ms !== undefined) last.set(p.pid, { kind: benchKindOf(p), ms });
    }
  };
  const timer = setInterval(sample, 100);
  const started = performance.now();
  try {
    await stack.ok(args);
  } finally {
    clearInterval(timer);
  }
  const ms = Math.round(performance.now() - started);
  const cpu: Partial<Record<BenchProcessKind, number>> = {};
  for (const { kind, ms: t } of last.values()) cpu[kind] = Math.round((cpu[kind] ?? 0) + t);
  return { ms, cpu };
}

/** Samples the peak RSS (VmHWM) of the processes of `kind` carrying `markVar=mark` until stopped. */
function sampleProviderRss(markVar: string, mark: string, kind: ProcessKind): () => number {
  let peak = 0;
  const sample = (): void => {
    for (const p of processesWithEnv(markVar, mark)) {
      if (kindOf(p) !== kind) continue;
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${p.pid}/status`, "utf8"));
        if (m?.[1]) peak = Math.max(peak, Number(m[1]) * 1024);
      } catch {
        // exited meanwhile
      }
    }
  };
  const timer = setInterval(sample, 200);
  return () => {
    clearInterval(timer);
    sample();
    return peak;
  };
}

/**
 * The native provider's program: `Pulumi.yaml` of a Pulumi YAML project declaring the same
 * collections as {@link spec} (`scrapingpros:Collection`, the default provider configured by the
 * stack config), as a GitOps repository holds them.
 */
export function nativeYamlProject(count: number, perCollection: number, version: number): string {
  const resources: Record<string, unknown> = {};
  for (const [name, args] of Object.entries(spec(count, perCollection, version))) {
    resources[name] = { type: "scrapingpros:Collection", properties: args };
  }
  return YAML.stringify({ name: "sp-bench-native", runtime: "yaml", resources });
}

/** The floor of {@link nativeYamlProject}: the same declarations as no-op `spnoop:Noop` resources. */
export function noopYamlProject(count: number, perCollection: number, version: number): string {
  const resources: Record<string, unknown> = {};
  for (const [name, args] of Object.entries(spec(count, perCollection, version))) {
    resources[name] = { type: "spnoop:Noop", properties: args };
  }
  return YAML.stringify({ name: "sp-bench-yaml-floor", runtime: "yaml", resources });
}

/** One of the programs measured: the floor, or one provider's collections. */
interface Subject {
  label: "floor" | "yaml-floor" | ProviderKind;
  stack: TestStack;
  /** Writes the declaration of `version` (1, then 2: every request list edited). */
  write(version: number): void;
  /** API calls its emulator answered so far (0 for the floor). */
  calls(): number;
  /** The kind of its provider process, whose peak RSS is sampled during create. */
  providerKind?: ProcessKind;
}

interface Measured {
  times: Partial<Record<Operation, number>>;
  cpu: Partial<Record<Operation, Partial<Record<BenchProcessKind, number>>>>;
  peak: number;
  refreshCalls: number;
}

const ARGS: Record<Operation, string[]> = {
  create: ["up", "--yes", "--skip-preview"],
  preview: ["preview", "--expect-no-changes"],
  update: ["up", "--yes", "--skip-preview"],
  refresh: ["refresh", "--yes", "--skip-preview"],
};

/**
 * The four operations on every subject, one operation at a time across the subjects (the floor,
 * then each provider), so that the times compared in a ratio were taken minutes apart at most, not
 * a whole run apart, on a machine whose load changes.
 */
async function runInterleaved(subjects: Subject[]): Promise<Map<Subject, Measured>> {
  const out = new Map<Subject, Measured>(
    subjects.map((s) => [s, { times: {}, cpu: {}, peak: 0, refreshCalls: 0 }]),
  );
  for (const op of OPERATIONS) {
    for (const subject of subjects) {
      const m = out.get(subject) as Measured;
      if (op === "update") subject.write(2);
      const mark = subject.stack.env[MARK_VAR] as string;
      const stop =
        op === "create" && subject.providerKind
          ? sampleProviderRss(MARK_VAR, mark, subject.providerKind)
          : undefined;
      const before = subject.calls();
      const r = await timed(subject.stack, ARGS[op]);
      if (stop) m.peak = stop();
      if (op === "refresh") m.refreshCalls = subject.calls() - before;
      m.times[op] = r.ms;
      m.cpu[op] = r.cpu;
    }
  }
  return out;
}

/**
 * Measures the floor and each of `providers` at `count`, in one run: the dynamic provider's
 * TypeScript program of `Collection`s, and the native plugin's Pulumi YAML program (the plugin
 * installed into the stack's Pulumi home the README's way, `npx pulumi-scrapingpros plugin
 * install`; needs `npm run build`). Each provider has an emulator of its own, started alike.
 */
export async function benchEngineFloor(
  count = 1000,
  requestsPerCollection = 5,
  providers: ProviderKind[] = ["dynamic", "native"],
): Promise<EngineFloorResult> {
  const binDir = pulumiBinDir();
  const stacks: TestStack[] = [];
  const emulators: RunningEmulator[] = [];
  const subjects: Subject[] = [];
  try {
    const floor = new TestStack(binDir, "floor");
    stacks.push(floor);
    floor.env[MARK_VAR] = randomUUID();
    fs.writeFileSync(path.join(floor.projectDir, "index.js"), FLOOR_PROGRAM);
    await floor.ok(["stack", "init", "floor"]);
    subjects.push({
      label: "floor",
      stack: floor,
      write: (v) => floor.setProgram(spec(count, requestsPerCollection, v)),
      calls: () => 0,
    });
    if (providers.includes("native")) {
      const yamlFloor = new TestStack(binDir, "yaml-floor");
      stacks.push(yamlFloor);
      yamlFloor.env[MARK_VAR] = randomUUID();
      for (const f of ["index.js", "package.json", "node_modules"]) {
        fs.unlinkSync(path.join(yamlFloor.projectDir, f));
      }
      const pluginDir = path.join(yamlFloor.dir, "spnoop");
      writeNoopPlugin(pluginDir);
      yamlFloor.env.PATH = `${pluginDir}${path.delimiter}${yamlFloor.env.PATH}`;
      yamlFloor.env.PULUMI_PROVIDER_MODULE = require.resolve("@pulumi/pulumi/provider");
      const write = (v: number) =>
        fs.writeFileSync(
          path.join(yamlFloor.projectDir, "Pulumi.yaml"),
          noopYamlProject(count, requestsPerCollection, v),
        );
      write(1);
      await yamlFloor.ok(["stack", "init", "yaml-floor"]);
      subjects.push({ label: "yaml-floor", stack: yamlFloor, write, calls: () => 0 });
    }
    for (const provider of providers) {
      const emu = await startTestEmulator();
      emulators.push(emu);
      const stack = new TestStack(binDir, provider);
      stacks.push(stack);
      stack.env[MARK_VAR] = randomUUID();
      let write: (v: number) => void;
      if (provider === "dynamic") {
        fs.writeFileSync(path.join(stack.projectDir, "index.js"), COLLECTIONS_PROGRAM);
        write = (v) => stack.setProgram(spec(count, requestsPerCollection, v));
      } else {
        // A YAML project as a user's: no Node.js program, no node_modules.
        for (const f of ["index.js", "package.json", "node_modules"])
          fs.unlinkSync(path.join(stack.projectDir, f));
        installNativePlugin(stack.env);
        write = (v) =>
          fs.writeFileSync(
            path.join(stack.projectDir, "Pulumi.yaml"),
            nativeYamlProject(count, requestsPerCollection, v),
          );
      }
      write(1);
      await stack.init(emu.url, TEST_KEY);
      subjects.push({
        label: provider,
        stack,
        write,
        calls: () => emu.requests().filter((r) => r.path.startsWith("/v1/")).length,
        providerKind: provider === "dynamic" ? "dynamic-provider" : "native-provider",
      });
    }
    floor.setProgram(spec(count, requestsPerCollection, 1));
    const measured = await runInterleaved(subjects);
    const floorM = measured.get(subjects[0] as Subject) as Measured;
    const result: EngineFloorResult = {
      count,
      requestsPerCollection,
      floor: floorM.times as Record<Operation, number>,
      floorCpu: floorM.cpu as Record<Operation, Partial<Record<BenchProcessKind, number>>>,
      providers: {},
    };
    const yamlFloorSubject = subjects.find((s) => s.label === "yaml-floor");
    if (yamlFloorSubject) {
      const m = measured.get(yamlFloorSubject) as Measured;
      result.yamlFloor = m.times as Record<Operation, number>;
      result.yamlFloorCpu = m.cpu as Record<Operation, Partial<Record<BenchProcessKind, number>>>;
    }
    subjects.slice(yamlFloorSubject ? 2 : 1).forEach((s, i) => {
      const m = measured.get(s) as Measured;
      result.providers[s.label as ProviderKind] = {
        times: m.times as Record<Operation, number>,
        cpu: m.cpu as Record<Operation, Partial<Record<BenchProcessKind, number>>>,
        providerPeakRssBytes: m.peak,
        stored: (emulators[i] as RunningEmulator).collections().length,
        refreshCalls: m.refreshCalls,
      };
    });
    return result;
  } finally {
    for (const s of stacks) s.dispose();
    for (const emu of emulators) {
      emu.release();
      await emu.stop();
    }
  }
}

/**
 * A table of the ratios, one row per provider and count: each operation as `ours / floor = ratio`
 * with its target (`≤ 1.10x`) and whether it is met, refresh with the calls it made; then, where
 * both providers ran, a `native ÷ dynamic` row of the two providers' times compared directly.
 */
export function engineFloorTable(results: EngineFloorResult[]): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const goal = (ratio: number, target: number | undefined) =>
    target === undefined ? "" : ` (target ≤ ${target.toFixed(2)}x: ${ratio <= target ? "met" : "NOT met"})`;
  const lines = [
    `| provider | collections | ${OPERATIONS.map((o) => `${o}: ours / floor = ratio`).join(" | ")} | provider peak RSS |`,
    `|---|---|${OPERATIONS.map(() => "---").join("|")}|---|`,
  ];
  for (const r of results) {
    for (const provider of ["dynamic", "native"] as const) {
      const m = r.providers[provider];
      if (!m) continue;
      const cells = OPERATIONS.map((o) => {
        const ratio = m.times[o] / r.floor[o];
        const calls = o === "refresh" ? `, ${m.refreshCalls} calls` : "";
        return `${s(m.times[o])} / ${s(r.floor[o])} = ${ratio.toFixed(2)}x${goal(ratio, FLOOR_TARGETS[provider][o])}${calls}`;
      });
      const stored = m.stored === r.count ? "" : ` (WRONG: ${m.stored} collections stored)`;
      lines.push(
        `| ${provider} | ${r.count} | ${cells.join(" | ")} | ${(m.providerPeakRssBytes / 1024 / 1024).toFixed(0)} MB${stored} |`,
      );
    }
    const { dynamic, native } = r.providers;
    const yamlFloor = r.yamlFloor;
    if (native && yamlFloor) {
      const cells = OPERATIONS.map((o) => {
        const ratio = native.times[o] / yamlFloor[o];
        return `${s(native.times[o])} / ${s(yamlFloor[o])} = ${ratio.toFixed(2)}x${goal(ratio, FLOOR_TARGETS.native[o])}`;
      });
      lines.push(`| native ÷ YAML floor | ${r.count} | ${cells.join(" | ")} | |`);
    }
    if (dynamic && native) {
      const cells = OPERATIONS.map((o) => {
        const ratio = native.times[o] / dynamic.times[o];
        return `${s(native.times[o])} / ${s(dynamic.times[o])} = ${ratio.toFixed(2)}x${goal(ratio, NATIVE_OVER_DYNAMIC_TARGETS[o])}`;
      });
      lines.push(`| native ÷ dynamic | ${r.count} | ${cells.join(" | ")} | |`);
    }
  }
  return lines.join("\n");
}

const KINDS: BenchProcessKind[] = [
  "cli",
  "language-host",
  "program",
  "dynamic-provider",
  "yaml-launcher",
  "yaml-host",
  "native-provider",
  "noop-plugin",
  "launcher",
  "other",
];

/**
 * Where the time goes: for each count and operation, the wall time and the CPU seconds of each
 * process kind, for each program measured (`dynamic / native / floor`, those that ran). A kind that
 * none used is left out.
 */
export function engineFloorCpuTable(results: EngineFloorResult[]): string {
  const s = (ms: number | undefined) => `${((ms ?? 0) / 1000).toFixed(1)}`;
  const lines: string[] = [];
  for (const r of results) {
    const programs = [
      ...(["dynamic", "native"] as const).flatMap((p) => {
        const m = r.providers[p];
        return m ? [{ label: p, times: m.times, cpu: m.cpu }] : [];
      }),
      { label: "floor", times: r.floor, cpu: r.floorCpu },
      ...(r.yamlFloor && r.yamlFloorCpu
        ? [{ label: "YAML floor", times: r.yamlFloor, cpu: r.yamlFloorCpu }]
        : []),
    ];
    const kinds = KINDS.filter((k) =>
      OPERATIONS.some((o) => programs.some((p) => p.cpu[o][k] !== undefined)),
    );
    const order = programs.map((p) => p.label).join(" / ");
    lines.push(
      `| collections | operation | wall s (${order}) | ${kinds.map((k) => `${k} CPU s`).join(" | ")} |`,
      `|---|---|---|${kinds.map(() => "---").join("|")}|`,
    );
    for (const o of OPERATIONS) {
      const cells = kinds.map((k) => programs.map((p) => s(p.cpu[o][k])).join(" / "));
      lines.push(
        `| ${r.count} | ${o} | ${programs.map((p) => s(p.times[o])).join(" / ")} | ${cells.join(" | ")} |`,
      );
    }
    lines.push("");
  }
  return lines.join("\n").trimEnd();
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      counts: { type: "string", default: "1000" },
      requests: { type: "string", default: "5" },
      providers: { type: "string", default: "dynamic,native" },
    },
    strict: true,
  });
  const counts = String(values.counts)
    .split(",")
    .map((c) => Number(c));
  const per = Number(values.requests);
  const providers = String(values.providers).split(",") as ProviderKind[];
  (async () => {
    const results: EngineFloorResult[] = [];
    for (const count of counts) {
      const r = await benchEngineFloor(count, per, providers);
      process.stdout.write(`${JSON.stringify(r)}\n`);
      results.push(r);
    }
    process.stdout.write(`${engineFloorTable(results)}\n\n${engineFloorCpuTable(results)}\n`);
  })().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}
