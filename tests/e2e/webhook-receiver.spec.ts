import * as assert from "node:assert/strict";
import * as fs from "node:fs";
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
    assert.equal(receiver.received.length, 1);
    assert.equal(fs.readFileSync(path.join(dir, "received.jsonl"), "utf8").trim().split("\n").length, 1);
    assert.deepEqual(
      receiver.responses.filter((r) => r.reason === "accepted").map((r) => r.runId),
      [out.runId],
    );
    assert.deepEqual(keyForms(TEST_KEY, transcript.join("\n")), []);
    await ok(["destroy", "--yes", "--skip-preview"]);
  });
});
