/**
 * `npm run bench`: every speed and memory target of the project, measured in one run and reported
 * as ratios (measured ÷ target, or ÷ the alternative), so the numbers compare across machines.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import type { CheckDiffResult } from "./check-diff";
import { benchEmulatorCreates } from "./emulator-creates";
import { benchEngineFloor, engineFloorCpuTable, engineFloorTable } from "./engine-floor";
import { benchListCalls, listCallsLines } from "./list-calls";
import { benchProviderSize } from "./provider-size";
import { benchRateLimitedUp, rateLimitedUpArgs } from "./rate-limited-up";

const TARGETS = {
  createsPerSecond: 2000,
  checkDiffMs: 200,
  checkDiffRssBytes: 300 * 1024 * 1024,
  providerBytes: 1024,
  /** `pulumi up` against a rate-limited API: at most this × (API calls ÷ rate). */
  rateLimitedUpOverFloor: 1.3,
};
const MB = 1024 * 1024;
const fmt = (n: number, digits = 2) => n.toFixed(digits);

// A plain CommonJS script shared with scripts/ensure-pulumi.js.
const { formatDuration } = require("../scripts/progress.js") as { formatDuration(ms: number): string };

const STAGES = 6;
const benchStarted = Date.now();
/** Says on stderr which measurement starts and how long the bench has run (the whole run takes ~35 min). */
function stage(n: number, text: string): void {
  process.stderr.write(
    `bench: [${n}/${STAGES}] ${text} (${formatDuration(Date.now() - benchStarted)} so far)\n`,
  );
}

async function main(): Promise<void> {
  const lines: string[] = [];
  stage(1, "emulator creates per second");
  const creates = await benchEmulatorCreates();
  lines.push(
    `emulator creates/s        ${fmt(creates.createsPerSecond, 0)} (${creates.total} creates, ${creates.concurrency} in flight, journal on)  ` +
      `= ${fmt(creates.createsPerSecond / TARGETS.createsPerSecond)}x the 2,000/s target`,
  );

  stage(2, "check+diff time and peak RSS, in a process of its own");
  // Its own process, so the peak RSS is that of check+diff alone.
  const out = execFileSync(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", path.join(__dirname, "check-diff.ts")],
    {
      encoding: "utf8",
    },
  );
  const cd = JSON.parse(out) as CheckDiffResult;
  lines.push(
    `check+diff, ${cd.requests} requests  first ${fmt(cd.firstMs, 1)} ms, median ${fmt(cd.medianMs, 1)} ms  ` +
      `= ${fmt(cd.firstMs / TARGETS.checkDiffMs)}x / ${fmt(cd.medianMs / TARGETS.checkDiffMs)}x the 200 ms target`,
  );
  lines.push(
    `check+diff peak RSS       ${fmt(cd.peakRssBytes / MB, 0)} MB (node alone ${fmt(cd.baselineRssBytes / MB, 0)} MB)  ` +
      `= ${fmt(cd.peakRssBytes / TARGETS.checkDiffRssBytes)}x the 300 MB target`,
  );

  stage(3, "the serialized provider's size");
  const size = await benchProviderSize();
  lines.push(
    `__provider per resource   ${size.ourBytes} bytes  = ${fmt(size.ourBytes / TARGETS.providerBytes)}x the 1 KB target, ` +
      `${fmt(size.ourBytes / size.dynamicResourceBytes, 3)}x what dynamic.Resource stores (${size.dynamicResourceBytes} bytes)`,
  );

  // `npm run bench -- --count 100` for a quicker run; 500 collections at 25 requests/s by default.
  stage(4, "`pulumi up` against a rate-limited emulator, three ways (minutes)");
  const rl = await benchRateLimitedUp(rateLimitedUpArgs(process.argv.slice(2)));
  const s = (ms: number) => `${fmt(ms / 1000, 1)} s`;
  const floor = rl.floorMs;
  lines.push(
    `up ${rl.count} @ ${rl.rate} req/s      ${s(rl.limited.upMs)}, ${rl.limited.errors} errors, ${rl.limited.refusedCalls} calls refused; ` +
      `floor ${s(floor)} (${rl.limited.acceptedCalls} calls ÷ ${rl.rate}/s)  = ${fmt(rl.limited.upMs / floor)}x the floor ` +
      `(target ${TARGETS.rateLimitedUpOverFloor}x); ${fmt(rl.limited.upMs / rl.unlimited.upMs)}x the same up unlimited (${s(rl.unlimited.upMs)})`,
  );
  lines.push(
    `  with PULUMI_SKIP_CHECKPOINTS  ${s(rl.limitedSkipCheckpoints.upMs)}, ${rl.limitedSkipCheckpoints.errors} errors, ` +
      `${rl.limitedSkipCheckpoints.refusedCalls} calls refused  = ${fmt(rl.limitedSkipCheckpoints.upMs / floor)}x the floor; ` +
      `first to last API call ${s(rl.limitedSkipCheckpoints.apiMs)} = ${fmt(rl.limitedSkipCheckpoints.apiMs / floor)}x`,
  );
  const collections = [rl.limited, rl.unlimited, rl.limitedSkipCheckpoints].map((m) => m.collections);
  if (collections.some((n) => n !== rl.count))
    lines.push(`  WRONG: collections created ${collections.join(", ")}`);
  // Calls below one per resource: the first `up` and a refresh of 1,000 auto-named collections, and
  // the refresh against the emulator limited to 5 requests/s.
  stage(5, "first up and refresh of 1,000 auto-named collections, counting the calls (about 3 min)");
  lines.push(...listCallsLines(await benchListCalls(1000, 5)));
  // `pulumi up` of N collections against N no-op dynamic resources (the engine's floor), for create,
  // no-change preview, update and refresh, with the dynamic provider (TypeScript) and the native
  // plugin (Pulumi YAML) in the same run.
  stage(
    6,
    "1,000 collections against the engine floor, dynamic and native: create, preview, update, refresh (about 25 min)",
  );
  const engine = [await benchEngineFloor(1000)];
  lines.push(engineFloorTable(engine), "", engineFloorCpuTable(engine));
  process.stdout.write(`${lines.join("\n")}\n`);
  process.stderr.write(`bench: done in ${formatDuration(Date.now() - benchStarted)}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
