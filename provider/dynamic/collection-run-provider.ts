/**
 * The CollectionRun dynamic provider: the adapter between Pulumi's dynamic-provider host and the
 * core's CollectionRun operations (`core/collection-run/operations.ts`), which do the work and say
 * how a run is told apart from others and how a replacement starts its own. What it adds is its wire
 * (`wire.ts`): the URN the SDK passes as `__urn`, the serialized provider an initialization error must
 * carry back, and where messages go.
 */
import type { ScrapingProsClient } from "../client/client";
import type { CollectionDiff } from "../core/collection/diff";
import { CollectionRunOperations } from "../core/collection-run/operations";
import type { CollectionRunOutputs } from "../core/collection-run/state";
import type { ConfigSource, ProviderSettings } from "../core/config";
import type { MessageSink } from "../core/message-sink";
import { ProviderContext } from "../core/provider-context";
import type { CheckResult, CreateResult, ReadResult, UpdateResult } from "../core/results";
import { processSink } from "../engine/engine-log";
import { type Warn, wireUrn, withProvider } from "./wire";

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
  readonly #context: ProviderContext;
  readonly #core: CollectionRunOperations;

  constructor(options: CollectionRunProviderOptions = {}) {
    this.#context = new ProviderContext({
      clientFactory: options.clientFactory,
      env: options.env,
      sink: runSink(options.warn),
    });
    this.#core = new CollectionRunOperations(this.#context, {
      sleep: options.sleep,
      initialPollMs: options.initialPollMs,
      maxPollMs: options.maxPollMs,
    });
  }

  /** Receives the stack config from the engine (`scrapingpros:*`). */
  async configure(req: { config: ConfigSource }): Promise<void> {
    await this.#context.configure(req.config);
  }

  /**
   * Validates the inputs with `checkCollectionRun` (no API call) and remembers that the
   * resource exists when `olds` (its old inputs) are given. Throws when the provider has no API key.
   */
  async check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult> {
    return this.#core.check(wireUrn(news), olds, news);
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
    return this.#core.diff(id, wireUrn(news), olds, news);
  }

  /**
   * Re-attaches to this resource's run in progress, if any, else starts one (`POST .../run`, never
   * resent blind); with `wait: "completed"` polls until it ends. Throws `ResourceInitError`
   * when the wait times out (the run keeps going and the engine records it) or, with
   * `failOn: "any-failed"`, when jobs failed or timed out; an API error when a call fails.
   */
  async create(props: Record<string, unknown>): Promise<CreateResult<CollectionRunOutputs>> {
    return withProvider(props, () => this.#core.create(wireUrn(props), props));
  }

  /** Refreshes from `GET .../runs/{run_id}`; an empty `id` when the run is gone (404). */
  async read(id: string, props: Record<string, unknown>): Promise<ReadResult> {
    return this.#core.read(id, wireUrn(props), props);
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
    return withProvider(news, () => this.#core.update(id, wireUrn(news), olds, news));
  }

  /** Forgets the run with a warning: the API cannot delete or cancel a run. */
  async delete(id: string, props: Record<string, unknown>): Promise<void> {
    return this.#core.delete(id, wireUrn(props), props);
  }
}

/**
 * Where a CollectionRunProvider's messages go: with the test callback `warn`, warnings and retries
 * to it (the line after a recovery is dropped); else the engine.
 */
function runSink(warn: Warn | undefined): MessageSink {
  if (warn) {
    return async (severity, message) => {
      if (severity !== "info") warn(message);
    };
  }
  return (severity, message, urn) => processSink()(severity, message, urn);
}
