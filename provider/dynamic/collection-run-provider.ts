/**
 * The CollectionRun dynamic provider: an adapter between Pulumi's dynamic-provider host and the
 * core's operations (`core/collection-run/operations.ts`), which do the work and document how a run
 * is told apart from others. It adds its wire (`wire.ts`) and where messages go.
 */
import type { ScrapingProsClient } from "../client/client";
import type { CollectionDiff } from "../core/collection/diff";
import { CollectionRunOperations } from "../core/collection-run/operations";
import type { CollectionRunOutputs } from "../core/collection-run/state";
import type { ConfigSource, ProviderSettings } from "../core/config";
import type { MessageSink } from "../core/message-sink";
import { ProviderContext } from "../core/provider-context";
import type { CheckResult, CreateResult, ReadResult, UpdateResult } from "../core/results";
import { processSink } from "../engine/process-sink";
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

  /** Validates the inputs (no API call) and notes an existing resource; throws without an API key. */
  async check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult> {
    return this.#core.check(wireUrn(news), olds, news);
  }

  /** No API call: `collectionId`, `triggers` or `callbackUrl` replace the run; the other inputs update it. */
  async diff(
    id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<CollectionDiff> {
    return this.#core.diff(id, wireUrn(news), olds, news);
  }

  /**
   * Re-attaches to this resource's run in progress or starts one, and waits for it when asked.
   * Throws `ResourceInitError` when the wait times out or, with `failOn`, jobs failed.
   */
  async create(props: Record<string, unknown>): Promise<CreateResult<CollectionRunOutputs>> {
    return withProvider(props, () => this.#core.create(wireUrn(props), props));
  }

  /** Refreshes from `GET .../runs/{run_id}`; an empty `id` when the run is gone (404). */
  async read(id: string, props: Record<string, unknown>): Promise<ReadResult> {
    return this.#core.read(id, wireUrn(props), props);
  }

  /** No API call, unless the run is in progress and must be waited for; applies `failOn`. */
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
