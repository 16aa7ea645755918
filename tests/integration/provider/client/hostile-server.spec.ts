import * as assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { Agent, interceptors } from "undici";
import { type ClientOptions, ScrapingProsClient } from "../../../../provider/client/client";
import {
  ApiConnectionError,
  ApiError,
  ApiTimeoutError,
  InternalServerError,
  RateLimitError,
  ResponseTooLargeError,
  ResponseValidationError,
  type ScrapingProsError,
} from "../../../../provider/client/errors";
import { RateLimits } from "../../../../provider/client/rate-limits";
import { resolveSettings } from "../../../../provider/core/config";
import { userErrorFor } from "../../../../provider/core/messages";
import { type HostileServer, perSecond, startHostile, startRaw } from "../../../helpers/hostile-server";
import { everythingOf, keyRunsIn } from "../../../helpers/key-runs";

// Built at run time: the repository must hold nothing that looks like a live key.
const KEY = "sk_" + "live_" + "hostileKEY7c6b5a49";

/**
 * The client against small hostile HTTP servers on 127.0.0.1: answers a real API should
 * never give, each kept as a test. The client must stay bounded in requests, bytes and time, and
 * never leak the key.
 */
describe("client against hostile servers (real sockets)", () => {
  let server: HostileServer | undefined;
  let other: HostileServer | undefined;
  const clients: ScrapingProsClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await server?.stop();
    await other?.stop();
    server = undefined;
    other = undefined;
  });

  const client = (extra: Partial<ClientOptions> = {}) => {
    const c = new ScrapingProsClient({
      apiKey: KEY,
      baseUrl: server?.url,
      rateLimits: new RateLimits(),
      ...extra,
    });
    clients.push(c);
    return c;
  };
  const failure = (p: Promise<unknown>): Promise<ScrapingProsError> =>
    p.then(
      () => assert.fail("expected the call to fail"),
      (e: unknown) => e as ScrapingProsError,
    );
  const settings = (values: Record<string, string> = {}) =>
    resolveSettings({ get: (k) => ({ "scrapingpros:apiKey": KEY, ...values })[k] }, {});
  /** The message the provider would show for `e`. */
  const shown = (e: unknown, values: Record<string, string> = {}) =>
    (userErrorFor(e, { op: "read", settings: settings(values), baseUrl: server?.url }) as Error).message;
  const assertNoKey = (e: unknown) => {
    const all = everythingOf(e) + shown(e);
    assert.deepEqual(keyRunsIn(all, KEY), [], all.slice(0, 2000));
  };

  describe("Retry-After storms: requests per second of wall time, 5 calls at once for 3 s", () => {
    const pastDate = new Date(Date.now() - 3_600_000).toUTCString();
    const storms: [string, number, Record<string, string>][] = [
      ["429, Retry-After: 0", 429, { "retry-after": "0" }],
      ["429, Retry-After: a date an hour ago", 429, { "retry-after": pastDate }],
      ["429, Retry-After: garbage", 429, { "retry-after": "later, maybe" }],
      ["429, Retry-After: -5", 429, { "retry-after": "-5" }],
      ["429 without Retry-After", 429, {}],
      ["503, Retry-After: 0", 503, { "retry-after": "0" }],
      ["429 and 503 alternating, Retry-After: 0", 0, { "retry-after": "0" }],
    ];
    for (const [what, status, headers] of storms) {
      it(`${what}: at most a few requests per second, and the error says it was throttled`, async () => {
        server = await startHostile((_req, res, n) => {
          res.writeHead(status || (n % 2 ? 503 : 429), { "content-type": "application/json", ...headers });
          res.end('{"detail":"slow down"}');
        });
        const c = client({ maxThrottleWaitMs: 3000 });
        const errors = await Promise.all(Array.from({ length: 5 }, () => failure(c.collections.list())));
        const total = server.received.length;
        const buckets = perSecond(server.received);
        // Before the floor: about 10,000 requests in 3 s.
        assert.ok(total <= 30, `${total} requests: ${buckets}`);
        assert.ok(Math.max(...buckets) <= 16, `per second: ${buckets}`);
        for (const e of errors) {
          assert.ok(e instanceof RateLimitError || e instanceof InternalServerError, String(e));
          assert.equal(e.history?.stop, "maxThrottleWaitMs");
        }
        const sentByCalls = errors.reduce((n, e) => n + (e.history?.attempts ?? 0), 0);
        assert.equal(sentByCalls, total, "each request is counted by its call");
        const m = shown(errors[0], { "scrapingpros:maxThrottleWaitMs": "3000" });
        assert.match(
          m,
          /gave up after \d+ attempts? in [\d.]+ m?s: the API throttled it (once|\d+ times) \((429|503 with Retry-After)[^)]*\) for [\d.]+ m?s\. Waits for the API's rate limit may take at most 3000 ms \(stack config scrapingpros:maxThrottleWaitMs\) in all/,
        );
        assert.doesNotMatch(m, /no answer/);
      });
    }

    it("429, Retry-After: 99999999999 (capped at 60 s, past the 3 s budget): one request per call, then a clear error", async () => {
      server = await startHostile((_req, res) => {
        res.writeHead(429, { "retry-after": "99999999999", "content-type": "application/json" });
        res.end('{"detail":"come back in 3000 years"}');
      });
      const started = Date.now();
      const e = await failure(client({ maxThrottleWaitMs: 3000 }).collections.list());
      assert.ok(Date.now() - started < 1000);
      assert.equal(server.received.length, 1);
      assert.equal(e.history?.stop, "maxThrottleWaitMs");
    });

    it("503 without Retry-After is a failure: maxRetries bounds it, and the error says 'failed', not 'no answer'", async () => {
      server = await startHostile((_req, res) => {
        res.writeHead(503, { "content-type": "application/json" });
        res.end('{"detail":"down"}');
      });
      const e = await failure(client({ maxRetries: 2 }).collections.list());
      assert.equal(server.received.length, 3);
      assert.equal(
        shown(e, { "scrapingpros:maxRetries": "2" }).replace(/ in [\d.]+ m?s:/, " in <t>:"),
        "GET /v1/async/collections gave up after 3 attempts in <t>: the API failed 3 times (503 ×3). Retries after " +
          "failures: at most 2 (stack config scrapingpros:maxRetries) (throttled attempts are not counted). The last " +
          `answer: failed with 503: down. Check that ${server.url} is up; raise scrapingpros:maxRetries to retry more.`,
      );
    });
  });

  describe("bodies: bounded in bytes and in time", () => {
    /** Writes 64 KiB chunks until `total` bytes or the client hangs up. */
    const flood = (res: import("node:http").ServerResponse, total: number) => {
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let written = 0;
      const more = () => {
        while (written < total && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", more);
        }
        res.end();
      };
      more();
    };

    it("a 200 with a 300 MB body (chunked) stops at maxResponseBytes: the rest is never read", async () => {
      server = await startHostile((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        flood(res, 300 * 1024 * 1024);
      });
      global.gc?.();
      const rss = process.memoryUsage().rss;
      const e = await failure(client().collections.list());
      const grew = process.memoryUsage().rss - rss;
      assert.ok(e instanceof ResponseTooLargeError, String(e));
      assert.equal(e.limitBytes, 32 * 1024 * 1024);
      assert.match(e.message, /larger than the client's maxResponseBytes \(33554432 bytes\)/);
      assert.equal(server.received.length, 1, "not retried");
      assert.ok(server.bytesSent() < 48 * 1024 * 1024, `${server.bytesSent()} bytes sent`);
      // Without the bound: +575 MB.
      assert.ok(grew < 200 * 1024 * 1024, `RSS grew by ${grew}`);
    });

    it("a smaller maxResponseBytes applies, and a declared Content-Length over it fails before any byte is read", async () => {
      server = await startHostile((_req, res) => {
        res.writeHead(200, {
          "content-type": "application/json",
          "content-length": String(300 * 1024 * 1024),
        });
        flood(res, 300 * 1024 * 1024);
      });
      const e = await failure(client({ maxResponseBytes: 1024 * 1024 }).collections.list());
      assert.ok(e instanceof ResponseTooLargeError);
      assert.match(e.message, /1048576 bytes; Content-Length says 314572800/);
      assert.ok(server.bytesSent() < 16 * 1024 * 1024, `${server.bytesSent()} bytes sent`);
    });

    it("a 500 with a 300 MB body: only what a message needs is read, and the message stays short", async () => {
      server = await startHostile((_req, res) => {
        res.writeHead(500, { "content-type": "text/plain" });
        flood(res, 300 * 1024 * 1024);
      });
      const e = await failure(client({ maxRetries: 1 }).collections.list());
      assert.ok(e instanceof InternalServerError);
      assert.equal(server.received.length, 2);
      assert.ok(e.message.length < 700, `${e.message.length} characters`);
      assert.ok(server.bytesSent() < 16 * 1024 * 1024, `${server.bytesSent()} bytes sent`);
    });

    it("a body that drips one byte every 50 ms times out at timeoutMs: the timeout covers the body", async () => {
      server = await startHostile((_req, res) => {
        res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
        const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write(" ")), 50);
        res.on("close", () => clearInterval(t));
      });
      const started = Date.now();
      const e = await failure(client({ timeoutMs: 500, maxRetries: 1 }).collections.list());
      assert.ok(e instanceof ApiTimeoutError, String(e));
      assert.ok(Date.now() - started < 3000, `${Date.now() - started} ms`);
      assert.equal(server.received.length, 2);
    });

    it("headers, then a body that never comes; and no answer at all: both time out", async () => {
      server = await startHostile((_req, res) =>
        res.writeHead(200, { "content-type": "application/json" }).flushHeaders(),
      );
      let e = await failure(client({ timeoutMs: 300, maxRetries: 0 }).collections.list());
      assert.ok(e instanceof ApiTimeoutError);
      await server.stop();
      server = await startRaw(() => {});
      e = await failure(client({ timeoutMs: 300, maxRetries: 0 }).collections.list());
      assert.ok(e instanceof ApiTimeoutError);
      assert.equal(server.received.length, 1);
    });

    it("a 200 whose JSON nests 100,000 deep is refused without a stack overflow", async () => {
      server = await startHostile((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(`${"[".repeat(100_000)}${"]".repeat(100_000)}`);
      });
      const e = await failure(client().health());
      assert.ok(e instanceof ResponseValidationError, String(e));
      assert.match(e.message, /nests deeper than 256 levels/);
      // Also inside a field of an object the schema keeps loosely.
      await server.stop();
      server = await startHostile((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(`{"status":"ok","x":${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}}`);
      });
      assert.match((await failure(client().health())).message, /nests deeper than 256 levels/);
    });

    it("a 200 with invalid UTF-8 is refused", async () => {
      server = await startHostile((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          Buffer.concat([
            Buffer.from('[{"id":"c1","name":"'),
            Buffer.from([0xff, 0xfe, 0xc3]),
            Buffer.from('"}]'),
          ]),
        );
      });
      const e = await failure(client().collections.list());
      assert.ok(e instanceof ResponseValidationError);
      assert.match(e.message, /body is not valid UTF-8/);
    });

    it("a 2xx with a content type that is not JSON is refused, even when the body parses", async () => {
      for (const [type, body] of [
        ["text/html; charset=utf-8", "<html><body>Welcome to the captive portal</body></html>"],
        ["text/plain", "[]"],
      ]) {
        await server?.stop();
        server = await startHostile((_req, res) => {
          res.writeHead(200, { "content-type": type as string });
          res.end(body);
        });
        const e = await failure(client().collections.list());
        assert.ok(e instanceof ResponseValidationError);
        assert.match(
          e.message,
          new RegExp(`content type is "${(type as string).replace(/[;]/g, "\\$&")}", not JSON`),
        );
      }
      // application/json with parameters and +json types are JSON.
      await server?.stop();
      server = await startHostile((_req, res) => {
        res.writeHead(200, { "content-type": "application/problem+json; charset=utf-8" });
        res.end("[]");
      });
      assert.deepEqual((await client().collections.list()).data, []);
    });

    it("a 200 gzip-encoded although nobody asked: not read as JSON", async () => {
      server = await startHostile((_req, res) => {
        res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
        res.end(gzipSync(Buffer.from("[]")));
      });
      const e = await failure(client().collections.list());
      assert.ok(e instanceof ResponseValidationError, String(e));
    });
  });

  describe("transport: redirects, upgrades, resets, giant headers", () => {
    it("a 302 to another host: not followed, the other host receives nothing (no Authorization sent anywhere else)", async () => {
      other = await startHostile((_req, res) => res.end("[]"));
      server = await startHostile((_req, res) => {
        res.writeHead(302, { location: `${other?.url}/v1/async/collections` });
        res.end();
      });
      const e = await failure(client().collections.list());
      assert.ok(e instanceof ApiError);
      assert.equal(e.status, 302);
      assert.match(
        e.message,
        new RegExp(`was redirected \\(302\\) to ${other.url}: the client follows no redirect`),
      );
      assert.equal(other.received.length, 0);
      assert.equal(server.received.length, 1, "a redirect is not retried");
    });

    it("a 307 on the same host, and a 301 whose Location carries credentials: not followed; credentials not shown", async () => {
      server = await startHostile((_req, res, n) => {
        res.writeHead(n === 0 ? 307 : 301, {
          location: n === 0 ? "/v1/elsewhere" : `http://user:${KEY}@evil.example/x`,
        });
        res.end();
      });
      assert.match(
        (await failure(client().collections.list())).message,
        /was redirected \(307\) to another path/,
      );
      const e = await failure(client().collections.list());
      assert.match(e.message, /was redirected \(301\) to http:\/\/evil\.example:/);
      assertNoKey(e);
    });

    it("a dispatcher with undici's redirect interceptor still follows nothing", async () => {
      other = await startHostile((_req, res) => res.end("[]"));
      server = await startHostile((_req, res) => {
        res.writeHead(302, { location: `${other?.url}/v1/async/collections` });
        res.end();
      });
      const agent = new Agent().compose(interceptors.redirect({ maxRedirections: 5 }));
      try {
        const e = await failure(client({ dispatcher: agent }).collections.list());
        assert.equal((e as ApiError).status, 302);
        assert.equal(other.received.length, 0);
      } finally {
        await agent.close();
      }
    });

    it("a 103 Early Hints before the 200 is fine", async () => {
      server = await startRaw((socket) => {
        socket.end(
          "HTTP/1.1 103 Early Hints\r\nlink: </a.css>; rel=preload\r\n\r\n" +
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n[]",
        );
      });
      assert.deepEqual((await client().collections.list()).data, []);
    });

    it("a 101 Switching Protocols to a plain GET: a connection error, bounded by maxRetries", async () => {
      server = await startRaw((socket) => {
        socket.write("HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n");
      });
      const e = await failure(client({ maxRetries: 1, initialDelayMs: 10 }).collections.list());
      assert.ok(e instanceof ApiConnectionError, String(e));
      assert.equal(server.received.length, 2);
    });

    it("a connection reset mid-body, and a body shorter than its Content-Length: retried, then a connection error", async () => {
      server = await startRaw((socket, n) => {
        socket.write(
          'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n[{"id":',
        );
        if (n % 2 === 0) setTimeout(() => socket.resetAndDestroy(), 20);
        else setTimeout(() => socket.end(), 20);
      });
      const e = await failure(client({ maxRetries: 3, initialDelayMs: 10 }).collections.list());
      assert.ok(e instanceof ApiConnectionError && !(e instanceof ApiTimeoutError), String(e));
      assert.equal(server.received.length, 4);
      assert.deepEqual(e.history?.noAnswer, { network: 4, timeout: 0 });
      assert.match(shown(e), /^could not reach the ScrapingPros API at .* after 4 attempts: /);
    });

    it("a 100 KB response header: a connection error, not a hang or a crash", async () => {
      server = await startRaw((socket) => {
        socket.end(`HTTP/1.1 200 OK\r\nx-big: ${"a".repeat(100_000)}\r\ncontent-length: 2\r\n\r\n[]`);
      });
      const e = await failure(client({ maxRetries: 1, initialDelayMs: 10 }).collections.list());
      assert.ok(e instanceof ApiConnectionError);
      assert.match(e.message, /UND_ERR_HEADERS_OVERFLOW/);
      assert.equal(server.received.length, 2);
    });

    it("garbage instead of HTTP that contains the key: a connection error, and the parser's copy of the bytes is dropped", async () => {
      server = await startRaw((socket) => {
        socket.end(`HTTP/1.1 200 OK\r\nx-echo ${KEY}: Bearer ${KEY}\r\n\r\n`);
      });
      const e = await failure(client({ maxRetries: 0 }).collections.list());
      assert.ok(e instanceof ApiConnectionError, String(e));
      assertNoKey(e);
    });
  });

  describe("the key echoed back: redacted from the message, detail, headers, issues and causes", () => {
    const escaped = (s: string) =>
      s
        .split("")
        .map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
        .join("");
    const echoes: [string, number, Record<string, string>, string | Buffer][] = [
      [
        "a FastAPI detail list, JSON-escaped",
        401,
        { "content-type": "application/json" },
        `{"detail":[{"loc":["header","authorization"],"msg":"bad token ${escaped(KEY)}","input":"Bearer ${escaped(KEY)}"}]}`,
      ],
      [
        "a detail object",
        400,
        { "content-type": "application/json" },
        JSON.stringify({ detail: { error: "invalid", token: KEY, path: "/v1/x" } }).replace(/\//g, "\\/"),
      ],
      [
        "a URL-encoded key in a detail string",
        400,
        { "content-type": "application/json" },
        JSON.stringify({ detail: `callback https://h.example/cb?key=${encodeURIComponent(KEY)} refused` }),
      ],
      [
        "the key near the 500-character cut",
        400,
        { "content-type": "text/plain" },
        `${"E".repeat(482)}Bearer ${KEY}`,
      ],
      [
        "the key in response headers: Authorization echoed, base64 in another",
        403,
        {
          "content-type": "application/json",
          "x-echo-authorization": `Bearer ${KEY}`,
          "www-authenticate": `Bearer error="invalid_token", token="${KEY.slice(3, 20)}"`,
          "x-debug": Buffer.from(`Authorization: Bearer ${KEY}`).toString("base64"),
        },
        '{"detail":"forbidden"}',
      ],
      [
        "the key HTML-escaped in an HTML error page",
        502,
        { "content-type": "text/html" },
        `<html><body><p>upstream said: ${[...KEY].map((c) => `&#x${c.charCodeAt(0).toString(16)};`).join("")}</p></body></html>`,
      ],
      [
        "a 300 KB error body with the key across the 500-character cut",
        500,
        { "content-type": "text/plain" },
        `${"x".repeat(490)}${KEY}${"y".repeat(300_000)}`,
      ],
    ];
    for (const [what, status, headers, body] of echoes) {
      it(what, async () => {
        server = await startHostile((_req, res) => {
          res.writeHead(status, headers);
          res.end(body);
        });
        const e = await failure(client({ maxRetries: 0 }).collections.list());
        assert.ok(e instanceof ApiError, String(e));
        assertNoKey(e);
        assert.match(everythingOf(e) + shown(e), /\[REDACTED\]/);
      });
    }

    it("a 200 whose unexpected entry is named after the key: the validation issue's path is redacted", async () => {
      server = await startHostile((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ statusCode: 200, timings: { [KEY]: "not a number" } }));
      });
      const e = await failure(client().jobs.result("c", "r", "j"));
      assert.ok(e instanceof ResponseValidationError, String(e));
      assert.match(e.message, /timings\.\[REDACTED\]/);
      assertNoKey(e);
    });
  });
});
