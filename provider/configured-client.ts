/**
 * The API client of one provider instance: settings arrive through the engine's `configure`
 * (stack config, then the environment), and the client is built on first use, so a provider that
 * only checks and diffs never needs a key.
 */
import { ScrapingProsClient } from "./client/client";
import { type ConfigSource, MISSING_KEY_MESSAGE, type ProviderSettings, resolveSettings } from "./config";

/** Options shared by the providers, mostly for tests. */
export interface ConfiguredClientOptions {
  /** Builds the client; tests pass one with a short retry schedule. */
  clientFactory?: ((settings: ProviderSettings) => ScrapingProsClient) | undefined;
  /** The environment read after stack config. @default process.env */
  env?: NodeJS.ProcessEnv | undefined;
  /** Where retries are reported. */
  warn: (message: string) => void;
}

/** Settings and a lazily built client, rebuilt when the configuration changes. */
export class ConfiguredClient {
  #settings: ProviderSettings | undefined;
  #client: ScrapingProsClient | undefined;
  readonly #options: ConfiguredClientOptions;

  constructor(options: ConfiguredClientOptions) {
    this.#options = options;
  }

  /** Takes the engine's configuration; the next {@link get} builds a client with it. */
  async configure(config: ConfigSource): Promise<void> {
    this.#settings = resolveSettings(config, this.#options.env ?? process.env);
    await this.#client?.close();
    this.#client = undefined;
  }

  /**
   * The client, built on first use.
   * @throws Error with how to set the key when none is configured.
   */
  get(): ScrapingProsClient {
    if (this.#client) return this.#client;
    const settings = this.#settings ?? resolveSettings(undefined, this.#options.env ?? process.env);
    if (!settings.apiKey) throw new Error(MISSING_KEY_MESSAGE);
    this.#client = this.#options.clientFactory
      ? this.#options.clientFactory(settings)
      : new ScrapingProsClient({
          ...settings.clientOptions,
          apiKey: settings.apiKey,
          onRetry: (e) =>
            this.#options.warn(
              `${e.method} ${e.path}: attempt ${e.attempt + 1} failed (${e.reason}), retrying in ${e.delayMs} ms`,
            ),
        });
    return this.#client;
  }
}
