import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { NATIVE_TOKENS } from "../../../provider/native/provider";
import { main } from "../../../sdk/cli";
import { COLLECTION_TYPE } from "../../../sdk/collection";
import { COLLECTION_RUN_TYPE } from "../../../sdk/collection-run";
import {
  DYNAMIC_TYPES,
  type ExportedResource,
  type ExportedStack,
  MigrationError,
  migrateState,
  NATIVE_TYPES,
} from "../../../sdk/migrate-state";
import { STACK_SCOPE_TYPE } from "../../../sdk/stack-scope";

const FIXTURES = path.resolve(__dirname, "..", "..", "fixtures", "state-layouts");
const fixture = (name: string): ExportedStack =>
  JSON.parse(fs.readFileSync(path.join(FIXTURES, name, "state.json"), "utf8")) as ExportedStack;
const fixed = { newScope: () => "fresh-scope", newId: () => "provider-id" };
const byName = (resources: ExportedResource[] | undefined, name: string) =>
  resources?.find((r) => r.urn.endsWith(`::${name}`));

/** Every reference of the state points to a resource listed before it (what `pulumi stack import` checks). */
function assertIntegrity(state: ExportedStack): void {
  const seen = new Set<string>();
  for (const r of state.deployment.resources ?? []) {
    const refs = [
      r.parent,
      r.deletedWith,
      r.provider?.slice(0, r.provider.lastIndexOf("::")),
      ...(r.dependencies ?? []),
      ...Object.values(r.propertyDependencies ?? {}).flat(),
    ].filter((u): u is string => typeof u === "string" && u !== "");
    for (const u of refs) assert.ok(seen.has(u), `${r.urn} refers to ${u}, which is not before it`);
    seen.add(r.urn);
  }
}

describe("migrate-state: dynamic resources to the native provider's (state rewrite)", () => {
  it("uses the tokens the SDK's dynamic resources and the native provider use", () => {
    assert.equal(DYNAMIC_TYPES.collection, COLLECTION_TYPE);
    assert.equal(DYNAMIC_TYPES.collectionRun, COLLECTION_RUN_TYPE);
    assert.equal(DYNAMIC_TYPES.stackScope, STACK_SCOPE_TYPE);
    assert.equal(NATIVE_TYPES.collection, NATIVE_TOKENS.collection);
    assert.equal(NATIVE_TYPES.collectionRun, NATIVE_TOKENS.collectionRun);
  });

  it("a stack with collections (named, auto-named, with a callback) and a run: types, URNs, __urn, provider, scope; the StackScope and the dynamic provider removed; references intact", () => {
    const before = fixture("4-collection-runs");
    const scopeId = byName(before.deployment.resources, "scrapingpros-stack-scope")?.id;
    const { state, report } = migrateState(before, fixed);
    const resources = state.deployment.resources ?? [];
    assert.deepEqual(
      resources.map((r) => r.type),
      [
        "pulumi:pulumi:Stack",
        "pulumi:providers:scrapingpros",
        "scrapingpros:index:Collection",
        "scrapingpros:index:Collection",
        "scrapingpros:index:CollectionRun",
        "scrapingpros:index:Collection",
      ],
    );
    const provider = resources[1] as ExportedResource;
    assert.equal(provider.urn, "urn:pulumi:dev::acme-scrapers::pulumi:providers:scrapingpros::default");
    assert.equal(provider.id, "provider-id");
    assert.deepEqual(provider.inputs, {
      apiKey: "fixture-api-key",
      baseUrl: before.deployment.resources?.[1]?.inputs?.["scrapingpros:baseUrl"],
      maxRetries: "3",
      __scope: scopeId,
    });
    assert.deepEqual(provider.outputs, provider.inputs);
    assert.equal(report.scope, scopeId);
    assert.equal(report.newScope, false);
    assert.deepEqual(report.removed, [
      "urn:pulumi:dev::acme-scrapers::pulumi-nodejs:dynamic/scrapingpros:StackScope::scrapingpros-stack-scope",
      "urn:pulumi:dev::acme-scrapers::pulumi:providers:pulumi-nodejs::default",
    ]);
    for (const r of resources.slice(2)) {
      assert.equal(r.urn, `urn:pulumi:dev::acme-scrapers::${r.type}::${r.urn.split("::").pop()}`);
      assert.equal(r.provider, `${provider.urn}::provider-id`);
      for (const props of [r.inputs, r.outputs]) {
        assert.equal(props?.__urn, r.urn);
        assert.equal(props?.__scope, scopeId, "each resource keeps its own scope");
        for (const k of ["__provider", "__timeouts", "__replaceOnChanges"])
          assert.ok(!(k in (props ?? {})), k);
      }
      assert.ok(!JSON.stringify(r).includes("StackScope"), `${r.urn} still refers to the StackScope`);
      assert.ok(!JSON.stringify(r).includes("pulumi-nodejs"), `${r.urn} still refers to a dynamic resource`);
    }
    // What the program declared and the API's answers are kept as they were.
    const tours = byName(resources, "tours");
    const oldTours = byName(before.deployment.resources, "tours");
    assert.equal(tours?.id, oldTours?.id);
    assert.deepEqual(tours?.inputs?.requests, oldTours?.inputs?.requests);
    assert.equal(tours?.outputs?.name, "tours");
    assert.deepEqual(tours?.customTimeouts, oldTours?.customTimeouts, "resource options stay the engine's");
    const run = byName(resources, "jobs-run");
    const oldRun = byName(before.deployment.resources, "jobs-run");
    assert.equal(run?.outputs?.runId, oldRun?.outputs?.runId);
    assert.equal(typeof oldRun?.outputs?.createdAt, "number");
    assert.equal(
      run?.outputs?.createdAt,
      new Date((oldRun?.outputs?.createdAt as number) * 1000).toISOString(),
      "a run's time as the native provider stores it",
    );
    assert.deepEqual(run?.propertyDependencies?.collectionId, [byName(resources, "jobs")?.urn]);
    assertIntegrity(state);
    assert.equal(report.renamed.length, 4);
    // The input is not changed.
    assert.equal(before.deployment.resources?.length, 7);
  });

  it("a state written before the stack scope existed: the provider gets a new scope, the resources none", () => {
    const { state, report } = migrateState(fixture("1-collections-only"), fixed);
    assert.equal(report.newScope, true);
    assert.equal(report.scope, "fresh-scope");
    const provider = state.deployment.resources?.find((r) => r.type === NATIVE_TYPES.provider);
    assert.equal(provider?.inputs?.__scope, "fresh-scope");
    for (const r of state.deployment.resources ?? []) {
      if (r.type === NATIVE_TYPES.collection) assert.ok(!("__scope" in (r.inputs ?? {})), r.urn);
    }
    assertIntegrity(state);
  });

  it("a collection inside a component keeps its parent (the URN's type chain ends with the native type); another dynamic resource keeps the dynamic provider", () => {
    const stack = "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev";
    const dynProv = "urn:pulumi:dev::p::pulumi:providers:pulumi-nodejs::default";
    const comp = "urn:pulumi:dev::p::acme:Scrapers::team";
    const col = `urn:pulumi:dev::p::acme:Scrapers$${COLLECTION_TYPE}::team-tours`;
    const other = "urn:pulumi:dev::p::pulumi-nodejs:dynamic:Resource::other";
    const before: ExportedStack = {
      version: 3,
      deployment: {
        resources: [
          { urn: stack, type: "pulumi:pulumi:Stack" },
          { urn: dynProv, type: "pulumi:providers:pulumi-nodejs", id: "d1", custom: true, inputs: {} },
          { urn: comp, type: "acme:Scrapers", parent: stack },
          {
            urn: col,
            type: COLLECTION_TYPE,
            id: "c1",
            custom: true,
            parent: comp,
            provider: `${dynProv}::d1`,
            inputs: { __urn: col, name: "team-tours", requests: [] },
            outputs: { __urn: col, name: "team-tours", requests: [] },
          },
          {
            urn: other,
            type: "pulumi-nodejs:dynamic:Resource",
            id: "o1",
            provider: `${dynProv}::d1`,
            dependencies: [col],
          },
        ],
      },
    };
    const { state, report } = migrateState(before, fixed);
    const migrated = state.deployment.resources?.find((r) => r.id === "c1");
    assert.equal(migrated?.urn, "urn:pulumi:dev::p::acme:Scrapers$scrapingpros:index:Collection::team-tours");
    assert.equal(migrated?.parent, comp);
    assert.equal(migrated?.inputs?.__urn, migrated?.urn);
    assert.ok(
      state.deployment.resources?.some((r) => r.urn === dynProv),
      "the dynamic provider is still used",
    );
    assert.deepEqual(state.deployment.resources?.find((r) => r.id === "o1")?.dependencies, [migrated?.urn]);
    assert.deepEqual(report.removed, []);
    assertIntegrity(state);
  });

  it("refuses what it cannot rewrite, saying why: not an export, nothing to migrate, pending operations, already native", () => {
    assert.throws(() => migrateState({} as ExportedStack), /not the output of `pulumi stack export`/);
    const migrated = migrateState(fixture("4-collection-runs"), fixed).state;
    assert.throws(
      () => migrateState(migrated),
      (e: Error) => e instanceof MigrationError && /nothing to migrate/.test(e.message),
    );

    const pending = fixture("4-collection-runs");
    const res = byName(pending.deployment.resources, "tours") as ExportedResource;
    pending.deployment.pending_operations = [{ resource: res, type: "creating" }];
    assert.throws(
      () => migrateState(pending),
      /1 pending operation on these resources \(creating .*::tours\).*pulumi cancel.*pulumi refresh/,
    );

    const half = fixture("4-collection-runs");
    half.deployment.resources?.push({
      urn: "urn:pulumi:dev::acme-scrapers::pulumi:providers:scrapingpros::default",
      type: "pulumi:providers:scrapingpros",
      id: "x",
    });
    assert.throws(() => migrateState(half), /already holds the native default provider/);
  });
});

describe("migrate-state CLI", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sp-migrate-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const run = (argv: string[], stdin?: string) => {
    let stdout = "";
    let stderr = "";
    const code = main(argv, {
      cwd: dir,
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
      ...(stdin !== undefined ? { stdin: () => stdin } : {}),
    });
    return { code, stdout, stderr };
  };
  const text = fs.readFileSync(path.join(FIXTURES, "4-collection-runs", "state.json"), "utf8");

  it("a file to --output: exit 0, the report on stderr; standard input to standard output", () => {
    fs.writeFileSync(path.join(dir, "in.json"), text);
    const r = run(["migrate-state", "in.json", "--output", "out.json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      /^migrated urn:.*::tours\n {6}-> urn:pulumi:dev::acme-scrapers::scrapingpros:index:Collection::tours$/m,
    );
    assert.match(
      r.stderr,
      /the stack scope \S+ moves to urn:pulumi:dev::acme-scrapers::pulumi:providers:scrapingpros::default/,
    );
    assert.match(r.stderr, /next: pulumi stack import --file out\.json/);
    const out = JSON.parse(fs.readFileSync(path.join(dir, "out.json"), "utf8")) as ExportedStack;
    assert.equal(out.deployment.resources?.filter((r) => r.type === NATIVE_TYPES.collection).length, 3);

    const piped = run(["migrate-state"], text);
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal((JSON.parse(piped.stdout) as ExportedStack).deployment.resources?.length, 6);
  });

  it("bad input is exit 1 with the reason; bad usage is exit 2", () => {
    let r = run(["migrate-state", "-"], "{not json");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /standard input is not JSON .*pulumi stack export/);
    r = run(["migrate-state", "missing.json"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot read missing\.json/);
    r = run(["migrate-state", "-"], JSON.stringify({ version: 3, deployment: { resources: [] } }));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /nothing to migrate/);
    r = run(["migrate-state", "a.json", "b.json"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unexpected argument: b\.json/);
    r = run(["migrate-state", "--summary"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--summary is not an option of migrate-state/);
    r = run(["validate", "--output", "x"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--output is an option of migrate-state, not of validate/);
  });
});
