/**
 * Provider configuration: stack config first (`scrapingpros:*`, read in the dynamic provider's
 * `configure`), environment variables as the fallback. Nothing read here is ever put in inputs,
 * outputs or the serialized provider.
 */
import type { ClientOptions } from "./client/client";

/** The subset of Pulumi's dynamic-provider config object this module uses. */
export interface ConfigSource {
  get(key: string): string | undefined;
}

/** Settings of the provider, resolved. `apiKey` is undefined when neither source has one. */
export interface ProviderSettings {
  apiKey: string | undefined;
  clientOptions: Omit<ClientOptions, "apiKey">;
}

/** Config keys and their environment fallbacks. */
export const CONFIG_KEYS = {
  apiKey: ["scrapingpros:apiKey", "SCRAPINGPROS_API_KEY"],
  baseUrl: ["scrapingpros:baseUrl", "SCRAPINGPROS_BASE_URL"],
  maxRetries: ["scrapingpros:maxRetries", "SCRAPINGPROS_MAX_RETRIES"],
  timeoutMs: ["scrapingpros:timeoutMs", "SCRAPINGPROS_TIMEOUT_MS"],
  deadlineMs: ["scrapingpros:deadlineMs", "SCRAPINGPROS_DEADLINE_MS"],
} as const;

/** The message shown when no API key is configured. */
export const MISSING_KEY_MESSAGE =
  "ScrapingPros API key is not set: run `pulumi config set --secret scrapingpros:apiKey <key>` " +
  "or set the SCRAPINGPROS_API_KEY environment variable";

/** Resolves the settings from stack config and the environment. */
export function resolveSettings(config: ConfigSource | undefined, env: NodeJS.ProcessEnv): ProviderSettings {
  const read = ([key, envName]: readonly [string, string]): string | undefined => {
    const v = config?.get(key);
    if (v !== undefined && v !== "") return v;
    const e = env[envName];
    return e !== undefined && e !== "" ? e : undefined;
  };
  const num = (pair: readonly [string, string]): number | undefined => {
    const v = read(pair);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0)
      throw new Error(`${pair[0]} must be a non-negative number (got ${JSON.stringify(v)})`);
    return n;
  };
  const clientOptions: Omit<ClientOptions, "apiKey"> = {};
  const baseUrl = read(CONFIG_KEYS.baseUrl);
  if (baseUrl !== undefined) clientOptions.baseUrl = baseUrl;
  const maxRetries = num(CONFIG_KEYS.maxRetries);
  if (maxRetries !== undefined) clientOptions.maxRetries = Math.floor(maxRetries);
  const timeoutMs = num(CONFIG_KEYS.timeoutMs);
  if (timeoutMs !== undefined) clientOptions.timeoutMs = timeoutMs;
  const deadlineMs = num(CONFIG_KEYS.deadlineMs);
  if (deadlineMs !== undefined) clientOptions.deadlineMs = deadlineMs;
  return { apiKey: read(CONFIG_KEYS.apiKey), clientOptions };
}
