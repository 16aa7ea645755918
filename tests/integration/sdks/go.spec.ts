/**
 * The generated Go SDK, sdk/go (module github.com/scrapingpros/pulumi-scrapingpros/sdk/go, package
 * scrapingpros): it builds and vets against github.com/pulumi/pulumi/sdk/v3 at the CLI's version with its
 * committed go.sum, and so does a program that uses every resource, function and type
 * (tests/fixtures/sdks/go, its own module with the SDK replaced by sdk/go); the compiler refuses a
 * program that misuses it.
 *
 * Go's module and build caches are the machine's (the CLI's build fills the module cache). The SDK's
 * module graph is sdk/v3's, not the CLI's, so the first build compiles its dependencies: about a
 * minute on a busy 2-core machine after the CLI's build, seconds afterwards.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GO_FIXTURES, goEnv, ok, run, SCHEMA_FILE, SDK_GO, squash } from "../../helpers/sdks";

interface Described {
  description?: string;
}
interface Schema {
  provider: Described & { inputProperties: Record<string, Described> };
  resources: Record<
    string,
    Described & { inputProperties: Record<string, Described>; properties: Record<string, Described> }
  >;
  functions: Record<
    string,
    Described & {
      inputs: { properties: Record<string, Described> };
      outputs: { properties: Record<string, Described> };
    }
  >;
  types: Record<string, Described>;
}

const { pinnedVersion } = require("../../../scripts/ensure-pulumi.js") as { pinnedVersion(): string };

function go(args: string[], cwd: string, mod: "readonly" | "mod" = "readonly") {
  return run("go", args, { cwd, env: goEnv(mod) });
}

describe("generated Go SDK: go build, go vet, a program using all of it", function () {
  // The first build compiles the SDK's dependencies on a 2-core machine.
  this.timeout(15 * 60_000);
  let tmp: string;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sp-sdk-go-"));
  });
  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it(`builds and vets against github.com/pulumi/pulumi/sdk/v3 v${pinnedVersion()} with its committed go.sum`, () => {
    const listed = ok("go list -m", go(["list", "-m", "github.com/pulumi/pulumi/sdk/v3"], SDK_GO));
    assert.equal(listed.stdout.trim(), `github.com/pulumi/pulumi/sdk/v3 v${pinnedVersion()}`);
    const build = ok("go build ./...", go(["build", "./..."], SDK_GO));
    const vet = ok("go vet ./...", go(["vet", "./..."], SDK_GO));
    process.stderr.write(
      `      (go build in ${build.seconds.toFixed(1)} s, go vet in ${vet.seconds.toFixed(1)} s)\n`,
    );
    assert.equal(vet.stdout + vet.stderr, "", "go vet reports nothing");
  });

  it("carries the schema's descriptions as doc comments: every resource, function, type, input and output", () => {
    const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")) as Schema;
    // Field comments keep their `//` in go doc's output: drop them, then compare whitespace-collapsed.
    const doc = squash(
      ok("go doc -all", go(["doc", "-all", "./scrapingpros"], SDK_GO)).stdout.replace(/\n\s*\/\/ ?/g, " "),
    );
    const places: [string, string | undefined][] = [["provider", schema.provider.description]];
    for (const [name, p] of Object.entries(schema.provider.inputProperties))
      places.push([`provider ${name}`, p.description]);
    for (const [token, r] of Object.entries(schema.resources)) {
      places.push([token, r.description]);
      for (const [name, p] of Object.entries(r.inputProperties))
        places.push([`${token} input ${name}`, p.description]);
      for (const [name, p] of Object.entries(r.properties))
        places.push([`${token} output ${name}`, p.description]);
    }
    for (const [token, f] of Object.entries(schema.functions)) {
      places.push([token, f.description]);
      for (const [name, p] of Object.entries(f.inputs.properties))
        places.push([`${token} input ${name}`, p.description]);
      for (const [name, p] of Object.entries(f.outputs.properties))
        places.push([`${token} output ${name}`, p.description]);
    }
    for (const [token, t] of Object.entries(schema.types)) places.push([token, t.description]);
    assert.ok(places.length > 60, `${places.length} places`);
    const missing = places.filter(([, d]) => !d || !doc.includes(squash(d))).map(([where]) => where);
    assert.deepEqual(missing, []);
  });

  it("a program using every resource, function and type builds and vets; its go.mod and go.sum are tidy", () => {
    const exe = path.join(tmp, "example");
    const build = ok("go build", go(["build", "-o", exe, "."], GO_FIXTURES));
    const vet = ok("go vet ./...", go(["vet", "./..."], GO_FIXTURES));
    process.stderr.write(
      `      (go build in ${build.seconds.toFixed(1)} s, go vet in ${vet.seconds.toFixed(1)} s)\n`,
    );
    assert.ok(fs.statSync(exe).size > 1_000_000);
    // -mod=mod: `go mod tidy -diff` reports what tidying would change, and changes nothing.
    const tidy = go(["mod", "tidy", "-diff"], GO_FIXTURES, "mod");
    assert.equal(tidy.status, 0, `tests/fixtures/sdks/go is not tidy:\n${tidy.stdout}${tidy.stderr}`);

    // "Every": each constructor, lookup (plain and Output form) and enum case of the SDK, and each type
    // a program builds or reads.
    const pkg = path.join(SDK_GO, "scrapingpros");
    const sdk = fs
      .readdirSync(pkg)
      .filter((f) => f.endsWith(".go"))
      .map((f) => fs.readFileSync(path.join(pkg, f), "utf8"))
      .join("\n");
    const constructors = [...sdk.matchAll(/^func (New\w+)\(ctx \*pulumi\.Context,/gm)].map((m) => m[1]);
    const invokes = [
      ...sdk.matchAll(/^func (\w+)\(ctx \*pulumi\.Context, args .*pulumi\.InvokeOption\)/gm),
    ].map((m) => m[1]);
    const enumCases = [...sdk.matchAll(/^\t(\w+)\s+= \w+\("[^"]*"\)$/gm)].map((m) => m[1]);
    const types = [...sdk.matchAll(/^type ([A-Z]\w*Args|BlockedUrl|CollectionInfo) struct/gm)]
      .map((m) => m[1])
      .filter(
        (t) =>
          !/^(Collection|CollectionRun|Provider)Args$/.test(t ?? "") &&
          !/(Lookup|Get|List)\w+Args$/.test(t ?? ""),
      );
    assert.deepEqual(constructors.sort(), ["NewCollection", "NewCollectionRun", "NewProvider"]);
    assert.deepEqual(invokes.sort(), [
      "GetRun",
      "GetRunOutput",
      "ListCollections",
      "ListCollectionsOutput",
      "LookupCollection",
      "LookupCollectionOutput",
    ]);
    assert.equal(enumCases.length, 4, enumCases.join(", "));
    assert.deepEqual(types.sort(), [
      "BlockedUrl",
      "BrowserActionArgs",
      "CollectionInfo",
      "ScrapeRequestArgs",
    ]);
    const program = fs.readFileSync(path.join(GO_FIXTURES, "program", "program.go"), "utf8");
    const unused = [...constructors, ...invokes, ...enumCases, ...types].filter(
      (name) => !new RegExp(`\\bscrapingpros\\.${name}\\b`).test(program),
    );
    assert.deepEqual(unused, [], "what program/program.go does not use");
  });

  it("the compiler refuses a program that misuses the SDK, naming each misuse", () => {
    // A copy of the fixture module, with the SDK replaced by its absolute path.
    const dir = path.join(tmp, "misuse");
    fs.cpSync(GO_FIXTURES, dir, { recursive: true });
    const goMod = path.join(dir, "go.mod");
    fs.writeFileSync(goMod, fs.readFileSync(goMod, "utf8").replace("=> ../../../../sdk/go", `=> ${SDK_GO}`));
    const programFile = path.join(dir, "program", "program.go");
    const source = fs.readFileSync(programFile, "utf8");
    const misused = source
      .replace(
        'CallbackUrl:   pulumi.String("https://hooks.example.com/scrapingpros"),',
        'CallbakUrl: pulumi.String("x"),',
      )
      .replace("Wait:           scrapingpros.CollectionRunWaitCompleted,", 'Wait: "always",')
      .replace("MaxRetries:        pulumi.Int(2),", 'MaxRetries: pulumi.String("2"),');
    assert.notEqual(misused, source);
    fs.writeFileSync(programFile, misused);
    const r = go(["build", "-o", path.join(tmp, "misuse-exe"), "./program"], dir);
    assert.notEqual(r.status, 0);
    for (const expected of [
      /unknown field CallbakUrl in struct literal of type scrapingpros\.CollectionArgs/,
      /cannot use "always" \(constant of type string\) as scrapingpros\.CollectionRunWaitPtrInput value/,
      /cannot use pulumi\.String\("2"\) \(.*\) as pulumi\.IntPtrInput value/,
    ]) {
      assert.match(r.stderr, expected);
    }
  });
});
