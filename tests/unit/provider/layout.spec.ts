import * as assert from "node:assert/strict";
import * as path from "node:path";
import madge from "madge";

const REPO = path.resolve(__dirname, "..", "..", "..");

/**
 * The import graph of `dirs` (type-only imports included: a circle through types is a circle of
 * concepts), as madge reads it with the project's tsconfig.
 */
function graph(dirs: string[]): ReturnType<typeof madge> {
  return madge(dirs, { baseDir: REPO, fileExtensions: ["ts"], tsConfig: path.join(REPO, "tsconfig.json") });
}

/** Which layer a file of provider/ or sdk/ belongs to (provider/README.md). */
function layerOf(file: string): string {
  const parts = file.split("/");
  if (parts[0] === "sdk") return "sdk";
  if (parts.length === 2) return parts[1] === "index.ts" ? "entry" : "provider";
  return parts[1] as string;
}

/** The layers each layer may import (its own included); provider/README.md says why. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  client: ["client"],
  core: ["core", "client"],
  engine: ["engine", "core"],
  dynamic: ["dynamic", "engine", "core", "client"],
  native: ["native", "engine", "core", "client"],
  entry: ["dynamic", "native", "engine", "core", "client"],
  sdk: ["sdk", "core", "client"],
};

/** The one file of core/ the client reads: the package version it sends in its User-Agent (a leaf). */
const CLIENT_MAY_READ = new Set(["provider/core/version.ts"]);

describe("provider/ and sdk/ layout: no import cycle, and each layer imports only the layers below it", function () {
  this.timeout(60_000);
  let tree: Awaited<ReturnType<typeof madge>>;
  let deps: Record<string, string[]>;

  before(async () => {
    tree = await graph(["provider", "sdk"]);
    deps = tree.obj();
  });

  it("reads the whole tree (every .ts file of provider/ and sdk/ is in the graph)", () => {
    const files = Object.keys(deps);
    assert.ok(files.includes("provider/index.ts"), "provider/index.ts in the graph");
    assert.ok(files.includes("provider/core/collection/operations.ts"), "core operations in the graph");
    assert.ok(files.includes("sdk/lookups.ts"), "sdk in the graph");
    assert.deepEqual(
      deps["provider/client/resources/collections.ts"]
        ?.filter((d) => d.startsWith("provider/client/"))
        .sort(),
      ["provider/client/path.ts", "provider/client/requester.ts", "provider/client/schemas.ts"],
      "type-only imports are edges too",
    );
  });

  it("has no import cycle", () => {
    assert.deepEqual(tree.circular(), []);
  });

  it("would see a circle through a type-only import, like the one the client had with its namespaces", async () => {
    const fixture = await graph(["tests/fixtures/import-cycle"]);
    assert.deepEqual(fixture.circular(), [
      ["tests/fixtures/import-cycle/client.ts", "tests/fixtures/import-cycle/runs.ts"],
    ]);
  });

  it("imports go down the layers: client ← core ← engine ← dynamic/native ← index; sdk uses core and client only", () => {
    const wrong: string[] = [];
    for (const [file, imports] of Object.entries(deps)) {
      const from = layerOf(file);
      const allowed = ALLOWED[from];
      for (const dep of imports) {
        const to = layerOf(dep);
        if (from === "client" && CLIENT_MAY_READ.has(dep)) continue;
        if (!allowed?.includes(to)) wrong.push(`${file} (${from}) imports ${dep} (${to})`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it("provider/ has no file outside its layers but the entry point", () => {
    const loose = Object.keys(deps).filter((f) => layerOf(f) === "provider");
    assert.deepEqual(loose, []);
  });
});
