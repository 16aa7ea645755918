/**
 * Inputs the program marked secret (`__secretInputs`, passed by the SDK), against the emulator:
 * every output derived from one comes back in Pulumi's secret envelope, and no message, error,
 * reason or retry line carries a secret value in any encoding. The engine's side (what it stores
 * and shows) is tested end to end in tests/e2e/secret-inputs.spec.ts.
 */
import * as assert from "node:assert/strict";
import type { RunningEmulator } from "../../../../emulator";
import { ScrapingProsClient } from "../../../../provider/client/client";
import { checkCollectionRun } from "../../../../provider/core/collection-run/check";
import { MISSING_KEY_MESSAGE } from "../../../../provider/core/config";
import { ResourceInitError } from "../../../../provider/core/resource-init-error";
import { isSecretEnvelope, SECRET_INPUTS } from "../../../../provider/core/secrets";
import { CollectionProvider } from "../../../../provider/dynamic/collection-provider";
import { CollectionRunProvider } from "../../../../provider/dynamic/collection-run-provider";
import { StackScopeProvider } from "../../../../provider/dynamic/stack-scope-provider";
import { startTestEmulator, TEST_KEY } from "../../../helpers/emulator";
import { leaks } from "../../../helpers/secret-forms";

const TYPE = "pulumi-nodejs:dynamic/scrapingpros:Collection";
const urn = (name: string) => `urn:pulumi:dev::proj::${TYPE}::${name}`;
const RUN_URN = "urn:pulumi:dev::proj::pulumi-nodejs:dynamic/scrapingpros:CollectionRun::run";

const TOKEN = "SECRET-TOKEN-123";
const CB_TOKEN = "CB-SECRET-456";
const COOKIE = "session=COOKIE-SECRET-789";
const NAME = "payroll-scrape-SECRETNAME";
const BLOCKED = `https://nx.example/cb?token=${TOKEN}`;
const CALLBACK = `http://127.0.0.1:9/hook?token=${CB_TOKEN}`;
const ALL = [TOKEN, CB_TOKEN, COOKIE, NAME, BLOCKED, CALLBACK];

/** What the engine sends back to a provider: secrets stripped to their plain values. */
function plain<T>(value: T): T {
  if (Array.isArray(value)) return value.map(plain) as T;
  if (value !== null && typeof value === "object") {
    if (isSecretEnvelope(value)) return plain((value as unknown as { value: T }).value);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)])) as T;
  }
  return value;
}

/** Every string in an error: message, stack, reasons. */
function textOf(e: unknown): string {
  const err = e as { message?: string; stack?: string; reasons?: string[] };
  return [String(e), err.message, err.stack, ...(err.reasons ?? [])].join("\n");
}

describe("secret inputs: the providers keep them secret (against the emulator)", () => {
  let emu: RunningEmulator;
  let said: string[];
  const clients: ScrapingProsClient[] = [];

  const clientFactory = (s: { clientOptions: object; apiKey: string | undefined }) => {
    const c = new ScrapingProsClient({
      ...s.clientOptions,
      apiKey: s.apiKey ?? "",
      initialDelayMs: 5,
      maxDelayMs: 20,
      maxRetryAfterMs: 200,
    });
    clients.push(c);
    return c;
  };

  async function collections(): Promise<CollectionProvider> {
    const p = new CollectionProvider({
      env: {},
      clientFactory,
      warn: (m) => said.push(m),
      info: (m) => said.push(m),
      debug: (m) => said.push(m),
    });
    const config: Record<string, string> = {
      "scrapingpros:apiKey": TEST_KEY,
      "scrapingpros:baseUrl": emu.url,
    };
    await p.configure({ config: { get: (k) => config[k] } });
    return p;
  }

  async function checked(
    p: CollectionProvider,
    news: Record<string, unknown>,
    olds: Record<string, unknown> = {},
  ): Promise<Record<string, unknown>> {
    const r = await p.check(olds, { __provider: "x", ...news });
    assert.deepEqual(r.failures, []);
    return { ...r.inputs, __provider: "x" };
  }

  before(async () => {
    emu = await startTestEmulator({ hosts: { "nx.example": "dns_failed" } });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await emu.stop();
  });
  beforeEach(() => {
    emu.reset();
    said = [];
  });
  afterEach(function () {
    // Whatever a test did, nothing the providers said may hold a secret.
    if (this.currentTest?.state === "passed") assert.deepEqual(leaks(ALL, said.join("\n")), []);
  });

  describe("Collection", () => {
    it("a secret request list with a blocked URL: the error names requests[1].url and the reason, not the URL; blockedUrls and requests are secret", async () => {
      const p = await collections();
      const inputs = await checked(p, {
        __urn: urn("b"),
        name: "b",
        requests: [{ url: "https://example.com/ok" }, { url: BLOCKED }],
        [SECRET_INPUTS]: ["requests"],
      });
      const err = await p.create(inputs).then(
        () => assert.fail("expected a ResourceInitError"),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ResourceInitError);
      assert.deepEqual(leaks(ALL, textOf(err)), []);
      assert.match(
        err.reasons[0] ?? "",
        new RegExp(`^collection ${err.id} \\(b\\) was saved, but the API refused 1 URL`),
      );
      assert.match(
        err.reasons[1] ?? "",
        /^requests\[1\]\.url blocked \(dns_failed\): The URL's hostname could not be resolved\.$/,
      );
      assert.ok(isSecretEnvelope(err.properties.blockedUrls), "blockedUrls is secret");
      assert.ok(isSecretEnvelope(err.properties.requests), "requests is secret");
      assert.equal(err.properties.requestCount, 1, "counts reveal no value and stay plain");
      assert.equal(err.properties.name, "b");
      assert.deepEqual(err.properties[SECRET_INPUTS], ["requests"]);
      // the host adds the serialized provider to a create's outputs, not to an error's: without it,
      // the engine could not load the provider to delete or refresh the resource it records
      assert.equal(err.properties.__provider, "x");
      // The same declaration without secrets still shows the URL (nothing to hide).
      const open = await p
        .create(
          await checked(p, { __urn: urn("o"), name: "o", requests: [{ url: "https://nx.example/open" }] }),
        )
        .catch((e: ResourceInitError) => e);
      assert.match(
        (open as ResourceInitError).reasons[1] ?? "",
        /^requests\[0\]\.url: https:\/\/nx\.example\/open blocked/,
      );
      assert.ok(!isSecretEnvelope((open as ResourceInitError).properties.blockedUrls));
    });

    it("the issue's input (http://localhost./cb?token=…) is refused at check or blocked at create, naming requests[1].url, never the token", async () => {
      const p = await collections();
      const news = {
        __provider: "x",
        __urn: urn("l"),
        name: "l",
        requests: [{ url: "https://example.com/ok" }, { url: `http://localhost./cb?token=${TOKEN}` }],
        [SECRET_INPUTS]: ["requests"],
      };
      const check = await p.check({}, news);
      if (check.failures.length > 0) {
        // the URL rules of check know trailing-dot names
        assert.deepEqual(leaks(ALL, JSON.stringify(check.failures)), []);
        assert.ok(check.failures.some((f) => f.property === "requests[1].url"));
        return;
      }
      const err = (await p
        .create({ ...check.inputs, __provider: "x" })
        .catch((e: unknown) => e)) as ResourceInitError;
      assert.deepEqual(leaks(ALL, textOf(err)), []);
      assert.match(err.reasons[1] ?? "", /^requests\[1\]\.url blocked \(blocked_hostname\)/);
    });

    it("check's reasons about a secret value do not print it (a URL without a scheme, a too long name)", async () => {
      const p = await collections();
      const r = await p.check(
        {},
        {
          __urn: urn("s"),
          name: `${NAME}${"x".repeat(300)}`,
          requests: [{ url: `example.com/cb?token=${TOKEN}` }],
          [SECRET_INPUTS]: ["requests", "name"],
        },
      );
      assert.deepEqual(r.failures.map((f) => f.property).sort(), ["name", "requests[0].url"]);
      assert.deepEqual(leaks(ALL, JSON.stringify(r.failures)), []);
    });

    it("a secret adoptId is refused at check: it would become the resource's id, which is never secret", async () => {
      const p = await collections();
      const r = await p.check(
        {},
        { __urn: urn("a"), requests: [], adoptId: "c-123-SECRETID", [SECRET_INPUTS]: ["adoptId"] },
      );
      assert.deepEqual(
        r.failures.map((f) => f.property),
        ["adoptId"],
      );
      assert.match(
        r.failures[0]?.reason ?? "",
        /is a secret, but it becomes this resource's id, which Pulumi stores and shows in plain text/,
      );
      assert.ok(!JSON.stringify(r.failures).includes("c-123-SECRETID"));
      // A plain adoptId of a missing collection is named; a secret one never reaches create, but its
      // error would not name it either.
      const missing = await p
        .create({
          __urn: urn("a"),
          name: "a",
          requests: [],
          adoptId: "c-404-SECRETID",
          [SECRET_INPUTS]: ["adoptId"],
        })
        .catch((e: Error) => e);
      assert.match(String((missing as Error).message), /^adoptId: no collection with this id exists/);
      assert.ok(!textOf(missing).includes("c-404-SECRETID"));
    });

    it("a secret name: outputs secret, and no warning, info or error names it (adoption, replay, delete, replacement)", async () => {
      const p = await collections();
      const direct = clientFactory({ clientOptions: { baseUrl: emu.url }, apiKey: TEST_KEY });
      await direct.collections.create({ name: NAME, requests: [] });
      const news = {
        __urn: urn("n"),
        name: NAME,
        adoptExisting: true,
        requests: [{ url: "https://example.com/1" }],
        [SECRET_INPUTS]: ["name"],
      };
      const { id, outs } = await p.create(await checked(p, news));
      assert.ok(isSecretEnvelope(outs.name));
      assert.ok(
        said.some((m) => m.includes(`collection ${id}: adopted an existing collection by name`)),
        said.join("\n"),
      );
      // a second create of another resource with the same name and body is replayed by the API
      const replayNews = {
        __urn: urn("r"),
        name: NAME,
        requests: [{ url: "https://example.com/2" }],
        [SECRET_INPUTS]: ["name"],
      };
      const first = await p.create(await checked(p, replayNews));
      await p.create(await checked(p, replayNews));
      assert.ok(
        said.some((m) => m.includes(`collection ${first.id}: the API replayed an earlier create`)),
        said.join("\n"),
      );
      await p.diff(id, plain(outs), { ...plain(outs), callbackUrl: "https://hooks.example/new" });
      assert.ok(
        said.some((m) => m.includes(`current one (${id}) stays in your ScrapingPros account`)),
        said.join("\n"),
      );
      await p.delete(id, plain(outs));
      assert.ok(
        said.some((m) => m.startsWith(`collection ${id} was removed from the stack`)),
        said.join("\n"),
      );
      // two collections with that name: the error lists the ids, not the name (a later deployment,
      // a new provider process: the lookups of one deployment share what its first list showed)
      await direct.collections.create({ name: NAME, requests: [] });
      const later = await collections();
      const err = await later
        .create(
          await checked(later, {
            __urn: urn("m"),
            name: NAME,
            adoptExisting: true,
            requests: [],
            [SECRET_INPUTS]: ["name"],
          }),
        )
        .catch((e: unknown) => e);
      assert.match(textOf(err), /name: 3 collections have the declared name \(a secret, not shown\) \(/);
      assert.deepEqual(leaks(ALL, textOf(err)), []);
    });

    it("a secret callbackUrl: the adoption warning says it is secret instead of printing it; the output is secret", async () => {
      const p = await collections();
      const direct = clientFactory({ clientOptions: { baseUrl: emu.url }, apiKey: TEST_KEY });
      await direct.collections.create({ name: "hooked", requests: [] });
      const { outs } = await p.create(
        await checked(p, {
          __urn: urn("h"),
          name: "hooked",
          adoptExisting: true,
          callbackUrl: CALLBACK,
          requests: [],
          [SECRET_INPUTS]: ["callbackUrl"],
        }),
      );
      assert.ok(isSecretEnvelope(outs.callbackUrl));
      assert.ok(
        said.some((m) => m.includes("make sure it is the declared callbackUrl (a secret, not shown)")),
        said.join("\n"),
      );
    });

    it("a secret request field other than url (a cookie) echoed by the API in an error, in any encoding, is redacted", async () => {
      const p = await collections();
      const inputs = await checked(p, {
        __urn: urn("c"),
        name: "c",
        requests: [{ url: "https://example.com/1", headers: { Cookie: COOKIE } }],
        [SECRET_INPUTS]: ["requests"],
      });
      const echoes = [
        COOKIE,
        encodeURIComponent(COOKIE),
        Buffer.from(COOKIE).toString("base64"),
        JSON.stringify({ Cookie: COOKIE }),
      ];
      for (const echo of echoes) {
        emu.addFault({
          method: "POST",
          path: "/v1/async/collections",
          action: "status",
          status: 400,
          body: { detail: `bad header ${echo}` },
        });
        const err = await p.create(inputs).catch((e: unknown) => e);
        assert.match(textOf(err), /bad header/);
        assert.deepEqual(leaks(ALL, textOf(err)), [], echo);
      }
    });

    it("an update blocked by the API keeps blockedUrls secret; a refresh returns secret outputs and inputs", async () => {
      const p = await collections();
      const news = {
        __urn: urn("u"),
        name: "u",
        requests: [{ url: "https://example.com/1" }],
        [SECRET_INPUTS]: ["requests"],
      };
      const { id, outs } = await p.create(await checked(p, news));
      const edited = await checked(p, { ...news, requests: [{ url: BLOCKED }] }, plain(outs));
      const err = (await p.update(id, plain(outs), edited).catch((e: unknown) => e)) as ResourceInitError;
      assert.ok(err instanceof ResourceInitError);
      assert.ok(isSecretEnvelope(err.properties.blockedUrls));
      assert.deepEqual(leaks(ALL, textOf(err)), []);
      const read = await p.read(id, plain(err.properties));
      assert.ok(isSecretEnvelope(read.props?.blockedUrls));
      assert.ok(isSecretEnvelope(read.props?.requests));
      assert.ok(isSecretEnvelope(read.inputs?.requests));
      assert.deepEqual(read.inputs?.[SECRET_INPUTS], ["requests"]);
    });

    it("without secrets nothing is wrapped and no __secretInputs is stored", async () => {
      const p = await collections();
      const { outs } = await p.create(
        await checked(p, { __urn: urn("p"), name: "p", requests: [{ url: "https://example.com/1" }] }),
      );
      assert.equal(JSON.stringify(outs).includes("4dabf18193072939515e22adb298388d"), false);
      assert.ok(!(SECRET_INPUTS in outs));
    });
  });

  describe("CollectionRun", () => {
    function runs(): CollectionRunProvider {
      return new CollectionRunProvider({
        env: { SCRAPINGPROS_API_KEY: TEST_KEY, SCRAPINGPROS_BASE_URL: emu.url },
        clientFactory: () => clientFactory({ clientOptions: { baseUrl: emu.url }, apiKey: TEST_KEY }),
        warn: (m) => said.push(m),
        initialPollMs: 5,
        maxPollMs: 20,
      });
    }
    function runInputs(extra: Record<string, unknown>): Record<string, unknown> {
      const { inputs, failures } = checkCollectionRun({ __urn: RUN_URN, __scope: "s", ...extra });
      assert.deepEqual(failures, []);
      return inputs;
    }
    async function collection(callbackUrl?: string): Promise<string> {
      const c = clientFactory({ clientOptions: { baseUrl: emu.url }, apiKey: TEST_KEY });
      const body = {
        name: "c",
        requests: [{ url: "https://example.com/1" }],
        ...(callbackUrl ? { callback_url: callbackUrl } : {}),
      };
      return (await c.collections.create(body)).data.id;
    }

    it("a secret callbackUrl: declaredCallbackUrl and the reported callbackUrl are secret, also after a refresh", async () => {
      const cid = await collection();
      const p = runs();
      const { id, outs } = await p.create(
        runInputs({
          collectionId: cid,
          callbackUrl: CALLBACK,
          wait: "none",
          [SECRET_INPUTS]: ["callbackUrl"],
        }),
      );
      const o = outs as unknown as Record<string, unknown>;
      assert.ok(isSecretEnvelope(o.declaredCallbackUrl));
      assert.ok(isSecretEnvelope(o.callbackUrl));
      assert.equal(isSecretEnvelope(o.collectionId), false);
      const read = await p.read(id, plain(o));
      assert.ok(isSecretEnvelope(read.props?.declaredCallbackUrl));
      assert.ok(isSecretEnvelope(read.inputs?.callbackUrl));
    });

    it("no callbackUrl of its own, on a collection whose callbackUrl is secret: the reported one is secret", async () => {
      const cid = await collection(CALLBACK);
      const { outs } = await runs().create(
        runInputs({ collectionId: cid, wait: "none", [SECRET_INPUTS]: ["collection.callbackUrl"] }),
      );
      assert.ok(isSecretEnvelope((outs as unknown as Record<string, unknown>).callbackUrl));
      // without the SDK's word, a collection's webhook is as plain as it was declared
      const plainRun = await runs().create(runInputs({ collectionId: cid, wait: "none", triggers: 2 }));
      assert.equal(plainRun.outs.callbackUrl, CALLBACK);
    });

    it("a secret collectionId: re-attach warnings, timeout errors and retry lines do not name it", async () => {
      // runs that stay in progress, so a second create re-attaches and a wait times out
      const slow = await startTestEmulator({ jobDurationMs: 60_000 });
      try {
        // the provider's own client, which reports its retries (a test client factory would not)
        const p = new CollectionRunProvider({
          env: { SCRAPINGPROS_API_KEY: TEST_KEY, SCRAPINGPROS_BASE_URL: slow.url },
          warn: (m) => said.push(m),
          initialPollMs: 5,
          maxPollMs: 20,
        });
        const c = clientFactory({ clientOptions: { baseUrl: slow.url }, apiKey: TEST_KEY });
        const cid = (await c.collections.create({ name: "s", requests: [{ url: "https://example.com/1" }] }))
          .data.id;
        const secretCid = { collectionId: cid, [SECRET_INPUTS]: ["collectionId"] };
        slow.addFault({
          method: "GET",
          path: "/v1/async/collections/*/runs",
          action: "status",
          status: 503,
          times: 1,
        });
        await p.create(runInputs({ ...secretCid, wait: "none" }));
        await p.create(runInputs({ ...secretCid, wait: "none" }));
        assert.ok(
          said.some((m) => /^run \S+ of its collection: re-attached/.test(m)),
          said.join("\n"),
        );
        assert.ok(
          said.some((m) => /attempt 1 failed \(503\)/.test(m)),
          said.join("\n"),
        );
        const err = (await p
          .create(runInputs({ ...secretCid, triggers: 2, timeoutSeconds: 0.05, __provider: "y" }))
          .catch((e: unknown) => e)) as ResourceInitError;
        assert.ok(err instanceof ResourceInitError);
        assert.match(err.message, /of its collection did not end within timeoutSeconds/);
        assert.ok(!textOf(err).includes(cid), textOf(err));
        assert.ok(isSecretEnvelope(err.properties.collectionId));
        assert.equal(
          err.properties.__provider,
          "y",
          "the serialized provider, for the next delete or refresh",
        );
        assert.ok(!said.join("\n").includes(cid), said.join("\n"));
      } finally {
        await slow.stop();
      }
    });

    it("check does not echo a bad callbackUrl, nor a bad secret wait", () => {
      const { failures } = checkCollectionRun({
        __urn: RUN_URN,
        collectionId: "c",
        callbackUrl: `hooks.example/x?token=${CB_TOKEN}`,
        wait: "SECRETWAIT",
        [SECRET_INPUTS]: ["callbackUrl", "wait"],
      });
      assert.deepEqual(failures.map((f) => f.property).sort(), ["callbackUrl", "wait"]);
      assert.ok(!JSON.stringify(failures).includes(CB_TOKEN));
      assert.ok(!JSON.stringify(failures).includes("SECRETWAIT"));
      // a plain bad enum is still echoed, to show the typo
      assert.match(
        checkCollectionRun({ collectionId: "c", wait: "sometimes" }).failures[0]?.reason ?? "",
        /got "sometimes"/,
      );
    });
  });

  describe("no API key: check fails before anything is created", () => {
    it("on the stack scope, a collection and a run, with how to set the key; delete still works", async () => {
      const scope = new StackScopeProvider({ env: {} });
      await scope.configure({ config: { get: () => undefined } });
      await assert.rejects(scope.check({}, {}), (e: Error) => e.message === MISSING_KEY_MESSAGE);
      const c = new CollectionProvider({ env: {}, warn: (m) => said.push(m) });
      await c.configure({ config: { get: () => undefined } });
      await assert.rejects(
        c.check({}, { __urn: urn("k"), requests: [] }),
        (e: Error) => e.message === MISSING_KEY_MESSAGE,
      );
      const r = new CollectionRunProvider({ env: {} });
      await r.configure({ config: { get: () => undefined } });
      await assert.rejects(
        r.check({}, { collectionId: "c", __urn: RUN_URN }),
        (e: Error) => e.message === MISSING_KEY_MESSAGE,
      );
      await c.delete("c-1", { __urn: urn("k"), name: "k", requests: [] });
      assert.ok(said.some((m) => m.includes("c-1")));
      assert.equal(emu.requests().length, 0);
      // with the key in the environment, the scope checks fine
      const ok = new StackScopeProvider({ env: { SCRAPINGPROS_API_KEY: TEST_KEY } });
      await ok.configure({ config: { get: () => undefined } });
      assert.deepEqual((await ok.check({}, { a: 1 })).failures, []);
    });
  });
});
