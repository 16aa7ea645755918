/**
 * Which run is this resource's: the API has no idempotency key and no metadata for runs (API notes
 * §4.1), so a run carries the resource's fingerprint in its `callback_url` fragment, and a create
 * that may have started one already (a lost answer, a killed deployment, a replacement) looks for it
 * among the collection's runs. Pure.
 */
import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import type { Run } from "../../client/schemas";
import type { CollectionRunInputs } from "./state";

/** The fragment key of the fingerprint in a run's `callback_url`. */
export const RUN_FINGERPRINT_KEY = "sp-run";

/** The fingerprint of this resource's runs: URN, stack scope, collection and triggers. */
export function runFingerprint(
  inputs: Pick<CollectionRunInputs, "__urn" | "__scope" | "collectionId" | "triggers">,
): string {
  const text =
    canonicalize([inputs.__urn, inputs.__scope, inputs.collectionId, inputs.triggers ?? null]) ?? "";
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/** `url` with this resource's fingerprint as its fragment. */
export function withFingerprint(url: string, fingerprint: string): string {
  return `${url}#${RUN_FINGERPRINT_KEY}=${fingerprint}`;
}

/** `url` without a fingerprint fragment. */
export function withoutFingerprint(url: string | null | undefined): string | null {
  if (url === null || url === undefined) return null;
  const at = url.indexOf(`#${RUN_FINGERPRINT_KEY}=`);
  return at < 0 ? url : url.slice(0, at);
}

/** What a create knows when it looks for its own run among a collection's runs. */
export interface OwnRunContext {
  /** This resource's fingerprint ({@link runFingerprint}), matched with a `callbackUrl`. */
  fingerprint: string;
  /**
   * The run of the resource this create replaces, as the engine's diff (or the delete of a
   * delete-before-replace) showed it: only a run listed before it, so started after it, can be the
   * one an interrupted replacement started. When it is not in the list, none is taken.
   */
  replacedRunId?: string | undefined;
  /**
   * True when this create replaces a resource (the engine checked it with old inputs). Without
   * `replacedRunId` (the engine forced the replacement without a diff) no run is taken.
   */
  replacing?: boolean | undefined;
  /**
   * Epoch seconds in the API's clock: only runs created after then can be this resource's (a
   * replacement onto another collection, bounded by the replaced run's creation). Used instead of
   * `replacedRunId`, which must then be unset.
   */
  createdAfter?: number | undefined;
  /** Runs other resources hold: never taken. */
  claimed?: ReadonlySet<string> | undefined;
  /**
   * Epoch seconds: only runs created since then are taken, in any status (the lookup after a start
   * that got no answer, which bounds the runs in time instead of by the replaced one).
   */
  since?: number | undefined;
}

/**
 * This resource's run among `runs` (newest first, as the API lists them), or undefined when it has
 * none and must start one: with a callbackUrl, the one whose `callback_url` carries the fingerprint;
 * without, the newest one carrying no fingerprint at all. Only runs in progress are taken, unless
 * `since` is given; never a run another resource holds, nor the replaced run or one older than it.
 * Pure.
 */
export function pickOwnRun(
  runs: Run[],
  inputs: Pick<CollectionRunInputs, "callbackUrl">,
  own: OwnRunContext,
): Run | undefined {
  let pool = runs;
  if (own.replacedRunId !== undefined) {
    const at = runs.findIndex((r) => r.run_id === own.replacedRunId);
    if (at < 0 && own.since === undefined) return undefined;
    if (at >= 0) pool = runs.slice(0, at);
  } else if (own.createdAfter !== undefined) {
    const after = own.createdAfter;
    pool = runs.filter((r) => r.created_at != null && r.created_at > after);
  } else if (own.replacing && own.since === undefined) {
    return undefined;
  }
  const since = own.since;
  const eligible = (r: Run) =>
    !own.claimed?.has(r.run_id) &&
    r.run_id !== own.replacedRunId &&
    (since === undefined ? r.status === "in_progress" : r.created_at == null || r.created_at >= since);
  if (inputs.callbackUrl !== undefined) {
    const expected = withFingerprint(inputs.callbackUrl, own.fingerprint);
    return pool.find((r) => r.callback_url === expected && eligible(r));
  }
  return pool.find((r) => !(r.callback_url ?? "").includes(`#${RUN_FINGERPRINT_KEY}=`) && eligible(r));
}
