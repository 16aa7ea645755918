/**
 * The published declarations type-check in users' projects: `npm pack` makes the tarball, a fresh
 * project outside this repository installs it with npm (with `@pulumi/pulumi`, TypeScript and
 * `@types/node` at this repository's versions, so installs come from npm's cache), and the real
 * `tsc` checks a program importing every public entry point under the tsconfigs users have: the
 * one `pulumi new typescript` writes (TypeScript 5, `"moduleResolution": "node"`, no
 * `esModuleInterop`, no `skipLibCheck`), and the common variations. Without `skipLibCheck`, tsc
 * checks every declaration file the program reaches, the dependencies' included, so a dependency
 * whose types need a flag the user lacks (zod's need `esModuleInterop`) fails here.
 */
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { installEnv, pack } from "../../helpers/packages";

const REPO = path.resolve(__dirname, "..", "..", "..");
const TSC = path.join(REPO, "node_modules", "typescript", "bin", "tsc");
const versionOf = (pkg: string): string =>
  (
    JSON.parse(fs.readFileSync(path.join(REPO, "node_modules", pkg, "package.json"), "utf8")) as {
      version: string;
    }
  ).version;

/**
 * The tsconfig.json of a project made by `pulumi new typescript` (Pulumi's `typescript`
 * template), as it is: note what it lacks, `esModuleInterop` and `skipLibCheck`.
 */
const PULUMI_NEW_TYPESCRIPT_TSCONFIG = {
  compilerOptions: {
    strict: true,
    outDir: "bin",
    target: "es2020",
    module: "commonjs",
    moduleResolution: "node",
    sourceMap: true,
    experimentalDecorators: true,
    pretty: true,
    noFallthroughCasesInSwitch: true,
    noImplicitReturns: true,
    forceConsistentCasingInFileNames: true,
  },
  files: ["index.ts"],
};

/** A user's program importing every public entry point, whole, and using the types that once leaked. */
const PROGRAM = `import * as sp from "pulumi-scrapingpros";
import { Collection, CollectionSet, getCollection, RunCompletedEvent, verifyWebhook } from "pulumi-scrapingpros";
import * as provider from "pulumi-scrapingpros/provider";
import { CollectionProvider, resolveSettings, ScrapingProsClient } from "pulumi-scrapingpros/provider";
import * as emulator from "pulumi-scrapingpros/emulator";
import { startEmulator, type RunningEmulator } from "pulumi-scrapingpros/emulator";

export const used = [sp, provider, emulator, Collection, CollectionSet, getCollection, verifyWebhook];
export const more = [CollectionProvider, resolveSettings, startEmulator];
export let running: RunningEmulator | undefined;

// The webhook event's schema is usable without zod's types.
export const event: RunCompletedEvent = RunCompletedEvent.parse({});
export const checked: sp.SchemaResult<RunCompletedEvent> = RunCompletedEvent.safeParse({});

// The client's request takes any object with parse and safeParse, e.g. a hand-written one.
const health: sp.Schema<{ ok: boolean }> = {
  parse: (data) => ({ ok: data !== null }),
  safeParse: (data) => ({ success: true, data: { ok: data !== null } }),
};
export async function ping(client: ScrapingProsClient): Promise<boolean> {
  const r = await client.request("GET", "/v1/health", health);
  return r.data.ok;
}
`;

/** The same imports from an ES module (a project with `"type": "module"`, or a `.mts` file). */
const ESM_PROGRAM = `import { Collection, RunCompletedEvent } from "pulumi-scrapingpros";
import { ScrapingProsClient } from "pulumi-scrapingpros/provider";
import { startEmulator } from "pulumi-scrapingpros/emulator";

export const used = [Collection, ScrapingProsClient, startEmulator];
export const event: RunCompletedEvent | undefined = undefined;
`;

/** Each tsconfig users have, as changes to `pulumi new typescript`'s; `files` when not index.ts. */
const CONFIGS: Record<string, { options: Record<string, unknown>; files?: string[] }> = {
  "pulumi new typescript (moduleResolution node, no esModuleInterop, no skipLibCheck)": { options: {} },
  "esModuleInterop: true": { options: { esModuleInterop: true } },
  "skipLibCheck: true": { options: { skipLibCheck: true } },
  "moduleResolution node16": { options: { module: "node16", moduleResolution: "node16" } },
  "moduleResolution nodenext, from CommonJS and from an ES module": {
    options: { module: "nodenext", moduleResolution: "nodenext" },
    files: ["index.ts", "esm.mts"],
  },
  "moduleResolution bundler": { options: { module: "esnext", moduleResolution: "bundler" } },
  "isolatedModules: true": { options: { isolatedModules: true } },
  "exactOptionalPropertyTypes: true": { options: { exactOptionalPropertyTypes: true } },
  "lib es2022 without the DOM, types: [node]": { options: { lib: ["es2022"], types: ["node"] } },
};

describe("packaging: every public entry point type-checks in a fresh project, under the tsconfigs users have", function () {
  this.timeout(300_000);
  let dir: string;
  let project: string;

  before(() => {
    if (!fs.existsSync(path.join(REPO, "dist", "provider", "index.d.ts"))) {
      execFileSync(process.execPath, [TSC, "-p", path.join(REPO, "tsconfig.build.json")], { cwd: REPO });
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sp-types-"));
    assert.ok(!fs.realpathSync(dir).startsWith(`${fs.realpathSync(REPO)}${path.sep}`));
    const tarball = pack(REPO, dir);
    project = path.join(dir, "project");
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, "package.json"), '{ "name": "user-project", "private": true }\n');
    const install = spawnSync(
      "npm",
      [
        "install",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        tarball,
        `@pulumi/pulumi@${versionOf("@pulumi/pulumi")}`,
        `typescript@${versionOf("typescript")}`,
        `@types/node@${versionOf("@types/node")}`,
      ],
      { cwd: project, env: installEnv(), encoding: "utf8" },
    );
    assert.equal(install.status, 0, `npm install failed:\n${install.stdout}\n${install.stderr}`);
    fs.writeFileSync(path.join(project, "index.ts"), PROGRAM);
    fs.writeFileSync(path.join(project, "esm.mts"), ESM_PROGRAM);
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** The project's own tsc (the installed TypeScript) with `tsconfig`; its output, "" when clean. */
  function tsc(name: string, tsconfig: unknown): string {
    const file = path.join(project, `tsconfig.${name.replace(/\W+/g, "-")}.json`);
    fs.writeFileSync(file, JSON.stringify(tsconfig, null, 2));
    const r = spawnSync(
      process.execPath,
      [
        path.join(project, "node_modules", "typescript", "bin", "tsc"),
        "-p",
        file,
        "--noEmit",
        "--pretty",
        "false",
      ],
      { cwd: project, encoding: "utf8" },
    );
    return `${r.stdout}${r.stderr}`;
  }

  it("the installed package's declarations import no dependency's types but @pulumi/pulumi's, undici's and Node's", () => {
    const root = path.join(project, "node_modules", "pulumi-scrapingpros");
    const found = new Map<string, string[]>();
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith(".d.ts")) {
          const text = fs.readFileSync(p, "utf8");
          // Module specifiers only: `import … from "x"`, `export … from "x"`, `import("x")` (not an
          // indexed access type such as `RetryWait["from"]`, nor an example in a doc comment).
          const specifiers = [
            ...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gm),
            ...text.matchAll(/\bimport\("([^"]+)"\)/g),
          ];
          for (const m of specifiers) {
            const spec = m[1] as string;
            if (spec.startsWith(".")) continue;
            found.set(spec, [...(found.get(spec) ?? []), path.relative(root, p)]);
          }
        }
      }
    };
    walk(path.join(root, "dist"));
    const allowed = /^(@pulumi\/pulumi|pulumi-scrapingpros(\/.*)?|undici|node:.+)$/;
    const other = [...found].filter(([spec]) => !allowed.test(spec));
    assert.deepEqual(other, [], "declarations import other packages' types");
    assert.ok(found.has("@pulumi/pulumi"), "the scan found no import at all");
  });

  it("the failure this guards against is real: zod's declarations fail the template's tsconfig", () => {
    // If this stops failing, zod fixed its types, and the guard above may be relaxed.
    fs.writeFileSync(
      path.join(project, "uses-zod.ts"),
      'import { z } from "zod";\nexport const s = z.string();\n',
    );
    const out = tsc("zod", { ...PULUMI_NEW_TYPESCRIPT_TSCONFIG, files: ["uses-zod.ts"] });
    assert.match(out, /error TS1259: .*can only be default-imported using the 'esModuleInterop' flag/);
  });

  for (const [name, { options, files }] of Object.entries(CONFIGS)) {
    it(name, () => {
      const tsconfig = {
        ...PULUMI_NEW_TYPESCRIPT_TSCONFIG,
        compilerOptions: { ...PULUMI_NEW_TYPESCRIPT_TSCONFIG.compilerOptions, ...options },
        ...(files ? { files } : {}),
      };
      assert.equal(tsc(name, tsconfig), "", `tsc with ${name}: ${JSON.stringify(options)}`);
    });
  }
});
