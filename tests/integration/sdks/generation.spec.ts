/**
 * The generated SDKs, sdk/python and sdk/go, as `npm run sdks` writes them (scripts/generate-sdks.js:
 * Pulumi's codegen/python and codegen/go at pkg v3.274.1, from schema/provider.json, at package.json's
 * version): the committed trees are exactly what the generator writes now, the version is stamped where
 * Pulumi's SDKs carry it, the Go module is laid out as the schema's importBasePath says, and the
 * TypeScript tooling and the npm package leave both trees alone.
 *
 * Each generation builds the generator with `go build` (seconds with the Go caches the CLI's build
 * fills; minutes on a machine whose caches are empty) and runs `go mod tidy` in the Go SDK.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  compareTrees,
  generateSdks,
  listTree,
  packageVersion,
  REPO,
  run,
  SCHEMA_FILE,
  SDK_GO,
  SDK_PYTHON,
} from "../../helpers/sdks";

const { pinnedVersion } = require("../../../scripts/ensure-pulumi.js") as { pinnedVersion(): string };

interface Schema {
  description: string;
  resources: Record<string, { description: string }>;
  language: { python: { packageName: string }; go: { importBasePath: string } };
}
const schema = (): Schema => JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")) as Schema;

describe("generated SDKs: npm run sdks (codegen/python and codegen/go, pkg v3.274.1)", function () {
  // A generation with empty Go caches compiles the generator's packages on a 2-core machine.
  this.timeout(15 * 60_000);
  let tmp: string;
  let fresh: { pythonDir: string; goDir: string };

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sp-sdks-gen-"));
    const started = Date.now();
    fresh = generateSdks({ outDir: path.join(tmp, "fresh"), progress: false });
    process.stderr.write(`      (generated both SDKs in ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  });
  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** Generates from an edited copy of the schema, at `version`, into a new folder. */
  function generateVariant(name: string, edit: (s: Schema) => void, version?: string) {
    const s = schema();
    edit(s);
    const file = path.join(tmp, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify(s));
    return generateSdks({ outDir: path.join(tmp, name), schema: file, version, progress: false });
  }

  it("sdk/python and sdk/go are what the generator writes from schema/provider.json (run npm run sdks when this fails)", () => {
    assert.deepEqual(compareTrees(SDK_PYTHON, fresh.pythonDir), { missing: [], extra: [], changed: [] });
    assert.deepEqual(compareTrees(SDK_GO, fresh.goDir), { missing: [], extra: [], changed: [] });
    // Both trees hold the SDK, not just a stub.
    assert.ok(listTree(SDK_PYTHON).length >= 20, listTree(SDK_PYTHON).join(", "));
    assert.ok(listTree(SDK_GO).length >= 15, listTree(SDK_GO).join(", "));
  });

  it("notices a schema change, naming the files it changes in each SDK", () => {
    const edited = generateVariant("edited", (s) => {
      const collection = s.resources["scrapingpros:index:Collection"];
      assert.ok(collection);
      collection.description += " Edited.";
    });
    const python = compareTrees(SDK_PYTHON, edited.pythonDir);
    const go = compareTrees(SDK_GO, edited.goDir);
    assert.deepEqual(python, { missing: [], extra: [], changed: ["pulumi_scrapingpros/collection.py"] });
    assert.deepEqual(go, { missing: [], extra: [], changed: ["scrapingpros/collection.go"] });
    assert.match(
      fs.readFileSync(path.join(edited.pythonDir, python.changed[0] as string), "utf8"),
      /Edited\./,
    );
  });

  it("stamps package.json's version where Pulumi's SDKs carry it, and a new version changes only those files", () => {
    const version = packageVersion();
    const plugin = { resource: true, name: "scrapingpros", version };
    assert.deepEqual(
      JSON.parse(fs.readFileSync(path.join(SDK_GO, "scrapingpros", "pulumi-plugin.json"), "utf8")),
      plugin,
    );
    assert.deepEqual(
      JSON.parse(fs.readFileSync(path.join(SDK_PYTHON, "pulumi_scrapingpros", "pulumi-plugin.json"), "utf8")),
      plugin,
    );
    assert.match(
      fs.readFileSync(path.join(SDK_PYTHON, "pyproject.toml"), "utf8"),
      new RegExp(`\\n\\s*version = "${version}"\\n`),
    );
    const goUtilities = fs.readFileSync(
      path.join(SDK_GO, "scrapingpros", "internal", "pulumiUtilities.go"),
      "utf8",
    );
    assert.equal(
      goUtilities.split(`semver.MustParse("${version}")`).length - 1,
      2,
      "resource and invoke defaults",
    );

    const bumped = generateVariant("bumped", () => {}, "0.2.0");
    assert.deepEqual(compareTrees(SDK_PYTHON, bumped.pythonDir), {
      missing: [],
      extra: [],
      changed: ["pulumi_scrapingpros/pulumi-plugin.json", "pyproject.toml"],
    });
    assert.deepEqual(compareTrees(SDK_GO, bumped.goDir), {
      missing: [],
      extra: [],
      changed: ["scrapingpros/internal/pulumiUtilities.go", "scrapingpros/pulumi-plugin.json"],
    });
    assert.match(
      fs.readFileSync(path.join(bumped.goDir, "scrapingpros", "pulumi-plugin.json"), "utf8"),
      /"0\.2\.0"/,
    );
  });

  it("lays the Go module out as the schema's importBasePath says, on the Pulumi Go SDK of the CLI's version", () => {
    const importBasePath = schema().language.go.importBasePath;
    const goMod = fs.readFileSync(path.join(SDK_GO, "go.mod"), "utf8");
    // The module sits one folder above the package, as codegen/go lays out modules itself.
    assert.match(goMod, new RegExp(`^module ${path.posix.dirname(importBasePath).replace(/\./g, "\\.")}\\n`));
    assert.equal(path.posix.dirname(importBasePath).split("/").slice(-2).join("/"), "sdk/go");
    const pkgDir = path.join(SDK_GO, path.posix.basename(importBasePath));
    for (const f of fs.readdirSync(pkgDir).filter((f) => f.endsWith(".go"))) {
      assert.match(fs.readFileSync(path.join(pkgDir, f), "utf8"), /^package scrapingpros$/m, f);
    }
    const requires = [...goMod.matchAll(/^\s*(?:require\s+)?(\S+) (v\S+)(?: \/\/ indirect)?$/gm)];
    assert.deepEqual(
      requires.filter((m) => m[1]?.startsWith("github.com/pulumi/pulumi/")).map((m) => `${m[1]} ${m[2]}`),
      [`github.com/pulumi/pulumi/sdk/v3 v${pinnedVersion()}`],
      "the SDK needs sdk/v3 at the CLI's version, and not pkg/v3",
    );
    assert.ok(fs.existsSync(path.join(SDK_GO, "go.sum")));
    // The Python package is the schema's packageName, with a pyproject.toml of the same name.
    const packageName = schema().language.python.packageName;
    assert.ok(fs.existsSync(path.join(SDK_PYTHON, packageName, "__init__.py")));
    assert.match(
      fs.readFileSync(path.join(SDK_PYTHON, "pyproject.toml"), "utf8"),
      new RegExp(`name = "${packageName}"`),
    );
  });

  it("names npm run sdks as the generator in every generated source file", () => {
    const sources = [
      ...listTree(SDK_PYTHON)
        .filter((f) => /\.pyi?$/.test(f))
        .map((f) => path.join(SDK_PYTHON, f)),
      // doc.go is the package comment only (the schema's description), with no header.
      ...listTree(SDK_GO)
        .filter((f) => f.endsWith(".go") && path.basename(f) !== "doc.go")
        .map((f) => path.join(SDK_GO, f)),
    ];
    assert.ok(sources.length > 25);
    const unmarked = sources.filter((f) => !/generated by npm run sdks/.test(fs.readFileSync(f, "utf8")));
    assert.deepEqual(unmarked, []);
    // No path of this machine in what is committed.
    const all = [
      ...listTree(SDK_PYTHON).map((f) => path.join(SDK_PYTHON, f)),
      ...listTree(SDK_GO).map((f) => path.join(SDK_GO, f)),
    ];
    const withPaths = all.filter((f) => /\/(work|tmp|root|home|Users)\//.test(fs.readFileSync(f, "utf8")));
    assert.deepEqual(withPaths, []);
  });

  it("fails on a schema that does not bind, naming the problem, and writes nothing", () => {
    const out = path.join(tmp, "broken");
    assert.throws(
      () =>
        generateVariant("broken", (s) => {
          const collection = s.resources["scrapingpros:index:Collection"] as unknown as {
            properties: Record<string, unknown>;
          };
          collection.properties.blockedUrls = {
            type: "array",
            items: { $ref: "#/types/scrapingpros:index:Missing" },
          };
        }),
      /the SDK generator failed[\s\S]*scrapingpros:index:Missing/,
    );
    assert.equal(fs.existsSync(out), false, "no SDK folder is written");
  });

  it("leaves both trees out of tsc, Biome, TypeDoc and the npm package", () => {
    const generated = /^sdk\/(python|go)\//;
    const listed = run("npx", ["tsc", "-p", "tsconfig.json", "--noEmit", "--listFilesOnly"], { cwd: REPO });
    assert.equal(listed.status, 0, listed.stderr);
    const tsFiles = listed.stdout.split("\n").map((f) => path.relative(REPO, f.trim()));
    assert.ok(tsFiles.some((f) => f === "sdk/index.ts"));
    assert.deepEqual(
      tsFiles.filter((f) => generated.test(f)),
      [],
    );
    // Biome: a generated file is ignored (it would otherwise be formatted and linted).
    const biome = run("npx", ["biome", "check", "sdk/go/scrapingpros/pulumi-plugin.json"], { cwd: REPO });
    assert.match(`${biome.stdout}${biome.stderr}`, /No files were processed|ignored/i);
    const typedoc = JSON.parse(fs.readFileSync(path.join(REPO, "typedoc.json"), "utf8")) as {
      entryPoints: string[];
    };
    assert.deepEqual(
      typedoc.entryPoints.filter((e) => generated.test(e)),
      [],
    );
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as { files: string[] };
    assert.deepEqual(
      pkg.files.filter((f) => /^sdk\b/.test(f)),
      [],
      "only dist/sdk/ is published, not sdk/",
    );
  });
});
