/**
 * Which inputs of a resource the program marked secret, for the provider, which cannot tell (the
 * engine sends a dynamic provider every input in plain text): see `provider/core/secrets.ts`.
 *
 * Only an `Output` (or a promise, which may resolve to one) can be secret, so the arguments are
 * first walked for one, synchronously and without copying; arguments made of plain values (most
 * programs) register no extra property, which would cost every resource a few promises and stack
 * traces (see `Collection`).
 */
import * as pulumi from "@pulumi/pulumi";

/**
 * The names among `names` whose value in `args` is secret, as a promise for the internal input
 * `__secretInputs` (resolving to `undefined`, which registers nothing, when none is); or
 * `undefined` when no value of `args` is an `Output` or a promise, so none can be secret.
 * @param extra More entries, each with whether it is secret (e.g. the run's collection's webhook).
 */
export function secretInputNames(
  args: object,
  names: readonly string[],
  extra: readonly (readonly [string, Promise<boolean>])[] = [],
): Promise<string[] | undefined> | undefined {
  const values = args as Record<string, unknown>;
  const checks: (readonly [string, Promise<boolean>])[] = [...extra];
  for (const name of names) {
    const value = values[name];
    if (mayBeSecret(value)) checks.push([name, pulumi.isSecret(pulumi.output(value))]);
  }
  if (checks.length === 0) return undefined;
  return Promise.all(checks.map(([name, secret]) => secret.then((s) => (s ? name : undefined)))).then(
    (found) => {
      const list = found.filter((n): n is string => n !== undefined);
      return list.length > 0 ? list : undefined;
    },
  );
}

/** Whether `value` is or holds an `Output` or a promise (a plain value cannot be secret). */
export function mayBeSecret(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== "object" || depth > 64) return false;
  if (pulumi.Output.isInstance(value) || typeof (value as { then?: unknown }).then === "function")
    return true;
  if (Array.isArray(value)) {
    for (const v of value) if (mayBeSecret(v, depth + 1)) return true;
    return false;
  }
  for (const v of Object.values(value)) if (mayBeSecret(v, depth + 1)) return true;
  return false;
}

/** A resource's type token, which `@pulumi/pulumi` keeps on every resource. */
function typeOf(resource: unknown): string | undefined {
  return (resource as { __pulumiType?: string }).__pulumiType;
}

/**
 * Whether `output`'s own resources include a resource of type `type` whose output property
 * `property` is secret: for a `CollectionRun` whose `collectionId` is a `Collection`'s id, whether
 * that collection's `callbackUrl` is secret (the run reports it when it has none of its own).
 * `undefined` when `output` comes from no such resource (a plain id, from elsewhere).
 */
export function secretPropertyOfSource(
  output: unknown,
  type: string,
  property: string,
): Promise<boolean> | undefined {
  if (!pulumi.Output.isInstance(output)) return undefined;
  // `resources()` is internal to @pulumi/pulumi but present on every Output it makes.
  const resources = (output as { resources?: () => Set<unknown> }).resources?.() ?? new Set<unknown>();
  const sources = [...resources].filter((r) => typeOf(r) === type);
  if (sources.length === 0) return undefined;
  const secrets = sources.map((r) => {
    const value = (r as Record<string, unknown>)[property];
    return pulumi.Output.isInstance(value) ? pulumi.isSecret(value) : Promise.resolve(false);
  });
  return Promise.all(secrets).then((s) => s.some(Boolean));
}
