import * as pulumi from "@pulumi/pulumi";
import { COLLECTION_CALLBACK_SECRET } from "../provider/core/secrets";
import { isoTime } from "../provider/core/state-wire";
import type { Integer } from "./collection";
import { COLLECTION_TYPE } from "./collection";
import { secretInputNames, secretPropertyOfSource } from "./secret-inputs";
import { stackScope } from "./stack-scope";
import { plainStackTraces } from "./stack-traces";

/** The type token. Never change it: existing state would be orphaned. */
export const COLLECTION_RUN_TYPE = "pulumi-nodejs:dynamic/scrapingpros:CollectionRun";

/** The serialized provider of a CollectionRun: loads it by package name, like the Collection's. */
export const SERIALIZED_RUN_PROVIDER =
  'exports.handler = function () { return require("pulumi-scrapingpros/provider").collectionRunProvider; };\n';

/**
 * The arguments of a {@link CollectionRun}.
 * @example
 * new CollectionRun("nightly", { collectionId: tours.id, triggers: ["2026-05-01"], timeoutSeconds: 600 });
 */
export interface CollectionRunArgs {
  /** The collection to run. A change starts a new run (a replacement). */
  collectionId: pulumi.Input<string>;
  /**
   * Any JSON value. When it changes, a new run replaces the old one (as `triggers` work in
   * `@pulumi/command`); while it stays the same, `pulumi up` makes no API call.
   */
  triggers?: pulumi.Input<unknown>;
  /**
   * `"completed"`: create waits until the run ends, polling `GET .../runs/{run_id}` with backoff
   * (0.5 s, ×1.5, at most 10 s apart). `"none"`: create returns as soon as the run has started.
   * @default "completed"
   */
  wait?: pulumi.Input<"none" | "completed">;
  /**
   * How long create waits for the run to end, in seconds. Past it the deployment fails with an error
   * naming the run, which keeps running (the API cannot cancel one); the resource is kept in the stack
   * with that error, and the next `pulumi up` waits for the same run.
   * @default 1800
   */
  timeoutSeconds?: pulumi.Input<number>;
  /**
   * The webhook for this run instead of the collection's. The API docs say a run can override it but
   * not how (API notes §4.1): it is sent as the JSON body `{"callback_url": ...}` of the run POST, as
   * the notes advise, which is undocumented. The URL must not have a `#fragment`: the provider puts
   * the resource's fingerprint there (never sent to the receiver). A change starts a new run.
   */
  callbackUrl?: pulumi.Input<string>;
  /**
   * `"none"`: a run that ended with failed or timed-out requests is reported in the outputs and a
   * warning. `"any-failed"`: it fails the deployment (the run stays recorded in the stack).
   * @default "none"
   */
  failOn?: pulumi.Input<"none" | "any-failed">;
}

/**
 * One run of a ScrapingPros collection (`POST /v1/async/collections/{id}/run`, API notes §4.1), started
 * when the resource is created and again only when `triggers`, `collectionId` or `callbackUrl` change.
 *
 * The API has no idempotency for runs, so the run POST is never resent blind: after a lost answer, a
 * killed deployment or a wait timeout, the resource re-attaches to its own run in progress
 * (`reattached: true`), while a replacement starts exactly one new run, even when the old one is
 * still in progress (except `pulumi up --replace`, which re-attaches to a run in progress: change
 * `triggers` instead); the README explains how its runs are told apart from others'. Refresh is one
 * GET of the run. Destroying it makes no call (the API can neither delete nor cancel a run) and warns.
 * Preview makes no API call.
 * @example
 * import { Collection, CollectionRun } from "pulumi-scrapingpros";
 * const tours = new Collection("tours", { requests: [{ url: "https://example.com/tours/1" }] });
 * const run = new CollectionRun("tours-run", { collectionId: tours.id, triggers: [1] });
 * export const succeeded = run.successRequests;
 */
export class CollectionRun extends pulumi.CustomResource {
  /** The run's id. */
  declare readonly runId: pulumi.Output<string>;
  /** `in_progress`, `completed`, or another value the API reports (kept as given, API notes §4.3). */
  declare readonly status: pulumi.Output<string>;
  /** Jobs in the run (one per deduplicated request); `null` when the API omits it. */
  declare readonly totalRequests: pulumi.Output<Integer | null>;
  /** Jobs that ended successfully; `null` when the API omits it. */
  declare readonly successRequests: pulumi.Output<Integer | null>;
  /** Jobs that failed; `null` when the API omits it. */
  declare readonly failedRequests: pulumi.Output<Integer | null>;
  /** Jobs that timed out; `null` when the API omits it. */
  declare readonly timeoutRequests: pulumi.Output<Integer | null>;
  /** One id per job (empty when the API does not list them). */
  declare readonly jobIds: pulumi.Output<string[]>;
  /**
   * The run's webhook as the API reports it (the declared one, or the collection's); absent
   * without one, as an unset URL is everywhere in this package.
   */
  declare readonly callbackUrl: pulumi.Output<string | undefined>;
  /** Webhook delivery: `pending`, `sent`, `failed` (emulator), another value as given, or `null` without a webhook. */
  declare readonly callbackStatus: pulumi.Output<string | null>;
  /**
   * When the run was created, ISO 8601 UTC (e.g. `2026-11-30T16:57:13.442Z`): the API's `created_at`
   * when a response carried it (only the runs list's items do, API notes §4.2), else the provider's
   * clock when it started the run; `null` when neither is known. The state keeps epoch seconds, as
   * every earlier release wrote it; the value is converted here.
   */
  declare readonly createdAt: pulumi.Output<string | null>;
  /** True when the resource found its run again instead of starting it (lost answer, interrupted deployment, timeout). */
  declare readonly reattached: pulumi.Output<boolean>;

  /**
   * @param name The logical name: unique in the stack; part of the fingerprint of its runs.
   * @param args The run's declaration.
   * @param opts Resource options (`import` is not supported for dynamic resources).
   */
  constructor(name: string, args: CollectionRunArgs, opts?: pulumi.CustomResourceOptions) {
    const props: pulumi.Inputs = {
      // Keys a CollectionRun does not have are passed on, however `args` was built (a variable, a
      // spread, JSON): `check` rejects each at preview, naming the likely intended property.
      ...unknownArgs(args),
      collectionId: args.collectionId,
      triggers: args.triggers,
      wait: args.wait,
      timeoutSeconds: args.timeoutSeconds,
      callbackUrl: args.callbackUrl,
      failOn: args.failOn,
      // Which inputs are secret, and whether the collection's webhook (which the run reports when it
      // has none of its own) is: the provider cannot tell, and keeps what it derives secret.
      ...definedOnly({ __secretInputs: secretRunInputs(args) }),
      __urn: urnPromise(name, opts?.parent),
      __scope: stackScope().id,
      __provider: SERIALIZED_RUN_PROVIDER,
      runId: undefined,
      status: undefined,
      totalRequests: undefined,
      successRequests: undefined,
      failedRequests: undefined,
      timeoutRequests: undefined,
      jobIds: undefined,
      callbackStatus: undefined,
      createdAt: undefined,
      reattached: undefined,
      ...outputArgs(args),
    };
    // The SDK captures a stack trace for each of its promises here: kept unformatted (stack-traces.ts).
    const restore = plainStackTraces();
    try {
      super(COLLECTION_RUN_TYPE, name, props, opts);
    } finally {
      restore();
    }
    // The outputs of a run the deployment leaves unchanged come straight from the state, so the
    // public vocabulary is applied here: an ISO time and an `undefined` URL, whatever was stored.
    const stored = { createdAt: this.createdAt as pulumi.Output<unknown>, callbackUrl: this.callbackUrl };
    this.createdAt = stored.createdAt.apply(isoTime);
    this.callbackUrl = stored.callbackUrl.apply((url) => url ?? undefined);
  }
}

/** The arguments a CollectionRun declares. */
const DECLARED_ARGS = new Set([
  "collectionId",
  "triggers",
  "wait",
  "timeoutSeconds",
  "callbackUrl",
  "failOn",
]);
/** Output names: placeholders the constructor sets, unless the args carry them (then `check` rejects them). */
const OUTPUT_NAMES = new Set([
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
]);

/** The keys of `args` a CollectionRun does not declare (internal `__` keys cannot be overridden). */
function unknownArgs(args: CollectionRunArgs): pulumi.Inputs {
  const out: pulumi.Inputs = {};
  for (const [k, v] of Object.entries(args ?? {})) {
    if (!DECLARED_ARGS.has(k) && !OUTPUT_NAMES.has(k) && v !== undefined) out[k] = v;
  }
  return out;
}

function outputArgs(args: CollectionRunArgs): pulumi.Inputs {
  const out: pulumi.Inputs = {};
  for (const [k, v] of Object.entries(args ?? {})) if (OUTPUT_NAMES.has(k) && v !== undefined) out[k] = v;
  return out;
}

/** The URN as a plain promise: no dependency on the parent (see `Collection`'s note on components). */
function urnPromise(name: string, parent: pulumi.Resource | undefined): Promise<string> {
  const urn = pulumi.createUrn(name, COLLECTION_RUN_TYPE, parent);
  return new Promise((resolve) => {
    urn.apply((u) => {
      resolve(u);
      return u;
    });
  });
}

/** The declared inputs of a CollectionRun that can be secret. */
const RUN_ARGS = ["collectionId", "triggers", "wait", "timeoutSeconds", "callbackUrl", "failOn"] as const;

/** `__secretInputs` of a run: its secret inputs, and `collection.callbackUrl` (see provider/core/secrets.ts). */
function secretRunInputs(args: CollectionRunArgs): Promise<string[] | undefined> | undefined {
  const collectionCallback = secretPropertyOfSource(args?.collectionId, COLLECTION_TYPE, "callbackUrl");
  return secretInputNames(
    args ?? {},
    RUN_ARGS,
    collectionCallback ? [[COLLECTION_CALLBACK_SECRET, collectionCallback]] : [],
  );
}

function definedOnly(entries: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));
}
