/**
 * Call counts for commands whose collection reads may share list calls. The provider answers the
 * reads of a refresh, the lookups by name of a deployment and the lookups a program makes together
 * from list calls they share (provider/core/collection-snapshots.ts, core/lookups.ts): how many
 * reads share one list depends on when they arrive, so an exact list of reads would be a race.
 * What stays exact is every write and every read of a run; collection reads are bounded.
 */
import * as assert from "node:assert/strict";

/** A collection read: a list call (`GET /v1/async/collections`, any query) or a GET of one by id. */
export function isCollectionRead(call: string): boolean {
  return (
    /^GET \/v1\/async\/collections(\?[^ ]*)?$/.test(call) ||
    /^GET \/v1\/async\/collections\/[^/?]+$/.test(call)
  );
}

/**
 * Asserts that `actual` (calls as `METHOD path`) holds exactly the writes and run reads of
 * `unshared`, the calls the command makes when no read shares a list, and between 1 and as many
 * collection reads as `unshared` holds (none when it holds none).
 */
export function assertCallsWithin(
  actual: readonly string[],
  unshared: readonly string[],
  message?: string,
): void {
  const said = (what: string) => `${message ? `${message}: ` : ""}${what}\n  actual: ${actual.join(", ")}`;
  const exact = (calls: readonly string[]) => calls.filter((c) => !isCollectionRead(c)).sort();
  assert.deepEqual(exact(actual), exact(unshared), said("the writes and run reads"));
  const reads = actual.filter(isCollectionRead).length;
  const most = unshared.filter(isCollectionRead).length;
  assert.ok(reads <= most, said(`${reads} collection reads, more than the ${most} unshared ones`));
  if (most > 0) assert.ok(reads >= 1, said("no collection read"));
}
