/**
 * Reads and lookups through the list (provider/core/collection-snapshots.ts), the core operations
 * against the emulator, driven as the engine drives them: every resource checked as the program
 * registers it, then 8 operations at a time. The calls are counted in the emulator's request log.
 * The same with the real CLI: tests/e2e/list-snapshots.spec.ts.
 */
import * as assert from "node:assert/strict";
import PQueue from "p-queue";
import type { RunningEmulator } from "../../../../emulator";
import { ScrapingProsClient } from "../../../../provider/client/client";
import { CollectionOperations } from "../../../../provider/core/collection/operations";
import { lookUpCollection, lookUpCollections, type WithClient } from "../../../../provider/core/lookups";
import { ProviderContext } from "../../../../provider/core/provider-context";
import { startTestEmulator, TEST_KEY } from "../../../helpers/emulator";

const TYPE = "scrapingpros:index:Collection";
const urn = (name: string) => `urn:pulumi:dev::proj::${TYPE}::${name}`;
const SCOPE = "6f1d2c3b-0000-4000-8000-0000000000aa";

/** "METHOD path" of each call after `mark`, with `?name=` for a filtered list. */
const callsSince = (emu: RunningEmulator, mark: number) =>
  emu
    .requests()
    .slice(mark)
    .map((r) => `${r.method} ${r.path}${r.query.name === undefined ? "" : "?name="}`);
const count = (calls: string[], call: string) => calls.filter((c) => c === call).length;

describe("reads and lookups through the list (core operations against the emulator)", () => {
  let emu: RunningEmulator;
  let clients: ScrapingProsClient[];
  /** The context of the last provider process started. */
  let lastContext: ProviderContext | undefined;

  /** A provider process: its context and operations. */
  const provider = async (): Promise<CollectionOperations> => {
    const ctx = new ProviderContext({
      env: {},
      sink: async () => {},
      clientFactory: (s) => {
        const c = new ScrapingProsClient({ ...s.clientOptions, apiKey: s.apiKey ?? "", initialDelayMs: 5 });
        clients.push(c);
        return c;
      },
    });
    const config: Record<string, string> = {
      "scrapingpros:apiKey": TEST_KEY,
      "scrapingpros:baseUrl": emu.url,
    };
    await ctx.configure({ get: (k) => config[k], keys: () => Object.keys(config) });
    lastContext = ctx;
    return new CollectionOperations(ctx);
  };

  /** Declarations of `n` collections: every fifth explicitly named, the others auto-named. */
  const declared = (n: number, version = 1): [string, Record<string, unknown>][] =>
    Array.from({ length: n }, (_, i) => [
      `c${i}`,
      {
        __urn: urn(`c${i}`),
        __scope: SCOPE,
        ...(i % 5 === 0 ? { name: `named-${i}` } : {}),
        requests: [{ url: `https://example.com/${i}/v${version}` }],
      },
    ]);

  /**
   * A first deployment as the engine runs it: each resource checked as it is registered (one at a
   * time), its create started at once, 8 creates at a time.
   */
  const deploy = async (ops: CollectionOperations, resources: [string, Record<string, unknown>][]) => {
    const queue = new PQueue({ concurrency: 8 });
    const created: Promise<{ id: string; outs: Record<string, unknown> }>[] = [];
    for (const [name, news] of resources) {
      const checked = await ops.check(urn(name), {}, news);
      assert.deepEqual(checked.failures, []);
      created.push(queue.add(() => ops.create(urn(name), checked.inputs)));
    }
    return Promise.all(created);
  };

  /** A refresh as the engine runs it: every resource read, 8 at a time. */
  const refresh = async (
    ops: CollectionOperations,
    states: { id: string; outs: Record<string, unknown> }[],
  ) => {
    const queue = new PQueue({ concurrency: 8 });
    return Promise.all(states.map((s) => queue.add(() => ops.read(s.id, String(s.outs.__urn), s.outs))));
  };

  before(async () => {
    emu = await startTestEmulator();
  });
  after(async () => {
    await emu.stop();
  });
  beforeEach(() => {
    emu.reset();
    clients = [];
  });
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
  });

  it("a refresh of 200 collections is one list call; a rename outside Pulumi is seen, a removal confirmed by one GET", async () => {
    const states = await deploy(await provider(), declared(200));
    const { client } = { client: clients[0] as ScrapingProsClient };
    const renamed = states[7] as { id: string };
    const removed = states[11] as { id: string };
    await client.collections.update(renamed.id, { name: "renamed-outside", requests: [] });
    assert.ok(emu.removeCollection(removed.id));

    const mark = emu.requests().length;
    const read = await refresh(await provider(), states);
    const calls = callsSince(emu, mark);
    assert.deepEqual(calls.sort(), ["GET /v1/async/collections", `GET /v1/async/collections/${removed.id}`]);
    assert.equal(read[7]?.props?.name, "renamed-outside");
    assert.equal(read[11]?.id, "", "the removed collection is reported gone");
    assert.equal(read.filter((r) => r.id !== "").length, 199);
    for (const [i, r] of read.entries()) {
      if (i === 11) continue;
      assert.equal(r.id, states[i]?.id);
      assert.match(String(r.props?.createdAt), /^\d{4}-\d\d-\d\dT/);
    }
  });

  it("up --refresh in one process: the reads share one list, then the rename is put back (PUT) and the removed one created again", async () => {
    const spec = declared(40);
    const states = await deploy(await provider(), spec);
    const client = clients[0] as ScrapingProsClient;
    // Explicitly named (every fifth): the declared name comes back after the refresh.
    const renamed = states[5] as { id: string; outs: Record<string, unknown> };
    const removed = states[10] as { id: string; outs: Record<string, unknown> };
    await client.collections.update(renamed.id, { name: "renamed-outside", requests: [] });
    assert.ok(emu.removeCollection(removed.id));

    const ops = await provider();
    const mark = emu.requests().length;
    const read = await refresh(ops, states);
    assert.deepEqual(callsSince(emu, mark).sort(), [
      "GET /v1/async/collections",
      `GET /v1/async/collections/${removed.id}`,
    ]);
    // The update, as the engine runs it after its refresh: check and diff (no call), then the
    // writes, 8 at a time, in the same provider process.
    const queue = new PQueue({ concurrency: 8 });
    const updated = await Promise.all(
      spec.map(async ([name, news], i) => {
        const r = read[i] as {
          id?: string;
          props?: Record<string, unknown>;
          inputs?: Record<string, unknown>;
        };
        if (r.id === "") {
          const checked = await ops.check(urn(name), {}, news);
          return queue.add(async () => (await ops.create(urn(name), checked.inputs)).id);
        }
        const checked = await ops.check(urn(name), r.inputs ?? {}, news);
        const diff = await ops.diff(String(r.id), urn(name), r.props ?? {}, checked.inputs);
        if (!diff.changes) return r.id;
        return queue.add(async () => {
          await ops.update(String(r.id), urn(name), r.props ?? {}, checked.inputs);
          return r.id;
        });
      }),
    );
    const writes = callsSince(emu, mark).filter((c) => !c.startsWith("GET "));
    // The removed collection's key replays it (POST), its PUT finds it gone, the next key creates
    // it (POST), as the README's behaviour table says; the renamed one gets one PUT.
    assert.deepEqual(
      writes.sort(),
      [
        "POST /v1/async/collections",
        "POST /v1/async/collections",
        `PUT /v1/async/collections/${removed.id}`,
        `PUT /v1/async/collections/${renamed.id}`,
      ].sort(),
    );
    assert.equal(callsSince(emu, mark).length, 6, "no read beyond the list and the confirmation");
    assert.equal(emu.collections().find((c) => c.id === renamed.id)?.name, "named-5");
    assert.notEqual(updated[10], removed.id);
    assert.equal(emu.collections().filter((c) => c.name === "named-10").length, 1);
  });

  it("a first deployment of 200 collections (160 auto-named) makes at most 200 + 5 calls", async () => {
    const mark = emu.requests().length;
    const states = await deploy(await provider(), declared(200));
    const calls = callsSince(emu, mark);
    assert.equal(count(calls, "POST /v1/async/collections"), 200);
    assert.ok(
      calls.length <= 205,
      `${calls.length} calls: ${calls.filter((c) => !c.startsWith("POST")).join(", ")}`,
    );
    assert.equal(emu.collections().length, 200);
    assert.equal(new Set(states.map((s) => s.id)).size, 200);
  });

  it("adoptExisting collections of a first deployment share the lookups and adopt what exists (one PUT each)", async () => {
    const client = new ScrapingProsClient({ apiKey: TEST_KEY, baseUrl: emu.url });
    clients.push(client);
    const existing = [];
    for (let i = 0; i < 10; i++)
      existing.push((await client.collections.create({ name: `legacy-${i}`, requests: [] })).data);
    const resources: [string, Record<string, unknown>][] = Array.from({ length: 30 }, (_, i) => [
      `a${i}`,
      {
        __urn: urn(`a${i}`),
        __scope: SCOPE,
        name: `legacy-${i}`,
        adoptExisting: true,
        requests: [{ url: `https://example.com/a${i}` }],
      },
    ]);
    const mark = emu.requests().length;
    const states = await deploy(await provider(), resources);
    const calls = callsSince(emu, mark);
    assert.equal(count(calls, "POST /v1/async/collections"), 20);
    assert.equal(calls.filter((c) => c.startsWith("PUT")).length, 10);
    assert.ok(calls.length <= 35, `${calls.length} calls`);
    assert.deepEqual(
      states.slice(0, 10).map((s) => s.id),
      existing.map((c) => c.id),
    );
    assert.equal(emu.collections().length, 30);
  });

  it("a killed first deployment: the rerun (a new process) finds every collection by name and adopts it, no duplicate", async () => {
    // The first process creates everything; the engine never records it (the CLI was killed).
    await deploy(await provider(), declared(60));
    assert.equal(emu.collections().length, 60);
    // The rerun, with every request list edited (new idempotency keys: only the lookups can find them).
    const mark = emu.requests().length;
    const rerun = await deploy(await provider(), declared(60, 2));
    const calls = callsSince(emu, mark);
    assert.equal(
      emu.collections().length,
      60 + 12,
      "the explicitly named ones (no adoptExisting) are created anew",
    );
    assert.equal(calls.filter((c) => c.startsWith("PUT")).length, 48, "each auto-named collection adopted");
    assert.equal(count(calls, "POST /v1/async/collections"), 12);
    assert.ok(calls.length <= 60 + 5, `${calls.length} calls`);
    for (const [i, s] of rerun.entries()) {
      if (i % 5 !== 0) assert.equal(s.outs.adopted, true);
    }
  });

  it("two resources with one explicit name and adoptExisting: one creates, the other adopts it (never both miss)", async () => {
    const ops = await provider();
    const twin = (n: string) =>
      [
        n,
        {
          __urn: urn(n),
          __scope: SCOPE,
          name: "twin",
          adoptExisting: true,
          requests: [{ url: "https://example.com/twin" }],
        },
      ] as [string, Record<string, unknown>];
    const mark = emu.requests().length;
    const [a, b] = await deploy(ops, [twin("one"), twin("two")]);
    assert.equal(a?.id, b?.id);
    assert.equal(emu.collections().length, 1);
    // The second lookup waits for the first create, and finds it written into what the first
    // lookup's call showed.
    assert.deepEqual(callsSince(emu, mark), [
      "GET /v1/async/collections?name=",
      "POST /v1/async/collections",
      `PUT /v1/async/collections/${a?.id}`,
    ]);
  });

  it("lookups called many times in one program share calls: 30 getCollection and 3 listCollections, one list", async () => {
    const client = new ScrapingProsClient({ apiKey: TEST_KEY, baseUrl: emu.url });
    clients.push(client);
    const ids: string[] = [];
    for (let i = 0; i < 30; i++)
      ids.push((await client.collections.create({ name: `team-${i % 3}-${i}`, requests: [] })).data.id);
    const withClient: WithClient = async (fn) => fn(client);
    const mark = emu.requests().length;
    const [found, byPrefix, byName, missing] = await Promise.all([
      Promise.all(ids.map((id) => lookUpCollection(withClient, { id }))),
      lookUpCollections(withClient, { namePrefix: "team-1-" }),
      lookUpCollections(withClient, { name: "team-2-5" }),
      lookUpCollection(withClient, { id: "00000000-0000-4000-8000-000000000000" }).catch(
        (e: Error) => e.name,
      ),
    ]);
    assert.deepEqual(callsSince(emu, mark).sort(), [
      "GET /v1/async/collections",
      "GET /v1/async/collections/00000000-0000-4000-8000-000000000000",
    ]);
    assert.deepEqual(
      found.map((c) => c.id),
      ids,
    );
    assert.equal(byPrefix.collections.length, 10);
    assert.ok(byPrefix.collections.every((c) => c.name.startsWith("team-1-")));
    assert.deepEqual(
      byName.collections.map((c) => c.name),
      ["team-2-5"],
    );
    assert.equal(missing, "LookupNotFoundError");
    // One at a time, each is its own call, as before.
    const one = emu.requests().length;
    await lookUpCollection(withClient, { id: ids[0] as string });
    await lookUpCollections(withClient, { name: "team-0-0" });
    assert.deepEqual(callsSince(emu, one), [
      `GET /v1/async/collections/${ids[0]}`,
      "GET /v1/async/collections?name=",
    ]);
  });

  it("invokes through a provider context's withClient share calls like a program's lookups", async () => {
    const client = new ScrapingProsClient({ apiKey: TEST_KEY, baseUrl: emu.url });
    clients.push(client);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++)
      ids.push((await client.collections.create({ name: `inv-${i}`, requests: [] })).data.id);
    await provider();
    // The adapter's provider context (the one that serves the operations too).
    const ctx = lastContext;
    assert.ok(ctx);
    const mark = emu.requests().length;
    const found = await Promise.all(ids.map((id) => lookUpCollection(ctx.withClient, { id })));
    assert.deepEqual(callsSince(emu, mark), ["GET /v1/async/collections"]);
    assert.deepEqual(
      found.map((c) => c.name),
      ids.map((_, i) => `inv-${i}`),
    );
  });
});
