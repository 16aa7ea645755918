import * as assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { RunningEmulator } from "../../../emulator";
import {
  createWebhookVerifier,
  signWebhookPayload,
  verifyWebhook,
  WebhookVerificationError,
  type WebhookVerificationReason,
} from "../../../sdk/webhooks";
import { closeTestClients, startTestEmulator, testClient } from "../../helpers/emulator";

// The verifier against the emulator's REAL deliveries: raw bytes and headers as they arrived on a
// loopback socket, not signatures this test made itself.

const WEBHOOK_SECRET = "whsec-integration-5b2e";

interface Captured {
  rawBody: Buffer;
  headers: http.IncomingHttpHeaders;
}

async function startCapture(): Promise<{ url: string; got: Captured[]; close: () => Promise<void> }> {
  const got: Captured[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      got.push({ rawBody: Buffer.concat(chunks), headers: req.headers });
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    got,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function rejects(fn: () => unknown, reason: WebhookVerificationReason): void {
  assert.throws(fn, (e: unknown) => e instanceof WebhookVerificationError && e.reason === reason);
}

describe("verifyWebhook against the emulator's deliveries", () => {
  let emu: RunningEmulator;
  let capture: Awaited<ReturnType<typeof startCapture>>;
  let delivery: Captured;
  let runId: string;
  let collectionId: string;

  before(async () => {
    emu = await startTestEmulator({ webhookSecret: WEBHOOK_SECRET, jobDurationMs: 60_000 });
    capture = await startCapture();
    const { client } = testClient(emu);
    const created = await client.collections.create({
      name: "webhook-verify",
      requests: [{ url: "https://example.com/a" }, { url: "https://example.com/fail-b" }],
      callback_url: capture.url,
    });
    collectionId = created.data.id;
    const run = await client.runs.create(collectionId);
    runId = run.data.run_id;
    // Two jobs of 60 s (emulator time) each: nothing is sent until the clock moves.
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(capture.got.length, 0);
    emu.advanceClock(120_000);
    await until(() => capture.got.length === 1, "the delivery");
    delivery = capture.got[0]!;
  });

  after(async () => {
    await closeTestClients();
    await capture?.close();
    await emu?.stop();
  });

  it("verifies a real delivery and returns the typed event", () => {
    // The emulator's clock ran 120 s ahead of the real one when it signed.
    const event = verifyWebhook({
      rawBody: delivery.rawBody,
      headers: delivery.headers,
      secret: WEBHOOK_SECRET,
      now: emu.now(),
    });
    assert.equal(event.event, "run.completed");
    assert.equal(event.run_id, runId);
    assert.equal(event.collection_id, collectionId);
    assert.equal(event.status, "completed");
    assert.equal(event.total_requests, 2);
    assert.equal(event.success_requests, 1);
    assert.equal(event.failed_requests, 1);
    assert.equal(event.timeout_requests, 0);
    assert.equal(event.job_ids?.length, 2);
    assert.match(event.results_url ?? "", new RegExp(`/runs/${runId}$`));
    // Within the default 300 s tolerance of the real clock too.
    verifyWebhook({ rawBody: delivery.rawBody, headers: delivery.headers, secret: WEBHOOK_SECRET });
  });

  it("rejects the delivery tampered, with a wrong secret, replayed late, or unsigned", () => {
    const tampered = Buffer.from(
      delivery.rawBody.toString("utf8").replace('"failed_requests": 1', '"failed_requests": 0'),
    );
    assert.notDeepEqual(tampered, delivery.rawBody);
    rejects(
      () =>
        verifyWebhook({
          rawBody: tampered,
          headers: delivery.headers,
          secret: WEBHOOK_SECRET,
          now: emu.now(),
        }),
      "bad_signature",
    );
    rejects(
      () =>
        verifyWebhook({
          rawBody: delivery.rawBody,
          headers: delivery.headers,
          secret: "sp-test-KEY-9f1c2e7a",
          now: emu.now(),
        }),
      "bad_signature",
    );
    // The genuine delivery, replayed 10 minutes later.
    rejects(
      () =>
        verifyWebhook({
          rawBody: delivery.rawBody,
          headers: delivery.headers,
          secret: WEBHOOK_SECRET,
          now: emu.now() + 600_000,
        }),
      "stale_timestamp",
    );
    // An old timestamp, correctly signed with the secret (an attacker with an old capture cannot do
    // better): still stale.
    const oldTs = String(Math.floor(emu.now() / 1000) - 3600);
    const resigned = {
      ...delivery.headers,
      "x-sp-timestamp": oldTs,
      "x-sp-signature": signWebhookPayload(WEBHOOK_SECRET, oldTs, delivery.rawBody),
    };
    rejects(
      () =>
        verifyWebhook({
          rawBody: delivery.rawBody,
          headers: resigned,
          secret: WEBHOOK_SECRET,
          now: emu.now(),
        }),
      "stale_timestamp",
    );
    const { "x-sp-signature": _s, ...unsigned } = delivery.headers;
    rejects(
      () =>
        verifyWebhook({
          rawBody: delivery.rawBody,
          headers: unsigned,
          secret: WEBHOOK_SECRET,
          now: emu.now(),
        }),
      "missing_header",
    );
  });

  it("the delivered body is not compact JSON: a receiver verifying JSON.stringify(JSON.parse(body)) fails, one verifying the raw bytes passes", () => {
    const raw = delivery.rawBody.toString("utf8");
    const reserialised = JSON.stringify(JSON.parse(raw));
    assert.notEqual(raw, reserialised);
    // Python json.dumps defaults: ", " and ": " between items, keys in the documented order.
    assert.match(raw, /^\{"event": "run\.completed", "run_id": "[^"]+", "collection_id": /);
    assert.ok(!raw.includes('":"') && !raw.includes('","'), "no compact separators anywhere");
    assert.ok(/^[\x20-\x7e]*$/.test(raw), "ASCII only (non-ASCII would be \\u-escaped)");
    const verify = createWebhookVerifier({ secret: WEBHOOK_SECRET, clock: () => emu.now() });
    // The mistake the README warns about, in the three forms receivers make it.
    for (const rawBody of [
      reserialised,
      Buffer.from(reserialised),
      JSON.stringify(JSON.parse(raw), null, 2),
    ]) {
      rejects(() => verify({ rawBody, headers: delivery.headers }), "bad_signature");
    }
    // The raw bytes, as a Buffer or as the text they decode to, verify.
    for (const rawBody of [delivery.rawBody, raw, new Uint8Array(delivery.rawBody)]) {
      const got = verify({ rawBody, headers: delivery.headers });
      assert.equal(got.event.run_id, runId);
      assert.equal(got.freshness, "verified");
      assert.equal(got.signedAt, Number(delivery.headers["x-sp-timestamp"]) * 1000);
    }
  });

  it("the emulator recorded the delivery as sent", async () => {
    const { client } = testClient(emu);
    let status: string | null | undefined;
    const end = Date.now() + 5000;
    while (status !== "sent" && Date.now() < end) {
      status = (await client.runs.get(collectionId, runId)).data.callback_status;
      if (status !== "sent") await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(status, "sent");
    assert.equal(capture.got.length, 1);
  });
});
