import * as assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { signWebhook } from "../../../emulator/webhooks";
import {
  createWebhookVerifier,
  EMULATOR_WEBHOOK_SCHEME,
  MAX_WEBHOOK_SIGNATURES,
  signWebhookPayload,
  type VerifyWebhookArgs,
  verifyWebhook,
  WebhookConfigurationError,
  type WebhookDelivery,
  type WebhookHeaders,
  type WebhookScheme,
  WebhookVerificationError,
  type WebhookVerificationReason,
  type WebhookVerifierOptions,
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
    // Intended change: Infinity used to turn the check off silently; now that takes
    // requireFreshness: false (tested under "freshness").
    assert.throws(
      () =>
        verifyWebhook({
          rawBody: BODY,
          headers: headers(sigOld, old),
          secret: SECRET,
          now: NOW_MS,
          toleranceSeconds: Infinity,
        }),
      WebhookConfigurationError,
    );
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
      requireFreshness: false,
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
    // Body-only: the (unsigned) timestamp header is not needed. Intended change: it used to be
    // required and checked, which suggested a replay protection it cannot give; the scheme now
    // needs requireFreshness: false (see "freshness").
    const scheme = { message: "body", encoding: "base64", prefix: "" } as const;
    verifyWebhook({
      rawBody: BODY,
      headers: { "x-sp-signature": digest },
      secret: SECRET,
      scheme,
      requireFreshness: false,
    });
    assert.throws(
      () => verifyWebhook({ rawBody: BODY, headers: { "x-sp-signature": digest }, secret: SECRET, scheme }),
      (e: unknown) => e instanceof WebhookConfigurationError && e.issues[0]?.path === "requireFreshness",
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
    // Intended change: a RangeError before, the documented configuration error now.
    assert.throws(
      () => verifyWebhook({ rawBody: BODY, headers: headers(sig), secret: "", now: NOW_MS }),
      (e: unknown) => e instanceof WebhookConfigurationError && e.reason === "invalid_configuration",
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

// ---------------------------------------------------------------------------------------------
// Configuration: every bad option is a WebhookConfigurationError naming its path, at configuration
// time with createWebhookVerifier, and as a 500-status WebhookVerificationError from verifyWebhook.

/** A name no environment defines, so `process.env[UNSET]` is what an unset WEBHOOK_SECRET gives. */
const UNSET = "SP_WEBHOOK_SECRET_NEVER_SET_7f3a";

interface BadConfig {
  name: string;
  options: Record<string, unknown>;
  path: string;
  reason: RegExp;
}

const SIG_OK = () => signWebhook(SECRET, TS, BODY);

const BAD_CONFIGS: BadConfig[] = [
  // The README's own snippet with the variable unset, and other secrets that cannot be one.
  {
    name: "secret: process.env.X! unset",
    options: { secret: process.env[UNSET] },
    path: "secret",
    reason: /is undefined.*environment variable/,
  },
  { name: "secret missing", options: {}, path: "secret", reason: /is undefined/ },
  { name: "secret null", options: { secret: null }, path: "secret", reason: /is null/ },
  { name: "secret empty", options: { secret: "" }, path: "secret", reason: /is empty/ },
  { name: "secret one space", options: { secret: " " }, path: "secret", reason: /only whitespace/ },
  {
    name: "secret tabs and newlines",
    options: { secret: "\t\n\r " },
    path: "secret",
    reason: /only whitespace/,
  },
  {
    name: "secret with a trailing newline (read from a file)",
    options: { secret: `${SECRET}\n` },
    path: "secret",
    reason: /whitespace.*trim/,
  },
  {
    name: "secret with a leading space",
    options: { secret: ` ${SECRET}` },
    path: "secret",
    reason: /whitespace/,
  },
  {
    name: "secret a number",
    options: { secret: 12345678 },
    path: "secret",
    reason: /string or a Buffer.*not a number/,
  },
  { name: "secret a boolean", options: { secret: true }, path: "secret", reason: /not a boolean/ },
  {
    name: "secret an object",
    options: { secret: { value: SECRET } },
    path: "secret",
    reason: /not an object/,
  },
  {
    name: "secret an ArrayBuffer",
    options: { secret: new ArrayBuffer(8) },
    path: "secret",
    reason: /not a ArrayBuffer/,
  },
  { name: "secret a function", options: { secret: () => SECRET }, path: "secret", reason: /not a function/ },
  { name: "secret a symbol", options: { secret: Symbol(SECRET) }, path: "secret", reason: /not a symbol/ },
  { name: "secret empty bytes", options: { secret: new Uint8Array(0) }, path: "secret", reason: /is empty/ },
  { name: "secret empty Buffer", options: { secret: Buffer.alloc(0) }, path: "secret", reason: /is empty/ },
  { name: "secret empty list", options: { secret: [] }, path: "secret", reason: /empty list/ },
  {
    name: "secret list with an unset variable",
    options: { secret: [SECRET, process.env[UNSET]] },
    path: "secret[1]",
    reason: /is undefined/,
  },
  {
    name: "secret list with an empty string",
    options: { secret: ["", SECRET] },
    path: "secret[0]",
    reason: /is empty/,
  },
  {
    name: "secret list with a number",
    options: { secret: [SECRET, 7] },
    path: "secret[1]",
    reason: /not a number/,
  },
  {
    name: "secret list of 17",
    options: { secret: Array.from({ length: 17 }, (_, i) => `s-${i}`) },
    path: "secret",
    reason: /at most 16/,
  },
  // toleranceSeconds: a string from the environment used to turn freshness off silently.
  {
    name: 'toleranceSeconds "300"',
    options: { secret: SECRET, toleranceSeconds: "300" },
    path: "toleranceSeconds",
    reason: /not a string.*Number\(/,
  },
  {
    name: 'toleranceSeconds ""',
    options: { secret: SECRET, toleranceSeconds: "" },
    path: "toleranceSeconds",
    reason: /not a string/,
  },
  {
    name: "toleranceSeconds NaN (Number of a bad variable)",
    options: { secret: SECRET, toleranceSeconds: Number("5m") },
    path: "toleranceSeconds",
    reason: /finite.*not NaN/,
  },
  {
    name: "toleranceSeconds Infinity",
    options: { secret: SECRET, toleranceSeconds: Infinity },
    path: "toleranceSeconds",
    reason: /not Infinity.*requireFreshness: false/,
  },
  {
    name: "toleranceSeconds -Infinity",
    options: { secret: SECRET, toleranceSeconds: -Infinity },
    path: "toleranceSeconds",
    reason: /not -Infinity/,
  },
  {
    name: 'toleranceSeconds Number("1e309") (Infinity)',
    options: { secret: SECRET, toleranceSeconds: Number("1e309") },
    path: "toleranceSeconds",
    reason: /not Infinity/,
  },
  {
    name: "toleranceSeconds -1",
    options: { secret: SECRET, toleranceSeconds: -1 },
    path: "toleranceSeconds",
    reason: /greater than 0/,
  },
  {
    name: "toleranceSeconds -300",
    options: { secret: SECRET, toleranceSeconds: -300 },
    path: "toleranceSeconds",
    reason: /greater than 0/,
  },
  {
    name: "toleranceSeconds 0",
    options: { secret: SECRET, toleranceSeconds: 0 },
    path: "toleranceSeconds",
    reason: /greater than 0/,
  },
  {
    name: "toleranceSeconds -0",
    options: { secret: SECRET, toleranceSeconds: -0 },
    path: "toleranceSeconds",
    reason: /greater than 0/,
  },
  {
    name: "toleranceSeconds one year",
    options: { secret: SECRET, toleranceSeconds: 365 * 86_400 },
    path: "toleranceSeconds",
    reason: /at most 86400/,
  },
  {
    name: "toleranceSeconds null",
    options: { secret: SECRET, toleranceSeconds: null },
    path: "toleranceSeconds",
    reason: /not null/,
  },
  {
    name: "toleranceSeconds true",
    options: { secret: SECRET, toleranceSeconds: true },
    path: "toleranceSeconds",
    reason: /not a boolean/,
  },
  {
    name: "toleranceSeconds a bigint",
    options: { secret: SECRET, toleranceSeconds: 300n },
    path: "toleranceSeconds",
    reason: /not a bigint/,
  },
  // requireFreshness and the body-only scheme.
  {
    name: 'requireFreshness "false"',
    options: { secret: SECRET, requireFreshness: "false" },
    path: "requireFreshness",
    reason: /true or false, not a string/,
  },
  {
    name: "requireFreshness 0",
    options: { secret: SECRET, requireFreshness: 0 },
    path: "requireFreshness",
    reason: /not a number/,
  },
  {
    name: "body-only scheme, freshness not waived",
    options: { secret: SECRET, scheme: { message: "body" } },
    path: "requireFreshness",
    reason: /signs no timestamp.*replayed.*requireFreshness: false/,
  },
  {
    name: "body-only scheme, requireFreshness: true",
    options: { secret: SECRET, requireFreshness: true, scheme: { message: "body" } },
    path: "requireFreshness",
    reason: /signs no timestamp/,
  },
  {
    name: "body-only scheme with a tolerance",
    options: { secret: SECRET, toleranceSeconds: 300, scheme: { message: "body" } },
    path: "requireFreshness",
    reason: /signs no timestamp/,
  },
  {
    name: "requireFreshness false with a tolerance",
    options: { secret: SECRET, requireFreshness: false, toleranceSeconds: 300 },
    path: "toleranceSeconds",
    reason: /not used with requireFreshness: false/,
  },
  // scheme values.
  {
    name: 'scheme.message "bogus"',
    options: { secret: SECRET, scheme: { message: "bogus" } },
    path: "scheme.message",
    reason: /must be "body" or "timestamp\+body"/,
  },
  {
    name: 'scheme.message "Body"',
    options: { secret: SECRET, scheme: { message: "Body" } },
    path: "scheme.message",
    reason: /did you mean "body"/,
  },
  {
    name: 'scheme.message "timestamp.body"',
    options: { secret: SECRET, scheme: { message: "timestamp.body" } },
    path: "scheme.message",
    reason: /did you mean "timestamp\+body"/,
  },
  {
    name: 'scheme.message ""',
    options: { secret: SECRET, scheme: { message: "" } },
    path: "scheme.message",
    reason: /must be "body"/,
  },
  {
    name: "scheme.message null",
    options: { secret: SECRET, scheme: { message: null } },
    path: "scheme.message",
    reason: /not null/,
  },
  {
    name: 'scheme.encoding "base64url"',
    options: { secret: SECRET, scheme: { encoding: "base64url" } },
    path: "scheme.encoding",
    reason: /must be "hex" or "base64"/,
  },
  {
    name: 'scheme.encoding "HEX"',
    options: { secret: SECRET, scheme: { encoding: "HEX" } },
    path: "scheme.encoding",
    reason: /did you mean "hex"/,
  },
  {
    name: 'scheme.encoding "binary"',
    options: { secret: SECRET, scheme: { encoding: "binary" } },
    path: "scheme.encoding",
    reason: /must be "hex" or "base64"/,
  },
  {
    name: 'scheme.encoding "latin1"',
    options: { secret: SECRET, scheme: { encoding: "latin1" } },
    path: "scheme.encoding",
    reason: /must be "hex" or "base64"/,
  },
  {
    name: "scheme.encoding 16",
    options: { secret: SECRET, scheme: { encoding: 16 } },
    path: "scheme.encoding",
    reason: /not a number/,
  },
  {
    name: 'scheme.prefix with a space ("sha256= ")',
    options: { secret: SECRET, scheme: { prefix: "sha256= " } },
    path: "scheme.prefix",
    reason: /without spaces or commas/,
  },
  {
    name: 'scheme.prefix with a comma ("t=1,v1=")',
    options: { secret: SECRET, scheme: { prefix: "t=1,v1=" } },
    path: "scheme.prefix",
    reason: /commas separate/,
  },
  {
    name: "scheme.prefix non-ASCII",
    options: { secret: SECRET, scheme: { prefix: "sha256\u2212" } },
    path: "scheme.prefix",
    reason: /visible ASCII/,
  },
  {
    name: "scheme.prefix with CR LF",
    options: { secret: SECRET, scheme: { prefix: "v1=\r\n" } },
    path: "scheme.prefix",
    reason: /visible ASCII/,
  },
  {
    name: "scheme.prefix 33 characters",
    options: { secret: SECRET, scheme: { prefix: "p".repeat(33) } },
    path: "scheme.prefix",
    reason: /at most 32/,
  },
  {
    name: "scheme.prefix a number",
    options: { secret: SECRET, scheme: { prefix: 1 } },
    path: "scheme.prefix",
    reason: /not a number/,
  },
  {
    name: 'scheme.separator "1"',
    options: { secret: SECRET, scheme: { separator: "1" } },
    path: "scheme.separator",
    reason: /digits/,
  },
  {
    name: "scheme.separator 9 characters",
    options: { secret: SECRET, scheme: { separator: "---------" } },
    path: "scheme.separator",
    reason: /at most 8/,
  },
  {
    name: "scheme.separator 0",
    options: { secret: SECRET, scheme: { separator: 0 } },
    path: "scheme.separator",
    reason: /not a number/,
  },
  {
    name: 'scheme.timestampUnit "ms"',
    options: { secret: SECRET, scheme: { timestampUnit: "ms" } },
    path: "scheme.timestampUnit",
    reason: /"seconds" or "milliseconds" or "iso8601"/,
  },
  {
    name: 'scheme.timestampUnit "Seconds"',
    options: { secret: SECRET, scheme: { timestampUnit: "Seconds" } },
    path: "scheme.timestampUnit",
    reason: /did you mean "seconds"/,
  },
  {
    name: 'scheme.timestampUnit "unix"',
    options: { secret: SECRET, scheme: { timestampUnit: "unix" } },
    path: "scheme.timestampUnit",
    reason: /must be "seconds"/,
  },
  {
    name: "scheme.signatureHeader with a space",
    options: { secret: SECRET, scheme: { signatureHeader: "x sp signature" } },
    path: "scheme.signatureHeader",
    reason: /header name/,
  },
  {
    name: "scheme.signatureHeader with a colon",
    options: { secret: SECRET, scheme: { signatureHeader: "X-SP-Signature:" } },
    path: "scheme.signatureHeader",
    reason: /header name/,
  },
  {
    name: "scheme.signatureHeader empty",
    options: { secret: SECRET, scheme: { signatureHeader: "" } },
    path: "scheme.signatureHeader",
    reason: /header name/,
  },
  {
    name: "scheme.signatureHeader non-ASCII",
    options: { secret: SECRET, scheme: { signatureHeader: "x-sp-signatür" } },
    path: "scheme.signatureHeader",
    reason: /header name/,
  },
  {
    name: "scheme.timestampHeader an array",
    options: { secret: SECRET, scheme: { timestampHeader: ["x-sp-timestamp"] } },
    path: "scheme.timestampHeader",
    reason: /not a list/,
  },
  {
    name: "scheme headers the same name",
    options: { secret: SECRET, scheme: { timestampHeader: "X-SP-SIGNATURE" } },
    path: "scheme.timestampHeader",
    reason: /must differ/,
  },
  // Unknown scheme fields and options.
  {
    name: "scheme.bogus",
    options: { secret: SECRET, scheme: { bogus: true } },
    path: "scheme.bogus",
    reason: /not a scheme field \(known: message/,
  },
  {
    name: "scheme.algorithm (sha1)",
    options: { secret: SECRET, scheme: { algorithm: "sha1" } },
    path: "scheme.algorithm",
    reason: /not a scheme field/,
  },
  {
    name: "scheme.timestampunit (case)",
    options: { secret: SECRET, scheme: { timestampunit: "seconds" } },
    path: "scheme.timestampunit",
    reason: /did you mean timestampUnit/,
  },
  {
    name: "scheme.header",
    options: { secret: SECRET, scheme: { header: "x-sig" } },
    path: "scheme.header",
    reason: /not a scheme field/,
  },
  {
    name: "scheme.encodng (typo)",
    options: { secret: SECRET, scheme: { encodng: "hex" } },
    path: "scheme.encodng",
    reason: /did you mean encoding/,
  },
  {
    name: "scheme null",
    options: { secret: SECRET, scheme: null },
    path: "scheme",
    reason: /must be an object, not null/,
  },
  {
    name: 'scheme "emulator"',
    options: { secret: SECRET, scheme: "emulator" },
    path: "scheme",
    reason: /must be an object, not a string/,
  },
  {
    name: "scheme a list",
    options: { secret: SECRET, scheme: [] },
    path: "scheme",
    reason: /must be an object, not a list/,
  },
  {
    name: "toleranceSecond (typo)",
    options: { secret: SECRET, toleranceSecond: 60 },
    path: "toleranceSecond",
    reason: /did you mean toleranceSeconds/,
  },
  {
    name: "tolerance",
    options: { secret: SECRET, tolerance: 60 },
    path: "tolerance",
    reason: /is not an option/,
  },
  {
    name: "Secret (case)",
    options: { Secret: SECRET, secret: SECRET },
    path: "Secret",
    reason: /did you mean secret/,
  },
  { name: "schema", options: { secret: SECRET, schema: {} }, path: "schema", reason: /did you mean scheme/ },
  {
    name: "requireFresh",
    options: { secret: SECRET, requireFresh: false },
    path: "requireFresh",
    reason: /is not an option/,
  },
];

function configError(fn: () => unknown): WebhookConfigurationError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(
    caught instanceof WebhookConfigurationError,
    `not a WebhookConfigurationError: ${String(caught)}`,
  );
  assert.ok(caught instanceof WebhookVerificationError);
  assert.equal(caught.reason, "invalid_configuration");
  assert.equal(caught.status, 500);
  assert.ok(!(caught instanceof TypeError) && !(caught instanceof RangeError));
  return caught;
}

describe("verifyWebhook: configuration", () => {
  it(`refuses ${BAD_CONFIGS.length} bad configurations with a WebhookConfigurationError naming the path, never the value`, () => {
    for (const bad of BAD_CONFIGS) {
      // At configuration time (createWebhookVerifier)...
      const atStart = configError(() =>
        createWebhookVerifier(bad.options as unknown as WebhookVerifierOptions),
      );
      const issue = atStart.issues.find((i) => i.path === bad.path);
      assert.ok(issue, `${bad.name}: no issue at ${bad.path}: ${atStart.message}`);
      assert.match(issue.message, bad.reason, bad.name);
      assert.ok(atStart.message.includes(`${bad.path}: `), bad.name);
      // ...and on each delivery with verifyWebhook: the same error, which a receiver catching
      // WebhookVerificationError answers with its status (500) instead of dying.
      const perCall = configError(() =>
        verifyWebhook({
          rawBody: BODY,
          headers: headers(SIG_OK()),
          now: NOW_MS,
          ...(bad.options as object),
        } as unknown as VerifyWebhookArgs),
      );
      assert.ok(
        perCall.issues.some((i) => i.path === bad.path && bad.reason.test(i.message)),
        bad.name,
      );
      for (const e of [atStart, perCall]) {
        assert.ok(!e.message.includes(SECRET), `${bad.name}: the message repeats the secret`);
        assert.ok(!e.message.includes("300n") && !e.message.includes('"300"'), bad.name);
      }
    }
  });

  it("lists every problem at once, in one message", () => {
    const e = configError(() =>
      createWebhookVerifier({
        secret: process.env[UNSET],
        toleranceSeconds: "300",
        scheme: { message: "bogus", encoding: "base32", extra: 1 },
      } as unknown as WebhookVerifierOptions),
    );
    assert.deepEqual(e.issues.map((i) => i.path).sort(), [
      "scheme.encoding",
      "scheme.extra",
      "scheme.message",
      "secret",
      "toleranceSeconds",
    ]);
    assert.match(e.message, /^invalid webhook verifier configuration: /);
  });

  it("refuses options that are not an object, and a clock that is not a function", () => {
    for (const options of [undefined, null, "secret", 42]) {
      const e = configError(() => createWebhookVerifier(options as unknown as WebhookVerifierOptions));
      assert.equal(e.issues[0]?.path, "options");
    }
    const e = configError(() =>
      createWebhookVerifier({ secret: SECRET, clock: 1 } as unknown as WebhookVerifierOptions),
    );
    assert.equal(e.issues[0]?.path, "clock");
    for (const now of [Number.NaN, Infinity, "1777853217000"]) {
      const n = configError(() =>
        verifyWebhook({
          rawBody: BODY,
          headers: headers(SIG_OK()),
          secret: SECRET,
          now,
        } as VerifyWebhookArgs),
      );
      assert.equal(n.issues[0]?.path, "now");
    }
    const badClock = createWebhookVerifier({ secret: SECRET, clock: () => Number.NaN });
    configError(() => badClock({ rawBody: BODY, headers: headers(SIG_OK()) }));
    configError(() => verifyWebhook(null as unknown as VerifyWebhookArgs));
  });

  it("refuses a delivery given in the wrong form (a parsed body, a request instead of its headers)", () => {
    const verify = createWebhookVerifier({ secret: SECRET, clock: () => NOW_MS });
    const cases: { delivery: unknown; path: string; reason: RegExp }[] = [
      {
        delivery: { rawBody: JSON.parse(BODY), headers: headers(SIG_OK()) },
        path: "rawBody",
        reason: /JSON body parser/,
      },
      {
        delivery: { rawBody: undefined, headers: headers(SIG_OK()) },
        path: "rawBody",
        reason: /is undefined/,
      },
      { delivery: { rawBody: null, headers: headers(SIG_OK()) }, path: "rawBody", reason: /is null/ },
      { delivery: { rawBody: 42, headers: headers(SIG_OK()) }, path: "rawBody", reason: /not a number/ },
      {
        delivery: { rawBody: new ArrayBuffer(2), headers: headers(SIG_OK()) },
        path: "rawBody",
        reason: /not a ArrayBuffer/,
      },
      { delivery: { rawBody: BODY, headers: undefined }, path: "headers", reason: /not undefined/ },
      { delivery: { rawBody: BODY, headers: "x-sp-signature: x" }, path: "headers", reason: /not a string/ },
      {
        delivery: {
          rawBody: BODY,
          headers: new Request("http://127.0.0.1/hook", { method: "POST", headers: headers(SIG_OK()) }),
        },
        path: "headers",
        reason: /request object: pass its headers/,
      },
      {
        delivery: { rawBody: BODY, headers: { method: "POST", headers: headers(SIG_OK()) } },
        path: "headers",
        reason: /request object/,
      },
      {
        delivery: { rawBody: BODY, headers: ["x-sp-signature", SIG_OK(), "x-sp-timestamp"] },
        path: "headers",
        reason: /alternate names and values/,
      },
      { delivery: { rawBody: BODY, headers: [1, 2] }, path: "headers", reason: /rawHeaders/ },
      {
        delivery: { rawBody: BODY, headers: { "x-sp-signature": SIG_OK(), "x-sp-timestamp": Number(TS) } },
        path: 'headers["x-sp-timestamp"]',
        reason: /not a number/,
      },
      {
        delivery: { rawBody: BODY, headers: headers(SIG_OK()), secret: SECRET },
        path: "secret",
        reason: /not a field of a delivery/,
      },
      { delivery: "body", path: "delivery", reason: /must be an object/ },
    ];
    for (const c of cases) {
      const e = configError(() => verify(c.delivery as WebhookDelivery));
      const issue = e.issues.find((i) => i.path === c.path);
      assert.ok(issue, `${c.path}: ${e.message}`);
      assert.match(issue.message, c.reason);
      assert.ok(!e.message.includes(SECRET));
    }
  });

  it("accepts every valid form: Buffer, Uint8Array view, string, secrets as bytes, a list of secrets", () => {
    const verify = createWebhookVerifier({ secret: Buffer.from(SECRET), clock: () => NOW_MS });
    const bytes = Buffer.from(`xx${BODY}yy`);
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset + 2, bytes.length - 4);
    for (const rawBody of [Buffer.from(BODY), view, BODY]) {
      assert.equal(verify({ rawBody, headers: headers(SIG_OK()) }).event.run_id, "r-1");
    }
    const secrets = [new TextEncoder().encode("old-secret"), SECRET];
    const rotated = createWebhookVerifier({ secret: secrets, clock: () => NOW_MS });
    assert.equal(rotated({ rawBody: BODY, headers: headers(SIG_OK()) }).freshness, "verified");
    // The verifier copied its secrets: changing the caller's Buffer later changes nothing.
    const mutable = Buffer.from(SECRET);
    const copied = createWebhookVerifier({ secret: mutable, clock: () => NOW_MS });
    mutable.fill(0);
    copied({ rawBody: BODY, headers: headers(SIG_OK()) });
    // Every documented boundary of toleranceSeconds.
    for (const toleranceSeconds of [0.001, 1, 300, 86_400]) {
      createWebhookVerifier({ secret: SECRET, toleranceSeconds });
    }
  });

  it("signWebhookPayload refuses the same bad secrets and schemes, and a timestamp of the wrong unit", () => {
    configError(() => signWebhookPayload(process.env[UNSET] as unknown as string, TS, BODY));
    configError(() => signWebhookPayload("", TS, BODY));
    configError(() => signWebhookPayload([SECRET] as unknown as string, TS, BODY));
    configError(() => signWebhookPayload(SECRET, TS, BODY, { message: "bogus" as "body" }));
    configError(() => signWebhookPayload(SECRET, String(NOW_MS), BODY));
    configError(() => signWebhookPayload(SECRET, TS, {} as unknown as string));
    // A body-only scheme ignores the timestamp.
    assert.equal(
      signWebhookPayload(SECRET, "ignored", BODY, { message: "body" }),
      `sha256=${createHmac("sha256", SECRET).update(BODY).digest("hex")}`,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Freshness: what an accepted delivery proves, per scheme, and nothing more.

const YEAR_S = 365 * 86_400;

function hmacOf(secret: string, message: string | Buffer, encoding: "hex" | "base64" = "hex"): string {
  return createHmac("sha256", secret).update(message).digest(encoding);
}

describe("verifyWebhook: freshness per scheme", () => {
  const clock = () => NOW_MS;

  it('"timestamp+body": freshness is verified, signedAt is the signed time; a re-stamped capture fails', () => {
    const verify = createWebhookVerifier({ secret: SECRET, clock });
    const ok = verify({ rawBody: BODY, headers: headers(SIG_OK()) });
    assert.equal(ok.freshness, "verified");
    assert.equal(ok.signedAt, NOW_MS);
    // A year-old capture: stale as it is, and a fresh X-SP-Timestamp breaks its signature.
    const oldTs = String(NOW_MS / 1000 - YEAR_S);
    const oldSig = signWebhook(SECRET, oldTs, BODY);
    rejects(() => verify({ rawBody: BODY, headers: headers(oldSig, oldTs) }), "stale_timestamp");
    rejects(() => verify({ rawBody: BODY, headers: headers(oldSig, TS) }), "bad_signature");
    // One second past the window either way; a fraction inside it.
    for (const delta of [301, -301]) {
      const ts = String(NOW_MS / 1000 + delta);
      rejects(
        () => verify({ rawBody: BODY, headers: headers(signWebhook(SECRET, ts, BODY), ts) }),
        "stale_timestamp",
      );
    }
    const edge = String(NOW_MS / 1000 + 300);
    assert.equal(
      verify({ rawBody: BODY, headers: headers(signWebhook(SECRET, edge, BODY), edge) }).freshness,
      "verified",
    );
  });

  it('"timestamp+body" claims no more than the window: the same delivery replayed inside it verifies again', () => {
    // Documented: freshness bounds a replay's age, it does not detect one. De-duplicate by run_id.
    let now = NOW_MS;
    const verify = createWebhookVerifier({ secret: SECRET, toleranceSeconds: 60, clock: () => now });
    const delivery = { rawBody: BODY, headers: headers(SIG_OK()) };
    assert.equal(verify(delivery).event.run_id, "r-1");
    now += 59_000;
    assert.equal(verify(delivery).event.run_id, "r-1");
    now += 2_000;
    rejects(() => verify(delivery), "stale_timestamp");
  });

  it('toleranceSeconds "300" from the environment is refused, so a year-old delivery is never accepted through it', () => {
    const oldTs = String(NOW_MS / 1000 - YEAR_S);
    const args = {
      rawBody: BODY,
      headers: headers(signWebhook(SECRET, oldTs, BODY), oldTs),
      secret: SECRET,
      now: NOW_MS,
    };
    for (const toleranceSeconds of ["300", "Infinity", "", " 300 ", "3e2"]) {
      configError(() => verifyWebhook({ ...args, toleranceSeconds } as unknown as VerifyWebhookArgs));
    }
    // With the string converted as the message says, the delivery is stale.
    rejects(() => verifyWebhook({ ...args, toleranceSeconds: Number("300") }), "stale_timestamp");
  });

  it('"body" with requireFreshness: false: accepted at any age, reported unverified, the timestamp header ignored', () => {
    const scheme = { message: "body", encoding: "hex", prefix: "sha256=" } as const;
    const verify = createWebhookVerifier({ secret: SECRET, requireFreshness: false, scheme, clock });
    const sig = `sha256=${hmacOf(SECRET, BODY)}`;
    for (const ts of [undefined, TS, String(NOW_MS / 1000 - YEAR_S), "yesterday", "", "1, 2"]) {
      const h: Record<string, string> = { "x-sp-signature": sig };
      if (ts !== undefined) h["x-sp-timestamp"] = ts;
      const got = verify({ rawBody: BODY, headers: h });
      assert.equal(got.freshness, "unverified");
      assert.equal(got.signedAt, undefined, "an unsigned timestamp is not reported as if it were");
      assert.equal(got.event.run_id, "r-1");
    }
    // What it does prove: the body. One changed byte, and it fails.
    rejects(
      () => verify({ rawBody: BODY.replace("r-1", "r-2"), headers: { "x-sp-signature": sig } }),
      "bad_signature",
    );
  });

  it('"timestamp+body" with requireFreshness: false: any age accepted and reported unverified; the timestamp is still signed', () => {
    const verify = createWebhookVerifier({ secret: SECRET, requireFreshness: false, clock });
    const oldTs = String(NOW_MS / 1000 - YEAR_S);
    const got = verify({ rawBody: BODY, headers: headers(signWebhook(SECRET, oldTs, BODY), oldTs) });
    assert.equal(got.freshness, "unverified");
    assert.equal(got.signedAt, (NOW_MS / 1000 - YEAR_S) * 1000);
    rejects(
      () => verify({ rawBody: BODY, headers: headers(signWebhook(SECRET, oldTs, BODY), TS) }),
      "bad_signature",
    );
    rejects(() => verify({ rawBody: BODY, headers: { "x-sp-signature": SIG_OK() } }), "missing_header");
    rejects(() => verify({ rawBody: BODY, headers: headers(SIG_OK(), "soon") }), "malformed_timestamp");
  });

  it("a delivery signed in milliseconds for a seconds scheme (and the reverse) is refused with a hint", () => {
    const ms = String(NOW_MS);
    assert.throws(
      () =>
        verifyWebhook({
          rawBody: BODY,
          headers: headers(signWebhook(SECRET, ms, BODY), ms),
          secret: SECRET,
          now: NOW_MS,
        }),
      (e: unknown) =>
        e instanceof WebhookVerificationError &&
        e.reason === "malformed_timestamp" &&
        /milliseconds/.test(e.message),
    );
    const msScheme = { timestampUnit: "milliseconds" } as const;
    const sig = `sha256=${hmacOf(SECRET, `${TS}.${BODY}`)}`;
    assert.throws(
      () =>
        verifyWebhook({
          rawBody: BODY,
          headers: headers(sig),
          secret: SECRET,
          now: NOW_MS,
          scheme: msScheme,
        }),
      (e: unknown) =>
        e instanceof WebhookVerificationError &&
        e.reason === "stale_timestamp" &&
        /looks like seconds/.test(e.message),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Headers as servers deliver them.

describe("verifyWebhook: headers in every form a server gives them", () => {
  const good = () => SIG_OK();
  const other = () => signWebhook("previous-secret", TS, BODY);
  const verify = createWebhookVerifier({ secret: SECRET, clock: () => NOW_MS });
  const accepted = (h: WebhookHeaders) =>
    assert.equal(verify({ rawBody: BODY, headers: h }).event.run_id, "r-1");
  const refused = (h: WebhookHeaders, reason: WebhookVerificationReason) =>
    rejects(() => verify({ rawBody: BODY, headers: h }), reason);

  it("accepts several signatures: a list, comma-joined with or without spaces, empty elements, either order", () => {
    for (const sig of [
      [other(), good()],
      [good(), other()],
      `${other()}, ${good()}`,
      `${other()},${good()}`,
      `${good()} ,\t${other()}`,
      `, ${good()},`,
      [`${other()}, sha256=00`, good()],
      [other(), `${good()}, sha256=00`],
    ]) {
      accepted({ "x-sp-signature": sig, "x-sp-timestamp": TS });
    }
  });

  it("accepts node's rawHeaders and headersDistinct, fetch Headers, a Map, [name, value] pairs and a Request's headers", () => {
    accepted(["X-SP-Signature", other(), "x-sp-signature", good(), "X-Sp-Timestamp", TS]);
    accepted({ "x-sp-signature": [other(), good()], "x-sp-timestamp": [TS] });
    const h = new Headers();
    h.append("X-SP-Signature", other());
    h.append("x-sp-signature", good());
    h.set("X-SP-TIMESTAMP", TS);
    assert.equal(h.get("x-sp-signature"), `${other()}, ${good()}`, "fetch joins repeated headers");
    accepted(h);
    accepted(new Request("http://127.0.0.1/hook", { method: "POST", headers: h, body: BODY }).headers);
    accepted(
      new Map([
        ["X-SP-Signature", good()],
        ["X-SP-Timestamp", TS],
      ]),
    );
    accepted([
      ["X-SP-SIGNATURE", good()],
      ["x-sp-timestamp", TS],
    ]);
    accepted({
      get: (name: string) => (name === "x-sp-signature" ? good() : name === "x-sp-timestamp" ? TS : null),
    });
  });

  it("matches header names in any ASCII case, and two record keys differing only in case are two lines", () => {
    for (const name of ["x-sp-signature", "X-SP-SIGNATURE", "X-Sp-Signature", "x-SP-signature"]) {
      accepted({ [name]: good(), "X-SP-TIMESTAMP": TS });
    }
    accepted({ "X-SP-Signature": other(), "x-sp-signature": good(), "x-sp-timestamp": TS });
  });

  it("does not fold non-ASCII look-alikes into a header name (Kelvin sign, long s, dotless i)", () => {
    const verifyK = createWebhookVerifier({
      secret: SECRET,
      clock: () => NOW_MS,
      scheme: { signatureHeader: "x-kid-signature" },
    });
    assert.equal("\u212a".toLowerCase(), "k", "the JavaScript fold this guards against");
    rejects(
      () => verifyK({ rawBody: BODY, headers: { "x-\u212aid-signature": good(), "x-sp-timestamp": TS } }),
      "missing_header",
    );
    refused({ "x-sp-\u017fignature": good(), "x-sp-timestamp": TS }, "missing_header");
    refused({ "x-sp-s\u0131gnature": good(), "x-sp-timestamp": TS }, "missing_header");
    refused({ "x-sp-signature ": good(), "x-sp-timestamp": TS }, "missing_header");
    refused({ x_sp_signature: good(), "x-sp-timestamp": TS }, "missing_header");
  });

  it("refuses two timestamps, and more signatures than MAX_WEBHOOK_SIGNATURES even with a valid one", () => {
    refused({ "x-sp-signature": good(), "x-sp-timestamp": `${TS}, ${TS}` }, "malformed_timestamp");
    refused({ "x-sp-signature": good(), "x-sp-timestamp": [TS, TS] }, "malformed_timestamp");
    refused(
      ["x-sp-signature", good(), "x-sp-timestamp", TS, "X-SP-Timestamp", String(Number(TS) + 1)],
      "malformed_timestamp",
    );
    const many = Array.from({ length: MAX_WEBHOOK_SIGNATURES }, () => other());
    accepted({ "x-sp-signature": [...many.slice(1), good()], "x-sp-timestamp": TS });
    refused({ "x-sp-signature": [...many, good()], "x-sp-timestamp": TS }, "bad_signature");
  });

  it("refuses empty and whitespace-only signature headers as missing", () => {
    for (const sig of ["", " ", "\t", ",", " , ,", []]) {
      refused({ "x-sp-signature": sig, "x-sp-timestamp": TS }, "missing_header");
    }
    refused({ "x-sp-signature": good(), "x-sp-timestamp": " " }, "missing_header");
    refused(new Headers({ "x-sp-timestamp": TS }), "missing_header");
  });
});

// ---------------------------------------------------------------------------------------------
// Exactly what was signed: only the canonical encoding of the digest.

describe("verifyWebhook: only the canonical encoding of the signature", () => {
  const clock = () => NOW_MS;

  it("hex: all lowercase or all uppercase; mixed case, other lengths, whitespace and prefix tricks are refused", () => {
    const verify = createWebhookVerifier({ secret: SECRET, clock });
    const hex = hmacOf(SECRET, `${TS}.${BODY}`);
    const ok = (sig: string) => verify({ rawBody: BODY, headers: headers(sig) });
    ok(`sha256=${hex}`);
    ok(`sha256=${hex.toUpperCase()}`);
    const letter = hex.search(/[a-f]/);
    const mixed = `${hex.slice(0, letter)}${hex[letter]?.toUpperCase()}${hex.slice(letter + 1)}`;
    for (const sig of [
      `sha256=${mixed}`,
      `sha256=${hex.slice(0, 63)}`,
      `sha256=${hex}0`,
      `sha256=${hex}00`,
      `sha256=${hex.slice(0, 32)} ${hex.slice(32)}`,
      `sha256=${hex}\n`,
      `sha256=\t${hex}`,
      `sha256= ${hex}`,
      `SHA256=${hex}`,
      `Sha256=${hex}`,
      `sha256:${hex}`,
      `sha256=sha256=${hex}`,
      hex,
      `=${hex}`,
      "sha256=",
      `sha256=${Buffer.from(hex, "hex").toString("base64")}`,
      `sha256="${hex}"`,
      `sha256=${hex};`,
      `sha256=0x${hex}`,
      `sha256=${hex.replace(/./g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))}`,
    ]) {
      rejects(() => ok(sig), "bad_signature");
    }
  });

  it("base64: only the padded standard form; changed trailing bits, missing or extra padding, URL-safe alphabet and whitespace are refused", () => {
    const scheme = { encoding: "base64", prefix: "" } as const;
    const verify = createWebhookVerifier({ secret: SECRET, clock, scheme });
    // A body whose digest has '+' or '/', so the URL-safe variant differs.
    let body = BODY;
    let b64 = "";
    for (let i = 0; ; i++) {
      body = BODY.replace('"r-1"', `"r-${i}"`);
      b64 = hmacOf(SECRET, `${TS}.${body}`, "base64");
      if (/[+/]/.test(b64)) break;
    }
    const ok = (sig: string) => verify({ rawBody: body, headers: headers(sig) });
    ok(b64);
    assert.equal(b64.length, 44);
    assert.ok(b64.endsWith("="));
    // 32 bytes leave 2 unused bits in the last character: flipping them decodes to the same bytes.
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const last = alphabet.indexOf(b64[42] as string);
    const sameBytes = [1, 2, 3].map((bits) => `${b64.slice(0, 42)}${alphabet[last ^ bits]}=`);
    for (const sig of sameBytes) {
      assert.deepEqual(Buffer.from(sig, "base64"), Buffer.from(b64, "base64"), "decodes to the same digest");
    }
    const urlSafe = b64.replace(/\+/g, "-").replace(/\//g, "_");
    assert.deepEqual(Buffer.from(urlSafe, "base64"), Buffer.from(b64, "base64"), "Node decodes URL-safe too");
    for (const sig of [
      ...sameBytes,
      b64.slice(0, 43),
      `${b64}=`,
      `${b64}==`,
      urlSafe,
      urlSafe.slice(0, 43),
      `${b64.slice(0, 20)}\n${b64.slice(20)}`,
      `${b64.slice(0, 20)} ${b64.slice(20)}`,
      `${b64.slice(0, 20)}\t${b64.slice(20)}`,
      `${b64.slice(0, 43)}\u003d`.replace("=", "%3D"),
      `sha256=${b64}`,
      hmacOf(SECRET, `${TS}.${body}`),
      Buffer.from(hmacOf(SECRET, `${TS}.${body}`)).toString("base64"),
      b64.toLowerCase(),
      `"${b64}"`,
    ]) {
      rejects(() => ok(sig), "bad_signature");
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Timestamps: one exact form per unit, signed by the real secret holder or not.

describe("verifyWebhook: timestamp forms", () => {
  const clock = () => NOW_MS;
  /** Signed with the secret: only the verifier's parsing can refuse it. */
  const signedWith = (ts: string, scheme: Partial<WebhookScheme> = {}) => ({
    rawBody: BODY,
    headers: { "x-sp-signature": `sha256=${hmacOf(SECRET, `${ts}.${BODY}`)}`, "x-sp-timestamp": ts },
    scheme,
  });
  const check = (
    ts: string,
    reason: WebhookVerificationReason | "ok",
    unit?: WebhookScheme["timestampUnit"],
  ) => {
    const scheme: Partial<WebhookScheme> = unit === undefined ? {} : { timestampUnit: unit };
    const verify = createWebhookVerifier({ secret: SECRET, clock, scheme });
    const d = signedWith(ts, scheme);
    if (reason === "ok") verify({ rawBody: d.rawBody, headers: d.headers });
    else rejects(() => verify({ rawBody: d.rawBody, headers: d.headers }), reason);
  };

  it("seconds: whole, unsigned, no leading zero, no fraction, at most 11 digits", () => {
    check(TS, "ok");
    // Optional whitespace around a header value is not part of it (every server strips it).
    createWebhookVerifier({ secret: SECRET, clock })({
      rawBody: BODY,
      headers: headers(SIG_OK(), ` ${TS}\t`),
    });
    for (const ts of [
      `0${TS}`,
      `00${TS}`,
      `+${TS}`,
      `-${TS}`,
      `${TS}.0`,
      `${TS}.5`,
      `${TS}.`,
      `.${TS}`,
      `${TS}e0`,
      "1.777853217e9",
      `0x${Number(TS).toString(16)}`,
      `${TS}\n`,
      `${TS.slice(0, 5)} ${TS.slice(5)}`,
      `\u00a0${TS}`,
      `${TS}\u200b`,
      TS.replace(/\d/g, (d) => String.fromCharCode(0x0660 + Number(d))), // Arabic-Indic digits
      TS.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))), // full-width digits
      "99999999999999999999",
      "9".repeat(400),
      "Infinity",
      "NaN",
      "-0",
      "",
      "1777853217s",
      String(NOW_MS),
      new Date(NOW_MS).toISOString(),
    ]) {
      check(ts, ts === "" ? "missing_header" : "malformed_timestamp");
    }
  });

  it("seconds: far in the future or the past is stale, including the largest value accepted", () => {
    for (const ts of [
      "0",
      "1",
      String(NOW_MS / 1000 + 10 * YEAR_S),
      "99999999999",
      String(NOW_MS / 1000 - 301),
    ]) {
      check(ts, "stale_timestamp");
    }
  });

  it("milliseconds: whole and up to 14 digits", () => {
    check(String(NOW_MS), "ok", "milliseconds");
    for (const ts of [`0${NOW_MS}`, `+${NOW_MS}`, `${NOW_MS}.5`, "123456789012345", `${NOW_MS}000`]) {
      check(ts, "malformed_timestamp", "milliseconds");
    }
    check(String(NOW_MS + 301_000), "stale_timestamp", "milliseconds");
  });

  it("iso8601: RFC 3339 with Z or an offset; impossible dates and other layouts are refused", () => {
    const iso = new Date(NOW_MS).toISOString(); // with .000
    check(iso, "ok", "iso8601");
    check(iso.replace(".000", ""), "ok", "iso8601");
    const shifted = new Date(NOW_MS + 2 * 3_600_000).toISOString().replace(".000Z", "+02:00");
    check(shifted, "ok", "iso8601");
    for (const ts of [
      "2026-02-30T00:00:00Z",
      "2026-02-29T00:00:00Z",
      "2026-13-01T00:00:00Z",
      "2026-01-01T24:00:00Z",
      "2026-01-01T23:59:60Z",
      "2026-01-01T00:00:00+24:00",
      iso.replace("T", " "),
      iso.replace("T", "t"),
      iso.replace("Z", ""),
      iso.replace("Z", "z"),
      iso.slice(0, 10),
      `+0${iso}`,
      "0050-01-01T00:00:00Z",
      `${iso}Z`,
      new Date(NOW_MS).toUTCString(),
      String(NOW_MS / 1000),
    ]) {
      check(ts, "malformed_timestamp", "iso8601");
    }
  });
});
