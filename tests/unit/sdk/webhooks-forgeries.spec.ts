import * as assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import * as fc from "fast-check";
import { pythonJsonDumps, signWebhook } from "../../../emulator/webhooks";
import {
  createWebhookVerifier,
  signWebhookPayload,
  type WebhookHeaders,
  type WebhookScheme,
  WebhookVerificationError,
  type WebhookVerificationReason,
} from "../../../sdk/webhooks";

// Forged and malformed deliveries against a verifier with the emulator's scheme. Every one must be
// refused with the reason given, and none with `invalid_configuration` (a forgery is the sender's
// fault, not the receiver's). The genuine delivery is the emulator's own format (Python-style JSON).

const SECRET = "whsec-forgery-8d41";
const NOW_MS = 1_777_853_217_000;
const TS = String(NOW_MS / 1000);
const EVENT = {
  event: "run.completed",
  run_id: "0b6f3f2e-1a77-4d2a-9c1e-7d0c1f5e2b11",
  collection_id: "5e0c2f1d-7b1a-4f7e-8a3b-2c9d4e6f8a10",
  status: "completed",
  total_requests: 3,
  success_requests: 2,
  failed_requests: 1,
  timeout_requests: 0,
  job_ids: ["j-1", "j-2", "j-3"],
  results_url: "http://127.0.0.1:8787/v1/async/collections/5e0c/runs/0b6f",
  timestamp: "2026-05-04T00:06:57Z",
};
const BODY = Buffer.from(pythonJsonDumps(EVENT), "utf8");
const SIG = signWebhook(SECRET, TS, BODY.toString("utf8"));

const verify = createWebhookVerifier({ secret: SECRET, clock: () => NOW_MS });

interface Forgery {
  name: string;
  rawBody: Buffer | string;
  headers: WebhookHeaders;
  reason: WebhookVerificationReason;
  /** Verify at this time instead of NOW_MS (replays). */
  at?: number;
}

const hmacHex = (key: string | Buffer, message: string | Buffer, algorithm = "sha256") =>
  createHmac(algorithm, key).update(message).digest("hex");
const signedAs = (message: string | Buffer, ts = TS, key: string | Buffer = SECRET) => ({
  "x-sp-signature": `sha256=${hmacHex(key, message)}`,
  "x-sp-timestamp": ts,
});
const genuineHeaders = (sig = SIG, ts = TS): Record<string, string> => ({
  "x-sp-signature": sig,
  "x-sp-timestamp": ts,
});
const message = (body: Buffer | string, ts = TS, separator = ".") =>
  Buffer.concat([Buffer.from(`${ts}${separator}`), Buffer.from(body)]);

function buildForgeries(): Forgery[] {
  const out: Forgery[] = [];
  const add = (f: Forgery) => out.push(f);

  // 1. Wrong secrets, each signing the genuine message correctly otherwise.
  for (const key of [
    "other-secret",
    SECRET.toUpperCase(),
    SECRET.slice(0, -1),
    `${SECRET}x`,
    ` ${SECRET}`,
    "test-key",
    "",
    "\u0000",
    Buffer.from(SECRET, "utf16le"),
    Buffer.from(SECRET, "base64"),
    createHash("sha256").update(SECRET).digest(),
  ]) {
    add({
      name: `wrong secret (${out.length})`,
      rawBody: BODY,
      headers: signedAs(message(BODY), TS, key),
      reason: "bad_signature",
    });
  }

  // 2. The body tampered at each kind of position, with each class of byte.
  const text = BODY.toString("latin1");
  const positions = new Map<string, number>([
    ["first byte", 0],
    ["key name", text.indexOf("run_id") + 1],
    ["string value", text.indexOf("0b6f3f2e") + 2],
    ["number", text.indexOf('"total_requests": 3') + '"total_requests": '.length],
    ["colon", text.indexOf(":")],
    ["space after colon", text.indexOf(": ") + 1],
    ["comma", text.indexOf(",")],
    ["space after comma", text.indexOf(", ") + 1],
    ["quote", text.indexOf('"', 2)],
    ["bracket", text.indexOf("[")],
    ["last byte", BODY.length - 1],
  ]);
  const byteClasses: [string, number][] = [
    ["NUL", 0x00],
    ["tab", 0x09],
    ["LF", 0x0a],
    ["CR", 0x0d],
    ["space", 0x20],
    ["quote", 0x22],
    ["digit 0", 0x30],
    ["digit 9", 0x39],
    ["upper A", 0x41],
    ["backslash", 0x5c],
    ["lower a", 0x61],
    ["brace", 0x7b],
    ["DEL", 0x7f],
    ["0x80 continuation", 0x80],
    ["0xC3 UTF-8 lead", 0xc3],
    ["0xEF BOM lead", 0xef],
    ["0xFF invalid", 0xff],
  ];
  for (const [where, at] of positions) {
    for (const [cls, byte] of byteClasses) {
      if (BODY[at] === byte) continue;
      const body = Buffer.from(BODY);
      body[at] = byte;
      add({ name: `${cls} at ${where}`, rawBody: body, headers: genuineHeaders(), reason: "bad_signature" });
    }
  }
  // Every byte of the body with its lowest bit flipped (a digit 2→3, a letter a→`, a space→!).
  for (let i = 0; i < BODY.length; i++) {
    const body = Buffer.from(BODY);
    body[i] = (body[i] as number) ^ 0x01;
    add({
      name: `bit 0 flipped at byte ${i}`,
      rawBody: body,
      headers: genuineHeaders(),
      reason: "bad_signature",
    });
  }
  // The same value, different bytes: re-serialised, re-indented, keys reordered, unicode-escaped.
  for (const [name, body] of [
    ["re-serialised compact (JSON.stringify(JSON.parse(body)))", JSON.stringify(JSON.parse(BODY.toString()))],
    ["re-indented", JSON.stringify(EVENT, null, 2)],
    ["keys reordered", pythonJsonDumps(Object.fromEntries(Object.entries(EVENT).reverse()))],
    ["a letter unicode-escaped", BODY.toString().replace('"completed"', '"\\u0063ompleted"')],
    ["body as a string with a lone surrogate", `${BODY.toString().slice(0, -1)}, "x": "\ud800"}`],
  ] as const) {
    add({ name, rawBody: body, headers: genuineHeaders(), reason: "bad_signature" });
  }

  // 3. Truncated.
  for (const keep of [0, 1, Math.floor(BODY.length / 2), BODY.length - 2, BODY.length - 1]) {
    add({
      name: `truncated to ${keep} bytes`,
      rawBody: BODY.subarray(0, keep),
      headers: genuineHeaders(),
      reason: "bad_signature",
    });
  }
  for (const drop of [1, 2, 10]) {
    add({
      name: `first ${drop} bytes dropped`,
      rawBody: BODY.subarray(drop),
      headers: genuineHeaders(),
      reason: "bad_signature",
    });
  }

  // 4. Extended.
  for (const [name, body] of [
    ["LF appended", Buffer.concat([BODY, Buffer.from("\n")])],
    ["CRLF appended", Buffer.concat([BODY, Buffer.from("\r\n")])],
    ["space appended", Buffer.concat([BODY, Buffer.from(" ")])],
    ["NUL appended", Buffer.concat([BODY, Buffer.from([0])])],
    ["second object appended", Buffer.concat([BODY, Buffer.from('{"event": "run.completed"}')])],
    ["BOM prepended", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), BODY])],
    ["space prepended", Buffer.concat([Buffer.from(" "), BODY])],
    ["duplicate run_id key added", Buffer.from(BODY.toString().replace(/}$/, ', "run_id": "attacker-run"}'))],
    ["a field added", Buffer.from(BODY.toString().replace(/}$/, ', "admin": true}'))],
    ["the body twice", Buffer.concat([BODY, BODY])],
  ] as const) {
    add({ name, rawBody: body, headers: genuineHeaders(), reason: "bad_signature" });
  }

  // 5. Replayed: the genuine delivery later, or re-stamped without the secret.
  for (const [name, at] of [
    ["replayed 301 s later", NOW_MS + 301_000],
    ["replayed a day later", NOW_MS + 86_400_000],
    ["replayed a year later", NOW_MS + 365 * 86_400_000],
    ["received 301 s before it was signed (receiver clock behind)", NOW_MS - 301_000],
  ] as const) {
    add({ name, rawBody: BODY, headers: genuineHeaders(), reason: "stale_timestamp", at });
  }
  for (const ts of [
    String(Number(TS) + 1),
    String(Number(TS) - 1),
    String(Number(TS) + 300),
    String(Number(TS) + 365 * 86_400),
  ]) {
    add({
      name: `re-stamped ${ts}`,
      rawBody: BODY,
      headers: genuineHeaders(SIG, ts),
      reason: "bad_signature",
      at: Number(ts) * 1000,
    });
  }

  // 6. Re-signed under another scheme (the attacker has the secret's output for another scheme).
  const otherSchemes: [string, string][] = [
    ["body only", `sha256=${hmacHex(SECRET, BODY)}`],
    ["newline separator", `sha256=${hmacHex(SECRET, message(BODY, TS, "\n"))}`],
    ["no separator", `sha256=${hmacHex(SECRET, message(BODY, TS, ""))}`],
    ["colon separator", `sha256=${hmacHex(SECRET, message(BODY, TS, ":"))}`],
    ["body then timestamp", `sha256=${hmacHex(SECRET, Buffer.concat([BODY, Buffer.from(`.${TS}`)]))}`],
    ["timestamp in milliseconds signed", `sha256=${hmacHex(SECRET, message(BODY, String(NOW_MS)))}`],
    ["ISO timestamp signed", `sha256=${hmacHex(SECRET, message(BODY, new Date(NOW_MS).toISOString()))}`],
    ["v1= prefix", `v1=${hmacHex(SECRET, message(BODY))}`],
    ["base64 encoding", `sha256=${createHmac("sha256", SECRET).update(message(BODY)).digest("base64")}`],
    ["HMAC-SHA1", `sha256=${hmacHex(SECRET, message(BODY), "sha1")}`],
    ["HMAC-SHA512", `sha256=${hmacHex(SECRET, message(BODY), "sha512")}`],
    ["HMAC-SHA512 cut to 64 hex digits", `sha256=${hmacHex(SECRET, message(BODY), "sha512").slice(0, 64)}`],
    ["HMAC-SHA224 padded", `sha256=${hmacHex(SECRET, message(BODY), "sha224")}00000000`],
    ["unkeyed SHA-256", `sha256=${createHash("sha256").update(message(BODY)).digest("hex")}`],
    [
      "SHA-256 of secret + message",
      `sha256=${createHash("sha256")
        .update(Buffer.concat([Buffer.from(SECRET), message(BODY)]))
        .digest("hex")}`,
    ],
    ["key and message swapped", `sha256=${hmacHex(message(BODY), SECRET)}`],
    [
      "signed over the re-serialised body",
      `sha256=${hmacHex(SECRET, message(JSON.stringify(JSON.parse(BODY.toString()))))}`,
    ],
    [
      "the message as UTF-16",
      `sha256=${hmacHex(SECRET, Buffer.from(`${TS}.${BODY.toString()}`, "utf16le"))}`,
    ],
  ];
  for (const [name, sig] of otherSchemes) {
    add({ name: `re-signed: ${name}`, rawBody: BODY, headers: genuineHeaders(sig), reason: "bad_signature" });
  }

  // 7. A genuine signature of another body.
  const otherBody = pythonJsonDumps({ ...EVENT, run_id: "another-run" });
  for (const [name, sig] of [
    ["another event", signWebhook(SECRET, TS, otherBody)],
    ["the empty body", signWebhook(SECRET, TS, "")],
    ["the body's first half", signWebhook(SECRET, TS, BODY.subarray(0, BODY.length / 2).toString())],
    ["'{}'", signWebhook(SECRET, TS, "{}")],
  ] as const) {
    add({
      name: `signature of ${name}`,
      rawBody: BODY,
      headers: genuineHeaders(sig),
      reason: "bad_signature",
    });
  }
  add({
    name: "the other event with the genuine signature",
    rawBody: otherBody,
    headers: genuineHeaders(),
    reason: "bad_signature",
  });

  // 8. Header injection and smuggling (possible in a record; real servers refuse most of these).
  for (const [name, h, reason] of [
    ["CRLF and a header after the signature", genuineHeaders(`${SIG}\r\nx-injected: 1`), "bad_signature"],
    ["CR LF after the signature", genuineHeaders(`${SIG}\r\n`), "bad_signature"],
    ["NUL after the signature", genuineHeaders(`${SIG}\u0000`), "bad_signature"],
    ["a parameter after the signature", genuineHeaders(`${SIG};v=1`), "bad_signature"],
    ["the signature quoted", genuineHeaders(`"${SIG}"`), "bad_signature"],
    ["the header line inside the value", genuineHeaders(`x-sp-signature: ${SIG}`), "bad_signature"],
    ["the signature URL-encoded", genuineHeaders(SIG.replace("=", "%3D")), "bad_signature"],
    ["a JSON list of signatures", genuineHeaders(JSON.stringify([SIG])), "bad_signature"],
    [
      "CRLF and a second signature header in the timestamp",
      genuineHeaders(SIG, `${TS}\r\nx-sp-signature: ${SIG}`),
      "malformed_timestamp",
    ],
    [
      "a second timestamp line",
      { "x-sp-signature": SIG, "x-sp-timestamp": [TS, String(Number(TS) + 999)] },
      "malformed_timestamp",
    ],
    [
      "a second, joined timestamp",
      genuineHeaders(SIG, `${String(Number(TS) - 999)}, ${TS}`),
      "malformed_timestamp",
    ],
    [
      "timestamp and body in the timestamp header",
      genuineHeaders(SIG, `${TS}.${BODY.subarray(0, 10).toString()}`),
      "malformed_timestamp",
    ],
    [
      "signature under a header name with CRLF",
      { [`x-sp-signature\r\n`]: SIG, "x-sp-timestamp": TS },
      "missing_header",
    ],
    [
      "signature under the timestamp header's name",
      { "x-sp-timestamp": TS, "x-sp-signaturex": SIG },
      "missing_header",
    ],
  ] as [string, WebhookHeaders, WebhookVerificationReason][]) {
    add({ name: `injection: ${name}`, rawBody: BODY, headers: h, reason });
  }
  // A body re-cut at the separator: the message "<ts>.<body>" is the same bytes, split differently.
  add({
    name: "message re-split: timestamp digit moved into the body",
    rawBody: Buffer.concat([Buffer.from(`${TS.slice(-1)}.`), BODY]),
    headers: {
      "x-sp-signature": `sha256=${hmacHex(SECRET, Buffer.concat([Buffer.from(`${TS.slice(0, -1)}.`), Buffer.from(`${TS.slice(-1)}.`), BODY]))}`,
      "x-sp-timestamp": TS.slice(0, -1),
    },
    reason: "stale_timestamp",
  });

  // 9. Case tricks.
  const hex = SIG.slice("sha256=".length);
  const firstLetter = hex.search(/[a-f]/);
  for (const [name, sig] of [
    ["upper-case prefix", `SHA256=${hex}`],
    ["mixed-case prefix", `Sha256=${hex}`],
    [
      "mixed-case hex",
      `sha256=${hex.slice(0, firstLetter)}${hex[firstLetter]?.toUpperCase()}${hex.slice(firstLetter + 1)}`,
    ],
    ["upper-case everything", SIG.toUpperCase()],
    [
      "full-width hex digits",
      `sha256=${hex.replace(/[0-9a-f]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))}`,
    ],
  ] as const) {
    add({ name: `case: ${name}`, rawBody: BODY, headers: genuineHeaders(sig), reason: "bad_signature" });
  }
  add({
    name: "case: Kelvin sign in no header but a look-alike long s",
    rawBody: BODY,
    headers: { "x-sp-\u017fignature": SIG, "x-sp-timestamp": TS },
    reason: "missing_header",
  });
  add({
    name: "case: dotless i in the timestamp header name",
    rawBody: BODY,
    headers: { "x-sp-signature": SIG, "x-sp-t\u0131mestamp": TS },
    reason: "missing_header",
  });

  // 10. Empty.
  add({ name: "empty: no headers", rawBody: BODY, headers: {}, reason: "missing_header" });
  add({ name: "empty: signature", rawBody: BODY, headers: genuineHeaders(""), reason: "missing_header" });
  add({
    name: "empty: signature prefix only",
    rawBody: BODY,
    headers: genuineHeaders("sha256="),
    reason: "bad_signature",
  });
  add({
    name: "empty: timestamp",
    rawBody: BODY,
    headers: genuineHeaders(SIG, ""),
    reason: "missing_header",
  });
  add({
    name: "empty: body with the genuine headers",
    rawBody: "",
    headers: genuineHeaders(),
    reason: "bad_signature",
  });
  add({
    name: "empty: body signed (by the secret holder)",
    rawBody: "",
    headers: signedAs(message("")),
    reason: "malformed_body",
  });
  add({ name: "empty: everything", rawBody: "", headers: genuineHeaders("", ""), reason: "missing_header" });

  // 11. Huge.
  const big = Buffer.alloc(10 * 1024 * 1024, 0x20);
  add({
    name: "huge: 10 MiB body, genuine headers",
    rawBody: big,
    headers: genuineHeaders(),
    reason: "bad_signature",
  });
  add({
    name: "huge: genuine body + 10 MiB of spaces",
    rawBody: Buffer.concat([BODY, big]),
    headers: genuineHeaders(),
    reason: "bad_signature",
  });
  add({
    name: "huge: 64 KiB signature",
    rawBody: BODY,
    headers: genuineHeaders(`sha256=${"a".repeat(65_536)}`),
    reason: "bad_signature",
  });
  add({
    name: "huge: 10,000 signatures with the genuine one last",
    rawBody: BODY,
    headers: genuineHeaders(`${"sha256=00,".repeat(10_000)}${SIG}`),
    reason: "bad_signature",
  });
  add({
    name: "huge: 1 MiB timestamp",
    rawBody: BODY,
    headers: genuineHeaders(SIG, "1".repeat(1 << 20)),
    reason: "malformed_timestamp",
  });
  add({
    name: "huge: signed 10 MiB body that is not an event",
    rawBody: big,
    headers: signedAs(message(big)),
    reason: "malformed_body",
  });

  // 12. Signed by the secret holder, but not a run.completed event (refused after the signature).
  for (const [name, body] of [
    ["another event type", pythonJsonDumps({ ...EVENT, event: "run.started" })],
    ["a list", "[]"],
    ["null", "null"],
    ["a negative counter", pythonJsonDumps({ ...EVENT, failed_requests: -1 })],
    [
      "invalid UTF-8",
      Buffer.concat([
        Buffer.from('{"event": "run.completed", "x": "'),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('"}'),
      ]),
    ],
    ["a BOM", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), BODY])],
  ] as const) {
    add({
      name: `signed but malformed: ${name}`,
      rawBody: body,
      headers: signedAs(message(body)),
      reason: "malformed_body",
    });
  }
  return out;
}

const FORGERIES = buildForgeries();

/** One character: printable ASCII, or any code point (controls, non-ASCII, astral). */
const oneChar = fc.oneof(
  fc.string({ minLength: 1, maxLength: 1 }),
  fc.string({ minLength: 1, maxLength: 1, unit: "binary" }),
);

function refusedAs(
  delivery: { rawBody: Buffer | string; headers: WebhookHeaders },
  at = NOW_MS,
): WebhookVerificationReason {
  const v = at === NOW_MS ? verify : createWebhookVerifier({ secret: SECRET, clock: () => at });
  try {
    v(delivery);
  } catch (e) {
    assert.ok(e instanceof WebhookVerificationError, `not a WebhookVerificationError: ${String(e)}`);
    assert.notEqual(e.reason, "invalid_configuration", e.message);
    assert.ok(!e.message.includes(SECRET));
    return e.reason;
  }
  return "accepted" as WebhookVerificationReason;
}

describe("verifyWebhook: forged and malformed deliveries", () => {
  it("accepts the genuine delivery (the baseline every forgery below departs from)", () => {
    assert.equal(verify({ rawBody: BODY, headers: genuineHeaders() }).event.run_id, EVENT.run_id);
    assert.notEqual(
      BODY.toString(),
      JSON.stringify(JSON.parse(BODY.toString())),
      "the body is not compact JSON",
    );
  });

  it(`refuses each of ${FORGERIES.length} forged or malformed deliveries, for the expected reason`, () => {
    assert.ok(FORGERIES.length >= 400, `only ${FORGERIES.length}`);
    const wrong: string[] = [];
    for (const f of FORGERIES) {
      const got = refusedAs({ rawBody: f.rawBody, headers: f.headers }, f.at);
      if (got !== f.reason) wrong.push(`${f.name}: ${got} (expected ${f.reason})`);
    }
    assert.deepEqual(wrong, []);
  });

  // Property tests: any single change anywhere is refused.
  const RUNS = 400;

  it(`any single-byte change of the body is refused (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.nat({ max: BODY.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const body = Buffer.from(BODY);
        body[at] = (body[at] as number) ^ xor;
        return refusedAs({ rawBody: body, headers: genuineHeaders() }) === "bad_signature";
      }),
      { numRuns: RUNS },
    );
  });

  it(`any single-byte insertion into or deletion from the body is refused (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(
        fc.nat({ max: BODY.length }),
        fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
        (at, byte) => {
          const body =
            byte === undefined
              ? Buffer.concat([
                  BODY.subarray(0, Math.min(at, BODY.length - 1)),
                  BODY.subarray(Math.min(at, BODY.length - 1) + 1),
                ])
              : Buffer.concat([BODY.subarray(0, at), Buffer.from([byte]), BODY.subarray(at)]);
          return refusedAs({ rawBody: body, headers: genuineHeaders() }) === "bad_signature";
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`any single-character change of the timestamp header is refused (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.nat({ max: TS.length - 1 }), oneChar, (at, c) => {
        fc.pre(c !== TS[at]);
        const ts = `${TS.slice(0, at)}${c}${TS.slice(at + 1)}`;
        return (
          refusedAs({ rawBody: BODY, headers: genuineHeaders(SIG, ts) }) !==
          ("accepted" as WebhookVerificationReason)
        );
      }),
      { numRuns: RUNS },
    );
  });

  it(`any single-character change of the signature is refused, hex and base64 (${RUNS} runs each)`, () => {
    fc.assert(
      fc.property(fc.nat({ max: SIG.length - 1 }), oneChar, (at, c) => {
        fc.pre(c !== SIG[at]);
        const sig = `${SIG.slice(0, at)}${c}${SIG.slice(at + 1)}`;
        return (
          refusedAs({ rawBody: BODY, headers: genuineHeaders(sig) }) !==
          ("accepted" as WebhookVerificationReason)
        );
      }),
      { numRuns: RUNS },
    );
    const scheme = { encoding: "base64", prefix: "" } as const;
    const b64verify = createWebhookVerifier({ secret: SECRET, clock: () => NOW_MS, scheme });
    const b64 = signWebhookPayload(SECRET, TS, BODY, scheme);
    b64verify({ rawBody: BODY, headers: genuineHeaders(b64) });
    fc.assert(
      fc.property(
        fc.nat({ max: b64.length - 1 }),
        fc.oneof(
          fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ "),
          oneChar,
        ),
        (at, c) => {
          fc.pre(c !== b64[at]);
          const sig = `${b64.slice(0, at)}${c}${b64.slice(at + 1)}`;
          assert.throws(
            () => b64verify({ rawBody: BODY, headers: genuineHeaders(sig) }),
            WebhookVerificationError,
          );
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`accepts exactly what was signed: any body, secret and scheme round-trips through signWebhookPayload (${RUNS} runs)`, () => {
    const schemes = fc.record({
      encoding: fc.constantFrom("hex", "base64"),
      prefix: fc.constantFrom("", "sha256=", "v1=", "t0:"),
      separator: fc.constantFrom(".", "\n", "", ":"),
      timestampUnit: fc.constantFrom("seconds", "milliseconds", "iso8601"),
    }) as fc.Arbitrary<Partial<WebhookScheme>>;
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", minLength: 1 }),
        fc.string({ minLength: 1, maxLength: 64 }).filter((s) => s.trim() === s && s !== ""),
        schemes,
        fc.integer({ min: -299, max: 299 }),
        (runId, secret, scheme, skewSeconds) => {
          const signedAtMs = NOW_MS + skewSeconds * 1000;
          const ts =
            scheme.timestampUnit === "seconds"
              ? String(signedAtMs / 1000)
              : scheme.timestampUnit === "milliseconds"
                ? String(signedAtMs)
                : new Date(signedAtMs).toISOString();
          const body = pythonJsonDumps({ ...EVENT, run_id: runId });
          const h = { "x-sp-signature": signWebhookPayload(secret, ts, body, scheme), "x-sp-timestamp": ts };
          const got = createWebhookVerifier({ secret, scheme, clock: () => NOW_MS })({
            rawBody: Buffer.from(body),
            headers: h,
          });
          assert.equal(got.event.run_id, runId);
          assert.equal(got.freshness, "verified");
          assert.equal(got.signedAt, signedAtMs);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
