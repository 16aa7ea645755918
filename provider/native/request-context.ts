/**
 * What the engine's request carries that `@pulumi/pulumi/provider`'s server does not pass on to the
 * provider's methods: the `timeout` of a Create or Update (the resource's `customTimeouts`, in
 * seconds; 0 when unset). The server shim (`grpc-shim.ts`) runs each such call in
 * {@link withRequestTimeout}, and the provider reads it with {@link requestTimeoutMs}.
 */
import { AsyncLocalStorage } from "node:async_hooks";

const timeouts = new AsyncLocalStorage<number>();

/**
 * Runs `fn` as the handling of a request whose `timeout` is `seconds` (the engine's unit; 0 or
 * less means none).
 */
export function withRequestTimeout<T>(seconds: number, fn: () => T): T {
  return timeouts.run(seconds, fn);
}

/**
 * The `timeout` of the request being handled, in milliseconds; undefined outside one, or when the
 * resource sets no `customTimeouts` for this operation.
 */
export function requestTimeoutMs(): number | undefined {
  const seconds = timeouts.getStore();
  return seconds !== undefined && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}
