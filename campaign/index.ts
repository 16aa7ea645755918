/**
 * `npm run campaign -- --deployments N --seed S [--workers W]`: the fault campaign.
 * `npm run campaign -- --stages --deployments N --seed S [--rate-limit R/S] [--faults F,F] [--backend file|postgres]`:
 * the per-stage example's three stacks deployed concurrently (Automation API) against one rate-limited
 * emulator account, their state in a folder (default) or in a throwaway PostgreSQL server.
 * Prints a line per deployment, then the table per fault kind; exits 1 when any deployment left a
 * duplicate, a divergence or a process behind.
 */
import { parseArgs } from "node:util";
import { abortNow, runCampaign } from "./campaign";
import {
  abortStagesNow,
  runStagesCampaign,
  STAGE_BACKENDS,
  STAGE_FAULTS,
  type StageBackend,
  type StageFault,
} from "./stages";

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    abortNow();
    abortStagesNow();
    // A PostgreSQL server of the campaign stops when this process's end closes its watchdog's stdin.
    process.exit(130);
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      deployments: { type: "string", default: "20" },
      seed: { type: "string", default: "1" },
      workers: { type: "string", default: "1" },
      stages: { type: "boolean", default: false },
      "rate-limit": { type: "string", default: "1/1" },
      faults: { type: "string" },
      backend: { type: "string", default: "file" },
    },
    strict: true,
  });
  const deployments = Number(values.deployments);
  const seed = Number(values.seed);
  const workers = Number(values.workers);
  for (const [flag, n] of [
    ["--deployments", deployments],
    ["--seed", seed],
    ["--workers", workers],
  ] as const) {
    if (!Number.isSafeInteger(n) || n < (flag === "--seed" ? 0 : 1))
      throw new Error(`${flag} must be an integer`);
  }
  const faults = values.faults?.split(",").map((f) => f.trim());
  const unknown = faults?.filter((f) => !(STAGE_FAULTS as readonly string[]).includes(f)) ?? [];
  if (unknown.length > 0) {
    throw new Error(
      `--faults: unknown fault ${unknown.map((f) => JSON.stringify(f)).join(", ")}; the faults are ${STAGE_FAULTS.join(", ")}`,
    );
  }
  if (faults && !values.stages) throw new Error("--faults applies to --stages only");
  const backend = values.backend as StageBackend;
  if (!(STAGE_BACKENDS as readonly string[]).includes(backend)) {
    throw new Error(`--backend: ${JSON.stringify(backend)} is not one of ${STAGE_BACKENDS.join(", ")}`);
  }
  if (backend !== "file" && !values.stages) throw new Error("--backend applies to --stages only");
  const started = Date.now();
  if (values.stages) {
    const stages = await runStagesCampaign({
      deployments,
      seed,
      rateLimit: values["rate-limit"],
      ...(faults ? { faults: faults as StageFault[] } : {}),
      backend,
      log: (l) => process.stdout.write(`${l}\n`),
    });
    process.stdout.write(
      `\nstages campaign: ${deployments} deployments of dev, staging and prod at once, seed ${seed}, ` +
        `rate limit ${values["rate-limit"]}${faults ? `, faults ${faults.join(", ")}` : ""}, state in ${backend === "postgres" ? "PostgreSQL" : "a folder (file://)"}, ${((Date.now() - started) / 1000).toFixed(0)} s\n${stages.table}\n` +
        `duplicates ${stages.duplicates}, divergences ${stages.divergences}, processes left ${stages.leftover}, ` +
        `empty state sidecars removed ${stages.sidecarRepairs}\n`,
    );
    if (stages.duplicates + stages.divergences + stages.leftover > 0) process.exitCode = 1;
    return;
  }
  const result = await runCampaign({
    deployments,
    seed,
    workers,
    log: (l) => process.stdout.write(`${l}\n`),
  });
  process.stdout.write(
    `\ncampaign: ${deployments} deployments, seed ${seed}, ${workers} worker(s), ` +
      `${((Date.now() - started) / 1000).toFixed(0)} s\n${result.table}\n` +
      `duplicates ${result.duplicates}, divergences ${result.divergences}, processes left ${result.leftover}, ` +
      `empty state sidecars removed ${result.sidecarRepairs}\n`,
  );
  if (result.duplicates + result.divergences + result.leftover > 0) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
