/**
 * schema/provider.json as Pulumi's own tools read it: scripts/pulumi-schema-check (a small Go program
 * pinned to github.com/pulumi/pulumi/pkg/v3 v3.274.1, the version the repository's CLI is built from)
 * validates it against Pulumi's package metaschema, decodes it strictly and binds it with
 * `schema.BindSpec`, the step SDK generation starts from. Every diagnostic, warnings included, fails.
 *
 * The program is built here with `go build`, with the Go module and build caches the CLI's build
 * (scripts/ensure-pulumi.js) fills: 3 to 10 s when they are warm, 1 to 2.5 minutes the first time on a
 * machine with empty caches (scripts/pulumi-schema-check/README.md has the measurements).
 */
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { providerSchema } from "../../../provider/native/schema";
import type { PropertySpec, ProviderSchema } from "../../../scripts/generate-provider-schema";

const REPO = path.resolve(__dirname, "..", "..", "..");
const CHECK_DIR = path.join(REPO, "scripts", "pulumi-schema-check");
const SCHEMA = path.join(REPO, "schema", "provider.json");

/** The environment of scripts/ensure-pulumi.js's Go builds: local toolchain, committed go.sum, no cgo. */
function goEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GOTOOLCHAIN: "local",
    GOWORK: "off",
    GOFLAGS: "-mod=readonly -buildvcs=false",
    CGO_ENABLED: "0",
  };
}

describe("provider schema: Pulumi's metaschema and binder (pkg v3.274.1)", function () {
  // A build with empty Go caches compiles a few hundred packages on a 2-core machine.
  this.timeout(15 * 60_000);
  let dir: string;
  let checker: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sp-schema-check-"));
    checker = path.join(dir, "pulumi-schema-check");
    const started = Date.now();
    execFileSync("go", ["build", "-trimpath", "-o", checker, "."], {
      cwd: CHECK_DIR,
      env: goEnv(),
      stdio: ["ignore", "inherit", "inherit"],
    });
    process.stderr.write(
      `      (built pulumi-schema-check in ${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
    );
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  function check(file: string): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(checker, [file], { encoding: "utf8", timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  /** Writes a variant of the committed schema and checks it. */
  function checkVariant(name: string, edit: (schema: ProviderSchema) => void) {
    const schema = JSON.parse(fs.readFileSync(SCHEMA, "utf8")) as ProviderSchema;
    edit(schema);
    const file = path.join(dir, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify(schema));
    return check(file);
  }

  it("schema/provider.json validates, decodes and binds with no diagnostic", () => {
    const r = check(SCHEMA);
    assert.equal(r.stderr, "");
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^ok: /);
  });

  it("so does the schema providerSchema() serves (with the version)", () => {
    const file = path.join(dir, "served.json");
    fs.writeFileSync(file, providerSchema("1.2.3"));
    const r = check(file);
    assert.equal(r.stderr, "");
    assert.equal(r.status, 0);
  });

  it("a dangling type reference fails the binding, naming it", () => {
    const r = checkVariant("dangling", (s) => {
      delete s.types["scrapingpros:index:BrowserAction"];
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^error: bind: .*scrapingpros:index:BrowserAction/m);
  });

  it("a misspelt key fails, though Go's decoder alone would drop it", () => {
    const r = checkVariant("misspelt", (s) => {
      const props = s.resources["scrapingpros:index:Collection"]?.inputProperties as Record<string, unknown>;
      const { description, ...rest } = props.adoptId as { description: string };
      props.adoptId = { ...rest, descripton: description };
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /descripton/);
  });

  it("a type Pulumi does not have fails the metaschema, with its place", () => {
    const r = checkVariant("bad-type", (s) => {
      s.config.variables.maxRetries = {
        ...s.config.variables.maxRetries,
        type: "int",
      } as unknown as PropertySpec;
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^error: metaschema: #\/config\/variables\/maxRetries\/type: /m);
  });

  it("a token of another package fails the binding", () => {
    const r = checkVariant("foreign-token", (s) => {
      const collection = s.resources["scrapingpros:index:Collection"];
      if (collection) s.resources["other:index:Thing"] = collection;
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^error: bind: .*other:index:Thing/m);
  });
});
