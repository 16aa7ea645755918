/**
 * What the resource providers' methods return to the Pulumi engine (the dynamic-provider protocol's
 * results, with the property types this package uses).
 */
import type { RuleCode } from "./rules/collection-rules";

/**
 * The kind of a {@link CheckFailure}: the rule codes of the collection's fields, and those of the
 * resource's own properties (`unknown_property`; `invalid_path` for a `replaceOnChanges` path;
 * `conflict` for a combination of properties that cannot work).
 */
export type CheckCode = RuleCode | "unknown_property" | "invalid_path" | "conflict" | "secret_id";

/** One problem with an input, as the engine reports it. */
export interface CheckFailure {
  /** The input's property path, e.g. `requests[3].url` or `name`. */
  property: string;
  /** What is wrong and what is expected, for the user; never the value. */
  reason: string;
  /** The kind of problem; `checkCollection` always sets it (the engine shows only `property` and `reason`). */
  code?: CheckCode;
}

/** What `check` returns: the inputs to store and what is wrong with them. */
export interface CheckResult {
  /** The checked inputs with defaults and derived values filled in; the engine passes them to diff and create. */
  inputs: Record<string, unknown>;
  /** One entry per problem; the deployment stops before any API call when there is one. Empty when valid. */
  failures: CheckFailure[];
}

/** What `diff` returns when only some of the fields are known (see {@link CollectionDiff} for the full one). */
export interface DiffResult {
  /** Whether any input that matters changed. */
  changes: boolean;
  /** Properties whose change forces a replacement; none when absent. */
  replaces?: string[];
  /** Properties an update leaves as they are; none when absent. */
  stables?: string[];
  /** Whether the old resource is deleted before the new one is created; `false` when absent. */
  deleteBeforeReplace?: boolean;
}

/** What `create` returns: the new resource's id and its state. */
export interface CreateResult<O = Record<string, unknown>> {
  /** The resource's id, as the engine records it (a collection id, a run id, a UUID). */
  id: string;
  /** The resource's state (its outputs), stored by the engine. */
  outs: O;
}

/** What `read` returns: the resource as it is now, or an empty `id` when it is gone. */
export interface ReadResult<P = Record<string, unknown>> {
  /** The resource's id; `""` when the API answered 404, which tells the engine to drop the resource. */
  id?: string;
  /** The refreshed state; `{}` when the resource is gone. */
  props?: P;
  /** The inputs that state implies, so that a refresh does not show a spurious diff. */
  inputs?: Record<string, unknown>;
}

/** What `update` returns: the new state. */
export interface UpdateResult<O = Record<string, unknown>> {
  /** The resource's state after the update, stored by the engine. */
  outs: O;
}

/**
 * A whole number. A `number` in TypeScript; the provider schema (`schema/provider.json`) types it
 * `integer`, so generated SDKs use their integer types (`int` in Python and Go).
 */
export type Integer = number;
