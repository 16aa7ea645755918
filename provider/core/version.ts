import * as fs from "node:fs";
import * as nodePath from "node:path";

/** The root of the `pulumi-scrapingpros` package: walks up from the compiled file to its package.json. */
function findPackage(): { root: string; version: string } | undefined {
  for (let dir = __dirname; ; dir = nodePath.dirname(dir)) {
    const candidate = nodePath.join(dir, "package.json");
    if (fs.existsSync(candidate)) {
      const pkg = JSON.parse(fs.readFileSync(candidate, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "pulumi-scrapingpros" && pkg.version) return { root: dir, version: pkg.version };
    }
    if (nodePath.dirname(dir) === dir) return undefined;
  }
}

/**
 * The version the plugin's build (scripts/build-plugin.js) writes into its bundle with esbuild's
 * `define`: the bundle runs from Pulumi's plugin cache, where no package.json is above it.
 */
declare const SCRAPINGPROS_BUNDLED_VERSION: string | undefined;

const found = findPackage();

/** The version of the `pulumi-scrapingpros` package. */
export const PACKAGE_VERSION: string =
  typeof SCRAPINGPROS_BUNDLED_VERSION === "string"
    ? SCRAPINGPROS_BUNDLED_VERSION
    : (found?.version ?? "0.0.0");

/**
 * The directory of the package's package.json (which holds `schema/`); undefined when it cannot be
 * found, as in the plugin's bundle.
 */
export const PACKAGE_ROOT: string | undefined = found?.root;
