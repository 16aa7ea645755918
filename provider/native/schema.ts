/**
 * The Pulumi package schema of the native `scrapingpros` provider plugin, as the plugin serves it
 * (GetSchema, `pulumi package get-schema`). The schema is `schema/provider.json`, generated from the
 * TypeScript docstrings by `npm run provider-schema` and committed; this module adds the version.
 * The plugin's bundle runs from Pulumi's plugin cache, with no package around it: its build
 * (scripts/build-plugin.js) embeds the file's text.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PACKAGE_ROOT, PACKAGE_VERSION } from "../core/version";

/** The text of `schema/provider.json`, which the plugin's build embeds in its bundle with esbuild's `define`. */
declare const SCRAPINGPROS_BUNDLED_SCHEMA: string | undefined;

/**
 * The schema file in this package, `schema/provider.json` (published with it, and exported as
 * `pulumi-scrapingpros/schema/provider.json`). It has no `version`: {@link providerSchema} adds it.
 * Undefined when the package's root cannot be found from this file.
 */
export const PROVIDER_SCHEMA_FILE: string | undefined =
  PACKAGE_ROOT === undefined ? undefined : path.join(PACKAGE_ROOT, "schema", "provider.json");

/**
 * The schema as the plugin serves it: `schema/provider.json` with `version` set, as JSON text, for
 * `provider.main({ version, schema: providerSchema(), … })` of `@pulumi/pulumi/provider` (or its
 * `getSchema`). In the plugin's bundle, the text embedded at build time; elsewhere, the file, read
 * on each call (it is called once per plugin process).
 * @param version The plugin's version; this package's version when omitted.
 * @throws Error when the schema file cannot be found or read.
 */
export function providerSchema(version: string = PACKAGE_VERSION): string {
  let text: string;
  if (typeof SCRAPINGPROS_BUNDLED_SCHEMA === "string") {
    text = SCRAPINGPROS_BUNDLED_SCHEMA;
  } else if (PROVIDER_SCHEMA_FILE !== undefined) {
    text = fs.readFileSync(PROVIDER_SCHEMA_FILE, "utf8");
  } else {
    throw new Error(
      "the provider schema cannot be found: no pulumi-scrapingpros package.json above this module",
    );
  }
  const schema = JSON.parse(text) as Record<string, unknown>;
  // `name` first, then `version`, as Pulumi's own schemas are laid out.
  const { name, ...rest } = schema;
  return JSON.stringify({ name, version, ...rest });
}
