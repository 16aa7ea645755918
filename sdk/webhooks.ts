/**
 * Verification of ScrapingPros run-completion webhooks. Pure: no I/O, no Pulumi; usable in any
 * Node.js HTTP server (see `examples/webhook-receiver/`).
 *
 * What the vendor documents (API notes §5.2–§5.4): one signed `POST` per completed run, HMAC-SHA256,
 * headers `X-SP-Signature` and `X-SP-Timestamp`. What it does not (§5.5, §7 item 22): the signed
 * message, the encoding, a prefix, the timestamp unit, which secret, the replay window. So the scheme
 * is configuration, defaulting to the emulator's documented one ({@link EMULATOR_WEBHOOK_SCHEME}).
 * Confirm the vendor's scheme against one real delivery before enforcing it in production.
 *
 * What an accepted delivery proves depends on the scheme ({@link VerifiedWebhook}):
 * - `message: "timestamp+body"` (the default): one of the secrets signed these exact body bytes
 *   together with this exact timestamp, and the timestamp is within `toleranceSeconds` of now. The
 *   same delivery replayed inside that window is accepted again: de-duplicate by `run_id`.
 * - `message: "body"`: one of the secrets signed these exact body bytes, nothing more. The timestamp
 *   header is not signed (anyone can set it), so the delivery's age cannot be known and a captured
 *   delivery verifies for ever. Such a verifier must be configured with `requireFreshness: false`;
 *   it ignores the timestamp header and reports `freshness: "unverified"`.
 *
 * A bad configuration never accepts a delivery and never surfaces as a raw `TypeError`: it is a
 * {@link WebhookConfigurationError} (reason `invalid_configuration`, status 500), thrown by
 * {@link createWebhookVerifier} when the receiver starts, or by {@link verifyWebhook} on each call.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { Schema } from "../provider/client/schema";
import { closestName } from "../provider/core/rules/near-miss";

/**
 * How a delivery is signed.
 * @example
 * // The emulator's scheme (the default): sha256=<hex HMAC of "<timestamp>.<body>">
 * { message: "timestamp+body", separator: ".", encoding: "hex", prefix: "sha256=" }
 * // A body-only, base64 scheme without prefix (needs requireFreshness: false, see verifyWebhook)
 * { message: "body", encoding: "base64" }
 */
export interface WebhookScheme {
  /**
   * What is signed: the raw body alone, or the timestamp header's value, `separator`, then the raw
   * body. Only `"timestamp+body"` lets the verifier check a delivery's age.
   */
  message: "body" | "timestamp+body";
  /**
   * Between timestamp and body when `message` is `"timestamp+body"`: at most 8 characters, no digits
   * (a digit would run into the timestamp). `""` means none. @default "."
   */
  separator?: string;
  /**
   * How the signature header encodes the 32-byte digest. `"hex"`: 64 hex digits, all lowercase or all
   * uppercase (mixed case is refused). `"base64"`: the standard alphabet with its `=` padding, exactly
   * as `Buffer#toString("base64")` writes it (44 characters); unpadded, URL-safe or otherwise
   * non-canonical forms are refused.
   */
  encoding: "hex" | "base64";
  /**
   * A prefix the signature carries before the digest, e.g. `"sha256="`, compared exactly (case
   * included). At most 32 visible ASCII characters, no comma (commas separate several signatures).
   * @default "" (none)
   */
  prefix?: string;
  /**
   * Unit of the timestamp header: `"seconds"` (whole unix seconds, up to 11 digits, no sign, no
   * leading zero, no fraction), `"milliseconds"` (the same, up to 14 digits) or `"iso8601"` (RFC 3339,
   * e.g. `2026-04-06T20:30:00Z`). @default "seconds"
   */
  timestampUnit?: "seconds" | "milliseconds" | "iso8601";
  /** Name of the signature header (an HTTP token, matched case-insensitively). @default "x-sp-signature" (API notes §5.4) */
  signatureHeader?: string;
  /** Name of the timestamp header (an HTTP token, matched case-insensitively). @default "x-sp-timestamp" (API notes §5.4) */
  timestampHeader?: string;
}

/**
 * The emulator's scheme (emulator/README.md, "Webhooks"): `X-SP-Signature: sha256=` + lowercase hex
 * of HMAC-SHA256(secret, `<X-SP-Timestamp>.<raw body>`), `X-SP-Timestamp` in unix seconds.
 * It is the default of {@link verifyWebhook}; the vendor's own scheme is undocumented (API notes §5.5).
 */
export const EMULATOR_WEBHOOK_SCHEME: Readonly<Required<WebhookScheme>> = Object.freeze({
  message: "timestamp+body",
  separator: ".",
  encoding: "hex",
  prefix: "sha256=",
  timestampUnit: "seconds",
  signatureHeader: "x-sp-signature",
  timestampHeader: "x-sp-timestamp",
});

/** Default replay window of {@link verifyWebhook}, in seconds (the API notes' advice, §5.5). */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

/**
 * Largest accepted `toleranceSeconds` (one day). A longer window checks nothing useful; say so with
 * `requireFreshness: false` instead.
 */
export const MAX_WEBHOOK_TOLERANCE_SECONDS = 86_400;

/**
 * Most signatures one delivery may carry (all values of the signature header together, e.g. one per
 * secret during a rotation). More is refused as `bad_signature`.
 */
export const MAX_WEBHOOK_SIGNATURES = 8;

/**
 * The `run.completed` event (API notes §5.3). Fields the docs show are typed; the docs omit
 * `timeout_requests` though runs carry it, so it is optional; unknown fields are kept as they are.
 * `timestamp` is an ISO 8601 UTC string (unlike the REST API's epoch seconds).
 * `RunCompletedEvent.parse(body)` checks a parsed body without a signature.
 */
export const RunCompletedEvent: Schema<RunCompletedEvent> = z.looseObject({
  /** The event type: always `run.completed` (other events are refused as `malformed_body`). */
  event: z.literal("run.completed"),
  /** The run's id, as `CollectionRun.runId` and `getRun` know it. */
  run_id: z.string().min(1),
  /** The id of the collection the run belongs to. */
  collection_id: z.string().min(1),
  /** `completed` is the only value seen; unknown values are kept (API notes §4.3). */
  status: z.string(),
  /** Jobs in the run (one per deduplicated request of the collection). */
  total_requests: z.number().int().nonnegative(),
  /** Jobs that ended successfully. */
  success_requests: z.number().int().nonnegative(),
  /** Jobs that failed. */
  failed_requests: z.number().int().nonnegative(),
  /** Jobs that timed out; absent when the API does not report it. */
  timeout_requests: z.number().int().nonnegative().optional(),
  /** One id per job, when the API lists them. */
  job_ids: z.array(z.string()).optional(),
  /** Points at the get-run endpoint, not at a results download (API notes §5.3). */
  results_url: z.string().optional(),
  /** When the run completed, as the API wrote it (an ISO 8601 string), when present. */
  timestamp: z.string().optional(),
});
/** A verified `run.completed` delivery (API notes §5.3). */
export interface RunCompletedEvent {
  /** The event type: always `run.completed`. */
  event: "run.completed";
  /** The run's id, as `CollectionRun.runId` and `getRun` know it; not empty. */
  run_id: string;
  /** The id of the collection the run belongs to; not empty. */
  collection_id: string;
  /** `completed` is the only value seen; unknown values are kept (API notes §4.3). */
  status: string;
  /** Jobs in the run (one per deduplicated request of the collection), an integer ≥ 0. */
  total_requests: number;
  /** Jobs that ended successfully, an integer ≥ 0. */
  success_requests: number;
  /** Jobs that failed, an integer ≥ 0. */
  failed_requests: number;
  /** Jobs that timed out, an integer ≥ 0; absent when the API does not report it. */
  timeout_requests?: number;
  /** One id per job, when the API lists them. */
  job_ids?: string[];
  /** Points at the get-run endpoint, not at a results download (API notes §5.3). */
  results_url?: string;
  /** When the run completed, as the API wrote it (an ISO 8601 string), when present. */
  timestamp?: string;
  /** Fields the docs do not show, kept as they are. */
  [field: string]: unknown;
}

/** Which check of {@link verifyWebhook} failed. */
export type WebhookVerificationReason =
  /**
   * The verifier is set up wrongly (a missing or empty secret, a tolerance that is not a number, an
   * unknown scheme field, a body parsed before it got here): a fault of the receiver, not of the
   * delivery. Thrown as {@link WebhookConfigurationError}.
   */
  | "invalid_configuration"
  /** The signature header, or the timestamp header the scheme needs, is absent or empty. */
  | "missing_header"
  /** The timestamp header is not one value of the scheme's `timestampUnit`. */
  | "malformed_timestamp"
  /**
   * No signature is exactly the canonical encoding of the HMAC of this body (and timestamp) under
   * any of the secrets: a wrong secret, a changed byte, a missing prefix, a non-canonical encoding,
   * or more than {@link MAX_WEBHOOK_SIGNATURES} signatures.
   */
  | "bad_signature"
  /** The signature matches, but the signed timestamp is further than the tolerance from now. */
  | "stale_timestamp"
  /** The signature matches, but the body is not UTF-8 JSON or not a `run.completed` event. */
  | "malformed_body";

const ERROR_BRAND = Symbol.for("pulumi-scrapingpros.WebhookVerificationError");
const CONFIG_ERROR_BRAND = Symbol.for("pulumi-scrapingpros.WebhookConfigurationError");

function hasBrand(value: unknown, brand: symbol): boolean {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/**
 * Thrown by {@link verifyWebhook} and by a {@link createWebhookVerifier} verifier when a delivery is
 * not accepted. `instanceof` works across copies of this package (the class is recognised by a
 * `Symbol.for` brand, not by identity). The message never contains the secret, the signature or the body.
 */
export class WebhookVerificationError extends Error {
  /** Which check failed. */
  readonly reason: WebhookVerificationReason;
  /**
   * The HTTP status to answer with: 500 for `invalid_configuration` (the receiver's fault, so the
   * sender retries), 400 for `malformed_body`, 401 for the rest.
   */
  readonly status: 400 | 401 | 500;

  constructor(reason: WebhookVerificationReason, message: string) {
    super(message);
    this.name = "WebhookVerificationError";
    this.reason = reason;
    this.status = reason === "invalid_configuration" ? 500 : reason === "malformed_body" ? 400 : 401;
    Object.defineProperty(this, ERROR_BRAND, { value: true });
  }

  /** Brand check, so errors from another copy of the package are recognised. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, ERROR_BRAND);
  }
}

/** One problem of a verifier's configuration. */
export interface WebhookConfigurationIssue {
  /** The option's path, e.g. `secret`, `secret[1]`, `toleranceSeconds`, `scheme.message`. */
  path: string;
  /** What is wrong and what to do; never the option's value. */
  message: string;
}

/**
 * A verifier set up wrongly: reason `invalid_configuration`, status 500. Thrown by
 * {@link createWebhookVerifier} (at configuration time, so a receiver with an unset secret fails when
 * it starts), by {@link verifyWebhook} for every delivery it is called on, and by a verifier given a
 * `rawBody` or `headers` of the wrong kind. The message lists every problem by path and never
 * contains a secret.
 * @example
 * // secret: process.env.WEBHOOK_SECRET with the variable unset
 * // invalid webhook verifier configuration: secret: is undefined: pass the webhook signing secret (is the environment variable that should hold it set?)
 */
export class WebhookConfigurationError extends WebhookVerificationError {
  /** Every problem found, in option order. */
  readonly issues: readonly WebhookConfigurationIssue[];

  constructor(issues: readonly WebhookConfigurationIssue[]) {
    super(
      "invalid_configuration",
      `invalid webhook verifier configuration: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
    );
    this.name = "WebhookConfigurationError";
    this.issues = issues;
    Object.defineProperty(this, CONFIG_ERROR_BRAND, { value: true });
  }

  /** Brand check, so errors from another copy of the package are recognised. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, CONFIG_ERROR_BRAND);
  }
}

/**
 * Request headers, in any form a Node.js server framework gives them: `node:http`'s
 * `req.headers` or `req.headersDistinct` (a record), `req.rawHeaders` (a flat `[name, value, …]`
 * list), a fetch `Headers` (`request.headers`) or any object with `get(name)`, or a list of
 * `[name, value]` pairs. Names match case-insensitively (ASCII only); every value of the signature
 * header is split at commas, so repeated header lines and their comma-joined form are the same.
 */
export type WebhookHeaders =
  | Record<string, string | readonly string[] | undefined>
  | {
      /**
       * The header's value, `null` or `undefined` when absent (a fetch `Headers`, a `Map`; an
       * iterable one is read by iterating, so a case-sensitive `Map` still matches in any case).
       */
      get(name: string): string | readonly string[] | null | undefined;
    }
  | readonly string[]
  | readonly (readonly [string, string])[];

/** The webhook signing secret, or several during a rotation (any of them may sign). */
export type WebhookSecret = string | Uint8Array | readonly (string | Uint8Array)[];

/** Options of {@link createWebhookVerifier}. */
export interface WebhookVerifierOptions {
  /**
   * The HMAC key: a non-empty string without leading or trailing whitespace, or non-empty bytes; or a
   * list of up to 16 of them during a rotation (any match is accepted). Which secret the vendor uses
   * is undocumented (API notes §5.5); the emulator uses its `webhookSecret`, by default the API key.
   * `undefined` is allowed by the type so that `process.env.WEBHOOK_SECRET` needs no `!`, and refused
   * at runtime with a {@link WebhookConfigurationError} naming `secret`.
   */
  secret: WebhookSecret | undefined;
  /**
   * Largest accepted distance between the signed timestamp and now, in seconds: a finite number
   * greater than 0 and at most {@link MAX_WEBHOOK_TOLERANCE_SECONDS}. A string (an environment
   * variable) is refused: convert it with `Number(...)`. Not allowed with `requireFreshness: false`.
   * @default 300
   */
  toleranceSeconds?: number;
  /**
   * Whether a delivery must prove its age. `true` needs `scheme.message: "timestamp+body"`.
   * `false` accepts deliveries of any age and reports them with `freshness: "unverified"`; it is
   * required with `scheme.message: "body"`, whose timestamp header is not signed (a captured
   * delivery verifies for ever: de-duplicate by `run_id`).
   * @default true
   */
  requireFreshness?: boolean;
  /** The signing scheme. Missing fields take {@link EMULATOR_WEBHOOK_SCHEME}'s values. @default EMULATOR_WEBHOOK_SCHEME */
  scheme?: Partial<WebhookScheme>;
  /** The current time in epoch milliseconds, for tests. @default Date.now */
  clock?: () => number;
}

/** One request to verify. */
export interface WebhookDelivery {
  /**
   * The request body exactly as received: a Buffer/Uint8Array of the raw bytes (preferred), or the
   * raw text. Never a parsed object nor a re-serialised `JSON.stringify(parsed)`: the HMAC covers the
   * bytes the sender wrote, and re-serialising changes them.
   */
  rawBody: Uint8Array | string;
  /** The request's headers ({@link WebhookHeaders}). */
  headers: WebhookHeaders;
}

/** What a verifier proved about an accepted delivery. */
export interface VerifiedWebhook {
  /** The event, unknown fields included. */
  event: RunCompletedEvent;
  /**
   * `"verified"`: the timestamp was signed together with the body and is within the tolerance of
   * now (a replay inside that window still verifies). `"unverified"`: the delivery's age is unknown
   * (`requireFreshness: false`); a captured delivery may be replayed at any time.
   */
  freshness: "verified" | "unverified";
  /**
   * The signed timestamp in epoch milliseconds (scheme `"timestamp+body"`), or `undefined` with a
   * body-only scheme, whose timestamp header is unauthenticated and therefore not reported.
   */
  signedAt: number | undefined;
}

/** A configured verifier: checks one delivery, returns what it proved, or throws {@link WebhookVerificationError}. */
export type WebhookVerifier = (delivery: WebhookDelivery) => VerifiedWebhook;

/** Arguments of {@link verifyWebhook}: one delivery and the verifier's options. */
export interface VerifyWebhookArgs extends WebhookDelivery {
  /** See {@link WebhookVerifierOptions.secret} (`undefined` is refused as `invalid_configuration`). */
  secret: WebhookSecret | undefined;
  /** See {@link WebhookVerifierOptions.toleranceSeconds}. @default 300 */
  toleranceSeconds?: number;
  /** See {@link WebhookVerifierOptions.requireFreshness}. @default true */
  requireFreshness?: boolean;
  /** The signing scheme. Missing fields take {@link EMULATOR_WEBHOOK_SCHEME}'s values. @default EMULATOR_WEBHOOK_SCHEME */
  scheme?: Partial<WebhookScheme>;
  /** The current time in epoch milliseconds, for tests. @default Date.now() */
  now?: number;
}

/**
 * Builds a verifier once, at configuration time: every option is checked now, and a bad one throws
 * {@link WebhookConfigurationError} listing each problem (so a receiver started with an unset secret
 * stops at once with a clear message instead of failing on its first delivery).
 *
 * The verifier checks, in order: `rawBody` and `headers` are of a usable kind
 * (`invalid_configuration`); the signature header, and with `"timestamp+body"` the timestamp header,
 * are present (`missing_header`); the timestamp is exactly one value of the scheme's unit
 * (`malformed_timestamp`); one signature is the canonical encoding of HMAC-SHA256 over the raw
 * bytes under one of the secrets, compared with `crypto.timingSafeEqual` (`bad_signature`); the
 * signed timestamp is within the tolerance of now, when freshness is required (`stale_timestamp`);
 * the body is a `run.completed` event (`malformed_body`). The body is parsed only after the signature
 * matched.
 *
 * Deliveries may repeat (the emulator retries up to 3 times; the vendor's policy is undocumented),
 * and even a fresh one may be a replay inside the tolerance: de-duplicate by `run_id`.
 * @throws WebhookConfigurationError when an option is invalid.
 * @example
 * const verify = createWebhookVerifier({ secret: process.env.WEBHOOK_SECRET }); // at startup
 * // per request:
 * const { event, freshness } = verify({ rawBody, headers: req.headers });
 */
export function createWebhookVerifier(options: WebhookVerifierOptions): WebhookVerifier {
  const config = parseConfig(options, VERIFIER_OPTION_KEYS);
  return (delivery: WebhookDelivery) => verifyDelivery(config, delivery, DELIVERY_KEYS);
}

/**
 * Verifies one webhook delivery and returns its event: {@link createWebhookVerifier} and its verifier
 * in one call (the options are checked on every call). Prefer {@link createWebhookVerifier} in a
 * server: it refuses a bad configuration at startup and reports the delivery's `freshness`.
 *
 * A bad configuration is thrown as {@link WebhookConfigurationError}, a
 * {@link WebhookVerificationError} with reason `invalid_configuration` and status 500, so a receiver
 * that answers `WebhookVerificationError`s with `e.status` keeps running and accepts nothing.
 * @returns the verified event, unknown fields included.
 * @throws WebhookVerificationError naming the failed check in `reason`.
 * @example
 * const event = verifyWebhook({ rawBody, headers: req.headers, secret: process.env.WEBHOOK_SECRET });
 * console.log(event.run_id, event.status);
 */
export function verifyWebhook(args: VerifyWebhookArgs): RunCompletedEvent {
  if (typeof args !== "object" || args === null) {
    throw new WebhookConfigurationError([{ path: "args", message: "must be an object" }]);
  }
  const { rawBody, headers, now, ...options } = args;
  const problems: WebhookConfigurationIssue[] = [];
  if (now !== undefined && !(typeof now === "number" && Number.isFinite(now))) {
    problems.push({
      path: "now",
      message: `must be a finite number of epoch milliseconds, not ${kindOf(now)}`,
    });
  }
  const config = parseConfig(options, VERIFY_ARGS_KEYS, problems, now === undefined ? undefined : () => now);
  return verifyDelivery(config, { rawBody, headers }, DELIVERY_KEYS).event;
}

/**
 * Signs a body the way `scheme` describes: the value of the signature header for this timestamp.
 * For tests and for senders; `timestamp` is ignored when `message` is `"body"`, and must be a value
 * of the scheme's `timestampUnit` otherwise.
 * @throws WebhookConfigurationError for an invalid secret, scheme or timestamp.
 */
export function signWebhookPayload(
  secret: string | Uint8Array,
  timestamp: string,
  rawBody: Uint8Array | string,
  scheme: Partial<WebhookScheme> = {},
): string {
  if (Array.isArray(secret)) {
    throw new WebhookConfigurationError([{ path: "secret", message: "must be one secret, not a list" }]);
  }
  const config = parseConfig({ secret, scheme, requireFreshness: false }, VERIFIER_OPTION_KEYS);
  const s = config.scheme;
  if (s.message === "timestamp+body" && parseTimestamp(timestamp, s.timestampUnit) === undefined) {
    throw new WebhookConfigurationError([
      {
        path: "timestamp",
        message: `must be a timestamp in ${s.timestampUnit} (see WebhookScheme.timestampUnit)`,
      },
    ]);
  }
  const body = bodyBytes(rawBody);
  if (body === undefined) {
    throw new WebhookConfigurationError([
      { path: "rawBody", message: "must be a string or a Buffer/Uint8Array" },
    ]);
  }
  const [key] = config.secrets;
  return s.prefix + hmac(key as Buffer, s, timestamp, body).toString(s.encoding);
}

// ---------------------------------------------------------------------------------------------
// Configuration

interface VerifierConfig {
  secrets: readonly Buffer[];
  scheme: Required<WebhookScheme>;
  /** undefined: freshness not required. */
  toleranceMs: number | undefined;
  clock: () => number;
}

const SCHEME_KEYS = Object.keys(EMULATOR_WEBHOOK_SCHEME);
const VERIFIER_OPTION_KEYS = ["secret", "toleranceSeconds", "requireFreshness", "scheme", "clock"];
const VERIFY_ARGS_KEYS = [
  "rawBody",
  "headers",
  "secret",
  "toleranceSeconds",
  "requireFreshness",
  "scheme",
  "now",
];
const DELIVERY_KEYS = ["rawBody", "headers"];
const MAX_SECRETS = 16;
/** RFC 9110 `token`, the syntax of a header name. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;
/** Visible ASCII without comma (and so without space): what survives in a list-valued header. */
const PREFIX = /^[\x21-\x2b\x2d-\x7e]{0,32}$/;

function enumMessage(values: readonly string[]): (issue: { input?: unknown }) => string {
  const allowed = values.map((v) => `"${v}"`).join(" or ");
  return (issue) => {
    if (typeof issue.input !== "string") return `must be ${allowed}, not ${kindOf(issue.input)}`;
    const near = closestName(issue.input, values);
    return `must be ${allowed}${near === undefined ? "" : `; did you mean "${near}"?`}`;
  };
}

function stringMessage(what: string): (issue: { input?: unknown }) => string {
  return (issue) =>
    typeof issue.input === "string" ? `must be ${what}` : `must be ${what}, not ${kindOf(issue.input)}`;
}

const SchemeOptions = z.strictObject({
  message: z.enum(["body", "timestamp+body"], { error: enumMessage(["body", "timestamp+body"]) }).optional(),
  separator: z
    .string({ error: stringMessage("a string") })
    .max(8, { error: "must be at most 8 characters" })
    .regex(/^[^0-9]*$/, { error: "must not contain digits (they would run into the timestamp)" })
    .optional(),
  encoding: z.enum(["hex", "base64"], { error: enumMessage(["hex", "base64"]) }).optional(),
  prefix: z
    .string({ error: stringMessage("a string") })
    .regex(PREFIX, {
      error:
        "must be at most 32 visible ASCII characters without spaces or commas (commas separate several signatures in one header)",
    })
    .optional(),
  timestampUnit: z
    .enum(["seconds", "milliseconds", "iso8601"], {
      error: enumMessage(["seconds", "milliseconds", "iso8601"]),
    })
    .optional(),
  signatureHeader: z
    .string({ error: stringMessage("a header name") })
    .regex(HEADER_NAME, { error: "must be a header name (letters, digits and !#$%&'*+.^_`|~-, at most 64)" })
    .optional(),
  timestampHeader: z
    .string({ error: stringMessage("a header name") })
    .regex(HEADER_NAME, { error: "must be a header name (letters, digits and !#$%&'*+.^_`|~-, at most 64)" })
    .optional(),
});

const SecretOption = z.custom<WebhookSecret>().superRefine((value, ctx) => {
  if (!Array.isArray(value)) {
    const problem = secretProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
    return;
  }
  if (value.length === 0)
    ctx.addIssue({ code: "custom", message: "is an empty list: give at least one secret" });
  if (value.length > MAX_SECRETS) {
    ctx.addIssue({
      code: "custom",
      message: `lists ${value.length} secrets; at most ${MAX_SECRETS} are accepted`,
    });
  }
  value.forEach((item: unknown, i: number) => {
    const problem = secretProblem(item);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem, path: [i] });
  });
});

const VerifierOptions = z.strictObject({
  secret: SecretOption,
  toleranceSeconds: z
    .number({
      error: (issue) =>
        typeof issue.input === "number"
          ? `must be a finite number of seconds, not ${kindOf(issue.input)} (to accept deliveries of any age, set requireFreshness: false instead)`
          : `must be a number of seconds, not ${kindOf(issue.input)}${typeof issue.input === "string" ? " (convert a value read from the environment with Number(...))" : ""}`,
    })
    .gt(0, { error: "must be greater than 0 seconds" })
    .max(MAX_WEBHOOK_TOLERANCE_SECONDS, {
      error: `must be at most ${MAX_WEBHOOK_TOLERANCE_SECONDS} seconds (a longer window checks nothing; set requireFreshness: false instead)`,
    })
    .optional(),
  requireFreshness: z
    .boolean({ error: (issue) => `must be true or false, not ${kindOf(issue.input)}` })
    .optional(),
  scheme: SchemeOptions.optional(),
  clock: z
    .custom<() => number>((v) => typeof v === "function", {
      error: "must be a function returning epoch milliseconds",
    })
    .optional(),
});

function secretProblem(value: unknown): string | undefined {
  if (value === undefined || value === null) {
    return `is ${value}: pass the webhook signing secret (is the environment variable that should hold it set?)`;
  }
  if (typeof value === "string") {
    if (value.length === 0) return "is empty: pass the webhook signing secret";
    if (value.trim().length === 0) return "is only whitespace: pass the webhook signing secret";
    if (value.trim() !== value) {
      return "starts or ends with whitespace (a newline read from a file?): trim it";
    }
    return undefined;
  }
  if (value instanceof Uint8Array)
    return value.length === 0 ? "is empty: pass the webhook signing secret" : undefined;
  return `must be a string or a Buffer/Uint8Array (or a list of them), not ${kindOf(value)}`;
}

/**
 * Checks the options of a verifier. Keys in `knownKeys` but not options (`rawBody`, `headers`, `now`)
 * are checked by the caller; any other key is a problem (a misspelt `toleranceSecond` must not
 * silently leave the default in force).
 */
function parseConfig(
  input: unknown,
  knownKeys: readonly string[],
  problems: WebhookConfigurationIssue[] = [],
  clock?: () => number,
): VerifierConfig {
  if (typeof input !== "object" || input === null) {
    throw new WebhookConfigurationError([
      { path: "options", message: `must be an object, not ${kindOf(input)}` },
    ]);
  }
  // rawBody, headers and now are checked by their own callers; only the option keys go to zod.
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (knownKeys.includes(key)) {
      if (VERIFIER_OPTION_KEYS.includes(key)) options[key] = value;
    } else if (value !== undefined) {
      const near = closestName(key, knownKeys);
      problems.push({
        path: key,
        message: `is not an option${near === undefined ? ` (known: ${knownKeys.join(", ")})` : `; did you mean ${near}?`}`,
      });
    }
  }
  const parsed = VerifierOptions.safeParse(options);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) {
          const near = closestName(key, SCHEME_KEYS);
          problems.push({
            path: formatPath([...issue.path, key]),
            message: `is not a scheme field${near === undefined ? ` (known: ${SCHEME_KEYS.join(", ")})` : `; did you mean ${near}?`}`,
          });
        }
      } else if (issue.code === "invalid_type" && issue.path.length === 1 && issue.path[0] === "scheme") {
        problems.push({ path: "scheme", message: `must be an object, not ${kindOf(options.scheme)}` });
      } else {
        problems.push({ path: formatPath(issue.path), message: issue.message });
      }
    }
    throw new WebhookConfigurationError(problems);
  }
  const o = parsed.data;
  const scheme: Required<WebhookScheme> = { ...EMULATOR_WEBHOOK_SCHEME, ...definedOnly(o.scheme ?? {}) };
  const requireFreshness = o.requireFreshness ?? true;
  if (requireFreshness && scheme.message === "body") {
    problems.push({
      path: "requireFreshness",
      message:
        'scheme.message "body" signs no timestamp, so a delivery\'s age cannot be verified and a captured ' +
        "delivery can be replayed at any time: set requireFreshness: false to accept that (and de-duplicate by run_id)",
    });
  }
  if (!requireFreshness && o.toleranceSeconds !== undefined) {
    problems.push({
      path: "toleranceSeconds",
      message: "is not used with requireFreshness: false; remove one of them",
    });
  }
  if (scheme.signatureHeader.toLowerCase() === scheme.timestampHeader.toLowerCase()) {
    problems.push({ path: "scheme.timestampHeader", message: "must differ from scheme.signatureHeader" });
  }
  if (problems.length > 0) throw new WebhookConfigurationError(problems);
  const secretList = (Array.isArray(o.secret) ? o.secret : [o.secret]) as (string | Uint8Array)[];
  return {
    // Copies: a caller that later changes its Buffer does not change the verifier.
    secrets: secretList.map((s) => (typeof s === "string" ? Buffer.from(s, "utf8") : Buffer.from(s))),
    scheme,
    toleranceMs: requireFreshness
      ? (o.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS) * 1000
      : undefined,
    clock: clock ?? o.clock ?? Date.now,
  };
}

// ---------------------------------------------------------------------------------------------
// Verification

function verifyDelivery(
  config: VerifierConfig,
  delivery: unknown,
  knownKeys: readonly string[],
): VerifiedWebhook {
  const { scheme } = config;
  if (typeof delivery !== "object" || delivery === null) {
    throw new WebhookConfigurationError([
      { path: "delivery", message: `must be an object, not ${kindOf(delivery)}` },
    ]);
  }
  const problems: WebhookConfigurationIssue[] = [];
  for (const key of Object.keys(delivery)) {
    if (!knownKeys.includes(key))
      problems.push({ path: key, message: "is not a field of a delivery (rawBody, headers)" });
  }
  const { rawBody, headers } = delivery as Record<string, unknown>;
  const body = bodyBytes(rawBody);
  if (body === undefined) problems.push({ path: "rawBody", message: rawBodyProblem(rawBody) });
  const source = headerSource(headers);
  if (typeof source === "string") problems.push({ path: "headers", message: source });
  if (problems.length > 0 || body === undefined || typeof source === "string") {
    throw new WebhookConfigurationError(problems);
  }

  const signatures = headerValues(source, scheme.signatureHeader);
  if (signatures.length === 0) {
    throw new WebhookVerificationError(
      "missing_header",
      `the ${scheme.signatureHeader} header is missing or empty`,
    );
  }

  // With a body-only scheme the timestamp header is unauthenticated: it is neither required nor read.
  let timestamp: string | undefined;
  let signedAt: number | undefined;
  if (scheme.message === "timestamp+body") {
    const values = headerValues(source, scheme.timestampHeader);
    if (values.length === 0) {
      throw new WebhookVerificationError(
        "missing_header",
        `the ${scheme.timestampHeader} header is missing or empty`,
      );
    }
    if (values.length > 1) {
      throw new WebhookVerificationError(
        "malformed_timestamp",
        `the ${scheme.timestampHeader} header has ${values.length} values; exactly one is accepted`,
      );
    }
    timestamp = values[0] as string;
    signedAt = parseTimestamp(timestamp, scheme.timestampUnit);
    if (signedAt === undefined) {
      throw new WebhookVerificationError(
        "malformed_timestamp",
        `the ${scheme.timestampHeader} header is not a timestamp in ${scheme.timestampUnit}${unitHint(timestamp, scheme.timestampUnit)}`,
      );
    }
  }

  if (signatures.length > MAX_WEBHOOK_SIGNATURES) {
    throw new WebhookVerificationError(
      "bad_signature",
      `the ${scheme.signatureHeader} header carries ${signatures.length} signatures; at most ${MAX_WEBHOOK_SIGNATURES} are checked`,
    );
  }
  const given = signatures.map((s) => Buffer.from(s, "utf8"));
  const matched = config.secrets.some((secret) => {
    const digest = hmac(secret, scheme, timestamp ?? "", body);
    return canonicalSignatures(digest, scheme).some((expected) =>
      // timingSafeEqual needs equal lengths; a length mismatch reveals only the (public) encoding size.
      given.some((g) => g.length === expected.length && timingSafeEqual(g, expected)),
    );
  });
  if (!matched) {
    throw new WebhookVerificationError(
      "bad_signature",
      "no signature matches the body under the configured secret(s)",
    );
  }

  if (config.toleranceMs !== undefined && signedAt !== undefined) {
    const now = config.clock();
    if (!Number.isFinite(now)) {
      throw new WebhookConfigurationError([
        { path: "clock", message: "returned a value that is not a finite number" },
      ]);
    }
    const ageMs = now - signedAt;
    if (Math.abs(ageMs) > config.toleranceMs) {
      const seconds = Math.round(Math.abs(ageMs) / 1000);
      throw new WebhookVerificationError(
        "stale_timestamp",
        `the delivery's signed timestamp is ${seconds} s ${ageMs >= 0 ? "old" : "in the future"}; ` +
          `at most ${config.toleranceMs / 1000} s is accepted${staleHint(signedAt, now, scheme.timestampUnit)}`,
      );
    }
  }

  const event = parseEvent(body);
  return { event, freshness: config.toleranceMs === undefined ? "unverified" : "verified", signedAt };
}

function hmac(secret: Buffer, scheme: Required<WebhookScheme>, timestamp: string, body: Buffer): Buffer {
  const mac = createHmac("sha256", secret);
  if (scheme.message === "timestamp+body") mac.update(`${timestamp}${scheme.separator}`, "utf8");
  return mac.update(body).digest();
}

/** The only signature strings accepted for `digest`: its canonical encodings, prefix included. */
function canonicalSignatures(digest: Buffer, scheme: Required<WebhookScheme>): Buffer[] {
  if (scheme.encoding === "base64") return [Buffer.from(scheme.prefix + digest.toString("base64"), "utf8")];
  const hex = digest.toString("hex");
  return [Buffer.from(scheme.prefix + hex, "utf8"), Buffer.from(scheme.prefix + hex.toUpperCase(), "utf8")];
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function parseEvent(body: Buffer): RunCompletedEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(UTF8.decode(body));
  } catch {
    throw new WebhookVerificationError("malformed_body", "the body is not UTF-8 JSON");
  }
  const result = RunCompletedEvent.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "body";
    throw new WebhookVerificationError(
      "malformed_body",
      `the body is not a run.completed event (${where}: ${issue?.message ?? "invalid"})`,
    );
  }
  return result.data;
}

// ---------------------------------------------------------------------------------------------
// Headers

/** A normalised view of the headers: every (name, value) pair, names as given. */
type HeaderSource = { pairs: [string, unknown][] } | { get: (name: string) => unknown };

/** The headers as pairs or a getter, or why they cannot be read. */
function headerSource(headers: unknown): HeaderSource | string {
  if (typeof headers !== "object" || headers === null) {
    return `must be the request's headers (req.headers, request.headers or req.rawHeaders), not ${kindOf(headers)}`;
  }
  if (Array.isArray(headers)) {
    if (headers.every((h) => typeof h === "string")) {
      if (headers.length % 2 !== 0) return "a flat list (req.rawHeaders) must alternate names and values";
      const pairs: [string, unknown][] = [];
      for (let i = 0; i < headers.length; i += 2) pairs.push([headers[i] as string, headers[i + 1]]);
      return { pairs };
    }
    if (headers.every((h) => Array.isArray(h) && h.length === 2 && typeof h[0] === "string")) {
      return { pairs: headers.map((h) => [h[0], h[1]] as [string, unknown]) };
    }
    return "a list must be req.rawHeaders ([name, value, …]) or [name, value] pairs";
  }
  const record = headers as Record<PropertyKey, unknown>;
  if (typeof record.method === "string" && typeof record.headers === "object" && record.headers !== null) {
    return "is a request object: pass its headers (req.headers or request.headers)";
  }
  // Headers, Map and the like: iterate, so a case-sensitive Map is matched case-insensitively too.
  if (typeof record[Symbol.iterator] === "function") {
    const pairs: [string, unknown][] = [];
    for (const entry of headers as Iterable<unknown>) {
      if (!Array.isArray(entry) || typeof entry[0] !== "string")
        return "an iterable must yield [name, value] pairs";
      pairs.push([entry[0], entry[1]]);
    }
    return { pairs };
  }
  if (typeof record.get === "function") {
    const get = record.get as (name: string) => unknown;
    return { get: (name) => get.call(headers, name) };
  }
  return { pairs: Object.entries(record) };
}

/** ASCII-only lower case: `toLowerCase` would fold `K` (Kelvin) to `k` and `İ` to `i̇`. */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/**
 * Every value of header `name`, across repeated lines and comma-joined lists, trimmed of optional
 * whitespace (space, tab), empty elements dropped (RFC 9110 §5.6.1).
 */
function headerValues(source: HeaderSource, name: string): string[] {
  const wanted = asciiLower(name);
  const raw: unknown[] =
    "get" in source
      ? [source.get(wanted)]
      : source.pairs.filter(([k]) => asciiLower(k) === wanted).map(([, v]) => v);
  const values: string[] = [];
  for (const value of raw) {
    if (value === undefined || value === null) continue;
    const list = Array.isArray(value) ? value : [value];
    for (const item of list) {
      if (typeof item !== "string") {
        throw new WebhookConfigurationError([
          {
            path: `headers[${JSON.stringify(name)}]`,
            message: `must be a string or a list of strings, not ${kindOf(item)}`,
          },
        ]);
      }
      for (const element of item.split(",")) {
        const trimmed = element.replace(/^[ \t]+|[ \t]+$/g, "");
        if (trimmed !== "") values.push(trimmed);
      }
    }
  }
  return values;
}

// ---------------------------------------------------------------------------------------------
// Timestamps

const WHOLE_SECONDS = /^(?:0|[1-9][0-9]{0,10})$/;
const WHOLE_MILLISECONDS = /^(?:0|[1-9][0-9]{0,13})$/;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:Z|([+-])(\d{2}):(\d{2}))$/;

function parseTimestamp(value: string, unit: Required<WebhookScheme>["timestampUnit"]): number | undefined {
  if (unit === "seconds") return WHOLE_SECONDS.test(value) ? Number(value) * 1000 : undefined;
  if (unit === "milliseconds") return WHOLE_MILLISECONDS.test(value) ? Number(value) : undefined;
  const m = RFC3339.exec(value);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as number[] as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  const back = new Date(utc);
  // Date.UTC rolls 2026-02-30 over to March 2: compare the fields back to refuse such dates.
  if (
    back.getUTCFullYear() !== year ||
    back.getUTCMonth() !== month - 1 ||
    back.getUTCDate() !== day ||
    back.getUTCHours() !== hour ||
    back.getUTCMinutes() !== minute ||
    back.getUTCSeconds() !== second
  ) {
    return undefined;
  }
  const fraction = m[7] === undefined ? 0 : Math.floor(Number(`0${m[7]}`) * 1000);
  const offsetMinutes =
    m[8] === undefined ? 0 : (m[8] === "-" ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10]));
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return undefined;
  return utc + fraction - offsetMinutes * 60_000;
}

function unitHint(value: string, unit: Required<WebhookScheme>["timestampUnit"]): string {
  if (unit === "seconds" && /^[1-9][0-9]{11,13}$/.test(value)) {
    return ' (it looks like milliseconds: set scheme.timestampUnit to "milliseconds")';
  }
  if (unit !== "iso8601" && /^\d{4}-\d{2}-\d{2}T/.test(value)) {
    return ' (it looks like ISO 8601: set scheme.timestampUnit to "iso8601")';
  }
  return "";
}

function staleHint(signedAt: number, now: number, unit: Required<WebhookScheme>["timestampUnit"]): string {
  if (unit === "milliseconds" && Math.abs(signedAt * 1000 - now) < 86_400_000) {
    return ' (it looks like seconds: set scheme.timestampUnit to "seconds")';
  }
  return "";
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function bodyBytes(rawBody: unknown): Buffer | undefined {
  if (typeof rawBody === "string") return Buffer.from(rawBody, "utf8");
  if (rawBody instanceof Uint8Array)
    return Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength);
  return undefined;
}

function rawBodyProblem(rawBody: unknown): string {
  if (rawBody === undefined || rawBody === null) {
    return `is ${rawBody}: pass the request body's raw bytes (a Buffer) as received`;
  }
  if (typeof rawBody === "object") {
    return (
      `must be the raw request body (a Buffer/Uint8Array or a string), not ${kindOf(rawBody)}: ` +
      "was it parsed by a JSON body parser first? Read the raw bytes (e.g. express.raw(), await request.arrayBuffer())"
    );
  }
  return `must be the raw request body (a Buffer/Uint8Array or a string), not ${kindOf(rawBody)}`;
}

/** A value's kind for messages, never the value itself (it may be a secret). */
function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "NaN";
    if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
    return "a number";
  }
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") {
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor
      ?.name;
    return typeof name === "string" && name !== "Object" && name !== "" ? `a ${name}` : "an object";
  }
  return `a ${typeof value}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`))
    .join("");
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
