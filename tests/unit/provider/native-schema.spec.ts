/**
 * The Pulumi package schema of the native provider (schema/provider.json): generated from the
 * TypeScript docstrings and committed, complete, and true to the native provider's contract (tokens, names
 * of the dynamic resources' inputs and outputs, the settings and their environment variables).
 * Pulumi's own binder judges it in tests/integration/packaging/provider-schema.spec.ts.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as td from "typedoc";
import { DEFAULT_BASE_URL } from "../../../provider/client/client";
import { DEFAULT_RETRY } from "../../../provider/client/retry-policy";
import { CONFIG_KEYS, resolveSettings, type SettingName } from "../../../provider/core/config";
import { PROVIDER_SCHEMA_FILE, providerSchema } from "../../../provider/native/schema";
import {
  buildProviderSchema,
  type ConvertedDocs,
  convertDocs,
  GO_IMPORT_BASE_PATH,
  type PropertySpec,
  type ProviderSchema,
} from "../../../scripts/generate-provider-schema";
import { toRunInfo } from "../../../sdk/lookups";

const REPO = path.resolve(__dirname, "..", "..", "..");
const FILE = path.join(REPO, "schema", "provider.json");

function committed(): ProviderSchema {
  return JSON.parse(fs.readFileSync(FILE, "utf8")) as ProviderSchema;
}

const COLLECTION = "scrapingpros:index:Collection";
const RUN = "scrapingpros:index:CollectionRun";

/** Every place of the schema that must carry a description, with its path. */
function describedPlaces(s: ProviderSchema): { where: string; description: unknown }[] {
  const out: { where: string; description: unknown }[] = [];
  const props = (where: string, p: Record<string, PropertySpec> | undefined) => {
    for (const [name, spec] of Object.entries(p ?? {}))
      out.push({ where: `${where}.${name}`, description: spec.description });
  };
  props("config", s.config.variables);
  out.push({ where: "provider", description: s.provider.description });
  props("provider", s.provider.inputProperties);
  for (const [token, r] of Object.entries(s.resources)) {
    out.push({ where: token, description: r.description });
    props(`${token} input`, r.inputProperties);
    props(`${token} output`, r.properties);
  }
  for (const [token, f] of Object.entries(s.functions)) {
    out.push({ where: token, description: f.description });
    out.push({ where: `${token} inputs`, description: f.inputs.description });
    out.push({ where: `${token} outputs`, description: f.outputs.description });
    props(`${token} inputs`, f.inputs.properties);
    props(`${token} outputs`, f.outputs.properties);
  }
  for (const [token, t] of Object.entries(s.types)) {
    out.push({ where: token, description: t.description });
    if ("properties" in t) props(token, t.properties);
  }
  return out;
}

/** Every key of every object in a JSON value. */
function allKeys(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) allKeys(v, out);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      allKeys(v, out);
    }
  }
  return out;
}

describe("provider schema: generation from the docstrings (npm run provider-schema)", function () {
  // TypeDoc converts the sources once for this block: a few seconds of CPU.
  this.timeout(180_000);
  let docs: ConvertedDocs;
  before(async () => {
    docs = await convertDocs();
  });

  /** The reflection `Interface.member` (or a top-level declaration) in the converted project. */
  function reflection(name: string, member?: string): td.DeclarationReflection {
    const top = docs.project
      .getReflectionsByKind(td.ReflectionKind.All)
      .filter((r): r is td.DeclarationReflection => r instanceof td.DeclarationReflection && r.name === name)
      .find((r) => r.parent?.kindOf(td.ReflectionKind.Module) || r.parent?.isProject());
    assert.ok(top, `${name} is in the converted sources`);
    if (member === undefined) return top;
    const children =
      top.type instanceof td.ReflectionType ? (top.type.declaration.children ?? []) : (top.children ?? []);
    const found = children.find((c) => c.name === member);
    assert.ok(found, `${name}.${member} is in the converted sources`);
    return found;
  }

  /** Runs `fn` with `target.comment` replaced, then puts the original back. */
  function withComment<T>(target: td.Reflection, comment: td.Comment | undefined, fn: () => T): T {
    const original = target.comment;
    target.comment = comment;
    try {
      return fn();
    } finally {
      target.comment = original;
    }
  }

  it("schema/provider.json is what the docstrings generate (run npm run provider-schema when this fails)", () => {
    assert.deepEqual(committed(), JSON.parse(JSON.stringify(buildProviderSchema(docs))));
  });

  it("a property, function, type or config key without a docstring fails it, each named", () => {
    const adoptId = reflection("CollectionArgs", "adoptId");
    const getRunSig = reflection("getRun").signatures?.[0];
    const timeoutMs = reflection("CONFIG_KEYS", "timeoutMs");
    const blocked = reflection("BlockedUrlOutput");
    const runId = reflection("CollectionRun", "runId");
    assert.ok(getRunSig);
    const error = withComment(adoptId, undefined, () =>
      withComment(getRunSig, new td.Comment([]), () =>
        withComment(timeoutMs, undefined, () =>
          withComment(blocked, undefined, () =>
            withComment(runId, new td.Comment([{ kind: "text", text: "  " }]), () => {
              try {
                buildProviderSchema(docs);
              } catch (e) {
                return e as Error;
              }
              return undefined;
            }),
          ),
        ),
      ),
    );
    assert.ok(error instanceof Error, "the generation fails");
    for (const where of [
      "CollectionArgs.adoptId: no docstring",
      "getRun: no docstring",
      "CONFIG_KEYS.timeoutMs: no docstring",
      "BlockedUrlOutput: no docstring",
      "CollectionRun.runId: no docstring",
    ]) {
      assert.ok(error.message.includes(where), `the message names ${where}:\n${error.message}`);
    }
    assert.match(error.message, /5 problem\(s\)/);
    // The comments are back: the same project generates again.
    assert.doesNotThrow(() => buildProviderSchema(docs));
  });

  it("a tag the schema has no place for, or a type it cannot map, fails it", () => {
    const wait = reflection("CollectionRunArgs", "wait");
    const tagged = new td.Comment(wait.comment?.summary ?? [], [
      new td.CommentTag("@since", [{ kind: "text", text: "0.2.0" }]),
    ]);
    const tagError = withComment(wait, tagged, () => {
      try {
        buildProviderSchema(docs);
      } catch (e) {
        return e as Error;
      }
      return undefined;
    });
    assert.ok(tagError instanceof Error);
    assert.match(tagError.message, /CollectionRunArgs\.wait: the tag @since has no place in the schema/);

    const timeout = reflection("CollectionRunArgs", "timeoutSeconds");
    const declared = docs.declaredTypes.get(timeout);
    docs.declaredTypes.set(timeout, new td.IntrinsicType("bigint"));
    try {
      assert.throws(
        () => buildProviderSchema(docs),
        /CollectionRunArgs\.timeoutSeconds: the type bigint has no schema mapping/,
      );
    } finally {
      if (declared) docs.declaredTypes.set(timeout, declared);
    }
  });
});

describe("provider schema: the committed file", () => {
  const schema = committed();

  it("has exactly the tokens of the contract", () => {
    assert.equal(schema.name, "scrapingpros");
    assert.deepEqual(Object.keys(schema.resources).sort(), [COLLECTION, RUN]);
    assert.deepEqual(Object.keys(schema.functions).sort(), [
      "scrapingpros:index:getCollection",
      "scrapingpros:index:getRun",
      "scrapingpros:index:listCollections",
    ]);
    assert.deepEqual(Object.keys(schema.config.variables).sort(), Object.keys(CONFIG_KEYS).sort());
    assert.deepEqual(
      Object.keys(schema.provider.inputProperties).sort(),
      Object.keys(CONFIG_KEYS).sort(),
      "pulumi:providers:scrapingpros takes every setting",
    );
    assert.ok(!("version" in schema), "the version is the plugin's (providerSchema adds it)");
  });

  it("describes every resource, property, function, function input and output, type and setting", () => {
    const places = describedPlaces(schema);
    assert.ok(places.length > 90, `found ${places.length} places`);
    const missing = places.filter((p) => typeof p.description !== "string" || p.description.trim() === "");
    assert.deepEqual(missing, []);
    // Markdown only: no TSDoc syntax left behind.
    const raw = places.filter((p) =>
      /\{@link|@default|@remarks|@example|@throws|@unit/.test(String(p.description)),
    );
    assert.deepEqual(raw, []);
  });

  it("renders links as code, keeps defaults and value examples, and leaves TypeScript-only text out", () => {
    const run = schema.resources[RUN];
    const collection = schema.resources[COLLECTION];
    assert.ok(run && collection);
    assert.equal(schema.functions["scrapingpros:index:getRun"]?.inputs.description, "Arguments of `getRun`.");
    assert.match(String(run.inputProperties.timeoutSeconds?.description), /\n\nDefault: `1800`\.$/);
    assert.match(String(run.inputProperties.wait?.description), /Default: `"completed"`\.$/);
    assert.match(
      String(schema.types["scrapingpros:index:ScrapeRequest"]?.description),
      /Example: `\{ url: "https:\/\/example\.com\/tours\/1", custom_id: "tour-1", browser: true \}`/,
    );
    // @remarks (the dynamic resource's type token, the import workaround) and TypeScript programs stay out.
    assert.doesNotMatch(collection.description, /dynamic|pulumi-nodejs|import \{|new Collection/);
    assert.doesNotMatch(String(collection.inputProperties.adoptId?.description), /16175|dynamic/);
    assert.doesNotMatch(
      schema.functions["scrapingpros:index:getCollection"]?.description ?? "",
      /await|Lookup/,
    );
  });

  it("keeps the dynamic resources' input and output names, without their internals", () => {
    const collection = schema.resources[COLLECTION];
    const run = schema.resources[RUN];
    assert.ok(collection && run);
    assert.deepEqual(Object.keys(collection.inputProperties), [
      "name",
      "requests",
      "callbackUrl",
      "adoptExisting",
      "adoptId",
    ]);
    assert.deepEqual(collection.requiredInputs, ["requests"]);
    assert.deepEqual(Object.keys(collection.properties), [
      "name",
      "requests",
      "callbackUrl",
      "createdAt",
      "updatedAt",
      "requestCount",
      "duplicatesSkipped",
      "blockedUrls",
      "adopted",
    ]);
    assert.deepEqual(Object.keys(run.inputProperties), [
      "collectionId",
      "triggers",
      "wait",
      "timeoutSeconds",
      "callbackUrl",
      "failOn",
    ]);
    assert.deepEqual(run.requiredInputs, ["collectionId"]);
    assert.deepEqual(Object.keys(run.properties), [
      "runId",
      "status",
      "totalRequests",
      "successRequests",
      "failedRequests",
      "timeoutRequests",
      "jobIds",
      "callbackUrl",
      "callbackStatus",
      "createdAt",
      "reattached",
    ]);
    // Outputs that can be null are optional: generated SDKs must not promise a value.
    assert.deepEqual(run.required, ["runId", "status", "jobIds", "reattached"]);
    assert.deepEqual(
      allKeys(schema).filter((k) => k.startsWith("__")),
      [],
      "no __urn, __scope, __provider, __replaceOnChanges, __timeouts",
    );
  });

  it("gives the lookups the inputs and outputs of sdk/lookups.ts", () => {
    const fns = schema.functions;
    assert.deepEqual(Object.keys(fns["scrapingpros:index:getCollection"]?.inputs.properties ?? {}), ["id"]);
    assert.deepEqual(Object.keys(fns["scrapingpros:index:listCollections"]?.inputs.properties ?? {}), [
      "name",
      "namePrefix",
      "since",
    ]);
    assert.equal(fns["scrapingpros:index:listCollections"]?.inputs.required, undefined);
    assert.deepEqual(fns["scrapingpros:index:listCollections"]?.outputs.properties.collections, {
      description: fns["scrapingpros:index:listCollections"]?.outputs.properties.collections?.description,
      type: "array",
      items: { $ref: "#/types/scrapingpros:index:CollectionInfo" },
    });
    // getRun's outputs are exactly what the lookup returns.
    const info = toRunInfo({ run_id: "r", status: "completed" } as Parameters<typeof toRunInfo>[0], "c");
    assert.deepEqual(
      Object.keys(fns["scrapingpros:index:getRun"]?.outputs.properties ?? {}).sort(),
      Object.keys(info).sort(),
    );
    assert.deepEqual(Object.keys(fns["scrapingpros:index:getCollection"]?.outputs.properties ?? {}), [
      "id",
      "name",
      "createdAt",
      "updatedAt",
    ]);
  });

  it("marks apiKey secret, and only it, with every setting's environment variable and default", () => {
    for (const where of [schema.config.variables, schema.provider.inputProperties]) {
      for (const [name, [configKey, envVar]] of Object.entries(CONFIG_KEYS)) {
        const spec = where[name];
        assert.ok(spec, name);
        assert.deepEqual(spec.defaultInfo, { environment: [envVar] }, name);
        assert.equal(spec.secret === true, name === "apiKey", `${name} secret`);
        assert.ok(
          spec.description.includes(`\`${configKey}\``) && spec.description.includes(`\`${envVar}\``),
        );
      }
      assert.equal(where.apiKey?.default, undefined);
      assert.equal(where.baseUrl?.default, DEFAULT_BASE_URL);
      assert.equal(where.maxRetries?.default, DEFAULT_RETRY.maxRetries);
      assert.equal(where.timeoutMs?.default, DEFAULT_RETRY.timeoutMs);
      assert.equal(where.deadlineMs?.default, DEFAULT_RETRY.deadlineMs);
      assert.equal(where.maxThrottleWaitMs?.default, DEFAULT_RETRY.maxThrottleWaitMs);
    }
    assert.equal(
      allKeys(schema).filter((k) => k === "secret").length,
      2,
      "secret appears on config apiKey and provider apiKey only",
    );
  });

  it("types each setting as resolveSettings accepts it: whole numbers where it wants them", () => {
    const env = (name: SettingName, value: string) => ({ [CONFIG_KEYS[name][1]]: value });
    for (const [name, spec] of Object.entries(schema.config.variables) as [SettingName, PropertySpec][]) {
      if (spec.type === "string") {
        assert.ok(name === "apiKey" || name === "baseUrl", name);
        continue;
      }
      assert.ok(spec.type === "integer" || spec.type === "number", name);
      assert.doesNotThrow(() => resolveSettings(undefined, env(name, "7")), name);
      assert.throws(() => resolveSettings(undefined, env(name, "seven")), name);
      const fraction = () => resolveSettings(undefined, env(name, "7.5"));
      if (spec.type === "integer") assert.throws(fraction, `${name} is integer: 7.5 must be refused`);
      else assert.doesNotThrow(fraction, `${name} is number: 7.5 must be accepted`);
    }
  });

  it("lets request objects carry fields it does not list (oneOf the typed object or any object)", () => {
    const anyObject = { type: "object", additionalProperties: { $ref: "pulumi.json#/Any" } };
    const requests = schema.resources[COLLECTION]?.inputProperties.requests;
    assert.deepEqual(requests?.items, {
      oneOf: [{ $ref: "#/types/scrapingpros:index:ScrapeRequest" }, anyObject],
    });
    const request = schema.types["scrapingpros:index:ScrapeRequest"];
    assert.ok(request && "properties" in request);
    assert.deepEqual(request.properties.actions?.items, {
      oneOf: [{ $ref: "#/types/scrapingpros:index:BrowserAction" }, anyObject],
    });
    assert.deepEqual(request.required, ["url"]);
    // The same request fields as the collection files' JSON Schema, in the API's names.
    const fileSchema = JSON.parse(fs.readFileSync(path.join(REPO, "schema", "collection.json"), "utf8")) as {
      properties: { requests: { items: { properties: Record<string, unknown> } } };
    };
    const fileRequest = fileSchema.properties.requests.items;
    assert.deepEqual(Object.keys(request.properties).sort(), Object.keys(fileRequest.properties).sort());
    // The outputs give the requests as applied: any fields.
    assert.deepEqual(schema.resources[COLLECTION]?.properties.requests?.items, anyObject);
    assert.match(String(request.description), /cannot carry fields beyond their declared properties/);
  });

  it("names enums, integers and its packages as the SDK generators expect", () => {
    assert.deepEqual(schema.types["scrapingpros:index:CollectionRunWait"], {
      description: schema.resources[RUN]?.inputProperties.wait?.description,
      type: "string",
      enum: [
        { name: "None", value: "none" },
        { name: "Completed", value: "completed" },
      ],
    });
    assert.equal(schema.resources[COLLECTION]?.properties.requestCount?.type, "integer");
    assert.equal(schema.resources[RUN]?.properties.createdAt?.type, "string");
    // No `requires`: codegen/python then requires the oldest `pulumi` its code runs with. The SDKs carry
    // the version they are generated with (respectSchemaVersion: package.json's, by npm run sdks).
    assert.deepEqual(schema.language.python, {
      packageName: "pulumi_scrapingpros",
      pythonRequires: ">=3.10",
      respectSchemaVersion: true,
      pyproject: { enabled: true },
    });
    assert.deepEqual(schema.language.go, { importBasePath: GO_IMPORT_BASE_PATH, respectSchemaVersion: true });
    assert.match(
      GO_IMPORT_BASE_PATH,
      /^github\.com\/[a-z0-9-]+\/pulumi-scrapingpros\/sdk\/go\/scrapingpros$/,
    );
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8"));
    assert.equal(schema.language.nodejs?.packageName, pkg.name);
    assert.doesNotMatch(fs.readFileSync(FILE, "utf8"), /\/(work|tmp|root|home|Users)\//, "no machine path");
  });

  it("is served by providerSchema() with the package's version, and published", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8"));
    assert.equal(PROVIDER_SCHEMA_FILE, FILE);
    const served = JSON.parse(providerSchema());
    assert.deepEqual(Object.keys(served).slice(0, 2), ["name", "version"]);
    assert.equal(served.version, pkg.version);
    const { version: _, ...rest } = served;
    assert.deepEqual(rest, schema);
    assert.equal(JSON.parse(providerSchema("1.2.3")).version, "1.2.3");
    assert.equal(pkg.exports["./schema/provider.json"], "./schema/provider.json");
    assert.ok(pkg.files.includes("schema"));
  });
});
