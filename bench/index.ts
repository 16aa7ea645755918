/**
 * `npm run bench`: every speed and memory target of the project, measured in one run and reported
 * as ratios (measured ÷ target, or ÷ the alternative), so the numbers compare across machines.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import type { CheckDiffResult } from "./check-diff";
import { benchEmulatorCreates } from "./emulator-creates";
import { benchProviderSize } from "./provider-size";

const TARGETS = {
  createsPerSecond: 2000,
  checkDiffMs: 200,
  checkDiffRssBytes: 300 * 1024 * 1024,
  providerBytes: 1024,
};
const MB = 1024 * 1024;
const fmt = (n: number, digits = 2) => n.toFixed(digits);

async function main(): Promise<void> {
  const lines: string[] = [];
  const creates = await benchEmulatorCreates();
  lines.push(
    `emulator creates/s        ${fmt(creates.createsPerSecond, 0)} (${creates.total} creates, ${creates.concurrency} in flight, journal on)  ` +
      `= ${fmt(creates.createsPerSecond / TARGETS.createsPerSecond)}x the 2,000/s target`,
  );

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

  const size = await benchProviderSize();
  lines.push(
    `__provider per resource   ${size.ourBytes} bytes  = ${fmt(size.ourBytes / TARGETS.providerBytes)}x the 1 KB target, ` +
      `${fmt(size.ourBytes / size.dynamicResourceBytes, 3)}x what dynamic.Resource stores (${size.dynamicResourceBytes} bytes)`,
  );
  process.stdout.write(`${lines.join("\n")}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
