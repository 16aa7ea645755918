import * as assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as net from "node:net";
import { request as undiciRequest } from "undici";
import {
  createWebhookVerifier,
  signWebhookPayload,
  type VerifiedWebhook,
  verifyWebhook,
  type WebhookHeaders,
  WebhookVerificationError,
} from "../../../sdk/webhooks";

// The verifier inside a REAL node:http server, fed by real clients (node:http, fetch, undici, a raw
// socket): header lines arrive as servers deliver them, not as a test would write them.

const NEW_SECRET = "whsec-http-new-71d2";
const OLD_SECRET = "whsec-http-old-0a9f";
const BODY =
  '{"event": "run.completed", "run_id": "r-http", "collection_id": "c-http", "status": "completed", "total_requests": 1, "success_requests": 1, "failed_requests": 0}';
/** An environment variable nobody sets: the README snippet's `process.env.WEBHOOK_SECRET!` when unset. */
const UNSET = "SP_WEBHOOK_SECRET_NEVER_SET_91c4";

type Outcome = string; // "ok:<run_id>" or the refusal reason

/** What each way of reading the request gives, per server-side form. */
interface Verdicts {
  "req.headers": Outcome;
  "req.headersDistinct": Outcome;
  "req.rawHeaders": Outcome;
  "WHATWG Request": Outcome;
}

function outcome(fn: () => VerifiedWebhook): Outcome {
  try {
    return `ok:${fn().event.run_id}`;
  } catch (e) {
    if (e instanceof WebhookVerificationError) return e.reason;
    throw e;
  }
}

interface Server {
  url: string;
  close(): Promise<void>;
}

async function listen(handler: http.RequestListener): Promise<Server> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** A receiver that only knows the new secret, verifying each request in four server-side forms. */
async function startVerdictServer(): Promise<Server> {
  const verify = createWebhookVerifier({ secret: NEW_SECRET });
  return listen(async (req, res) => {
    const rawBody = await readBody(req);
    // What a fetch-style framework (Hono, Next.js route handlers) builds from node's request.
    const fetchHeaders = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      fetchHeaders.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
    }
    const request = new Request(`http://127.0.0.1${req.url}`, {
      method: "POST",
      headers: fetchHeaders,
      body: rawBody,
    });
    const requestBody = new Uint8Array(await request.arrayBuffer());
    const verdicts: Verdicts = {
      "req.headers": outcome(() => verify({ rawBody, headers: req.headers })),
      "req.headersDistinct": outcome(() => verify({ rawBody, headers: req.headersDistinct })),
      "req.rawHeaders": outcome(() => verify({ rawBody, headers: req.rawHeaders })),
      "WHATWG Request": outcome(() => verify({ rawBody: requestBody, headers: request.headers })),
    };
    const json = JSON.stringify(verdicts);
    res
      .writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(json) })
      .end(json);
  });
}

const now = () => String(Math.floor(Date.now() / 1000));
const sign = (secret: string, ts: string, body = BODY) => signWebhookPayload(secret, ts, body);

/** Sends exactly these header lines (name case and order kept) over a raw socket. */
function rawPost(url: string, lines: [string, string][], body = BODY): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), "127.0.0.1");
    let response = "";
    socket.on("data", (c) => {
      response += c.toString("utf8");
    });
    socket.on("end", () => resolve(response.slice(response.indexOf("\r\n\r\n") + 4)));
    socket.on("error", reject);
    const head = [
      "POST /hook HTTP/1.1",
      "Host: 127.0.0.1",
      "Connection: close",
      "Content-Type: application/json",
      `Content-Length: ${Buffer.byteLength(body)}`,
      ...lines.map(([k, v]) => `${k}: ${v}`),
    ];
    socket.end(`${head.join("\r\n")}\r\n\r\n${body}`);
  });
}

function nodePost(url: string, headers: http.OutgoingHttpHeaders, body = BODY): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const ALL_OK: Verdicts = {
  "req.headers": "ok:r-http",
  "req.headersDistinct": "ok:r-http",
  "req.rawHeaders": "ok:r-http",
  "WHATWG Request": "ok:r-http",
};
const all = (reason: string): Verdicts => ({
  "req.headers": reason,
  "req.headersDistinct": reason,
  "req.rawHeaders": reason,
  "WHATWG Request": reason,
});

describe("verifyWebhook in a real node:http server, posted to by real clients", () => {
  let server: Server;
  before(async () => {
    server = await startVerdictServer();
  });
  after(() => server.close());

  it("two X-SP-Signature lines from node:http (a rotation: old secret first) verify in every server-side form", async () => {
    const ts = now();
    const got = await nodePost(server.url, {
      "X-SP-Signature": [sign(OLD_SECRET, ts), sign(NEW_SECRET, ts)],
      "X-SP-Timestamp": ts,
    });
    assert.deepEqual(JSON.parse(got), ALL_OK);
    // And with the new one first.
    const got2 = await nodePost(server.url, {
      "x-sp-signature": [sign(NEW_SECRET, ts), sign(OLD_SECRET, ts)],
      "x-sp-timestamp": ts,
    });
    assert.deepEqual(JSON.parse(got2), ALL_OK);
  });

  it("fetch's Headers joins two appended signatures into one 'a, b' line; it verifies", async () => {
    const ts = now();
    const headers = new Headers({ "X-SP-Timestamp": ts });
    headers.append("X-SP-Signature", sign(OLD_SECRET, ts));
    headers.append("x-sp-signature", sign(NEW_SECRET, ts));
    const res = await fetch(server.url, { method: "POST", headers, body: BODY });
    assert.deepEqual(await res.json(), ALL_OK);
    // A WHATWG Request posted with fetch, as a sender built on fetch would.
    const req = new Request(server.url, { method: "POST", headers, body: BODY });
    assert.deepEqual(await (await fetch(req)).json(), ALL_OK);
  });

  it("undici with two header lines in different case verifies", async () => {
    const ts = now();
    const res = await undiciRequest(server.url, {
      method: "POST",
      headers: [
        "X-SP-SIGNATURE",
        sign(OLD_SECRET, ts),
        "x-sp-signature",
        sign(NEW_SECRET, ts),
        "x-Sp-Timestamp",
        ts,
      ],
      body: BODY,
    });
    assert.deepEqual(await res.body.json(), ALL_OK);
  });

  it("raw header lines: odd name case, a comma-joined list with and without spaces, tabs around values", async () => {
    const ts = now();
    const [oldSig, newSig] = [sign(OLD_SECRET, ts), sign(NEW_SECRET, ts)];
    for (const lines of [
      [
        ["x-Sp-SIGNATURE", oldSig],
        ["X-SP-signature", newSig],
        ["X-SP-TIMESTAMP", ts],
      ],
      [
        ["X-SP-Signature", `${oldSig},${newSig}`],
        ["X-SP-Timestamp", ts],
      ],
      [
        ["X-SP-Signature", `${oldSig} , ${newSig}`],
        ["X-SP-Timestamp", `\t${ts} `],
      ],
      [
        ["X-SP-Signature", `${newSig},`],
        ["X-SP-Signature", ""],
        ["X-SP-Timestamp", ts],
      ],
    ] as [string, string][][]) {
      assert.deepEqual(
        JSON.parse(await rawPost(server.url, lines)),
        ALL_OK,
        JSON.stringify(lines.map(([k]) => k)),
      );
    }
  });

  it("refuses, in every form, only the old secret's signature, two timestamps, and a tampered body", async () => {
    const ts = now();
    assert.deepEqual(
      JSON.parse(
        await nodePost(server.url, { "X-SP-Signature": sign(OLD_SECRET, ts), "X-SP-Timestamp": ts }),
      ),
      all("bad_signature"),
    );
    assert.deepEqual(
      JSON.parse(
        await rawPost(server.url, [
          ["X-SP-Signature", sign(NEW_SECRET, ts)],
          ["X-SP-Timestamp", ts],
          ["X-SP-Timestamp", String(Number(ts) - 1000)],
        ]),
      ),
      all("malformed_timestamp"),
    );
    assert.deepEqual(
      JSON.parse(
        await nodePost(
          server.url,
          { "X-SP-Signature": sign(NEW_SECRET, ts), "X-SP-Timestamp": ts },
          BODY.replace('"success_requests": 1', '"success_requests": 2'),
        ),
      ),
      all("bad_signature"),
    );
    assert.deepEqual(JSON.parse(await nodePost(server.url, { "X-SP-Timestamp": ts })), all("missing_header"));
  });
});

describe("the README snippet with WEBHOOK_SECRET unset keeps the receiver alive", () => {
  it("answers 500 invalid_configuration to each delivery instead of dying on a TypeError", async () => {
    assert.equal(process.env[UNSET], undefined);
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.prependListener("uncaughtException", onUncaught);
    // The README's "Verifying webhooks" snippet, as a user pastes it into a node:http handler.
    const server = await listen(async (req, res) => {
      const rawBody = await readBody(req);
      try {
        // The snippet users copied before this fix, `!` included.
        const event = verifyWebhook({ rawBody, headers: req.headers, secret: process.env[UNSET]! });
        res.writeHead(200).end(event.run_id);
      } catch (e) {
        if (e instanceof WebhookVerificationError) res.writeHead(e.status).end(e.reason);
        else throw e;
      }
    });
    try {
      const ts = now();
      for (let i = 0; i < 2; i++) {
        const res = await fetch(server.url, {
          method: "POST",
          headers: { "x-sp-signature": sign(NEW_SECRET, ts), "x-sp-timestamp": ts },
          body: BODY,
        });
        assert.equal(res.status, 500);
        assert.equal(await res.text(), "invalid_configuration");
      }
      assert.deepEqual(uncaught, []);
    } finally {
      process.removeListener("uncaughtException", onUncaught);
      await server.close();
    }
  });

  it("createWebhookVerifier refuses the unset secret when the receiver starts, before any delivery", () => {
    assert.throws(
      () => createWebhookVerifier({ secret: process.env[UNSET] as string }),
      (e: unknown) =>
        e instanceof WebhookVerificationError &&
        e.reason === "invalid_configuration" &&
        /^invalid webhook verifier configuration: secret: is undefined/.test(e.message),
    );
  });

  it("accepts headers as every WebhookHeaders form compiles (type check of the public union)", () => {
    const forms: WebhookHeaders[] = [
      {} as http.IncomingHttpHeaders,
      {} as NodeJS.Dict<string[]>,
      [] as string[],
      new Headers(),
      new Map<string, string>(),
      [["x", "y"]] as [string, string][],
    ];
    assert.equal(forms.length, 6);
  });
});
