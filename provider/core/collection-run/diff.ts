/**
 * `diff` of a CollectionRun: a change of `collectionId`, `triggers` or `callbackUrl` starts a new run
 * (a replacement); one of `wait`, `timeoutSeconds` or `failOn` is an update. Pure.
 */
import type { CollectionDiff } from "../collection/diff";
import { sameJson } from "../collection/diff";
import { RUN_REPLACE_PROPERTIES } from "./state";

/** Compares the stored state `olds` (its declared `callbackUrl` is `declaredCallbackUrl`) with the checked inputs `news`. */
export function diffCollectionRun(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): CollectionDiff {
  const declared: Record<string, unknown> = { ...olds, callbackUrl: olds.declaredCallbackUrl ?? undefined };
  const replaces = RUN_REPLACE_PROPERTIES.filter((k) => !sameJson(declared[k], news[k]));
  const updates = (["wait", "timeoutSeconds", "failOn"] as const).filter(
    (k) => !sameJson(declared[k], news[k]),
  );
  return {
    changes: replaces.length + updates.length > 0,
    diffs: [...replaces, ...updates],
    replaces: [...replaces],
    stables: [],
    deleteBeforeReplace: false,
  };
}
