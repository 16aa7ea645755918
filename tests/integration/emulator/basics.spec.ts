import * as assert from "node:assert/strict";
import type { RequestLogEntry, RunningEmulator } from "../../../emulator";
import { call, startTestEmulator } from "./helpers";

describe("emulator: health, auth and errors", () => {
  let emulator: RunningEmulator;
  before(async () => {
    emulator = await startTestEmulator({ apiKey: "secret-key-123" });
  });
  after(() => emulator.stop());

  it("exposes a base URL without a trailing slash", () => {
    assert.equal(emulator.url, `http://127.0.0.1:${emulator.port}`);
    assert.ok(emulator.port > 0);
  });

  it("answers GET /v1/health without auth", async () => {
    const res = await call(emulator, "GET", "/v1/health", { key: null });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: "ok" });
    assert.match(res.headers.get("content-type") ?? "", /application\/json/);
  });

  it("answers 401 without an Authorization header", async () => {
    const res = await call(emulator, "GET", "/v1/async/collections", { key: null });
    assert.equal(res.status, 401);
    assert.equal(typeof res.body.detail, "string");
    assert.equal(res.headers.get("www-authenticate"), "Bearer");
  });

  it("answers 401 for a wrong key and never echoes it", async () => {
    const sentKey = "wrong-key-DoNotEchoMe-42";
    const res = await call(emulator, "POST", "/v1/async/collections", { key: sentKey, body: { name: "x" } });
    assert.equal(res.status, 401);
    assert.equal(typeof res.body.detail, "string");
    assert.ok(!res.text.includes(sentKey), "response must not contain the key");
    assert.ok(!res.text.includes("DoNotEchoMe"));
    assert.equal(emulator.collections().length, 0);
  });

  it("answers 401 for a non-Bearer scheme", async () => {
    const res = await call(emulator, "GET", "/v1/async/collections", {
      key: null,
      headers: { authorization: "Basic c2VjcmV0LWtleS0xMjM=" },
    });
    assert.equal(res.status, 401);
  });

  it("accepts the right key on every collections route", async () => {
    const res = await call(emulator, "GET", "/v1/async/collections");
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, []);
  });

  it("logs 401s in the request log, without the key", async () => {
    await fetch(`${emulator.url}/__emulator/requests`, { method: "DELETE" });
    await call(emulator, "GET", "/v1/async/collections", { key: "wrong-key-xyz" });
    const log = (await (await fetch(`${emulator.url}/__emulator/requests`)).json()) as RequestLogEntry[];
    assert.equal(log.length, 1);
    assert.equal(log[0]?.status, 401);
    assert.ok(!JSON.stringify(log).includes("wrong-key-xyz"));
  });

  it("answers 404 Not Found for unknown routes", async () => {
    for (const p of ["/v1/nope", "/v2/async/collections", "/", "/v1/async/collections/a/b/c/d/e/f/g"]) {
      const res = await call(emulator, "GET", p);
      assert.equal(res.status, 404, p);
      assert.deepEqual(res.body, { detail: "Not Found" });
    }
  });

  it("answers 405 with Allow for a known path under another method", async () => {
    const res = await call(emulator, "DELETE", "/v1/async/collections/abc");
    assert.equal(res.status, 405);
    assert.equal(typeof res.body.detail, "string");
    assert.match(res.headers.get("allow") ?? "", /GET/);
    assert.match(res.headers.get("allow") ?? "", /PUT/);
  });

  it("treats a trailing slash as the same route", async () => {
    const res = await call(emulator, "GET", "/v1/async/collections/");
    assert.equal(res.status, 200);
  });

  it("answers 422 (json_invalid) for a body that is not JSON", async () => {
    const res = await call(emulator, "POST", "/v1/async/collections", { body: '{"name": "x",' });
    assert.equal(res.status, 422);
    assert.ok(Array.isArray(res.body.detail));
    assert.equal(res.body.detail[0].type, "json_invalid");
    assert.equal(res.body.detail[0].loc[0], "body");
  });

  it("answers FastAPI-style 422s for schema errors, with precise locations", async () => {
    const res = await call(emulator, "POST", "/v1/async/collections", {
      body: {
        requests: [{ url: "https://a.example" }, { url: "https://b.example" }, {}, { url: 42 }, "nope"],
        callback_url: 7,
      },
    });
    assert.equal(res.status, 422);
    const locs = res.body.detail.map((d: { loc: unknown[] }) => JSON.stringify(d.loc));
    assert.deepEqual(locs, [
      JSON.stringify(["body", "name"]),
      JSON.stringify(["body", "requests", 2, "url"]),
      JSON.stringify(["body", "requests", 3, "url"]),
      JSON.stringify(["body", "requests", 4]),
      JSON.stringify(["body", "callback_url"]),
    ]);
    for (const d of res.body.detail) {
      assert.equal(typeof d.msg, "string");
      assert.equal(typeof d.type, "string");
    }
    assert.equal(res.body.detail[0].type, "missing");
    assert.equal(res.body.detail[2].type, "string_type");
    assert.equal(emulator.collections().length, 0);
  });

  it("answers 422 for an empty name, a missing body and a non-object body", async () => {
    const empty = await call(emulator, "POST", "/v1/async/collections", { body: { name: "" } });
    assert.equal(empty.status, 422);
    assert.equal(empty.body.detail[0].type, "string_too_short");
    const missing = await call(emulator, "POST", "/v1/async/collections");
    assert.equal(missing.status, 422);
    assert.deepEqual(missing.body.detail[0].loc, ["body"]);
    const list = await call(emulator, "POST", "/v1/async/collections", { body: [] });
    assert.equal(list.status, 422);
  });

  it("answers 422 for a callback_url that is not an http(s) URL", async () => {
    const res = await call(emulator, "POST", "/v1/async/collections", {
      body: { name: "x", callback_url: "ftp://example.com/hook" },
    });
    assert.equal(res.status, 422);
    assert.deepEqual(res.body.detail[0].loc, ["body", "callback_url"]);
  });

  it("answers 413 for a body over 10 MB", async () => {
    const res = await call(emulator, "POST", "/v1/async/collections", {
      body: { name: "big", requests: [{ url: "https://example.com", pad: "x".repeat(11 * 1024 * 1024) }] },
    });
    assert.equal(res.status, 413);
    assert.equal(typeof res.body.detail, "string");
  });
});
