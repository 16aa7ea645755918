/**
 * Provider configuration: the provider's own settings first (the stack config `scrapingpros:*`, read
 * in the dynamic provider's `configure` and by the native plugin's default provider; or the
 * properties of an explicit native provider, {@link SettingsOrigin}), environment variables as the
 * fallback. Nothing read here is ever put in a resource's inputs, outputs or serialized provider.
 *
 * Every bad value fails with the setting's name, where it was read from (stack config, a provider's
 * property, or the environment) and the expected form; a setting the provider does not know fails
 * too (a typo such as `scrapingpros:baseURL` would otherwise send traffic to the production API).
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
  /** Where these keys are set, as messages name them. @default {@link STACK_CONFIG} */
  origin?: SettingsOrigin;
}

/**
 * Where a provider instance's own settings are set: the stack config (`scrapingpros:baseUrl`; the
 * dynamic provider, and the native plugin's default provider, whose properties the engine takes
 * from the stack config), or the properties of an explicit native provider
 * (`pulumi:providers:scrapingpros` named `provider`), which messages name `the provider "eu"'s baseUrl`.
 */
export type SettingsOrigin =
  | {
      /** The stack config `scrapingpros:*`. */
      kind: "stack config";
    }
  | {
      /** The properties of an explicit provider. */
      kind: "provider";
      /** The provider resource's name (`eu`). */
      provider: string;
    };

/** The stack config `scrapingpros:*`: where the dynamic provider and the default native provider read. */
export const STACK_CONFIG: SettingsOrigin = { kind: "stack config" };

/** Where a setting's value came from, as messages name it. */
export type SettingSource =
  | `stack config ${string}`
  | `environment variable ${string}`
  | `the provider "${string}"'s ${string}`;

/**
 * How messages name a setting where `origin` sets it: `scrapingpros:baseUrl`, or
 * `the provider "eu"'s baseUrl`.
 */
export function settingName(origin: SettingsOrigin, name: SettingName): string {
  return origin.kind === "provider" ? `the provider "${origin.provider}"'s ${name}` : CONFIG_KEYS[name][0];
}

/** Where a value set in `origin` came from: `stack config scrapingpros:baseUrl`, or `the provider "eu"'s baseUrl`. */
export function settingSource(origin: SettingsOrigin, name: SettingName): SettingSource {
  return origin.kind === "provider"
    ? `the provider "${origin.provider}"'s ${name}`
    : `stack config ${CONFIG_KEYS[name][0]}`;
}

/** Settings of the provider, resolved. `apiKey` is undefined when neither source has one. */
export interface ProviderSettings {
  /** The API key; undefined when neither the stack config nor the environment has one. */
  apiKey: string | undefined;
  /** The client options that were set (`baseUrl`, `maxRetries`, `timeoutMs`, `deadlineMs`, `maxThrottleWaitMs`); the client's defaults apply to the rest. */
  clientOptions: Omit<ClientOptions, "apiKey">;
  /** Where each setting that has a value was read from. */
  sources: Partial<Record<SettingName, SettingSource>>;
  /** Where the provider's own settings are set (messages name them after it). @default {@link STACK_CONFIG} */
  origin?: SettingsOrigin;
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

/** The message shown when no API key is configured (in the stack config, or the environment). */
export const MISSING_KEY_MESSAGE =
  "ScrapingPros API key is not set: run `pulumi config set --secret scrapingpros:apiKey <key>` " +
  "or set the SCRAPINGPROS_API_KEY environment variable";

/** The message shown when no API key is configured where `origin` sets it, nor in the environment. */
export function missingKeyMessage(origin: SettingsOrigin = STACK_CONFIG): string {
  if (origin.kind === "stack config") return MISSING_KEY_MESSAGE;
  return (
    `ScrapingPros API key is not set: give the provider "${origin.provider}" an apiKey (a secret, e.g. ` +
    "from `pulumi config set --secret`) or set the SCRAPINGPROS_API_KEY environment variable"
  );
}

/**
 * The warning for an API key stored in plain text: in the stack config (`stack` names its file), or
 * given to an explicit provider without being a secret (the engine then stores it in plain text with
 * the provider's properties).
 */
export function plainKeyWarning(stack: string, origin: SettingsOrigin = STACK_CONFIG): string {
  if (origin.kind === "provider") {
    return (
      `the provider "${origin.provider}"'s apiKey is not a secret, so Pulumi stores it in plain text in the state ` +
      "and shows it in `pulumi stack export`: give it a secret (a config value set with `pulumi config set " +
      "--secret`, or `fn::secret` in Pulumi YAML), and rotate the key if the state was shared"
    );
  }
  return (
    `scrapingpros:apiKey is stored in plain text in Pulumi.${stack}.yaml and in \`pulumi stack export\`: ` +
    "make it a secret with `pulumi config set --secret scrapingpros:apiKey <key>` (and rotate the key if " +
    "that file was shared or committed), or drop it and set SCRAPINGPROS_API_KEY in the environment"
  );
}

/**
 * The `scrapingpros:*` keys among `keys` that the provider does not read, each with the message
 * that names the likely intended key and the known ones. For an explicit provider (`origin`), the
 * keys stand for its properties (`scrapingpros:baseURL` for its `baseURL`), and the message names them so.
 */
export function unknownSettings(
  keys: readonly string[],
  origin: SettingsOrigin = STACK_CONFIG,
): {
  /** The unknown stack config key, e.g. `scrapingpros:baseURL`. */
  key: string;
  /** What to do about it: the likely intended key and the `pulumi config` commands, then the known keys. */
  message: string;
}[] {
  const unknown = keys.filter((k) => k.startsWith("scrapingpros:") && !KNOWN_CONFIG_KEYS.includes(k));
  if (origin.kind === "provider") {
    const names = Object.keys(CONFIG_KEYS);
    return unknown.map((key) => {
      const property = key.slice("scrapingpros:".length);
      const near = closestName(property, names);
      return {
        key,
        message:
          `the provider "${origin.provider}" has no property ${property}` +
          `${near ? `: did you mean ${near}?` : "."} It takes ${names.join(", ")}`,
      };
    });
  }
  return unknown.map((key) => {
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

/** One thing wrong with the settings, as {@link settingsProblems} finds it. */
export interface SettingProblem {
  /** What kind of problem: a key the provider does not read, a misspelled `SCRAPINGPROS_*` variable, a bad value. */
  kind: "unknown setting" | "misspelled variable" | "bad value";
  /** The setting whose value is bad; undefined for an unknown key or a misspelled variable. */
  setting: SettingName | undefined;
  /** What is wrong, naming the setting, where its value came from and the expected form. */
  message: string;
}

/**
 * Resolves the settings from the provider's own settings (stack config by default, see
 * `config.origin`) and the environment.
 * @throws UserFacingError naming the setting, its source and the expected form, for an unknown
 *   `scrapingpros:*` key (all of them), a misspelled `SCRAPINGPROS_*` variable (all of them), a base
 *   URL that is not an absolute http(s) URL, or a bad number (the first bad value).
 */
export function resolveSettings(config: ConfigSource | undefined, env: NodeJS.ProcessEnv): ProviderSettings {
  const { settings, problems } = resolve(config, env);
  const unknown = problems.filter((p) => p.kind === "unknown setting");
  const misspelled = problems.filter((p) => p.kind === "misspelled variable");
  const reported = unknown.length > 0 ? unknown : misspelled.length > 0 ? misspelled : problems.slice(0, 1);
  if (reported.length > 0) throw new UserFacingError(reported.map((p) => p.message).join("\n"));
  return settings;
}

/**
 * Everything wrong with the settings, as {@link resolveSettings} would report it one at a time:
 * unknown keys, misspelled variables, then each bad value. Empty when they are valid (a missing
 * API key is not a problem here: it is one only for a call).
 */
export function settingsProblems(config: ConfigSource | undefined, env: NodeJS.ProcessEnv): SettingProblem[] {
  return resolve(config, env).problems;
}

function resolve(
  config: ConfigSource | undefined,
  env: NodeJS.ProcessEnv,
): { settings: ProviderSettings; problems: SettingProblem[] } {
  const origin = config?.origin ?? STACK_CONFIG;
  const problems: SettingProblem[] = [
    ...unknownSettings(config?.keys?.() ?? [], origin).map((u) => ({
      kind: "unknown setting" as const,
      setting: undefined,
      message: u.message,
    })),
    ...misspelledEnvSettings(env).map((u) => ({
      kind: "misspelled variable" as const,
      setting: undefined,
      message: u.message,
    })),
  ];
  const sources: ProviderSettings["sources"] = {};
  const read = (name: SettingName): string | undefined => {
    const [key, envName] = CONFIG_KEYS[name];
    const v = config?.get(key);
    if (v !== undefined && v !== "") {
      sources[name] = settingSource(origin, name);
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
      problems.push({
        kind: "bad value",
        setting: name,
        message:
          `${sources[name]} is ${showSettingValue(v, apiKey)}: it must be a non-negative ${integer ? "whole number" : "number"}` +
          `${name === "maxRetries" ? "" : " of milliseconds"}, e.g. ${name === "maxRetries" ? "4" : "30000"}`,
      });
      return undefined;
    }
    return n;
  };
  const clientOptions: Omit<ClientOptions, "apiKey"> = {};
  const baseUrl = read("baseUrl");
  if (baseUrl !== undefined) {
    const message = baseUrlError(baseUrl, sources.baseUrl ?? "the base URL", apiKey);
    if (message) problems.push({ kind: "bad value", setting: "baseUrl", message });
    else clientOptions.baseUrl = baseUrl;
  }
  const maxRetries = num("maxRetries", true);
  if (maxRetries !== undefined) clientOptions.maxRetries = maxRetries;
  const timeoutMs = num("timeoutMs", false);
  if (timeoutMs !== undefined) clientOptions.timeoutMs = timeoutMs;
  const deadlineMs = num("deadlineMs", false);
  if (deadlineMs !== undefined) clientOptions.deadlineMs = deadlineMs;
  const maxThrottleWaitMs = num("maxThrottleWaitMs", false);
  if (maxThrottleWaitMs !== undefined) clientOptions.maxThrottleWaitMs = maxThrottleWaitMs;
  const settings: ProviderSettings = { apiKey, clientOptions, sources };
  if (origin.kind !== "stack config") settings.origin = origin;
  return { settings, problems };
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
