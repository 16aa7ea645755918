import { createHash } from "node:crypto";
import canonicalize from "canonicalize";

/** Longest accepted `Idempotency-Key`, in characters. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** 422 detail when a key is reused with another body. */
export const IDEMPOTENCY_MISMATCH_DETAIL = "Idempotency-Key reused with a different request body";

/** 409 detail when a request with the same key has not been answered yet. */
export const IDEMPOTENCY_IN_PROGRESS_DETAIL = "A request with this Idempotency-Key is already in progress";

/**
 * Fingerprint of a request body: sha256 over its RFC 8785 canonical form, so key order and number
 * formatting do not matter but every value does.
 */
export function bodyFingerprint(body: unknown): string {
  return createHash("sha256")
    .update(canonicalize(body) ?? "")
    .digest("hex");
}

/**
 * The scope idempotency keys live in: a hash of the API key, so the key itself is never stored. The
 * server also authenticates by comparing scopes.
 */
export function keyScope(apiKey: string): string {
  return createHash("sha256").update(apiKey).digest("hex").slice(0, 32);
}

/**
 * Keys whose first request is still being answered (between arrival and the response being sent, which
 * includes a `delay` before processing and a `hold` after it). A second request with the same key in
 * that window gets 409 instead of racing the first.
 */
export class InFlightKeys {
  private readonly keys = new Set<string>();

  /** Claims `key` in `scope`; false when another request holds it. */
  claim(scope: string, key: string): boolean {
    const id = `${scope}\n${key}`;
    if (this.keys.has(id)) return false;
    this.keys.add(id);
    return true;
  }

  /** Releases a claim made by {@link InFlightKeys.claim}. */
  release(scope: string, key: string): void {
    this.keys.delete(`${scope}\n${key}`);
  }
}
