import * as assert from "node:assert/strict";
import { MockAgent } from "undici";
import { normalizeBaseUrl, ScrapingProsClient } from "../../../../provider/client/client";
import {
  ApiConnectionError,
  ApiTimeoutError,
  AuthenticationError,
  ResponseValidationError,
} from "../../../../provider/client/errors";

const ORIGIN = "http://api.test";
const KEY = "sk-unit-SECRET-0001";

describe("client (MockAgent)", () => {
  let agent: MockAgent;
  let sleeps: number[];
  const client = (extra: Partial<ConstructorParameters<typeof ScrapingProsClient>[0]> = {}) =>
    new ScrapingProsClient({
      apiKey: KEY,
      baseUrl: `${ORIGIN}/v1/`,
      dispatcher: agent,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
      ...extra,
    });

  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
    sleeps = [];
  });
  afterEach(async () => {
    agent.assertNoPendingInterceptors();
    await agent.close();
  });

  it("normalizes the base URL so /v1 is never doubled", () => {
    assert.equal(normalizeBaseUrl("https://api.scrapingpros.com/v1/"), "https://api.scrapingpros.com");
    assert.equal(normalizeBaseUrl("http://127.0.0.1:9/"), "http://127.0.0.1:9");
    assert.throws(() => normalizeBaseUrl("ftp://x"));
  });

  it("sends auth, user agent and JSON; exposes Idempotency-Replayed", async () => {
    let seen: Record<string, string> = {};
    agent
      .get(ORIGIN)
      .intercept({ path: "/v1/async/collections", method: "POST" })
      .reply(
        200,
        (opts) => {
          seen = opts.headers as Record<string, string>;
          return { id: "c1", name: "n", message: "ok" };
        },
        { headers: { "idempotency-replayed": "True" } },
      );
    const res = await client().collections.create({ name: "n", requests: [] }, { idempotencyKey: "k-1" });
    assert.equal(res.replayed, true);
    assert.equal(res.data.duplicates_skipped, 0);
    assert.deepEqual(res.data.blocked_urls, []);
    assert.equal(seen.authorization, `Bearer ${KEY}`);
    assert.equal(seen["idempotency-key"], "k-1");
    assert.match(seen["user-agent"] ?? "", /^pulumi-scrapingpros\/\d+\.\d+\.\d+ node\//);
  });

  it("retries 503 then succeeds, honouring Retry-After", async () => {
    const pool = agent.get(ORIGIN);
    pool
      .intercept({ path: "/v1/async/collections/c1", method: "GET" })
      .reply(503, { detail: "busy" }, { headers: { "retry-after": "1" } });
    pool.intercept({ path: "/v1/async/collections/c1", method: "GET" }).reply(500, "oops");
    pool.intercept({ path: "/v1/async/collections/c1", method: "GET" }).reply(200, { id: "c1", name: "n" });
    // A fixed clock: the wait is computed from the pause's end, which a running clock would shorten.
    const res = await client({ now: () => 1_000_000 }).collections.get("c1");
    assert.equal(res.attempts, 3);
    assert.deepEqual(sleeps, [1000, 750]);
  });

  it("does not retry a POST without a key", async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: "/v1/async/collections", method: "POST" })
      .reply(503, { detail: "busy" });
    await assert.rejects(client().collections.create({ name: "n", requests: [] }), /failed with 503/);
    assert.deepEqual(sleeps, []);
  });

  it("does not retry 401 and keeps the key out of the error", async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: "/v1/async/collections", method: "GET" })
      .reply(401, { detail: `invalid key ${KEY}` });
    const err = await client()
      .collections.list()
      .then(
        () => assert.fail("expected a rejection"),
        (e: unknown) => e,
      );
    assert.ok(err instanceof AuthenticationError);
    assert.ok(
      !JSON.stringify({ m: (err as Error).message, d: (err as AuthenticationError).detail }).includes(KEY),
    );
    assert.match((err as Error).message, /\[REDACTED\]/);
  });

  it("gives up at maxRetries with the last error", async () => {
    const pool = agent.get(ORIGIN);
    for (let i = 0; i < 3; i++)
      pool.intercept({ path: "/v1/health", method: "GET" }).replyWithError(new Error("socket hang up"));
    await assert.rejects(client({ maxRetries: 2 }).health(), ApiConnectionError);
    assert.equal(sleeps.length, 2);
  });

  it("times out a slow attempt", async () => {
    agent.get(ORIGIN).intercept({ path: "/v1/health", method: "GET" }).reply(200, {}).delay(500);
    await assert.rejects(client({ maxRetries: 0, timeoutMs: 50 }).health(), ApiTimeoutError);
  });

  it("a 2xx body of the wrong shape is a ResponseValidationError listing the issue", async () => {
    agent.get(ORIGIN).intercept({ path: "/v1/async/collections/c1", method: "GET" }).reply(200, { id: 5 });
    await assert.rejects(client().collections.get("c1"), (e: unknown) => {
      assert.ok(e instanceof ResponseValidationError);
      assert.match(e.message, /id/);
      return true;
    });
  });

  it("encodes path parameters and rejects dot segments", async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: "/v1/async/collections/a%2Fb", method: "GET" })
      .reply(200, { id: "a/b", name: "n" });
    assert.equal((await client().collections.get("a/b")).data.id, "a/b");
    await assert.rejects(client().collections.get(".."), TypeError);
  });
});
