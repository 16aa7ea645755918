/**
 * The fault campaign: deployments of randomly edited programs, each under a random
 * fault, each followed by what a user does next and by checks against the emulator's own store.
 *
 * A worker owns one stack (its own file backend) and one emulator process with a journal file.
 * Deployment `i` of a campaign goes to worker `i % workers`; a worker's choices (program, edits,
 * faults, their sizes and delays) come from a PRNG seeded by the campaign's seed and the worker's
 * index, so the same `--seed` and `--workers` replay the same campaign. When exactly a kill lands
 * is up to the machine's timing.
 *
 * What the user does after a deployment that did not succeed (documented in campaign/README.md):
 * run `pulumi up` again; when it says the stack is locked (the killed CLI left its lock), run
 * `pulumi cancel --yes` and then `pulumi up`; once an `up` has succeeded and the CLI still reports
 * pending operations (creates the killed CLI had started), run
 * `pulumi refresh --yes --clear-pending-creates`, as the CLI's message says.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { pulumiBinDir } from "../tests/helpers/e2e";
import { TEST_KEY } from "../tests/helpers/emulator";
import { describeProcesses, killAll, processesWithEnv } from "../tests/helpers/processes";
import { type CliResult, EMPTY_SIDECAR, removeEmptySidecars, TestStack } from "../tests/helpers/pulumi";
import { TSCONFIG } from "../tests/helpers/user-project";
import { EmulatorProcess, type FaultSpec, killEmulatorsNow, type LoggedRequest } from "./emulator-process";
import {
  applyRandomEdit,
  dropAliases,
  type Edit,
  newProgram,
  type ProgramModel,
  programSource,
  Rng,
  type TargetOp,
} from "./program";

/** The faults a deployment runs under. */
export const FAULT_KINDS = [
  "none",
  "kill-before-commit",
  "kill-held-after-commit",
  "kill-after-answer",
  "drop-after-commit",
  "5xx-burst",
  "429-burst",
  "emulator-restart",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** What every campaign records of a deployment: its fault, what the user did next, and the checks. */
export interface DeploymentOutcome {
  /** The fault's details. */
  detail: string;
  /** Whether the fault met its call (a burst or restart always does; a kill only if the call came). */
  triggered: boolean;
  /** `pulumi up` runs after the faulted one. */
  reruns: number;
  cancels: number;
  refreshes: number;
  /** Empty state sidecars removed after a kill (`failed to load checkpoint: EOF`; README, Limitations). */
  sidecarRepairs: number;
  /** Collections in the account that no resource of a stack ever held. */
  duplicates: number;
  /** What differs from the declaration: one line each. */
  divergences: string[];
  /** Processes of the deployment still running after it. */
  leftover: number;
  ms: number;
}

/** A campaign's totals over its deployments, and its per-fault table. */
export interface CampaignTotals {
  duplicates: number;
  /** Deployments that diverged. */
  divergences: number;
  leftover: number;
  /** Empty state sidecars removed after kills, over all deployments (README, Limitations). */
  sidecarRepairs: number;
  /** The per-fault table. */
  table: string;
}

/** The totals of `records`; `diverged` says which deployments count as divergences. */
export function campaignTotals<R extends DeploymentOutcome>(
  records: R[],
  diverged: (r: R) => boolean,
  table: string,
): CampaignTotals {
  const sum = (f: (r: R) => number) => records.reduce((a, r) => a + f(r), 0);
  return {
    duplicates: sum((r) => r.duplicates),
    divergences: records.filter(diverged).length,
    leftover: sum((r) => r.leftover),
    sidecarRepairs: sum((r) => r.sidecarRepairs),
    table,
  };
}

/** What happened in one deployment. */
export interface DeploymentRecord extends DeploymentOutcome {
  index: number;
  worker: number;
  edits: Edit[];
  fault: FaultKind;
  /** The API call the fault aimed at (its details are in `detail`). */
  target: TargetOp | null;
  /** The divergences the previous deployment of the same stack did not have. */
  newDivergences: string[];
}

export interface CampaignOptions {
  deployments: number;
  seed: number;
  /** Stacks deployed concurrently, each with its own emulator. @default 1 */
  workers?: number;
  /** Receives one line per deployment. */
  log?: (line: string) => void;
  /**
   * Called after each deployment's runs and before its checks, with the emulator's URL and key:
   * a test of the checks changes the account behind the stack's back here.
   */
  beforeCheck?: (emulator: { url: string; apiKey: string }, index: number) => Promise<void>;
}

export interface CampaignResult extends CampaignTotals {
  records: DeploymentRecord[];
}

const MARK_VAR = "SP_CAMPAIGN_STACK";
/** The markers of the stacks being deployed, for {@link abortNow}. */
const marks = new Set<string>();

/**
 * For an interrupted campaign (SIGINT, SIGTERM): SIGKILLs, synchronously, every process the
 * running deployments started and every emulator process.
 */
export function abortNow(): void {
  for (const mark of marks) killAll(processesWithEnv(MARK_VAR, mark));
  killEmulatorsNow();
}
const MAX_RERUNS = 3;
const UP = ["up", "--yes", "--skip-preview"];

/** A campaign worker's stack: a TypeScript or CommonJS project whose source the campaign writes. */
class CampaignStack extends TestStack {
  readonly mark: string;
  constructor(
    binDir: string,
    readonly lang: "ts" | "js",
    mark: string,
  ) {
    super(binDir, "dev");
    this.mark = mark;
    this.env[MARK_VAR] = mark;
    if (lang === "ts") {
      fs.rmSync(path.join(this.projectDir, "index.js"));
      fs.writeFileSync(
        path.join(this.projectDir, "Pulumi.yaml"),
        "name: acme-scrapers\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n",
      );
      fs.writeFileSync(path.join(this.projectDir, "tsconfig.json"), `${JSON.stringify(TSCONFIG, null, 2)}\n`);
      fs.writeFileSync(
        path.join(this.projectDir, "package.json"),
        `${JSON.stringify({ name: "acme-scrapers", main: "index.ts", private: true }, null, 2)}\n`,
      );
    }
  }
  write(source: string): void {
    fs.writeFileSync(path.join(this.projectDir, this.lang === "ts" ? "index.ts" : "index.js"), source);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function targetRoute(op: TargetOp): { method: string; path: string } {
  if (op === "create") return { method: "POST", path: "/v1/async/collections" };
  if (op === "lookup") return { method: "GET", path: "/v1/async/collections" };
  return { method: "PUT", path: "/v1/async/collections/*" };
}

function matches(r: LoggedRequest, op: TargetOp): boolean {
  const t = targetRoute(op);
  if (r.method !== t.method) return false;
  return op === "update" ? /^\/v1\/async\/collections\/[^/]+$/.test(r.path) : r.path === t.path;
}

/** Objects with their keys sorted (the provider sends canonical JSON). */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

const tail = (r: CliResult): string =>
  `${r.stdout}\n${r.stderr}`
    .split("\n")
    .filter((l) => /error|fail|locked/i.test(l))
    .slice(-4)
    .join(" | ")
    .slice(0, 600);

/** One worker: a stack and an emulator, `count` deployments. */
async function runWorker(
  worker: number,
  indices: number[],
  seed: number,
  log: (line: string) => void,
  beforeCheck: CampaignOptions["beforeCheck"],
): Promise<DeploymentRecord[]> {
  const rng = new Rng((Math.imul(seed, 2654435761) + Math.imul(worker + 1, 40503)) >>> 0);
  const program: ProgramModel = newProgram(rng);
  const binDir = pulumiBinDir();
  const stack = new CampaignStack(binDir, program.lang, `w${worker}-${process.pid}-${Date.now()}`);
  const emu = new EmulatorProcess(path.join(stack.dir, "emulator.jsonl"), TEST_KEY);
  marks.add(stack.mark);
  const records: DeploymentRecord[] = [];
  /** The previous deployment's divergences: one that persists is counted once. */
  let previous = new Set<string>();
  /** Every collection id the stack has held: the account may keep these and no others. */
  const seen = new Set<string>();
  try {
    await emu.start();
    await stack.init(emu.url, TEST_KEY);
    let first = true;
    for (const index of indices) {
      const started = Date.now();
      let edits: Edit[];
      if (first) {
        edits = program.resources.map((c) => ({
          kind: c.name === undefined ? "add-auto" : "add-named",
          logical: c.logical,
          ops: c.name === undefined ? ["lookup", "create"] : ["create"],
        }));
        first = false;
      } else {
        dropAliases(program);
        const kept = await keptCollections(emu, stack);
        edits = [applyRandomEdit(rng, program, kept.names, kept.callbacks)];
        if (rng.chance(0.3)) edits.push(applyRandomEdit(rng, program, kept.names, kept.callbacks));
        // Every deployment makes at least one API call for the fault to meet.
        if (!edits.some((e) => e.ops.length > 0) && program.resources.length > 0) {
          const c = rng.pick(program.resources);
          c.requests = [
            ...c.requests,
            { url: `https://example.com/${c.logical}/extra-${rng.int(1, 99999)}` },
          ];
          edits.push({ kind: "edit-requests", logical: c.logical, ops: ["update"] });
        }
      }
      if (edits.some((e) => e.kind === "destroy-stack")) {
        await stack.ok(["destroy", "--yes", "--skip-preview"]);
      }
      stack.write(programSource(program));
      const fault = rng.pick(FAULT_KINDS);
      const ops = [...new Set(edits.flatMap((e) => e.ops))];
      const target = ops.length > 0 ? rng.pick(ops) : null;
      const rec: DeploymentRecord = {
        index,
        worker,
        edits,
        fault,
        target,
        detail: "",
        triggered: false,
        reruns: 0,
        cancels: 0,
        refreshes: 0,
        sidecarRepairs: 0,
        duplicates: 0,
        divergences: [],
        newDivergences: [],
        leftover: 0,
        ms: 0,
      };
      try {
        await deploy(rng, stack, emu, rec);
        await beforeCheck?.({ url: emu.url, apiKey: TEST_KEY }, index);
        await check(stack, emu, program, seen, rec);
      } catch (e) {
        rec.divergences.push(`campaign error: ${(e as Error).message.slice(0, 800)}`);
      }
      const left = await leftoverProcesses(stack.mark);
      rec.leftover = left.length;
      if (left.length > 0) rec.divergences.push(`processes left running:\n${describeProcesses(left)}`);
      rec.newDivergences = rec.divergences.filter((d) => !previous.has(d));
      previous = new Set(rec.divergences);
      rec.ms = Date.now() - started;
      records.push(rec);
      log(describe(rec));
    }
  } finally {
    await emu.stop().catch(() => undefined);
    killAll(processesWithEnv(MARK_VAR, stack.mark));
    marks.delete(stack.mark);
    stack.dispose();
  }
  return records;
}

/** Names the account holds once, on a collection the stack does not hold: what `adoptExisting` may take. */
async function keptCollections(
  emu: EmulatorProcess,
  stack: TestStack,
): Promise<{ names: string[]; callbacks: Record<string, string | null> }> {
  const live = new Set((await stack.collections()).map((c) => c.id));
  const count = new Map<string, number>();
  const stored = await emu.collections();
  for (const c of stored) count.set(c.name, (count.get(c.name) ?? 0) + 1);
  const liveNames = new Set(stored.filter((c) => live.has(c.id)).map((c) => c.name));
  const kept = stored.filter((c) => !live.has(c.id) && count.get(c.name) === 1 && !liveNames.has(c.name));
  return {
    names: kept.map((c) => c.name).sort(),
    callbacks: Object.fromEntries(kept.map((c) => [c.name, c.callback_url ?? null])),
  };
}

/** Runs the faulted `pulumi up`, then what a user does until an `up` succeeds. */
async function deploy(
  rng: Rng,
  stack: CampaignStack,
  emu: EmulatorProcess,
  rec: DeploymentRecord,
): Promise<void> {
  await emu.clearFaults();
  await fetch(`${emu.url}/__emulator/requests`, { method: "DELETE" });
  const target = rec.target ?? "update";
  const route = targetRoute(target);
  let kill: "cli" | "emulator" | null = null;
  /** When the kill happens: a condition on the emulator, polled while the CLI runs. */
  let condition: () => Promise<boolean> = async () => false;
  let afterKill: () => Promise<void> = async () => undefined;
  switch (rec.fault) {
    case "none":
      break;
    case "kill-before-commit": {
      // The request waits before it is processed; the CLI dies meanwhile and the API commits later.
      const delayMs = rng.int(1500, 4000);
      await emu.addFault({ ...route, action: "delay", delayMs, times: 1 });
      rec.detail = `delay ${delayMs} ms`;
      kill = "cli";
      condition = async () => (await emu.requests()).some((r) => matches(r, target) && r.fault === "delay");
      break;
    }
    case "kill-held-after-commit":
      await emu.addFault({ ...route, action: "hold", times: 1 });
      kill = "cli";
      condition = async () => (await emu.held()).length > 0;
      afterKill = () => emu.release();
      break;
    case "kill-after-answer":
      kill = "cli";
      condition = async () => (await emu.requests()).some((r) => matches(r, target) && r.status !== null);
      break;
    case "drop-after-commit":
      await emu.addFault({ ...route, action: "drop-after-commit", times: 1 });
      break;
    case "5xx-burst": {
      const f: FaultSpec = {
        path: "/v1/**",
        action: "status",
        status: rng.pick([500, 502, 503]),
        times: rng.int(1, 6),
      };
      await emu.addFault(f);
      rec.detail = `${f.times}x ${f.status}`;
      break;
    }
    case "429-burst": {
      const f: FaultSpec = {
        path: "/v1/**",
        action: "status",
        status: 429,
        retryAfter: "1",
        times: rng.int(1, 8),
      };
      await emu.addFault(f);
      rec.detail = `${f.times}x 429`;
      break;
    }
    case "emulator-restart": {
      const downMs = rng.int(200, 3000);
      rec.detail = `down ${downMs} ms`;
      kill = "emulator";
      condition = async () => (await emu.requests()).some((r) => matches(r, target));
      afterKill = async () => {
        await sleep(downMs);
        await emu.start();
      };
      break;
    }
  }
  if (rec.fault === "drop-after-commit" || rec.fault === "5xx-burst" || rec.fault === "429-burst") {
    rec.triggered = true;
  }

  const up = stack.spawn(UP);
  let exited = false;
  const done = up.result.then((r) => {
    exited = true;
    return r;
  });
  if (kill !== null) {
    while (!exited) {
      let met = false;
      try {
        met = await condition();
      } catch {
        met = false;
      }
      if (met && !exited) {
        rec.triggered = true;
        if (kill === "cli") {
          try {
            process.kill(-(up.pid as number), "SIGKILL");
          } catch {
            // already gone
          }
          await done;
        } else {
          await emu.kill();
        }
        await afterKill();
        break;
      }
      await sleep(15);
    }
  }
  let result = await done;
  // The fault is over: what it did not use is not part of the next runs.
  await emu.clearFaults();
  await emu.release();
  if (rec.fault === "5xx-burst" || rec.fault === "429-burst") {
    rec.triggered = (await emu.requests()).some((r) => r.fault === "status");
  }
  if (rec.fault === "drop-after-commit") {
    rec.triggered = (await emu.requests()).some((r) => r.fault === "drop-after-commit");
  }

  let last = result;
  while (result.code !== 0) {
    if (rec.reruns >= MAX_RERUNS) {
      rec.divergences.push(`no successful up after ${MAX_RERUNS} reruns: ${tail(result)}`);
      return;
    }
    rec.reruns++;
    result = await stack.run(UP);
    if (result.code !== 0 && /currently locked/.test(result.stdout + result.stderr)) {
      rec.cancels++;
      await stack.ok(["cancel", "--yes"]);
      result = await stack.run(UP);
    }
    // A CLI killed while it saved the checkpoint can leave the backend's sidecar empty (README, Limitations).
    if (result.code !== 0 && EMPTY_SIDECAR.test(result.stdout + result.stderr)) {
      rec.sidecarRepairs += removeEmptySidecars(path.join(stack.dir, "state")).length;
      result = await stack.run(UP);
    }
    last = result;
  }
  if (/pending operation/i.test(last.stdout + last.stderr)) {
    rec.refreshes++;
    await stack.ok(["refresh", "--yes", "--skip-preview", "--clear-pending-creates"]);
  }
}

/** The invariants, from the emulator's own store and the stack's state. */
async function check(
  stack: TestStack,
  emu: EmulatorProcess,
  program: ProgramModel,
  seen: Set<string>,
  rec: DeploymentRecord,
): Promise<void> {
  if (rec.divergences.length > 0) return;
  const diverge = (s: string) => rec.divergences.push(s);
  const preview = await stack.run(["preview", "--diff", "--expect-no-changes"]);
  if (preview.code !== 0) diverge(`next preview not clean: ${tail(preview)}`);
  if (/pending operation/i.test(preview.stdout + preview.stderr))
    diverge("next preview reports pending operations");

  const state = await stack.collections();
  const stored = await emu.collections();
  const byId = new Map(stored.map((c) => [c.id, c]));
  const liveIds = new Set<string>();
  for (const c of program.resources) {
    const inState = state.filter((s) => s.urn.endsWith(`::${c.logical}`));
    if (inState.length !== 1) {
      diverge(`${c.logical}: ${inState.length} resources in the state`);
      continue;
    }
    const s = inState[0] as (typeof state)[number];
    const parentOk =
      c.component === null
        ? !s.urn.includes("acme:scrape:Pipeline$")
        : s.urn.includes("acme:scrape:Pipeline$");
    if (!parentOk) diverge(`${c.logical}: URN ${s.urn} is not under ${c.component ?? "the stack"}`);
    if (liveIds.has(s.id)) diverge(`${c.logical}: collection ${s.id} is held by two resources`);
    liveIds.add(s.id);
    const api = byId.get(s.id);
    if (!api) {
      diverge(`${c.logical}: collection ${s.id} is not in the account`);
      continue;
    }
    const recordedName = String(s.outputs.name);
    if (c.name !== undefined && api.name !== c.name)
      diverge(`${c.logical}: name ${api.name}, declared ${c.name}`);
    if (c.name === undefined && (api.name !== recordedName || !/-[0-9a-f]{8}$/.test(api.name))) {
      diverge(`${c.logical}: auto name ${api.name}, state says ${recordedName}`);
    }
    c.storedName = api.name;
    if (!isDeepStrictEqual(canonical(api.requests), canonical(c.requests))) {
      diverge(
        `${c.logical}: requests ${JSON.stringify(api.requests)}, declared ${JSON.stringify(c.requests)}`,
      );
    }
    if ((api.callback_url ?? null) !== (c.callbackUrl ?? null)) {
      diverge(`${c.logical}: callback_url ${api.callback_url}, declared ${c.callbackUrl ?? null}`);
    }
  }
  const declared = new Set(program.resources.map((c) => c.logical));
  for (const s of state) {
    const logical = s.urn.split("::").pop() as string;
    if (!declared.has(logical)) diverge(`the state holds ${logical}, which the program does not declare`);
  }
  for (const c of stored) {
    if (!liveIds.has(c.id) && !seen.has(c.id)) {
      rec.duplicates++;
      diverge(`duplicate: collection ${c.id} (${c.name}) was never held by the stack`);
    }
  }
  for (const c of stored) seen.add(c.id);
}

/** The processes marked `markVar=mark` still running after up to 10 s for them to exit; they are killed. */
export async function leftoverProcesses(
  mark: string,
  markVar = MARK_VAR,
): Promise<ReturnType<typeof processesWithEnv>> {
  const deadline = Date.now() + 10_000;
  let left = processesWithEnv(markVar, mark);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(200);
    left = processesWithEnv(markVar, mark);
  }
  killAll(left);
  return left;
}

function describe(r: DeploymentRecord): string {
  const edits = r.edits.map((e) => `${e.kind}(${e.logical})`).join(",");
  const status =
    r.divergences.length === 0
      ? "ok"
      : `${r.newDivergences.length > 0 ? "DIVERGED" : "STILL DIVERGED"}: ${r.divergences.join(" ; ")}`;
  return (
    `#${r.index} w${r.worker} ${edits} fault=${r.fault}${r.detail ? `(${r.detail})` : ""} target=${r.target ?? "-"} ` +
    `triggered=${r.triggered} reruns=${r.reruns} cancels=${r.cancels} refreshes=${r.refreshes} ` +
    `${r.sidecarRepairs > 0 ? `sidecar-repairs=${r.sidecarRepairs} ` : ""}` +
    `${(r.ms / 1000).toFixed(1)}s ${status}`
  );
}

/** The per-fault table. */
export function table(records: DeploymentRecord[]): string {
  const head = [
    "fault",
    "deployments",
    "triggered",
    "reruns needed",
    "reruns",
    "cancels",
    "refreshes",
    "duplicates",
    "divergences",
    "leftover",
  ];
  const rows: string[][] = [];
  const kinds = [...FAULT_KINDS, "all" as const];
  for (const kind of kinds) {
    const rs = kind === "all" ? records : records.filter((r) => r.fault === kind);
    if (rs.length === 0) continue;
    const sum = (f: (r: DeploymentRecord) => number) => String(rs.reduce((a, r) => a + f(r), 0));
    rows.push([
      kind,
      String(rs.length),
      sum((r) => (r.triggered ? 1 : 0)),
      sum((r) => (r.reruns > 0 ? 1 : 0)),
      sum((r) => r.reruns),
      sum((r) => r.cancels),
      sum((r) => r.refreshes),
      sum((r) => r.duplicates),
      sum((r) => (r.newDivergences.length > 0 ? 1 : 0)),
      sum((r) => r.leftover),
    ]);
  }
  return markdownTable(head, rows);
}

/** A Markdown table with padded columns: the header, the rule, one line per row. */
export function markdownTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [line(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

/** Runs a campaign and returns every deployment's record and the table. */
export async function runCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const workers = Math.max(1, Math.min(options.workers ?? 1, options.deployments));
  const log = options.log ?? (() => undefined);
  const jobs: Promise<DeploymentRecord[]>[] = [];
  for (let w = 0; w < workers; w++) {
    const indices: number[] = [];
    for (let i = w; i < options.deployments; i += workers) indices.push(i);
    jobs.push(runWorker(w, indices, options.seed, log, options.beforeCheck));
  }
  const records = (await Promise.all(jobs)).flat().sort((a, b) => a.index - b.index);
  return { records, ...campaignTotals(records, (r) => r.newDivergences.length > 0, table(records)) };
}
