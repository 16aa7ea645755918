/**
 * Issue 8, item 3, first bullet: `pulumi` with N collections (1,000 by default, 5 requests each)
 * against the engine floor, N no-op dynamic resources (`pulumi.dynamic.Resource` whose provider
 * calls nothing) with the same request lists, for four operations: create (`up` of a new stack), a
 * no-change `preview`, `up` after every request list was edited, and `refresh`. Each is timed with the
 * real CLI, once per run. The peak RSS of the dynamic-provider process during the collections'
 * create is sampled from `/proc` (VmHWM, Linux only).
 *
 * Run alone: `node -r ts-node/register/transpile-only bench/engine-floor.ts [--counts 100,1000]`
 * (after `npm run build`). It prints one JSON line per count, then a table.
 */
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { pulumiBinDir } from "../tests/helpers/e2e";
import { startTestEmulator, TEST_KEY } from "../tests/helpers/emulator";
import { kindOf, type ProcessKind, processesWithEnv } from "../tests/helpers/processes";
import { type ProgramSpec, TestStack } from "../tests/helpers/pulumi";

export const OPERATIONS = ["create", "preview", "update", "refresh"] as const;
export type Operation = (typeof OPERATIONS)[number];

/** Which provider serves "ours": the dynamic one today; the native plugin's rows come with its bench. */
export type ProviderKind = "dynamic" | "native";

/**
 * The most each operation may take, as a multiple of the floor's time (issue 19): create and update
 * at the floor, the no-change preview at 1.3× for the dynamic provider and 1.1× for the native one
 * (its program registers no internal inputs). Refresh has its own target in calls (bench/list-calls.ts).
 */
export const FLOOR_TARGETS: Record<ProviderKind, Partial<Record<Operation, number>>> = {
  dynamic: { create: 1.0, update: 1.0, preview: 1.3 },
  native: { create: 1.0, update: 1.0, preview: 1.1 },
};

/** What {@link benchEngineFloor} measured for one count. */
export interface EngineFloorResult {
  /** The provider measured against the floor. */
  provider: ProviderKind;
  count: number;
  requestsPerCollection: number;
  /** Wall time of each operation, ms. */
  collections: Record<Operation, number>;
  floor: Record<Operation, number>;
  /**
   * CPU time (user + system, ms) of each operation's processes by kind (the CLI's engine, the language
   * host, the program, the dynamic provider), sampled from `/proc` every 100 ms: where the time goes.
   */
  collectionsCpu: Record<Operation, Partial<Record<ProcessKind, number>>>;
  floorCpu: Record<Operation, Partial<Record<ProcessKind, number>>>;
  /** Peak RSS of the collections' dynamic-provider process during create, bytes (0 when not seen). */
  providerPeakRssBytes: number;
  /** Collections the emulator holds after the runs (must equal the count). */
  stored: number;
  /** API calls of our refresh (one list, plus a GET for a read that came alone). */
  refreshCalls: number;
}

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
): Promise<{ ms: number; cpu: Partial<Record<ProcessKind, number>> }> {
  const mark = stack.env[MARK_VAR] as string;
  const last = new Map<number, { kind: ProcessKind; ms: number }>();
  const sample = (): void => {
    for (const p of processesWithEnv(MARK_VAR, mark)) {
      const ms = cpuMs(p.pid);
      if (ms !== undefined) last.set(p.pid, { kind: kindOf(p), ms });
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
  const cpu: Partial<Record<ProcessKind, number>> = {};
  for (const { kind, ms: t } of last.values()) cpu[kind] = Math.round((cpu[kind] ?? 0) + t);
  return { ms, cpu };
}

/** Samples the peak RSS (VmHWM) of the dynamic-provider processes carrying `mark` until stopped. */
function sampleProviderRss(markVar: string, mark: string): () => number {
  let peak = 0;
  const sample = (): void => {
    for (const p of processesWithEnv(markVar, mark)) {
      if (kindOf(p) !== "dynamic-provider") continue;
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

/** The four operations on one stack whose program is `program`. */
async function runOperations(
  stack: TestStack,
  program: string,
  count: number,
  perCollection: number,
  calls: () => number,
  onCreate?: () => () => number,
): Promise<{
  times: Record<Operation, number>;
  cpu: Record<Operation, Partial<Record<ProcessKind, number>>>;
  peak: number;
  refreshCalls: number;
}> {
  fs.writeFileSync(path.join(stack.projectDir, "index.js"), program);
  stack.setProgram(spec(count, perCollection, 1));
  const stop = onCreate?.();
  const create = await timed(stack, ["up", "--yes", "--skip-preview"]);
  const peak = stop?.() ?? 0;
  const preview = await timed(stack, ["preview", "--expect-no-changes"]);
  stack.setProgram(spec(count, perCollection, 2));
  const update = await timed(stack, ["up", "--yes", "--skip-preview"]);
  const beforeRefresh = calls();
  const refresh = await timed(stack, ["refresh", "--yes", "--skip-preview"]);
  return {
    times: { create: create.ms, preview: preview.ms, update: update.ms, refresh: refresh.ms },
    cpu: { create: create.cpu, preview: preview.cpu, update: update.cpu, refresh: refresh.cpu },
    peak,
    refreshCalls: calls() - beforeRefresh,
  };
}

/** Measures the collections and the floor at `count`. */
export async function benchEngineFloor(count = 1000, requestsPerCollection = 5): Promise<EngineFloorResult> {
  const binDir = pulumiBinDir();
  const emu = await startTestEmulator();
  const ours = new TestStack(binDir, "bench");
  const floor = new TestStack(binDir, "floor");
  try {
    const mark = randomUUID();
    ours.env[MARK_VAR] = mark;
    floor.env[MARK_VAR] = randomUUID();
    await ours.init(emu.url, TEST_KEY);
    const apiCalls = () => emu.requests().filter((r) => r.path.startsWith("/v1/")).length;
    const collections = await runOperations(
      ours,
      COLLECTIONS_PROGRAM,
      count,
      requestsPerCollection,
      apiCalls,
      () => sampleProviderRss(MARK_VAR, mark),
    );
    await floor.ok(["stack", "init", "floor"]);
    const noop = await runOperations(floor, FLOOR_PROGRAM, count, requestsPerCollection, () => 0);
    return {
      provider: "dynamic",
      count,
      requestsPerCollection,
      collections: collections.times,
      floor: noop.times,
      collectionsCpu: collections.cpu,
      floorCpu: noop.cpu,
      providerPeakRssBytes: collections.peak,
      stored: emu.collections().length,
      refreshCalls: collections.refreshCalls,
    };
  } finally {
    ours.dispose();
    floor.dispose();
    emu.release();
    await emu.stop();
  }
}

/**
 * A table of the ratios, one row per count, each with its target (`≤ 1.30x`) and whether it is met;
 * refresh with the calls it made.
 */
export function engineFloorTable(results: EngineFloorResult[]): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const lines = [
    `| provider | collections | ${OPERATIONS.map((o) => `${o}: ours / floor = ratio`).join(" | ")} | provider peak RSS |`,
    `|---|---|${OPERATIONS.map(() => "---").join("|")}|---|`,
  ];
  for (const r of results) {
    const cells = OPERATIONS.map((o) => {
      const ratio = r.collections[o] / r.floor[o];
      const target = FLOOR_TARGETS[r.provider][o];
      const goal =
        target === undefined
          ? ""
          : ` (target ≤ ${target.toFixed(2)}x: ${ratio <= target ? "met" : "NOT met"})`;
      const calls = o === "refresh" ? `, ${r.refreshCalls} calls` : "";
      return `${s(r.collections[o])} / ${s(r.floor[o])} = ${ratio.toFixed(2)}x${goal}${calls}`;
    });
    lines.push(
      `| ${r.provider} | ${r.count} | ${cells.join(" | ")} | ${(r.providerPeakRssBytes / 1024 / 1024).toFixed(0)} MB |`,
    );
  }
  return lines.join("\n");
}

const KINDS: ProcessKind[] = ["cli", "language-host", "program", "dynamic-provider", "launcher", "other"];

/**
 * Where the time goes: for each count and operation, the CPU seconds of each process kind, ours and
 * the floor's (`ours / floor`), and the wall times. A kind that neither used is left out.
 */
export function engineFloorCpuTable(results: EngineFloorResult[]): string {
  const s = (ms: number | undefined) => `${((ms ?? 0) / 1000).toFixed(1)}`;
  const lines = [
    `| collections | operation | wall s (ours / floor) | ${KINDS.map((k) => `${k} CPU s`).join(" | ")} |`,
    `|---|---|---|${KINDS.map(() => "---").join("|")}|`,
  ];
  for (const r of results) {
    for (const o of OPERATIONS) {
      const cells = KINDS.map((k) =>
        r.collectionsCpu[o][k] === undefined && r.floorCpu[o][k] === undefined
          ? "-"
          : `${s(r.collectionsCpu[o][k])} / ${s(r.floorCpu[o][k])}`,
      );
      lines.push(`| ${r.count} | ${o} | ${s(r.collections[o])} / ${s(r.floor[o])} | ${cells.join(" | ")} |`);
    }
  }
  return lines.join("\n");
}

if (require.main === module) {
  const { values } = parseArgs({
    options: { counts: { type: "string", default: "1000" }, requests: { type: "string", default: "5" } },
    strict: true,
  });
  const counts = String(values.counts)
    .split(",")
    .map((c) => Number(c));
  const per = Number(values.requests);
  (async () => {
    const results: EngineFloorResult[] = [];
    for (const count of counts) {
      const r = await benchEngineFloor(count, per);
      process.stdout.write(`${JSON.stringify(r)}\n`);
      results.push(r);
    }
    process.stdout.write(`${engineFloorTable(results)}\n\n${engineFloorCpuTable(results)}\n`);
  })().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}
