/**
 * The API client of one provider instance: settings arrive through the engine's `configure`
 * (stack config, then the environment), and the client is built on first use, so a provider that
 * only checks and diffs never needs a key.
 *
 * A bad setting does not make `configure` throw: the dynamic-provider host calls `configure` once,
 * on the first request, and would then carry on with an unconfigured provider. The error is kept
 * and thrown by every later use ({@link ConfiguredClient.assertSettings}, {@link ConfiguredClient.get}).
 */
import { type RetryEvent, ScrapingProsClient } from "../client/client";
import { type ConfigSource, missingKeyMessage, type ProviderSettings, resolveSettings } from "./config";
import { describeRetry } from "./messages";
import { UserFacingError } from "./user-error";

/** Options shared by the providers, mostly for tests. */
export interface ConfiguredClientOptions {
  /** Builds the client; tests pass one with a short retry schedule. */
  clientFactory?: ((settings: ProviderSettings) => ScrapingProsClient) | undefined;
  /** The environment read after stack config. @default process.env */
  env?: NodeJS.ProcessEnv | undefined;
  /** Receives each retry of the built client. Takes precedence over `warn`. */
  onRetry?: ((event: RetryEvent) => void) | undefined;
  /** Where retries are reported, as one line each, when `onRetry` is not given. */
  warn?: ((message: string) => void) | undefined;
}

/** Pulumi's dynamic-provider `Config`: `get`, and the raw map of every key of the stack. */
export type EngineConfig = ConfigSource & { rawConfig?: Record<string, unknown> };

/** Settings and a lazily built client, rebuilt when the configuration changes. */
export class ConfiguredClient {
  #settings: ProviderSettings | undefined;
  #settingsError: Error | undefined;
  #client: ScrapingProsClient | undefined;
  readonly #options: ConfiguredClientOptions;

  constructor(options: ConfiguredClientOptions) {
    this.#options = options;
  }

  /** Takes the engine's configuration; the next {@link get} builds a client with it. */
  async configure(config: EngineConfig): Promise<void> {
    const source: ConfigSource = {
      get: (key) => config.get(key),
      keys: () => (config.keys ? config.keys() : Object.keys(config.rawConfig ?? {})),
      ...(config.origin ? { origin: config.origin } : {}),
    };
    this.#settingsError = undefined;
    try {
      this.#settings = resolveSettings(source, this.#options.env ?? process.env);
    } catch (e) {
      this.#settings = undefined;
      this.#settingsError = e as Error;
    }
    await this.#client?.close();
    this.#client = undefined;
  }

  /** The settings in force, when they are valid. */
  get settings(): ProviderSettings | undefined {
    return this.#settings;
  }

  /** The base URL the client uses (built or not). */
  get baseUrl(): string | undefined {
    return this.#client?.baseUrl ?? this.#settings?.clientOptions.baseUrl;
  }

  /** @throws UserFacingError when the configuration had a bad setting. */
  assertSettings(): void {
    if (this.#settingsError) throw this.#settingsError;
  }

  /**
   * Checks, without building the client, that an API call could be made: the settings are valid
   * and a key is set. `check` calls it, so that `pulumi preview` fails on a missing key as it fails
   * on a bad setting, before `pulumi up` creates anything.
   * @throws UserFacingError for a bad setting, or with how to set the key when none is configured.
   */
  assertReady(): void {
    this.assertSettings();
    const settings = this.#settings ?? resolveSettings(undefined, this.#options.env ?? process.env);
    this.#settings = settings;
    if (!settings.apiKey) throw new UserFacingError(missingKeyMessage(settings.origin));
  }

  /**
   * The client, built on first use.
   * @throws UserFacingError for a bad setting, or with how to set the key when none is configured.
   */
  get(): ScrapingProsClient {
    this.assertSettings();
    if (this.#client) return this.#client;
    const settings = this.#settings ?? resolveSettings(undefined, this.#options.env ?? process.env);
    this.#settings = settings;
    if (!settings.apiKey) throw new UserFacingError(missingKeyMessage(settings.origin));
    const onRetry = this.#options.onRetry ?? ((e: RetryEvent) => this.#options.warn?.(describeRetry(e)));
    this.#client = this.#options.clientFactory
      ? this.#options.clientFactory(settings)
      : new ScrapingProsClient({ ...settings.clientOptions, apiKey: settings.apiKey, onRetry });
    return this.#client;
  }
}
