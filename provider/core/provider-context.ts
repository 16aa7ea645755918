/**
 * What the operations of one provider instance share, whichever adapter serves them: its settings
 * and API client (configured once per instance), where its messages go, and how one operation on
 * one resource runs.
 *
 * The dynamic provider has one instance per resource type (the host deserializes each type's
 * provider and configures it); a native plugin has one per provider resource (default or explicit),
 * which serves every resource type and lookup with the same settings.
 */
import type { ScrapingProsClient } from "../client/client";
import { CollectionSnapshots } from "./collection-snapshots";
import type { ProviderSettings } from "./config";
import { ConfiguredClient, type EngineConfig } from "./configured-client";
import type { WithClient } from "./lookups";
import type { MessageSink, Severity } from "./message-sink";
import {
  currentScope,
  describeRecovery,
  describeRetry,
  inScope,
  type Operation,
  outsideScope,
  redactError,
  redactMessage,
  userErrorFor,
} from "./messages";
import { ResourceInitError } from "./resource-init-error";
import type { SecretRedactor } from "./secrets";

/** Options of a {@link ProviderContext}. */
export interface ProviderContextOptions {
  /** Builds the client; tests pass one with a short retry schedule. @default a `ScrapingProsClient` of the settings */
  clientFactory?: ((settings: ProviderSettings) => ScrapingProsClient) | undefined;
  /** The environment the settings' `SCRAPINGPROS_*` variables are read from. @default process.env */
  env?: NodeJS.ProcessEnv | undefined;
  /** Where messages go, with the URN of the resource they concern. */
  sink: MessageSink;
}

/** The resource one operation is for, as {@link ProviderContext.run} needs it. */
export interface OperationTarget {
  /** The resource's URN, when known: messages and retries are attached to it. */
  urn: string | undefined;
  /** Hides the resource's secret input values in every message and error of the operation. */
  redactor: SecretRedactor;
  /** The operation's whole budget from `customTimeouts`, when set, which a timeout error names. @unit milliseconds */
  customTimeoutMs?: number | undefined;
  /**
   * The properties of a {@link ResourceInitError} as the engine should store them (each secret
   * input, and each output derived from one, in Pulumi's secret envelope).
   */
  secretState: (properties: Record<string, unknown>) => Record<string, unknown>;
}

/** The settings, client and messages of one provider instance. */
export class ProviderContext {
  /** The settings and the lazily built client. */
  readonly api: ConfiguredClient;
  readonly #sink: MessageSink;
  /** The snapshots of the client in use: a new client (new settings) starts with none. */
  #snapshots: { client: ScrapingProsClient; snapshots: CollectionSnapshots } | undefined;

  constructor(options: ProviderContextOptions) {
    this.#sink = options.sink;
    this.api = new ConfiguredClient({
      clientFactory: options.clientFactory,
      env: options.env,
      // Each retry is a detail (`--debug`) of its resource; the outcome gets one line (see run).
      onRetry: (e) => {
        const scope = currentScope();
        scope?.retries.push(e);
        void this.say("debug", describeRetry(e), scope?.urn);
      },
    });
  }

  /** Takes the provider's configuration (`scrapingpros:*` keys); the next call builds a client with it. */
  async configure(config: EngineConfig): Promise<void> {
    await this.api.configure(config);
  }

  /**
   * The client, built on first use.
   * @throws UserFacingError for a bad setting, or with how to set the key when none is configured.
   */
  client(): ScrapingProsClient {
    return this.api.get();
  }

  /**
   * Runs a lookup (an invoke: `getCollection`, `listCollections`, `getRun`) with this instance's
   * client. One function for the instance's life: lookups of `lookups.ts` given the same function
   * that arrive together share their calls (one list for many `getCollection`s), so an adapter
   * passes this one rather than a function of its own per invoke.
   */
  readonly withClient: WithClient = (fn) => fn(this.client());

  /**
   * The collections of the account as this instance's list calls showed them, shared by its
   * operations (reads and lookups by name; see `collection-snapshots.ts` for how fresh they are).
   * @throws UserFacingError for a bad setting, or with how to set the key when none is configured.
   */
  collections(): CollectionSnapshots {
    const client = this.client();
    if (this.#snapshots?.client !== client) {
      this.#snapshots = {
        client,
        snapshots: new CollectionSnapshots({ client: () => client, shared: outsideScope }),
      };
    }
    return this.#snapshots.snapshots;
  }

  /**
   * Sends a message about the resource `urn` to the sink, with secret values hidden: those of
   * `redactor`, by default those of the running operation's resource.
   */
  async say(
    severity: Severity,
    text: string,
    urn: string | undefined,
    redactor?: SecretRedactor,
  ): Promise<void> {
    await this.#sink(severity, redactor ? redactor.redact(text) : redactMessage(text), urn);
  }

  /**
   * Runs one operation on one resource: retries are counted against it, a success after retries
   * gets one line, and an error becomes what a user reads (the settings involved named, the API key
   * and the resource's secret values hidden; a {@link ResourceInitError}'s properties in their
   * stored form).
   */
  async run<T>(op: Operation, target: OperationTarget, fn: () => Promise<T>): Promise<T> {
    return inScope(
      op,
      target.urn,
      async (scope) => {
        try {
          const result = await fn();
          const recovered = describeRecovery(scope);
          if (recovered) await this.say("info", recovered, target.urn);
          return result;
        } catch (e) {
          const error = userErrorFor(e, {
            op,
            settings: this.api.settings,
            baseUrl: this.api.baseUrl,
            customTimeoutMs: target.customTimeoutMs,
          });
          throw redactError(
            error instanceof ResourceInitError
              ? new ResourceInitError(
                  error.message,
                  error.id,
                  target.secretState(error.properties),
                  error.reasons,
                )
              : error,
            target.redactor,
          );
        }
      },
      target.redactor,
    );
  }
}
