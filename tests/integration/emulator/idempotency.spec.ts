import * as assert from "node:assert/strict";
import type { RequestLogEntry, RunningEmulator } from "../../../emulator";
import { call, startTestEmulator, waitFor } from "./helpers";

const BODY = {
  name: "Daily tours",
  requests: [
    { url: "https://viator.com/tours/1", custom_id: "en_pipeline", browser: true },
    { url: "http://192.168.1.1/admin" },
  ],
};

const DAY_MS = 24 * 60 * 60 * 1000;

describe("emulator: Idempotency-Key on create", () => {
  let emulator: RunningEmulator;
  before(async () => {
    emulator = await startTestEmulator({ apiKey: "key-a", extraApiKeys: ["key-b"] });
  });
  beforeEach(() => emulator.reset());
  after(() => emulator.stop());

  const create = (key: string | null, body: unknown = BODY, apiKey = "key-a") =>
    call(emulator, "POST", "/v1/async/collections", {
      body,
      key: apiKey,
      headers: key === null ? {} : { "Idempotency-Key": key },
    });

  it("replays the original status and body byte for byte, with Idempotency-Replayed: true", async () => {
    const first = await create("7f3a2b1e-4c5d-4f1a-8b2c-9d4e5f6a7b8c");
    assert.equal(first.status, 201);
    assert.equal(first.headers.get("idempotency-replayed"), null);
    emulator.advanceClock(60_000);
    const second = await create("7f3a2b1e-4c5d-4f1a-8b2c-9d4e5f6a7b8c");
    assert.equal(second.status, 201);
    assert.equal(second.headers.get("idempotency-replayed"), "true");
    assert.equal(second.text, first.text);
    assert.equal(emulator.collections().length, 1);

    const log = emulator.requests();
    assert.deepEqual(
      log.map((e) => [e.status, e.idempotencyKey, e.replayed]),
      [
        [201, "7f3a2b1e-4c5d-4f1a-8b2c-9d4e5f6a7b8c", false],
        [201, "7f3a2b1e-4c5d-4f1a-8b2c-9d4e5f6a7b8c", true],
      ],
    );
  });

  it("compares bodies canonically (key order and whitespace do not matter)", async () => {
    await create("canon", {
      name: "c",
      requests: [{ url: "https://a.example", browser: true, custom_id: "1" }],
    });
    const reordered = await create(
      "canon",
      '{ "requests" : [ { "custom_id":"1", "browser":true, "url":"https://a.example" } ], "name":"c" }',
    );
    assert.equal(reordered.status, 201);
    assert.equal(reordered.headers.get("idempotency-replayed"), "true");
    assert.equal(emulator.collections().length, 1);
  });

  it("answers 422 when the key is reused with a different body, and creates nothing", async () => {
    await create("reuse");
    const res = await create("reuse", { ...BODY, name: "Other name" });
    assert.equal(res.status, 422);
    assert.deepEqual(res.body, { detail: "Idempotency-Key reused with a different request body" });
    assert.equal(emulator.collections().length, 1);
  });

  it("expires keys 24 h (emulator time) after first use", async () => {
    const first = await create("expiring");
    emulator.advanceClock(DAY_MS - 1000);
    const within = await create("expiring");
    assert.equal(within.headers.get("idempotency-replayed"), "true");
    assert.equal(within.text, first.text);
    emulator.advanceClock(2000);
    const after = await create("expiring");
    assert.equal(after.status, 201);
    assert.equal(after.headers.get("idempotency-replayed"), null);
    assert.notEqual(after.body.id, first.body.id);
    assert.equal(emulator.collections().length, 2);
  });

  it("expires keys when the clock is advanced through the control API (24 h + 1 s)", async () => {
    await create("control-clock");
    const res = await fetch(`${emulator.url}/__emulator/clock`, {
      method: "POST",
      body: JSON.stringify({ advanceMs: DAY_MS + 1000 }),
    });
    assert.equal(res.status, 200);
    const { now } = (await res.json()) as { now: number };
    assert.ok(Math.abs(now - (Date.now() + DAY_MS + 1000)) < 5000);
    const again = await create("control-clock");
    assert.equal(again.headers.get("idempotency-replayed"), null);
    assert.equal(emulator.collections().length, 2);
  });

  it("answers 409 to a duplicate while the first request with the key is still in flight (held)", async () => {
    const faultId = emulator.addFault({ method: "POST", path: "/v1/async/collections", action: "hold" });
    const first = create("in-flight");
    await waitFor(() => (emulator.requests().some((e) => e.fault === "hold") ? true : undefined));
    const duplicate = await create("in-flight");
    assert.equal(duplicate.status, 409);
    assert.deepEqual(duplicate.body, {
      detail: "A request with this Idempotency-Key is already in progress",
    });
    assert.equal(emulator.release(faultId), 1);
    const firstRes = await first;
    assert.equal(firstRes.status, 201);
    // Once answered, the key replays.
    const later = await create("in-flight");
    assert.equal(later.headers.get("idempotency-replayed"), "true");
    assert.equal(later.text, firstRes.text);
    assert.equal(emulator.collections().length, 1);
  });

  it("answers 409 to a duplicate that arrives during a delay fault on the first", async () => {
    emulator.addFault({ method: "POST", path: "/v1/async/collections", action: "delay", delayMs: 300 });
    const first = create("delayed");
    await waitFor(() => (emulator.requests().length === 1 ? true : undefined));
    const duplicate = await create("delayed");
    assert.equal(duplicate.status, 409);
    assert.equal((await first).status, 201);
    assert.equal(emulator.collections().length, 1);
  });

  it("scopes keys per API key", async () => {
    const a = await create("shared-key", BODY, "key-a");
    const b = await create("shared-key", { ...BODY, name: "different" }, "key-b");
    assert.equal(b.status, 201);
    assert.equal(b.headers.get("idempotency-replayed"), null);
    assert.notEqual(a.body.id, b.body.id);
    assert.equal(emulator.collections().length, 2);
  });

  it("matches the header case-insensitively", async () => {
    await call(emulator, "POST", "/v1/async/collections", {
      body: BODY,
      key: "key-a",
      headers: { "IDEMPOTENCY-KEY": "ci" },
    });
    const res = await call(emulator, "POST", "/v1/async/collections", {
      body: BODY,
      key: "key-a",
      headers: { "idempotency-key": "ci" },
    });
    assert.equal(res.headers.get("idempotency-replayed"), "true");
  });

  it("answers 400 for a key over 255 characters; 255 is fine", async () => {
    const long = await create("k".repeat(256));
    assert.equal(long.status, 400);
    assert.equal(typeof long.body.detail, "string");
    assert.equal(emulator.collections().length, 0);
    assert.equal((await create("k".repeat(255))).status, 201);
  });

  it("creates a new collection for every request without a key", async () => {
    await create(null);
    await create(null);
    assert.equal(emulator.collections().length, 2);
  });

  it("does not remember failed requests under the key", async () => {
    const bad = await create("after-422", { requests: [] });
    assert.equal(bad.status, 422);
    const good = await create("after-422", { name: "now valid" });
    assert.equal(good.status, 201);
    assert.equal(good.headers.get("idempotency-replayed"), null);
  });

  it("replays a create whose response was dropped after commit", async () => {
    emulator.addFault({ method: "POST", path: "/v1/async/collections", action: "drop-after-commit" });
    await assert.rejects(create("lost"));
    assert.equal(emulator.collections().length, 1);
    const retry = await create("lost");
    assert.equal(retry.status, 201);
    assert.equal(retry.headers.get("idempotency-replayed"), "true");
    assert.equal(retry.body.id, emulator.collections()[0]?.id);
    const log: RequestLogEntry[] = emulator.requests();
    assert.deepEqual(
      log.map((e) => [e.status, e.fault, e.replayed]),
      [
        [null, "drop-after-commit", false],
        [201, null, true],
      ],
    );
  });
});
