/**
 * The dynamic provider's wire: what Pulumi's dynamic-provider host and this package's SDK put into
 * the properties, and what the host needs back, besides the stored layout the core reads.
 *
 * - `__urn`: the resource's URN, computed by the SDK in the program (a dynamic `create` is not
 *   given it, pulumi/pulumi#9434); `__scope` and `__secretInputs` come the same way, and the core
 *   stores all three.
 * - `__timeouts`: the resource's `customTimeouts`, which the host does not pass on.
 * - `__replaceOnChanges`: the resource's `replaceOnChanges`, read by the core's diff.
 * - `__provider`: the serialized provider, added by the host to what create and update return,
 *   but not to the properties of an error, which it must carry back ({@link forEngine}).
 */
import { type CallTimeouts, internalsOf } from "../core/collection/state";
import { ResourceInitError } from "../core/resource-init-error";

/** A callback that receives one message (tests capture them this way). */
export type Warn = (message: string) => void;

/** The resource's URN the SDK passed as `__urn`; undefined when absent or empty. */
export function wireUrn(props: Record<string, unknown>): string | undefined {
  return typeof props.__urn === "string" && props.__urn !== "" ? props.__urn : undefined;
}

/** The resource's `customTimeouts` the SDK passed as `__timeouts`, when set. */
export function wireTimeouts(props: Record<string, unknown>): CallTimeouts | undefined {
  return internalsOf(props).__timeouts;
}

/**
 * A resource-initialization error as the engine should record it: its properties with secrets in
 * their envelope, and the serialized provider of `props`. The dynamic-provider host adds
 * `__provider` to the outputs of a create or update that succeeded, not to the properties of an
 * error, and the engine keeps those as the resource's state: without it, the host could not load
 * the provider for the resource's next delete or refresh (`code must be a string, not undefined`).
 */
export function forEngine(
  error: ResourceInitError,
  props: Record<string, unknown>,
  secretOutputs: (p: Record<string, unknown>) => Record<string, unknown>,
): ResourceInitError {
  const properties = secretOutputs({
    ...error.properties,
    ...(props.__provider !== undefined ? { __provider: props.__provider } : {}),
  });
  return new ResourceInitError(error.message, error.id, properties, error.reasons);
}

/**
 * Runs a core operation whose {@link ResourceInitError} the engine records: its properties (already
 * in their stored form, secrets in their envelope) get the serialized provider of `props`.
 */
export async function withProvider<T>(props: Record<string, unknown>, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw e instanceof ResourceInitError ? forEngine(e, props, (p) => p) : e;
  }
}
