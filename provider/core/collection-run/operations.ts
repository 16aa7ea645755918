/**
 * The operations of a CollectionRun, whichever adapter serves them: one run of a collection per
 * resource (per `triggers` value).
 *
 * - check  → local validation only (0 API calls)
 * - diff   → local comparison only (0 API calls); `collectionId`, `triggers`, `callbackUrl` replace
 * - create → GET .../runs?status_filter=in_progress (re-attach to this resource's live run), then at
 *            most one POST .../run (never resent blind), then, with `wait: "completed"`, GET
 *            .../runs/{run_id} with backoff until the run ends or `timeoutSeconds` passes
 * - read   → GET .../runs/{run_id}; 404 means gone
 * - import → GET .../runs/{run_id} of the collection the import names; 404 is an error
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
 * delete-before-replace) sees the old state. So this instance remembers, per URN, the run each diff or
 * delete showed it, and a create for that URN is a replacement: it takes only a run listed before the
 * replaced one (started after it; the list is newest first), or, onto another collection, a run
 * created after it by the API's clock. A replacement the engine forces without
 * asking diff (`replacementTrigger`, `replaceWith`, `deletedWith`) is known only from a check with
 * old inputs: it re-attaches to nothing. `pulumi up --replace` reaches the provider exactly like the
 * rerun of an interrupted first create (a check without olds, no diff): it re-attaches to the run in
 * progress, as that rerun must, and says how to start a new one.
 *
 * Properties come and go in the stored layout (`state.ts`), which both adapters share.
 */

import { ApiConnectionError, ApiError, NotFoundError } from "../../client/errors";
import { path } from "../../client/path";
import { Run, RunList } from "../../client/schemas";
import type { CollectionDiff } from "../collection/diff";
import { currentScope, type Operation } from "../messages";
import type { ProviderContext } from "../provider-context";
import { ResourceInitError } from "../resource-init-error";
import type { CheckResult, CreateResult, ReadResult, UpdateResult } from "../results";
import { redactorFor, secretInputsOf } from "../secrets";
import { UserFacingError } from "../user-error";
import { checkCollectionRun } from "./check";
import { diffCollectionRun } from "./diff";
import {
  type OwnRunContext,
  pickOwnRun,
  runFingerprint,
  withFingerprint,
  withoutFingerprint,
} from "./own-run";
import {
  type CollectionRunInputs,
  type CollectionRunOutputs,
  declaredOf,
  inputsOfState,
  readRunInputs,
  secretRunOutputs,
} from "./state";

/** How create and update poll a run until it ends (tests shorten it). */
export interface RunPollOptions {
  /** Waits between polls. @default timers */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** First poll interval, doubled (×1.5) up to `maxPollMs`. @default 500 @unit milliseconds */
  initialPollMs?: number | undefined;
  /** Longest interval between polls. @default 10000 @unit milliseconds */
  maxPollMs?: number | undefined;
}

/**
 * The CollectionRun operations of one provider instance. Each takes the resource's URN as the
 * adapter knows it (undefined when it does not) and properties in the stored layout; the instance
 * remembers, per URN, the runs diff and delete showed it, which tells a replacement's create apart.
 */
export class CollectionRunOperations {
  readonly #ctx: ProviderContext;
  readonly #poll: RunPollOptions;
  /** The run each resource had, by URN, as diff or delete showed it: a create for that URN replaces it. */
  readonly #replaced = new Map<string, { runId: string; collectionId: unknown }>();
  /** URNs this instance checked with old inputs: a create for one is a replacement, even without a diff. */
  readonly #existing = new Set<string>();
  /** Which resource (URN) each run this instance saw in a state, or started, belongs to. */
  readonly #claimed = new Map<string, string>();
  /** Runs a create re-attached to without a replacement in sight, by URN (`pulumi up --replace` keeps its run). */
  readonly #kept = new Map<string, string>();

  /**
   * @param ctx The settings, client and message sink of the provider instance.
   * @param poll How a wait polls the run.
   */
  constructor(ctx: ProviderContext, poll: RunPollOptions = {}) {
    this.#ctx = ctx;
    this.#poll = poll;
  }

  /**
   * Validates the inputs with {@link checkCollectionRun} (no API call) and remembers that the
   * resource exists when `olds` (its old inputs) are given.
   * @throws UserFacingError when the provider has a bad setting or no API key.
   */
  async check(
    urn: string | undefined,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<CheckResult> {
    this.#ctx.api.assertReady();
    if (urn !== undefined && Object.keys(olds).length > 0) this.#existing.add(urn);
    return checkCollectionRun(news);
  }

  /**
   * No API call: a change of `collectionId`, `triggers` or `callbackUrl` replaces the run; one of
   * `wait`, `timeoutSeconds` or `failOn` is an update ({@link diffCollectionRun}).
   */
  async diff(
    id: string,
    urn: string | undefined,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<CollectionDiff> {
    // The only call that shows the old state (its run) before a replacement's create.
    if (urn !== undefined && id !== "") this.#remember(urn, id, olds.collectionId);
    return diffCollectionRun(olds, news);
  }

  /**
   * Re-attaches to this resource's run in progress, if any, else starts one (`POST .../run`, never
   * resent blind); with `wait: "completed"` polls until it ends. Throws {@link ResourceInitError}
   * when the wait times out (the run keeps going and the engine records it) or, with
   * `failOn: "any-failed"`, when jobs failed or timed out; an API error when a call fails.
   */
  async create(
    urn: string | undefined,
    props: Record<string, unknown>,
  ): Promise<CreateResult<CollectionRunOutputs>> {
    const { id, outs } = await this.#run("create", urn, props, () => this.#create(props));
    return { id, outs: secretRunOutputs(outs) };
  }

  async #create(props: Record<string, unknown>): Promise<{ id: string; outs: CollectionRunOutputs }> {
    const inputs = readRunInputs(props);
    const client = this.#ctx.client();
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
  async read(id: string, urn: string | undefined, props: Record<string, unknown>): Promise<ReadResult> {
    const result = await this.#run("read", urn, props, () => this.#read(id, props));
    return {
      ...result,
      ...(result.props ? { props: secretRunOutputs(result.props) } : {}),
      ...(result.inputs ? { inputs: secretRunOutputs(result.inputs) } : {}),
    };
  }

  /**
   * Reads an existing run into the stack (`pulumi import`): one `GET .../runs/{run_id}`, no write.
   * The API addresses a run by its collection and its id, so the import names both. The inputs are
   * the collection and the defaults (`wait: "completed"`, `timeoutSeconds`, `failOn: "none"`); a
   * `callbackUrl` is not among them (the run's webhook may be its collection's), so declaring one
   * afterwards starts a new run.
   * @param scope The stack's scope its identity takes, when the adapter knows one.
   * @throws UserFacingError when the collection or the run does not exist (404).
   */
  async import(
    collectionId: string,
    runId: string,
    urn: string,
    scope: string | undefined,
  ): Promise<ReadResult> {
    const props: Record<string, unknown> = {
      collectionId,
      __urn: urn,
      ...(scope ? { __scope: scope } : {}),
      createdAt: null,
      reattached: false,
    };
    const result = await this.#run("read", urn, props, async () => {
      const read = await this.#read(runId, props);
      if (read.id === "") {
        throw new UserFacingError(
          `no run ${runId} of collection ${collectionId} exists in this ScrapingPros account ` +
            `(GET /v1/async/collections/${collectionId}/runs/${runId} answered 404): check the ids given to \`pulumi import\``,
        );
      }
      return read;
    });
    return {
      ...result,
      ...(result.props ? { props: secretRunOutputs(result.props) } : {}),
      ...(result.inputs ? { inputs: secretRunOutputs(result.inputs) } : {}),
    };
  }

  async #read(id: string, props: Record<string, unknown>) {
    const state = props as unknown as CollectionRunOutputs;
    try {
      const res = await this.#ctx.client().runs.get(state.collectionId, id);
      const outs = runOutputsFrom(
        readRunInputs({ ...props, callbackUrl: state.declaredCallbackUrl ?? undefined }),
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
    urn: string | undefined,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<UpdateResult<CollectionRunOutputs>> {
    const { outs } = await this.#run("update", urn, news, () => this.#update(id, olds, news), olds);
    return { outs: secretRunOutputs(outs) };
  }

  async #update(id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
    const inputs = readRunInputs(news);
    const state = olds as unknown as CollectionRunOutputs;
    if (state.status === "in_progress" && inputs.wait === "completed") {
      // A wait that timed out before (the engine keeps such a run with an initialization error), or
      // `wait` changed to "completed": keep waiting for the same run.
      const res = await this.#ctx.client().runs.get(inputs.collectionId, id);
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
  async delete(id: string, urn: string | undefined, props: Record<string, unknown>): Promise<void> {
    return this.#run("delete", urn, props, () => this.#delete(id, urn, props));
  }

  async #delete(id: string, urn: string | undefined, props: Record<string, unknown>): Promise<void> {
    const state = props as unknown as CollectionRunOutputs;
    if (urn !== undefined) {
      // `pulumi up --replace` re-attached the replacement to this same run: it stays in the stack.
      if (this.#kept.get(urn) === id) return;
      // A delete-before-replace: the create that follows replaces this run.
      this.#remember(urn, id, state.collectionId);
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
    const outs = runOutputsFrom(inputs, run, createdAt, reattached);
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
    const client = this.#ctx.client();
    const sleep = this.#poll.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const until = Date.now() + inputs.timeoutSeconds * 1000;
    let delay = this.#poll.initialPollMs ?? 500;
    let current = run;
    for (;;) {
      const left = until - Date.now();
      if (left <= 0) break;
      await sleep(Math.min(delay, left));
      delay = Math.min(delay * 1.5, this.#poll.maxPollMs ?? 10_000);
      current = (await client.runs.get(inputs.collectionId, run.run_id)).data;
      if (current.status !== "in_progress") return current;
    }
    const outs = runOutputsFrom(inputs, current, createdAt, reattached);
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
    urn: string | undefined,
    props: Record<string, unknown>,
    fn: () => Promise<T>,
    olds?: Record<string, unknown>,
  ): Promise<T> {
    const redactor = redactorFor(props, olds ? [...secretInputsOf(olds)].map((n) => olds[n]) : []);
    return this.#ctx.run(op, { urn, redactor, secretState: secretRunOutputs }, fn);
  }

  /** A warning about the resource of the running operation, attached to it, secret values hidden. */
  async #warn(text: string): Promise<void> {
    await this.#ctx.say("warning", text, currentScope()?.urn);
  }

  /** The API's creation time of a run (epoch seconds) from its collection's runs list; undefined when unknown. */
  async #createdAt(collectionId: string, runId: string): Promise<number | undefined> {
    try {
      const { data } = await this.#ctx
        .client()
        .request("GET", path`/v1/async/collections/${collectionId}/runs`, RunList);
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

/** The state of a run as the API reported it, with the inputs that started it. */
function runOutputsFrom(
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
