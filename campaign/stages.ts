/**
 * The stages campaign: the per-stage example (`examples/per-stage`, unchanged) deployed
 * to its three stacks, `dev`, `staging` and `prod`, at the same time, through the Automation API, against
 * one emulator account with a rate limit, as a CI system that fans out one job per stage would.
 *
 * Each deployment edits some stages' config at random (the pages per site, the list of sites, `browser`,
 * the `callbackUrl`, or a destroy and a new `up`), runs the three `up`s concurrently under one random
 * fault, does what a user does next for every stage that failed (`up` again; `cancel` when the stack is
 * locked; `refresh --clear-pending-creates` when pending creates are reported), and checks, from the
 * emulator's own store, the same invariants as the single-stack campaign: each stack holds exactly one
 * collection, with exactly the declared name, requests and callback URL; the next preview of every stack
 * is clean; the account holds no collection that no stack ever held; no process is left running.
 *
 * The three stacks share one state backend: a local folder (`file://`, the default) or, as teams that
 * deploy from several CI runners do, a throwaway PostgreSQL server on loopback (`postgres://`, one
 * table; `tests/helpers/postgres.ts`).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { parse as parseYaml } from "yaml";
import { pulumiBinDir } from "../tests/helpers/e2e";
import { TEST_KEY } from "../tests/helpers/emulator";
import { type PostgresServer, startPostgres, tableName } from "../tests/helpers/postgres";
import { describeProcesses, killAll, processesWithEnv } from "../tests/helpers/processes";
import { EMPTY_SIDECAR, linkRepoModules, pulumiEnv, removeEmptySidecars } from "../tests/helpers/pulumi";
import { COLLECTION_TYPE, TSCONFIG } from "../tests/helpers/user-project";
import {
  type CampaignTotals,
  campaignTotals,
  type DeploymentOutcome,
  leftoverProcesses,
  markdownTable,
} from "./campaign";
import { EmulatorProcess, type FaultSpec, killEmulatorsNow } from "./emulator-process";
import { Rng } from "./program";

const EXAMPLE = path.resolve(__dirname, "..", "examples", "per-stage");
export const STAGES = ["dev", "staging", "prod"] as const;
export type Stage = (typeof STAGES)[number];

/** The sites an edit picks the `per-stage:sites` list from. */
const SITE_POOL = [
  "https://example.com/catalog",
  "https://example.org/catalog",
  "https://example.net/shop",
  "https://example.com/outlet",
];

/** A stage's `per-stage:*` config, as the example reads it. */
export interface StageConfig {
  sites: string[];
  pagesPerSite: number;
  browser: boolean;
  callbackUrl?: string;
}

export const STAGE_FAULTS = [
  "none",
  "kill-held-update",
  "kill-after-update",
  "drop-after-commit",
  "5xx-burst",
  "429-burst",
  "emulator-restart",
] as const;
export type StageFault = (typeof STAGE_FAULTS)[number];

/** Where the three stacks keep their state. */
export const STAGE_BACKENDS = ["file", "postgres"] as const;
export type StageBackend = (typeof STAGE_BACKENDS)[number];

export type StageEdit = "pages" | "sites" | "browser" | "callback" | "destroy";

/** What happened in one deployment of the three stacks. */
export interface StagesRecord extends DeploymentOutcome {
  index: number;
  edits: Partial<Record<Stage, StageEdit>>;
  fault: StageFault;
  /** The stage a kill aimed at. */
  faultStage: Stage | null;
  /** 429 answers the rate limit (not a fault) gave in this deployment. */
  throttled: number;
}

export interface StagesCampaignOptions {
  deployments: number;
  seed: number;
  /** The emulator's `--rate-limit`, `<requests>/<seconds>` for the one account. @default "1/1" */
  rateLimit?: string;
  /**
   * The faults a deployment draws from, each equally likely. A deployment with nothing to kill yet
   * (the first) draws from the others, and gets `none` when none is left.
   * @default every fault in {@link STAGE_FAULTS}
   */
  faults?: readonly StageFault[];
  /**
   * The state backend of the three stacks: a folder (`file://`), or one table of a PostgreSQL server
   * on loopback started for the campaign (installed with apt first when missing, as root).
   * @default "file"
   */
  backend?: StageBackend;
  log?: (line: string) => void;
}

export interface StagesCampaignResult extends CampaignTotals {
  records: StagesRecord[];
  backend: StageBackend;
  /** Processes of the PostgreSQL server still running after it was stopped (counted in `leftover`). */
  serverLeftover: number;
}

const MARK_VAR = "SP_CAMPAIGN_STAGE";
const MAX_RERUNS = 3;
const marks = new Set<string>();

/** SIGKILLs every process of the running stages campaign and its emulator (SIGINT, SIGTERM). */
export function abortStagesNow(): void {
  for (const mark of marks) killAll(processesWithEnv(MARK_VAR, mark));
  killEmulatorsNow();
}

/** The requests the example declares for a config (its `index.ts`, computed the same way). */
export function declaredRequests(c: StageConfig): Record<string, unknown>[] {
  return c.sites.flatMap((site, s) =>
    Array.from({ length: c.pagesPerSite }, (_, p) => {
      const url = new URL(site);
      url.searchParams.set("page", String(p + 1));
      return { url: url.href, custom_id: `site${s + 1}-page${p + 1}`, browser: c.browser };
    }),
  );
}

/** A stage's config from the example's committed `Pulumi.<stage>.yaml`. */
function committedConfig(stage: Stage): StageConfig {
  const doc = parseYaml(fs.readFileSync(path.join(EXAMPLE, `Pulumi.${stage}.yaml`), "utf8")) as {
    config: Record<string, unknown>;
  };
  const c = doc.config;
  const callbackUrl = c["per-stage:callbackUrl"];
  return {
    sites: c["per-stage:sites"] as string[],
    pagesPerSite: Number(c["per-stage:pagesPerSite"]),
    browser: String(c["per-stage:browser"] ?? "false") === "true",
    ...(typeof callbackUrl === "string" ? { callbackUrl } : {}),
  };
}

/** Applies one random edit to a stage's config; `destroy` changes nothing in it. */
function applyEdit(rng: Rng, stage: Stage, c: StageConfig, edit: StageEdit): void {
  switch (edit) {
    case "pages": {
      let n = rng.int(1, 12);
      if (n === c.pagesPerSite) n = n === 12 ? 1 : n + 1;
      c.pagesPerSite = n;
      break;
    }
    case "sites": {
      const next = SITE_POOL.filter(() => rng.chance(0.5));
      if (next.length === 0) next.push(rng.pick(SITE_POOL));
      if (isDeepStrictEqual(next, c.sites)) next.reverse();
      if (isDeepStrictEqual(next, c.sites)) next.push(...SITE_POOL.filter((s) => !next.includes(s)));
      c.sites = next;
      break;
    }
    case "browser":
      c.browser = !c.browser;
      break;
    case "callback":
      if (c.callbackUrl !== undefined && rng.chance(0.3)) delete c.callbackUrl;
      else c.callbackUrl = `https://hooks.example.com/scrapingpros/${stage}/${rng.int(1, 1_000_000)}`;
      break;
    case "destroy":
      break;
  }
}

interface StageRun {
  stage: Stage;
  mark: string;
  stack: Stack;
  config: StageConfig;
  /** The file backend's directory, shared by the three stacks (unused with PostgreSQL). */
  stateDir: string;
  /** The collection the stack held at the last check. */
  collectionId?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const short = (e: unknown): string =>
  message(e)
    .split("\n")
    .filter((l) => /error|fail|locked/i.test(l))
    .slice(-3)
    .join(" | ")
    .slice(0, 500);

async function configure(run: StageRun, emu: EmulatorProcess): Promise<void> {
  const c = run.config;
  await run.stack.setAllConfig({
    "scrapingpros:baseUrl": { value: emu.url },
    "scrapingpros:apiKey": { value: TEST_KEY, secret: true },
    "per-stage:sites": { value: JSON.stringify(c.sites) },
    "per-stage:pagesPerSite": { value: String(c.pagesPerSite) },
    "per-stage:browser": { value: String(c.browser) },
  });
  if (c.callbackUrl === undefined) await run.stack.removeConfig("per-stage:callbackUrl");
  else await run.stack.setConfig("per-stage:callbackUrl", { value: c.callbackUrl });
}

/** The stage's `up` after a failed one, as a user does it; returns the last error, if any. */
async function converge(run: StageRun, rec: StagesRecord): Promise<string | undefined> {
  let last: unknown;
  for (let i = 0; i < MAX_RERUNS; i++) {
    rec.reruns++;
    try {
      await run.stack.up();
      last = undefined;
      break;
    } catch (e) {
      last = e;
      if (/currently locked/.test(message(e))) {
        rec.cancels++;
        await run.stack.cancel();
      }
      // A CLI killed while it saved the checkpoint can leave the backend's sidecar empty (README, Limitations).
      if (EMPTY_SIDECAR.test(message(e))) rec.sidecarRepairs += removeEmptySidecars(run.stateDir).length;
    }
  }
  if (last !== undefined) return `${run.stage}: no successful up after ${MAX_RERUNS} reruns: ${short(last)}`;
  return undefined;
}

/** Collections and pending operations of a stack's state. */
async function stateOf(
  run: StageRun,
): Promise<{ collections: { urn: string; id: string }[]; pending: number }> {
  const d = (await run.stack.exportStack()).deployment as {
    resources?: { urn: string; type: string; id?: string }[];
    pending_operations?: unknown[];
  };
  return {
    collections: (d.resources ?? [])
      .filter((r) => r.type === COLLECTION_TYPE)
      .map((r) => ({ urn: r.urn, id: r.id ?? "" })),
    pending: d.pending_operations?.length ?? 0,
  };
}

/** Runs the stages campaign. */
export async function runStagesCampaign(options: StagesCampaignOptions): Promise<StagesCampaignResult> {
  const log = options.log ?? (() => undefined);
  const rng = new Rng((Math.imul(options.seed, 2654435761) ^ 0x5ca1ab1e) >>> 0);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sp-stages-"));
  const projectDir = path.join(dir, "per-stage");
  fs.mkdirSync(projectDir);
  for (const f of ["index.ts", "Pulumi.yaml", "package.json"]) {
    fs.copyFileSync(path.join(EXAMPLE, f), path.join(projectDir, f));
  }
  fs.writeFileSync(path.join(projectDir, "tsconfig.json"), `${JSON.stringify(TSCONFIG, null, 2)}\n`);
  linkRepoModules(projectDir);
  const binDir = pulumiBinDir();
  const env = pulumiEnv(binDir, dir);
  const backend = options.backend ?? "file";
  let server: PostgresServer | undefined;
  let serverLeftover = 0;
  const pulumiCommand = await PulumiCommand.get({ root: path.dirname(binDir), skipVersionCheck: true });
  const emu = new EmulatorProcess(path.join(dir, "emulator.jsonl"), TEST_KEY, [
    "--rate-limit",
    options.rateLimit ?? "1/1",
  ]);
  const runs: StageRun[] = [];
  const records: StagesRecord[] = [];
  const seen = new Set<string>();
  try {
    if (backend === "postgres") {
      server = await startPostgres({ log });
      // The URL has no password; the CLI gets it as PGPASSWORD, as the README advises.
      Object.assign(env, server.backendEnv(tableName(`stages_seed_${options.seed}`)));
    }
    await emu.start();
    for (const stage of STAGES) {
      const mark = `${stage}-${process.pid}-${Date.now()}`;
      marks.add(mark);
      const stack = await LocalWorkspace.createStack(
        { stackName: stage, workDir: projectDir },
        { pulumiCommand, envVars: { ...(env as Record<string, string>), [MARK_VAR]: mark } },
      );
      const run: StageRun = {
        stage,
        mark,
        stack,
        config: committedConfig(stage),
        stateDir: path.join(dir, "state"),
      };
      await configure(run, emu);
      runs.push(run);
    }
    for (let index = 0; index < options.deployments; index++) {
      const rec = await deployment(index, rng, runs, emu, options.faults ?? STAGE_FAULTS);
      await check(runs, emu, seen, rec);
      records.push(rec);
      log(describe(rec));
    }
  } finally {
    await emu.stop().catch(() => undefined);
    for (const run of runs) killAll(processesWithEnv(MARK_VAR, run.mark));
    for (const run of runs) marks.delete(run.mark);
    if (server) {
      await server.stop();
      const left = server.processes();
      serverLeftover = left.length;
      if (left.length > 0) log(`PostgreSQL server processes left running:\n${describeProcesses(left)}`);
      killAll(left);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const totals = campaignTotals(records, (r) => r.divergences.length > 0, stagesTable(records));
  return { records, backend, serverLeftover, ...totals, leftover: totals.leftover + serverLeftover };
}

/** One deployment: edits, the three concurrent `up`s under a fault, and the reruns. */
async function deployment(
  index: number,
  rng: Rng,
  runs: StageRun[],
  emu: EmulatorProcess,
  faults: readonly StageFault[],
): Promise<StagesRecord> {
  const started = Date.now();
  const rec: StagesRecord = {
    index,
    edits: {},
    fault: "none",
    faultStage: null,
    detail: "",
    triggered: false,
    reruns: 0,
    cancels: 0,
    refreshes: 0,
    sidecarRepairs: 0,
    duplicates: 0,
    divergences: [],
    leftover: 0,
    throttled: 0,
    ms: 0,
  };
  if (index > 0) {
    for (const run of runs) {
      if (!rng.chance(0.7)) continue;
      const edit = rng.pick<StageEdit>(["pages", "pages", "sites", "browser", "callback", "destroy"]);
      rec.edits[run.stage] = edit;
    }
  }
  // A kill aims at one stage's update (its collection's own PUT path): that stage gets an update edit.
  const killable = runs.filter((r) => r.collectionId !== undefined);
  const drawable = killable.length > 0 ? faults : faults.filter((f) => !f.startsWith("kill"));
  rec.fault = drawable.length > 0 ? rng.pick(drawable) : "none";
  let target: StageRun | undefined;
  if (rec.fault.startsWith("kill")) {
    target = rng.pick(killable);
    rec.faultStage = target.stage;
    rec.edits[target.stage] = "pages";
  }
  for (const run of runs) {
    const edit = rec.edits[run.stage];
    if (edit === undefined) continue;
    applyEdit(rng, run.stage, run.config, edit);
    if (edit === "destroy") await run.stack.destroy();
    await configure(run, emu);
  }

  await emu.clearFaults();
  await fetch(`${emu.url}/__emulator/requests`, { method: "DELETE" });
  const putPath = target ? `/v1/async/collections/${target.collectionId}` : "";
  let condition: () => Promise<boolean> = async () => false;
  let act: () => Promise<void> = async () => undefined;
  const killStage = async (): Promise<void> => {
    if (target) killAll(processesWithEnv(MARK_VAR, target.mark));
  };
  switch (rec.fault) {
    case "none":
      break;
    case "kill-held-update":
      await emu.addFault({ method: "PUT", path: putPath, action: "hold", times: 1 });
      condition = async () => (await emu.held()).length > 0;
      act = async () => {
        await killStage();
        await emu.release();
      };
      break;
    case "kill-after-update":
      condition = async () =>
        (await emu.requests()).some((r) => r.method === "PUT" && r.path === putPath && r.status !== null);
      act = killStage;
      break;
    case "drop-after-commit":
      await emu.addFault({ path: "/v1/async/collections/**", action: "drop-after-commit", times: 1 });
      rec.triggered = true;
      break;
    case "5xx-burst":
    case "429-burst": {
      const f: FaultSpec =
        rec.fault === "5xx-burst"
          ? { path: "/v1/**", action: "status", status: rng.pick([500, 502, 503]), times: rng.int(1, 6) }
          : { path: "/v1/**", action: "status", status: 429, retryAfter: "1", times: rng.int(1, 8) };
      await emu.addFault(f);
      rec.detail = `${f.times}x ${f.status}`;
      break;
    }
    case "emulator-restart": {
      const downMs = rng.int(200, 3000);
      rec.detail = `down ${downMs} ms`;
      condition = async () =>
        (await emu.requests()).some((r) => r.method !== "GET" && r.path.startsWith("/v1/async/collections"));
      act = async () => {
        await emu.kill();
        await sleep(downMs);
        await emu.start();
      };
      break;
    }
  }
  if (target) rec.detail = `${target.stage} ${putPath}`;

  let settled = false;
  const ups = Promise.allSettled(runs.map((run) => run.stack.up()));
  void ups.then(() => {
    settled = true;
  });
  if (
    rec.fault === "kill-held-update" ||
    rec.fault === "kill-after-update" ||
    rec.fault === "emulator-restart"
  ) {
    while (!settled) {
      let met = false;
      try {
        met = await condition();
      } catch {
        met = false;
      }
      if (met && !settled) {
        rec.triggered = true;
        await act();
        break;
      }
      await sleep(15);
    }
  }
  const results = await ups;
  const log = await emu.requests().catch(() => []);
  rec.throttled = log.filter((r) => r.status === 429 && r.fault === null).length;
  if (rec.fault === "5xx-burst" || rec.fault === "429-burst" || rec.fault === "drop-after-commit") {
    rec.triggered = log.some((r) => r.fault !== null);
  }
  await emu.clearFaults();
  await emu.release();

  for (const [i, result] of results.entries()) {
    const run = runs[i] as StageRun;
    if (result.status === "fulfilled") continue;
    const failure = await converge(run, rec);
    if (failure) rec.divergences.push(failure);
  }
  for (const run of runs) {
    if ((await stateOf(run)).pending > 0) {
      rec.refreshes++;
      await run.stack.refresh({ clearPendingCreates: true });
    }
  }
  rec.ms = Date.now() - started;
  return rec;
}

/** The invariants, from the emulator's store and the three states. */
async function check(
  runs: StageRun[],
  emu: EmulatorProcess,
  seen: Set<string>,
  rec: StagesRecord,
): Promise<void> {
  const diverge = (s: string) => rec.divergences.push(s);
  const stored = await emu.collections();
  const byId = new Map(stored.map((c) => [c.id, c]));
  const held = new Set<string>();
  for (const run of runs) {
    try {
      await run.stack.preview({ expectNoChanges: true });
    } catch (e) {
      diverge(`${run.stage}: next preview not clean: ${short(e)}`);
    }
    const state = await stateOf(run);
    if (state.pending > 0) diverge(`${run.stage}: ${state.pending} pending operations`);
    if (state.collections.length !== 1 || !state.collections[0]?.urn.endsWith("::catalog")) {
      diverge(`${run.stage}: the state holds ${state.collections.length} collections`);
      continue;
    }
    const id = state.collections[0].id;
    if (held.has(id)) diverge(`${run.stage}: collection ${id} is held by another stage too`);
    held.add(id);
    run.collectionId = id;
    const api = byId.get(id);
    if (!api) {
      diverge(`${run.stage}: collection ${id} is not in the account`);
      continue;
    }
    if (api.name !== `catalog-${run.stage}`) diverge(`${run.stage}: name ${api.name}`);
    const declared = declaredRequests(run.config);
    if (!isDeepStrictEqual(api.requests, declared)) {
      diverge(`${run.stage}: requests ${JSON.stringify(api.requests)}, declared ${JSON.stringify(declared)}`);
    }
    if ((api.callback_url ?? undefined) !== run.config.callbackUrl) {
      diverge(`${run.stage}: callback_url ${api.callback_url}, declared ${run.config.callbackUrl}`);
    }
  }
  for (const c of stored) {
    if (!held.has(c.id) && !seen.has(c.id)) {
      rec.duplicates++;
      diverge(`duplicate: collection ${c.id} (${c.name}) was never held by a stack`);
    }
  }
  for (const c of stored) seen.add(c.id);
  for (const run of runs) {
    const left = await leftoverProcesses(run.mark, MARK_VAR);
    rec.leftover += left.length;
    if (left.length > 0) diverge(`${run.stage}: processes left running:\n${describeProcesses(left)}`);
  }
}

function describe(r: StagesRecord): string {
  const edits =
    Object.entries(r.edits)
      .map(([s, e]) => `${s}:${e}`)
      .join(",") || "-";
  return (
    `#${r.index} ${edits} fault=${r.fault}${r.detail ? `(${r.detail})` : ""} triggered=${r.triggered} ` +
    `throttled=${r.throttled} reruns=${r.reruns} cancels=${r.cancels} refreshes=${r.refreshes} ` +
    `${r.sidecarRepairs > 0 ? `sidecar-repairs=${r.sidecarRepairs} ` : ""}` +
    `${(r.ms / 1000).toFixed(1)}s ${r.divergences.length === 0 ? "ok" : `DIVERGED: ${r.divergences.join(" ; ")}`}`
  );
}

/** The per-fault table of a stages campaign. */
export function stagesTable(records: StagesRecord[]): string {
  const head = [
    "fault",
    "deployments",
    "triggered",
    "throttled (429)",
    "reruns",
    "cancels",
    "refreshes",
    "duplicates",
    "divergences",
    "leftover",
  ];
  const rows: string[][] = [];
  for (const kind of [...STAGE_FAULTS, "all" as const]) {
    const rs = kind === "all" ? records : records.filter((r) => r.fault === kind);
    if (rs.length === 0) continue;
    const sum = (f: (r: StagesRecord) => number) => String(rs.reduce((a, r) => a + f(r), 0));
    rows.push([
      kind,
      String(rs.length),
      sum((r) => (r.triggered ? 1 : 0)),
      sum((r) => r.throttled),
      sum((r) => r.reruns),
      sum((r) => r.cancels),
      sum((r) => r.refreshes),
      sum((r) => r.duplicates),
      sum((r) => (r.divergences.length > 0 ? 1 : 0)),
      sum((r) => r.leftover),
    ]);
  }
  return markdownTable(head, rows);
}
