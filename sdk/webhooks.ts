/**
 * Verification of ScrapingPros run-completion webhooks. Pure: no I/O, no Pulumi; usable in any
 * Node.js HTTP server (see `examples/webhook-receiver/`).
 *
 * What the vendor documents (API notes §5.2–§5.4): one signed `POST` per completed run, HMAC-SHA256,
 * headers `X-SP-Signature` and `X-SP-Timestamp`. What it does not (§5.5, §7 item 22): the signed
 * message, the encoding, a prefix, the timestamp unit, which secret, the replay window. So the scheme
 * is configuration, defaulting to the emulator's documented one ({@link EMULATOR_WEBHOOK_SCHEME}).
 * Confirm the vendor's scheme against one real delivery before enforcing it in production.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { Schema } from "../provider/client/schema";

/**
 * How a delivery is signed.
 * @example
 * // The emulator's scheme (the default): sha256=<hex HMAC of "<timestamp>.<body>">
 * { message: "timestamp+body", separator: ".", encoding: "hex", prefix: "sha256=" }
 * // A body-only, base64 scheme without prefix
 * { message: "body", encoding: "base64" }
 */
export interface WebhookScheme {
  /** What is signed: the raw body alone, or the timestamp header's value, `separator`, then the raw body. */
  message: "body" | "timestamp+body";
  /** Between timestamp and body when `message` is `"timestamp+body"`. @default "." */
  separator?: string;
  /** How the signature header encodes the HMAC digest. Hex is compared case-insensitively. */
  encoding: "hex" | "base64";
  /** A prefix the signature header carries before the digest, e.g. `"sha256="`. @default "" (none) */
  prefix?: string;
  /** Unit of the timestamp header. @default "seconds" (unix seconds) */
  timestampUnit?: "seconds" | "milliseconds" | "iso8601";
  /** Name of the signature header (case-insensitive). @default "x-sp-signature" (API notes §5.4) */
  signatureHeader?: string;
  /** Name of the timestamp header (case-insensitive). @default "x-sp-timestamp" (API notes §5.4) */
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
 * The `run.completed` event (API notes §5.3). Fields the docs show are typed; the docs omit
 * `timeout_requests` though runs carry it, so it is optional; unknown fields are kept as they are.
 * `timestamp` is an ISO 8601 UTC string (unlike the REST API's epoch seconds).
 * `RunCompletedEvent.parse(body)` checks a parsed body without a signature.
 */
export const RunCompletedEvent: Schema<RunCompletedEvent> = z.looseObject({
  /** The event type: always `run.completed` (other events are refused as `invalid_payload`). */
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
  /** The signature header, or the timestamp header the scheme needs, is absent or empty. */
  | "missing_header"
  /** The timestamp header is not a value of the scheme's `timestampUnit`. */
  | "malformed_timestamp"
  /** The signature does not match the body under any of the secrets (or lacks the prefix). */
  | "bad_signature"
  /** The signature matches, but the timestamp is further than the tolerance from now. */
  | "stale_timestamp"
  /** The signature matches, but the body is not JSON or not a `run.completed` event. */
  | "malformed_body";

const ERROR_BRAND = Symbol.for("pulumi-scrapingpros.WebhookVerificationError");

/**
 * Thrown by {@link verifyWebhook}. `instanceof` works across copies of this package (the class is
 * recognised by a `Symbol.for` brand, not by identity). The message never contains the secret, the
 * signature or the body.
 */
export class WebhookVerificationError extends Error {
  /** Which check failed. Answer such a request with 4xx (401 for signature and timestamp problems). */
  readonly reason: WebhookVerificationReason;

  constructor(reason: WebhookVerificationReason, message: string) {
    super(message);
    this.name = "WebhookVerificationError";
    this.reason = reason;
    Object.defineProperty(this, ERROR_BRAND, { value: true });
  }

  /** Brand check, so errors from another copy of the package are recognised. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return (
      typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[ERROR_BRAND] === true
    );
  }
}

/** Request headers as `node:http` gives them, a plain record, or a fetch `Headers`. */
export type WebhookHeaders =
  | Record<string, string | readonly string[] | undefined>
  | {
      /** The header's value, `null` when absent (a fetch `Headers`). */
      get(name: string): string | null;
    };

/** Arguments of {@link verifyWebhook}. */
export interface VerifyWebhookArgs {
  /**
   * The request body exactly as received: a Buffer/Uint8Array of the raw bytes (preferred), or the
   * raw text. Never a re-serialised `JSON.stringify(parsed)`: that changes bytes and breaks the HMAC.
   */
  rawBody: Uint8Array | string;
  /** The request's headers (names are matched case-insensitively). */
  headers: WebhookHeaders;
  /**
   * The HMAC key, or several (during a rotation: any match is accepted). Which secret the vendor
   * uses is undocumented (API notes §5.5); the emulator uses its `webhookSecret`, by default the API key.
   */
  secret: string | Uint8Array | readonly (string | Uint8Array)[];
  /**
   * Largest accepted distance between the timestamp header and now, in seconds. `Infinity` turns the
   * check off (and, with `message: "body"`, makes the timestamp header optional).
   * @default 300
   */
  toleranceSeconds?: number;
  /** The signing scheme. Missing fields take {@link EMULATOR_WEBHOOK_SCHEME}'s values. @default EMULATOR_WEBHOOK_SCHEME */
  scheme?: Partial<WebhookScheme>;
  /** The current time in epoch milliseconds, for tests. @default Date.now() */
  now?: number;
}

/**
 * Verifies a webhook delivery and returns its event.
 *
 * Checks, in order: the headers are present (`missing_header`); the timestamp parses
 * (`malformed_timestamp`); HMAC-SHA256 over the raw bytes matches the signature, compared with
 * `crypto.timingSafeEqual` (`bad_signature`); the timestamp is within `toleranceSeconds` of now
 * (`stale_timestamp`); the body is a `run.completed` event (`malformed_body`). The body is parsed only
 * after the signature matched.
 *
 * Deliveries may repeat (the emulator retries up to 3 times; the vendor's policy is undocumented):
 * de-duplicate by `run_id`.
 * @returns the verified event, unknown fields included.
 * @throws WebhookVerificationError naming the failed check in `reason`.
 * @example
 * const event = verifyWebhook({ rawBody, headers: req.headers, secret: process.env.WEBHOOK_SECRET! });
 * console.log(event.run_id, event.status);
 */
export function verifyWebhook(args: VerifyWebhookArgs): RunCompletedEvent {
  const scheme: Required<WebhookScheme> = { ...EMULATOR_WEBHOOK_SCHEME, ...definedOnly(args.scheme ?? {}) };
  const tolerance = args.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS;
  if (!(tolerance >= 0)) throw new RangeError("toleranceSeconds must be a non-negative number");
  const secrets = (Array.isArray(args.secret) ? args.secret : [args.secret]) as (string | Uint8Array)[];
  if (secrets.length === 0 || secrets.some((s) => s.length === 0)) {
    throw new RangeError("secret must be a non-empty string or byte array");
  }

  const signatures = headerValues(args.headers, scheme.signatureHeader);
  if (signatures.length === 0) {
    throw new WebhookVerificationError("missing_header", `the ${scheme.signatureHeader} header is missing`);
  }
  const needTimestamp = scheme.message === "timestamp+body" || Number.isFinite(tolerance);
  const timestamp = headerValues(args.headers, scheme.timestampHeader)[0];
  if (timestamp === undefined && needTimestamp) {
    throw new WebhookVerificationError("missing_header", `the ${scheme.timestampHeader} header is missing`);
  }
  let timestampMs: number | undefined;
  if (timestamp !== undefined) {
    timestampMs = parseTimestamp(timestamp, scheme.timestampUnit);
    if (timestampMs === undefined) {
      throw new WebhookVerificationError(
        "malformed_timestamp",
        `the ${scheme.timestampHeader} header is not a timestamp in ${scheme.timestampUnit}`,
      );
    }
  }

  const body =
    typeof args.rawBody === "string" ? Buffer.from(args.rawBody, "utf8") : Buffer.from(args.rawBody);
  const message =
    scheme.message === "body"
      ? body
      : Buffer.concat([Buffer.from(`${timestamp ?? ""}${scheme.separator}`, "utf8"), body]);
  const matched = secrets.some((secret) => {
    const digest = createHmac("sha256", secret).update(message).digest();
    return signatures.some((signature) => signatureMatches(signature, digest, scheme));
  });
  if (!matched) {
    throw new WebhookVerificationError("bad_signature", "the signature does not match the body");
  }

  if (timestampMs !== undefined && Number.isFinite(tolerance)) {
    const ageSeconds = ((args.now ?? Date.now()) - timestampMs) / 1000;
    if (Math.abs(ageSeconds) > tolerance) {
      throw new WebhookVerificationError(
        "stale_timestamp",
        `the delivery's timestamp is ${Math.round(Math.abs(ageSeconds))} s ${ageSeconds >= 0 ? "old" : "in the future"}; ` +
          `at most ${tolerance} s is accepted`,
      );
    }
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw new WebhookVerificationError("malformed_body", "the body is not JSON");
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

/**
 * Signs a body the way `scheme` describes: the value of the signature header for this timestamp.
 * For tests and for senders; `timestamp` is ignored when `message` is `"body"`.
 */
export function signWebhookPayload(
  secret: string | Uint8Array,
  timestamp: string,
  rawBody: Uint8Array | string,
  scheme: Partial<WebhookScheme> = {},
): string {
  const s: Required<WebhookScheme> = { ...EMULATOR_WEBHOOK_SCHEME, ...definedOnly(scheme) };
  const body = typeof rawBody === "string" ? Buffer.from(rawBody, "utf8") : Buffer.from(rawBody);
  const message =
    s.message === "body" ? body : Buffer.concat([Buffer.from(`${timestamp}${s.separator}`, "utf8"), body]);
  return s.prefix + createHmac("sha256", secret).update(message).digest(s.encoding);
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function headerValues(headers: WebhookHeaders, name: string): string[] {
  const lower = name.toLowerCase();
  let raw: string | readonly string[] | null | undefined;
  if (typeof (headers as { get?: unknown }).get === "function") {
    raw = (headers as { get(name: string): string | null }).get(lower);
  } else {
    const record = headers as Record<string, string | readonly string[] | undefined>;
    const key = Object.keys(record).find((k) => k.toLowerCase() === lower);
    raw = key === undefined ? undefined : record[key];
  }
  const list = raw === null || raw === undefined ? [] : typeof raw === "string" ? [raw] : [...raw];
  return list.map((v) => v.trim()).filter((v) => v !== "");
}

function parseTimestamp(value: string, unit: Required<WebhookScheme>["timestampUnit"]): number | undefined {
  if (unit === "iso8601") {
    const ms = Date.parse(value);
    return /^\d{4}-\d{2}-\d{2}T/.test(value) && Number.isFinite(ms) ? ms : undefined;
  }
  if (!/^\d+(\.\d+)?$/.test(value)) return undefined;
  const n = Number(value);
  return unit === "seconds" ? n * 1000 : n;
}

function signatureMatches(signature: string, digest: Buffer, scheme: Required<WebhookScheme>): boolean {
  if (!signature.startsWith(scheme.prefix)) return false;
  const encoded = signature.slice(scheme.prefix.length);
  let given: Buffer;
  if (scheme.encoding === "hex") {
    if (!/^[0-9a-fA-F]+$/.test(encoded) || encoded.length % 2 !== 0) return false;
    given = Buffer.from(encoded, "hex");
  } else {
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded)) return false;
    given = Buffer.from(encoded, "base64");
  }
  // timingSafeEqual needs equal lengths; a length mismatch reveals only the (public) digest size.
  return given.length === digest.length && timingSafeEqual(given, digest);
}
