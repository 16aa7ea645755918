import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TSCONFIG } from "../../helpers/user-project";

const REPO = path.resolve(__dirname, "..", "..", "..");
const TSC = path.join(REPO, "node_modules", "typescript", "bin", "tsc");

/** A user's program importing every documented entry point of the package. */
const PROGRAM = `import { Collection, getCollection } from "pulumi-scrapingpros";
import { CollectionProvider, resolveSettings } from "pulumi-scrapingpros/provider";
import { startEmulator, type RunningEmulator } from "pulumi-scrapingpros/emulator";

export const used = [Collection, getCollection, CollectionProvider, resolveSettings, startEmulator];
export let emulator: RunningEmulator | undefined;
`;

/** The module settings of each resolution Pulumi's templates and common setups use. */
const RESOLUTIONS: Record<string, Record<string, string>> = {
  // Pulumi's `typescript` template: `"moduleResolution": "node"` (node10), which ignores `exports`.
  node: { module: "commonjs", moduleResolution: "node" },
  node16: { module: "node16", moduleResolution: "node16" },
  nodenext: { module: "nodenext", moduleResolution: "nodenext" },
  bundler: { module: "esnext", moduleResolution: "bundler" },
};

describe("packaging: every documented import type-checks in a user project", function () {
  this.timeout(120_000);
  let dir: string;

  before(() => {
    if (!fs.existsSync(path.join(REPO, "dist", "provider", "index.d.ts"))) {
      execFileSync(process.execPath, [TSC, "-p", path.join(REPO, "tsconfig.build.json")], { cwd: REPO });
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sp-types-"));
    // The repository's node_modules holds this package (self-linked) and @pulumi/pulumi, as an install would.
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"), "dir");
    fs.writeFileSync(path.join(dir, "index.ts"), PROGRAM);
    fs.writeFileSync(path.join(dir, "package.json"), '{ "name": "user-project", "private": true }\n');
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const [name, options] of Object.entries(RESOLUTIONS)) {
    it(`moduleResolution ${name}`, () => {
      const tsconfig = {
        ...TSCONFIG,
        compilerOptions: { ...TSCONFIG.compilerOptions, ...options, noEmit: true, types: ["node"] },
      };
      const file = path.join(dir, `tsconfig.${name}.json`);
      fs.writeFileSync(file, JSON.stringify(tsconfig, null, 2));
      let output = "";
      try {
        execFileSync(process.execPath, [TSC, "-p", file, "--pretty", "false"], {
          cwd: dir,
          encoding: "utf8",
        });
      } catch (e) {
        output = String((e as { stdout?: string }).stdout ?? e);
      }
      assert.equal(output, "", `tsc with moduleResolution ${name} failed:\n${output}`);
    });
  }
});
