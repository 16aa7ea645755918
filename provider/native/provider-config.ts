/**
 * The native provider's own configuration: the properties of a `pulumi:providers:scrapingpros`
 * resource, as CheckConfig, DiffConfig and Configure receive them.
 *
 * - The **default provider** (`default`, `default_0_1_0`: the engine names it after the plugin's
 *   version) gets the stack config's `scrapingpros:*` keys as its properties, strings as written:
 *   its settings are read, checked and named exactly as the dynamic provider's
 *   (`stack config scrapingpros:baseUrl`; an unknown `scrapingpros:*` key fails).
 * - An **explicit provider** (`eu`) gets its declared properties, typed: its settings are named
 *   `the provider "eu"'s baseUrl`, and a property it does not take fails.
 *
 * Either way the `SCRAPINGPROS_*` environment variables are the fallback, with the rules of
 * `core/config.ts`. Every provider instance is a plugin process of its own, and the engine gives all
 * of them the same environment (`PULUMI_CONFIG`, the stack's config): only these properties tell
 * two instances apart.
 *
 * The **stack scope** (`core/stack-scope.ts`) lives in the provider's own properties too, as
 * `__scope`: CheckConfig keeps the one the provider's state holds and draws a random one the first
 * time; DiffConfig never changes it. Existing resources keep the scope stored in their own state.
 */
import { sameJson } from "../core/collection/diff";
import { type ConfigSource, type SettingsOrigin, STACK_CONFIG, settingsProblems } from "../core/config";
import type { CheckFailure } from "../core/results";
import { UNKNOWN } from "../core/rules/collection-rules";
import { nameOfUrn } from "./wire";

/** The provider property that holds the stack's scope; the engine stores it with the other properties. */
export const SCOPE_PROPERTY = "__scope";

/**
 * Provider properties that are not settings: the plugin version the engine adds, its internal
 * bookkeeping (older engines put `pluginDownloadURL` at the top), and the scope.
 */
const NOT_SETTINGS = new Set(["version", "__internal", "pluginDownloadURL", SCOPE_PROPERTY]);

/**
 * Whether the provider `urn` (or name) is the engine's default provider of the package: `default`,
 * or `default_<version>` (dots as underscores). An explicit provider given such a name is taken for
 * the default one (its settings are then named after the stack config).
 */
export function isDefaultProvider(urnOrName: string): boolean {
  const name = nameOfUrn(urnOrName);
  return name === "default" || name.startsWith("default_");
}

/** Where the settings of the provider `urn` are set. */
export function originOf(urn: string): SettingsOrigin {
  return isDefaultProvider(urn) ? STACK_CONFIG : { kind: "provider", provider: nameOfUrn(urn) };
}

/**
 * The provider's properties as a {@link ConfigSource}: `scrapingpros:<name>` reads the property
 * `<name>` (a number or a boolean as its JSON text; an unknown value as unset), and `keys` lists
 * every property that is not the engine's or the scope, for the unknown-setting check.
 */
export function propertiesSource(props: Record<string, unknown>, origin: SettingsOrigin): ConfigSource {
  const prefix = "scrapingpros:";
  return {
    origin,
    get: (key) => {
      if (!key.startsWith(prefix)) return undefined;
      const v = props[key.slice(prefix.length)];
      if (v === undefined || v === null || v === UNKNOWN) return undefined;
      return typeof v === "string" ? v : JSON.stringify(v);
    },
    keys: () =>
      Object.keys(props)
        .filter((k) => !NOT_SETTINGS.has(k) && props[k] !== undefined)
        .map((k) => `${prefix}${k}`),
  };
}

/** A non-empty scope string, or undefined. */
export function scopeIn(props: Record<string, unknown> | undefined): string | undefined {
  const scope = props?.[SCOPE_PROPERTY];
  return typeof scope === "string" && scope !== "" && scope !== UNKNOWN ? scope : undefined;
}

/**
 * CheckConfig: the new properties with the scope (the state's, else the new properties' own, else
 * `newScope()`), and one failure per bad setting. The failures name no property: the engine would
 * print a named property's value next to the reason, and a bad value may be a credential (a key
 * pasted into `baseUrl`), which the reason deliberately does not show; the reason names the setting
 * and where its value came from instead.
 */
export function checkProviderConfig(
  urn: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  newScope: () => string,
): { inputs: Record<string, unknown>; failures: CheckFailure[] } {
  const problems = settingsProblems(propertiesSource(news, originOf(urn)), env);
  const scope = scopeIn(olds) ?? scopeIn(news) ?? newScope();
  return {
    inputs: { ...news, [SCOPE_PROPERTY]: scope },
    failures: problems.map((p) => ({ property: "", reason: p.message })),
  };
}

/**
 * DiffConfig: the properties whose values changed. The scope never changes (see
 * {@link checkProviderConfig}), but a state without one (a provider that `pulumi import`
 * registered: the engine does not run CheckConfig for it) gets it: an update of the provider, so
 * that the engine stores it and the next deployment keeps it. A change never replaces the
 * provider: a new key, URL or setting applies to the next call, and replacing the provider would
 * replace every resource it manages.
 */
export function diffProviderConfig(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): { changes: boolean; diffs: string[] } {
  const names = new Set([...Object.keys(olds), ...Object.keys(news)]);
  if (scopeIn(olds) !== undefined) names.delete(SCOPE_PROPERTY);
  const diffs = [...names].filter((n) => !sameJson(olds[n], news[n])).sort();
  return { changes: diffs.length > 0, diffs };
}
