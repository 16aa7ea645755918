/**
 * Deterministic identities derived from the resource's URN: the `Idempotency-Key` of a create and
 * the auto-generated collection name. Pure functions.
 */
import { createHash } from "node:crypto";
import canonicalize from "canonicalize";

/**
 * How deeply a value given to {@link canonicalJson} may nest. `check` bounds a request at 64
 * levels; this guard turns anything deeper that reaches here another way into a clear error
 * instead of a stack overflow in the (recursive) serializer.
 */
export const MAX_CANONICAL_DEPTH = 256;

/**
 * RFC 8785 canonical JSON (sorted keys, no insignificant whitespace, `undefined` members dropped).
 * @throws TypeError when the value nests deeper than {@link MAX_CANONICAL_DEPTH} or is not JSON.
 */
export function canonicalJson(value: unknown): string {
  if (nestsDeeperThan(value, MAX_CANONICAL_DEPTH)) {
    throw new TypeError(`value nests lists and objects more than ${MAX_CANONICAL_DEPTH} levels deep`);
  }
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError("value cannot be serialized as JSON");
  return text;
}

/** Whether lists and objects in `value` nest more than `max` levels; iterative, so it cannot overflow. */
function nestsDeeperThan(value: unknown, max: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [v, depth] = pending.pop() as [unknown, number];
    if (typeof v !== "object" || v === null) continue;
    // a cycle is infinitely deep, so it ends here too
    if (depth > max) return true;
    for (const child of Object.values(v)) pending.push([child, depth + 1]);
  }
  return false;
}

/** The value re-parsed from its canonical JSON, so that `JSON.stringify` emits the canonical bytes. */
export function canonicalClone<T>(value: T): T {
  return JSON.parse(canonicalJson(value)) as T;
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/**
 * Where a resource's derived identities live: its URN, and the stack's scope (the random id of the
 * stack's `StackScope`, which tells apart two stacks with the same project and stack names on two
 * backends). State written before scopes existed has none: its identities stay as they were.
 */
export interface IdentityScope {
  /** The resource's URN. */
  urn: string;
  /** The id of the stack's `StackScope`; absent in state written before scopes existed. */
  scope?: string | undefined;
  /** How many times the resource was replaced (the engine checked it again without olds). */
  generation?: number | undefined;
}

function identityText(id: IdentityScope): string {
  let text = id.urn;
  if (id.scope) text += `\nscope:${id.scope}`;
  if (id.generation) text += `\ngeneration:${id.generation}`;
  return text;
}

/**
 * The `Idempotency-Key` of a create: a UUID-shaped (version 8, RFC 9562) digest of the URN, the
 * stack's scope and the canonical POST body. The same desired state of the same resource always
 * yields the same key, so a create that is retried, or repeated by a second `pulumi up` after a
 * lost response, is replayed by the API instead of creating a second collection; a changed body
 * yields a new key, never a 422. `attempt` > 0 derives the next key in a chain, used when the
 * collection an earlier key created no longer exists.
 * @example deriveIdempotencyKey({ urn, scope }, body)
 */
export function deriveIdempotencyKey(id: IdentityScope | string, body: unknown, attempt = 0): string {
  const identity = identityText(typeof id === "string" ? { urn: id } : id);
  const salt = attempt > 0 ? `\nattempt:${attempt}` : "";
  const digest = sha256(`pulumi-scrapingpros/idempotency/v1\n${identity}\n${canonicalJson(body)}${salt}`);
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
 * The name of an auto-named collection: the logical name plus 8 hex digits of a digest of the URN,
 * the stack's scope and the inputs that force replacement. Stable for a rerun of the same create
 * (so an interrupted deployment finds the collection by name), new on replacement (so old and new
 * never share a name). `check` derives it only for a new resource; afterwards the stored name is
 * kept, so refactors that change the URN (aliases, re-parenting, stack renames) rename nothing.
 * @example deriveAutoName({ urn, scope }, { callbackUrl: null }) // "daily-tours-3f2a9c1e"
 */
export function deriveAutoName(id: IdentityScope | string, replaceInputs: Record<string, unknown>): string {
  const scoped = typeof id === "string" ? { urn: id } : id;
  const digest = sha256(
    `pulumi-scrapingpros/name/v1\n${identityText(scoped)}\n${canonicalJson(replaceInputs)}`,
  ).toString("hex");
  return `${logicalNameFromUrn(scoped.urn)}-${digest.slice(0, 8)}`;
}
