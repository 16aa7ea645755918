/**
 * Deterministic identities derived from the resource's URN: the `Idempotency-Key` of a create and
 * the auto-generated collection name. Pure functions.
 */
import { createHash } from "node:crypto";
import canonicalize from "canonicalize";

/** RFC 8785 canonical JSON (sorted keys, no insignificant whitespace, `undefined` members dropped). */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError("value cannot be serialized as JSON");
  return text;
}

/** The value re-parsed from its canonical JSON, so that `JSON.stringify` emits the canonical bytes. */
export function canonicalClone<T>(value: T): T {
  return JSON.parse(canonicalJson(value)) as T;
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/**
 * The `Idempotency-Key` of a create: a UUID-shaped (version 8, RFC 9562) digest of the URN and the
 * canonical POST body. The same desired state under the same URN always yields the same key, so a
 * create that is retried, or repeated by a second `pulumi up` after a lost response, is replayed by
 * the API instead of creating a second collection; a changed body yields a new key, never a 422.
 * @example deriveIdempotencyKey("urn:pulumi:dev::proj::pulumi-nodejs:dynamic/scrapingpros:Collection::daily", body)
 */
export function deriveIdempotencyKey(urn: string, body: unknown): string {
  const digest = sha256(`pulumi-scrapingpros/idempotency/v1\n${urn}\n${canonicalJson(body)}`);
  const b = Buffer.from(digest.subarray(0, 16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x80; // version 8: custom
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80; // RFC 9562 variant
  const hex = b.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The logical name of a resource: the URN's last `::` segment. */
export function logicalNameFromUrn(urn: string): string {
  const i = urn.lastIndexOf("::");
  return i >= 0 ? urn.slice(i + 2) : urn;
}

/**
 * The name of an auto-named collection: the logical name plus 8 hex digits of a digest of the URN
 * and of the inputs that force replacement. Stable across in-place edits (so a rerun finds the
 * collection by name), new on replacement (so old and new never share a name).
 * @example deriveAutoName(urn, { callbackUrl: undefined }) // "daily-tours-3f2a9c1e"
 */
export function deriveAutoName(urn: string, replaceInputs: Record<string, unknown>): string {
  const digest = sha256(`pulumi-scrapingpros/name/v1\n${urn}\n${canonicalJson(replaceInputs)}`).toString(
    "hex",
  );
  return `${logicalNameFromUrn(urn)}-${digest.slice(0, 8)}`;
}
