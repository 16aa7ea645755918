/**
 * Checks of the stack's `scrapingpros:*` settings that the program makes before it registers
 * anything: whether the API key is stored as a secret (the dynamic provider receives config values
 * already decrypted, so it cannot tell), and whether the base URL in the stack config carries a
 * credential (the engine would store the whole stack config in the state as the inputs of the
 * default provider as soon as the first resource is registered). Run once per deployment, before
 * the stack's scope is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { baseUrlError, CONFIG_KEYS, plainKeyWarning } from "../provider/core/config";

export { plainKeyWarning };

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

/**
 * The error for a `scrapingpros:baseUrl` in the stack config that carries a user name or password,
 * or undefined. Only that case is checked here: other bad settings fail in the provider, on the
 * resource, and a credential must be refused before the engine records the stack config.
 */
export function baseUrlCredentialError(
  config: Record<string, string> = pulumi.runtime.allConfig(),
): string | undefined {
  const key = CONFIG_KEYS.baseUrl[0];
  const value = config[key];
  if (value === undefined || value === "") return undefined;
  const message = baseUrlError(value, `stack config ${key}`, config[CONFIG_KEYS.apiKey[0]]);
  return message?.includes("user name or password") ? message : undefined;
}

/**
 * Logs {@link plainKeyWarning} on the stack when the key is stored in plain text.
 * @throws pulumi.RunError when the stack config's base URL carries a credential ({@link baseUrlCredentialError}).
 */
export function checkStackSettings(): void {
  const credential = baseUrlCredentialError();
  if (credential) throw new pulumi.RunError(`pulumi-scrapingpros: ${credential}`);
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
