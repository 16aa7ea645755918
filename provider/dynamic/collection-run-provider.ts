/**
 * The CollectionRun dynamic provider: one run of a collection per resource (per `triggers` value).
 *
 * - check  → local validation only (0 API calls)
 * - diff   → local comparison only (0 API calls); `collectionId`, `triggers`, `callbackUrl` replace
 * - create → GET .../runs?status_filter=in_progress (re-attach to this resource's live run), then at
 *            most one POST .../run (never resent blind), then, with `wait: "completed"`, GET
 *            .../runs/{run_id} with backoff until the run ends or `timeoutSeconds` passes
 * - read   → GET .../runs/{run_id}; 404 means gone
 * - update → no call, unless the run is still in progress and must be waited for (GETs as in create)
 * - delete → no call (the API cannot delete or cancel a run), with a warning
 *
 * How a run is told apart from runs someone else started (the API has no idempotency key and no
 * metadata for runs, API notes §4.1): with a `callbackUrl`, the run's `callback_url` carries this
 * resource's fingerprint in its fragment (`#sp-run=<16 hex>`, a digest of the URN, the stack's scope,
 * the collection and `triggers`). A fragment is never sent in an HTTP request, so the receiver is
 * called at the URL as declared. Without a `callbackUrl` the API gives nothing to tell runs apart: the
 * newest in-progress run without any fingerprint is taken as this resource's (documented in the
 * README), never one another resource of the deployment holds.
 *
 * A replacement must start its own run, yet the rerun of an interrupted replacement must find the
 * run it started. The engine checks a replacement again without olds, and `check`'s olds are the old
 * *inputs* anyway, which hold no run id; only `diff` (and the delete that precedes a
 * delete-before-replace) sees the old state. So this process remembers, per URN, the run each diff or
 * delete showed it, and a create for that URN is a replacement: it takes only a run listed before the
 * replaced one (started after it; the list is newest first), or, onto another collection, a run
 * created after it by the API's clock. A replacement the engine forces without
 * asking diff (`replacementTrigger`, `replaceWith`, `deletedWith`) is known only from a check with
 * old inputs: it re-attaches to nothing. `pulumi up --replace` reaches the provider exactly like the
 * rerun of an interrupted first create (a check without olds, no diff): it re-attaches to the run in
 * progress, as that rerun must, and says how to start a new one.
 */

import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import { z } from "zod";
import type { ScrapingProsClient } from "../client/client";
import { ApiConnectionError, ApiError, NotFoundError } from "../client/errors";
import { path } from "../client/path";
import { Run, RunList } from "../client/schemas";
import { type CheckFailure, UNKNOWN } from "../core/collection/check";
import { type CollectionDiff, sameJson } from "../core/collection/diff";
import type { ConfigSource, ProviderSettings } from "../core/config";
import { ConfiguredClient } from "../core/configured-client";
import {
  currentScope,
  describeRecovery,
  describeRetry,
  inScope,
  type Operation,
  redactError,
  redactMessage,
  userErrorFor,
} from "../core/messages";
import type { CheckResult, CreateResult, ReadResult, UpdateResult } from "../core/results";
import { closestName } from "../core/rules/near-miss";
import {
  COLLECTION_CALLBACK_SECRET,
  redactorFor,
  SECRET_INPUTS,
  secretInputsInput,
  secretInputsOf,
  withSecrets,
} from "../core/secrets";
import { processSink } from "../engine/engine-log";
import { forEngine, ResourceInitError, type Warn } from "./collection-provider";

/** Default of `timeoutSeconds`: how long create waits for the run to end. @unit seconds */
export const DEFAULT_RUN_TIMEOUT_SECONDS = 1800;

/** The fragment key of the fingerprint in a run's `callback_url`. */
export const RUN_FINGERPRINT_KEY = "sp-run";

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

/** Options of {@link CollectionRunProvider}, for tests. */
export interface CollectionRunProviderOptions {
  /** Builds the client; tests pass one with a short retry schedule. */
  clientFactory?: (settings: ProviderSettings) => ScrapingProsClient;
  /** Receives warnings (and each retry) instead of the engine's log (tests). */
  warn?: Warn;
  /** The environment the settings' `SCRAPINGPROS_*` variables are read from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Waits between polls. @default timers */
  sleep?: (ms: number) => Promise<void>;
  /** First poll interval, doubled (×1.5) up to `maxPollMs`. @default 500 */
  initialPollMs?: number;
  /** Longest interval between polls. @default 10000 @unit milliseconds */
  maxPollMs?: number;
}

/** The CollectionRun resource provider. One instance per provider process. */
export class CollectionRunProvider {
  readonly #options: CollectionRunProviderOptions;
  readonly #api: ConfiguredClient;
  /** The run each resource had, by URN, as diff or delete showed it: a create for that URN replaces it. */
  readonly #replaced = new Map<string, { runId: string; collectionId: unknown }>();
  /** URNs this process checked with old inputs: a create for one is a replacement, even without a diff. */
  readonly #existing = new Set<string>();
  /** Which resource (URN) each run this process saw in a state, or started, belongs to. */
  readonly #claimed = new Map<string, string>();
  /** Runs a create re-attached to without a replacement in sight, by URN (`pulumi up --replace` keeps its run). */
  readonly #kept = new Map<string, string>();

  constructor(options: CollectionRunProviderOptions = {}) {
    this.#options = options;
    this.#api = new ConfiguredClient({
      clientFactory: options.clientFactory,
      env: options.env,
      // Each retry is a detail (`--debug`) of its resource; the outcome gets one line (see #run).
      onRetry: (e) => {
        const scope = currentScope();
        scope?.retries.push(e);
        const line = redactMessage(describeRetry(e));
        if (this.#options.warn) this.#options.warn(line);
        else void processSink()("debug", line, scope?.urn);
      },
    });
  }

  /** Receives the stack config from the engine (`scrapingpros:*`). */
  async configure(req: { config: ConfigSource }): Promise<void> {
    await this.#api.configure(req.config);
  }

  /**
   * Validates the inputs with {@link checkCollectionRun} (no API call) and remembers that the
   * resource exists when `olds` (its old inputs) are given. Throws when the provider has no API key.
   */
  async check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult> {
    this.#api.assertReady();
    if (typeof news.__urn === "string" && Object.keys(olds).length > 0) this.#existing.add(news.__urn);
    return checkCollectionRun(news);
  }

  /**
   * No API call: a change of `collectionId`, `triggers` or `callbackUrl` replaces the run; one of
   * `wait`, `timeoutSeconds` or `failOn` is an update.
   */
  async diff(
    id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<CollectionDiff> {
    // The only call that shows the old state (its run) before a replacement's create.
    if (typeof news.__urn === "string" && id !== "") this.#remember(news.__urn, id, olds.collectionId);
    const declared: Record<string, unknown> = { ...olds, callbackUrl: olds.declaredCallbackUrl ?? undefined };
    const replaces = RUN_REPLACE_PROPERTIES.filter((k) => !sameJson(declared[k], news[k]));
    const updates = (["wait", "timeoutSeconds", "failOn"] as const).filter(
      (k) => !sameJson(declared[k], news[k]),
    );
    return {
      changes: replaces.length + updates.length > 0,
      replaces: [...replaces],
      stables: [],
      deleteBeforeReplace: false,
    };
  }

  /**
   * Re-attaches to this resource's run in progress, if any, else starts one (`POST .../run`, never
   * resent blind); with `wait: "completed"` polls until it ends. Throws {@link ResourceInitError}
   * when the wait times out (the run keeps going and the engine records it) or, with
   * `failOn: "any-failed"`, when jobs failed or timed out; an API error when a call fails.
   */
  async create(props: Record<string, unknown>): Promise<CreateResult<CollectionRunOutputs>> {
    const { id, outs } = await this.#run("create", props, () => this.#create(props));
    return { id, outs: secretRunOutputs(outs) };
  }

  async #create(props: Record<string, unknown>): Promise<{ id: string; outs: CollectionRunOutputs }> {
    const inputs = toInputs(props);
    const client = this.#getClient();
    const runsPath = path`/v1/async/collections/${inputs.collectionId}/runs`;
    const old = this.#replaced.get(inputs.__urn);
    const own: OwnRunContext = {
      fingerprint: runFingerprint(inputs),
      replacedRunId: old?.runId,
      replacing: old !== undefined || this.#existing.has(inputs.__urn),
      claimed: this.#claimedByOthers(inputs.__urn),
    };
    if (
      old !== undefined &&
      typeof old.collectionId === "string" &&
      old.collectionId !== inputs.collectionId
    ) {
      // A replacement onto another collection: the replaced run is not in this collection's list, so
      // its creation time (in the API's clock, from its own collection's list) is the bound instead.
      own.replacedRunId = undefined;
      own.createdAfter = await this.#createdAt(old.collectionId, old.runId);
    }
    const replacing = own.replacing === true;
    // A replacement looks at every run: the replaced run's place in the list tells which started after it.
    const lookup = () =>
      client.request("GET", runsPath, RunList, replacing ? {} : { query: { status_filter: "in_progress" } });

    // A killed deployment: this resource's run may be in progress already. A replacement whose old
    // run is unknown cannot tell it apart from the one it replaces, and takes none (no call).
    if (!replacing || own.replacedRunId !== undefined || own.createdAfter !== undefined) {
      const mine = pickOwnRun((await lookup()).data.items, inputs, own);
      if (mine) {
        if (!replacing) this.#kept.set(inputs.__urn, mine.run_id);
        await this.#warn(
          replacing
            ? `run ${mine.run_id}${ofCollection(inputs)}: re-attached to the run an interrupted replacement of this resource started, instead of starting another`
            : `run ${mine.run_id}${ofCollection(inputs)}: re-attached to this resource's run in progress instead of starting another ` +
                "(an interrupted deployment started it; `pulumi up --replace` reaches the provider exactly like that rerun, " +
                "so to start a new run, change `triggers`)",
        );
        return this.#finish(inputs, mine, mine.created_at ?? null, true);
      }
    }

    const body =
      inputs.callbackUrl !== undefined
        ? { callback_url: withFingerprint(inputs.callbackUrl, own.fingerprint) }
        : undefined;
    const startedSec = Date.now() / 1000;
    const maxAttempts = client.retryOptions.maxRetries + 1;
    let lastError: unknown;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      try {
        const res = await client.request(
          "POST",
          path`/v1/async/collections/${inputs.collectionId}/run`,
          Run,
          {
            retry: "never",
            ...(body ? { body } : {}),
          },
        );
        return this.#finish(inputs, res.data, res.data.created_at ?? startedSec, false);
      } catch (e) {
        // Without an answer (or after a 5xx) the server may have started the run: look before resending.
        const ambiguous = e instanceof ApiConnectionError || (e instanceof ApiError && e.status >= 500);
        if (!ambiguous) throw e;
        lastError = e;
      }
      const since = startedSec - 5; // unknown clock skew between us and the API
      let found = pickOwnRun((await lookup()).data.items, inputs, { ...own, since });
      if (!found && !replacing) {
        // A tiny collection may have finished already.
        const all = await client.request("GET", runsPath, RunList);
        found = pickOwnRun(all.data.items, inputs, { ...own, since });
      }
      if (found) {
        await this.#warn(
          `run ${found.run_id}${ofCollection(inputs)}: the start got no answer; re-attached to the run it started`,
        );
        return this.#finish(inputs, found, found.created_at ?? startedSec, true);
      }
    }
    throw lastError;
  }

  /** Refreshes from `GET .../runs/{run_id}`; an empty `id` when the run is gone (404). */
  async read(id: string, props: Record<string, unknown>): Promise<ReadResult> {
    const result = await this.#run("read", props, () => this.#read(id, props));
    return {
      ...result,
      ...(result.props ? { props: secretRunOutputs(result.props) } : {}),
      ...(result.inputs ? { inputs: secretRunOutputs(result.inputs) } : {}),
    };
  }

  async #read(id: string, props: Record<string, unknown>) {
    const state = props as unknown as CollectionRunOutputs;
    try {
      const res = await this.#getClient().runs.get(state.collectionId, id);
      const outs = outputsFrom(
        toInputs({ ...props, callbackUrl: state.declaredCallbackUrl ?? undefined }),
        res.data,
        state.createdAt,
        state.reattached,
      );
      return {
        id,
        props: { ...outs } as Record<string, unknown>,
        inputs: { ...inputsOfState(outs) },
      };
    } catch (e) {
      if (e instanceof NotFoundError) return { id: "", props: {} };
      throw e;
    }
  }

  /**
   * No API call, unless the run is still in progress and `wait` is `"completed"`: then it waits for
   * the same run as create does. Applies `failOn` to the run's counters.
   */
  async update(
    id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<UpdateResult<CollectionRunOutputs>> {
    const { outs } = await this.#run("update", news, () => this.#update(id, olds, news), olds);
    return { outs: secretRunOutputs(outs) };
  }

  async #update(id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    const inputs = toInputs(news);
    const state = olds as unknown as CollectionRunOutputs;
    if (state.status === "in_progress" && inputs.wait === "completed") {
      // A wait that timed out before (the engine keeps such a run with an initialization error), or
      // `wait` changed to "completed": keep waiting for the same run.
      const res = await this.#getClient().runs.get(inputs.collectionId, id);
      const { outs } = await this.#finish(inputs, res.data, state.createdAt, true);
      return { outs };
    }
    const outs: CollectionRunOutputs = { ...state, ...declaredOf(inputs) };
    // which inputs are secret is the program's current word, not the state's
    if (inputs.__secretInputs === undefined) delete outs.__secretInputs;
    if (inputs.failOn === "any-failed") throwIfFailed(outs);
    return { outs };
  }

  /** Forgets the run with a warning: the API cannot delete or cancel a run. */
  async delete(id: string, props: Record<string, unknown>): Promise<void> {
    return this.#run("delete", props, () => this.#delete(id, props));
  }

  async #delete(id: string, props: Record<string, unknown>): Promise<void> {
    const state = props as unknown as CollectionRunOutputs;
    if (typeof state.__urn === "string" && state.__urn !== "") {
      // `pulumi up --replace` re-attached the replacement to this same run: it stays in the stack.
      if (this.#kept.get(state.__urn) === id) return;
      // A delete-before-replace: the create that follows replaces this run.
      this.#remember(state.__urn, id, state.collectionId);
    }
    await this.#warn(
      `run ${id}${ofCollection(state)} was removed from the stack; the API cannot delete or cancel a run, ` +
        `so it ${state.status === "in_progress" ? "may still be running" : "stays in the collection's run history"}`,
    );
  }

  /** Waits when asked, then builds the outputs; fails on timeout or (with failOn) on failures. */
  async #finish(
    inputs: CollectionRunInputs,
    started: Run,
    createdAt: number | null,
    reattached: boolean,
  ): Promise<{ id: string; outs: CollectionRunOutputs }> {
    let run = started;
    this.#claimed.set(run.run_id, inputs.__urn);
    if (inputs.wait === "completed" && run.status === "in_progress") {
      run = await this.#waitForEnd(inputs, run, createdAt, reattached);
    }
    const outs = outputsFrom(inputs, run, createdAt, reattached);
    if (run.status !== "in_progress") {
      const failed = (outs.failedRequests ?? 0) + (outs.timeoutRequests ?? 0);
      if (failed > 0 && inputs.failOn !== "any-failed") {
        await this.#warn(
          `run ${run.run_id}${ofCollection(inputs)} ended "${run.status}" with ${outs.failedRequests ?? 0} failed and ` +
            `${outs.timeoutRequests ?? 0} timed-out request(s) of ${outs.totalRequests ?? "?"}`,
        );
      }
      if (inputs.failOn === "any-failed") throwIfFailed(outs);
    }
    return { id: run.run_id, outs };
  }

  async #waitForEnd(
    inputs: CollectionRunInputs,
    run: Run,
    createdAt: number | null,
    reattached: boolean,
  ): Promise<Run> {
    const client = this.#getClient();
    const sleep = this.#options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const until = Date.now() + inputs.timeoutSeconds * 1000;
    let delay = this.#options.initialPollMs ?? 500;
    let current = run;
    for (;;) {
      const left = until - Date.now();
      if (left <= 0) break;
      await sleep(Math.min(delay, left));
      delay = Math.min(delay * 1.5, this.#options.maxPollMs ?? 10_000);
      current = (await client.runs.get(inputs.collectionId, run.run_id)).data;
      if (current.status !== "in_progress") return current;
    }
    const outs = outputsFrom(inputs, current, createdAt, reattached);
    const message =
      `run ${run.run_id}${ofCollection(inputs)} did not end within timeoutSeconds (${secretInputsOf(inputs).has("timeoutSeconds") ? "a secret" : `${inputs.timeoutSeconds} s`}): ` +
      `${progressOf(outs)}. ` +
      "It keeps running (the API cannot cancel a run); `pulumi up` again waits for this same run";
    throw new ResourceInitError(message, run.run_id, { ...outs }, [message]);
  }

  /**
   * Runs one operation on one resource: retries are counted against it, a success after retries
   * gets one line, and an API error becomes a message that names the settings involved.
   */
  async #run<T>(
    op: Operation,
    props: Record<string, unknown>,
    fn: () => Promise<T>,
    olds?: Record<string, unknown>,
  ): Promise<T> {
    const urn = props.__urn;
    const at = typeof urn === "string" && urn !== "" ? urn : undefined;
    const redactor = redactorFor(props, olds ? [...secretInputsOf(olds)].map((n) => olds[n]) : []);
    return inScope(
      op,
      at,
      async (scope) => {
        try {
          const result = await fn();
          const recovered = describeRecovery(scope);
          if (recovered && !this.#options.warn) await processSink()("info", recovered, at);
          return result;
        } catch (e) {
          const error = userErrorFor(e, { op, settings: this.#api.settings, baseUrl: this.#api.baseUrl });
          throw redactError(
            error instanceof ResourceInitError ? forEngine(error, props, secretRunOutputs) : error,
            redactor,
          );
        }
      },
      redactor,
    );
  }

  /** A warning about the resource of the running operation, attached to it, secret values hidden. */
  async #warn(text: string): Promise<void> {
    const message = redactMessage(text);
    if (this.#options.warn) this.#options.warn(message);
    else await processSink()("warning", message, currentScope()?.urn);
  }

  #getClient(): ScrapingProsClient {
    return this.#api.get();
  }

  /** The API's creation time of a run (epoch seconds) from its collection's runs list; undefined when unknown. */
  async #createdAt(collectionId: string, runId: string): Promise<number | undefined> {
    try {
      const { data } = await this.#getClient().request(
        "GET",
        path`/v1/async/collections/${collectionId}/runs`,
        RunList,
      );
      return data.items.find((r) => r.run_id === runId)?.created_at ?? undefined;
    } catch (e) {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }
  }

  /** `runId` is the run the resource `urn` has in the state. */
  #remember(urn: string, runId: string, collectionId: unknown): void {
    this.#replaced.set(urn, { runId, collectionId });
    this.#claimed.set(runId, urn);
  }

  /** The runs other resources than `urn` hold (in the state, or started by this process). */
  #claimedByOthers(urn: string): Set<string> {
    const out = new Set<string>();
    for (const [runId, owner] of this.#claimed) if (owner !== urn) out.add(runId);
    return out;
  }
}

const isUnknown = (v: unknown): boolean => v === UNKNOWN;

/** Validates and normalizes the inputs (defaults applied). Pure, no API call. */
export function checkCollectionRun(news: Record<string, unknown>): CheckResult {
  const failures: CheckFailure[] = [];
  const fail = (property: string, reason: string) => failures.push({ property, reason });
  const inputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(news)) if (v !== undefined && k !== "__provider") inputs[k] = v;
  if (typeof news.__provider === "string") inputs.__provider = news.__provider;
  // The SDK passes on every key of the arguments, however they were built (a variable, a spread,
  // parsed JSON), so that a misspelled one fails here instead of being dropped.
  for (const [k, v] of Object.entries(news)) {
    if (v === undefined || (KNOWN_RUN_PROPERTIES as readonly string[]).includes(k)) continue;
    if ((INTERNAL_RUN_INPUTS as readonly string[]).includes(k)) continue;
    fail(k, unknownRunPropertyReason(k));
  }

  const secrets = news[SECRET_INPUTS];
  if (
    secrets !== undefined &&
    !isUnknown(secrets) &&
    (!Array.isArray(secrets) || secrets.some((n) => typeof n !== "string"))
  ) {
    fail(
      SECRET_INPUTS,
      "must be the list of the names of the secret inputs, as the CollectionRun class passes it",
    );
  }
  const secret = secretInputsOf(news);
  // A bad value is echoed to help fix a typo, unless the program marked it secret.
  const got = (name: string, v: unknown) => (secret.has(name) ? "" : ` (got ${JSON.stringify(v)})`);
  if (!isUnknown(news.collectionId) && (typeof news.collectionId !== "string" || news.collectionId === "")) {
    fail("collectionId", "collectionId must be the id of a collection (a non-empty string)");
  }
  const wait = news.wait ?? "completed";
  if (!isUnknown(wait) && wait !== "none" && wait !== "completed") {
    fail("wait", `wait must be "none" or "completed"${got("wait", wait)}`);
  }
  inputs.wait = wait;
  const timeout = news.timeoutSeconds ?? DEFAULT_RUN_TIMEOUT_SECONDS;
  if (!isUnknown(timeout) && (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout <= 0)) {
    fail(
      "timeoutSeconds",
      `timeoutSeconds must be a positive number of seconds${got("timeoutSeconds", timeout)}`,
    );
  }
  inputs.timeoutSeconds = timeout;
  const failOn = news.failOn ?? "none";
  if (!isUnknown(failOn) && failOn !== "none" && failOn !== "any-failed") {
    fail("failOn", `failOn must be "none" or "any-failed"${got("failOn", failOn)}`);
  }
  inputs.failOn = failOn;
  const cb = news.callbackUrl;
  if (cb !== undefined && cb !== null && !isUnknown(cb)) {
    let url: URL | undefined;
    try {
      url = typeof cb === "string" ? new URL(cb) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
      // Not echoed even when plain: webhook URLs often carry a token.
      fail("callbackUrl", "callbackUrl must be an absolute http(s) URL");
    } else if (String(cb).includes("#")) {
      fail(
        "callbackUrl",
        "callbackUrl must not have a #fragment: the provider puts the run's fingerprint there",
      );
    }
  }
  return { inputs, failures };
}

/**
 * The reason `check` gives for a property a `CollectionRun` does not have: the likely intended one
 * (`trigger` → `triggers`, `timeout_seconds` → `timeoutSeconds`), an output passed as an input, or
 * the list of properties.
 */
export function unknownRunPropertyReason(key: string): string {
  const property = closestName(key, KNOWN_RUN_PROPERTIES);
  if (property !== undefined) return `is not a CollectionRun property; did you mean ${property}?`;
  const output = closestName(key, RUN_OUTPUT_NAMES);
  if (output !== undefined) {
    return `is an output of CollectionRun (${output}, reported by the API), not an input: remove it`;
  }
  return `is not a CollectionRun property (they are: ${KNOWN_RUN_PROPERTIES.join(", ")})`;
}

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

/**
 * The run's counters in words, e.g. `3 succeeded, 0 failed, 0 timed out of 12 requests` (a counter
 * the API did not report is `?`).
 */
export function progressOf(
  outs: Pick<
    CollectionRunOutputs,
    "successRequests" | "failedRequests" | "timeoutRequests" | "totalRequests"
  >,
): string {
  const n = (v: number | null) => (v === null ? "?" : String(v));
  return (
    `${n(outs.successRequests)} succeeded, ${n(outs.failedRequests)} failed, ${n(outs.timeoutRequests)} timed out ` +
    `of ${n(outs.totalRequests)} requests`
  );
}

function throwIfFailed(outs: CollectionRunOutputs): void {
  const failed = (outs.failedRequests ?? 0) + (outs.timeoutRequests ?? 0);
  if (outs.status === "in_progress" || failed === 0) return;
  const message =
    `run ${outs.runId}${ofCollection(outs)} ended "${outs.status}" with ${outs.failedRequests ?? 0} failed and ` +
    `${outs.timeoutRequests ?? 0} timed-out request(s) of ${outs.totalRequests ?? "?"}, and failOn is "any-failed"`;
  throw new ResourceInitError(message, outs.runId, { ...outs }, [message]);
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

function toInputs(props: Record<string, unknown>): CollectionRunInputs {
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

function declaredOf(inputs: CollectionRunInputs) {
  const { callbackUrl, ...rest } = inputs;
  return { ...rest, declaredCallbackUrl: callbackUrl ?? null };
}

function inputsOfState(outs: CollectionRunOutputs): Record<string, unknown> {
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

function outputsFrom(
  inputs: CollectionRunInputs,
  run: Run,
  createdAt: number | null,
  reattached: boolean,
): CollectionRunOutputs {
  return {
    ...declaredOf(inputs),
    runId: run.run_id,
    status: run.status,
    totalRequests: run.total_requests ?? null,
    successRequests: run.success_requests ?? null,
    failedRequests: run.failed_requests ?? null,
    timeoutRequests: run.timeout_requests ?? null,
    jobIds: run.job_ids ?? [],
    callbackUrl: withoutFingerprint(run.callback_url),
    callbackStatus: run.callback_status ?? null,
    createdAt: run.created_at ?? createdAt,
    reattached,
  };
}

/** ` of collection <id>`, or ` of its collection` when the program marked `collectionId` secret. */
function ofCollection(inputs: { collectionId: string; __secretInputs?: string[] }): string {
  return secretInputsOf(inputs).has("collectionId")
    ? " of its collection"
    : ` of collection ${inputs.collectionId}`;
}

/**
 * The outputs (or inputs, for a refresh) with each secret input and each output derived from one in
 * Pulumi's secret envelope: the declared `callbackUrl` is stored as `declaredCallbackUrl`, and the
 * run's reported `callbackUrl` is the declared one or, without one, the collection's.
 */
function secretRunOutputs<T extends object>(props: T): T {
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
