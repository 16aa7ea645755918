import * as assert from "node:assert/strict";
import type { RunningEmulator } from "../../../emulator";
import { DOC_BLOCKED_MESSAGE, DOC_BLOCKED_URLS } from "../../helpers/reference";
import { call, createCollection, startTestEmulator } from "./helpers";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The create example assembled in the API reference (section 2.1), four requests. */
const REFERENCE_CREATE = {
  name: "Daily tours",
  requests: [
    { url: "https://viator.com/tours/1", custom_id: "en_pipeline", browser: true },
    { url: "https://viator.com/tours/1", custom_id: "es_pipeline", browser: true },
    { url: "https://example.org", custom_id: "tour_12346", use_proxy: "any" },
    {
      url: "www.example.com",
      browser: true,
      screenshot: false,
      actions: [{ type: "wait-for-timeout", time: 5000 }],
    },
  ],
  callback_url: "https://your-server.com/webhook",
};

describe("emulator: collections", () => {
  let emulator: RunningEmulator;
  before(async () => {
    emulator = await startTestEmulator();
  });
  beforeEach(() => emulator.reset());
  after(() => emulator.stop());

  describe("POST /v1/async/collections", () => {
    it("creates the API reference example: 201, the documented shape, the scheme-less URL blocked", async () => {
      const res = await call(emulator, "POST", "/v1/async/collections", { body: REFERENCE_CREATE });
      assert.equal(res.status, 201);
      assert.deepEqual(Object.keys(res.body).sort(), [
        "blocked_urls",
        "duplicates_skipped",
        "id",
        "message",
        "name",
      ]);
      assert.match(res.body.id, UUID_V4);
      assert.equal(res.body.name, "Daily tours");
      assert.equal(res.body.message, "Collection created successfully. 1 URL(s) blocked (SSRF protection).");
      assert.equal(res.body.duplicates_skipped, 0);
      assert.deepEqual(res.body.blocked_urls, [
        {
          index: 3,
          url: "www.example.com",
          reason: "malformed_url",
          message: res.body.blocked_urls[0].message,
        },
      ]);
      assert.equal(typeof res.body.blocked_urls[0].message, "string");

      const [stored] = emulator.collections();
      assert.ok(stored);
      assert.equal(stored.id, res.body.id);
      assert.equal(stored.callback_url, "https://your-server.com/webhook");
      // Passed-through keys are stored exactly as sent.
      assert.deepEqual(stored.requests, REFERENCE_CREATE.requests.slice(0, 3));
    });

    it("creates the seed page's body example (scheme-less URL with custom_id and actions)", async () => {
      const body = {
        name: "New collection",
        requests: [
          {
            url: "www.example.com",
            custom_id: "tour_12345",
            browser: true,
            screenshot: false,
            actions: [{ type: "wait-for-timeout", time: 5000 }],
          },
        ],
        callback_url: "https://your-server.com/webhook",
      };
      const res = await createCollection(emulator, body);
      assert.equal(res.name, "New collection");
      assert.deepEqual(
        res.blocked_urls.map((b: { index: number; reason: string }) => [b.index, b.reason]),
        [[0, "malformed_url"]],
      );
      // Every URL blocked: the collection still exists, with no requests.
      const [stored] = emulator.collections();
      assert.equal(stored?.id, res.id);
      assert.deepEqual(stored?.requests, []);
    });

    it("creates the seed page's dedup example: same URL, different custom_id kept", async () => {
      const res = await createCollection(emulator, {
        name: "Daily tours",
        requests: [
          { url: "https://viator.com/tours/1", custom_id: "en_pipeline", browser: true },
          { url: "https://viator.com/tours/1", custom_id: "es_pipeline", browser: true },
          { url: "https://viator.com/tours/2", custom_id: "en_pipeline", browser: true },
        ],
      });
      assert.deepEqual(
        { ...res, id: "x" },
        {
          id: "x",
          name: "Daily tours",
          message: "Collection created successfully.",
          duplicates_skipped: 0,
          blocked_urls: [],
        },
      );
      assert.equal(emulator.collections()[0]?.requests.length, 3);
    });

    it("reports the documented blocked_urls example at indices 1 and 4", async () => {
      const res = await createCollection(emulator, {
        name: "Daily tours",
        requests: [
          { url: "https://viator.com/tours/1" },
          { url: "http://192.168.1.1/admin" },
          { url: "https://viator.com/tours/2" },
          { url: "https://viator.com/tours/3" },
          { url: "ftp://example.com/file" },
        ],
      });
      assert.equal(res.message, DOC_BLOCKED_MESSAGE);
      assert.equal(res.duplicates_skipped, 0);
      assert.deepEqual(res.blocked_urls, DOC_BLOCKED_URLS);
      assert.deepEqual(
        emulator.collections()[0]?.requests.map((r) => r["url"]),
        ["https://viator.com/tours/1", "https://viator.com/tours/2", "https://viator.com/tours/3"],
      );
    });

    it("drops (url, custom_id) duplicates, keeping the first, and counts them", async () => {
      const res = await createCollection(emulator, {
        name: "dups",
        requests: [
          { url: "https://a.example/x", custom_id: "1", first: true },
          { url: "https://a.example/x", custom_id: "1", first: false },
          { url: "https://a.example/x", custom_id: "2" },
          { url: "https://a.example/x" },
          { url: "https://a.example/x", custom_id: null },
          { url: "https://a.example/x", custom_id: "" },
          { url: "https://a.example/x/" },
          { url: "https://A.example/x" },
          { url: "https://a.example/x" },
        ],
      });
      // Duplicates: index 1 (same pair), 4 (null = missing), 8 (missing again). URLs compare exactly.
      assert.equal(res.duplicates_skipped, 3);
      const stored = emulator.collections()[0]?.requests ?? [];
      assert.equal(stored.length, 6);
      assert.equal(stored[0]?.["first"], true);
      assert.deepEqual(
        stored.map((r) => [r["url"], r["custom_id"] ?? null]),
        [
          ["https://a.example/x", "1"],
          ["https://a.example/x", "2"],
          ["https://a.example/x", null],
          ["https://a.example/x", ""],
          ["https://a.example/x/", null],
          ["https://A.example/x", null],
        ],
      );
    });

    it("reports indices of the submitted array (before dedup)", async () => {
      const res = await createCollection(emulator, {
        name: "idx",
        requests: [{ url: "https://a.example" }, { url: "https://a.example" }, { url: "http://10.0.0.1/" }],
      });
      assert.equal(res.duplicates_skipped, 1);
      assert.equal(res.blocked_urls[0].index, 2);
    });

    it("answers 400 naming the index for a custom_id of 256 characters; 255 is fine", async () => {
      const res = await call(emulator, "POST", "/v1/async/collections", {
        body: {
          name: "long",
          requests: [
            { url: "https://a.example", custom_id: "ok" },
            { url: "https://b.example", custom_id: "x".repeat(255) },
            { url: "https://c.example", custom_id: "x".repeat(256) },
          ],
        },
      });
      assert.equal(res.status, 400);
      assert.equal(typeof res.body.detail, "string");
      assert.match(res.body.detail, /requests\[2\]/);
      assert.match(res.body.detail, /255/);
      assert.equal(emulator.collections().length, 0);

      await createCollection(emulator, {
        name: "ok",
        requests: [{ url: "https://b.example", custom_id: "x".repeat(255) }],
      });
    });

    it("accepts a create without requests (an empty collection)", async () => {
      const res = await createCollection(emulator, { name: "empty" });
      assert.equal(res.message, "Collection created successfully.");
      assert.deepEqual(emulator.collections()[0]?.requests, []);
      assert.equal(emulator.collections()[0]?.callback_url, null);
    });

    it("allows duplicate names (each create is a new collection)", async () => {
      const a = await createCollection(emulator, { name: "same" });
      const b = await createCollection(emulator, { name: "same" });
      assert.notEqual(a.id, b.id);
      assert.equal(emulator.collections().length, 2);
    });
  });

  describe("GET /v1/async/collections", () => {
    let ids: Record<string, string>;
    let t1: number;
    beforeEach(async () => {
      ids = {};
      ids["daily-2026-04-29"] = (await createCollection(emulator, { name: "daily-2026-04-29" })).id;
      ids["weekly-1"] = (await createCollection(emulator, { name: "weekly-1" })).id;
      t1 = emulator.advanceClock(60_000);
      ids["daily-2026-04-30"] = (await createCollection(emulator, { name: "daily-2026-04-30" })).id;
      ids["daily-2026-04-30b"] = (await createCollection(emulator, { name: "daily-2026-04-30" })).id;
    });

    const names = (body: { name: string }[]): string[] => body.map((c) => c.name);

    it("lists every collection as a bare array of {id, name, created_at, updated_at}, oldest first", async () => {
      const res = await call(emulator, "GET", "/v1/async/collections");
      assert.equal(res.status, 200);
      assert.ok(Array.isArray(res.body));
      assert.deepEqual(names(res.body), [
        "daily-2026-04-29",
        "weekly-1",
        "daily-2026-04-30",
        "daily-2026-04-30",
      ]);
      for (const item of res.body) {
        assert.deepEqual(Object.keys(item).sort(), ["created_at", "id", "name", "updated_at"]);
        assert.equal(typeof item.created_at, "number");
        assert.equal(item.created_at, item.updated_at);
      }
      const createdAts = res.body.map((c: { created_at: number }) => c.created_at);
      assert.deepEqual(
        [...createdAts].sort((a, b) => a - b),
        createdAts,
      );
      // Epoch seconds from the emulator clock (which is 60 s ahead now).
      assert.ok(Math.abs(res.body[3].created_at - emulator.now() / 1000) < 5);
    });

    it("filters by exact name", async () => {
      const res = await call(emulator, "GET", "/v1/async/collections?name=daily-2026-04-30");
      assert.deepEqual(
        res.body.map((c: { id: string }) => c.id),
        [ids["daily-2026-04-30"], ids["daily-2026-04-30b"]],
      );
      const none = await call(emulator, "GET", "/v1/async/collections?name=daily-");
      assert.deepEqual(none.body, []);
    });

    it("filters by name prefix", async () => {
      const res = await call(emulator, "GET", "/v1/async/collections?name_prefix=daily-");
      assert.deepEqual(names(res.body), ["daily-2026-04-29", "daily-2026-04-30", "daily-2026-04-30"]);
    });

    it("filters by since (ISO 8601 UTC, created at or after)", async () => {
      const since = new Date(t1).toISOString();
      const res = await call(emulator, "GET", `/v1/async/collections?since=${encodeURIComponent(since)}`);
      assert.deepEqual(names(res.body), ["daily-2026-04-30", "daily-2026-04-30"]);
      const all = await call(emulator, "GET", "/v1/async/collections?since=2000-01-01T00:00:00Z");
      assert.equal(all.body.length, 4);
      const future = await call(emulator, "GET", "/v1/async/collections?since=2999-01-01T00:00:00Z");
      assert.deepEqual(future.body, []);
    });

    it("combines filters with AND", async () => {
      const since = encodeURIComponent(new Date(t1).toISOString());
      const res = await call(
        emulator,
        "GET",
        `/v1/async/collections?name_prefix=daily-&since=${since}&name=daily-2026-04-30`,
      );
      assert.deepEqual(names(res.body), ["daily-2026-04-30", "daily-2026-04-30"]);
      const none = await call(emulator, "GET", `/v1/async/collections?name=weekly-1&since=${since}`);
      assert.deepEqual(none.body, []);
      const prefixAndName = await call(
        emulator,
        "GET",
        "/v1/async/collections?name_prefix=weekly&name=daily-2026-04-29",
      );
      assert.deepEqual(prefixAndName.body, []);
    });

    it("answers 422 for a since that is not ISO 8601", async () => {
      for (const bad of ["yesterday", "1777853200", "2026-13-45T00:00:00Z", "30/04/2026"]) {
        const res = await call(emulator, "GET", `/v1/async/collections?since=${encodeURIComponent(bad)}`);
        assert.equal(res.status, 422, bad);
        assert.deepEqual(res.body.detail[0].loc, ["query", "since"]);
      }
    });
  });

  describe("GET /v1/async/collections/{id}", () => {
    it("returns {id, name, created_at, updated_at} without requests or callback_url", async () => {
      const created = await createCollection(emulator, REFERENCE_CREATE);
      const res = await call(emulator, "GET", `/v1/async/collections/${created.id}`);
      assert.equal(res.status, 200);
      assert.deepEqual(Object.keys(res.body).sort(), ["created_at", "id", "name", "updated_at"]);
      assert.equal(res.body.id, created.id);
      assert.equal(res.body.name, "Daily tours");
      assert.equal(typeof res.body.created_at, "number");
    });

    it("answers 404 Collection not found for an unknown id", async () => {
      for (const id of ["c38b0bcf-cb7c-4728-8704-2c2e267dcff9", "not-a-uuid"]) {
        const res = await call(emulator, "GET", `/v1/async/collections/${id}`);
        assert.equal(res.status, 404);
        assert.deepEqual(res.body, { detail: "Collection not found" });
      }
    });
  });

  describe("PUT /v1/async/collections/{id}", () => {
    it("renames and fully replaces requests; bumps updated_at", async () => {
      const created = await createCollection(emulator, REFERENCE_CREATE);
      emulator.advanceClock(5_000);
      const res = await call(emulator, "PUT", `/v1/async/collections/${created.id}`, {
        body: {
          name: "update collection",
          requests: [
            { url: "https://example.com/a", browser: true },
            { url: "https://example.com/a", browser: false },
            { url: "http://127.0.0.1/admin" },
          ],
          callback_url: "https://ignored.example/hook",
        },
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.id, created.id);
      assert.equal(res.body.name, "update collection");
      assert.equal(res.body.message, "Collection updated successfully.");
      assert.equal(res.body.duplicates_skipped, 1);
      assert.deepEqual(
        res.body.blocked_urls.map((b: { index: number; reason: string }) => [b.index, b.reason]),
        [[2, "private_ip"]],
      );
      const [stored] = emulator.collections();
      assert.deepEqual(stored?.requests, [{ url: "https://example.com/a", browser: true }]);
      // PUT does not take callback_url.
      assert.equal(stored?.callback_url, "https://your-server.com/webhook");

      const got = await call(emulator, "GET", `/v1/async/collections/${created.id}`);
      assert.equal(got.body.name, "update collection");
      assert.ok(got.body.updated_at >= got.body.created_at + 5);
    });

    it("accepts the reference PUT example (its scheme-less URL is reported blocked)", async () => {
      const created = await createCollection(emulator, { name: "new collection" });
      const res = await call(emulator, "PUT", `/v1/async/collections/${created.id}`, {
        body: {
          name: "Updated collection",
          requests: [
            {
              url: "example.com",
              browser: true,
              screenshot: false,
              actions: [{ type: "wait-for-timeout", time: 5000 }],
            },
          ],
        },
      });
      assert.equal(res.status, 200);
      assert.deepEqual(
        { id: res.body.id, name: res.body.name, message: res.body.message },
        { id: created.id, name: "Updated collection", message: "Collection updated successfully." },
      );
      assert.deepEqual(
        res.body.blocked_urls.map((b: { index: number; reason: string }) => [b.index, b.reason]),
        [[0, "malformed_url"]],
      );
    });

    it("keeps the requests when the body has none, and the name when it has none", async () => {
      const created = await createCollection(emulator, {
        name: "keep",
        requests: [{ url: "https://a.example" }],
      });
      const renamed = await call(emulator, "PUT", `/v1/async/collections/${created.id}`, {
        body: { name: "kept" },
      });
      assert.equal(renamed.status, 200);
      assert.deepEqual(renamed.body.blocked_urls, []);
      assert.equal(renamed.body.duplicates_skipped, 0);
      assert.deepEqual(emulator.collections()[0]?.requests, [{ url: "https://a.example" }]);
      const replaced = await call(emulator, "PUT", `/v1/async/collections/${created.id}`, {
        body: { requests: [] },
      });
      assert.equal(replaced.body.name, "kept");
      assert.deepEqual(emulator.collections()[0]?.requests, []);
    });

    it("answers 400 for a long custom_id, 422 for a bad body, 404 for an unknown id", async () => {
      const created = await createCollection(emulator, {
        name: "v",
        requests: [{ url: "https://a.example" }],
      });
      const long = await call(emulator, "PUT", `/v1/async/collections/${created.id}`, {
        body: { requests: [{ url: "https://a.example", custom_id: "y".repeat(256) }] },
      });
      assert.equal(long.status, 400);
      assert.match(long.body.detail, /requests\[0\]/);
      assert.deepEqual(emulator.collections()[0]?.requests, [{ url: "https://a.example" }]);

      const bad = await call(emulator, "PUT", `/v1/async/collections/${created.id}`, { body: { name: 3 } });
      assert.equal(bad.status, 422);
      assert.deepEqual(bad.body.detail[0].loc, ["body", "name"]);

      const missing = await call(
        emulator,
        "PUT",
        "/v1/async/collections/c38b0bcf-cb7c-4728-8704-2c2e267dcff9",
        {
          body: { name: "x" },
        },
      );
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, { detail: "Collection not found" });
    });
  });
});
