import * as assert from "node:assert/strict";
import { matchPathPattern, type RequestLogEntry, type RunningEmulator } from "../../../emulator";
import { type AnyJson, call, createCollection, startTestEmulator, waitFor } from "./helpers";

async function control(
  emulator: RunningEmulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<AnyJson> {
  const res = await fetch(`${emulator.url}/__emulator${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
  const text = await res.text();
  return { status: res.status, body: text === "" ? undefined : JSON.parse(text) };
}

const addFault = async (emulator: RunningEmulator, fault: unknown): Promise<string> => {
  const res = await control(emulator, "POST", "/faults", fault);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.equal(typeof res.body.id, "string");
  return res.body.id;
};

const requestLog = async (emulator: RunningEmulator): Promise<RequestLogEntry[]> =>
  (await control(emulator, "GET", "/requests")).body;

describe("emulator: fault injection and the control API", () => {
  let emulator: RunningEmulator;
  before(async () => {
    emulator = await startTestEmulator();
  });
  beforeEach(async () => {
    assert.deepEqual((await control(emulator, "POST", "/reset")).body, { reset: true });
  });
  after(() => emulator.stop());

  it("status: answers with the status and the default body, without processing", async () => {
    await addFault(emulator, {
      method: "POST",
      path: "/v1/async/collections",
      action: "status",
      status: 503,
    });
    const res = await call(emulator, "POST", "/v1/async/collections", { body: { name: "x" } });
    assert.equal(res.status, 503);
    assert.deepEqual(res.body, { detail: "injected fault" });
    assert.equal(emulator.collections().length, 0);
    const next = await call(emulator, "POST", "/v1/async/collections", { body: { name: "x" } });
    assert.equal(next.status, 201);
    const log = await requestLog(emulator);
    assert.deepEqual(
      log.map((e) => [e.seq, e.method, e.path, e.status, e.fault]),
      [
        [1, "POST", "/v1/async/collections", 503, "status"],
        [2, "POST", "/v1/async/collections", 201, null],
      ],
    );
  });

  it("status: sends Retry-After and a custom body; applies before auth", async () => {
    await addFault(emulator, {
      path: "/v1/async/collections",
      action: "status",
      status: 429,
      retryAfter: "2",
      body: { detail: "slow down" },
    });
    const res = await call(emulator, "GET", "/v1/async/collections", { key: null });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get("retry-after"), "2");
    assert.deepEqual(res.body, { detail: "slow down" });
  });

  it("delay: waits delayMs, then processes normally", async () => {
    await addFault(emulator, { path: "/v1/async/collections", action: "delay", delayMs: 250 });
    const started = Date.now();
    const res = await call(emulator, "POST", "/v1/async/collections", { body: { name: "slow" } });
    assert.ok(Date.now() - started >= 240);
    assert.equal(res.status, 201);
    assert.equal(emulator.collections().length, 1);
    const [entry] = await requestLog(emulator);
    assert.equal(entry?.status, 201);
    assert.equal(entry?.fault, "delay");
  });

  it("delay: a client that gives up still gets the request processed; the log shows status null", async () => {
    await addFault(emulator, { path: "/v1/async/collections", action: "delay", delayMs: 300 });
    await assert.rejects(
      fetch(`${emulator.url}/v1/async/collections`, {
        method: "POST",
        headers: { authorization: `Bearer ${emulator.apiKey}` },
        body: JSON.stringify({ name: "abandoned" }),
        signal: AbortSignal.timeout(50),
      }),
    );
    await waitFor(() => (emulator.collections().length === 1 ? true : undefined));
    const [entry] = await waitFor(async () => {
      const log = await requestLog(emulator);
      return log[0]?.status === null && emulator.collections().length === 1 ? log : undefined;
    });
    assert.equal(entry?.fault, "delay");
  });

  it("drop: destroys the socket without processing", async () => {
    await addFault(emulator, { method: "POST", path: "/v1/async/collections", action: "drop" });
    await assert.rejects(call(emulator, "POST", "/v1/async/collections", { body: { name: "dropped" } }));
    assert.equal(emulator.collections().length, 0);
    const [entry] = await requestLog(emulator);
    assert.deepEqual([entry?.status, entry?.fault], [null, "drop"]);
  });

  it("drop-after-commit: processes and commits, then destroys the socket unanswered", async () => {
    await addFault(emulator, { method: "POST", path: "/v1/async/collections", action: "drop-after-commit" });
    await assert.rejects(call(emulator, "POST", "/v1/async/collections", { body: { name: "committed" } }));
    assert.deepEqual(
      emulator.collections().map((c) => c.name),
      ["committed"],
    );
    const [entry] = await requestLog(emulator);
    assert.deepEqual([entry?.status, entry?.fault], [null, "drop-after-commit"]);
  });

  it("hold: commits, keeps the response until released by id; listed under /held meanwhile", async () => {
    const id = await addFault(emulator, { method: "POST", path: "/v1/async/collections", action: "hold" });
    let settled = false;
    const pending = call(emulator, "POST", "/v1/async/collections", { body: { name: "held" } }).then((r) => {
      settled = true;
      return r;
    });
    const held = await waitFor(async () => {
      const list = (await control(emulator, "GET", "/held")).body;
      return list.length === 1 ? list : undefined;
    });
    assert.deepEqual(held, [{ faultId: id, seq: 1, method: "POST", path: "/v1/async/collections" }]);
    // Committed already, but not answered.
    assert.equal(emulator.collections().length, 1);
    const [entry] = await requestLog(emulator);
    assert.deepEqual([entry?.status, entry?.fault], [null, "hold"]);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(settled, false);

    assert.deepEqual((await control(emulator, "POST", "/release", { id: "some-other-fault" })).body, {
      released: 0,
    });
    assert.equal(settled, false);
    assert.deepEqual((await control(emulator, "POST", "/release", { id })).body, { released: 1 });
    const res = await pending;
    assert.equal(res.status, 201);
    assert.equal(res.body.id, emulator.collections()[0]?.id);
    const [after] = await requestLog(emulator);
    assert.deepEqual([after?.status, after?.fault], [201, "hold"]);
    assert.deepEqual((await control(emulator, "GET", "/held")).body, []);
  });

  it("hold: release without an id releases every held response", async () => {
    await addFault(emulator, { path: "/v1/**", action: "hold", times: 2 });
    const a = call(emulator, "GET", "/v1/health", { key: null });
    const b = call(emulator, "GET", "/v1/async/collections");
    await waitFor(async () =>
      (await control(emulator, "GET", "/held")).body.length === 2 ? true : undefined,
    );
    assert.deepEqual((await control(emulator, "POST", "/release")).body, { released: 2 });
    assert.deepEqual([(await a).status, (await b).status], [200, 200]);
  });

  it("hold: stop() sends held responses before closing", async () => {
    const own = await startTestEmulator();
    own.addFault({ path: "/v1/health", action: "hold" });
    const pending = call(own, "GET", "/v1/health", { key: null });
    await waitFor(() => (own.requests().length === 1 ? true : undefined));
    await own.stop();
    assert.equal((await pending).status, 200);
  });

  it("consumes faults in FIFO order, each for `times` matching requests", async () => {
    await addFault(emulator, { path: "/v1/health", action: "status", status: 500, times: 2 });
    await addFault(emulator, { path: "/v1/health", action: "status", status: 502 });
    await addFault(emulator, { path: "/v1/async/collections", action: "status", status: 504 });
    const listed = (await control(emulator, "GET", "/faults")).body;
    assert.deepEqual(
      listed.map((f: { path: string; times: number; status: number; action: string; method: unknown }) => [
        f.path,
        f.times,
        f.status,
        f.action,
        f.method,
      ]),
      [
        ["/v1/health", 2, 500, "status", null],
        ["/v1/health", 1, 502, "status", null],
        ["/v1/async/collections", 1, 504, "status", null],
      ],
    );
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await call(emulator, "GET", "/v1/health", { key: null })).status);
    assert.deepEqual(statuses, [500, 500, 502, 200]);
    const remaining = (await control(emulator, "GET", "/faults")).body;
    assert.equal(remaining.length, 1);
    assert.equal(remaining[0].status, 504);
  });

  it("filters by method (case-insensitive) and matches * and ** path patterns", async () => {
    const created = await createCollection(emulator, { name: "m", requests: [{ url: "https://a.example" }] });
    await addFault(emulator, {
      method: "put",
      path: "/v1/async/collections/*",
      action: "status",
      status: 500,
    });
    await addFault(emulator, {
      method: "GET",
      path: "/v1/async/collections/*/runs/**",
      action: "status",
      status: 503,
    });
    const get = await call(emulator, "GET", `/v1/async/collections/${created.id}`);
    assert.equal(get.status, 200);
    const put = await call(emulator, "PUT", `/v1/async/collections/${created.id}`, { body: { name: "n" } });
    assert.equal(put.status, 500);
    const runs = await call(emulator, "GET", `/v1/async/collections/${created.id}/runs`);
    assert.equal(runs.status, 503);
  });

  it("matchPathPattern: * is one segment, ** is any rest", () => {
    assert.equal(matchPathPattern("/v1/async/collections", "/v1/async/collections"), true);
    assert.equal(matchPathPattern("/v1/async/collections", "/v1/async/collections/x"), false);
    assert.equal(matchPathPattern("/v1/async/collections/*", "/v1/async/collections/x"), true);
    assert.equal(matchPathPattern("/v1/async/collections/*", "/v1/async/collections/x/run"), false);
    assert.equal(matchPathPattern("/v1/async/collections/*/run", "/v1/async/collections/x/run"), true);
    assert.equal(matchPathPattern("/v1/**", "/v1"), true);
    assert.equal(matchPathPattern("/v1/**", "/v1/a/b/c"), true);
    assert.equal(matchPathPattern("/**", "/anything/at/all"), true);
    assert.equal(matchPathPattern("/v1/**/result", "/v1/a/b/result"), true);
    assert.equal(matchPathPattern("/v1/**/result", "/v1/a/b/results"), false);
    assert.equal(matchPathPattern("/v1/*", "/v1/"), false);
  });

  it("never applies faults to, or logs, control calls", async () => {
    await addFault(emulator, { path: "/**", action: "status", status: 500 });
    assert.equal((await control(emulator, "GET", "/faults")).status, 200);
    assert.equal((await control(emulator, "GET", "/collections")).status, 200);
    assert.deepEqual(await requestLog(emulator), []);
    assert.equal((await call(emulator, "GET", "/v1/health", { key: null })).status, 500);
  });

  it("DELETE /faults clears pending faults", async () => {
    await addFault(emulator, { path: "/v1/health", action: "drop", times: 5 });
    assert.deepEqual((await control(emulator, "DELETE", "/faults")).body, { cleared: 1 });
    assert.deepEqual((await control(emulator, "GET", "/faults")).body, []);
    assert.equal((await call(emulator, "GET", "/v1/health", { key: null })).status, 200);
  });

  it("rejects invalid faults with 400", async () => {
    const bad = [
      {},
      { path: "/x", action: "explode" },
      { path: "no-slash", action: "drop" },
      { path: "/x", action: "status" },
      { path: "/x", action: "status", status: 99 },
      { path: "/x", action: "drop", times: 0 },
      { path: "/x", action: "delay", delayMs: -1 },
    ];
    for (const fault of bad) {
      const res = await control(emulator, "POST", "/faults", fault);
      assert.equal(res.status, 400, JSON.stringify(fault));
      assert.equal(typeof res.body.detail, "string");
    }
    const notJson = await fetch(`${emulator.url}/__emulator/faults`, { method: "POST", body: "{" });
    assert.equal(notJson.status, 400);
  });

  it("logs every API call with the documented fields; DELETE /requests clears the log", async () => {
    await call(emulator, "GET", "/v1/async/collections?name=a&since=2026-01-01T00:00:00Z");
    await call(emulator, "POST", "/v1/async/collections", {
      body: { name: "k" },
      headers: { "Idempotency-Key": "key-1" },
    });
    const log = await requestLog(emulator);
    assert.equal(log.length, 2);
    const [list, create] = log;
    assert.deepEqual(Object.keys(list ?? {}).sort(), [
      "at",
      "fault",
      "idempotencyKey",
      "method",
      "path",
      "query",
      "rateLimited",
      "replayed",
      "seq",
      "status",
    ]);
    assert.equal(list?.rateLimited, false);
    assert.deepEqual(list?.query, { name: "a", since: "2026-01-01T00:00:00Z" });
    assert.equal(list?.path, "/v1/async/collections");
    assert.equal(list?.idempotencyKey, null);
    assert.ok(!Number.isNaN(Date.parse(list?.at ?? "")));
    assert.equal(create?.idempotencyKey, "key-1");
    assert.equal(create?.status, 201);
    assert.deepEqual((await control(emulator, "DELETE", "/requests")).body, { cleared: true });
    assert.deepEqual(await requestLog(emulator), []);
    await call(emulator, "GET", "/v1/health", { key: null });
    assert.equal((await requestLog(emulator))[0]?.seq, 3);
  });

  it("GET /collections shows stored requests and callback_url; reset empties everything", async () => {
    await createCollection(emulator, {
      name: "visible",
      requests: [{ url: "https://a.example", custom_id: "c1", browser: true }],
      callback_url: "https://hooks.example/x",
    });
    const listed = (await control(emulator, "GET", "/collections")).body;
    assert.equal(listed.length, 1);
    assert.deepEqual(Object.keys(listed[0]).sort(), [
      "callback_url",
      "created_at",
      "id",
      "name",
      "requests",
      "updated_at",
    ]);
    assert.deepEqual(listed[0].requests, [{ url: "https://a.example", custom_id: "c1", browser: true }]);
    assert.equal(listed[0].callback_url, "https://hooks.example/x");
    assert.equal(typeof listed[0].created_at, "number");

    await addFault(emulator, { path: "/v1/health", action: "drop" });
    emulator.advanceClock(1000);
    await control(emulator, "POST", "/reset");
    assert.deepEqual((await control(emulator, "GET", "/collections")).body, []);
    assert.deepEqual((await control(emulator, "GET", "/faults")).body, []);
    assert.deepEqual(await requestLog(emulator), []);
    assert.ok(Math.abs((await control(emulator, "GET", "/clock")).body.now - Date.now()) < 500);
  });

  it("POST /clock moves time forward and rejects going back", async () => {
    const before = Date.now();
    const res = await control(emulator, "POST", "/clock", { advanceMs: 3_600_000 });
    assert.equal(res.status, 200);
    assert.ok(res.body.now >= before + 3_600_000);
    assert.equal((await control(emulator, "POST", "/clock", { advanceMs: -1 })).status, 400);
    assert.equal((await control(emulator, "POST", "/clock", {})).status, 400);
  });

  it("answers 404 for unknown control routes", async () => {
    const res = await control(emulator, "GET", "/nope");
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, { detail: "Not Found" });
  });
});
