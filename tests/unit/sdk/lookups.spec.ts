import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import type { RunningEmulator } from "../../../emulator";
import {
  getCollection,
  getCollectionOutput,
  getRun,
  getRunOutput,
  LookupNotFoundError,
  listCollections,
  listCollectionsOutput,
} from "../../../sdk/lookups";
import { calls, closeTestClients, startTestEmulator, TEST_KEY, testClient } from "../../helpers/emulator";

const out = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply(resolve));

const ENV_KEYS = ["SCRAPINGPROS_API_KEY", "SCRAPINGPROS_BASE_URL", "SCRAPINGPROS_MAX_RETRIES"] as const;

describe("lookups (against the emulator)", () => {
  let emu: RunningEmulator;
  let savedConfig: Record<string, string>;
  const savedEnv: Record<string, string | undefined> = {};
  let alpha: string;
  let beta: string;

  before(async () => {
    emu = await startTestEmulator({ jobDurationMs: 1000 });
    const { client } = testClient(emu);
    alpha = (
      await client.collections.create({ name: "team-a-alpha", requests: [{ url: "https://example.com/1" }] })
    ).data.id;
    emu.advanceClock(60_000);
    beta = (
      await client.collections.create({
        name: "team-a-beta",
        requests: [{ url: "https://example.com/1" }, { url: "https://example.com/timeout" }],
      })
    ).data.id;
    await client.collections.create({ name: "other", requests: [] });
    for (const k of ENV_KEYS) savedEnv[k] = process.env[k];
    savedConfig = { ...pulumi.runtime.allConfig() };
  });

  beforeEach(() => {
    for (const k of ENV_KEYS) delete process.env[k];
    pulumi.runtime.setAllConfig({ ...savedConfig });
  });

  after(async () => {
    for (const k of ENV_KEYS) {
      if (savedEnv[k] === undefined) delete process.env[k];
      else process.env[k] = savedEnv[k];
    }
    pulumi.runtime.setAllConfig(savedConfig);
    await closeTestClients();
    await emu?.stop();
  });

  function configure(from: "config" | "env", key = TEST_KEY): void {
    if (from === "config") {
      pulumi.runtime.setConfig("scrapingpros:apiKey", key);
      pulumi.runtime.setConfig("scrapingpros:baseUrl", emu.url);
    } else {
      process.env.SCRAPINGPROS_API_KEY = key;
      process.env.SCRAPINGPROS_BASE_URL = emu.url;
    }
  }

  it("getCollection reads one collection with one GET, configured by stack config", async () => {
    configure("config");
    const created = (await testClient(emu).client.collections.get(alpha)).data.created_at;
    const mark = emu.requests().length;
    const c = await getCollection({ id: alpha });
    assert.equal(c.id, alpha);
    assert.equal(c.name, "team-a-alpha");
    // ISO 8601 UTC, as on Collection and CollectionRun (the API sends epoch seconds).
    assert.equal(typeof created, "number");
    assert.equal(c.createdAt, new Date((created as number) * 1000).toISOString());
    assert.match(c.updatedAt ?? "", /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const made = emu.requests().slice(mark);
    assert.deepEqual(
      made.map((r) => `${r.method} ${r.path}`),
      [`GET /v1/async/collections/${alpha}`],
    );
  });

  it("falls back to the environment, and stack config wins over it", async () => {
    configure("env");
    assert.equal((await getCollection({ id: alpha })).name, "team-a-alpha");
    // A wrong key in the environment is not used when the config has the right one.
    process.env.SCRAPINGPROS_API_KEY = "wrong-env-key";
    pulumi.runtime.setConfig("scrapingpros:apiKey", TEST_KEY);
    assert.equal((await getCollection({ id: alpha })).name, "team-a-alpha");
  });

  it("fails without a key, and never puts the key in an error", async () => {
    process.env.SCRAPINGPROS_BASE_URL = emu.url;
    await assert.rejects(getCollection({ id: alpha }), /API key is not set/);
    configure("config", "sp-wrong-KEY-0000");
    await assert.rejects(getCollection({ id: alpha }), (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.ok(!String(e.message).includes("sp-wrong-KEY-0000"));
      assert.ok(!JSON.stringify(e).includes("sp-wrong-KEY-0000"));
      return true;
    });
    configure("config");
    await assert.rejects(getCollection({ id: "no-such-id" }), (e: unknown) => {
      assert.ok(e instanceof LookupNotFoundError);
      assert.match(e.message, /no collection no-such-id/);
      assert.ok(!e.message.includes(TEST_KEY));
      return true;
    });
  });

  it("listCollections passes name, name_prefix and since as the API's filters", async () => {
    configure("config");
    const all = await listCollections();
    assert.ok(all.collections.length >= 3);
    const byPrefix = await listCollections({ namePrefix: "team-a-" });
    assert.deepEqual(byPrefix.collections.map((c) => c.id).sort(), [alpha, beta].sort());
    const byName = await listCollections({ name: "team-a-beta" });
    assert.deepEqual(
      byName.collections.map((c) => c.id),
      [beta],
    );
    const betaCreated = (await getCollection({ id: beta })).createdAt!;
    const mark = emu.requests().length;
    const recent = await listCollections({
      namePrefix: "team-a-",
      since: new Date(Date.parse(betaCreated) - 1000),
    });
    assert.deepEqual(
      recent.collections.map((c) => c.id),
      [beta],
    );
    const logged = calls(emu, "GET", "/v1/async/collections").slice(-1)[0];
    assert.equal(emu.requests().length - mark, 1);
    assert.equal(logged?.query.name_prefix, "team-a-");
    assert.match(String(logged?.query.since), /^\d{4}-\d{2}-\d{2}T/);
    await assert.rejects(listCollections({ since: "not a time" }), TypeError);
  });

  it("getRun reads a run's counters and webhook status", async () => {
    configure("config");
    const { client } = testClient(emu);
    const run = (await client.runs.create(beta)).data;
    let info = await getRun({ collectionId: beta, runId: run.run_id });
    assert.equal(info.status, "in_progress");
    assert.equal(info.totalRequests, 2);
    assert.equal(info.jobIds.length, 2);
    assert.equal(info.callbackUrl, undefined);
    // The single-run response carries no created_at (API notes §4.3).
    assert.equal(info.createdAt, null);
    emu.advanceClock(10_000);
    info = await getRun({ collectionId: beta, runId: run.run_id });
    assert.deepEqual(
      {
        status: info.status,
        s: info.successRequests,
        f: info.failedRequests,
        t: info.timeoutRequests,
        c: info.collectionId,
      },
      { status: "completed", s: 1, f: 0, t: 1, c: beta },
    );
    await assert.rejects(getRun({ collectionId: beta, runId: "nope" }), LookupNotFoundError);
  });

  it("the Output forms take Inputs and make no call while an input is unknown", async () => {
    configure("config");
    const c = await out(getCollectionOutput({ id: Promise.resolve(alpha) }));
    assert.equal(c.name, "team-a-alpha");
    const list = await out(listCollectionsOutput({ name: pulumi.output("team-a-alpha") }));
    assert.deepEqual(
      list.collections.map((x) => x.id),
      [alpha],
    );
    const mark = emu.requests().length;
    const unknownId = pulumi.output(pulumi.unknown) as pulumi.Output<string>;
    const pending = getCollectionOutput({ id: unknownId });
    assert.equal(await (pending as unknown as { isKnown: Promise<boolean> }).isKnown, false);
    const run = getRunOutput({ collectionId: alpha, runId: unknownId });
    assert.equal(await (run as unknown as { isKnown: Promise<boolean> }).isKnown, false);
    assert.equal(emu.requests().length, mark);
  });

  it("the Output forms keep a secret input secret: the result is secret, and an error names no secret id", async () => {
    configure("config");
    const found = getCollectionOutput({ id: pulumi.secret(alpha) });
    assert.equal(await pulumi.isSecret(found), true);
    assert.equal((await out(found)).name, "team-a-alpha");
    const promise = (o: pulumi.Output<unknown>) =>
      (o as unknown as { promise(): Promise<unknown> }).promise();
    await assert.rejects(
      promise(getCollectionOutput({ id: pulumi.secret("missing-SECRETID-1") })),
      (e: Error) => {
        assert.match(e.message, /^getCollection: no collection with this \(secret\) id exists/);
        assert.ok(!e.message.includes("SECRETID"));
        return true;
      },
    );
    await assert.rejects(
      promise(getRunOutput({ collectionId: alpha, runId: pulumi.secret("missing-SECRETRUN-2") })),
      (e: Error) => {
        assert.match(e.message, /^getRun: no run with these \(secret\) ids exists/);
        assert.ok(!e.message.includes("SECRETRUN") && !e.message.includes(alpha));
        return true;
      },
    );
    // plain ids are still named, to help find the typo
    await assert.rejects(
      promise(getCollectionOutput({ id: "missing-plain" })),
      /no collection missing-plain exists/,
    );
  });
});
