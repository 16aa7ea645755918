#!/usr/bin/env node
/**
 * `npm run demo`: deploys the root Pulumi project (Pulumi.yaml + index.ts) against the embedded
 * emulator, with everything kept under the ignored `.demo/` folder:
 *   1. finds or builds the Pulumi CLI (scripts/ensure-pulumi.js)
 *   2. starts the emulator on 127.0.0.1 with its journal in .demo/emulator.jsonl
 *   3. `pulumi up` of the stack `dev` (local file backend in .demo/state)
 *   4. `pulumi preview --expect-no-changes`, to show the deployment is steady
 *   5. prints the stack outputs and how to look at them in the emulator, then stops it
 * Run it again: the second `up` changes nothing.
 *
 * The API key and base URL reach the provider as SCRAPINGPROS_API_KEY / SCRAPINGPROS_BASE_URL, so
 * the emulator's port may differ between runs without touching the stack's config or state.
 */
const { spawn, spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const { ensurePulumi } = require("./ensure-pulumi.js");
const { formatDuration } = require("./progress.js");
const { linkSelf } = require("./link-self.js");

const ROOT = path.resolve(__dirname, "..");
const DEMO = path.join(ROOT, ".demo");
const API_KEY = "demo-key";
const STACK = "dev";

/** Runs the CLI without blocking this process: the emulator answers from the same event loop. */
function pulumi(args, env) {
  process.stderr.write(`\n$ pulumi ${args.join(" ")}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn("pulumi", [...args, "--non-interactive"], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout.on("data", (d) => {
      stdout += d;
      process.stdout.write(d);
    });
    child.on("error", reject);
    child.on("close", (status) => {
      if (status !== 0) reject(new Error(`pulumi ${args[0]} failed with exit code ${status}`));
      else resolve({ status, stdout });
    });
  });
}

/** Says which step of the demo starts, and how long the whole demo has run so far. */
const demoStarted = Date.now();
function step(n, text) {
  process.stderr.write(`demo: [${n}/4] ${text} (${formatDuration(Date.now() - demoStarted)} so far)\n`);
}

async function main() {
  if (!fs.existsSync(path.join(ROOT, "dist", "emulator", "index.js"))) {
    step(1, "compiling the package (npm run build)");
    const built = spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
    if (built.status !== 0) throw new Error("npm run build failed");
  } else {
    step(1, "the package is compiled already (dist/, by npm ci or npm run build)");
  }
  linkSelf();
  step(2, "finding the Pulumi CLI (built from source the first time: minutes, with progress below)");
  const { binDir, version, source } = ensurePulumi({ quiet: true });
  process.stderr.write(`demo: using pulumi ${version} (${source === "path" ? "from PATH" : binDir})\n`);
  step(3, "starting the ScrapingPros emulator on 127.0.0.1");
  for (const dir of ["state", "home"]) fs.mkdirSync(path.join(DEMO, dir), { recursive: true });

  const { startEmulator } = require(path.join(ROOT, "dist", "emulator"));
  const emulator = await startEmulator({
    port: 0,
    dataPath: path.join(DEMO, "emulator.jsonl"),
    apiKey: API_KEY,
    quiet: true,
  });
  process.stderr.write(`emulator listening on ${emulator.url} (state in .demo/emulator.jsonl)\n`);
  const env = {
    ...process.env,
    PATH: `${binDir}${path.delimiter}${process.env.PATH}`,
    PULUMI_HOME: path.join(DEMO, "home"),
    PULUMI_BACKEND_URL: `file://${path.join(DEMO, "state")}`,
    // A local demo stack: its passphrase only guards the demo's own secrets.
    PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "demo",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    SCRAPINGPROS_API_KEY: API_KEY,
    SCRAPINGPROS_BASE_URL: emulator.url,
  };
  try {
    step(
      4,
      "deploying the stack `dev` with the real Pulumi CLI (up, then a preview that must change nothing)",
    );
    await pulumi(["stack", "select", STACK, "--create"], env);
    await pulumi(["up", "--yes", "--skip-preview"], env);
    await pulumi(["preview", "--expect-no-changes"], env);
    const outputs = (await pulumi(["stack", "output", "--json"], env)).stdout;
    const stored = emulator.collections().length;
    process.stdout.write(
      `\nDeployed. The emulator holds ${stored} collection(s); the stack's outputs are above.\n` +
        "To look at them in the emulator after this demo has stopped it:\n" +
        "  npm run emulator -- --port 8787 --data .demo/emulator.jsonl --api-key demo-key\n" +
        `  curl -s -H 'Authorization: Bearer ${API_KEY}' http://127.0.0.1:8787/v1/async/collections\n` +
        "  curl -s http://127.0.0.1:8787/__emulator/collections   # with their requests\n",
    );
    JSON.parse(outputs);
    process.stderr.write(`demo: done in ${formatDuration(Date.now() - demoStarted)}\n`);
  } finally {
    await emulator.stop();
  }
}

main().catch((e) => {
  console.error(`demo failed: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
