/**
 * What an engine request and its response carry that `@pulumi/pulumi/provider`'s server does not
 * pass between the engine and the provider's methods:
 *
 * - the `timeout` of a Create or Update (the resource's `customTimeouts`, in seconds; 0 when
 *   unset), which the provider reads with {@link requestTimeoutMs};
 * - the changed properties of a Diff (`diffs`, the engine's `ChangedKeys`), which the engine needs
 *   to apply a resource's `replaceOnChanges`, and which the provider reports with
 *   {@link reportChangedKeys}.
 *
 * The server shim (`grpc-shim.ts`) runs each such call in {@link inRequest}.
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** One engine request, as the shim records it. */
export interface RequestRecord {
  /** The request's `timeout`, in seconds (0 or less: none). */
  timeoutSeconds?: number;
  /** The changed properties the provider reported for the response. */
  changedKeys?: string[];
}

const requests = new AsyncLocalStorage<RequestRecord>();

/** Runs `fn` as the handling of the request `record` describes (which the provider may fill in). */
export function inRequest<T>(record: RequestRecord, fn: () => T): T {
  return requests.run(record, fn);
}

/**
 * Runs `fn` as the handling of a request whose `timeout` is `seconds` (the engine's unit; 0 or
 * less means none).
 */
export function withRequestTimeout<T>(seconds: number, fn: () => T): T {
  return inRequest({ timeoutSeconds: seconds }, fn);
}

/**
 * The `timeout` of the request being handled, in milliseconds; undefined outside one, or when the
 * resource sets no `customTimeouts` for this operation.
 */
export function requestTimeoutMs(): number | undefined {
  const seconds = requests.getStore()?.timeoutSeconds;
  return seconds !== undefined && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

/** Records the properties a Diff found changed, for the response the shim sends (outside a request: nothing). */
export function reportChangedKeys(keys: readonly string[]): void {
  const record = requests.getStore();
  if (record) record.changedKeys = [...keys];
}
