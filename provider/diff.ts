/**
 * `diff`: decides between no change, an in-place update and a replacement. Pure.
 *
 * `name` and `requests` change in place (one PUT). `callbackUrl` forces a replacement: the API's
 * PUT is not documented to accept it. `adoptExisting`/`adoptId` only steer a create and the
 * internal `__urn`/`__provider` are ignored. No `detailedDiff` is returned, so the engine renders
 * its own property-level diff (`pulumi preview --diff` shows `~ requests[1].url`).
 */
import { canonicalJson } from "./idempotency";
import { REPLACE_PROPERTIES } from "./inputs";

/** The result of {@link diffCollection}. */
export interface CollectionDiff {
  changes: boolean;
  replaces: string[];
  stables: string[];
  deleteBeforeReplace: boolean;
}

const same = (a: unknown, b: unknown): boolean => canonicalJson(a ?? null) === canonicalJson(b ?? null);

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
