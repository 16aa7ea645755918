import * as assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { signWebhook } from "../../../emulator/webhooks";
import {
  EMULATOR_WEBHOOK_SCHEME,
  signWebhookPayload,
  verifyWebhook,
  WebhookVerificationError,
  type WebhookVerificationReason,
} from "../../../sdk/webhooks";

const SECRET = "whsec-unit-1";
const NOW_MS = 1_777_853_217_000;
const TS = String(NOW_MS / 1000);
const BODY = JSON.stringify({
  event: "run.completed",
  run_id: "r-1",
  collection_id: "c-1",
  status: "completed",
  total_requests: 2,
  success_requests: 1,
  failed_requests: 1,
  timeout_requests: 0,
  job_ids: ["j-1", "j-2"],
  results_url: "http://127.0.0.1:1/v1/async/collections/c-1/runs/r-1",
  timestamp: "2026-04-06T20:30:00Z",
  extra_field: { kept: true },
});

function headers(signature: string, timestamp = TS): Record<string, string> {
  return { "X-SP-Signature": signature, "x-sp-timestamp": timestamp };
}

function rejects(fn: () => unknown, reason: WebhookVerificationReason): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof WebhookVerificationError, `not a WebhookVerificationError: ${String(e)}`);
    assert.equal(e.reason, reason);
    assert.ok(!e.message.includes(SECRET));
    return true;
  });
}

describe("verifyWebhook", () => {
  it("accepts the emulator's own signature (default scheme) and keeps unknown fields", () => {
    const sig = signWebhook(SECRET, TS, BODY);
    const event = verifyWebhook({
      rawBody: Buffer.from(BODY),
      headers: headers(sig),
      secret: SECRET,
      now: NOW_MS,
    });
    assert.equal(event.event, "run.completed");
    assert.equal(event.run_id, "r-1");
    assert.equal(event.failed_requests, 1);
    assert.deepEqual(event.job_ids, ["j-1", "j-2"]);
    assert.deepEqual((event as Record<string, unknown>).extra_field, { kept: true });
    // The same as a string body and as fetch Headers.
    const viaFetch = verifyWebhook({
      rawBody: BODY,
      headers: new Headers(headers(sig)),
      secret: SECRET,
      now: NOW_MS,
    });
    assert.equal(viaFetch.run_id, "r-1");
  });

  it("signWebhookPayload with the default scheme equals the emulator's signWebhook", () => {
    assert.equal(signWebhookPayload(SECRET, TS, BODY), signWebhook(SECRET, TS, BODY));
    assert.equal(EMULATOR_WEBHOOK_SCHEME.prefix, "sha256=");
  });

  it("rejects a body changed by one byte, a wrong secret, and a re-serialised body", () => {
    const sig = signWebhook(SECRET, TS, BODY);
    rejects(
      () =>
        verifyWebhook({
          rawBody: BODY.replace('"failed_requests":1', '"failed_requests":0'),
          headers: headers(sig),
          secret: SECRET,
          now: NOW_MS,
        }),
      "bad_signature",
    );
    rejects(
      () => verifyWebhook({ rawBody: BODY, headers: headers(sig), secret: "other", now: NOW_MS }),
      "bad_signature",
    );
    const reserialised = JSON.stringify(JSON.parse(BODY), null, 1);
    rejects(
      () => verifyWebhook({ rawBody: reserialised, headers: headers(sig), secret: SECRET, now: NOW_MS }),
      "bad_signature",
    );
    // The timestamp is part of the message: changing it without re-signing fails the signature.
    rejects(
      () =>
        verifyWebhook({
          rawBody: BODY,
          headers: headers(sig, String(NOW_MS / 1000 + 1)),
          secret: SECRET,
          now: NOW_MS,
        }),
      "bad_signature",
    );
  });

  it("rejects missing headers, a malformed timestamp and a missing prefix", () => {
    const sig = signWebhook(SECRET, TS, BODY);
    rejects(
      () => verifyWebhook({ rawBody: BODY, headers: {}, secret: SECRET, now: NOW_MS }),
      "missing_header",
    );
    rejects(
      () => verifyWebhook({ rawBody: BODY, headers: { "x-sp-signature": sig }, secret: SECRET, now: NOW_MS }),
      "missing_header",
    );
    rejects(
      () => verifyWebhook({ rawBody: BODY, headers: headers(""), secret: SECRET, now: NOW_MS }),
      "missing_header",
    );
    rejects(
      () => verifyWebhook({ rawBody: BODY, headers: headers(sig, "yesterday"), secret: SECRET, now: NOW_MS }),
      "malformed_timestamp",
    );
    rejects(
      () =>
        verifyWebhook({
          rawBody: BODY,
          headers: headers(sig.slice("sha256=".length)),
          secret: SECRET,
          now: NOW_MS,
        }),
      "bad_signature",
    );
  });

  it("rejects a timestamp beyond the tolerance, either way, and honours toleranceSeconds", () => {
    const old = String(NOW_MS / 1000 - 301);
    const sigOld = signWebhook(SECRET, old, BODY);
    rejects(
      () => verifyWebhook({ rawBody: BODY, headers: headers(sigOld, old), secret: SECRET, now: NOW_MS }),
      "stale_timestamp",
    );
    const future = String(NOW_MS / 1000 + 301);
    const sigFuture = signWebhook(SECRET, future, BODY);
    rejects(
      () =>
        verifyWebhook({ rawBody: BODY, headers: headers(sigFuture, future), secret: SECRET, now: NOW_MS }),
      "stale_timestamp",
    );
    const edge = String(NOW_MS / 1000 - 300);
    verifyWebhook({
      rawBody: BODY,
      headers: headers(signWebhook(SECRET, edge, BODY), edge),
      secret: SECRET,
      now: NOW_MS,
    });
    verifyWebhook({
      rawBody: BODY,
      headers: headers(sigOld, old),
      secret: SECRET,
      now: NOW_MS,
      toleranceSeconds: 600,
    });
    verifyWebhook({
      rawBody: BODY,
      headers: headers(sigOld, old),
      secret: SECRET,
      now: NOW_MS,
      toleranceSeconds: Infinity,
    });
  });

  it("rejects a correctly signed body that is not JSON or not a run.completed event", () => {
    for (const body of ["not json", JSON.stringify({ event: "run.started", run_id: "r" }), "{}"]) {
      rejects(
        () =>
          verifyWebhook({
            rawBody: body,
            headers: headers(signWebhook(SECRET, TS, body)),
            secret: SECRET,
            now: NOW_MS,
          }),
        "malformed_body",
      );
    }
  });

  it("supports other schemes: body only, base64, no prefix, milliseconds, custom headers", () => {
    const digest = createHmac("sha256", SECRET).update(BODY).digest("base64");
    const event = verifyWebhook({
      rawBody: BODY,
      headers: { "x-sig": digest, "x-ts": String(NOW_MS) },
      secret: SECRET,
      now: NOW_MS,
      scheme: {
        message: "body",
        encoding: "base64",
        prefix: "",
        timestampUnit: "milliseconds",
        signatureHeader: "X-Sig",
        timestampHeader: "X-Ts",
      },
    });
    assert.equal(event.run_id, "r-1");
    // Body-only without a timestamp header: allowed only when the staleness check is off.
    const scheme = { message: "body", encoding: "base64", prefix: "" } as const;
    verifyWebhook({
      rawBody: BODY,
      headers: { "x-sp-signature": digest },
      secret: SECRET,
      scheme,
      toleranceSeconds: Infinity,
    });
    rejects(
      () => verifyWebhook({ rawBody: BODY, headers: { "x-sp-signature": digest }, secret: SECRET, scheme }),
      "missing_header",
    );
    // Newline separator and upper-case hex.
    const nl = createHmac("sha256", SECRET).update(`${TS}\n${BODY}`).digest("hex").toUpperCase();
    verifyWebhook({
      rawBody: BODY,
      headers: headers(`v1=${nl}`),
      secret: SECRET,
      now: NOW_MS,
      scheme: { separator: "\n", prefix: "v1=" },
    });
  });

  it("accepts any of several secrets (rotation) and any of several signature values", () => {
    const sig = signWebhook(SECRET, TS, BODY);
    verifyWebhook({ rawBody: BODY, headers: headers(sig), secret: ["old-secret", SECRET], now: NOW_MS });
    verifyWebhook({
      rawBody: BODY,
      headers: { "x-sp-signature": ["sha256=00", sig], "x-sp-timestamp": TS },
      secret: SECRET,
      now: NOW_MS,
    });
    assert.throws(
      () => verifyWebhook({ rawBody: BODY, headers: headers(sig), secret: "", now: NOW_MS }),
      RangeError,
    );
  });

  it("recognises errors by brand, also from another copy of the class", () => {
    const foreign = new Error("x");
    Object.defineProperty(foreign, Symbol.for("pulumi-scrapingpros.WebhookVerificationError"), {
      value: true,
    });
    assert.ok(foreign instanceof WebhookVerificationError);
    assert.ok(!(new Error("y") instanceof WebhookVerificationError));
    const own = new WebhookVerificationError("bad_signature", "m");
    assert.ok(own instanceof WebhookVerificationError);
    assert.ok(own instanceof Error);
    assert.equal(own.name, "WebhookVerificationError");
  });
});
