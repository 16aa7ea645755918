/**
 * Checks of the stack's `scrapingpros:*` settings that only the program can make: whether the API
 * key is stored as a secret. (The dynamic provider receives config values already decrypted, so it
 * cannot tell.) Run once per deployment, when the stack's scope is registered.
 */
import * as pulumi from "@pulumi/pulumi";

/** The warning for an API key stored in plain text, naming the stack's config file. */
export function plainKeyWarning(stack: string): string {
  return (
    `scrapingpros:apiKey is stored in plain text in Pulumi.${stack}.yaml and in \`pulumi stack export\`: ` +
    "make it a secret with `pulumi config set --secret scrapingpros:apiKey <key>` (and rotate the key if " +
    "that file was shared or committed), or drop it and set SCRAPINGPROS_API_KEY in the environment"
  );
}

/**
 * Whether the stack config holds `scrapingpros:apiKey` as plain text. `config` and `isSecret`
 * default to what the Pulumi runtime gives the program.
 */
export function apiKeyIsPlainText(
  config: Record<string, string> = pulumi.runtime.allConfig(),
  isSecret: (key: string) => boolean = runtimeIsSecret,
): boolean {
  const key = "scrapingpros:apiKey";
  return config[key] !== undefined && config[key] !== "" && !isSecret(key);
}

/** Logs {@link plainKeyWarning} on the stack when the key is stored in plain text. */
export function checkStackSettings(): void {
  if (apiKeyIsPlainText()) {
    void pulumi.log.warn(plainKeyWarning(pulumi.getStack()), pulumi.runtime.getStackResource());
  }
}

/**
 * Whether the runtime marked `key` secret for this run. `pulumi.runtime.isConfigSecret` is the
 * SDK's own (internal, so typed here); without it, the secret keys the CLI passes are read directly.
 */
function runtimeIsSecret(key: string): boolean {
  const fn = (pulumi.runtime as { isConfigSecret?: (k: string) => boolean }).isConfigSecret;
  if (fn) return fn(key);
  try {
    const keys: unknown = JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS ?? "[]");
    return Array.isArray(keys) && keys.includes(key);
  } catch {
    return false;
  }
}
