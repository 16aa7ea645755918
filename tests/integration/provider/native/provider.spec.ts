/**
 * The native provider (`createNativeProvider()`) driven as `@pulumi/pulumi/provider`'s server drives
 * it, with the wire the engine sends: the real URN, secret envelopes, unknowns during preview, the
 * provider's own properties through CheckConfig and Configure. Against the emulator, counting the
 * calls in its request log. The shim that delivers Configure, CheckConfig, DiffConfig and the
 * timeouts over real gRPC: grpc-shim.spec.ts; the plugin with the real CLI:
 * tests/e2e/native-plugin.spec.ts.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import type { RunningEmulator } from "../../../../emulator";
import { ScrapingProsClient } from "../../../../provider/client/client";
import { CONFIG_KEYS, MISSING_KEY_MESSAGE } from "../../../../provider/core/config";
import type { Severity } from "../../../../provider/core/message-sink";
import { UNKNOWN } from "../../../../provider/core/rules/collection-rules";
import { isSecretEnvelope } from "../../../../provider/core/secrets";
import { createNativeProvider, type NativeProvider } from "../../../../provider/native/provider";
import { withRequestTimeout } from "../../../../provider/native/request-context";
import { methodsSince, startTestEmulator, TEST_KEY } from "../../../helpers/emulator";

const REPO = path.resolve(__dirname, "..", "..", "..", "..");
const PROJECT = "urn:pulumi:dev::proj";
const DEFAULT_PROVIDER = `${PROJECT}::pulumi:providers:scrapingpros::default_0_1_0`;
const providerUrn = (name: string) => `${PROJECT}::pulumi:providers:scrapingpros::${name}`;
const collectionUrn = (name: string) => `${PROJECT}::scrapingpros:index:Collection::${name}`;
const runUrn = (name: string) => `${PROJECT}::scrapingpros:index:CollectionRun::${name}`;

/** A value in Pulumi's secret envelope, as the engine sends it to a provider that accepts secrets. */
const secret = (value: unknown) => ({ [specialSigKey]: specialSecretSig, value });
const plainOf = (v: unknown): unknown => (isSecretEnvelope(v) ? (v as { value: unknown }).value : v);

interface Said {
  severity: Severity;
  message: string;
  urn: string | undefined;
}

describe("native provider: createNativeProvider() with the engine's wire, against the emulator", function () {
  this.timeout(30_000);
  let emu: RunningEmulator;
  let said: Said[];
  let clients: ScrapingProsClient[];

  /**
   * A provider instance as the engine sets one up: CheckConfig of its properties (the state's
   * `olds`, none the first time), then Configure with what CheckConfig returned.
   */
  const instance = async (
    urn: string,
    props: Record<string, unknown>,
    options: { env?: NodeJS.ProcessEnv; olds?: Record<string, unknown> } = {},
  ): Promise<{ provider: NativeProvider; inputs: Record<string, unknown> }> => {
    const provider = createNativeProvider({
      env: options.env ?? {},
      sink: async (severity, message, u) => {
        said.push({ severity, message, urn: u });
      },
      clientFactory: (s) => {
        const c = new ScrapingProsClient({
          ...s.clientOptions,
          apiKey: s.apiKey ?? "",
          initialDelayMs: 5,
          maxDelayMs: 20,
        });
        clients.push(c);
        return c;
      },
      poll: { sleep: async () => {}, initialPollMs: 1 },
    });
    const checked = await provider.checkConfig(urn, options.olds ?? {}, props);
    assert.deepEqual(checked.failures, []);
    await provider.configure({ urn, inputs: checked.inputs });
    return { provider, inputs: checked.inputs };
  };
  /** The default provider, configured from the stack config as the engine passes it (strings). */
  const defaultProvider = (url = emu.url) =>
    instance(DEFAULT_PROVIDER, { apiKey: secret(TEST_KEY), baseUrl: url });

  const mark = () => emu.requests().length;
  const allText = () => JSON.stringify(said);

  before(async () => {
    emu = await startTestEmulator();
  });
  after(async () => {
    await emu.stop();
  });
  beforeEach(() => {
    emu.reset();
    said = [];
    clients = [];
  });
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
  });

  describe("Collection", () => {
    it("preview: check with unknowns and an error at requests[1].url makes no call; the failure names the path", async () => {
      const { provider } = await defaultProvider();
      const start = mark();
      const unknown = await provider.check(collectionUrn("tours"), {}, { name: UNKNOWN, requests: UNKNOWN });
      assert.deepEqual(unknown.failures, []);
      assert.equal(unknown.inputs.name, UNKNOWN);
      const bad = await provider.check(
        collectionUrn("tours"),
        {},
        { requests: [{ url: "https://example.com/ok" }, { url: "ftp://example.com/x" }] },
      );
      assert.deepEqual(
        bad.failures.map((f) => f.property),
        ["requests[1].url"],
      );
      assert.deepEqual(Object.keys(bad.failures[0] ?? {}).sort(), ["property", "reason"]);
      assert.equal(mark() - start, 0, "check made a call");
    });

    it("a collection's life: create 1 POST with the real URN and the provider's scope, update 1 PUT, read 1 GET, delete 0 calls and a warning on the resource", async () => {
      const { provider, inputs: providerInputs } = await defaultProvider();
      const urn = collectionUrn("tours");
      const { inputs } = await provider.check(
        urn,
        {},
        { name: "tours", requests: [{ url: "https://example.com/1" }] },
      );
      assert.equal(inputs.__urn, urn);
      assert.equal(inputs.__scope, providerInputs.__scope);

      let start = mark();
      const created = await provider.create(urn, inputs);
      assert.ok(created);
      assert.deepEqual(methodsSince(emu, start), ["POST"]);
      assert.equal(created.outs.__urn, urn);
      assert.equal(emu.collections()[0]?.id, created.id);

      const news = (
        await provider.check(urn, inputs, { name: "tours", requests: [{ url: "https://example.com/2" }] })
      ).inputs;
      const diff = await provider.diff(created.id, urn, created.outs, news);
      assert.deepEqual([diff.changes, diff.diffs, diff.replaces], [true, ["requests"], []]);
      start = mark();
      const updated = await provider.update(created.id, urn, created.outs, news);
      assert.deepEqual(methodsSince(emu, start), ["PUT"]);
      assert.deepEqual(updated.outs.requests, [{ url: "https://example.com/2" }]);

      start = mark();
      const read = await provider.read(created.id, urn, updated.outs);
      assert.deepEqual(methodsSince(emu, start), ["GET"]);
      assert.equal(read.id, created.id);
      assert.match(
        String(read.props?.createdAt),
        /^\d{4}-\d\d-\d\dT/,
        "times as the schema types them: ISO strings",
      );

      start = mark();
      await provider.delete(created.id, urn, read.props ?? {});
      assert.deepEqual(methodsSince(emu, start), []);
      assert.deepEqual(said.at(-1), {
        severity: "warning",
        message: `collection ${created.id} (tours) was removed from the stack but still exists in ScrapingPros: the API has no delete endpoint`,
        urn,
      });
    });

    it("auto-named: the name digests the URN and the provider's scope (another scope, another name); create 1 GET by name + 1 POST", async () => {
      const a = await defaultProvider();
      const b = await instance(DEFAULT_PROVIDER, { apiKey: TEST_KEY, baseUrl: emu.url });
      const urn = collectionUrn("auto");
      const news = { requests: [{ url: "https://example.com/a" }] };
      const first = (await a.provider.check(urn, {}, news)).inputs;
      const again = (await a.provider.check(urn, {}, news)).inputs;
      const other = (await b.provider.check(urn, {}, news)).inputs;
      assert.match(String(first.name), /^auto-[0-9a-f]{8}$/);
      assert.equal(again.name, first.name);
      assert.notEqual(other.name, first.name, "two stacks' scopes give two names");
      const start = mark();
      await a.provider.create(urn, first);
      assert.deepEqual(methodsSince(emu, start), ["GET", "POST"]);
      assert.equal(emu.collections()[0]?.name, first.name);
    });

    it("an existing resource keeps the scope its state holds, not the provider's", async () => {
      const { provider, inputs: providerInputs } = await defaultProvider();
      const stored = "11111111-2222-4333-8444-555555555555";
      const olds = { __urn: collectionUrn("old"), __scope: stored, name: "old", requests: [] };
      const { inputs } = await provider.check(collectionUrn("old"), olds, { name: "old", requests: [] });
      assert.equal(inputs.__scope, stored);
      assert.notEqual(providerInputs.__scope, stored);
    });

    it("secrets: a secret input (also one secret element of a list) stays in its envelope in check's inputs, create, update and read outputs, and in an init error; no secret value in any message", async () => {
      const hosted = await startTestEmulator({ hosts: { "nx.example": "dns_failed" } });
      try {
        const { provider } = await defaultProvider(hosted.url);
        const urn = collectionUrn("private");
        const token = "TOKEN-0123456789";
        const news = {
          name: "private",
          requests: [{ url: secret(`https://ok.example/a?token=${token}`) }, { url: "https://ok.example/b" }],
        };
        const checked = await provider.check(urn, {}, news);
        assert.deepEqual(checked.failures, []);
        assert.ok(isSecretEnvelope(checked.inputs.requests), "requests wrapped in check's inputs");
        assert.deepEqual(checked.inputs.__secretInputs, ["requests"]);
        assert.ok(!isSecretEnvelope(checked.inputs.name));

        // The engine hands check's inputs back as they are: wrapped.
        const created = await provider.create(urn, checked.inputs);
        assert.ok(created);
        for (const name of ["requests", "blockedUrls"]) {
          assert.ok(isSecretEnvelope(created.outs[name]), `create: ${name} wrapped`);
        }
        const read = await provider.read(created.id, urn, created.outs);
        assert.ok(isSecretEnvelope(read.props?.requests) && isSecretEnvelope(read.props?.blockedUrls));
        assert.ok(isSecretEnvelope(read.inputs?.requests), "read: the inputs too");

        const blocked = {
          name: "private",
          requests: [secret({ url: `https://ok.example/c?token=${token}` }), { url: "https://nx.example/x" }],
        };
        const recheck = await provider.check(urn, checked.inputs, blocked);
        assert.deepEqual(recheck.failures, []);
        const next = recheck.inputs;
        const err = await provider.update(created.id, urn, created.outs, next).then(
          () => assert.fail("expected an initialization error"),
          (e: unknown) => e as { id: string; properties: Record<string, unknown>; reasons: string[] },
        );
        assert.equal(err?.id, created.id);
        assert.ok(isSecretEnvelope(err?.properties.requests), "init error: requests wrapped");
        assert.ok(isSecretEnvelope(err?.properties.blockedUrls), "init error: blockedUrls wrapped");
        assert.ok(!JSON.stringify(err?.reasons).includes(token));
        assert.ok(!allText().includes(token), "a message carries the secret");
      } finally {
        await hosted.stop();
      }
    });

    it("customTimeouts: the engine's timeout bounds the whole create, and the error names it", async () => {
      const { provider } = await defaultProvider();
      const urn = collectionUrn("slow");
      const { inputs } = await provider.check(urn, {}, { name: "slow", requests: [] });
      emu.addFault({
        method: "POST",
        path: "/v1/async/collections",
        action: "delay",
        delayMs: 1500,
        times: 10,
      });
      const started = Date.now();
      const err = await withRequestTimeout(0.4, () => provider.create(urn, inputs)).then(
        () => assert.fail("expected a timeout"),
        (e: unknown) => e as Error,
      );
      assert.ok(Date.now() - started < 1400, "the create ended within its customTimeouts");
      assert.match(err.message, /from the resource's customTimeouts/);
    });

    it("import: read with no state makes 1 GET and no write: the id, name and times, inputs with the name and requests: [], adopted; a missing id fails clearly", async () => {
      const { provider, inputs: providerInputs } = await defaultProvider();
      const client = new ScrapingProsClient({ apiKey: TEST_KEY, baseUrl: emu.url });
      clients.push(client);
      const theirs = await client.collections.create(
        { name: "theirs", requests: [{ url: "https://example.com/x" }] },
        { idempotencyKey: "k-native-import" },
      );
      const urn = collectionUrn("theirs");
      let start = mark();
      const read = await provider.read(theirs.data.id, urn, {});
      assert.deepEqual(methodsSince(emu, start), ["GET"]);
      assert.equal(read.id, theirs.data.id);
      assert.deepEqual(read.inputs, {
        name: "theirs",
        requests: [],
        __urn: urn,
        __scope: providerInputs.__scope,
      });
      assert.equal(read.props?.adopted, true);
      assert.match(String(read.props?.createdAt), /^\d{4}-/);

      // The program then declares it with its requests: one PUT.
      const { inputs } = await provider.check(urn, read.inputs ?? {}, {
        name: "theirs",
        requests: [{ url: "https://example.com/x" }],
      });
      assert.equal((await provider.diff(theirs.data.id, urn, read?.props, inputs))?.changes, true);
      start = mark();
      await provider.update(theirs.data.id, urn, read?.props, inputs);
      assert.deepEqual(methodsSince(emu, start), ["PUT"]);

      await assert.rejects(provider.read("no-such-id", urn, {}), (e: Error) => {
        assert.match(
          e.message,
          /^no collection no-such-id exists in this ScrapingPros account \(GET .* answered 404\)/,
        );
        return true;
      });
    });
  });

  describe("CollectionRun", () => {
    const collection = async (): Promise<string> => {
      const client = new ScrapingProsClient({ apiKey: TEST_KEY, baseUrl: emu.url });
      clients.push(client);
      const c = await client.collections.create(
        { name: "runs", requests: [{ url: "https://example.com/r" }] },
        { idempotencyKey: `k-native-run-${Math.random()}` },
      );
      return c.data.id;
    };

    it("create 1 lookup + 1 POST; createdAt is an ISO string on the wire and read in either form (the dynamic layout's epoch seconds too)", async () => {
      const { provider } = await defaultProvider();
      const collectionId = await collection();
      const urn = runUrn("nightly");
      const preview = await provider.check(urn, {}, { collectionId: UNKNOWN, wait: "none" });
      assert.deepEqual(preview.failures, []);
      const { inputs } = await provider.check(urn, {}, { collectionId, wait: "none" });
      let start = mark();
      const created = await provider.create(urn, inputs);
      assert.ok(created);
      assert.deepEqual(methodsSince(emu, start), ["GET", "POST"]);
      assert.equal(created.outs.__urn, urn);
      assert.match(String(created.outs.createdAt), /^\d{4}-\d\d-\d\dT.*Z$/);

      start = mark();
      const read = await provider.read(created.id, urn, created.outs);
      assert.deepEqual(methodsSince(emu, start), ["GET"]);
      assert.equal(read.props?.createdAt, created.outs.createdAt);
      const dynamicLayout = { ...created.outs, createdAt: Date.parse(String(created.outs.createdAt)) / 1000 };
      const fromDynamic = await provider.read(created.id, urn, dynamicLayout);
      assert.equal(fromDynamic.props?.createdAt, created.outs.createdAt);

      const diff = await provider.diff(created.id, urn, created.outs, inputs);
      assert.equal(diff.changes, false);
    });

    it("a secret callbackUrl stays secret in check, create and read, also as the run's reported callbackUrl", async () => {
      const { provider } = await defaultProvider();
      const collectionId = await collection();
      const urn = runUrn("hooked");
      const hook = "https://hooks.example/run?sig=SECRET-HOOK-1";
      const { inputs } = await provider.check(
        urn,
        {},
        { collectionId, wait: "none", callbackUrl: secret(hook) },
      );
      assert.ok(isSecretEnvelope(inputs.callbackUrl));
      const created = await provider.create(urn, inputs);
      assert.ok(created);
      for (const name of ["declaredCallbackUrl", "callbackUrl"]) {
        assert.ok(isSecretEnvelope(created.outs[name]), `${name} wrapped`);
      }
      const read = await provider.read(created.id, urn, created.outs);
      assert.ok(
        isSecretEnvelope(read.props?.declaredCallbackUrl) && isSecretEnvelope(read.props?.callbackUrl),
      );
      assert.ok(!allText().includes("SECRET-HOOK-1"));
    });

    it("import by <collectionId>/<runId>: 1 GET, the run's state and the default inputs; a run id alone fails saying the form", async () => {
      const { provider } = await defaultProvider();
      const collectionId = await collection();
      const client = new ScrapingProsClient({ apiKey: TEST_KEY, baseUrl: emu.url });
      clients.push(client);
      const run = await client.runs.create(collectionId);
      const urn = runUrn("theirs");
      const start = mark();
      const read = await provider.read(`${collectionId}/${run.data.run_id}`, urn, {});
      assert.deepEqual(methodsSince(emu, start), ["GET"]);
      assert.equal(read.id, run.data.run_id);
      assert.equal(read.props?.collectionId, collectionId);
      assert.equal(read.props?.reattached, false);
      assert.deepEqual(
        { ...read.inputs, __scope: undefined },
        {
          collectionId,
          wait: "completed",
          timeoutSeconds: 1800,
          failOn: "none",
          __urn: urn,
          __scope: undefined,
        },
      );
      await assert.rejects(provider.read(run.data.run_id, urn, {}), (e: Error) =>
        e.message.includes("imported by its collection's id and its own, as <collectionId>/<runId>"),
      );
    });
  });

  describe("functions (invoke)", () => {
    const schema = JSON.parse(fs.readFileSync(path.join(REPO, "schema", "provider.json"), "utf8")) as {
      functions: Record<string, { outputs: { properties: Record<string, unknown>; required?: string[] } }>;
      types: Record<string, { properties: Record<string, unknown>; required?: string[] }>;
    };
    /** The keys of `value` are the schema's, and its required ones are there. */
    const matchesSchema = (
      value: Record<string, unknown>,
      spec: { properties: Record<string, unknown>; required?: string[] },
    ) => {
      for (const k of Object.keys(value)) assert.ok(k in spec.properties, `${k} is not in the schema`);
      for (const k of spec.required ?? [])
        assert.ok(value[k] !== undefined, `${k} is required by the schema`);
    };

    it("getCollection, listCollections and getRun: 1 GET each, outputs in the schema's shapes; a secret argument makes the result secret", async () => {
      const { provider } = await defaultProvider();
      const client = new ScrapingProsClient({ apiKey: TEST_KEY, baseUrl: emu.url });
      clients.push(client);
      const c = await client.collections.create(
        { name: "looked-up", requests: [{ url: "https://example.com/l" }] },
        { idempotencyKey: "k-native-lookup" },
      );
      const run = await client.runs.create(c.data.id);

      let start = mark();
      const got = await provider.invoke("scrapingpros:index:getCollection", { id: c.data.id });
      assert.deepEqual(methodsSince(emu, start), ["GET"]);
      assert.equal(got.outputs.name, "looked-up");
      matchesSchema(got.outputs, schema.functions["scrapingpros:index:getCollection"]!.outputs);

      start = mark();
      const list = await provider.invoke("scrapingpros:index:listCollections", { namePrefix: "looked" });
      assert.deepEqual(methodsSince(emu, start), ["GET"]);
      const listed = list.outputs.collections as Record<string, unknown>[];
      assert.equal(listed.length, 1);
      matchesSchema(list.outputs, schema.functions["scrapingpros:index:listCollections"]!.outputs);
      matchesSchema(listed[0] ?? {}, schema.types["scrapingpros:index:CollectionInfo"]!);

      start = mark();
      const r = await provider.invoke("scrapingpros:index:getRun", {
        collectionId: c.data.id,
        runId: run.data.run_id,
      });
      assert.deepEqual(methodsSince(emu, start), ["GET"]);
      matchesSchema(r.outputs, schema.functions["scrapingpros:index:getRun"]!.outputs);

      const hidden = await provider.invoke("scrapingpros:index:getCollection", { id: secret(c.data.id) });
      assert.ok(isSecretEnvelope(hidden.outputs.id) && isSecretEnvelope(hidden.outputs.name));
      assert.equal(plainOf(hidden.outputs.name), "looked-up");

      await assert.rejects(
        provider.invoke("scrapingpros:index:getCollection", { id: secret("missing-id-123") }),
        (e: Error) =>
          /no collection with this \(secret\) id exists/.test(e.message) &&
          !e.message.includes("missing-id-123"),
      );
    });
  });

  describe("several accounts: explicit providers", () => {
    it("two providers with different keys and URLs each reach their own account (collections and lookups)", async () => {
      const keyB = "sp-test-KEY-other-5d3b";
      const other = await startTestEmulator({ apiKey: keyB });
      try {
        const eu = await instance(providerUrn("eu"), {
          apiKey: secret(TEST_KEY),
          baseUrl: emu.url,
          maxRetries: 1,
        });
        const us = await instance(providerUrn("us"), { apiKey: secret(keyB), baseUrl: other.url });
        assert.notEqual(eu.inputs.__scope, us.inputs.__scope);
        for (const [p, name] of [
          [eu.provider, "eu-tours"],
          [us.provider, "us-tours"],
        ] as const) {
          const urn = collectionUrn(name);
          const { inputs } = await p.check(
            urn,
            {},
            { name, requests: [{ url: `https://example.com/${name}` }] },
          );
          await p.create(urn, inputs);
        }
        assert.deepEqual(
          emu.collections().map((c) => c.name),
          ["eu-tours"],
        );
        assert.deepEqual(
          other.collections().map((c) => c.name),
          ["us-tours"],
        );
        const seen = await us.provider.invoke("scrapingpros:index:listCollections", {});
        assert.deepEqual(
          (seen.outputs.collections as { name: string }[]).map((c) => c.name),
          ["us-tours"],
        );
        assert.ok(other.requests().every((r) => r.status !== 401));
      } finally {
        await other.stop();
      }
    });
  });

  describe("settings: CheckConfig and Configure", () => {
    it("the default provider: stack config strings, named as the dynamic provider names them; an unknown scrapingpros:* key fails as today", async () => {
      const provider = createNativeProvider({ env: {} });
      const bad = await provider.checkConfig(
        DEFAULT_PROVIDER,
        {},
        { apiKey: TEST_KEY, baseUrl: "127.0.0.1:8787", maxRetries: "lots" },
      );
      assert.deepEqual(
        bad.failures.map((f) => f.property),
        ["", ""],
        "no property: the engine would print the value next to it",
      );
      assert.match(
        bad.failures[0]?.reason ?? "",
        /^stack config scrapingpros:baseUrl is "127\.0\.0\.1:8787": it has no scheme/,
      );
      assert.equal(
        bad.failures[1]?.reason,
        'stack config scrapingpros:maxRetries is "lots": it must be a non-negative whole number, e.g. 4',
      );
      const typo = await provider.checkConfig(
        DEFAULT_PROVIDER,
        {},
        { apiKey: TEST_KEY, baseURL: "http://x", version: "0.1.0" },
      );
      assert.deepEqual(
        typo.failures.map((f) => f.reason),
        [
          "unknown setting scrapingpros:baseURL in the stack config: did you mean scrapingpros:baseUrl? Run " +
            "`pulumi config rm scrapingpros:baseURL` and `pulumi config set scrapingpros:baseUrl <value>`. The provider " +
            `reads ${Object.values(CONFIG_KEYS)
              .map(([k]) => k)
              .join(", ")}`,
        ],
      );
    });

    it("an explicit provider: typed properties, named after the provider; a property it does not take fails; the environment is the fallback and named as such", async () => {
      const provider = createNativeProvider({ env: { SCRAPINGPROS_TIMEOUT_MS: "soon" } });
      const bad = await provider.checkConfig(
        providerUrn("eu"),
        {},
        { baseUrl: "htp://api.example", maxRetries: -1, maxRetires: 3 },
      );
      assert.deepEqual(
        bad.failures.map((f) => f.reason),
        [
          'the provider "eu" has no property maxRetires: did you mean maxRetries? It takes apiKey, baseUrl, maxRetries, timeoutMs, deadlineMs, maxThrottleWaitMs',
          'the provider "eu"\'s baseUrl is "htp://api.example": it uses htp, not http or https; expected an absolute http(s) URL such as https://api.scrapingpros.com or http://127.0.0.1:8787',
          'the provider "eu"\'s maxRetries is "-1": it must be a non-negative whole number, e.g. 4',
          'environment variable SCRAPINGPROS_TIMEOUT_MS is "soon": it must be a non-negative number of milliseconds, e.g. 30000',
        ],
      );
    });

    it("a base URL with a user name and password fails CheckConfig (before the engine stores the provider's properties), and the failure shows neither", async () => {
      const provider = createNativeProvider({ env: {} });
      const password = "pw-7Hq2Lx9Vb4";
      for (const urn of [DEFAULT_PROVIDER, providerUrn("eu")]) {
        const { failures } = await provider.checkConfig(
          urn,
          {},
          { baseUrl: `https://user:${password}@api.example` },
        );
        assert.equal(failures.length, 1);
        assert.equal(failures[0]?.property, "");
        assert.match(failures[0]?.reason ?? "", /carries a user name or password/);
        assert.ok(!JSON.stringify(failures).includes(password), "the password is shown");
      }
    });

    it("no key anywhere: check fails with how to set it, naming the provider; the default provider's message is today's", async () => {
      const eu = await instance(providerUrn("eu"), { baseUrl: emu.url });
      await assert.rejects(
        eu.provider.check(collectionUrn("x"), {}, { name: "x", requests: [] }),
        (e: Error) =>
          e.message.startsWith('ScrapingPros API key is not set: give the provider "eu" an apiKey (a secret'),
      );
      const dflt = await instance(DEFAULT_PROVIDER, { baseUrl: emu.url });
      await assert.rejects(
        dflt.provider.check(collectionUrn("x"), {}, { name: "x", requests: [] }),
        (e: Error) => e.message === MISSING_KEY_MESSAGE,
      );
      const fromEnv = await instance(
        providerUrn("eu"),
        { baseUrl: emu.url },
        { env: { SCRAPINGPROS_API_KEY: TEST_KEY } },
      );
      const { failures } = await fromEnv.provider.check(collectionUrn("x"), {}, { name: "x", requests: [] });
      assert.deepEqual(failures, []);
    });

    it("a refused key names the provider's apiKey; a key given in plain text gets a warning on the provider", async () => {
      const { provider } = await instance(providerUrn("eu"), {
        apiKey: "sp-wrong-key-4711",
        baseUrl: emu.url,
      });
      assert.deepEqual(
        said.map((s) => [s.severity, s.urn]),
        [["warning", providerUrn("eu")]],
      );
      assert.match(said[0]?.message ?? "", /^the provider "eu"'s apiKey is not a secret/);
      const urn = collectionUrn("x");
      const { inputs } = await provider.check(urn, {}, { name: "x", requests: [] });
      await assert.rejects(
        provider.create(urn, inputs),
        (e: Error) =>
          /refused the API key from the provider "eu"'s apiKey \(401/.test(e.message) &&
          e.message.includes('give the provider "eu"\'s apiKey a valid key') &&
          !e.message.includes("sp-wrong-key-4711"),
      );
    });

    it("CheckConfig keeps the state's scope, draws one the first time; DiffConfig reports changed settings and never a replacement nor a scope change", async () => {
      let drawn = 0;
      const provider = createNativeProvider({ env: {}, newScope: () => `scope-${++drawn}` });
      const first = await provider.checkConfig(providerUrn("eu"), {}, { apiKey: "k1", baseUrl: emu.url });
      assert.equal(first.inputs.__scope, "scope-1");
      const kept = await provider.checkConfig(providerUrn("eu"), first.inputs, {
        apiKey: "k2",
        baseUrl: emu.url,
      });
      assert.equal(kept.inputs.__scope, "scope-1");
      assert.equal(drawn, 1);
      const diff = await provider.diffConfig(providerUrn("eu"), first.inputs, kept.inputs);
      assert.deepEqual(diff, { changes: true, diffs: ["apiKey"] });
      assert.deepEqual(await provider.diffConfig(providerUrn("eu"), kept.inputs, { ...kept.inputs }), {
        changes: false,
        diffs: [],
      });
      // A provider `pulumi import` registered has no scope in its state: the next deployment stores one.
      const { __scope: _, ...imported } = first.inputs;
      const filled = await provider.checkConfig(providerUrn("eu"), imported, imported);
      assert.deepEqual(await provider.diffConfig(providerUrn("eu"), imported, filled.inputs), {
        changes: true,
        diffs: ["__scope"],
      });
    });
  });
});
