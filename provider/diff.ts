/**
 * `diff`: decides between no change, an in-place update and a replacement. Pure.
 *
 * `name` and `requests` change in place (one PUT). `callbackUrl` forces a replacement: the API's
 * PUT is not documented to accept it. `adoptExisting`/`adoptId` only steer a create and the
 * internal `__urn`/`__provider` are ignored. No `detailedDiff` is returned, so the engine renders
 * its own property-level diff (`pulumi preview --diff` shows `~ requests[1].url`).
 */
import { REPLACE_PROPERTIES } from "./inputs";

/** The result of {@link diffCollection}. */
export interface CollectionDiff {
  changes: boolean;
  replaces: string[];
  stables: string[];
  deleteBeforeReplace: boolean;
}

/**
 * Equality of JSON values as their canonical JSON would compare them (key order ignored, an
 * `undefined` member the same as a missing one), without serializing: `diff` runs on every
 * preview, and serializing a 50,000-request list twice costs ten times more.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || a === null) return b === undefined || b === null;
  if (typeof a !== "object" || typeof b !== "object" || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let defined = 0;
  for (const k in ao) {
    if (ao[k] === undefined) continue;
    defined++;
    if (!Object.hasOwn(bo, k) || !sameJson(ao[k], bo[k])) return false;
  }
  for (const k in bo) if (bo[k] !== undefined) defined--;
  return defined === 0;
}

const same = sameJson;

/** Compares the stored outputs `olds` with the checked inputs `news`. */
export function diffCollection(olds: Record<string, unknown>, news: Record<string, unknown>): CollectionDiff {
  const replaces = REPLACE_PROPERTIES.filter((p) => !same(olds[p], news[p]));
  const updates = (["name", "requests"] as const).filter((p) => !same(olds[p], news[p]));
  return {
    changes: replaces.length > 0 || updates.length > 0,
    replaces: [...replaces],
    stables: replaces.length === 0 ? ["name"] : [],
    deleteBeforeReplace: false,
  };
}
