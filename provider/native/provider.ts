/**
 * STUB of the native `scrapingpros` provider: only enough for the plugin to be built, installed and
 * loaded (a version, and a schema naming the package and the `scrapingpros:index:Collection` token).
 * Every resource operation and function call throws "not implemented yet". The next step of
 * issue 17 replaces this file with the adapter over the provider's core; keep the exported
 * signature, {@link createNativeProvider}, which `provider/native/main.ts` serves.
 */
import type * as pulumi from "@pulumi/pulumi";
import { PACKAGE_VERSION } from "../core/version";

/** Options of {@link createNativeProvider}. */
export interface NativeProviderOptions {
  /** The version the plugin reports to the engine and in its schema (default: this package's). */
  version?: string;
}

/** The package name of the plugin: resource plugin `scrapingpros`, tokens `scrapingpros:*`. */
export const NATIVE_PACKAGE_NAME = "scrapingpros";

/** The minimal schema of the stub: the package, and the Collection resource without properties. */
function stubSchema(version: string): string {
  return JSON.stringify({
    name: NATIVE_PACKAGE_NAME,
    displayName: "ScrapingPros",
    version,
    description: "ScrapingPros asynchronous scraping collections.",
    resources: {
      "scrapingpros:index:Collection": {
        description: "A ScrapingPros collection.",
        properties: {},
        inputProperties: {},
      },
    },
  });
}

function notImplemented(operation: string): never {
  throw new Error(`scrapingpros: ${operation} is not implemented yet by the native provider`);
}

/**
 * The native provider that `provider.main` serves as resource plugin `scrapingpros`.
 * @returns a `pulumi.provider.Provider` (the stub: schema and version only; every operation throws).
 */
export function createNativeProvider(options: NativeProviderOptions = {}): pulumi.provider.Provider {
  const version = options.version ?? PACKAGE_VERSION;
  return {
    version,
    getSchema: async () => stubSchema(version),
    check: async (urn) => notImplemented(`check of ${urn}`),
    diff: async (_id, urn) => notImplemented(`diff of ${urn}`),
    create: async (urn) => notImplemented(`create of ${urn}`),
    read: async (_id, urn) => notImplemented(`read of ${urn}`),
    update: async (_id, urn) => notImplemented(`update of ${urn}`),
    delete: async (_id, urn) => notImplemented(`delete of ${urn}`),
    invoke: async (token) => notImplemented(`function ${token}`),
  };
}
