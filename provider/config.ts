/**
 * Provider configuration: stack config first (`scrapingpros:*`, read in the dynamic provider's
 * `configure`), environment variables as the fallback. Nothing read here is ever put in inputs,
 * outputs or the serialized provider.
 *
 * Every bad value fails with the setting's name, where it was read from (stack config or the
 * environment) and the expected form; a `scrapingpros:*` key the provider does not know fails too
 * (a typo such as `scrapingpros:baseURL` would otherwise send traffic to the production API).
 */
import type { ClientOptions } from "./client/client";
import { closestName } from "./near-miss";
import { UserFacingError } from "./user-error";

/** The subset of Pulumi's dynamic-provider config object this module uses. */
export interface ConfigSource {
  /** The value of a stack config key such as `scrapingpros:baseUrl`; undefined when it is not set. */
  get(key: string): string | undefined;
  /**
   * Every config key of the stack, when the source can list them (`scrapingpros:*` ones are checked
   * against the known settings). Pulumi's dynamic-provider `Config` has them as `rawConfig`.
   */
  keys?(): string[];
}

/** Where a setting's value came from, as messages name it. */
export type SettingSource = `stack config ${string}` | `environment variable ${string}`;

/** Settings of the provider, resolved. `apiKey` is undefined when neither source has one. */
export interface ProviderSettings {
  /** The API key; undefined when neither the stack config nor the environment has one. */
  apiKey: string | undefined;
  /** The client options that were set (`baseUrl`, `maxRetries`, `timeoutMs`, `deadlineMs`, `maxThrottleWaitMs`); the client's defaults apply to the rest. */
  clientOptions: Omit<ClientOptions, "apiKey">;
  /** Where each setting that has a value was read from. */
  sources: Partial<Record<SettingName, SettingSource>>;
}

/**
 * The provider's settings, each with its stack config key and its environment variable. A setting is
 * read from the stack config (`scrapingpros:<name>`) first, then from the environment; unset, the
 * client's default applies. A bad value, or a `scrapingpros:*` key that is not a setting, fails before
 * any API call, with the setting's name, where its value came from and the expected form.
 */
export const CONFIG_KEYS = {
  /** The API key (set it with `pulumi config set --secret`). */
  apiKey: ["scrapingpros:apiKey", "SCRAPINGPROS_API_KEY"],
  /** The API host, an absolute http(s) URL. */
  baseUrl: ["scrapingpros:baseUrl", "SCRAPINGPROS_BASE_URL"],
  /** How many times a failed call is retried, a non-negative whole number. */
  maxRetries: ["scrapingpros:maxRetries", "SCRAPINGPROS_MAX_RETRIES"],
  /** The timeout of one attempt, in milliseconds. */
  timeoutMs: ["scrapingpros:timeoutMs", "SCRAPINGPROS_TIMEOUT_MS"],
  /** The deadline of a call, its retries included, in milliseconds; waits for the API's rate limit are not counted. */
  deadlineMs: ["scrapingpros:deadlineMs", "SCRAPINGPROS_DEADLINE_MS"],
  /** How long one call may wait, in all, for the API's rate limit (429, 503 with `Retry-After`), in milliseconds. */
  maxThrottleWaitMs: ["scrapingpros:maxThrottleWaitMs", "SCRAPINGPROS_MAX_THROTTLE_WAIT_MS"],
} as const;

/** The name of one setting (`baseUrl`). */
export type SettingName = keyof typeof CONFIG_KEYS;

/** The stack config keys the provider reads. */
export const KNOWN_CONFIG_KEYS: readonly string[] = Object.values(CONFIG_KEYS).map(([key]) => key);

/** The message shown when no API key is configured. */
export const MISSING_KEY_MESSAGE =
  "ScrapingPros API key is not set: run `pulumi config set --secret scrapingpros:apiKey <key>` " +
  "or set the SCRAPINGPROS_API_KEY environment variable";

/**
 * The `scrapingpros:*` keys among `keys` that the provider does not read, each with the message
 * that names the likely intended key and the known ones.
 */
export function unknownSettings(keys: readonly string[]): {
  /** The unknown stack config key, e.g. `scrapingpros:baseURL`. */
  key: string;
  /** What to do about it: the likely intended key and the `pulumi config` commands, then the known keys. */
  message: string;
}[] {
  return keys
    .filter((k) => k.startsWith("scrapingpros:") && !KNOWN_CONFIG_KEYS.includes(k))
    .map((key) => {
      const near = closestName(key, KNOWN_CONFIG_KEYS);
      const advice = near
        ? `did you mean ${near}? Run \`pulumi config rm ${key}\` and ` +
          `\`pulumi config set ${near === CONFIG_KEYS.apiKey[0] ? "--secret " : ""}${near} <value>\``
        : `remove it with \`pulumi config rm ${key}\``;
      return {
        key,
        message:
          `unknown setting ${key} in the stack config: ${advice}. ` +
          `The provider reads ${KNOWN_CONFIG_KEYS.join(", ")}`,
      };
    });
}

/** The environment variables the provider reads. */
export const KNOWN_ENV_VARS: readonly string[] = Object.values(CONFIG_KEYS).map(([, envName]) => envName);

/**
 * `SCRAPINGPROS_*` environment variables that are near misses of a known one that is not set
 * (`SCRAPINGPROS_BASEURL` for `SCRAPINGPROS_BASE_URL`), each with its message. Other
 * `SCRAPINGPROS_*` variables (the emulator's, your own) are left alone.
 */
export function misspelledEnvSettings(env: NodeJS.ProcessEnv): {
  /** The misspelled variable's name, e.g. `SCRAPINGPROS_BASEURL`. */
  name: string;
  /** The message naming the variable it was probably meant to be, and the known ones. */
  message: string;
}[] {
  const out: { name: string; message: string }[] = [];
  for (const name of Object.keys(env)) {
    if (!name.startsWith("SCRAPINGPROS_") || KNOWN_ENV_VARS.includes(name)) continue;
    const near = closestName(name, KNOWN_ENV_VARS);
    if (near === undefined || (env[near] !== undefined && env[near] !== "")) continue;
    out.push({
      name,
      message:
        `environment variable ${name} is not read by the provider: did you mean ${near}? ` +
        `Rename it. The provider reads ${KNOWN_ENV_VARS.join(", ")}`,
    });
  }
  return out;
}

/**
 * Resolves the settings from stack config and the environment.
 * @throws UserFacingError naming the setting, its source and the expected form, for an unknown
 *   `scrapingpros:*` key, a misspelled `SCRAPINGPROS_*` variable, a base URL that is not an absolute http(s) URL, or a bad number.
 */
export function resolveSettings(config: ConfigSource | undefined, env: NodeJS.ProcessEnv): ProviderSettings {
  const unknown = unknownSettings(config?.keys?.() ?? []);
  if (unknown.length > 0) throw new UserFacingError(unknown.map((u) => u.message).join("\n"));
  const misspelled = misspelledEnvSettings(env);
  if (misspelled.length > 0) throw new UserFacingError(misspelled.map((u) => u.message).join("\n"));

  const sources: ProviderSettings["sources"] = {};
  const read = (name: SettingName): string | undefined => {
    const [key, envName] = CONFIG_KEYS[name];
    const v = config?.get(key);
    if (v !== undefined && v !== "") {
      sources[name] = `stack config ${key}`;
      return v;
    }
    const e = env[envName];
    if (e === undefined || e === "") return undefined;
    sources[name] = `environment variable ${envName}`;
    return e;
  };
  const num = (name: SettingName, integer: boolean): number | undefined => {
    const v = read(name);
    if (v === undefined) return undefined;
    const n = Number(v.trim());
    if (v.trim() === "" || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
      throw new UserFacingError(
        `${sources[name]} is ${JSON.stringify(v)}: it must be a non-negative ${integer ? "whole number" : "number"}` +
          `${name === "maxRetries" ? "" : " of milliseconds"}, e.g. ${name === "maxRetries" ? "4" : "30000"}`,
      );
    }
    return n;
  };
  const clientOptions: Omit<ClientOptions, "apiKey"> = {};
  const baseUrl = read("baseUrl");
  if (baseUrl !== undefined) {
    const problem = baseUrlProblem(baseUrl);
    if (problem) {
      throw new UserFacingError(
        `${sources.baseUrl} is ${JSON.stringify(baseUrl)}: ${problem}; ` +
          "expected an absolute http(s) URL such as https://api.scrapingpros.com or http://127.0.0.1:8787",
      );
    }
    clientOptions.baseUrl = baseUrl;
  }
  const maxRetries = num("maxRetries", true);
  if (maxRetries !== undefined) clientOptions.maxRetries = maxRetries;
  const timeoutMs = num("timeoutMs", false);
  if (timeoutMs !== undefined) clientOptions.timeoutMs = timeoutMs;
  const deadlineMs = num("deadlineMs", false);
  if (deadlineMs !== undefined) clientOptions.deadlineMs = deadlineMs;
  const maxThrottleWaitMs = num("maxThrottleWaitMs", false);
  if (maxThrottleWaitMs !== undefined) clientOptions.maxThrottleWaitMs = maxThrottleWaitMs;
  return { apiKey: read("apiKey"), clientOptions, sources };
}

/** What is wrong with a base URL, or undefined when it is an absolute http(s) URL. */
function baseUrlProblem(value: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return /^[\w.-]+(:\d+)?(\/|$)/.test(value)
      ? "it has no scheme (add http:// or https://)"
      : "it is not a URL";
  }
  // `127.0.0.1:8787` parses with the scheme `127.0.0.1:`.
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return /^[\d.]+:$/.test(parsed.protocol) || parsed.host === ""
      ? "it has no scheme (add http:// or https://)"
      : `it uses ${parsed.protocol.slice(0, -1)}, not http or https`;
  }
  return undefined;
}
