import * as assert from "node:assert/strict";
import { createHmac, timingSafeEqual } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { RunningEmulator, WebhookAttempt } from "../../../emulator";
import { type AnyJson, call, createCollection, startTestEmulator, waitFor } from "./helpers";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const DAY_MS = 24 * 60 * 60 * 1000;

interface Delivery {
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  receivedAt: number;
}

/** A local webhook receiver answering with the given statuses in turn (the last one repeats). */
async function startReceiver(statuses: number[] = [200]): Promise<{
  url: string;
  deliveries: Delivery[];
  close: () => Promise<void>;
}> {
  const deliveries: Delivery[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      deliveries.push({
        headers: req.headers,
        rawBody: Buffer.concat(chunks).toString("utf8"),
        receivedAt: Date.now(),
      });
      res.statusCode = statuses[Math.min(deliveries.length - 1, statuses.length - 1)] ?? 200;
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    deliveries,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Verifies the emulator's documented scheme: sha256=hex(HMAC(secret, `${timestamp}.${rawBody}`)). */
function verifySignature(secret: string, delivery: Delivery): boolean {
  const timestamp = String(delivery.headers["x-sp-timestamp"]);
  const expected = `sha256=${createHmac("sha256", secret).update(`${timestamp}.${delivery.rawBody}`).digest("hex")}`;
  const got = String(delivery.headers["x-sp-signature"]);
  return got.length === expected.length && timingSafeEqual(Buffer.from(got), Buffer.from(expected));
}

async function webhookLog(emulator: RunningEmulator): Promise<WebhookAttempt[]> {
  return (await (await fetch(`${emulator.url}/__emulator/webhooks`)).json()) as WebhookAttempt[];
}

describe("emulator: runs, jobs and results", () => {
  let emulator: RunningEmulator;
  before(async () => {
    emulator = await startTestEmulator({ jobDurationMs: 1000 });
  });
  beforeEach(() => emulator.reset());
  after(() => emulator.stop());

  const startRun = async (collectionId: string, body?: unknown): Promise<AnyJson> => {
    const res = await call(
      emulator,
      "POST",
      `/v1/async/collections/${collectionId}/run`,
      body === undefined ? {} : { body },
    );
    assert.equal(res.status, 200, res.text);
    return res.body;
  };
  const get = async (path: string): Promise<AnyJson> => {
    const res = await call(emulator, "GET", path);
    assert.equal(res.status, 200, `${path}: ${res.text}`);
    return res.body;
  };

  const FOUR = {
    name: "runs",
    requests: [
      { url: "https://example.com/a", custom_id: "job-a" },
      { url: "https://example.com/fail-please" },
      { url: "https://example.com/timeout-please", custom_id: "job-c" },
      { url: "https://example.com/d", custom_id: "job-d" },
    ],
  };

  it("starts a run: 200 with the documented shape, in_progress, one job id per stored request", async () => {
    const c = await createCollection(emulator, FOUR);
    const run = await startRun(c.id);
    assert.deepEqual(Object.keys(run).sort(), [
      "callback_status",
      "callback_url",
      "collection_id",
      "failed_requests",
      "job_ids",
      "run_id",
      "status",
      "success_requests",
      "timeout_requests",
      "total_requests",
    ]);
    assert.match(run.run_id, UUID_V4);
    assert.equal(run.status, "in_progress");
    assert.equal(run.total_requests, 4);
    assert.deepEqual([run.success_requests, run.failed_requests, run.timeout_requests], [0, 0, 0]);
    assert.equal(run.collection_id, c.id);
    assert.equal(run.job_ids.length, 4);
    for (const id of run.job_ids) assert.match(id, UUID_V4);
    assert.equal(new Set(run.job_ids).size, 4);
    assert.equal(run.callback_url, null);
    assert.equal(run.callback_status, null);
  });

  it("finishes jobs as emulator time passes, with outcomes from the URL", async () => {
    const c = await createCollection(emulator, FOUR);
    const run = await startRun(c.id);
    const path = `/v1/async/collections/${c.id}/runs/${run.run_id}`;
    const counters = (r: AnyJson) => [r.status, r.success_requests, r.failed_requests, r.timeout_requests];

    assert.deepEqual(counters(await get(path)), ["in_progress", 0, 0, 0]);
    emulator.advanceClock(1000);
    assert.deepEqual(counters(await get(path)), ["in_progress", 1, 0, 0]);
    emulator.advanceClock(2000);
    assert.deepEqual(counters(await get(path)), ["in_progress", 1, 1, 1]);
    emulator.advanceClock(1000);
    const done = await get(path);
    assert.deepEqual(counters(done), ["completed", 2, 1, 1]);
    assert.deepEqual(done.job_ids, run.job_ids);
    assert.equal(done.total_requests, 4);
  });

  it("lists runs newest first with created_at, and filters by status", async () => {
    const c = await createCollection(emulator, { name: "two", requests: [{ url: "https://example.com/x" }] });
    const first = await startRun(c.id);
    emulator.advanceClock(5000);
    const second = await startRun(c.id);

    const all = await get(`/v1/async/collections/${c.id}/runs`);
    assert.equal(all.total, 2);
    assert.deepEqual(
      all.items.map((r: AnyJson) => [r.run_id, r.status]),
      [
        [second.run_id, "in_progress"],
        [first.run_id, "completed"],
      ],
    );
    assert.deepEqual(Object.keys(all.items[0]).sort(), [
      "callback_status",
      "callback_url",
      "collection_id",
      "created_at",
      "failed_requests",
      "run_id",
      "status",
      "success_requests",
      "timeout_requests",
      "total_requests",
    ]);
    assert.ok(all.items[0].created_at - all.items[1].created_at >= 5);

    const live = await get(`/v1/async/collections/${c.id}/runs?status_filter=in_progress`);
    assert.deepEqual(
      live.items.map((r: AnyJson) => r.run_id),
      [second.run_id],
    );
    assert.equal(live.total, 1);
    const completed = await get(`/v1/async/collections/${c.id}/runs?status_filter=completed`);
    assert.deepEqual(
      completed.items.map((r: AnyJson) => r.run_id),
      [first.run_id],
    );
    const other = await get(`/v1/async/collections/${c.id}/runs?status_filter=cancelled`);
    assert.deepEqual(other, { items: [], total: 0 });
  });

  it("lists a run's jobs with url, custom_id, status and timestamps", async () => {
    const c = await createCollection(emulator, FOUR);
    const run = await startRun(c.id);
    emulator.advanceClock(2000);
    const jobs = await get(`/v1/async/collections/${c.id}/runs/${run.run_id}/jobs`);
    assert.equal(jobs.total, 4);
    assert.deepEqual(
      jobs.items.map((j: AnyJson) => [j.job_id, j.url, j.custom_id, j.status]),
      [
        [run.job_ids[0], "https://example.com/a", "job-a", "success"],
        [run.job_ids[1], "https://example.com/fail-please", null, "failed"],
        [run.job_ids[2], "https://example.com/timeout-please", "job-c", "in_progress"],
        [run.job_ids[3], "https://example.com/d", "job-d", "in_progress"],
      ],
    );
    const [a, , c3] = jobs.items;
    assert.equal(typeof a.created_at, "number");
    assert.ok(Math.abs(a.finished_at - (a.created_at + 1)) < 1e-6);
    assert.equal(c3.finished_at, null);
  });

  it("serves a finished job's result (404 before it finishes and 24 h after)", async () => {
    const c = await createCollection(emulator, FOUR);
    const run = await startRun(c.id);
    const result = (i: number) =>
      call(emulator, "GET", `/v1/async/collections/${c.id}/runs/${run.run_id}/jobs/${run.job_ids[i]}/result`);

    const early = await result(0);
    assert.equal(early.status, 404);
    assert.equal(typeof early.body.detail, "string");

    emulator.advanceClock(4000);
    const ok = await result(0);
    assert.equal(ok.status, 200);
    assert.deepEqual(Object.keys(ok.body).sort(), [
      "custom_id",
      "html",
      "potentiallyBlockedByCaptcha",
      "statusCode",
      "timings",
    ]);
    assert.equal(ok.body.statusCode, 200);
    assert.match(ok.body.html, /^<!doctype html>/);
    assert.equal(typeof ok.body.timings.queue_wait_ms, "number");
    assert.equal(typeof ok.body.timings.proxy_ms, "number");
    assert.equal(ok.body.potentiallyBlockedByCaptcha, false);
    assert.equal(ok.body.custom_id, "job-a");

    const failed = await result(1);
    assert.equal(failed.status, 200);
    assert.notEqual(failed.body.statusCode, 200);
    assert.equal(failed.body.custom_id, null);

    // Job 0 finished at start + 1 s, job 3 at start + 4 s; now is start + 24 h + 2 s (plus real time).
    emulator.advanceClock(DAY_MS - 2000);
    assert.equal((await result(3)).status, 200);
    const expired = await result(0);
    assert.equal(expired.status, 404);
    assert.match(expired.body.detail, /expired/);
  });

  it("answers 404 for unknown collections, runs and jobs", async () => {
    const c = await createCollection(emulator, FOUR);
    const other = await createCollection(emulator, { name: "other" });
    const run = await startRun(c.id);
    const unknown = "00000000-0000-4000-8000-000000000000";
    const cases: [string, string][] = [
      [`/v1/async/collections/${unknown}/runs`, "Collection not found"],
      [`/v1/async/collections/${c.id}/runs/${unknown}`, "Run not found"],
      [`/v1/async/collections/${other.id}/runs/${run.run_id}`, "Run not found"],
      [`/v1/async/collections/${c.id}/runs/${unknown}/jobs`, "Run not found"],
      [`/v1/async/collections/${c.id}/runs/${run.run_id}/jobs/${unknown}/result`, "Job not found"],
    ];
    for (const [path, detail] of cases) {
      const res = await call(emulator, "GET", path);
      assert.equal(res.status, 404, path);
      assert.deepEqual(res.body, { detail }, path);
    }
    const post = await call(emulator, "POST", `/v1/async/collections/${unknown}/run`);
    assert.equal(post.status, 404);
  });

  it("runs an empty collection: zero jobs, completed at once", async () => {
    const c = await createCollection(emulator, { name: "empty" });
    const run = await startRun(c.id);
    assert.equal(run.total_requests, 0);
    assert.deepEqual(run.job_ids, []);
    const now = await get(`/v1/async/collections/${c.id}/runs/${run.run_id}`);
    assert.equal(now.status, "completed");
  });

  it("snapshots the requests at run start (a later PUT does not change the run)", async () => {
    const c = await createCollection(emulator, FOUR);
    const run = await startRun(c.id);
    await call(emulator, "PUT", `/v1/async/collections/${c.id}`, { body: { requests: [] } });
    const jobs = await get(`/v1/async/collections/${c.id}/runs/${run.run_id}/jobs`);
    assert.equal(jobs.total, 4);
  });

  it("takes a per-run callback_url from the body, and validates the body", async () => {
    const c = await createCollection(emulator, { name: "cb", callback_url: "https://hooks.example/default" });
    const plain = await startRun(c.id);
    assert.equal(plain.callback_url, "https://hooks.example/default");
    assert.equal(plain.callback_status, "pending");
    const override = await startRun(c.id, { callback_url: "https://hooks.example/override" });
    assert.equal(override.callback_url, "https://hooks.example/override");
    const off = await startRun(c.id, { callback_url: null });
    assert.equal(off.callback_url, null);
    assert.equal(off.callback_status, null);
    const bad = await call(emulator, "POST", `/v1/async/collections/${c.id}/run`, { body: "{nope" });
    assert.equal(bad.status, 422);
  });
});

describe("emulator: run.completed webhooks", () => {
  const SECRET = "whsec-test-1";
  let emulator: RunningEmulator;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  before(async () => {
    emulator = await startTestEmulator({ jobDurationMs: 1000, webhookSecret: SECRET });
  });
  beforeEach(() => emulator.reset());
  afterEach(() => receiver?.close());
  after(() => emulator.stop());

  it("delivers a signed run.completed POST after the clock passes completion; callback_status becomes sent", async () => {
    receiver = await startReceiver([200]);
    const c = await createCollection(emulator, {
      name: "hooked",
      requests: [{ url: "https://example.com/ok" }, { url: "https://example.com/fail" }],
      callback_url: receiver.url,
    });
    const run = (await call(emulator, "POST", `/v1/async/collections/${c.id}/run`)).body;
    assert.equal(run.callback_status, "pending");
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(receiver.deliveries.length, 0, "nothing is sent before the run completes");

    emulator.advanceClock(2000);
    const [delivery] = await waitFor(() =>
      receiver.deliveries.length > 0 ? receiver.deliveries : undefined,
    );
    assert.ok(delivery);
    assert.equal(delivery.headers["content-type"], "application/json");
    assert.match(String(delivery.headers["x-sp-timestamp"]), /^\d{10}$/);
    assert.match(String(delivery.headers["x-sp-signature"]), /^sha256=[0-9a-f]{64}$/);
    assert.ok(verifySignature(SECRET, delivery), "signature verifies with the webhook secret");
    assert.ok(!verifySignature(emulator.apiKey, delivery), "and not with the API key");

    const payload = JSON.parse(delivery.rawBody);
    assert.deepEqual(
      { ...payload, timestamp: "t" },
      {
        event: "run.completed",
        run_id: run.run_id,
        collection_id: c.id,
        status: "completed",
        total_requests: 2,
        success_requests: 1,
        failed_requests: 1,
        timeout_requests: 0,
        job_ids: run.job_ids,
        results_url: `${emulator.url}/v1/async/collections/${c.id}/runs/${run.run_id}`,
        timestamp: "t",
      },
    );
    assert.match(payload.timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.ok(Math.abs(Date.parse(payload.timestamp) - emulator.now()) < 5000);
    assert.ok(Math.abs(Number(delivery.headers["x-sp-timestamp"]) * 1000 - emulator.now()) < 5000);

    const sent = await waitFor(async () => {
      const r = (await call(emulator, "GET", `/v1/async/collections/${c.id}/runs/${run.run_id}`)).body;
      return r.callback_status === "sent" ? r : undefined;
    });
    assert.equal(sent.status, "completed");
    assert.deepEqual(await webhookLog(emulator), [
      { run_id: run.run_id, url: receiver.url, attempt: 1, status: 200, error: null },
    ]);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(receiver.deliveries.length, 1, "delivered exactly once");
  });

  it("delivers on the real clock too (no clock advance)", async () => {
    const fast = await startTestEmulator({ jobDurationMs: 50 });
    receiver = await startReceiver([204]);
    try {
      const c = await createCollection(fast, {
        name: "timer",
        requests: [{ url: "https://example.com/1" }, { url: "https://example.com/2" }],
        callback_url: receiver.url,
      });
      const started = Date.now();
      await call(fast, "POST", `/v1/async/collections/${c.id}/run`);
      const [delivery] = await waitFor(() =>
        receiver.deliveries.length > 0 ? receiver.deliveries : undefined,
      );
      assert.ok(delivery);
      assert.ok(delivery.receivedAt - started >= 90, "not before the second job finished");
      // Default secret: the API key.
      assert.ok(verifySignature(fast.apiKey, delivery));
    } finally {
      await fast.stop();
    }
  });

  it("never calls a webhook outside loopback: each attempt is recorded as refused, then the run is failed", async () => {
    const c = await createCollection(emulator, {
      name: "external",
      requests: [{ url: "https://example.com/1" }],
      callback_url: "https://hooks.example.com/x",
    });
    const run = (await call(emulator, "POST", `/v1/async/collections/${c.id}/run`)).body;
    emulator.advanceClock(1000);
    await waitFor(async () => {
      const r = (await call(emulator, "GET", `/v1/async/collections/${c.id}/runs/${run.run_id}`)).body;
      return r.callback_status === "failed" ? r : undefined;
    });
    const log = (await webhookLog(emulator)).filter((a) => a.run_id === run.run_id);
    assert.equal(log.length, 3);
    for (const a of log) {
      assert.equal(a.status, null);
      assert.match(String(a.error), /only calls loopback webhooks/);
    }
  });

  it("retries a failing receiver 3 times (200 ms, 400 ms apart), then marks the run failed", async () => {
    receiver = await startReceiver([500]);
    const c = await createCollection(emulator, {
      name: "failing",
      requests: [{ url: "https://example.com/1" }],
      callback_url: receiver.url,
    });
    const run = (await call(emulator, "POST", `/v1/async/collections/${c.id}/run`)).body;
    emulator.advanceClock(1000);
    const failed = await waitFor(async () => {
      const r = (await call(emulator, "GET", `/v1/async/collections/${c.id}/runs/${run.run_id}`)).body;
      return r.callback_status === "failed" ? r : undefined;
    });
    assert.equal(failed.status, "completed");
    assert.equal(receiver.deliveries.length, 3);
    const [d1, d2, d3] = receiver.deliveries;
    assert.ok(d1 && d2 && d3);
    assert.ok(d2.receivedAt - d1.receivedAt >= 180, `first gap ${d2.receivedAt - d1.receivedAt}`);
    assert.ok(d3.receivedAt - d2.receivedAt >= 380, `second gap ${d3.receivedAt - d2.receivedAt}`);
    for (const d of receiver.deliveries) assert.ok(verifySignature(SECRET, d));
    assert.equal(d1.rawBody, d3.rawBody, "every attempt carries the same payload");
    const log = await webhookLog(emulator);
    assert.deepEqual(
      log.map((a) => [a.run_id, a.attempt, a.status]),
      [
        [run.run_id, 1, 500],
        [run.run_id, 2, 500],
        [run.run_id, 3, 500],
      ],
    );
    for (const a of log) assert.equal(typeof a.error, "string");
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(receiver.deliveries.length, 3, "no fourth attempt");
  });

  it("counts network errors as failed attempts and succeeds on a later attempt", async () => {
    receiver = await startReceiver([503, 200]);
    const c = await createCollection(emulator, {
      name: "flaky",
      requests: [{ url: "https://example.com/1" }],
      callback_url: receiver.url,
    });
    const run = (await call(emulator, "POST", `/v1/async/collections/${c.id}/run`)).body;
    emulator.advanceClock(1000);
    await waitFor(async () => {
      const r = (await call(emulator, "GET", `/v1/async/collections/${c.id}/runs/${run.run_id}`)).body;
      return r.callback_status === "sent" ? r : undefined;
    });
    assert.deepEqual(
      (await webhookLog(emulator)).map((a) => [a.attempt, a.status, a.error === null]),
      [
        [1, 503, false],
        [2, 200, true],
      ],
    );

    // A closed port: connection refused on every attempt.
    await receiver.close();
    const dead = await createCollection(emulator, {
      name: "dead",
      requests: [],
      callback_url: receiver.url,
    });
    const deadRun = (await call(emulator, "POST", `/v1/async/collections/${dead.id}/run`)).body;
    await waitFor(async () => {
      const r = (await call(emulator, "GET", `/v1/async/collections/${dead.id}/runs/${deadRun.run_id}`)).body;
      return r.callback_status === "failed" ? r : undefined;
    });
    const attempts = (await webhookLog(emulator)).filter((a) => a.run_id === deadRun.run_id);
    assert.deepEqual(
      attempts.map((a) => [a.attempt, a.status]),
      [
        [1, null],
        [2, null],
        [3, null],
      ],
    );
    assert.match(attempts[0]?.error ?? "", /ECONNREFUSED/);
  });
});
