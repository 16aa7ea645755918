/**
 * Provider configuration: stack config first (`scrapingpros:*`, read in the dynamic provider's
 * `configure`), environment variables as the fallback. Nothing read here is ever put in inputs,
 * outputs or the serialized provider.
 *
 * Every bad value fails with the setting's name, where it was read from (stack config or the
 * environment) and the expected form; a `scrapingpros:*` key the provider does not know fails too
 * (a typo such as `scrapingpros:baseURL` would otherwise send traffic to the production API).
 */
import type { ClientOptions } from "../client/client";
import { closestName } from "./rules/near-miss";
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
  // Read first: a bad value of another setting must not be echoed when it is (or holds) the key.
  const apiKey = read("apiKey");
  const num = (name: SettingName, integer: boolean): number | undefined => {
    const v = read(name);
    if (v === undefined) return undefined;
    const n = Number(v.trim());
    if (v.trim() === "" || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
      throw new UserFacingError(
        `${sources[name]} is ${showSettingValue(v, apiKey)}: it must be a non-negative ${integer ? "whole number" : "number"}` +
          `${name === "maxRetries" ? "" : " of milliseconds"}, e.g. ${name === "maxRetries" ? "4" : "30000"}`,
      );
    }
    return n;
  };
  const clientOptions: Omit<ClientOptions, "apiKey"> = {};
  const baseUrl = read("baseUrl");
  if (baseUrl !== undefined) {
    const message = baseUrlError(baseUrl, sources.baseUrl ?? "the base URL", apiKey);
    if (message) throw new UserFacingError(message);
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
  return { apiKey, clientOptions, sources };
}

/**
 * The error for a bad base URL, naming `source`, or undefined when it is an absolute http(s) URL
 * without credentials. The value is shown without its user name and password (`https://***@host`),
 * query or fragment, and not at all when what is left could be a credential
 * ({@link showSettingValue}).
 * @param source Where the value came from, e.g. `stack config scrapingpros:baseUrl`.
 * @param apiKey The configured key, never shown.
 */
export function baseUrlError(value: string, source: string, apiKey?: string): string | undefined {
  const problems = baseUrlProblems(value);
  if (problems.length === 0) return undefined;
  return (
    `${source} is ${showSettingValue(withoutCredentials(value), apiKey)}: ${problems.join("; and ")}; ` +
    "expected an absolute http(s) URL such as https://api.scrapingpros.com or http://127.0.0.1:8787"
  );
}

/** What is wrong with a base URL: nothing when it is an absolute http(s) URL without credentials. */
function baseUrlProblems(value: string): string[] {
  const problems: string[] = [];
  if (authorityOf(value).includes("@")) {
    problems.push(
      "it carries a user name or password (user:password@host), which the provider refuses: the API key " +
        "belongs in scrapingpros:apiKey (sent as a Bearer header), and a credential in the base URL would be " +
        "stored and shown in plain text; remove it, and rotate it if the value was shared or committed",
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return [
      /^[\w.-]+(:\d+)?(\/|$)/.test(value) ? "it has no scheme (add http:// or https://)" : "it is not a URL",
      ...problems,
    ];
  }
  // `127.0.0.1:8787` parses with the scheme `127.0.0.1:`.
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    problems.unshift(
      /^[\d.]+:$/.test(parsed.protocol) || parsed.host === ""
        ? "it has no scheme (add http:// or https://)"
        : `it uses ${parsed.protocol.slice(0, -1)}, not http or https`,
    );
  }
  return problems;
}

/**
 * The part of a URL-like text where a user name and password could be: after `scheme://`, or from
 * the start when there is no `//` (`user:key@host`), up to the first `/`, `?`, `#` or space.
 */
function authorityOf(value: string): string {
  const rest = value.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, "");
  return /^[^/?#\s]*/.exec(rest)?.[0] ?? "";
}

/**
 * A URL-like text without what could hold a credential: its user name and password become `***@`,
 * its query `?***` and its fragment `#***`.
 * @example withoutCredentials("htps://user:key@api.example.com/v1?t=x") === "htps://***@api.example.com/v1?***"
 */
export function withoutCredentials(value: string): string {
  const text = value.trim();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text)?.[0] ?? "";
  const rest = text.slice(scheme.length);
  const authority = authorityOf(text);
  const at = authority.lastIndexOf("@");
  let out = at >= 0 ? `${scheme}***@${rest.slice(at + 1)}` : text;
  out = out
    .replace(/\?[^#]*/, (q) => (q.length > 1 ? "?***" : q))
    .replace(/#.*$/s, (f) => (f.length > 1 ? "#***" : f));
  return out;
}

/** Longest setting value a message shows, in characters. */
export const MAX_SHOWN_SETTING_LENGTH = 80;

/**
 * How a message shows a bad setting value: quoted, unless it could be a credential (a key pasted
 * into the wrong setting): when it holds 8 or more characters of the configured key in a row, a run
 * of 16 or more letters and digits with both in it (the shape of an API key), or is longer than
 * {@link MAX_SHOWN_SETTING_LENGTH}, only its length is shown.
 * @example showSettingValue("lots") === '"lots"'
 */
export function showSettingValue(value: string, apiKey?: string): string {
  const hidden = `a value of ${value.length} characters, not shown because it could be a credential`;
  if (value.length > MAX_SHOWN_SETTING_LENGTH) return hidden;
  if (apiKey && apiKey.length >= 8) {
    for (let i = 0; i + 8 <= apiKey.length; i++) if (value.includes(apiKey.slice(i, i + 8))) return hidden;
  }
  for (const run of value.match(/[A-Za-z0-9_+=-]{16,}/g) ?? []) {
    if (/[A-Za-z]/.test(run) && /\d/.test(run)) return hidden;
  }
  return JSON.stringify(value);
}
