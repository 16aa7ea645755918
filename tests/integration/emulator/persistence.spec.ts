import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import type { RunningEmulator } from "../../../emulator";
import { call, createCollection, startTestEmulator, tempDir, waitFor } from "./helpers";

describe("emulator: persistence (journal)", () => {
  let tmp: ReturnType<typeof tempDir>;
  let dataPath: string;
  const running: RunningEmulator[] = [];
  const start = async (options: Parameters<typeof startTestEmulator>[0] = {}): Promise<RunningEmulator> => {
    const emulator = await startTestEmulator({ dataPath, ...options });
    running.push(emulator);
    return emulator;
  };
  beforeEach(() => {
    tmp = tempDir();
    dataPath = path.join(tmp.dir, "nested", "state.jsonl");
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((e) => e.stop()));
    tmp.cleanup();
  });

  it("keeps collections, updates, idempotency records, runs and the clock across stop/start", async () => {
    const first = await start();
    const keyed = await call(first, "POST", "/v1/async/collections", {
      body: { name: "keyed", requests: [{ url: "https://example.com/a", custom_id: "a", browser: true }] },
      headers: { "Idempotency-Key": "persist-1" },
    });
    assert.equal(keyed.status, 201);
    const other = await createCollection(first, { name: "other", callback_url: "https://hooks.example/x" });
    await call(first, "PUT", `/v1/async/collections/${other.id}`, {
      body: { name: "renamed", requests: [{ url: "https://example.com/b" }] },
    });
    const run = (await call(first, "POST", `/v1/async/collections/${keyed.body.id}/run`)).body;
    first.advanceClock(3_600_000);
    const before = {
      collections: first.collections(),
      list: (await call(first, "GET", "/v1/async/collections")).text,
      run: (await call(first, "GET", `/v1/async/collections/${keyed.body.id}/runs/${run.run_id}`)).body,
    };
    await first.stop();

    const second = await start();
    assert.deepEqual(second.collections(), before.collections);
    assert.equal((await call(second, "GET", "/v1/async/collections")).text, before.list);
    const runAfter = (await call(second, "GET", `/v1/async/collections/${keyed.body.id}/runs/${run.run_id}`))
      .body;
    assert.deepEqual(runAfter, before.run);
    assert.equal(runAfter.status, "completed");
    // The clock offset survived: emulator time is still an hour ahead.
    assert.ok(Math.abs(second.now() - (Date.now() + 3_600_000)) < 2000);

    const replay = await call(second, "POST", "/v1/async/collections", {
      body: { name: "keyed", requests: [{ url: "https://example.com/a", custom_id: "a", browser: true }] },
      headers: { "Idempotency-Key": "persist-1" },
    });
    assert.equal(replay.headers.get("idempotency-replayed"), "true");
    assert.equal(replay.text, keyed.text);
    assert.equal(second.collections().length, 2);
  });

  it("compacts the journal to one snapshot line on start, then appends one line per mutation", async () => {
    const first = await start();
    for (let i = 0; i < 5; i++) await createCollection(first, { name: `c${i}` });
    await first.stop();
    const lines = () => fs.readFileSync(dataPath, "utf8").split("\n").filter(Boolean);
    assert.equal(lines().length, 1 + 5);

    const second = await start();
    assert.equal(lines().length, 1);
    assert.equal(JSON.parse(lines()[0] ?? "").t, "snapshot");
    await createCollection(second, { name: "c5" });
    assert.equal(lines().length, 2, "the create is on disk before its response");
    assert.equal(second.collections().length, 6);
  });

  it("ignores a torn final line (a write cut short by a crash)", async () => {
    const first = await start();
    const a = await createCollection(first, { name: "a" });
    const b = await createCollection(first, { name: "b" });
    await first.stop();
    const torn = JSON.stringify({
      t: "collection.create",
      collection: {
        id: "torn",
        name: "torn",
        requests: [],
        callback_url: null,
        created_at: 1,
        updated_at: 1,
      },
      idempotency: null,
    });
    fs.appendFileSync(dataPath, torn.slice(0, torn.length - 7));

    const second = await start();
    assert.deepEqual(
      second.collections().map((c) => c.id),
      [a.id, b.id],
    );
    const c = await createCollection(second, { name: "c" });
    await second.stop();

    const third = await start();
    assert.deepEqual(
      third.collections().map((x) => x.id),
      [a.id, b.id, c.id],
    );
  });

  it("refuses to start when a line before the last is damaged", async () => {
    fs.mkdirSync(path.dirname(dataPath), { recursive: true });
    fs.writeFileSync(dataPath, '{"t":"clock","offset_ms":0}\n{garbage\n{"t":"clock","offset_ms":5}\n');
    await assert.rejects(startTestEmulator({ dataPath }), /damaged at line 2/);
  });

  it("reset empties the journal too", async () => {
    const first = await start();
    await createCollection(first, { name: "gone" });
    first.reset();
    await first.stop();
    const second = await start();
    assert.deepEqual(second.collections(), []);
  });

  it("delivers a webhook still pending at shutdown after the restart, and remembers it was sent", async () => {
    const deliveries: string[] = [];
    const receiver = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => {
        deliveries.push(body);
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    try {
      const first = await start({ jobDurationMs: 60_000 });
      const c = await createCollection(first, {
        name: "h",
        requests: [{ url: "https://e.example" }],
        callback_url: hook,
      });
      const run = (await call(first, "POST", `/v1/async/collections/${c.id}/run`)).body;
      await first.stop();
      assert.equal(deliveries.length, 0);

      const second = await start({ jobDurationMs: 60_000 });
      second.advanceClock(60_000);
      await waitFor(() => (deliveries.length === 1 ? true : undefined));
      const runPath = `/v1/async/collections/${c.id}/runs/${run.run_id}`;
      await waitFor(async () =>
        (await call(second, "GET", runPath)).body.callback_status === "sent" ? true : undefined,
      );
      await second.stop();

      const third = await start();
      assert.equal((await call(third, "GET", runPath)).body.callback_status, "sent");
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(deliveries.length, 1, "not delivered again");
    } finally {
      receiver.closeAllConnections();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
});
