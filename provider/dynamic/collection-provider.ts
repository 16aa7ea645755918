/**
 * The Collection dynamic provider: an adapter between Pulumi's dynamic-provider host and the core's
 * operations (`core/collection/operations.ts`), which do the work and document their calls. It adds
 * its wire (`wire.ts`) and where messages go.
 */
import type { ScrapingProsClient } from "../client/client";
import type { CollectionDiff } from "../core/collection/diff";
import { CollectionOperations } from "../core/collection/operations";
import type { ConfigSource, ProviderSettings } from "../core/config";
import type { MessageSink } from "../core/message-sink";
import { ProviderContext } from "../core/provider-context";
import type { CheckResult, CreateResult, ReadResult, UpdateResult } from "../core/results";
import { processSink } from "../engine/process-sink";
import { type Warn, wireTimeouts, wireUrn, withProvider } from "./wire";

/** Options for {@link CollectionProvider}, mostly for tests. */
export interface CollectionProviderOptions {
  /** Builds the client; tests pass one with a short retry schedule. */
  clientFactory?: (settings: ProviderSettings) => ScrapingProsClient;
  /** Receives warnings instead of the sink (tests). */
  warn?: Warn;
  /** Receives what went as planned but is worth knowing (a replayed create) instead of the sink (tests). */
  info?: Warn;
  /** Receives details (each retry) instead of the sink (tests); without it they go to `warn`. */
  debug?: Warn;
  /**
   * Where messages go, with the resource's URN. @default the engine, attached to the resource, in
   * the dynamic-provider process (`processSink()`); stderr elsewhere
   */
  sink?: MessageSink;
  /** The environment the settings' `SCRAPINGPROS_*` variables are read from. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** The Collection resource provider. One instance per provider process. */
export class CollectionProvider {
  readonly #context: ProviderContext;
  readonly #core: CollectionOperations;

  constructor(options: CollectionProviderOptions = {}) {
    this.#context = new ProviderContext({
      clientFactory: options.clientFactory,
      env: options.env,
      sink: collectionSink(options),
    });
    this.#core = new CollectionOperations(this.#context);
  }

  /** Receives the stack config from the engine (`scrapingpros:*`). */
  async configure(req: { config: ConfigSource }): Promise<void> {
    await this.#context.configure(req.config);
  }

  /** Validates the inputs, derives an auto-name, warns about near misses (no API call); throws without an API key. */
  async check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult> {
    return this.#core.check(wireUrn(news), olds, news);
  }

  /** No API call: an update or, for `callbackUrl` and `replaceOnChanges`, a replacement (with a warning). */
  async diff(
    id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<CollectionDiff> {
    return this.#core.diff(id, wireUrn(news), olds, news);
  }

  /**
   * Creates or adopts the collection (`POST`, or a lookup and one `PUT`). Throws `ResourceInitError`
   * when the API blocked some URLs, and an API error when a call fails.
   */
  async create(props: Record<string, unknown>): Promise<CreateResult> {
    return withProvider(props, () => this.#core.create(wireUrn(props), props, wireTimeouts(props)));
  }

  /** Refreshes from the list shared by the reads of the refresh (or `GET .../{id}`); an empty `id` when the collection is gone (404). */
  async read(id: string, props: Record<string, unknown>): Promise<ReadResult> {
    return this.#core.read(id, wireUrn(props), props);
  }

  /** One `PUT` of the name and requests; throws `ResourceInitError` when URLs were blocked. */
  async update(
    id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<UpdateResult> {
    return withProvider(news, () => this.#core.update(id, wireUrn(news), olds, news, wireTimeouts(news)));
  }

  /** Forgets the collection with a warning: the API has no delete endpoint (API reference §2.5). */
  async delete(id: string, props: Record<string, unknown>): Promise<void> {
    await this.#core.delete(id, wireUrn(props), props);
  }
}

/**
 * Where a CollectionProvider's messages go: the test callbacks when one is given (warnings and
 * errors to `warn`, the rest to `info` or `debug`, else `warn`), else the sink, else the engine.
 */
function collectionSink(options: CollectionProviderOptions): MessageSink {
  const { warn, info, debug } = options;
  if (warn || info || debug) {
    return async (severity, message) => {
      if (severity === "warning" || severity === "error") warn?.(message);
      else if (severity === "info") (info ?? warn)?.(message);
      else (debug ?? warn)?.(message);
    };
  }
  return options.sink ?? ((severity, message, urn) => processSink()(severity, message, urn));
}
