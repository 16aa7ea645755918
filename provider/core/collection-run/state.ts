/**
 * The shapes a CollectionRun's inputs and state take, and how any earlier state is read: the
 * declared inputs, the internal `__urn`, `__scope` and `__secretInputs` (both adapters store them),
 * and what the API reported about the run.
 */
import { z } from "zod";
import { COLLECTION_CALLBACK_SECRET, secretInputsInput, secretInputsOf, withSecrets } from "../secrets";

/** Default of `timeoutSeconds`: how long create waits for the run to end. @unit seconds */
export const DEFAULT_RUN_TIMEOUT_SECONDS = 1800;

/** Properties whose change starts a new run (a replacement). */
export const RUN_REPLACE_PROPERTIES = ["collectionId", "triggers", "callbackUrl"] as const;

/** The `CollectionRun` properties a user declares. */
export const KNOWN_RUN_PROPERTIES = [
  "collectionId",
  "triggers",
  "wait",
  "timeoutSeconds",
  "callbackUrl",
  "failOn",
] as const;

/** The inputs the SDK adds (the URN, the stack's scope, the names of the secret inputs) and the dynamic-provider host's `__provider`. */
export const INTERNAL_RUN_INPUTS = ["__urn", "__scope", "__provider", "__secretInputs"] as const;

/** The outputs of a `CollectionRun` that are not inputs: set by the provider, never declared. */
export const RUN_OUTPUT_NAMES = [
  "runId",
  "status",
  "totalRequests",
  "successRequests",
  "failedRequests",
  "timeoutRequests",
  "jobIds",
  "callbackStatus",
  "createdAt",
  "reattached",
] as const;

/** The declared inputs, as check returns them. */
export interface CollectionRunInputs {
  /** The id of the collection to run. A change starts a new run (a replacement). */
  collectionId: string;
  /** Any JSON value; a change starts a new run (a replacement). Absent: never re-run on its own. */
  triggers?: unknown;
  /** `"completed"` (the default): create waits for the run to end; `"none"`: create returns once it started. */
  wait: "none" | "completed";
  /** How long create waits for the run to end when `wait` is `"completed"`. @default 1800 @unit seconds */
  timeoutSeconds: number;
  /**
   * The run's webhook, an absolute http(s) URL without a fragment (the provider puts the run's
   * fingerprint there). A change starts a new run.
   */
  callbackUrl?: string;
  /** `"any-failed"`: the deployment fails when a job failed or timed out; `"none"` (the default): a warning. */
  failOn: "none" | "any-failed";
  /** The resource's URN, passed by the SDK (part of the run's fingerprint). */
  __urn: string;
  /** The stack's StackScope id, passed by the SDK (part of the run's fingerprint); `""` when absent. */
  __scope: string;
  /**
   * The names of the inputs the program marked secret, and `collection.callbackUrl` when the run's
   * collection has a secret `callbackUrl`; passed by the SDK, absent when none (see `secrets.ts`).
   */
  __secretInputs?: string[];
}

/** The state of a CollectionRun: its inputs plus what the API reported. */
export interface CollectionRunOutputs extends Omit<CollectionRunInputs, "callbackUrl"> {
  /** The run's id (also the resource's id). */
  runId: string;
  /** The run's status as last seen: `in_progress`, `completed`, or another value kept as given (API reference §4.3). */
  status: string;
  /** Number of jobs in the run; `null` when the API did not say. */
  totalRequests: number | null;
  /** Jobs that succeeded, as last seen; `null` when the API did not say. */
  successRequests: number | null;
  /** Jobs that failed, as last seen; `null` when the API did not say. */
  failedRequests: number | null;
  /** Jobs that timed out, as last seen; `null` when the API did not say. */
  timeoutRequests: number | null;
  /** The run's job ids; `[]` when the response had none (the runs list omits them, API reference §4.2). */
  jobIds: string[];
  /** The run's webhook as the API reports it, fingerprint fragment removed; `null` without one. */
  callbackUrl: string | null;
  /** Webhook delivery: `pending`, `sent`, or `null` without a webhook (API reference §4.3). */
  callbackStatus: string | null;
  /** Epoch seconds: the API's `created_at` when a response carried it, else the provider's clock at the start. */
  createdAt: number | null;
  /** True when the run was found again (lost answer, killed deployment, wait timeout) instead of started. */
  reattached: boolean;
  /** The declared `callbackUrl` (the output `callbackUrl` is the run's). */
  declaredCallbackUrl: string | null;
}

const StoredInputs = z.object({
  collectionId: z.string(),
  triggers: z.unknown().optional(),
  wait: z.enum(["none", "completed"]).default("completed"),
  timeoutSeconds: z.number().positive().default(DEFAULT_RUN_TIMEOUT_SECONDS),
  callbackUrl: z.string().nullable().optional(),
  failOn: z.enum(["none", "any-failed"]).default("none"),
  __urn: z.string().default(""),
  __scope: z.string().default(""),
  __secretInputs: z.unknown().optional(),
});

/** The inputs of a CollectionRun from its checked inputs or its state, in any layout written so far (defaults applied). */
export function readRunInputs(props: Record<string, unknown>): CollectionRunInputs {
  const p = StoredInputs.parse(props);
  const inputs: CollectionRunInputs = {
    collectionId: p.collectionId,
    wait: p.wait,
    timeoutSeconds: p.timeoutSeconds,
    failOn: p.failOn,
    __urn: p.__urn,
    __scope: p.__scope,
  };
  const secretInputs = secretInputsInput(p);
  if (secretInputs) inputs.__secretInputs = secretInputs;
  if (p.triggers !== undefined) inputs.triggers = p.triggers;
  if (typeof p.callbackUrl === "string") inputs.callbackUrl = p.callbackUrl;
  return inputs;
}

/** The inputs as the state holds them: the declared `callbackUrl` as `declaredCallbackUrl`. */
export function declaredOf(inputs: CollectionRunInputs) {
  const { callbackUrl, ...rest } = inputs;
  return { ...rest, declaredCallbackUrl: callbackUrl ?? null };
}

/** The inputs a state implies (what a refresh hands back as `inputs`). */
export function inputsOfState(outs: CollectionRunOutputs): Record<string, unknown> {
  const inputs: Record<string, unknown> = {
    collectionId: outs.collectionId,
    wait: outs.wait,
    timeoutSeconds: outs.timeoutSeconds,
    failOn: outs.failOn,
    __urn: outs.__urn,
    __scope: outs.__scope,
  };
  if (outs.__secretInputs) inputs.__secretInputs = outs.__secretInputs;
  if (outs.triggers !== undefined) inputs.triggers = outs.triggers;
  if (outs.declaredCallbackUrl !== null) inputs.callbackUrl = outs.declaredCallbackUrl;
  return inputs;
}

/**
 * The outputs (or inputs, for a refresh) with each secret input and each output derived from one in
 * Pulumi's secret envelope: the declared `callbackUrl` is stored as `declaredCallbackUrl`, and the
 * run's reported `callbackUrl` is the declared one or, without one, the collection's.
 */
export function secretRunOutputs<T extends object>(props: T): T {
  const secret = secretInputsOf(props);
  if (secret.size === 0) return props;
  const names = new Set<string>(secret);
  if (secret.has("callbackUrl")) names.add("declaredCallbackUrl");
  // outputs only: a refresh's inputs hold the declared callbackUrl under its own name
  const declared = (props as Record<string, unknown>).declaredCallbackUrl;
  if (secret.has(COLLECTION_CALLBACK_SECRET) && "declaredCallbackUrl" in props && declared == null) {
    names.add("callbackUrl");
  }
  return withSecrets(props as Record<string, unknown>, names) as T;
}
