import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as nodePath from "node:path";
import * as pulumi from "@pulumi/pulumi";

/**
 * The modules the dynamic-provider process must load. The engine starts Pulumi's Node.js
 * dynamic-provider launcher in the working directory of the program (a project's folder, or the
 * folder an Automation API program runs in): the launcher resolves `@pulumi/pulumi` from there,
 * and every resource's serialized provider then loads this package's provider by name, also from
 * there.
 */
const PROVIDER_MODULES = ["@pulumi/pulumi/cmd/dynamic-provider", "pulumi-scrapingpros/provider"] as const;

/** What {@link checkProviderModule} found. */
export interface ProviderModuleCheck {
  /** The folder the modules were resolved from (the program's working directory). */
  dir: string;
  /** Each module that does not resolve from `dir`, with Node's reason. */
  missing: {
    /** The module specifier, e.g. `"pulumi-scrapingpros/provider"`. */
    module: string;
    /** The first line of Node's resolution error. */
    reason: string;
  }[];
  /** The package root the provider process would load, when it resolves. */
  providerPackage?: string;
}

/**
 * Resolves the dynamic-provider process's modules from `dir` as that process does (Node's
 * resolution from a file in `dir`, so this package's own name is not taken as a self-reference).
 * @param dir The folder to resolve from. @default process.cwd()
 */
export function checkProviderModule(dir: string = process.cwd()): ProviderModuleCheck {
  const req = createRequire(nodePath.join(dir, "[pulumi-scrapingpros-check].js"));
  const missing: ProviderModuleCheck["missing"] = [];
  let providerPackage: string | undefined;
  for (const module of PROVIDER_MODULES) {
    try {
      const file = req.resolve(module);
      if (module.startsWith("pulumi-scrapingpros/")) providerPackage = packageRootOf(file);
    } catch (err) {
      missing.push({ module, reason: (err as Error).message.split("\n")[0] ?? String(err) });
    }
  }
  return { dir, missing, providerPackage };
}

/**
 * The error a program gets when the dynamic-provider process could not load its provider: names
 * the folder, the module, the cause and the fix.
 * @param check A result of {@link checkProviderModule} with `missing` not empty.
 */
export function providerModuleError(check: ProviderModuleCheck): string {
  const modules = check.missing.map((m) => `"${m.module}" (${m.reason})`).join("; ");
  return (
    `pulumi-scrapingpros: the dynamic-provider process runs in ${check.dir} and loads its modules by ` +
    `package name from there, but ${modules} cannot be resolved from it, so no resource could be ` +
    "created, read or updated. Fix: run Pulumi (or start an Automation API program) in the folder of " +
    "the package that depends on pulumi-scrapingpros and @pulumi/pulumi, and make both direct " +
    "dependencies of it (pnpm only links direct dependencies into node_modules: `pnpm add " +
    "pulumi-scrapingpros @pulumi/pulumi`; Yarn Plug'n'Play has no node_modules: set " +
    "`nodeLinker: node-modules` in .yarnrc.yml). See the README's Installing section."
  );
}

let checked = false;

/**
 * Checks, once per process, that the dynamic-provider process will be able to load this package's
 * provider: throws a {@link pulumi.RunError} naming the cause and the fix when it cannot, and warns
 * when it would load another copy of the package than the program's.
 * @throws pulumi.RunError when a module does not resolve from the working directory.
 */
export function ensureProviderModuleResolves(): void {
  if (checked) return;
  checked = true;
  const check = checkProviderModule();
  if (check.missing.length > 0) {
    checked = false;
    throw new pulumi.RunError(providerModuleError(check));
  }
  const own = packageRootOf(__filename);
  if (check.providerPackage && own && realpath(check.providerPackage) !== realpath(own)) {
    void pulumi.log.warn(
      `pulumi-scrapingpros: the program loads this package from ${own}, but the dynamic-provider ` +
        `process will load it from ${check.providerPackage} (another copy, maybe another version). ` +
        "Install one version, as a direct dependency of the project.",
    );
  }
}

/** The folder of the package.json named pulumi-scrapingpros above `file`. */
function packageRootOf(file: string): string | undefined {
  for (let dir = nodePath.dirname(file); ; dir = nodePath.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(nodePath.join(dir, "package.json"), "utf8")) as {
        name?: string;
      };
      if (pkg.name === "pulumi-scrapingpros") return dir;
    } catch {
      // no package.json here
    }
    if (nodePath.dirname(dir) === dir) return undefined;
  }
}

function realpath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}
