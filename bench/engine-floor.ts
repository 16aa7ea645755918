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
import { kindOf, processesWithEnv } from "../tests/helpers/processes";
import { type ProgramSpec, TestStack } from "../tests/helpers/pulumi";

export const OPERATIONS = ["create", "preview", "update", "refresh"] as const;
export type Operation = (typeof OPERATIONS)[number];

/** What {@link benchEngineFloor} measured for one count. */
export interface EngineFloorResult {
  count: number;
  requestsPerCollection: number;
  /** Wall time of each operation, ms. */
  collections: Record<Operation, number>;
  floor: Record<Operation, number>;
  /** Peak RSS of the collections' dynamic-provider process during create, bytes (0 when not seen). */
  providerPeakRssBytes: number;
  /** Collections the emulator holds after the runs (must equal the count). */
  stored: number;
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

/** Runs `pulumi <args>` and returns its wall time; throws with the output when it fails. */
async function timed(stack: TestStack, args: string[]): Promise<number> {
  const started = performance.now();
  await stack.ok(args);
  return Math.round(performance.now() - started);
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
  onCreate?: () => () => number,
): Promise<{ times: Record<Operation, number>; peak: number }> {
  fs.writeFileSync(path.join(stack.projectDir, "index.js"), program);
  stack.setProgram(spec(count, perCollection, 1));
  const stop = onCreate?.();
  const create = await timed(stack, ["up", "--yes", "--skip-preview"]);
  const peak = stop?.() ?? 0;
  const preview = await timed(stack, ["preview", "--expect-no-changes"]);
  stack.setProgram(spec(count, perCollection, 2));
  const update = await timed(stack, ["up", "--yes", "--skip-preview"]);
  const refresh = await timed(stack, ["refresh", "--yes", "--skip-preview"]);
  return { times: { create, preview, update, refresh }, peak };
}

/** Measures the collections and the floor at `count`. */
export async function benchEngineFloor(count = 1000, requestsPerCollection = 5): Promise<EngineFloorResult> {
  const binDir = pulumiBinDir();
  const markVar = "SP_BENCH_MARK";
  const emu = await startTestEmulator();
  const ours = new TestStack(binDir, "bench");
  const floor = new TestStack(binDir, "floor");
  try {
    const mark = randomUUID();
    ours.env[markVar] = mark;
    await ours.init(emu.url, TEST_KEY);
    const collections = await runOperations(ours, COLLECTIONS_PROGRAM, count, requestsPerCollection, () =>
      sampleProviderRss(markVar, mark),
    );
    await floor.ok(["stack", "init", "floor"]);
    const noop = await runOperations(floor, FLOOR_PROGRAM, count, requestsPerCollection);
    return {
      count,
      requestsPerCollection,
      collections: collections.times,
      floor: noop.times,
      providerPeakRssBytes: collections.peak,
      stored: emu.collections().length,
    };
  } finally {
    ours.dispose();
    floor.dispose();
    emu.release();
    await emu.stop();
  }
}

/** A table of the ratios, one row per count. */
export function engineFloorTable(results: EngineFloorResult[]): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const lines = [
    `| collections | ${OPERATIONS.map((o) => `${o}: ours / floor = ratio`).join(" | ")} | provider peak RSS |`,
    `|---|${OPERATIONS.map(() => "---").join("|")}|---|`,
  ];
  for (const r of results) {
    const cells = OPERATIONS.map(
      (o) => `${s(r.collections[o])} / ${s(r.floor[o])} = ${(r.collections[o] / r.floor[o]).toFixed(2)}x`,
    );
    lines.push(
      `| ${r.count} | ${cells.join(" | ")} | ${(r.providerPeakRssBytes / 1024 / 1024).toFixed(0)} MB |`,
    );
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
    process.stdout.write(`${engineFloorTable(results)}\n`);
  })().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}
