/**
 * The plugin process over real gRPC (started from the sources, tests/helpers/plugin-process.ts):
 * what the shim of grpc-shim.ts adds to `@pulumi/pulumi/provider`'s server (Configure with the
 * provider's own properties, from `args` or the older `variables`; CheckConfig; DiffConfig; the
 * timeout of Create), and that messages reach the engine's log with the resource's URN. The SDK
 * version the shim was written for is pinned here.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type * as grpc from "@grpc/grpc-js";
import type * as pluginPb from "@pulumi/pulumi/proto/plugin_pb";
import * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import type { RunningEmulator } from "../../../../emulator";
import { isSecretEnvelope } from "../../../../provider/core/secrets";
import { SHIM_PULUMI_VERSION } from "../../../../provider/native/grpc-shim";
import { methodsSince, startTestEmulator, TEST_KEY } from "../../../helpers/emulator";
import { type PluginProcess, startPluginProcess } from "../../../helpers/plugin-process";

const REPO = path.resolve(__dirname, "..", "..", "..", "..");
const EU = "urn:pulumi:dev::proj::pulumi:providers:scrapingpros::eu";
const DEFAULT = "urn:pulumi:dev::proj::pulumi:providers:scrapingpros::default";
const TOURS = "urn:pulumi:dev::proj::scrapingpros:index:Collection::tours";
const secret = (value: unknown) => ({ [specialSigKey]: specialSecretSig, value });
const struct = (o: Record<string, unknown>) => Struct.fromJavaScript(o as Record<string, never>);

function checkRequest(urn: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
  const req = new providerPb.CheckRequest();
  req.setUrn(urn);
  req.setOlds(struct(olds));
  req.setNews(struct(news));
  return req;
}

function configureRequest(urn: string, args: Record<string, unknown>) {
  const req = new providerPb.ConfigureRequest();
  req.setUrn(urn);
  req.setName(urn.slice(urn.lastIndexOf("::") + 2));
  req.setType("pulumi:providers:scrapingpros");
  req.setArgs(struct(args));
  req.setAcceptsecrets(true);
  req.setAcceptresources(true);
  return req;
}

describe("native plugin over gRPC: the shim over @pulumi/pulumi's provider server", function () {
  this.timeout(60_000);
  let emu: RunningEmulator;
  let plugin: PluginProcess;

  before(async () => {
    emu = await startTestEmulator();
    plugin = await startPluginProcess();
  });
  after(async () => {
    await plugin?.stop();
    await emu?.stop();
  });

  it("is written for the @pulumi/pulumi line the package ships (package.json pins it; the server's gaps are checked again on an upgrade)", () => {
    const installed = (
      JSON.parse(fs.readFileSync(require.resolve("@pulumi/pulumi/package.json"), "utf8")) as {
        version: string;
      }
    ).version;
    const pinned = (
      JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as {
        dependencies: Record<string, string>;
      }
    ).dependencies["@pulumi/pulumi"];
    assert.equal(pinned, `~${SHIM_PULUMI_VERSION}.0`);
    assert.ok(installed.startsWith(`${SHIM_PULUMI_VERSION}.`), `@pulumi/pulumi ${installed} is installed`);
  });

  it("serves its version and the schema, with the version set", async () => {
    const info = await plugin.call<pluginPb.PluginInfo>("getPluginInfo", new Empty());
    const schemaRes = await plugin.call<providerPb.GetSchemaResponse>(
      "getSchema",
      new providerPb.GetSchemaRequest(),
    );
    const schema = JSON.parse(schemaRes.getSchema()) as { name: string; version: string; resources: object };
    assert.equal(schema.name, "scrapingpros");
    assert.equal(schema.version, info.getVersion());
    assert.ok("scrapingpros:index:CollectionRun" in schema.resources);
  });

  it("CheckConfig: bad settings fail with their messages; the inputs get a scope, kept from the state", async () => {
    const bad = await plugin.call<providerPb.CheckResponse>(
      "checkConfig",
      checkRequest(DEFAULT, {}, { apiKey: TEST_KEY, maxRetries: "lots" }),
    );
    assert.deepEqual(
      bad.getFailuresList().map((f) => [f.getProperty(), f.getReason()]),
      [
        [
          "",
          'stack config scrapingpros:maxRetries is "lots": it must be a non-negative whole number, e.g. 4',
        ],
      ],
    );
    const first = await plugin.call<providerPb.CheckResponse>(
      "checkConfig",
      checkRequest(EU, {}, { apiKey: TEST_KEY, baseUrl: emu.url }),
    );
    const inputs = first.getInputs()?.toJavaScript() as Record<string, unknown>;
    assert.match(String(inputs.__scope), /^[0-9a-f-]{36}$/);
    const again = await plugin.call<providerPb.CheckResponse>(
      "checkConfig",
      checkRequest(EU, inputs, { apiKey: "another", baseUrl: emu.url }),
    );
    assert.equal(again.getInputs()?.toJavaScript().__scope, inputs.__scope);
  });

  it("DiffConfig: a new key is a change of apiKey, never a replacement", async () => {
    const req = new providerPb.DiffRequest();
    req.setUrn(EU);
    req.setOlds(struct({ apiKey: "k1", baseUrl: emu.url, __scope: "s" }));
    req.setNews(struct({ apiKey: "k2", baseUrl: emu.url, __scope: "s" }));
    const diff = await plugin.call<providerPb.DiffResponse>("diffConfig", req);
    assert.equal(diff.getChanges(), providerPb.DiffResponse.DiffChanges.DIFF_SOME);
    assert.deepEqual(diff.getDiffsList(), ["apiKey"]);
    assert.deepEqual(diff.getReplacesList(), []);
  });

  it("Configure takes an explicit provider's properties (a secret key): create reaches its account with one POST and returns the secret input in its envelope; delete's warning reaches the engine's log with the URN", async () => {
    const configured = await plugin.call<providerPb.ConfigureResponse>(
      "configure",
      configureRequest(EU, { apiKey: secret(TEST_KEY), baseUrl: emu.url, __scope: "scope-eu" }),
    );
    assert.equal(configured.getAcceptsecrets(), true, "the SDK's own answer stays");
    const checked = await plugin.call<providerPb.CheckResponse>(
      "check",
      checkRequest(TOURS, {}, { name: "tours", requests: secret([{ url: "https://example.com/t" }]) }),
    );
    assert.deepEqual(checked.getFailuresList(), []);
    const start = emu.requests().length;
    const create = new providerPb.CreateRequest();
    create.setUrn(TOURS);
    create.setProperties(checked.getInputs() as Struct);
    const created = await plugin.call<providerPb.CreateResponse>("create", create);
    assert.deepEqual(methodsSince(emu, start), ["POST"]);
    const outs = created.getProperties()?.toJavaScript() as Record<string, unknown>;
    assert.ok(isSecretEnvelope(outs.requests));
    assert.equal(outs.__scope, "scope-eu");

    const del = new providerPb.DeleteRequest();
    del.setId(created.getId());
    del.setUrn(TOURS);
    del.setProperties(struct(outs));
    await plugin.call("delete", del);
    for (let i = 0; i < 50 && plugin.logs.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(
      plugin.logs.map((l) => [l.severity, l.urn]),
      [[2, TOURS]],
    );
    assert.match(
      plugin.logs[0]?.message ?? "",
      /was removed from the stack but still exists in ScrapingPros/,
    );
  });

  it("Create's timeout (customTimeouts) bounds the create, and the error says so", async () => {
    await plugin.call(
      "configure",
      configureRequest(EU, { apiKey: secret(TEST_KEY), baseUrl: emu.url, __scope: "scope-eu" }),
    );
    const checked = await plugin.call<providerPb.CheckResponse>(
      "check",
      checkRequest(TOURS, {}, { name: "slow", requests: [] }),
    );
    emu.addFault({
      method: "POST",
      path: "/v1/async/collections",
      action: "delay",
      delayMs: 2000,
      times: 10,
    });
    const create = new providerPb.CreateRequest();
    create.setUrn(TOURS);
    create.setProperties(checked.getInputs() as Struct);
    create.setTimeout(0.5);
    const started = Date.now();
    const err = await plugin.call("create", create).then(
      () => assert.fail("expected a timeout"),
      (e: grpc.ServiceError) => e,
    );
    assert.ok(Date.now() - started < 1900, "ended within its customTimeouts");
    assert.match(err.details, /from the resource's customTimeouts/);
  });

  it("Diff sends the changed properties (the engine applies replaceOnChanges to them), which the SDK's server drops", async () => {
    await plugin.call(
      "configure",
      configureRequest(EU, { apiKey: secret(TEST_KEY), baseUrl: emu.url, __scope: "scope-eu" }),
    );
    const olds = { name: "tours", requests: [{ url: "https://example.com/a" }], __urn: TOURS };
    const req = new providerPb.DiffRequest();
    req.setId("c1");
    req.setUrn(TOURS);
    req.setOlds(struct(olds));
    req.setNews(struct({ ...olds, requests: secret([{ url: "https://example.com/b" }]) }));
    const diff = await plugin.call<providerPb.DiffResponse>("diff", req);
    assert.equal(diff.getChanges(), providerPb.DiffResponse.DiffChanges.DIFF_SOME);
    assert.deepEqual(diff.getDiffsList(), ["requests"]);
    assert.deepEqual(diff.getReplacesList(), []);
  });

  it("Configure from the older `variables` (no args): the settings still apply", async () => {
    const req = new providerPb.ConfigureRequest();
    req.setUrn(DEFAULT);
    req.getVariablesMap().set("scrapingpros:config:apiKey", TEST_KEY);
    req.getVariablesMap().set("scrapingpros:config:baseUrl", emu.url);
    await plugin.call("configure", req);
    const invoke = new providerPb.InvokeRequest();
    invoke.setTok("scrapingpros:index:listCollections");
    invoke.setArgs(struct({}));
    const start = emu.requests().length;
    const res = await plugin.call<providerPb.InvokeResponse>("invoke", invoke);
    assert.deepEqual(methodsSince(emu, start), ["GET"]);
    assert.ok(Array.isArray(res.getReturn()?.toJavaScript().collections));
  });
});
