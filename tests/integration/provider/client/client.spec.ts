import * as assert from "node:assert/strict";
import type { RunningEmulator } from "../../../../emulator";
import {
  AuthenticationError,
  IdempotencyConflictError,
  InternalServerError,
  NotFoundError,
  RateLimitError,
  ScrapingProsError,
} from "../../../../provider/client/errors";
import { calls, closeTestClients, startTestEmulator, TEST_KEY, testClient } from "../../../helpers/emulator";

const BODY = { name: "faults", requests: [{ url: "https://example.com/a", custom_id: "a" }] };

describe("client against the emulator (real sockets)", () => {
  let emu: RunningEmulator;
  before(async () => {
    emu = await startTestEmulator();
  });
  after(async () => {
    await emu.stop();
  });
  beforeEach(() => emu.reset());
  afterEach(() => closeTestClients());

  it("lost create response: the keyed retry is replayed, one collection exists", async () => {
    emu.addFault({ method: "POST", path: "/v1/async/collections", action: "drop-after-commit" });
    const { client, retries } = testClient(emu);
    const res = await client.collections.create(BODY, { idempotencyKey: "lost-1" });
    assert.equal(res.replayed, true);
    assert.equal(res.attempts, 2);
    assert.deepEqual(retries, ["POST /v1/async/collections network"]);
    assert.equal(emu.collections().length, 1);
    const posts = calls(emu, "POST");
    assert.equal(posts.length, 2);
    assert.deepEqual(
      posts.map((p) => [p.idempotencyKey, p.fault, p.replayed]),
      [
        ["lost-1", "drop-after-commit", false],
        ["lost-1", null, true],
      ],
    );
  });

  it("lost create response without a key is not retried (it could create twice)", async () => {
    emu.addFault({ method: "POST", path: "/v1/async/collections", action: "drop-after-commit" });
    const { client } = testClient(emu);
    await assert.rejects(client.collections.create(BODY), /failed without a response/);
    assert.equal(calls(emu, "POST").length, 1);
    assert.equal(emu.collections().length, 1);
  });

  it("a burst of 5xx is retried until it passes", async () => {
    emu.addFault({ method: "GET", path: "/v1/async/collections", action: "status", status: 503, times: 2 });
    emu.addFault({ method: "GET", path: "/v1/async/collections", action: "status", status: 500, times: 1 });
    const { client, retries } = testClient(emu);
    const res = await client.collections.list();
    assert.equal(res.attempts, 4);
    assert.deepEqual(
      retries.map((r) => r.split(" ").pop()),
      ["503", "503", "500"],
    );
    assert.deepEqual(
      calls(emu, "GET").map((c) => c.status),
      [503, 503, 500, 200],
    );
  });

  it("5xx beyond maxRetries surfaces as InternalServerError", async () => {
    emu.addFault({ method: "GET", path: "/v1/async/collections", action: "status", status: 502, times: 5 });
    const { client } = testClient(emu, { maxRetries: 2 });
    await assert.rejects(client.collections.list(), InternalServerError);
    assert.equal(calls(emu, "GET").length, 3);
  });

  it("429 waits for Retry-After before retrying", async () => {
    emu.addFault({
      method: "GET",
      path: "/v1/async/collections",
      action: "status",
      status: 429,
      retryAfter: "1",
    });
    const { client } = testClient(emu);
    const started = Date.now();
    await client.collections.list();
    assert.ok(Date.now() - started >= 950, `waited ${Date.now() - started} ms`);
    assert.deepEqual(
      calls(emu, "GET").map((c) => c.status),
      [429, 200],
    );
  });

  it("429s do not spend maxRetries: they are retried within the deadline", async () => {
    emu.addFault({
      method: "GET",
      path: "/v1/async/collections",
      action: "status",
      status: 429,
      retryAfter: "0",
      times: 3,
    });
    const { client, retries } = testClient(emu, { maxRetries: 1 });
    const res = await client.collections.list();
    assert.equal(res.attempts, 4);
    assert.deepEqual(retries, Array(3).fill("GET /v1/async/collections 429"));
    assert.deepEqual(
      calls(emu, "GET").map((c) => c.status),
      [429, 429, 429, 200],
    );
  });

  it("a 429 whose Retry-After ends past maxThrottleWaitMs surfaces as RateLimitError at once", async () => {
    emu.addFault({
      method: "GET",
      path: "/v1/async/collections",
      action: "status",
      status: 429,
      retryAfter: "1",
      times: 3,
    });
    const { client } = testClient(emu, { maxThrottleWaitMs: 800 });
    await assert.rejects(client.collections.list(), RateLimitError);
    assert.equal(calls(emu, "GET").length, 1);
  });

  it("a slow response hits the per-attempt timeout, then the retry succeeds", async () => {
    emu.addFault({ method: "GET", path: "/v1/async/collections", action: "delay", delayMs: 800 });
    const { client, retries } = testClient(emu, { timeoutMs: 200 });
    const res = await client.collections.list();
    assert.equal(res.attempts, 2);
    assert.deepEqual(retries, ["GET /v1/async/collections timeout"]);
    assert.equal(calls(emu, "GET").length, 2);
  });

  it("the overall deadline stops retries", async () => {
    emu.addFault({ method: "GET", path: "/v1/async/collections", action: "delay", delayMs: 600, times: 10 });
    const { client } = testClient(emu, { timeoutMs: 200, deadlineMs: 500, maxRetries: 10 });
    await assert.rejects(client.collections.list(), /timed out/);
    assert.ok(calls(emu, "GET").length <= 3, `${calls(emu, "GET").length} attempts`);
  });

  it("401 is not retried, and neither its message nor the log holds the key", async () => {
    const { client } = testClient(emu, { apiKey: `${TEST_KEY}-wrong` });
    const err = await client.collections.list().then(
      () => assert.fail("expected 401"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof AuthenticationError);
    assert.equal(calls(emu, "GET").length, 1);
    const everything = JSON.stringify({
      message: (err as Error).message,
      detail: (err as AuthenticationError).detail,
      stack: (err as Error).stack,
      log: emu.requests(),
    });
    assert.ok(!everything.includes(TEST_KEY), everything);
  });

  it("422 on a reused key with another body is an IdempotencyConflictError, not retried", async () => {
    const { client } = testClient(emu);
    await client.collections.create(BODY, { idempotencyKey: "reuse-1" });
    const err = await client.collections
      .create({ ...BODY, name: "other" }, { idempotencyKey: "reuse-1" })
      .then(
        () => assert.fail("expected 422"),
        (e: unknown) => e,
      );
    assert.ok(err instanceof IdempotencyConflictError);
    assert.equal((err as IdempotencyConflictError).status, 422);
    assert.match((err as Error).message, /422: .*Idempotency-Key/i);
    assert.equal(calls(emu, "POST").length, 2);
    assert.equal(emu.collections().length, 1);
  });

  it("404 for an unknown collection", async () => {
    const { client } = testClient(emu);
    await assert.rejects(client.collections.get("00000000-0000-4000-8000-000000000000"), NotFoundError);
  });

  it("covers every endpoint: create, list filters, get, update, run, runs, jobs, result, health", async () => {
    const { client } = testClient(emu);
    assert.equal((await client.health()).status, 200);
    const created = await client.collections.create(
      {
        name: "daily-2026-04-30",
        requests: [
          { url: "https://viator.com/tours/1", custom_id: "en_pipeline", browser: true },
          { url: "https://viator.com/tours/1", custom_id: "es_pipeline", browser: true },
          { url: "http://192.168.1.1/admin" },
        ],
      },
      { idempotencyKey: "all-1" },
    );
    assert.deepEqual(
      created.data.blocked_urls.map((b) => [b.index, b.reason]),
      [[2, "private_ip"]],
    );
    await client.collections.create({ name: "weekly", requests: [] });
    assert.equal((await client.collections.list({ name: "daily-2026-04-30" })).data.length, 1);
    assert.equal((await client.collections.list({ name_prefix: "daily-" })).data.length, 1);
    assert.equal((await client.collections.list({ since: "2000-01-01T00:00:00Z" })).data.length, 2);
    const id = created.data.id;
    assert.equal((await client.collections.get(id)).data.name, "daily-2026-04-30");
    const updated = await client.collections.update(id, {
      name: "renamed",
      requests: [{ url: "https://a.example" }],
    });
    assert.equal(updated.data.name, "renamed");
    const run = await client.runs.create(id);
    assert.equal(run.reattached, false);
    assert.equal(run.data.total_requests, 1);
    const runs = await client.runs.list(id);
    assert.equal(runs.data.items[0]?.run_id, run.data.run_id);
    const got = await client.runs.get(id, run.data.run_id);
    assert.equal(got.data.status, "completed");
    const jobs = await client.jobs.list(id, run.data.run_id);
    const jobId = jobs.data.items[0]?.job_id;
    assert.ok(jobId);
    const result = await client.jobs.result(id, run.data.run_id, jobId);
    assert.equal(result.data.statusCode, 200);
  });

  it("a run POST whose response is lost is re-attached through the runs list, never posted twice", async () => {
    const { client } = testClient(emu);
    const c = await client.collections.create({ name: "r", requests: [{ url: "https://a.example" }] });
    emu.addFault({ method: "POST", path: "/v1/async/collections/*/run", action: "drop-after-commit" });
    const run = await client.runs.create(c.data.id);
    assert.equal(run.reattached, true);
    assert.equal(calls(emu, "POST").filter((r) => r.path.endsWith("/run")).length, 1);
    const listed = calls(emu, "GET").filter((r) => r.path.endsWith("/runs"));
    assert.equal(listed[0]?.query.status_filter, "in_progress");
  });

  it("errors are branded ScrapingProsError", async () => {
    const { client } = testClient(emu);
    await assert.rejects(client.collections.get("nope"), ScrapingProsError);
  });
});
