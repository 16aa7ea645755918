import * as fs from "node:fs";
import * as nodePath from "node:path";

/** Finds this package's version by walking up from the compiled file to its package.json. */
function readVersion(): string {
  for (let dir = __dirname; ; dir = nodePath.dirname(dir)) {
    const candidate = nodePath.join(dir, "package.json");
    if (fs.existsSync(candidate)) {
      const pkg = JSON.parse(fs.readFileSync(candidate, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "pulumi-scrapingpros" && pkg.version) return pkg.version;
    }
    if (nodePath.dirname(dir) === dir) return "0.0.0";
  }
}

/** The version of the `pulumi-scrapingpros` package. */
export const PACKAGE_VERSION: string = readVersion();
