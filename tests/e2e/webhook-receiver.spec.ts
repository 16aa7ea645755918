import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import type { RunningEmulator, WebhookAttempt } from "../../emulator";
import { signWebhook } from "../../emulator/webhooks";
import { type RunningReceiver, startReceiver } from "../../examples/webhook-receiver/receiver";
import { keyForms, pulumiBinDir } from "../helpers/e2e";
import { startTestEmulator, TEST_KEY } from "../helpers/emulator";
import { type CliResult, linkRepoModules, pulumiEnv, spawnPulumi, succeeded } from "../helpers/pulumi";

const REPO = path.resolve(__dirname, "..", "..");
const SECRET = "whsec-e2e-receiver-31c7";

async function waitFor(
  what: string,
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("e2e: examples/webhook-receiver (CollectionRun → emulator webhook → verifying receiver)", () => {
  let emu: RunningEmulator;
  let receiver: RunningReceiver;
  let dir: string;

  before(async () => {
    emu = await startTestEmulator({ webhookSecret: SECRET, jobDurationMs: 200 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sp-receiver-"));
    receiver = await startReceiver({ secret: SECRET, storePath: path.join(dir, "received.jsonl") });
  });
  after(async () => {
    await receiver?.close();
    emu?.release();
    await emu?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("the run completes, the receiver accepts exactly one delivery, and rejects tampered, wrong-secret, old and unsigned ones", async () => {
    const projectDir = path.join(dir, "project");
    fs.cpSync(path.join(REPO, "examples", "webhook-receiver"), projectDir, {
      recursive: true,
      filter: (src) => !["node_modules", "received.jsonl"].includes(path.basename(src)),
    });
    linkRepoModules(projectDir);
    const env = pulumiEnv(pulumiBinDir(), dir);
    const transcript: string[] = [];
    const ok = async (args: string[]): Promise<CliResult> =>
      succeeded(args, await spawnPulumi(args, projectDir, env, transcript).result);
    await ok(["stack", "init", "dev"]);
    await ok(["config", "set", "scrapingpros:baseUrl", emu.url]);
    await ok(["config", "set", "--secret", "scrapingpros:apiKey", TEST_KEY]);
    await ok(["config", "set", "receiverUrl", receiver.url]);
    await ok(["up", "--yes", "--skip-preview"]);
    const out = JSON.parse((await ok(["stack", "output", "--json"])).stdout) as Record<string, unknown>;
    assert.equal(out.status, "completed");
    assert.equal(out.successRequests, 2);
    assert.equal(out.callbackUrl, receiver.url);

    await waitFor("the delivery", () => receiver.received.length === 1);
    const event = receiver.received[0]!;
    assert.equal(event.run_id, out.runId);
    assert.equal(event.collection_id, out.collectionId);
    assert.equal(event.success_requests, 2);
    const attempts = (await (await fetch(`${emu.url}/__emulator/webhooks`)).json()) as WebhookAttempt[];
    assert.deepEqual(
      attempts.map((a) => [a.run_id, a.status, a.error]),
      [[out.runId, 200, null]],
    );
    const stored = fs.readFileSync(path.join(dir, "received.jsonl"), "utf8").trim().split("\n");
    assert.equal(stored.length, 1);
    assert.equal(JSON.parse(stored[0]!).run_id, out.runId);

    // Requests that are not valid deliveries get no 2xx and store nothing.
    const body = JSON.stringify({ ...event, run_id: "forged-run" });
    const now = String(Math.floor(emu.now() / 1000));
    const post = async (raw: string, headers: Record<string, string>) => {
      const res = await fetch(receiver.url, {
        method: "POST",
        body: raw,
        headers: { "content-type": "application/json", ...headers },
      });
      return { status: res.status, reason: ((await res.json()) as { reason: string }).reason };
    };
    const signed = (raw: string, ts = now, secret = SECRET) => ({
      "x-sp-timestamp": ts,
      "x-sp-signature": signWebhook(secret, ts, raw),
    });
    assert.deepEqual(await post(body.replace('"forged-run"', '"forged-run-2"'), signed(body)), {
      status: 401,
      reason: "bad_signature",
    });
    assert.deepEqual(await post(body, signed(body, now, "not-the-secret")), {
      status: 401,
      reason: "bad_signature",
    });
    const old = String(Math.floor(emu.now() / 1000) - 3600);
    assert.deepEqual(await post(body, signed(body, old)), { status: 401, reason: "stale_timestamp" });
    assert.deepEqual(await post(body, {}), { status: 401, reason: "missing_header" });
    // A repeat of the genuine run's event, validly signed: 200, but not stored twice.
    const repeat = JSON.stringify(event);
    assert.deepEqual(await post(repeat, signed(repeat)), { status: 200, reason: "duplicate" });
    // The same during a secret rotation: two X-SP-Signature lines (node:http joins them into "a, b"
    // in req.headers), the receiver's secret signing the second one.
    const rotated = await new Promise<{ status: number; reason: string }>((resolve, reject) => {
      const req = http.request(
        receiver.url,
        {
          method: "POST",
          agent: false,
          headers: {
            "content-type": "application/json",
            "x-sp-timestamp": now,
            "x-sp-signature": [signWebhook("previous-secret", now, repeat), signWebhook(SECRET, now, repeat)],
          },
        },
        (res) => {
          let text = "";
          res.on("data", (c) => {
            text += c;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, reason: JSON.parse(text).reason }));
        },
      );
      req.on("error", reject);
      req.end(repeat);
    });
    assert.deepEqual(rotated, { status: 200, reason: "duplicate" });
    assert.equal(receiver.received.length, 1);
    assert.equal(fs.readFileSync(path.join(dir, "received.jsonl"), "utf8").trim().split("\n").length, 1);
    assert.deepEqual(
      receiver.responses.filter((r) => r.reason === "accepted").map((r) => r.runId),
      [out.runId],
    );
    assert.deepEqual(keyForms(TEST_KEY, transcript.join("\n")), []);
    await ok(["destroy", "--yes", "--skip-preview"]);
  });

  it("the receiver refuses to start on an unset secret or a tolerance that is not a number, with a message, not a crash", async () => {
    const unset = "SP_WEBHOOK_SECRET_NEVER_SET_e2e";
    await assert.rejects(
      startReceiver({ secret: process.env[unset] }),
      (e: unknown) =>
        e instanceof Error &&
        e.name === "WebhookConfigurationError" &&
        /secret: is undefined/.test(e.message),
    );
    // The receiver's own command line, as its README runs it.
    const run = (env: Record<string, string>) => {
      const { WEBHOOK_SECRET: _s, WEBHOOK_TOLERANCE_SECONDS: _t, ...base } = process.env;
      return spawnSync(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", path.join("examples", "webhook-receiver", "receiver.ts")],
        {
          cwd: REPO,
          env: { ...base, PORT: "0", STORE: path.join(dir, "cli.jsonl"), ...env },
          encoding: "utf8",
          timeout: 60_000,
        },
      );
    };
    for (const [env, pattern] of [
      [{}, /secret: is undefined/],
      [{ WEBHOOK_SECRET: "" }, /secret: is empty/],
      [{ WEBHOOK_SECRET: "   " }, /secret: is only whitespace/],
      [
        { WEBHOOK_SECRET: SECRET, WEBHOOK_TOLERANCE_SECONDS: "5m" },
        /toleranceSeconds: must be a finite number of seconds, not NaN/,
      ],
      [
        { WEBHOOK_SECRET: SECRET, WEBHOOK_TOLERANCE_SECONDS: "-1" },
        /toleranceSeconds: must be greater than 0/,
      ],
    ] as [Record<string, string>, RegExp][]) {
      const r = run(env);
      assert.equal(r.status, 2, `${JSON.stringify(env)}: exit ${r.status}, stderr ${r.stderr}`);
      assert.match(r.stderr, pattern);
      assert.match(
        r.stderr,
        /^receiver not started \(WEBHOOK_SECRET, WEBHOOK_TOLERANCE_SECONDS\): invalid webhook verifier configuration: /,
      );
      assert.ok(!r.stderr.includes("TypeError") && !r.stderr.includes("    at "), r.stderr);
      assert.ok(!r.stderr.includes(SECRET));
      assert.equal(r.stdout, "", "it never listened");
    }
  });
});
