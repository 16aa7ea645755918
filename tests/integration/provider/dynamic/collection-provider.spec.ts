import * as assert from "node:assert/strict";
import type { RunningEmulator } from "../../../../emulator";
import { ScrapingProsClient } from "../../../../provider/client/client";
import { MISSING_KEY_MESSAGE } from "../../../../provider/core/config";
import { deriveIdempotencyKey } from "../../../../provider/core/identity";
import { ResourceInitError } from "../../../../provider/core/resource-init-error";
import { CollectionProvider } from "../../../../provider/dynamic/collection-provider";
import { calls, methodsSince, startTestEmulator, TEST_KEY } from "../../../helpers/emulator";

const TYPE = "pulumi-nodejs:dynamic/scrapingpros:Collection";
const urn = (name: string) => `urn:pulumi:dev::proj::${TYPE}::${name}`;

describe("Collection provider against the emulator", () => {
  let emu: RunningEmulator;
  let warnings: string[];
  let clients: ScrapingProsClient[];

  const provider = async (env: NodeJS.ProcessEnv = {}) => {
    const p = new CollectionProvider({
      warn: (m) => warnings.push(m),
      env,
      clientFactory: (s) => {
        const c = new ScrapingProsClient({
          ...s.clientOptions,
          apiKey: s.apiKey ?? "",
          initialDelayMs: 5,
          maxDelayMs: 20,
          maxRetryAfterMs: 1500,
        });
        clients.push(c);
        return c;
      },
    });
    const config: Record<string, string> = {
      "scrapingpros:apiKey": TEST_KEY,
      "scrapingpros:baseUrl": emu.url,
    };
    await p.configure({ config: { get: (k) => config[k] } });
    return p;
  };

  /** A client of our own, to set up what exists in the account before the provider runs. */
  const directClient = (): ScrapingProsClient => {
    const c = new ScrapingProsClient({ apiKey: TEST_KEY, baseUrl: emu.url });
    clients.push(c);
    return c;
  };

  /** check, as the engine calls it, then the inputs create/update receive. */
  const checked = async (
    p: CollectionProvider,
    news: Record<string, unknown>,
  ): Promise<Record<string, unknown>> => {
    const r = await p.check({}, { __provider: "x", ...news });
    assert.deepEqual(r.failures, []);
    return { ...r.inputs, __provider: "x" };
  };

  before(async () => {
    emu = await startTestEmulator();
  });
  after(async () => {
    await emu.stop();
  });
  beforeEach(() => {
    emu.reset();
    warnings = [];
    clients = [];
  });
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
  });

  it("check and diff make no API calls", async () => {
    const p = await provider();
    const inputs = await checked(p, { __urn: urn("a"), requests: [{ url: "https://example.com" }] });
    await p.diff("id", inputs, { ...inputs, name: "other" });
    const bad = await p.check({}, { __urn: urn("a"), requests: [{ url: "ftp://x" }] });
    assert.equal(bad.failures[0]?.property, "requests[0].url");
    assert.equal(emu.requests().length, 0);
  });

  it("explicitly named create = 1 POST with the URN-derived key; outputs report what the API kept", async () => {
    const p = await provider();
    const inputs = await checked(p, {
      __urn: urn("tours"),
      name: "tours",
      requests: [
        { url: "https://example.com/1", custom_id: "en" },
        { url: "https://example.com/1", custom_id: "es" },
      ],
    });
    const { id, outs } = await p.create(inputs);
    assert.deepEqual(
      calls(emu).map((c) => c.method),
      ["POST"],
    );
    const body = { name: "tours", requests: inputs.requests };
    assert.equal(calls(emu)[0]?.idempotencyKey, deriveIdempotencyKey(urn("tours"), body));
    assert.equal(outs.requestCount, 2);
    assert.equal(outs.duplicatesSkipped, 0);
    assert.equal(emu.collections()[0]?.id, id);
    assert.equal(emu.collections()[0]?.requests.length, 2);
  });

  it("a second create of the same desired state is replayed (a rerun after a lost response)", async () => {
    const p = await provider();
    const inputs = await checked(p, {
      __urn: urn("tours"),
      name: "tours",
      requests: [{ url: "https://example.com" }],
    });
    const first = await p.create(inputs);
    const mark = emu.requests().length;
    const second = await p.create(inputs);
    assert.equal(second.id, first.id);
    assert.equal(emu.collections().length, 1);
    assert.deepEqual(
      calls(emu, "POST").map((c) => c.replayed),
      [false, true],
    );
    // A replay may answer with a collection updated since: one PUT re-applies the declaration.
    assert.deepEqual(methodsSince(emu, mark), ["POST", "PUT"]);
    assert.ok(warnings.some((w) => w.includes("replayed")));
  });

  it("a replayed create of a collection updated since re-applies the declared state (dropped from the state, declared again)", async () => {
    const p = await provider();
    const a = await checked(p, {
      __urn: urn("re"),
      __scope: "s1",
      name: "re",
      requests: [{ url: "https://a.example" }],
    });
    const { id, outs } = await p.create(a);
    // Edited to B (one PUT), then back to A, destroyed and declared again.
    const b = await checked(p, { ...a, requests: [{ url: "https://b.example" }] });
    await p.update(id, outs as unknown as Record<string, unknown>, b);
    assert.deepEqual(emu.collections()[0]?.requests, [{ url: "https://b.example" }]);
    await p.delete(id, outs as unknown as Record<string, unknown>);
    const mark = emu.requests().length;
    const again = await p.create(a);
    assert.equal(again.id, id);
    assert.deepEqual(methodsSince(emu, mark), ["POST", "PUT"]);
    assert.equal(calls(emu, "POST").at(-1)?.replayed, true);
    assert.deepEqual(emu.collections()[0]?.requests, [{ url: "https://a.example" }]);
    assert.deepEqual(again.outs.requests, [{ url: "https://a.example" }]);
    assert.equal(emu.collections().length, 1);
  });

  it("a replayed collection that no longer exists leads to a new one, by the next key in the chain", async () => {
    const p = await provider();
    const a = await checked(p, {
      __urn: urn("gone"),
      __scope: "s1",
      name: "gone",
      requests: [{ url: "https://a.example" }],
    });
    const first = await p.create(a);
    assert.ok(emu.removeCollection(first.id));
    const mark = emu.requests().length;
    const second = await p.create(a);
    assert.notEqual(second.id, first.id);
    assert.deepEqual(methodsSince(emu, mark), ["POST", "PUT", "POST"]);
    assert.deepEqual(
      emu.collections().map((c) => [c.id, c.requests]),
      [[second.id, [{ url: "https://a.example" }]]],
    );
    // A rerun walks the same chain: the second key replays the second collection.
    const third = await p.create(a);
    assert.equal(third.id, second.id);
    assert.equal(emu.collections().length, 1);
  });

  it("a replacement with an unchanged body gets a new collection, auto-named ones a new name", async () => {
    // The engine checks a replacement twice: with the old inputs, then without (replaceWith,
    // replacementTrigger, replaceOnChanges, a callbackUrl change all go this way).
    const p = await provider();
    for (const named of [{ name: "same-body" }, {}]) {
      const spec = { __urn: urn(`rep-${Object.keys(named).length}`), __scope: "s1", ...named, requests: [] };
      const first = await checked(p, spec);
      const old = await p.create(first);
      const olds = { ...first };
      const again = await p.check(olds, { __provider: "x", ...spec });
      assert.equal(again.inputs.__generation, undefined);
      const rechecked = await p.check({}, { __provider: "x", ...spec });
      assert.equal(rechecked.inputs.__generation, 1);
      if (!("name" in named)) assert.notEqual(rechecked.inputs.name, first.name);
      const mark = emu.requests().length;
      const replacement = await p.create({ ...rechecked.inputs, __provider: "x" });
      assert.notEqual(replacement.id, old.id);
      assert.ok(!calls(emu, "POST").slice(-1)[0]?.replayed);
      assert.ok(!methodsSince(emu, mark).includes("PUT"), "the old collection was adopted or replayed");
      // A rerun of the same replacement (killed deployment) re-attaches to it.
      const p2 = await provider();
      await p2.check(olds, { __provider: "x", ...spec });
      const rerun = await p2.check({}, { __provider: "x", ...spec });
      assert.equal(rerun.inputs.name, rechecked.inputs.name);
      assert.equal((await p2.create({ ...rerun.inputs, __provider: "x" })).id, replacement.id);
    }
  });

  it("a targeted replacement (--replace) is checked like a new resource, so it re-attaches", async () => {
    // The engine checks a `--replace` target without olds, exactly as it checks the rerun of an
    // interrupted first create, which must find its collection again: the two cannot be told
    // apart, and the README says so.
    const p = await provider();
    const spec = { __urn: urn("targeted"), __scope: "s1", requests: [{ url: "https://a.example" }] };
    const old = await p.create(await checked(p, spec));
    const mark = emu.requests().length;
    // The next deployment: a new provider process.
    const next = await provider();
    const again = await next.create(await checked(next, spec));
    assert.equal(again.id, old.id);
    assert.deepEqual(methodsSince(emu, mark), ["GET", "PUT"]);
    assert.equal(emu.collections().length, 1);
  });

  it("the stack scope keeps two stacks with the same URNs apart", async () => {
    const p = await provider();
    const spec = { __urn: urn("shared"), name: "shared", requests: [{ url: "https://a.example" }] };
    const one = await p.create(await checked(p, { ...spec, __scope: "backend-1" }));
    const two = await p.create(await checked(p, { ...spec, __scope: "backend-2" }));
    assert.notEqual(one.id, two.id);
    assert.deepEqual(
      calls(emu, "POST").map((c) => c.replayed),
      [false, false],
    );
    const auto = { __urn: urn("auto-shared"), requests: [] };
    const x = await checked(p, { ...auto, __scope: "backend-1" });
    const y = await checked(p, { ...auto, __scope: "backend-2" });
    assert.notEqual(x.name, y.name);
  });

  it("auto-named create = 1 GET (lookup) + 1 POST; a rerun with edits adopts by name: 1 GET + 1 PUT", async () => {
    const p = await provider();
    const inputs = await checked(p, { __urn: urn("auto"), requests: [{ url: "https://example.com/a" }] });
    assert.match(String(inputs.name), /^auto-[0-9a-f]{8}$/);
    const first = await p.create(inputs);
    assert.deepEqual(
      calls(emu).map((c) => `${c.method} ${c.query.name ?? ""}`),
      [`GET ${inputs.name}`, "POST "],
    );
    // A rerun after a kill (a new provider process) may carry edited requests (so a new idempotency
    // key): the lookup finds the collection by its stable name and adoption applies the edit. No
    // 422, no duplicate.
    const rerun = await provider();
    const edited = await checked(rerun, { __urn: urn("auto"), requests: [{ url: "https://example.com/b" }] });
    assert.equal(edited.name, inputs.name);
    const before = emu.requests().length;
    const adopted = await rerun.create(edited);
    assert.deepEqual(methodsSince(emu, before), ["GET", "PUT"]);
    assert.equal(adopted.id, first.id);
    assert.equal(adopted.outs.adopted, true);
    assert.equal(emu.collections().length, 1);
    assert.deepEqual(emu.collections()[0]?.requests, [{ url: "https://example.com/b" }]);
  });

  it("more than one collection with the auto name is an error listing the ids", async () => {
    const p = await provider();
    const inputs = await checked(p, { __urn: urn("dup"), requests: [] });
    const client = directClient();
    const a = await client.collections.create({ name: String(inputs.name), requests: [] });
    const b = await client.collections.create({ name: String(inputs.name), requests: [] });
    await assert.rejects(p.create(inputs), (e: Error) => {
      assert.match(e.message, new RegExp(`${a.data.id}.*${b.data.id}`));
      return true;
    });
    assert.equal(calls(emu, "POST").length, 2);
  });

  it("explicit name + adoptExisting adopts the one match; without it a new collection is made", async () => {
    const p = await provider();
    const client = directClient();
    const existing = await client.collections.create({ name: "legacy", requests: [] });
    const adopt = await p.create(
      await checked(p, {
        __urn: urn("l"),
        name: "legacy",
        adoptExisting: true,
        requests: [{ url: "https://x.example" }],
      }),
    );
    assert.equal(adopt.id, existing.data.id);
    const fresh = await p.create(await checked(p, { __urn: urn("l2"), name: "legacy", requests: [] }));
    assert.notEqual(fresh.id, existing.data.id);
  });

  it("adoptId = 1 GET + 1 PUT; an unknown id fails clearly", async () => {
    const p = await provider();
    const client = directClient();
    const existing = await client.collections.create({ name: "by-id", requests: [] });
    const before = emu.requests().length;
    const r = await p.create(
      await checked(p, {
        __urn: urn("i"),
        name: "by-id",
        adoptId: existing.data.id,
        requests: [{ url: "https://x.example" }],
      }),
    );
    assert.equal(r.id, existing.data.id);
    // ISO 8601 in the state: the CLI would print epoch seconds as 1.795934233442e+09.
    assert.match(String(r.outs.createdAt), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.deepEqual(methodsSince(emu, before), ["GET", "PUT"]);
    await assert.rejects(
      p.create(
        await checked(p, { __urn: urn("j"), adoptId: "00000000-0000-4000-8000-000000000000", requests: [] }),
      ),
      /adoptId: no collection 00000000-0000-4000-8000-000000000000/,
    );
  });

  it("update = 1 PUT with the full name and requests", async () => {
    const p = await provider();
    const inputs = await checked(p, { __urn: urn("u"), name: "u", requests: [{ url: "https://a.example" }] });
    const { id, outs } = await p.create(inputs);
    const before = emu.requests().length;
    const news = await checked(p, {
      __urn: urn("u"),
      name: "u2",
      requests: [{ url: "https://b.example" }, { url: "https://c.example" }],
    });
    const updated = await p.update(id, { ...outs }, news);
    assert.deepEqual(methodsSince(emu, before), ["PUT"]);
    assert.equal(updated.outs.name, "u2");
    assert.equal(updated.outs.requestCount, 2);
    assert.equal(emu.collections()[0]?.requests.length, 2);
  });

  it("read = 1 GET; keeps what GET cannot see; returns inputs; 404 means gone", async () => {
    const p = await provider();
    const inputs = await checked(p, {
      __urn: urn("r"),
      name: "r",
      callbackUrl: "https://hooks.example/x",
      requests: [{ url: "https://a.example" }],
    });
    const { id, outs } = await p.create(inputs);
    const before = emu.requests().length;
    const read = await p.read(id, { ...outs });
    assert.deepEqual(methodsSince(emu, before), ["GET"]);
    assert.equal(read.id, id);
    assert.deepEqual(read.props?.requests, outs.requests);
    assert.equal(read.props?.callbackUrl, "https://hooks.example/x");
    assert.match(String(read.props?.createdAt), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    // Bookkeeping is stored under hidden (`__`) names, which the CLI does not show in diffs.
    assert.equal(read.props?.schemaVersion, undefined);
    assert.equal(read.props?.__schemaVersion, 1);
    assert.deepEqual(read.inputs?.requests, inputs.requests);
    assert.equal(read.inputs?.name, "r");
    const gone = await p.read("00000000-0000-4000-8000-000000000000", { ...outs });
    assert.equal(gone.id, "");
  });

  it("blocked URLs: the collection is saved and create fails with its id and each URL's index and reason", async () => {
    const p = await provider();
    emu.reset();
    const hosted = await startTestEmulator({ hosts: { "nx.example": "dns_failed" } });
    try {
      const config: Record<string, string> = {
        "scrapingpros:apiKey": TEST_KEY,
        "scrapingpros:baseUrl": hosted.url,
      };
      await p.configure({ config: { get: (k) => config[k] } });
      const inputs = await checked(p, {
        __urn: urn("b"),
        name: "b",
        requests: [{ url: "https://ok.example" }, { url: "https://nx.example/x" }],
      });
      const err = await p.create(inputs).then(
        () => assert.fail("expected a ResourceInitError"),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ResourceInitError);
      assert.equal(err.id, hosted.collections()[0]?.id);
      assert.equal(err.reasons.length, 2);
      assert.match(
        String(err.reasons[0]),
        new RegExp(`collection ${err.id} \\(b\\) was saved, but the API refused 1 URL`),
      );
      assert.match(
        String(err.reasons[1]),
        /^requests\[1\]\.url: https:\/\/nx\.example\/x blocked \(dns_failed\)/,
      );
      assert.match(err.message, /refused 1 URL/);
      assert.equal((err.properties as { requestCount: number }).requestCount, 1);
    } finally {
      await hosted.stop();
    }
  });

  it("a port the API may refuse: check passes with a warning naming the path; the API's refusal comes at create", async () => {
    const p = await provider();
    const inputs = await checked(p, {
      __urn: urn("ports"),
      name: "ports",
      requests: [{ url: "https://example.com/ok" }, { url: "http://example.com:6379/?token=SECRET-PORT-1" }],
    });
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0] ?? "", /^requests\[1\]\.url: has a port other than 80, 443, 8080, 8443/);
    assert.ok(!warnings[0]?.includes("SECRET") && !warnings[0]?.includes("6379"));
    assert.equal(emu.requests().length, 0, "check called the API");
    // the emulator plays the strict guess: the collection is saved without the URL
    const err = await p.create(inputs).then(
      () => assert.fail("expected a ResourceInitError"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ResourceInitError);
    assert.match(String(err.reasons[1]), /invalid_port/);
  });

  it("check refuses, with the path, what would crash or be refused at create: NaN, Infinity, 12,000 levels", async () => {
    const p = await provider();
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 12_000; i++) {
      const next: Record<string, unknown> = {};
      deep.d = next;
      deep = next;
    }
    const r = await p.check(
      {},
      {
        __urn: urn("values"),
        name: "values",
        requests: [
          { url: "https://example.com/a", actions: [{ type: "wait-for-timeout", time: Number.NaN }] },
          { url: "https://example.com/b", wait_ms: Infinity, deep: root },
        ],
      },
    );
    assert.deepEqual(
      r.failures.map((f) => [f.property.slice(0, 40), f.code]),
      [
        ["requests[0].actions[0].time", "not_finite"],
        ["requests[1].wait_ms", "not_finite"],
        ["requests[1].deep.d.d.d.d.d.d.d.d.d.d.d.d", "too_deep"],
      ],
    );
    assert.equal(emu.requests().length, 0);
    // create never gets such a value from the engine; given one anyway, it fails clearly, without a call
    const err = await p
      .create({ __urn: urn("values"), name: "values", requests: [{ url: "https://e.x/", deep: root }] })
      .then(
        () => assert.fail("expected an error"),
        (e: unknown) => e as Error,
      );
    assert.match(err.message, /nests lists and objects more than 256 levels/);
    assert.equal(emu.requests().length, 0);
  });

  it("duplicates the API skipped are reported (check refuses exact ones; this is what gets past it)", async () => {
    const p = await provider();
    // Bypass check: the engine would refuse these at preview, but the API's own dedup must still be
    // reflected in the outputs (e.g. when the API normalizes URLs that check sees as different).
    const { outs } = await p.create({
      __urn: urn("dups"),
      name: "dups",
      requests: [
        { url: "https://example.com/x" },
        { url: "https://example.com/x" },
        { url: "https://example.com/y" },
      ],
    });
    assert.equal(outs.duplicatesSkipped, 1);
    assert.equal(outs.requestCount, 2);
    assert.equal(emu.collections()[0]?.requests.length, 2);
  });

  it("a lost create response is retried with the same key: one collection", async () => {
    const p = await provider();
    emu.addFault({ method: "POST", path: "/v1/async/collections", action: "drop-after-commit" });
    const { id } = await p.create(await checked(p, { __urn: urn("lost"), name: "lost", requests: [] }));
    assert.equal(emu.collections().length, 1);
    assert.equal(emu.collections()[0]?.id, id);
    assert.deepEqual(
      calls(emu, "POST").map((c) => c.replayed),
      [false, true],
    );
    assert.deepEqual(
      calls(emu).map((c) => c.method),
      ["POST", "POST", "PUT"],
    );
  });

  it("customTimeouts bound the whole operation: a hung API fails create within it", async () => {
    const p = await provider();
    emu.addFault({ method: "POST", path: "/v1/async/collections", action: "delay", delayMs: 5000 });
    const started = Date.now();
    await assert.rejects(
      p.create(
        await checked(p, { __urn: urn("slow"), name: "slow", requests: [], __timeouts: { createMs: 400 } }),
      ),
      (e: Error) => {
        assert.match(
          e.message,
          /^POST \/v1\/async\/collections: timed out, no answer from the API after 1 attempt within the call's deadline of 400 ms, from the resource's customTimeouts;/,
        );
        return true;
      },
    );
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
  });

  it("a timeout names the customTimeouts budget, not what remained of it when the timed-out call began", async () => {
    const p = await provider();
    // The lookup by name eats part of the budget; the POST after it hangs.
    emu.addFault({ method: "GET", path: "/v1/async/collections", action: "delay", delayMs: 150 });
    emu.addFault({ method: "POST", path: "/v1/async/collections", action: "delay", delayMs: 5000 });
    const props = {
      __urn: urn("late"),
      name: "late",
      adoptExisting: true,
      requests: [],
      __timeouts: { createMs: 500 },
    };
    const started = Date.now();
    await assert.rejects(p.create(await checked(p, props)), (e: Error) => {
      assert.match(
        e.message,
        /^POST \/v1\/async\/collections: timed out, no answer from the API after 1 attempt within the call's deadline of 500 ms, from the resource's customTimeouts;/,
      );
      return true;
    });
    const took = Date.now() - started;
    assert.ok(took >= 450 && took < 3000, `took ${took} ms`);
    assert.deepEqual(
      calls(emu).map((c) => c.method),
      ["GET", "POST"],
    );
  });

  it("an update's timeout names its customTimeouts budget too", async () => {
    const p = await provider();
    const { id, outs } = await p.create(
      await checked(p, { __urn: urn("slow-put"), name: "slow-put", requests: [] }),
    );
    emu.addFault({ method: "PUT", path: `/v1/async/collections/${id}`, action: "delay", delayMs: 5000 });
    const news = await checked(p, {
      __urn: urn("slow-put"),
      name: "slow-put",
      requests: [{ url: "https://example.com/a" }],
      __timeouts: { updateMs: 300 },
    });
    await assert.rejects(p.update(id, outs, news), (e: Error) => {
      assert.match(
        e.message,
        new RegExp(
          `^PUT /v1/async/collections/${id}: timed out, no answer from the API after 1 attempt within the call's deadline of 300 ms, from the resource's customTimeouts;`,
        ),
      );
      return true;
    });
  });

  it("5xx and 429 during update are retried", async () => {
    const p = await provider();
    const { id, outs } = await p.create(await checked(p, { __urn: urn("f"), name: "f", requests: [] }));
    emu.addFault({ method: "PUT", path: "/v1/async/collections/*", action: "status", status: 503 });
    emu.addFault({
      method: "PUT",
      path: "/v1/async/collections/*",
      action: "status",
      status: 429,
      retryAfter: "0",
    });
    await p.update(id, { ...outs }, await checked(p, { __urn: urn("f"), name: "f2", requests: [] }));
    assert.deepEqual(
      calls(emu, "PUT").map((c) => c.status),
      [503, 429, 200],
    );
    assert.equal(emu.collections()[0]?.name, "f2");
  });

  it("delete calls nothing and warns with the id", async () => {
    const p = await provider();
    const { id, outs } = await p.create(await checked(p, { __urn: urn("d"), name: "d", requests: [] }));
    const before = emu.requests().length;
    await p.delete(id, { ...outs });
    assert.equal(emu.requests().length, before);
    assert.ok(warnings.some((w) => w.includes(id) && w.includes("no delete")));
  });

  it("a missing API key fails with how to set it, before any call", async () => {
    const p = new CollectionProvider({ env: {} });
    await p.configure({ config: { get: () => undefined } });
    await assert.rejects(
      p.create({ __urn: urn("k"), name: "k", requests: [] }),
      (e: Error) => e.message === MISSING_KEY_MESSAGE,
    );
    assert.equal(emu.requests().length, 0);
  });
});
